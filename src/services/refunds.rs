//! Giving back a card payment, in full or in part (`checkout-bot orders refund`): through
//! the processor that charged it, never more than was charged, once per request however
//! often it is retried.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::payments::{PaymentError, Payments};
use crate::domain::money::Money;
use crate::domain::order::{OrderKind, OrderStatus};
use crate::store::refunds::RefundStatus;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("no order {0}")]
    NoOrder(String),
    #[error("{0} was not paid by card through the payment gateway; refund it the way it was paid")]
    NotCharged(String),
    #[error("nothing is left to refund on {0}")]
    NothingLeft(String),
    #[error("give an amount above 0 with at most two decimals, up to {0}")]
    BadAmount(String),
    #[error(
        "{number} already had a refund of {amount} on {at} ({gateway_ref}); to give the same amount back once more, add --again"
    )]
    Repeated {
        number: String,
        amount: String,
        at: String,
        gateway_ref: String,
    },
    #[error("another refund of {0} is being recorded; try again")]
    Busy(String),
    #[error("the payment gateway refused the refund: {0}")]
    Refused(String),
    #[error(
        "the payment gateway did not answer ({0}); run the same command again: it will not refund twice"
    )]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A refund that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    pub amount: Money,
    /// What is still refundable afterwards.
    pub left: Money,
    pub gateway_ref: String,
}

pub struct Refunds {
    store: Store,
    payments: Arc<dyn Payments>,
}

impl Refunds {
    pub fn new(store: Store, payments: Arc<dyn Payments>) -> Self {
        Refunds { store, payments }
    }

    /// Refunds `amount` of order `number` (everything left when `None`). A refund
    /// claimed earlier and not finished (a crash, a timeout) is finished first, with its
    /// own amount and idempotency key, and reported instead. A refund of the same amount
    /// that was already given back is taken for the same command run twice and refused,
    /// naming the earlier one, unless `again` says a second one is meant.
    pub async fn refund(
        &self,
        number: &str,
        amount: Option<Decimal>,
        again: bool,
        actor: &str,
    ) -> Result<Refunded, RefundError> {
        let order = self
            .store
            .order_by_number(number)
            .await?
            .ok_or_else(|| RefundError::NoOrder(number.into()))?;
        let charge = self.store.charge_ref(number).await?;
        let (OrderKind::Order, OrderStatus::Paid | OrderStatus::Refunded, Some(charge)) =
            (order.kind, order.status, charge)
        else {
            return Err(RefundError::NotCharged(number.into()));
        };
        let total = order.details.total.clone();
        let refunds = self.store.refunds(number).await?;
        let reserved: Decimal = refunds
            .iter()
            .filter(|r| r.status != RefundStatus::Failed)
            .map(|r| r.amount)
            .sum();
        let (seq, amount) = match refunds.iter().find(|r| r.status == RefundStatus::Pending) {
            Some(pending) => (pending.seq, pending.amount),
            None => {
                let left = total.amount - reserved;
                if left <= Decimal::ZERO {
                    return Err(RefundError::NothingLeft(number.into()));
                }
                let asked = amount;
                let amount = amount.unwrap_or(left);
                if let (Some(asked), false) = (asked, again)
                    && let Some(earlier) = refunds
                        .iter()
                        .find(|r| r.status == RefundStatus::Done && r.amount == asked)
                {
                    return Err(RefundError::Repeated {
                        number: number.into(),
                        amount: Money::new(earlier.amount, total.currency.clone()).plain(),
                        at: crate::domain::text::utc_time(earlier.created_at),
                        gateway_ref: earlier.gateway_ref.clone().unwrap_or_default(),
                    });
                }
                if amount <= Decimal::ZERO || amount > left || amount.scale() > 2 {
                    return Err(RefundError::BadAmount(
                        Money::new(left, total.currency.clone()).plain(),
                    ));
                }
                let seq = refunds.last().map_or(1, |r| r.seq + 1);
                if !self.store.claim_refund(number, seq, amount, actor).await? {
                    return Err(RefundError::Busy(number.into()));
                }
                (seq, amount)
            }
        };
        let money = Money::new(amount, total.currency.clone());
        let key = format!("refund:{}:{seq}", order.details.key);
        let refund = match self.payments.refund(&charge, &money, &key).await {
            Ok(r) => r,
            Err(PaymentError::Declined(why)) => {
                self.store.fail_refund(number, seq).await?;
                return Err(RefundError::Refused(why));
            }
            // The outcome is unknown: the claim stays, and the next attempt asks again
            // with the same key.
            Err(
                PaymentError::Unavailable(why)
                | PaymentError::NeedsAuthentication(why)
                | PaymentError::Processing(why),
            ) => {
                return Err(RefundError::Unavailable(why));
            }
        };
        let done: Decimal = refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Done)
            .map(|r| r.amount)
            .sum::<Decimal>()
            + amount;
        self.store
            .complete_refund(number, seq, &refund.id, &money.plain(), actor)
            .await?;
        tracing::info!(%number, amount = %money.plain(), "refunded");
        Ok(Refunded {
            amount: money,
            left: Money::new(total.amount - done, total.currency),
            gateway_ref: refund.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::{Order, Payment};
    use crate::services::payments::{MockPayments, Refund};
    use crate::store::refunds::RefundStatus;

    async fn paid_order(store: &Store, total: i64, charged: bool) -> Order {
        let key = crate::domain::ids::new_id("key");
        let order = crate::services::test_orders::placed(store, Payment::Wire, &key, total).await;
        if charged {
            store.record_charge(&order.number, "ch_test").await.unwrap();
            store
                .set_order_status(&order.number, OrderStatus::Paid, "system")
                .await
                .unwrap();
        }
        order
    }

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite:{}", dir.path().join("r.db").display()))
            .await
            .unwrap();
        crate::demo::seed_if_empty(&store).await.unwrap();
        (store, dir)
    }

    fn usd(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn a_refund_never_exceeds_the_charge_and_a_retry_reuses_its_key() {
        let (store, _dir) = store().await;
        let order = paid_order(&store, 100, true).await;
        let key1 = format!("refund:{}:1", order.details.key);
        let key2 = format!("refund:{}:2", order.details.key);
        let mut payments = MockPayments::new();
        // The first attempt times out; the retry asks with the same key and amount.
        let k = key1.clone();
        payments
            .expect_refund()
            .withf(move |charge, amount, key| {
                charge == "ch_test" && amount.plain() == "USD 30.00" && key == k
            })
            .times(1)
            .returning(|_, _, _| Err(PaymentError::Unavailable("timeout".into())));
        let k = key1.clone();
        payments
            .expect_refund()
            .withf(move |_, amount, key| amount.plain() == "USD 30.00" && key == k)
            .times(1)
            .returning(|_, _, _| Ok(Refund { id: "re_1".into() }));
        let k = key2.clone();
        payments
            .expect_refund()
            .withf(move |_, amount, key| amount.plain() == "USD 70.00" && key == k)
            .times(1)
            .returning(|_, _, _| Ok(Refund { id: "re_2".into() }));
        let refunds = Refunds::new(store.clone(), Arc::new(payments));
        let n = &order.number;

        assert!(matches!(
            refunds.refund(n, Some(usd("30")), false, "operator").await,
            Err(RefundError::Unavailable(_))
        ));
        // Asked for 50 while 30 is unsettled: the 30 is finished, not a new 50.
        let first = refunds
            .refund(n, Some(usd("50")), false, "operator")
            .await
            .unwrap();
        assert_eq!(first.amount.plain(), "USD 30.00");
        assert_eq!(first.left.plain(), "USD 70.00");
        assert!(matches!(
            refunds.refund(n, Some(usd("70.01")), false, "operator").await,
            Err(RefundError::BadAmount(left)) if left == "USD 70.00"
        ));
        assert!(matches!(
            refunds
                .refund(n, Some(usd("0.001")), false, "operator")
                .await,
            Err(RefundError::BadAmount(_))
        ));
        let rest = refunds.refund(n, None, false, "operator").await.unwrap();
        assert_eq!(
            (rest.amount.plain(), rest.left.plain()),
            ("USD 70.00".into(), "USD 0.00".into())
        );
        assert_eq!(
            store.order_by_number(n).await.unwrap().unwrap().status,
            OrderStatus::Refunded
        );
        assert!(matches!(
            refunds.refund(n, None, false, "operator").await,
            Err(RefundError::NothingLeft(_))
        ));
        let trail = store.audit_for(n).await.unwrap();
        let refunded: Vec<_> = trail
            .iter()
            .filter(|e| e.action == "refunded")
            .map(|e| e.new_value.clone().unwrap_or_default())
            .collect();
        assert_eq!(refunded, ["USD 30.00", "USD 70.00"]);
        assert!(
            trail
                .iter()
                .any(|e| e.new_value.as_deref() == Some("refunded"))
        );
    }

    #[tokio::test]
    async fn the_same_refund_twice_is_refused_unless_again_is_given() {
        let (store, _dir) = store().await;
        let order = paid_order(&store, 100, true).await;
        let mut payments = MockPayments::new();
        payments
            .expect_refund()
            .withf(|_, amount, key| amount.plain() == "USD 49.50" && key.ends_with(":1"))
            .times(1)
            .returning(|_, _, _| Ok(Refund { id: "re_1".into() }));
        payments
            .expect_refund()
            .withf(|_, amount, key| amount.plain() == "USD 49.50" && key.ends_with(":2"))
            .times(1)
            .returning(|_, _, _| Ok(Refund { id: "re_2".into() }));
        let refunds = Refunds::new(store.clone(), Arc::new(payments));
        let n = &order.number;
        refunds
            .refund(n, Some(usd("49.50")), false, "operator")
            .await
            .unwrap();
        let twice = refunds
            .refund(n, Some(usd("49.5")), false, "operator")
            .await;
        assert!(
            matches!(&twice, Err(RefundError::Repeated { amount, gateway_ref, .. })
                if amount == "USD 49.50" && gateway_ref == "re_1"),
            "{twice:?}"
        );
        let again = refunds
            .refund(n, Some(usd("49.50")), true, "operator")
            .await
            .unwrap();
        assert_eq!(again.left.plain(), "USD 1.00");
        let done: Vec<_> = store
            .refunds(n)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.seq, r.status))
            .collect();
        assert_eq!(done, [(1, RefundStatus::Done), (2, RefundStatus::Done)]);
    }

    #[tokio::test]
    async fn a_refused_refund_reserves_nothing_and_uncharged_orders_are_refused() {
        let (store, _dir) = store().await;
        let order = paid_order(&store, 100, true).await;
        let mut payments = MockPayments::new();
        payments
            .expect_refund()
            .times(1)
            .returning(|_, _, _| Err(PaymentError::Declined("charge disputed".into())));
        payments
            .expect_refund()
            .withf(|_, amount, key| amount.plain() == "USD 100.00" && key.ends_with(":2"))
            .times(1)
            .returning(|_, _, _| Ok(Refund { id: "re_2".into() }));
        let refunds = Refunds::new(store.clone(), Arc::new(payments));
        assert!(matches!(
            refunds.refund(&order.number, None, false, "operator").await,
            Err(RefundError::Refused(why)) if why == "charge disputed"
        ));
        assert_eq!(
            store.refunds(&order.number).await.unwrap()[0].status,
            RefundStatus::Failed
        );
        let all = refunds
            .refund(&order.number, None, false, "operator")
            .await
            .unwrap();
        assert_eq!(all.amount.plain(), "USD 100.00");

        let wire = paid_order(&store, 50, false).await;
        assert!(matches!(
            refunds.refund(&wire.number, None, false, "operator").await,
            Err(RefundError::NotCharged(_))
        ));
        assert!(matches!(
            refunds.refund("CB-999999", None, false, "operator").await,
            Err(RefundError::NoOrder(_))
        ));
    }
}
