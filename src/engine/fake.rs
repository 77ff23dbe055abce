//! An in-memory `Backend` for the engine's unit tests: the demo directory, a saved card
//! that works and one that is declined, and orders kept in a list.

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;

use super::backend::{Backend, Converted, Placed, Result};
use crate::domain::account::{
    Account, Identity, IdentityLink, LinkedVia, Membership, Organization, Role,
};
use crate::domain::card::SavedCard;
use crate::domain::deployment::Deployment;
use crate::domain::order::{NewOrder, Order, OrderKind, OrderStatus, Payment};
use crate::import::deployments::{DEMO_DEPLOYMENTS, parse};
use crate::search::Index;

pub(crate) struct FakeBackend {
    pub(crate) account: Account,
    index: Index,
    pub(crate) cards: Vec<SavedCard>,
    pub(crate) orders: Mutex<Vec<Order>>,
}

fn card(id: &str, last4: &str) -> SavedCard {
    SavedCard {
        id: id.into(),
        brand: "Visa".into(),
        last4: last4.into(),
        exp_month: 12,
        exp_year: 2099,
        token: format!("tok_{id}"),
    }
}

impl FakeBackend {
    /// The demo buyer: Acme Telecom (default) and Borealis Health, not Cobalt.
    pub(crate) fn new() -> Self {
        let orgs: HashSet<String> = ["ORG-ACME", "ORG-BOREALIS", "ORG-COBALT"]
            .map(String::from)
            .into();
        let org = |id: &str, name: &str| Membership {
            org: Organization {
                id: id.into(),
                name: name.into(),
            },
            role: Role::Buyer,
        };
        FakeBackend {
            account: Account {
                id: "acct_test".into(),
                display_name: "Tess".into(),
                default_org: Some("ORG-ACME".into()),
                memberships: vec![
                    org("ORG-ACME", "Acme Telecom"),
                    org("ORG-BOREALIS", "Borealis Health"),
                ],
            },
            index: Index::new(parse(DEMO_DEPLOYMENTS, &orgs).unwrap_or_default()),
            cards: vec![card("card_ok", "4242"), card("card_decline", "0002")],
            orders: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn with_one_org(mut self) -> Self {
        self.account.memberships.truncate(1);
        self
    }

    pub(crate) fn order_count(&self) -> usize {
        self.orders.lock().map(|o| o.len()).unwrap_or(0)
    }
}

#[async_trait]
impl Backend for FakeBackend {
    async fn account(&self, _account_id: &str) -> Result<Account> {
        Ok(self.account.clone())
    }

    async fn identity_link(&self, _who: &Identity) -> Result<Option<IdentityLink>> {
        Ok(Some(IdentityLink {
            via: LinkedVia::Cli,
            at: 1_764_806_400_000,
        }))
    }

    async fn search_deployments(
        &self,
        orgs: &[String],
        query: &str,
        limit: usize,
    ) -> Result<Vec<Deployment>> {
        Ok(self
            .index
            .search(query, 200)
            .into_iter()
            .filter(|h| h.score >= crate::search::RELEVANT)
            .filter(|h| orgs.contains(&h.deployment.org_id))
            .take(limit)
            .map(|h| h.deployment.clone())
            .collect())
    }

    async fn deployment(&self, id: &str) -> Result<Option<Deployment>> {
        Ok(self.index.get(id).cloned())
    }

    async fn look_alikes(&self, orgs: &[String], chosen: &Deployment) -> Result<Vec<Deployment>> {
        Ok(self
            .index
            .look_alikes(chosen)
            .into_iter()
            .filter(|d| orgs.contains(&d.org_id))
            .cloned()
            .collect())
    }

    async fn saved_cards(&self, _account_id: &str) -> Result<Vec<SavedCard>> {
        Ok(self.cards.clone())
    }

    async fn remove_card(&self, _account_id: &str, card_id: &str) -> Result<bool> {
        Ok(self.cards.iter().any(|c| c.id == card_id))
    }

    async fn card_link(
        &self,
        _who: &Identity,
        _account_id: &str,
        checkout_key: &str,
        _reply_handle: Option<&str>,
    ) -> Result<Option<String>> {
        Ok(Some(format!("https://pay.test/pay/{checkout_key}")))
    }

    async fn place_order(&self, new: NewOrder) -> Result<Placed> {
        let mut orders = self.orders.lock().map_err(|_| {
            super::backend::BackendError::Gone("the fake's orders (poisoned)".into())
        })?;
        if let Some(o) = orders.iter().find(|o| o.details.key == new.key) {
            return Ok(Placed::Done(Box::new(o.clone())));
        }
        if matches!(&new.payment, Payment::Card { card_id, .. } if card_id == "card_decline") {
            return Ok(Placed::Declined {
                why: crate::domain::order::Decline::Issuer("the card was declined".into()),
            });
        }
        let (kind, status) = match new.payment {
            Payment::Quote => (OrderKind::Quote, OrderStatus::Quote),
            Payment::Card { .. } => (OrderKind::Order, OrderStatus::Paid),
            _ => (OrderKind::Order, OrderStatus::AwaitingPayment),
        };
        let order = Order {
            number: format!("CB-{}", 100_001 + orders.len()),
            kind,
            status,
            created_at: 1_000 + orders.len() as i64,
            details: new,
        };
        orders.push(order.clone());
        Ok(Placed::Done(Box::new(order)))
    }

    async fn orders(
        &self,
        _account_id: &str,
        kind: Option<OrderKind>,
        limit: usize,
    ) -> Result<Vec<Order>> {
        let orders = self.orders.lock().map_err(|_| {
            super::backend::BackendError::Gone("the fake's orders (poisoned)".into())
        })?;
        Ok(orders
            .iter()
            .rev()
            .filter(|o| kind.is_none_or(|k| o.kind == k))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn order(&self, _account_id: &str, number: &str) -> Result<Option<Order>> {
        let orders = self.orders.lock().map_err(|_| {
            super::backend::BackendError::Gone("the fake's orders (poisoned)".into())
        })?;
        Ok(orders.iter().find(|o| o.number == number).cloned())
    }

    /// As the store's: a quote's (or an order's awaiting approval) quote, an invoice
    /// while a wire or check order waits for payment, a receipt once paid.
    async fn documents(&self, o: &Order) -> Result<Vec<crate::domain::document::Kind>> {
        use crate::domain::document::Kind;
        use crate::domain::order::{OrderStatus, Payment};
        let by_invoice = matches!(o.details.payment, Payment::Wire | Payment::Check);
        Ok(match o.status {
            OrderStatus::Quote | OrderStatus::AwaitingApproval => vec![Kind::Quote],
            OrderStatus::AwaitingPayment if by_invoice => vec![Kind::Invoice],
            OrderStatus::Paid if by_invoice => vec![Kind::Invoice, Kind::Receipt],
            OrderStatus::Paid => vec![Kind::Receipt],
            _ => Vec::new(),
        })
    }

    async fn convert_quote(&self, _account_id: &str, number: &str) -> Result<Converted> {
        let mut orders = self.orders.lock().map_err(|_| {
            super::backend::BackendError::Gone("the fake's orders (poisoned)".into())
        })?;
        let Some(o) = orders
            .iter_mut()
            .find(|o| o.number == number && o.status == OrderStatus::Quote)
        else {
            return Ok(Converted::NotAQuote);
        };
        // The fake has no clock: a quote with the PO number EXPIRED stands for an old one.
        if o.details.po_number.as_deref() == Some("EXPIRED") {
            return Ok(Converted::Expired {
                expired_at: o.created_at,
            });
        }
        o.kind = OrderKind::Order;
        o.status = OrderStatus::AwaitingPayment;
        Ok(Converted::Done(Box::new(o.clone())))
    }
}
