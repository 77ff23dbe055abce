//! Channels translate between a platform and the engine: payloads become `Event`s and
//! `Reply`s become the platform's messages. Adding a platform touches one folder here.

pub mod console;
pub mod discord;
