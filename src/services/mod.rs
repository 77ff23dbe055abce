//! Services the engine and the channels lean on that are neither storage nor platform:
//! the store-backed backend, payments, and prompts.

pub mod approvals;
pub mod backend;
pub mod notifier;
pub mod outbound;
pub mod payments;
pub mod prompts;
pub mod settle;
