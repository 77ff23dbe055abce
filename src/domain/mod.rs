//! The business vocabulary: money, the catalog, the cart, accounts, approvals, deployments,
//! addresses, shipping, cards, PO numbers and orders. Plain types and rules, no I/O.

pub mod account;
pub mod address;
pub mod approval;
pub mod bill;
pub mod card;
pub mod cart;
pub mod catalog;
pub mod deployment;
pub mod email_domain;
pub mod ids;
pub mod money;
pub mod order;
pub mod po;
pub mod shipping;
pub mod text;
