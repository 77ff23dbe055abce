//! A user's conversation state: where they are, what they browse, their cart.
//!
//! Stored whole in the database after every change (DESIGN.md §2): nothing about a
//! conversation is kept in memory between two events.

use serde::{Deserialize, Serialize};

use crate::domain::cart::Cart;

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
}

/// Where in the store the user was looking, kept while they visit other steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Browse {
    /// Empty until the first `/buy`, which opens the default category.
    pub category: String,
    #[serde(default)]
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Step {
    /// Not in any flow: the welcome view.
    #[default]
    Idle,
    /// A category listing.
    Store,
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
    Line { id: u32 },
    /// "Empty your cart?"
    ConfirmEmpty,
    /// Past the cart: the checkout steps.
    Checkout,
}

impl Step {
    /// Whether this step is part of a checkout, which expires after SESSION_TTL idle.
    pub fn in_checkout(&self) -> bool {
        matches!(self, Step::Checkout)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Step::Idle => "welcome",
            Step::Store => "store",
            Step::Product { .. } => "product",
            Step::Wizard { .. } => "wizard",
            Step::Cart { .. } => "cart",
            Step::Line { .. } => "line",
            Step::ConfirmEmpty => "confirm_empty",
            Step::Checkout => "checkout",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
