//! Orders and quotes: what a processed checkout becomes, snapshotted so that later
//! catalog or directory changes never rewrite history.

use serde::{Deserialize, Serialize};

use super::address::Address;
use super::money::Money;
use super::shipping::Rate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Order,
    Quote,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Order => "order",
            OrderKind::Quote => "quote",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Saved as a quote; no payment. Can be converted to an invoice.
    Quote,
    /// Wire transfer, check, or a converted quote: not accepted until paid.
    AwaitingPayment,
    /// The card was charged.
    Paid,
    /// The card was declined; the buyer went back to choose another method.
    PaymentFailed,
    /// The organization's policy wants an approver first; nothing is charged yet.
    AwaitingApproval,
    /// An approver said no.
    Rejected,
    /// Nobody decided within APPROVAL_EXPIRE_DAYS.
    Expired,
    /// The card charge was given back in full (`orders refund`).
    Refunded,
    /// The card's bank asks the buyer to confirm the charge (3-D Secure); the order is
    /// paid when the processor says the confirmed payment succeeded.
    AwaitingAuthentication,
    /// The processor took the charge but has not settled it (a bank debit, a delayed
    /// card): not paid until it says the payment succeeded, and failed if it says so.
    PaymentProcessing,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Quote => "quote",
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::PaymentFailed => "payment_failed",
            OrderStatus::AwaitingApproval => "awaiting_approval",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Expired => "expired",
            OrderStatus::Refunded => "refunded",
            OrderStatus::AwaitingAuthentication => "awaiting_authentication",
            OrderStatus::PaymentProcessing => "payment_processing",
        }
    }

    pub(crate) const ALL: [OrderStatus; 10] = [
        OrderStatus::Quote,
        OrderStatus::AwaitingPayment,
        OrderStatus::Paid,
        OrderStatus::PaymentFailed,
        OrderStatus::AwaitingApproval,
        OrderStatus::Rejected,
        OrderStatus::Expired,
        OrderStatus::Refunded,
        OrderStatus::AwaitingAuthentication,
        OrderStatus::PaymentProcessing,
    ];
}

/// Why a card payment failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decline {
    /// The issuer or processor said no, with its reason (safe to show).
    Issuer(String),
    /// The saved card was removed before the charge.
    CardGone,
    /// The payment service could not be reached; nothing was charged.
    Unavailable,
    /// An earlier attempt of this same checkout was declined.
    Earlier,
}

/// How the buyer pays (seed step 11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Payment {
    /// A saved card, by its id; `label` is brand, last 4 and expiry.
    Card {
        card_id: String,
        label: String,
    },
    Wire,
    Check,
    /// Save as a quote; nothing is paid now.
    Quote,
}

/// Something with an id and the name it had when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub name: String,
    pub qty: u32,
    pub unit_price: Money,
    pub total: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Named>,
    /// The organization the deployment belonged to when the line was placed: the line
    /// is that organization's purchase, for approvals and documents alike. Orders
    /// placed before it was recorded leave it out, and the store's deployment answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Named>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub address: Address,
    pub rate: Rate,
}

/// A checkout ready to be placed. `key` makes placing it idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    pub key: String,
    pub account_id: String,
    pub placed_by: String,
    /// The chat identity that placed it: several people can buy for one account, and
    /// the audit trail names the one who did.
    #[serde(default)]
    pub placed_via: Option<crate::domain::account::Identity>,
    pub lines: Vec<OrderLine>,
    pub delivery: Option<Delivery>,
    pub payment: Payment,
    pub po_number: Option<String>,
    pub subtotal: Money,
    pub shipping: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub number: String,
    pub kind: OrderKind,
    pub status: OrderStatus,
    pub created_at: i64,
    #[serde(flatten)]
    pub details: NewOrder,
}

impl NewOrder {
    pub fn kind(&self) -> OrderKind {
        match self.payment {
            Payment::Quote => OrderKind::Quote,
            _ => OrderKind::Order,
        }
    }
}
