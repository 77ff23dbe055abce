//! Services the engine and the platforms lean on that are neither storage nor platform:
//! the store-backed backend, payments, approvals, settling orders and the outbound ports.

pub mod approvals;
pub mod documents;
pub mod gateway;
pub(crate) mod notifier;
pub mod outbound;
pub(crate) mod outbox;
pub(crate) mod owners;
pub mod payments;
pub mod refunds;
pub(crate) mod settle;
pub(crate) mod shop;
pub mod stripe;
#[cfg(test)]
mod test_orders;
