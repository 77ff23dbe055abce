//! The business vocabulary: money, the catalog, the cart, accounts and deployments.
//! Plain types and rules, no I/O.

pub mod account;
pub mod cart;
pub mod catalog;
pub mod deployment;
pub mod money;
