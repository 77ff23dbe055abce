//! Changing a placed order's lines and total (an operator's change, new prices), and
//! starting its approvals again from the first step when the total rose: all in one
//! transaction with the audit entries and the edits of every posted copy.

use rust_decimal::Decimal;

use super::approval_chains::record_order_orgs;
use super::approval_steps::{bump_in, open_steps_in};
use super::approvals::{News, changed_in};
use super::outbox::enqueue_in;
use super::transitions::{self, Entry, Transition, transition_in};
use super::{Result, Store, StoreError};
use crate::domain::approval::Status;
use crate::domain::approval_chain::Wanted;
use crate::domain::order::{NewOrder, Order, OrderStatus};

/// A change to a placed order, as the approvals service worked it out.
pub struct Change<'a> {
    pub number: &'a str,
    /// The order as it now reads.
    pub details: &'a NewOrder,
    /// What it counts against each organization's budget now.
    pub shares: &'a [(String, Decimal)],
    /// The approvals it needs from the first step, when its total rose; empty otherwise.
    pub restart: &'a [Wanted],
    /// Why, for the trail and the requests ("the total rose from … to …").
    pub reason: &'a str,
    pub actor: &'a str,
    pub at: i64,
    /// The edits of the request's copies, written with the change.
    pub news: &'a News,
}

impl Store {
    /// Applies `c` if the order still waits for approval or payment: the new lines and
    /// total, and (when `restart` names any) every approval it needs back at its first
    /// step, the order waiting for approval again. `None` when it no longer waits.
    pub async fn reprice_order(&self, c: &Change<'_>) -> Result<Option<Order>> {
        let body = serde_json::to_string(c.details)
            .map_err(|e| StoreError::Corrupt(format!("order {}: {e}", c.number)))?;
        let mut tx = self.write.begin().await?;
        let old: Option<(String, String)> = sqlx::query_as(
            "UPDATE orders SET updated_at = updated_at WHERE number = $1 AND kind = 'order' \
             AND status IN ('awaiting_approval', 'awaiting_payment') RETURNING total, status",
        )
        .bind(c.number)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((old_total, status)) = old else {
            tx.rollback().await?;
            return Ok(None);
        };
        sqlx::query("UPDATE orders SET body = $2, total = $3, updated_at = $4 WHERE number = $1")
            .bind(c.number)
            .bind(&body)
            .bind(c.details.total.amount.to_string())
            .bind(c.at)
            .execute(&mut *tx)
            .await?;
        let entry = Entry {
            number: c.number,
            at: c.at,
            actor: c.actor,
            action: "total",
            old: Some(&old_total),
            new: Some(&c.details.total.amount.to_string()),
        };
        transitions::append(&mut *tx, &entry).await?;
        record_order_orgs(&mut tx, c.number, c.shares, c.at).await?;
        let order = Order {
            number: c.number.to_string(),
            kind: crate::domain::order::OrderKind::Order,
            status: OrderStatus::AwaitingApproval,
            created_at: c.at,
            details: c.details.clone(),
        };
        for w in c.restart {
            let existing: Option<(String,)> =
                sqlx::query_as("SELECT id FROM approvals WHERE order_number = $1 AND org_id = $2")
                    .bind(c.number)
                    .bind(&w.org)
                    .fetch_optional(&mut *tx)
                    .await?;
            match existing {
                Some((id,)) => {
                    sqlx::query("DELETE FROM approval_votes WHERE approval_id = $1")
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM approval_steps WHERE approval_id = $1")
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                    // Not announced: every serving process's sweep posts it again.
                    sqlx::query(
                        "UPDATE approvals SET status = 'pending', why = $2, decided_at = NULL, \
                         decided_by = NULL, on_behalf_of = NULL, reason = NULL, reminded_at = NULL, \
                         announced_at = NULL, restarted_at = $3, restart_reason = $4 WHERE id = $1",
                    )
                    .bind(&id)
                    .bind(w.why.as_stored())
                    .bind(c.at)
                    .bind(c.reason)
                    .execute(&mut *tx)
                    .await?;
                    open_steps_in(&mut tx, &id, &w.steps, c.at).await?;
                    bump_in(&mut tx, &id).await?;
                }
                None => transitions::open_approval(&mut tx, &order, w, c.at).await?,
            }
            let entry = Entry {
                number: c.number,
                at: c.at,
                actor: c.actor,
                action: &format!("approval {}", w.org),
                old: None,
                new: Some(&format!("{} again: {}", Status::Pending.as_str(), c.reason)),
            };
            transitions::append(&mut *tx, &entry).await?;
        }
        if !c.restart.is_empty() && status == OrderStatus::AwaitingPayment.as_str() {
            transition_in(
                &mut tx,
                &Transition {
                    number: c.number,
                    account: None,
                    from: Some(OrderStatus::AwaitingPayment),
                    to: OrderStatus::AwaitingApproval,
                    kind: None,
                    actor: c.actor,
                },
            )
            .await?;
        }
        let now = if c.restart.is_empty() && status == OrderStatus::AwaitingPayment.as_str() {
            OrderStatus::AwaitingPayment
        } else {
            OrderStatus::AwaitingApproval
        };
        let changed = changed_in(&mut tx, c.number, now).await?;
        enqueue_in(&mut tx, &(c.news)(&changed), super::now_ms()).await?;
        tx.commit().await?;
        self.order_by_number(c.number).await
    }
}
