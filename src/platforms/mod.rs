//! The chat platforms, each translating between its payloads and the engine: payloads
//! become `Event`s and `Reply`s become the platform's messages. (A "channel" elsewhere
//! is a chat room: where approval requests are posted.) Each platform owns its edges
//! (configuration, HTTP routes, CLI subcommand, outbound ports) and hands them to
//! `main.rs` as one `Platform` value. The terminal chat (`console`) is the program's own and no platform
//! of the list.
//!
//! Adding a platform, say `teams`, changes exactly two lines outside its folder:
//! 1. `pub mod teams;` below;
//! 2. `checkout_bot::platforms::teams::platform()?,` in the list of `platforms()` in
//!    `src/main.rs`.
//!
//! Everything else lives in `src/platforms/teams/`, whose `platform()` returns a
//! `Box<dyn Platform>` (see `platform.rs` for what it must provide).

pub mod console;
pub mod discord;
pub(crate) mod platform;
pub mod slack;
pub mod teams;

pub use platform::Platform;
