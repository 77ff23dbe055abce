//! checkout-bot: a chat-ops purchasing assistant.
//!
//! The vendor's store checkout as a conversation. The `engine` holds the rules and knows
//! no platform; `platforms` translate platform payloads to and from it; the `store` owns
//! all SQL; `bot` ties one event to one stored state change. See DESIGN.md.
//!
//! What is exported is what the binary, the tests and the benchmarks use; the rest of
//! the crate is `pub(crate)`.

/// One event in, one reply out: the entry point every platform calls.
pub mod bot;
/// The core's configuration from the environment, and the checks every reader shares.
pub mod config;
/// The demo catalog, organizations and deployments an empty database gets.
pub mod demo;
/// Money, catalog, cart, orders, accounts and the other things the store deals in.
pub mod domain;
/// The conversation as pure rules: sessions, events, views and the steps.
pub mod engine;
/// The HTTP server that `serve` runs, with each platform's routes merged in.
pub mod http;
/// Reading the operator's catalog and deployments files.
pub mod import;
/// The log filter and the writer that redacts secrets from every line.
pub mod logging;
/// The Prometheus metrics `serve` exposes.
pub mod metrics;
/// The chat platforms (terminal, Discord, Slack) and what each brings to the program.
pub mod platforms;
/// The fuzzy deployment search, for its benchmark.
pub mod search;
/// Payments, approvals, the shop backend and the other services.
pub mod services;
/// Sign-in from chat: providers, links, codes and their pages.
pub mod signin;
/// Every SQL statement: SQLite and PostgreSQL through sqlx.
pub mod store;

pub(crate) mod card_page;
pub(crate) mod document_link;
pub(crate) mod failure;
pub(crate) mod prompts;
pub(crate) mod stripe_webhook;
