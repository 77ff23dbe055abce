//! checkout-bot: a chat-ops purchasing assistant.
//!
//! The vendor's store checkout as a conversation. The `engine` holds the rules and knows
//! no platform; `platforms` translate platform payloads to and from it; the `store` owns
//! all SQL; `bot` ties one event to one stored state change. See DESIGN.md.

pub mod bot;
pub mod card_page;
pub mod config;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod failure;
pub mod http;
pub mod import;
pub mod logging;
pub mod metrics;
pub mod platforms;
pub mod prompts;
pub mod search;
pub mod services;
pub mod signin;
pub mod store;
pub mod stripe_webhook;
