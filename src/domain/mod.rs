//! The business vocabulary: money, the catalog, the cart, accounts, approvals, deployments,
//! addresses, shipping, cards, PO numbers and orders. Plain types and rules, no I/O.

pub mod account;
pub(crate) mod address;
pub mod approval;
pub mod approval_chain;
pub(crate) mod bill;
pub mod budget;
pub mod card;
pub(crate) mod cart;
pub mod catalog;
pub mod deployment;
pub mod document;
pub mod email_domain;
pub(crate) mod ids;
pub mod money;
pub mod order;
pub(crate) mod po;
pub mod reprice;
pub(crate) mod shipping;
pub mod text;
