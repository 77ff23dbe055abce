//! What the engine asks of the world: the directory, deployment search, saved cards and
//! orders. The engine knows this trait only; the bot passes an implementation backed by
//! the store, and tests pass fakes.

use async_trait::async_trait;

use crate::domain::account::{Account, Identity, IdentityLink};
use crate::domain::card::SavedCard;
use crate::domain::deployment::Deployment;
use crate::domain::order::{Decline, NewOrder, Order, OrderKind};

/// Why the world behind the engine could not answer. Either way the event fails as a
/// whole, the user gets a short message with a reference, and the log the detail.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The store or a service failed.
    #[error(transparent)]
    Failed(Box<dyn std::error::Error + Send + Sync>),
    /// Something the conversation relies on no longer exists (its account, an order).
    #[error("{0} is gone")]
    Gone(String),
}

/// What placing an order came to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Placed {
    Done(Box<Order>),
    /// The card was refused.
    Declined {
        why: Decline,
    },
    /// Placed; the card's bank wants the buyer to confirm the payment at `url`.
    Authenticate {
        order: Box<Order>,
        url: String,
    },
}

pub(crate) type Result<T> = std::result::Result<T, BackendError>;

/// What converting a quote came to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Converted {
    Done(Box<Order>),
    /// Older than QUOTE_VALID_DAYS: its prices may no longer hold.
    Expired {
        expired_at: i64,
    },
    /// Not an open quote of this account.
    NotAQuote,
    /// A line is for an organization (or a deployment of one) the buyer no longer
    /// belongs to.
    NotYours,
}

#[async_trait]
pub(crate) trait Backend: Send + Sync {
    async fn account(&self, account_id: &str) -> Result<Account>;
    /// How and when `who` was linked to its account.
    async fn identity_link(&self, who: &Identity) -> Result<Option<IdentityLink>>;
    /// Ranked matches among the deployments of `orgs`, best first.
    async fn search_deployments(
        &self,
        orgs: &[String],
        query: &str,
        limit: usize,
    ) -> Result<Vec<Deployment>>;
    async fn deployment(&self, id: &str) -> Result<Option<Deployment>>;
    /// Deployments of `orgs` that are easily mistaken for `chosen`.
    async fn look_alikes(&self, orgs: &[String], chosen: &Deployment) -> Result<Vec<Deployment>>;
    async fn saved_cards(&self, account_id: &str) -> Result<Vec<SavedCard>>;
    /// Removes one of the account's saved cards; false if it has no such card.
    async fn remove_card(&self, account_id: &str, card_id: &str) -> Result<bool>;
    /// A one-time link to the card page for this user's checkout; `None` when this
    /// person has had as many links as an hour allows (each may start a processor's
    /// card set-up). `reply_handle` lets the page update the chat message the link was
    /// sent in.
    async fn card_link(
        &self,
        who: &Identity,
        account_id: &str,
        checkout_key: &str,
        reply_handle: Option<&str>,
    ) -> Result<Option<String>>;
    /// Places an order exactly once per `order.key`: a repeat returns the first result.
    async fn place_order(&self, order: NewOrder) -> Result<Placed>;
    /// The account's orders, newest first; only one kind if `kind` is given.
    async fn orders(
        &self,
        account_id: &str,
        kind: Option<OrderKind>,
        limit: usize,
    ) -> Result<Vec<Order>>;
    async fn order(&self, account_id: &str, number: &str) -> Result<Option<Order>>;
    /// Turns one of the account's open quotes into an invoice awaiting payment.
    async fn convert_quote(&self, account_id: &str, number: &str) -> Result<Converted>;
    /// The documents `order` (one the account's, as `order` returned it) has now, oldest
    /// first (`Kind`).
    async fn documents(&self, _order: &Order) -> Result<Vec<crate::domain::document::Kind>> {
        Ok(Vec::new())
    }
    /// Where this order would leave the budget of each organization it counts against
    /// that has one, for the summary. None where nothing keeps budgets.
    async fn budgets(&self, _order: &NewOrder) -> Result<Vec<BudgetLeft>> {
        Ok(Vec::new())
    }
}

/// What an organization's budget has left after an order, as the buyer sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BudgetLeft {
    pub(crate) org: String,
    pub(crate) period: crate::domain::budget::Period,
    pub(crate) left: crate::domain::money::Money,
    pub(crate) over: bool,
}
