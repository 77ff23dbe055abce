//! What a chat platform brings to the program, as one value: its configuration (read
//! from the environment when the value is made), its outbound ports, its HTTP routes,
//! its CLI subcommand, and its option on `orgs set-approval-channel`. `main.rs` keeps one
//! list of these and asks each in turn; nothing else in `main.rs` names a platform.

use std::sync::Arc;

use async_trait::async_trait;

use crate::bot::Bot;
use crate::metrics::Metrics;
use crate::services::outbound::Outbound;
use crate::store::Store;

#[async_trait]
pub trait Platform: Send + Sync {
    /// Its name: in chat identities, in the CLI (`checkout-bot discord`), and in
    /// `members add --platform`.
    fn name(&self) -> &'static str;

    /// The workspace an identity on it has when an operator names none; `None` when
    /// its users belong to a workspace that must be named (`--workspace`).
    fn default_workspace(&self) -> Option<&'static str>;

    /// Registers its outbound ports (reply updater, notifier), as far as its
    /// configuration allows.
    fn outbound(&self, outbound: Outbound) -> anyhow::Result<Outbound>;

    /// Its HTTP routes for `serve`, if its configuration enables any.
    fn routes(&self, bot: Arc<Bot>, metrics: Arc<Metrics>) -> anyhow::Result<Option<axum::Router>>;

    /// Its subcommand of the CLI, named as the platform.
    fn command(&self) -> clap::Command;

    /// Whether its subcommand, as given, serves chat (and so needs a started bot).
    fn needs_bot(&self, matches: &clap::ArgMatches) -> bool;

    /// Runs its subcommand.
    async fn run(&self, matches: &clap::ArgMatches, bot: Option<Arc<Bot>>) -> anyhow::Result<()>;

    /// Its option on `orgs set-approval-channel` (`--discord CHANNEL_ID`).
    fn approval_channel_arg(&self) -> clap::Arg;

    /// Saves the approval channel given with that option, if it was; whether it was.
    async fn set_approval_channel(
        &self,
        store: &Store,
        org: &str,
        matches: &clap::ArgMatches,
    ) -> anyhow::Result<bool>;
}
