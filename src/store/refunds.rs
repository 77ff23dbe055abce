//! Card charges' references and their refunds. A refund is claimed as `pending` before the
//! processor is asked, under a number of its own per order, so that two operators cannot
//! give back more than was charged and a retry after a crash asks again with the same
//! idempotency key. Completing one writes its audit entry, and marks the order refunded
//! when nothing is left, in one transaction.

use rust_decimal::Decimal;
use sqlx::FromRow;

use super::transitions::{Entry, Transition, append, transition_in};
use super::{Result, Store, StoreError, now_ms};
use crate::domain::order::OrderStatus;

/// A refund as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefund {
    pub seq: i64,
    pub amount: Decimal,
    pub status: RefundStatus,
    pub gateway_ref: Option<String>,
    /// Unix milliseconds when it was claimed.
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    /// Claimed; the processor may or may not have given the money back yet.
    Pending,
    Done,
    /// The processor refused it; it reserves nothing.
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Done => "done",
            RefundStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<RefundStatus> {
        match text {
            "pending" => Ok(RefundStatus::Pending),
            "done" => Ok(RefundStatus::Done),
            "failed" => Ok(RefundStatus::Failed),
            other => Err(StoreError::Corrupt(format!("refund status {other}"))),
        }
    }
}

#[derive(FromRow)]
struct Row {
    seq: i64,
    amount: String,
    status: String,
    gateway_ref: Option<String>,
    created_at: i64,
}

impl Store {
    /// Records the processor's reference of an order's card charge.
    pub async fn record_charge(&self, number: &str, charge_ref: &str) -> Result<()> {
        sqlx::query("UPDATE orders SET charge_ref = $1 WHERE number = $2")
            .bind(charge_ref)
            .bind(number)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The processor's reference of an order's card charge, if it was charged.
    pub async fn charge_ref(&self, number: &str) -> Result<Option<String>> {
        let found: Option<(Option<String>,)> =
            sqlx::query_as("SELECT charge_ref FROM orders WHERE number = $1")
                .bind(number)
                .fetch_optional(&self.read)
                .await?;
        Ok(found.and_then(|(r,)| r))
    }

    /// The number of the order whose card charge has this processor reference.
    pub async fn order_by_charge_ref(&self, charge_ref: &str) -> Result<Option<String>> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT number FROM orders WHERE charge_ref = $1")
                .bind(charge_ref)
                .fetch_optional(&self.read)
                .await?;
        Ok(found.map(|(n,)| n))
    }

    /// Records a webhook event as handled. False if it was already: each is handled once.
    pub async fn record_stripe_event(&self, id: &str, kind: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(kind)
        .bind(now_ms())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether a webhook event was handled already.
    pub async fn stripe_event_seen(&self, id: &str) -> Result<bool> {
        let found: Option<(String,)> = sqlx::query_as("SELECT id FROM stripe_events WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.write)
            .await?;
        Ok(found.is_some())
    }

    /// An order's refunds, oldest first.
    pub async fn refunds(&self, number: &str) -> Result<Vec<StoredRefund>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, amount, status, gateway_ref, created_at FROM refunds WHERE order_number = $1 ORDER BY seq",
        )
        .bind(number)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StoredRefund {
                    seq: r.seq,
                    amount: r
                        .amount
                        .parse()
                        .map_err(|e| StoreError::Corrupt(format!("refund amount: {e}")))?,
                    status: RefundStatus::parse(&r.status)?,
                    gateway_ref: r.gateway_ref,
                    created_at: r.created_at,
                })
            })
            .collect()
    }

    /// Claims refund number `seq` of `number` for `amount`. False when another claim
    /// took that number first: the caller reads the refunds again.
    pub async fn claim_refund(
        &self,
        number: &str,
        seq: i64,
        amount: Decimal,
        actor: &str,
    ) -> Result<bool> {
        let claimed = sqlx::query(
            "INSERT INTO refunds (order_number, seq, amount, status, actor, created_at) \
             VALUES ($1, $2, $3, 'pending', $4, $5) ON CONFLICT (order_number, seq) DO NOTHING",
        )
        .bind(number)
        .bind(seq)
        .bind(amount.to_string())
        .bind(actor)
        .bind(now_ms())
        .execute(&self.write)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// The processor refused refund `seq`: it reserves nothing any more.
    pub async fn fail_refund(&self, number: &str, seq: i64) -> Result<()> {
        sqlx::query(
            "UPDATE refunds SET status = $1 WHERE order_number = $2 AND seq = $3 AND status = 'pending'",
        )
        .bind(RefundStatus::Failed.as_str())
        .bind(number)
        .bind(seq)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Records that the processor gave refund `seq` back, with its audit entry (the
    /// amount, in `money`'s words), and marks the order refunded once the refunds given
    /// back add up to its total. False when it was recorded already.
    pub async fn complete_refund(
        &self,
        number: &str,
        seq: i64,
        gateway_ref: &str,
        money: &str,
        actor: &str,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "UPDATE refunds SET status = 'done', gateway_ref = $1 \
             WHERE order_number = $2 AND seq = $3 AND status = 'pending'",
        )
        .bind(gateway_ref)
        .bind(number)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        append(
            &mut *tx,
            &Entry {
                number,
                at: now_ms(),
                actor,
                action: "refunded",
                old: None,
                new: Some(money),
            },
        )
        .await?;
        // Summed in the transaction that completes this refund, so a refund completed by
        // another operator at the same moment is counted too.
        let (total,): (String,) = sqlx::query_as("SELECT total FROM orders WHERE number = $1")
            .bind(number)
            .fetch_one(&mut *tx)
            .await?;
        let given: Vec<(String,)> = sqlx::query_as(
            "SELECT amount FROM refunds WHERE order_number = $1 AND status = 'done'",
        )
        .bind(number)
        .fetch_all(&mut *tx)
        .await?;
        let decimal = |text: &str| {
            text.parse::<Decimal>()
                .map_err(|e| StoreError::Corrupt(format!("amount {text} of {number}: {e}")))
        };
        let mut refunded = Decimal::ZERO;
        for (amount,) in &given {
            refunded += decimal(amount)?;
        }
        if refunded >= decimal(&total)? {
            transition_in(
                &mut tx,
                &Transition {
                    number,
                    account: None,
                    from: Some(OrderStatus::Paid),
                    to: OrderStatus::Refunded,
                    kind: None,
                    actor,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
