//! The integration tests, in one binary: one module per area, sharing `common`. One
//! binary links the crate once instead of once per area, which is most of the build.
//!
//! Run them with `cargo nextest run` (README). Nextest runs every test in a process of
//! its own, so a test that changes process-wide state (the global logger, RUST_LOG) does
//! not reach any other, and none needs a binary of its own.

#[macro_use]
mod common;

mod bot;
mod browser;
mod card_guard;
mod card_page;
mod chat;
mod checkout;
mod cli;
mod cross_platform;
mod db;
mod discord;
mod discord_approvals;
mod discord_gateway;
mod documents;
mod signin;
mod signin_tokens;
mod slack;
mod slack_approvals;
mod startup;
mod store;
mod store_addresses;
mod store_approvals;
mod store_chains;
mod store_documents;
mod store_outbox;
mod store_signin;
mod stripe;
mod teams_approvals;
mod totals;
