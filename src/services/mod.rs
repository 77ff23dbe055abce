//! Services the engine and the channels lean on that are neither storage nor platform.

pub mod prompts;
