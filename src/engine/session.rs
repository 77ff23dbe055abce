//! A user's conversation state: where they are, what they browse, their cart.
//!
//! Stored whole in the database after every change (DESIGN.md §2): nothing about a
//! conversation is kept in memory between two events.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::address::Address;
use crate::domain::cart::Cart;
use crate::domain::money::Money;
use crate::domain::order::{Named, Payment};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Session {
    /// Bumped on every change; rendered into every action id. Kept in its own column.
    #[serde(skip)]
    pub rev: u64,
    /// When the state last changed, unix milliseconds. Kept in its own column.
    #[serde(skip)]
    pub updated_at: i64,
    pub step: Step,
    #[serde(default)]
    pub browse: Browse,
    #[serde(default)]
    pub cart: Cart,
    /// The answers of a checkout in progress; kept while the user edits the cart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout: Option<Checkout>,
}

/// A deployment as assigned to a cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assigned {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) org_id: String,
}

/// A deployment search and its results, kept so the select can be shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Search {
    pub(crate) query: String,
    pub(crate) results: Vec<Assigned>,
}

/// The answer to "Do you have a reference or PO number?". An enum rather than
/// `Option<Option<_>>`, whose "answered no" would read back from JSON as "not asked".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PoAnswer {
    No,
    Number(String),
}

impl PoAnswer {
    pub(crate) fn number(&self) -> Option<&str> {
        match self {
            PoAnswer::No => None,
            PoAnswer::Number(n) => Some(n),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Checkout {
    /// With `attempt`, what makes placing this order idempotent.
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) attempt: u32,
    /// Cart line id → its deployment.
    #[serde(default)]
    pub(crate) deployments: BTreeMap<u32, Assigned>,
    /// Deployment ids the user confirmed despite look-alikes.
    #[serde(default)]
    pub(crate) confirmed: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) search: Option<Search>,
    /// Cart line id → its organization.
    #[serde(default)]
    pub(crate) organizations: BTreeMap<u32, Named>,
    /// Whether the organization step was passed (or needs no visit).
    #[serde(default)]
    pub(crate) orgs_reviewed: bool,
    #[serde(default)]
    pub(crate) org_query: String,
    #[serde(default)]
    pub(crate) country: String,
    /// The address form as last submitted, valid or not, so nothing typed is lost.
    #[serde(default)]
    pub(crate) address_draft: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) payment: Option<Payment>,
    /// A returning buyer's last saved card or wire transfer: pre-selected on the payment
    /// step, which is still shown. Never applied without that step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) suggested: Option<Payment>,
    /// `None` until the user answers the PO question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) po: Option<PoAnswer>,
    #[serde(default)]
    pub(crate) terms: bool,
    /// The total the summary showed when the buyer last reached it. A later change to
    /// the cart, the rate or the catalog that moves the total is told against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reviewed: Option<Money>,
    /// How often the buyer left this checkout with /cancel. Part of a card link's key, so
    /// a payment page opened before leaving dies, while the answers stay.
    #[serde(default)]
    pub(crate) left: u32,
}

impl Checkout {
    /// What a card link is bound to: this checkout, since the buyer last left it.
    pub(crate) fn link_key(&self) -> String {
        if self.left == 0 {
            self.key.clone()
        } else {
            format!("{}.{}", self.key, self.left)
        }
    }
}

/// Where in the store the user was looking, kept while they visit other steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Browse {
    /// Empty until the first `/buy`, which opens the default category.
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) page: u32,
    /// Family id → the wizard answers given so far, kept when the user steps out (to the
    /// cart, a command) so that coming back resumes the questions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) wizard: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Step {
    /// Not in any flow: the welcome view.
    #[default]
    Idle,
    /// A category listing: browsing the shop. Stored and shown (`view.step`) as `store`,
    /// as it always was.
    #[serde(rename = "store")]
    Browse,
    /// A product's details, with the quantity being chosen.
    Product {
        sku: String,
        qty: u32,
        /// Set when the product was reached through a family's wizard.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        family: Option<String>,
    },
    /// A configurable family's questions, answered so far.
    Wizard {
        family: String,
        answers: Vec<String>,
    },
    Cart {
        #[serde(default)]
        page: u32,
    },
    /// One cart line being changed.
    Line {
        id: u32,
    },
    /// "Empty your cart?"
    ConfirmEmpty,
    /// Choosing the deployment of one cart line.
    Deployment {
        line: u32,
    },
    /// Confirming a deployment that has look-alikes.
    LookAlike {
        line: u32,
        deployment: String,
    },
    Organizations,
    OrganizationLine {
        line: u32,
    },
    Shipping,
    Payment,
    Po,
    PoNumber,
    Terms,
    Summary,
    /// The confirmation of a placed order or saved quote.
    Placed {
        number: String,
    },
    Orders {
        quotes: bool,
    },
    Order {
        number: String,
    },
    Ticket,
    /// Who this chat identity is to the store: account, organizations, roles, link.
    WhoAmI,
    /// Saved cards, with a way to remove one.
    Cards,
    /// "Deployment 613773 already has Endpoint Manager": before buying an order again.
    ConfirmBuyAgain {
        number: String,
    },
    /// "Clear your checkout answers?", from the cart.
    ConfirmStartOver,
    /// "Remove Visa •••• 4242?" after choosing a saved card to remove.
    ConfirmRemoveCard {
        card: String,
    },
    /// "Add 5 × Hourly Support?" as sessions stored before sentences were understood
    /// held it; read, shown and answered as a one-line `Proposal`.
    ConfirmShortcut {
        sku: String,
        qty: u32,
    },
    /// What a typed sentence asked for, waiting for a yes; a line several products fit
    /// is asked about first ("Which phone?").
    Proposal {
        lines: Vec<Proposed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        for_whom: Option<ForWhom>,
    },
}

/// One line of a proposal: how many (none said: one), and the products it may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) qty: Option<u32>,
    pub(crate) skus: Vec<String>,
}

/// The organization or deployment a sentence named ("for Acme"), one of the person's
/// own, to pre-fill the checkout's answer for the proposed lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForWhom {
    Organization(Named),
    /// A deployment, with the deployments that look like it ("104512 Main Office PBX"),
    /// shown in the proposal so that its yes is the look-alike confirmation too.
    Deployment {
        deployment: Assigned,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        look_alikes: Vec<String>,
    },
}

impl Step {
    /// Whether this step is part of a checkout, which expires after SESSION_TTL idle.
    pub(crate) fn in_checkout(&self) -> bool {
        matches!(
            self,
            Step::Deployment { .. }
                | Step::LookAlike { .. }
                | Step::Organizations
                | Step::OrganizationLine { .. }
                | Step::Shipping
                | Step::Payment
                | Step::Po
                | Step::PoNumber
                | Step::Terms
                | Step::Summary
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkout_round_trips_through_json_with_every_answer() {
        let s = Session {
            checkout: Some(Checkout {
                key: "k".into(),
                po: Some(PoAnswer::No),
                payment: Some(Payment::Wire),
                terms: true,
                ..Checkout::default()
            }),
            ..Session::default()
        };
        let back: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(
            back.checkout, s.checkout,
            "\"no PO number\" must not read back as \"not asked\""
        );
    }

    #[test]
    fn state_round_trips_through_json_without_rev() {
        let mut s = Session {
            rev: 7,
            updated_at: 1,
            step: Step::Product {
                sku: "SUP-HOURLY".into(),
                qty: 3,
                family: None,
            },
            ..Session::default()
        };
        s.browse.category = "phones".into();
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("rev"), "{json}");
        let back: Session = serde_json::from_str(&json).unwrap();
        assert_eq!(back.step, s.step);
        assert_eq!(back.browse, s.browse);
        assert_eq!(back.rev, 0);
    }
}
