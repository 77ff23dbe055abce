//! Purchase-order approvals: an organization's policy, the approval an order waits for,
//! and an approver's delegate. Rules only; the store and the approvals service act on them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Money;

/// When an organization wants an approver to confirm an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Every order that carries a PO number.
    pub po_required: bool,
    /// Orders whose total is above this amount.
    pub limit: Option<Decimal>,
}

/// Why an order needs approval, kept with the request so approvers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    PoNumber,
    OverLimit(Decimal),
    /// A chain step applies to the order (its own threshold says which).
    Chain,
    /// The order takes the organization over its budget.
    OverBudget,
}

impl Why {
    /// Stored form: `po` or `limit:AMOUNT`.
    pub(crate) fn as_stored(&self) -> String {
        match self {
            Why::PoNumber => "po".into(),
            Why::OverLimit(l) => format!("limit:{l}"),
            Why::Chain => "chain".into(),
            Why::OverBudget => "budget".into(),
        }
    }

    pub(crate) fn from_stored(s: &str) -> Option<Why> {
        match s.split_once(':') {
            None if s == "po" => Some(Why::PoNumber),
            None if s == "chain" => Some(Why::Chain),
            None if s == "budget" => Some(Why::OverBudget),
            Some(("limit", amount)) => amount.parse().ok().map(Why::OverLimit),
            _ => None,
        }
    }
}

impl Policy {
    /// Whether an order with this PO number and total needs approval. `buyer_limit`, when
    /// the buyer has one, replaces the organization's limit. A PO number counts first:
    /// it is the reason a finance team reads as "this is a purchase order".
    pub(crate) fn requires(
        &self,
        buyer_limit: Option<Decimal>,
        po_number: Option<&str>,
        total: &Money,
    ) -> Option<Why> {
        if self.po_required && po_number.is_some_and(|p| !p.trim().is_empty()) {
            return Some(Why::PoNumber);
        }
        match buyer_limit.or(self.limit) {
            Some(limit) if total.amount > limit => Some(Why::OverLimit(limit)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Rejected,
    Expired,
}

impl Status {
    pub(crate) const ALL: [Status; 4] = [
        Status::Pending,
        Status::Approved,
        Status::Rejected,
        Status::Expired,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Expired => "expired",
        }
    }
}

/// One organization's approval of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub id: String,
    pub order_number: String,
    pub org_id: String,
    /// The requester's account.
    pub requested_by: String,
    pub why: Option<Why>,
    pub status: Status,
    pub created_at: i64,
    pub reminded_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// The account that clicked.
    pub decided_by: Option<String>,
    /// The approver a delegate acted for.
    pub on_behalf_of: Option<String>,
    pub reason: Option<String>,
    /// How many times the request changed while it waited: votes, steps, escalations,
    /// questions and answers, restarts.
    pub revision: i64,
    /// When its steps started again because the order's total rose, and why.
    pub restarted: Option<(i64, String)>,
}

impl Approval {
    /// Names the state a copy of the request shows: each change while it waits, and
    /// how it ended.
    pub fn shown_key(&self) -> String {
        shown_key(self.status, self.decided_at.unwrap_or(0), self.revision)
    }
}

/// The same key for a change being recorded, before the row is read back. A request
/// that never changed while it waited keeps the key copies were marked with before.
pub(crate) fn shown_key(status: Status, decided_at: i64, revision: i64) -> String {
    match revision {
        0 => format!("{}@{decided_at}", status.as_str()),
        r => format!("{}@{decided_at}#{r}", status.as_str()),
    }
}

/// A message the bot posted (an approval request), so that it can be updated later
/// through the platform it was posted on.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Posted {
    pub platform: String,
    pub channel_id: String,
    pub message_id: String,
}

/// What an approver decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject { reason: String },
}

/// An approver's stand-in from `starts_at` until `ends_at` (milliseconds, end excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub id: String,
    pub approver_id: String,
    pub delegate_id: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

impl Delegation {
    pub(crate) fn covers(&self, now: i64) -> bool {
        self.starts_at <= now && now < self.ends_at
    }
}

/// What a control acts on: a request, and the step its copy was drawn for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub approval: String,
    pub step: Option<i64>,
}

impl Target {
    /// `APPROVAL_ID:STEP`, or `APPROVAL_ID` without a step.
    pub fn id(&self) -> String {
        match self.step {
            Some(s) => format!("{}:{s}", self.approval),
            None => self.approval.clone(),
        }
    }

    /// Reads `Target::id`; ids come back in payloads, so anything else is `None`.
    pub fn parse(text: &str) -> Option<Target> {
        let (approval, step) = match text.split_once(':') {
            Some((a, s)) => {
                let plain = !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
                (a, Some(s.parse::<i64>().ok().filter(|_| plain)?))
            }
            None => (text, None),
        };
        let plain = !approval.is_empty()
            && approval.len() <= 40
            && approval
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        plain.then(|| Target {
            approval: approval.to_string(),
            step,
        })
    }
}

/// The longest reason kept; a modal allows no more.
pub(crate) const MAX_REASON: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    fn usd(n: i64) -> Money {
        Money::new(Decimal::from(n), Currency::usd())
    }

    #[test]
    fn a_po_number_or_a_total_above_the_limit_needs_approval() {
        let p = Policy {
            po_required: true,
            limit: Some(Decimal::from(1000)),
        };
        assert_eq!(
            p.requires(None, Some("PO-1"), &usd(10)),
            Some(Why::PoNumber)
        );
        assert_eq!(p.requires(None, Some("  "), &usd(10)), None);
        assert_eq!(
            p.requires(None, None, &usd(1000)),
            None,
            "at the limit is fine"
        );
        assert_eq!(
            p.requires(None, None, &usd(1001)),
            Some(Why::OverLimit(Decimal::from(1000)))
        );
        let off = Policy::default();
        assert_eq!(off.requires(None, Some("PO-1"), &usd(1_000_000)), None);
    }

    #[test]
    fn a_buyer_limit_replaces_the_organization_limit_both_ways() {
        let p = Policy {
            po_required: false,
            limit: Some(Decimal::from(1000)),
        };
        assert_eq!(
            p.requires(Some(Decimal::from(5000)), None, &usd(2000)),
            None
        );
        assert_eq!(
            p.requires(Some(Decimal::from(100)), None, &usd(200)),
            Some(Why::OverLimit(Decimal::from(100)))
        );
    }

    #[test]
    fn reasons_round_trip_through_their_stored_form() {
        for why in [
            Why::PoNumber,
            Why::OverLimit("2500.50".parse().unwrap()),
            Why::Chain,
            Why::OverBudget,
        ] {
            assert_eq!(Why::from_stored(&why.as_stored()), Some(why));
        }
        assert_eq!(Why::from_stored("limit:abc"), None);
        assert_eq!(Why::from_stored("other"), None);
    }

    #[test]
    fn a_delegation_covers_its_range_only() {
        let d = Delegation {
            id: "d".into(),
            approver_id: "a".into(),
            delegate_id: "b".into(),
            starts_at: 100,
            ends_at: 200,
        };
        assert!(!d.covers(99));
        assert!(d.covers(100));
        assert!(d.covers(199));
        assert!(!d.covers(200));
    }
}
