//! Channels translate between a platform and the engine: payloads become `Event`s and
//! `Reply`s become the platform's messages. Each channel owns its edges (configuration,
//! HTTP routes, CLI subcommand, outbound ports); adding a platform is one folder here,
//! its `mod` line below, and its registration in `main.rs` (`Platforms`).

pub mod console;
pub mod discord;
pub mod slack;
