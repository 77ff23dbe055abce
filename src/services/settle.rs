//! Settling a placed order: the one place a card is charged, for a checkout placed at
//! once and for an order an approver let through alike. The charge uses the order's
//! idempotency key, so a retry or a second process never charges twice.

use std::sync::Arc;

use super::payments::{PaymentError, Payments};
use crate::domain::order::{Decline, Order, OrderStatus, Payment};
use crate::store::{Result, Store};

/// What settling came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The card was charged; the order is paid.
    Paid,
    /// The card was refused; the order is marked as failed and nothing was charged.
    Declined(Decline),
    /// The bank wants the buyer to confirm the payment, at this one-time link.
    NeedsAuthentication { url: String },
    /// The processor has the charge but has not settled it; the order waits for its
    /// word (the webhook) and is not paid.
    Processing,
    /// Wire transfer, check or invoice: the order waits for the money.
    AwaitsPayment,
    /// A quote: nothing to settle.
    Nothing,
}

/// How long a link to confirm a payment works: a day, as the bank's request may reach
/// the buyer late (an order an approver let through while they were away).
pub(crate) const CONFIRM_VALID_MS: i64 = 24 * 3_600_000;

pub(crate) struct Settle {
    store: Store,
    payments: Arc<dyn Payments>,
    public_url: String,
}

impl Settle {
    /// Settles through `payments`; links to confirm a payment start with `public_url`.
    pub(crate) fn new(store: Store, payments: Arc<dyn Payments>, public_url: &str) -> Self {
        Settle {
            store,
            payments,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    /// Charges a card order its total and records the outcome with the order's status
    /// and audit trail; other methods are left waiting as they are.
    pub(crate) async fn settle(&self, order: &Order) -> Result<Settled> {
        let d = &order.details;
        let card_id = match &d.payment {
            Payment::Card { card_id, .. } => card_id,
            Payment::Wire | Payment::Check => return Ok(Settled::AwaitsPayment),
            Payment::Quote => return Ok(Settled::Nothing),
        };
        let card = self.store.card(&d.account_id, card_id).await?;
        let mut authenticate = None;
        let mut processing = None;
        let charged = match &card {
            Some(card) => self
                .payments
                .charge(&card.token, &d.total, &d.key)
                .await
                .map_err(|e| match e {
                    PaymentError::NeedsAuthentication(charge) => {
                        authenticate = Some(charge);
                        Decline::Unavailable
                    }
                    PaymentError::Processing(charge) => {
                        processing = Some(charge);
                        Decline::Unavailable
                    }
                    PaymentError::Declined(reason) => Decline::Issuer(reason),
                    PaymentError::Unavailable(why) => {
                        tracing::warn!(number = %order.number, error = %why, "payment service unavailable");
                        Decline::Unavailable
                    }
                }),
            None => Err(Decline::CardGone),
        };
        if let Some(charge) = authenticate {
            return self.awaiting_authentication(order, &charge).await;
        }
        if let Some(charge) = processing {
            self.store.record_charge(&order.number, &charge).await?;
            self.store
                .set_order_status(&order.number, OrderStatus::PaymentProcessing, "system")
                .await?;
            tracing::info!(number = %order.number, "the payment is processing; waiting for the processor's word");
            return Ok(Settled::Processing);
        }
        let (status, settled) = match charged {
            Ok(charge) => {
                // Before the status, so a paid order always has what a refund needs.
                self.store.record_charge(&order.number, &charge.id).await?;
                self.forget_if_one_time(&d.account_id, card_id, card.as_ref())
                    .await;
                (OrderStatus::Paid, Settled::Paid)
            }
            Err(why) => {
                tracing::info!(number = %order.number, ?why, "card payment failed");
                (OrderStatus::PaymentFailed, Settled::Declined(why))
            }
        };
        self.store
            .set_order_status(&order.number, status, "system")
            .await?;
        Ok(settled)
    }

    /// The charge waits for the buyer's bank: the order says so, and the buyer gets a
    /// one-time link to confirm it.
    async fn awaiting_authentication(&self, order: &Order, charge: &str) -> Result<Settled> {
        self.store.record_charge(&order.number, charge).await?;
        self.store
            .set_order_status(&order.number, OrderStatus::AwaitingAuthentication, "system")
            .await?;
        let token = crate::domain::ids::new_secret();
        self.store
            .create_payment_link(
                &token,
                &order.number,
                &order.details.account_id,
                &crate::domain::ids::new_secret(),
                CONFIRM_VALID_MS,
            )
            .await?;
        tracing::info!(number = %order.number, "the card's bank asks the buyer to confirm the payment");
        Ok(Settled::NeedsAuthentication {
            url: format!("{}/pay/confirm/{token}", self.public_url),
        })
    }

    /// A card the buyer did not save is let go at the processor once its order is paid.
    async fn forget_if_one_time(
        &self,
        account_id: &str,
        card_id: &str,
        card: Option<&crate::domain::card::SavedCard>,
    ) {
        let Some(card) = card else { return };
        match self.store.card_is_one_time(account_id, card_id).await {
            Ok(true) => {
                if let Err(e) = self.payments.forget(&card.token).await {
                    tracing::warn!(card = %card_id, error = %e, "could not let go of a one-time card");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not tell whether a card was one-time"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Identity;
    use crate::services::payments::{Charge, MockPayments};

    /// A demo store, and the demo buyer's saved card.
    async fn demo_store() -> (Store, crate::domain::card::SavedCard, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite:{}", dir.path().join("s.db").display()))
            .await
            .unwrap();
        crate::demo::seed_if_empty(&store).await.unwrap();
        let account = store
            .account_id_for(&Identity::new("console", "local", "demo"))
            .await
            .unwrap()
            .unwrap();
        let card = store.cards(&account).await.unwrap().remove(0);
        (store, card, dir)
    }

    async fn placed(store: &Store, payment: Payment, key: &str) -> Order {
        crate::services::test_orders::placed(store, payment, key, 40).await
    }

    #[tokio::test]
    async fn a_card_is_charged_its_total_once_and_failures_say_why() {
        let (store, card, _dir) = demo_store().await;
        let mut payments = MockPayments::new();
        payments
            .expect_charge()
            .withf(|_, amount, key| amount.plain() == "USD 40.00" && key == "k-ok")
            .times(1)
            .returning(|_, _, _| Ok(Charge { id: "ch_1".into() }));
        payments
            .expect_charge()
            .withf(|_, _, key| key == "k-down")
            .times(1)
            .returning(|_, _, _| Err(PaymentError::Unavailable("timeout".into())));
        let settle = Settle::new(store.clone(), Arc::new(payments), "http://127.0.0.1:8080");
        let by_card = |key: &str| Payment::Card {
            card_id: if key == "k-gone" {
                "card_gone".into()
            } else {
                card.id.clone()
            },
            label: "Visa •••• 4242".into(),
        };
        let ok = placed(&store, by_card("k-ok"), "k-ok").await;
        assert_eq!(settle.settle(&ok).await.unwrap(), Settled::Paid);
        let status = |n: String| {
            let store = store.clone();
            async move { store.order_by_number(&n).await.unwrap().unwrap().status }
        };
        assert_eq!(status(ok.number.clone()).await, OrderStatus::Paid);
        assert_eq!(
            store.charge_ref(&ok.number).await.unwrap().as_deref(),
            Some("ch_1"),
            "the charge is kept for refunds"
        );
        let down = placed(&store, by_card("k-down"), "k-down").await;
        assert_eq!(
            settle.settle(&down).await.unwrap(),
            Settled::Declined(Decline::Unavailable)
        );
        assert_eq!(
            status(down.number.clone()).await,
            OrderStatus::PaymentFailed
        );
        let gone = placed(&store, by_card("k-gone"), "k-gone").await;
        assert_eq!(
            settle.settle(&gone).await.unwrap(),
            Settled::Declined(Decline::CardGone)
        );
        let wire = placed(&store, Payment::Wire, "k-wire").await;
        assert_eq!(settle.settle(&wire).await.unwrap(), Settled::AwaitsPayment);
        assert_eq!(
            status(wire.number.clone()).await,
            OrderStatus::AwaitingPayment
        );
    }

    #[tokio::test]
    async fn a_processing_payment_is_not_paid_until_the_processor_says_so() {
        let (store, card, _dir) = demo_store().await;
        let mut payments = MockPayments::new();
        payments
            .expect_charge()
            .returning(|_, _, key| Err(PaymentError::Processing(format!("pi_{key}"))));
        let settle = Settle::new(store.clone(), Arc::new(payments), "http://127.0.0.1:8080");
        let by_card = Payment::Card {
            card_id: card.id.clone(),
            label: "Visa •••• 4242".into(),
        };
        let status = |n: String| {
            let store = store.clone();
            async move { store.order_by_number(&n).await.unwrap().unwrap().status }
        };
        let event = |kind: &str, id: &str, pi: String| serde_json::json!({"id": id, "type": kind, "data": {"object": {"id": pi}}});
        let fails = placed(&store, by_card.clone(), "k-fails").await;
        assert_eq!(settle.settle(&fails).await.unwrap(), Settled::Processing);
        assert_eq!(
            status(fails.number.clone()).await,
            OrderStatus::PaymentProcessing
        );
        crate::services::stripe::webhook::handle(
            &store,
            &event(
                "payment_intent.payment_failed",
                "evt_1",
                "pi_k-fails".into(),
            ),
        )
        .await
        .unwrap();
        assert_eq!(
            status(fails.number.clone()).await,
            OrderStatus::PaymentFailed
        );

        let clears = placed(&store, by_card, "k-clears").await;
        assert_eq!(settle.settle(&clears).await.unwrap(), Settled::Processing);
        crate::services::stripe::webhook::handle(
            &store,
            &event("payment_intent.succeeded", "evt_2", "pi_k-clears".into()),
        )
        .await
        .unwrap();
        assert_eq!(status(clears.number.clone()).await, OrderStatus::Paid);
    }
}
