//! Microsoft Teams, on the Bot Framework's REST protocol (no Microsoft SDK exists for
//! Rust): activities in at `POST /teams/messages`, each with a verified token
//! (`verify`); replies out through the connector (`connector`), via the outbox; the
//! checkout as Adaptive Cards 1.5 whose `Action.Execute` clicks are answered in place
//! (`render`). `checkout-bot teams package` builds the app package to upload.
//!
//! A Teams person is the identity (`teams`, tenant id, Entra object id): the same person
//! in every team and chat of their organization.

pub(crate) mod approvals;
pub(crate) mod cards;
pub mod cli;
pub mod config;
pub(crate) mod connector;
pub(crate) mod dialog;
pub(crate) mod directory;
pub mod http;
pub(crate) mod outbound;
pub(crate) mod package;
pub(crate) mod render;
pub(crate) mod verify;

#[cfg(test)]
mod tests;

/// Teams as one of the program's platforms (`main.rs`'s list).
pub use cli::platform;

use crate::domain::account::Identity;

pub(crate) const PLATFORM: &str = "teams";

pub(crate) fn identity(tenant: &str, user: &str) -> Identity {
    Identity::new(PLATFORM, tenant, user)
}
