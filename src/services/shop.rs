//! The shop behind the conversation: the engine's `Backend`, built on the store, the
//! deployment search index, the payment processor and approvals.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::RwLock;

use super::approvals::Approvals;
use super::payments::Payments;
use super::settle::{Settle, Settled};
use crate::domain::account::{Account, Identity, IdentityLink};
use crate::domain::card::SavedCard;
use crate::domain::deployment::Deployment;
use crate::domain::order::{Decline, NewOrder, Order, OrderKind, OrderStatus, Payment};
use crate::engine::backend::{Backend, BackendError, BudgetLeft, Converted, Placed, Result};
use crate::search::Index;
use crate::store::{Store, StoreError, now_ms};

/// A search index per organization, with the version of the deployments it was built from.
type Indexes = HashMap<String, ((i64, i64), Arc<Index>)>;

/// The rate-limit count of card links, and how many one chat identity gets an hour.
const CARD_LINK_KIND: &str = "card_link";
const CARD_LINKS_PER_HOUR: i64 = 20;

pub(crate) struct Shop {
    store: Store,
    payments: Arc<dyn Payments>,
    settle: Settle,
    public_url: String,
    /// QUOTE_VALID_DAYS, in milliseconds.
    quote_valid_ms: i64,
    indexes: RwLock<Indexes>,
    /// Decides which orders wait for an approver and announces them; without it no
    /// order does.
    approvals: Option<Arc<Approvals>>,
}

fn err(e: StoreError) -> BackendError {
    BackendError::Failed(Box::new(e))
}

impl Shop {
    #[cfg(test)]
    pub(crate) fn new(store: Store, payments: Arc<dyn Payments>) -> Self {
        Shop::with_public_url(store, payments, "http://127.0.0.1:8080")
    }

    /// `public_url` is where the card page is reached, for the links it hands out.
    pub(crate) fn with_public_url(
        store: Store,
        payments: Arc<dyn Payments>,
        public_url: &str,
    ) -> Self {
        Shop {
            settle: Settle::new(store.clone(), payments.clone(), public_url),
            store,
            payments,
            public_url: public_url.trim_end_matches('/').to_string(),
            quote_valid_ms: 30 * 24 * 3600 * 1000,
            indexes: RwLock::new(HashMap::new()),
            approvals: None,
        }
    }

    /// Orders that an organization's policy wants approved wait for `approvals`.
    pub(crate) fn with_approvals(mut self, approvals: Arc<Approvals>) -> Self {
        self.approvals = Some(approvals);
        self
    }

    /// How long a quote can be converted to an invoice.
    pub(crate) fn quotes_valid_for(mut self, days: u32) -> Self {
        self.quote_valid_ms = i64::from(days) * 24 * 3600 * 1000;
        self
    }

    pub(crate) fn payments(&self) -> Arc<dyn Payments> {
        self.payments.clone()
    }

    /// The organization's index, rebuilt only when its deployments changed. Deployments
    /// are reference data that changes by import, so every process may cache it.
    async fn index(&self, org: &str) -> Result<Arc<Index>> {
        let version = self.store.deployments_version(org).await.map_err(err)?;
        if let Some((v, index)) = self.indexes.read().await.get(org)
            && *v == version
        {
            return Ok(index.clone());
        }
        let index = Arc::new(Index::new(
            self.store.deployments_of(org).await.map_err(err)?,
        ));
        self.indexes
            .write()
            .await
            .insert(org.to_string(), (version, index.clone()));
        Ok(index)
    }

    fn result_of(order: Order) -> Placed {
        match order.status {
            OrderStatus::PaymentFailed => Placed::Declined {
                why: Decline::Earlier,
            },
            _ => Placed::Done(Box::new(order)),
        }
    }
}

#[async_trait]
impl Backend for Shop {
    async fn identity_link(&self, who: &Identity) -> Result<Option<IdentityLink>> {
        self.store.identity_link(who).await.map_err(err)
    }

    async fn account(&self, account_id: &str) -> Result<Account> {
        self.store
            .account(account_id)
            .await
            .map_err(err)?
            .ok_or_else(|| BackendError::Gone(format!("account {account_id}")))
    }

    async fn search_deployments(
        &self,
        orgs: &[String],
        query: &str,
        limit: usize,
    ) -> Result<Vec<Deployment>> {
        let mut hits: Vec<(f64, Deployment)> = Vec::new();
        for org in orgs {
            let index = self.index(org).await?;
            hits.extend(
                index
                    .search(query, limit)
                    .into_iter()
                    .filter(|h| h.score >= crate::search::RELEVANT)
                    .map(|h| (h.score, h.deployment.clone())),
            );
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Ok(hits.into_iter().take(limit).map(|(_, d)| d).collect())
    }

    async fn deployment(&self, id: &str) -> Result<Option<Deployment>> {
        self.store.deployment(id).await.map_err(err)
    }

    async fn look_alikes(&self, orgs: &[String], chosen: &Deployment) -> Result<Vec<Deployment>> {
        let mut out: Vec<Deployment> = Vec::new();
        for org in orgs {
            let index = self.index(org).await?;
            out.extend(index.look_alikes(chosen).into_iter().cloned());
        }
        Ok(out)
    }

    async fn saved_cards(&self, account_id: &str) -> Result<Vec<SavedCard>> {
        self.store.cards(account_id).await.map_err(err)
    }

    async fn remove_card(&self, account_id: &str, card_id: &str) -> Result<bool> {
        let card = self.store.card(account_id, card_id).await.map_err(err)?;
        let removed = self
            .store
            .remove_card(account_id, card_id)
            .await
            .map_err(err)?;
        // Gone from the shop first: a processor that is down must not keep the card listed.
        if removed
            && let Some(card) = card
            && let Err(e) = self.payments.forget(&card.token).await
        {
            tracing::warn!(card = %card_id, error = %e, "removed a card, but the processor still holds it");
        }
        Ok(removed)
    }

    async fn card_link(
        &self,
        who: &Identity,
        account_id: &str,
        checkout_key: &str,
        reply_handle: Option<&str>,
    ) -> Result<Option<String>> {
        let now = now_ms();
        let subject = who.to_string();
        let made = self
            .store
            .signin_sends_since(CARD_LINK_KIND, &subject, now - 3_600_000)
            .await
            .map_err(err)?;
        if made >= CARD_LINKS_PER_HOUR {
            tracing::info!(%who, "refused another card link this hour");
            return Ok(None);
        }
        self.store
            .record_signin_send(CARD_LINK_KIND, &subject, now)
            .await
            .map_err(err)?;
        let token = crate::domain::ids::new_secret();
        let csrf = crate::domain::ids::new_secret();
        self.store
            .create_card_link(&crate::store::card_links::NewCardLink {
                token: &token,
                who,
                account_id,
                checkout_key,
                csrf: &csrf,
                valid_ms: crate::domain::card::LINK_VALID_MS,
                reply_handle,
            })
            .await
            .map_err(err)?;
        Ok(Some(format!("{}/pay/{token}", self.public_url)))
    }

    async fn place_order(&self, new: NewOrder) -> Result<Placed> {
        if let Some(existing) = self.store.order_by_key(&new.key).await.map_err(err)? {
            return Ok(Self::result_of(existing));
        }
        let needed = match &self.approvals {
            Some(a) => {
                let default_org = self.account(&new.account_id).await?.default_org;
                a.needed(&new, default_org.as_deref()).await.map_err(err)?
            }
            None => Default::default(),
        };
        let approvals = &needed.wanted;
        let number = self.store.next_order_number().await.map_err(err)?;
        let (kind, status) = match new.payment {
            Payment::Quote => (OrderKind::Quote, OrderStatus::Quote),
            _ if !approvals.is_empty() => (OrderKind::Order, OrderStatus::AwaitingApproval),
            // A card order waits for its charge, which follows at once.
            _ => (OrderKind::Order, OrderStatus::AwaitingPayment),
        };
        let mut order = Order {
            number,
            kind,
            status,
            created_at: now_ms(),
            details: new,
        };
        if !self
            .store
            .insert_order_with(&order, approvals, &needed.shares)
            .await
            .map_err(err)?
        {
            // The same checkout was placed by a concurrent click: answer with that order.
            let existing = self
                .store
                .order_by_key(&order.details.key)
                .await
                .map_err(err)?;
            return existing
                .map(Self::result_of)
                .ok_or_else(|| BackendError::Gone("the order that won a key conflict".into()));
        }
        tracing::info!(number = %order.number, kind = order.kind.as_str(), status = order.status.as_str(), "order placed");
        if let (Some(a), false) = (&self.approvals, approvals.is_empty()) {
            // A request that cannot be posted now is posted by the next sweep.
            if let Err(e) = a.announce(&order.number).await {
                tracing::warn!(number = %order.number, error = %e, "could not announce an approval request");
            }
            return Ok(Placed::Done(Box::new(order)));
        }
        match self.settle.settle(&order).await.map_err(err)? {
            Settled::Paid => order.status = OrderStatus::Paid,
            Settled::Declined(why) => return Ok(Placed::Declined { why }),
            Settled::NeedsAuthentication { url } => {
                order.status = OrderStatus::AwaitingAuthentication;
                return Ok(Placed::Authenticate {
                    order: Box::new(order),
                    url,
                });
            }
            Settled::Processing => order.status = OrderStatus::PaymentProcessing,
            Settled::AwaitsPayment | Settled::Nothing => {}
        }
        Ok(Placed::Done(Box::new(order)))
    }

    async fn orders(
        &self,
        account_id: &str,
        kind: Option<OrderKind>,
        limit: usize,
    ) -> Result<Vec<Order>> {
        let mut orders = self
            .store
            .orders(account_id, kind, limit)
            .await
            .map_err(err)?;
        // A declined attempt is not an order the buyer has.
        orders.retain(|o| o.status != OrderStatus::PaymentFailed);
        Ok(orders)
    }

    async fn order(&self, account_id: &str, number: &str) -> Result<Option<Order>> {
        self.store.order(account_id, number).await.map_err(err)
    }

    async fn documents(&self, order: &Order) -> Result<Vec<crate::domain::document::Kind>> {
        crate::services::documents::available(&self.store, order)
            .await
            .map_err(err)
    }

    async fn budgets(&self, order: &NewOrder) -> Result<Vec<BudgetLeft>> {
        let Some(a) = &self.approvals else {
            return Ok(Vec::new());
        };
        let default_org = self.account(&order.account_id).await?.default_org;
        let shares = crate::services::owners::shares(
            &self.store,
            &order.lines,
            order.total.amount,
            default_org.as_deref(),
        )
        .await
        .map_err(err)?;
        let names = self.store.orgs().await.map_err(err)?;
        let mut out = Vec::new();
        for (org, share) in shares {
            if let Some(st) = a.standing(&org, share, now_ms(), None).await.map_err(err)? {
                out.push(BudgetLeft {
                    org: names
                        .iter()
                        .find(|o| o.id == org)
                        .map_or(org.clone(), |o| o.name.clone()),
                    period: st.budget.period,
                    left: crate::domain::money::Money::new(
                        st.remaining_after(),
                        order.total.currency.clone(),
                    ),
                    over: st.over(),
                });
            }
        }
        Ok(out)
    }

    async fn convert_quote(&self, account_id: &str, number: &str) -> Result<Converted> {
        let Some(quote) = self.store.order(account_id, number).await.map_err(err)? else {
            return Ok(Converted::NotAQuote);
        };
        if quote.status != OrderStatus::Quote {
            return Ok(Converted::NotAQuote);
        }
        let expires_at = quote.created_at.saturating_add(self.quote_valid_ms);
        if expires_at < now_ms() {
            return Ok(Converted::Expired {
                expired_at: expires_at,
            });
        }
        // The buyer may have left an organization since: every line must still be theirs.
        let account = self.account(account_id).await?;
        let owners = crate::services::owners::owners(&self.store, &quote.details.lines)
            .await
            .map_err(err)?;
        if !owners.unknown.is_empty() || owners.orgs.iter().any(|o| !account.belongs_to(o)) {
            tracing::info!(
                number,
                account_id,
                "refused to convert a quote for an organization the buyer left"
            );
            return Ok(Converted::NotYours);
        }
        // An invoice is a purchase: the policy applies as it would to a wire order.
        let needed = match &self.approvals {
            Some(a) => {
                let mut as_order = quote.details.clone();
                as_order.payment = Payment::Wire;
                a.needed(&as_order, account.default_org.as_deref())
                    .await
                    .map_err(err)?
            }
            None => Default::default(),
        };
        let approvals = &needed.wanted;
        let converted = self
            .store
            .convert_quote_with(account_id, number, approvals, Some(&needed.shares))
            .await
            .map_err(err)?;
        let Some(order) = converted else {
            return Ok(Converted::NotAQuote);
        };
        if let (Some(a), false) = (&self.approvals, approvals.is_empty())
            && let Err(e) = a.announce(number).await
        {
            tracing::warn!(number, error = %e, "could not announce an approval request");
        }
        Ok(Converted::Done(Box::new(order)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use crate::domain::account::Identity;
    use crate::domain::money::{Currency, Money};
    use crate::services::payments::{Charge, MockPayments, PaymentError};

    async fn store() -> (Store, String, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite:{}", dir.path().join("b.db").display()))
            .await
            .unwrap();
        demo::seed_if_empty(&store).await.unwrap();
        let who = Identity::new("console", "local", "demo");
        let account = store.account_id_for(&who).await.unwrap().unwrap();
        (store, account, dir)
    }

    fn card_order(store_account: &str, card_id: &str, key: &str) -> NewOrder {
        let usd = Money::new(rust_decimal::Decimal::from(500), Currency::usd());
        NewOrder {
            key: key.into(),
            account_id: store_account.into(),
            placed_by: "Demo".into(),
            placed_via: None,
            lines: Vec::new(),
            delivery: None,
            payment: Payment::Card {
                card_id: card_id.into(),
                label: "Visa".into(),
            },
            po_number: None,
            subtotal: usd.clone(),
            shipping: Money::zero(Currency::usd()),
            total: usd,
        }
    }

    #[tokio::test]
    async fn a_card_is_charged_once_per_key_and_the_order_is_paid() {
        let (store, account, _dir) = store().await;
        let card = store.cards(&account).await.unwrap().remove(0);
        let mut payments = MockPayments::new();
        payments
            .expect_charge()
            .withf(|token, amount, key| {
                token == "tok_sandbox_visa" && amount.plain() == "USD 500.00" && key == "k1"
            })
            .times(1)
            .returning(|_, _, _| Ok(Charge { id: "ch_1".into() }));
        let backend = Shop::new(store.clone(), Arc::new(payments));
        let first = backend
            .place_order(card_order(&account, &card.id, "k1"))
            .await
            .unwrap();
        let again = backend
            .place_order(card_order(&account, &card.id, "k1"))
            .await
            .unwrap();
        let (Placed::Done(a), Placed::Done(b)) = (first, again) else {
            panic!("not placed")
        };
        assert_eq!(a.number, b.number);
        assert_eq!(
            store
                .order(&account, &a.number)
                .await
                .unwrap()
                .unwrap()
                .status,
            OrderStatus::Paid
        );
    }

    #[tokio::test]
    async fn a_declined_card_is_not_an_order_the_buyer_has() {
        let (store, account, _dir) = store().await;
        let card = store.cards(&account).await.unwrap().remove(0);
        let mut payments = MockPayments::new();
        payments
            .expect_charge()
            .times(1)
            .returning(|_, _, _| Err(PaymentError::Declined("insufficient funds".into())));
        let backend = Shop::new(store.clone(), Arc::new(payments));
        let placed = backend
            .place_order(card_order(&account, &card.id, "k2"))
            .await
            .unwrap();
        assert_eq!(
            placed,
            Placed::Declined {
                why: Decline::Issuer("insufficient funds".into())
            }
        );
        assert!(backend.orders(&account, None, 10).await.unwrap().is_empty());
        let stored = store.order_by_key("k2").await.unwrap().unwrap();
        assert_eq!(stored.status, OrderStatus::PaymentFailed);
    }

    #[tokio::test]
    async fn quotes_older_than_their_validity_are_not_converted() {
        let (store, account, _dir) = store().await;
        let backend = Shop::new(store.clone(), Arc::new(MockPayments::new())).quotes_valid_for(30);
        let mut quote = card_order(&account, "", "q1");
        quote.payment = Payment::Quote;
        let day = 24 * 3600 * 1000;
        let old = Order {
            number: "CB-1".into(),
            kind: OrderKind::Quote,
            status: OrderStatus::Quote,
            created_at: now_ms() - 31 * day,
            details: quote.clone(),
        };
        store.insert_order(&old).await.unwrap();
        quote.key = "q2".into();
        let fresh = Order {
            number: "CB-2".into(),
            created_at: now_ms() - 29 * day,
            details: quote,
            ..old.clone()
        };
        store.insert_order(&fresh).await.unwrap();
        assert!(matches!(
            backend.convert_quote(&account, "CB-1").await.unwrap(),
            Converted::Expired { .. }
        ));
        assert!(matches!(
            backend.convert_quote(&account, "CB-2").await.unwrap(),
            Converted::Done(_)
        ));
        assert_eq!(
            backend.convert_quote(&account, "CB-2").await.unwrap(),
            Converted::NotAQuote
        );
    }

    #[tokio::test]
    async fn a_po_quote_converted_under_the_policy_waits_for_an_approver() {
        let (store, account, _dir) = store().await;
        store
            .set_policy(
                "ORG-ACME",
                &crate::domain::approval::Policy {
                    po_required: true,
                    limit: None,
                },
            )
            .await
            .unwrap();
        let backend = with_approvals(&store);
        let mut quote = card_order(&account, "", "q3");
        quote.payment = Payment::Quote;
        quote.po_number = Some("PO-9".into());
        let Placed::Done(saved) = backend.place_order(quote).await.unwrap() else {
            panic!("not saved")
        };
        assert_eq!(
            saved.status,
            OrderStatus::Quote,
            "saving a quote needs no approval"
        );
        let Converted::Done(order) = backend
            .convert_quote(&account, &saved.number)
            .await
            .unwrap()
        else {
            panic!("not converted")
        };
        assert_eq!(order.status, OrderStatus::AwaitingApproval);
        assert_eq!(store.approvals_of(&saved.number).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn the_summary_shows_the_budget_left_and_an_order_over_it_waits_for_the_admins() {
        let (store, account, _dir) = store().await;
        store
            .set_budget(
                "ORG-ACME",
                Some(&crate::domain::budget::Budget {
                    period: crate::domain::budget::Period::Month,
                    amount: rust_decimal::Decimal::from(1000),
                }),
            )
            .await
            .unwrap();
        let shop = with_approvals(&store);
        let mut first = card_order(&account, "", "b1");
        first.payment = Payment::Wire;
        let Placed::Done(placed) = shop.place_order(first).await.unwrap() else {
            panic!("not placed")
        };
        assert_eq!(placed.status, OrderStatus::AwaitingPayment, "within budget");

        let mut second = card_order(&account, "", "b2");
        second.payment = Payment::Wire;
        let left = shop.budgets(&second).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].org, "Acme Telecom");
        assert_eq!(left[0].left.amount, rust_decimal::Decimal::ZERO);
        assert!(!left[0].over, "exactly at the budget is within it");
        second.total = Money::new(rust_decimal::Decimal::from(501), Currency::usd());
        let left = shop.budgets(&second).await.unwrap();
        assert_eq!(left[0].left.amount, rust_decimal::Decimal::from(-1));
        assert!(left[0].over);
        let Placed::Done(over) = shop.place_order(second).await.unwrap() else {
            panic!("not placed")
        };
        assert_eq!(over.status, OrderStatus::AwaitingApproval);
        let a = store.approvals_of(&over.number).await.unwrap().remove(0);
        assert_eq!(a.why, Some(crate::domain::approval::Why::OverBudget));
        let steps = store.approval_steps(&a.id).await.unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(
            steps[0].approvers,
            crate::domain::approval_chain::Approvers::Role(crate::domain::account::Role::Admin)
        );
    }

    fn with_approvals(store: &Store) -> Shop {
        let payments: Arc<dyn Payments> = Arc::new(MockPayments::new());
        let approvals = Arc::new(Approvals::new(
            store.clone(),
            payments.clone(),
            crate::services::outbound::Outbound::default(),
            Arc::new(crate::prompts::Prompts::embedded().unwrap()),
            Default::default(),
        ));
        Shop::new(store.clone(), payments).with_approvals(approvals)
    }

    fn po_required(store: &Store, org: &'static str) -> impl std::future::Future<Output = ()> {
        let store = store.clone();
        async move {
            store
                .set_policy(
                    org,
                    &crate::domain::approval::Policy {
                        po_required: true,
                        limit: None,
                    },
                )
                .await
                .unwrap();
        }
    }

    /// A plan for Borealis's deployment 512300, by wire with a PO number.
    fn plan_for_512300(account: &str, key: &str, recorded_org: Option<&str>) -> NewOrder {
        let mut order = card_order(account, "", key);
        order.payment = Payment::Wire;
        order.po_number = Some("PO-7".into());
        order.lines = vec![crate::domain::order::OrderLine {
            sku: "POMP-STD-1Y".into(),
            name: "Peace of Mind Plan".into(),
            qty: 1,
            unit_price: order.total.clone(),
            total: order.total.clone(),
            deployment: Some(crate::domain::order::Named {
                id: "512300".into(),
                name: "Denver Clinic".into(),
            }),
            deployment_org: recorded_org.map(String::from),
            organization: None,
        }];
        order
    }

    #[tokio::test]
    async fn a_deployment_line_is_approved_by_the_deployments_organization_not_the_default() {
        let (store, account, _dir) = store().await;
        let acct = store.account(&account).await.unwrap().unwrap();
        assert_eq!(acct.default_org.as_deref(), Some("ORG-ACME"));
        po_required(&store, "ORG-BOREALIS").await;
        let shop = with_approvals(&store);
        // As placed today (the line records Borealis) and as placed before that was
        // recorded (the store's deployment answers): both wait for Borealis.
        for (key, recorded) in [("k-rec", Some("ORG-BOREALIS")), ("k-old", None)] {
            let Placed::Done(order) = shop
                .place_order(plan_for_512300(&account, key, recorded))
                .await
                .unwrap()
            else {
                panic!("not placed")
            };
            assert_eq!(order.status, OrderStatus::AwaitingApproval, "{key}");
            let asked: Vec<String> = store
                .approvals_of(&order.number)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.org_id)
                .collect();
            assert_eq!(asked, ["ORG-BOREALIS"], "{key}");
        }
        // Acme's own policy does not reach a Borealis line.
        store
            .set_policy("ORG-BOREALIS", &Default::default())
            .await
            .unwrap();
        po_required(&store, "ORG-ACME").await;
        let Placed::Done(order) = shop
            .place_order(plan_for_512300(&account, "k-acme", Some("ORG-BOREALIS")))
            .await
            .unwrap()
        else {
            panic!("not placed")
        };
        assert_eq!(order.status, OrderStatus::AwaitingPayment);
    }

    #[tokio::test]
    async fn a_quote_is_not_converted_by_someone_who_left_its_organization() {
        let (store, account, _dir) = store().await;
        let shop = with_approvals(&store);
        let mut for_org = card_order(&account, "", "q-org");
        for_org.payment = Payment::Quote;
        for_org.lines = vec![crate::domain::order::OrderLine {
            sku: "SUP-CREDIT".into(),
            name: "Support Credits".into(),
            qty: 5,
            unit_price: for_org.total.clone(),
            total: for_org.total.clone(),
            deployment: None,
            deployment_org: None,
            organization: Some(crate::domain::order::Named {
                id: "ORG-BOREALIS".into(),
                name: "Borealis Health".into(),
            }),
        }];
        let mut for_deployment = plan_for_512300(&account, "q-dep", None);
        for_deployment.payment = Payment::Quote;
        let mut numbers = Vec::new();
        for quote in [for_org, for_deployment] {
            let Placed::Done(q) = shop.place_order(quote).await.unwrap() else {
                panic!("not saved")
            };
            numbers.push(q.number);
        }
        assert!(
            store
                .remove_membership(&account, "ORG-BOREALIS")
                .await
                .unwrap()
        );
        for number in &numbers {
            assert_eq!(
                shop.convert_quote(&account, number).await.unwrap(),
                Converted::NotYours,
                "{number}"
            );
            let still = store.order(&account, number).await.unwrap().unwrap();
            assert_eq!(still.status, OrderStatus::Quote, "nothing changed");
        }
    }

    #[tokio::test]
    async fn card_links_are_limited_per_person() {
        let (store, account, _dir) = store().await;
        let shop = Shop::new(store.clone(), Arc::new(MockPayments::new()));
        let who = Identity::new("console", "local", "demo");
        for n in 0..CARD_LINKS_PER_HOUR {
            let link = shop.card_link(&who, &account, "k", None).await.unwrap();
            assert!(link.is_some(), "link {n}");
        }
        assert_eq!(
            shop.card_link(&who, &account, "k", None).await.unwrap(),
            None
        );
        let other = Identity::new("console", "local", "someone-else");
        assert!(
            shop.card_link(&other, &account, "k", None)
                .await
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test]
    async fn search_sees_only_the_given_organizations_and_new_imports() {
        let (store, _account, _dir) = store().await;
        let backend = Shop::new(store.clone(), Arc::new(MockPayments::new()));
        let acme = vec!["ORG-ACME".to_string()];
        let found = backend
            .search_deployments(&acme, "main office pbx", 10)
            .await
            .unwrap();
        assert!(found.iter().all(|d| d.org_id == "ORG-ACME"));
        assert!(found.iter().any(|d| d.id == "104512"));
        let new = Deployment {
            id: "999001".into(),
            name: "Brand New Annex".into(),
            org_id: "ORG-ACME".into(),
        };
        store.upsert_deployments(&[new]).await.unwrap();
        let found = backend
            .search_deployments(&acme, "brand new annex", 1)
            .await
            .unwrap();
        assert_eq!(
            found[0].id, "999001",
            "the cached index is rebuilt after an import"
        );
    }
}
