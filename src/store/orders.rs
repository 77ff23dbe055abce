//! Orders and quotes: numbered once, stored once per idempotency key.

use rust_decimal::Decimal;
use sqlx::FromRow;

use super::approval_chains::record_order_orgs;
use super::transitions::{self, Entry, Transition, transition_in};
use super::{Result, Store, StoreError, now_ms};
use crate::domain::approval_chain::Wanted;
use crate::domain::order::{NewOrder, Order, OrderKind, OrderLine, OrderStatus};

/// What a line was assigned to, as the audit trail records it.
fn assignment(line: &OrderLine) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(d) = &line.deployment {
        parts.push(format!("deployment {} ({})", d.id, d.name));
    }
    if let Some(o) = &line.organization {
        parts.push(format!("organization {} ({})", o.id, o.name));
    }
    (!parts.is_empty()).then(|| format!("{}: {}", line.sku, parts.join(", ")))
}

#[derive(FromRow)]
struct Row {
    number: String,
    kind: String,
    status: String,
    created_at: i64,
    body: String,
}

fn kind(s: &str) -> Result<OrderKind> {
    match s {
        "order" => Ok(OrderKind::Order),
        "quote" => Ok(OrderKind::Quote),
        other => Err(StoreError::Corrupt(format!("order kind {other}"))),
    }
}

fn status(s: &str) -> Result<OrderStatus> {
    OrderStatus::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt(format!("order status {s}")))
}

impl Row {
    fn into_order(self) -> Result<Order> {
        let details: NewOrder = serde_json::from_str(&self.body)
            .map_err(|e| StoreError::Corrupt(format!("order {}: {e}", self.number)))?;
        Ok(Order {
            kind: kind(&self.kind)?,
            status: status(&self.status)?,
            number: self.number,
            created_at: self.created_at,
            details,
        })
    }
}

const COLUMNS: &str = "number, kind, status, created_at, body";

impl Store {
    /// The next order number, such as `CB-100001`. A number is never handed out twice;
    /// one burned by a lost race leaves a gap, which is harmless.
    pub async fn next_order_number(&self) -> Result<String> {
        let (n,): (i64,) = sqlx::query_as(
            "UPDATE counters SET value = value + 1 WHERE name = 'order' RETURNING value",
        )
        .fetch_one(&self.write)
        .await?;
        Ok(format!("CB-{n}"))
    }

    /// Stores an order unless one with the same idempotency key exists. True if stored.
    pub async fn insert_order(&self, order: &Order) -> Result<bool> {
        self.insert_order_for_approval(order, &[]).await
    }

    /// `insert_order_with`, the order counting in full against each organization that
    /// approves it.
    pub async fn insert_order_for_approval(
        &self,
        order: &Order,
        approvals: &[Wanted],
    ) -> Result<bool> {
        let shares: Vec<(String, Decimal)> = approvals
            .iter()
            .map(|w| (w.org.clone(), order.details.total.amount))
            .collect();
        self.insert_order_with(order, approvals, &shares).await
    }

    /// Stores an order, and in the same transaction the approvals it waits for (one per
    /// organization, with why and its steps), what it counts against each organization's
    /// budget (`shares`), and audit entries for its placing and its assignments.
    pub async fn insert_order_with(
        &self,
        order: &Order,
        approvals: &[Wanted],
        shares: &[(String, Decimal)],
    ) -> Result<bool> {
        let body = serde_json::to_string(&order.details)
            .map_err(|e| StoreError::Corrupt(format!("order {}: {e}", order.number)))?;
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "INSERT INTO orders (number, idempotency_key, account_id, kind, status, total, currency, \
             created_at, updated_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&order.number)
        .bind(&order.details.key)
        .bind(&order.details.account_id)
        .bind(order.kind.as_str())
        .bind(order.status.as_str())
        .bind(order.details.total.amount.to_string())
        .bind(order.details.total.currency.code())
        .bind(order.created_at)
        .bind(body)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let actor = order.details.account_id.as_str();
        let mut entries = vec![("placed".to_string(), order.status.as_str().to_string())];
        if let Some(who) = &order.details.placed_via {
            entries.push((
                "placed by".to_string(),
                format!("{} ({who})", order.details.placed_by),
            ));
        }
        for (i, line) in order.details.lines.iter().enumerate() {
            if let Some(assigned) = assignment(line) {
                entries.push((format!("assignment line {}", i + 1), assigned));
            }
        }
        let at = now_ms();
        for (action, new) in &entries {
            let entry = Entry {
                number: &order.number,
                at,
                actor,
                action,
                old: None,
                new: Some(new),
            };
            transitions::append(&mut *tx, &entry).await?;
        }
        for w in approvals {
            transitions::open_approval(&mut tx, order, w, order.created_at).await?;
        }
        record_order_orgs(&mut tx, &order.number, shares, order.created_at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves an order to `to`, if it belongs to `account` and is in `from` (each when
    /// given), and records the change with its old value in the same transaction.
    async fn transition(&self, t: Transition<'_>) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        if !transition_in(&mut tx, &t).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn order_by_key(&self, key: &str) -> Result<Option<Order>> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM orders WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.read)
        .await?;
        row.map(Row::into_order).transpose()
    }

    /// An order of this account; another account's number finds nothing.
    pub async fn order(&self, account_id: &str, number: &str) -> Result<Option<Order>> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM orders WHERE number = $1 AND account_id = $2"
        ))
        .bind(number)
        .bind(account_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(Row::into_order).transpose()
    }

    /// The account's orders, newest first, of one kind or both.
    pub async fn orders(
        &self,
        account_id: &str,
        kind: Option<OrderKind>,
        limit: usize,
    ) -> Result<Vec<Order>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM orders WHERE account_id = $1 AND ($2 = '' OR kind = $2) \
             ORDER BY created_at DESC, number DESC LIMIT $3"
        ))
        .bind(account_id)
        .bind(kind.map_or("", OrderKind::as_str))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(Row::into_order).collect()
    }

    /// Sets an order's status, as `actor` (an account id, or `system`).
    pub async fn set_order_status(
        &self,
        number: &str,
        status: OrderStatus,
        actor: &str,
    ) -> Result<()> {
        self.transition(Transition {
            number,
            account: None,
            from: None,
            to: status,
            kind: None,
            actor,
        })
        .await?;
        Ok(())
    }

    /// Moves an order from `from` to `to`, as `actor`; false if it was not in `from`.
    pub async fn set_order_status_from(
        &self,
        number: &str,
        from: OrderStatus,
        to: OrderStatus,
        actor: &str,
    ) -> Result<bool> {
        self.transition(Transition {
            number,
            account: None,
            from: Some(from),
            to,
            kind: None,
            actor,
        })
        .await
    }

    /// Turns one of the account's open quotes into an invoice awaiting payment. `None`
    /// when there is no such open quote (another account's, already converted).
    pub async fn convert_quote(&self, account_id: &str, number: &str) -> Result<Option<Order>> {
        self.convert_quote_for_approval(account_id, number, &[])
            .await
    }

    /// Turns an open quote into an order: awaiting payment, or awaiting the approvals
    /// given (recorded in the same transaction). `None` when there is no such open quote.
    pub async fn convert_quote_for_approval(
        &self,
        account_id: &str,
        number: &str,
        approvals: &[Wanted],
    ) -> Result<Option<Order>> {
        self.convert_quote_with(account_id, number, approvals, None)
            .await
    }

    /// `convert_quote_for_approval`, recording what the order counts against each
    /// organization's budget (`shares`; by default its whole total against each approver).
    pub async fn convert_quote_with(
        &self,
        account_id: &str,
        number: &str,
        approvals: &[Wanted],
        shares: Option<&[(String, Decimal)]>,
    ) -> Result<Option<Order>> {
        let to = if approvals.is_empty() {
            OrderStatus::AwaitingPayment
        } else {
            OrderStatus::AwaitingApproval
        };
        let mut tx = self.write.begin().await?;
        let converted = transition_in(
            &mut tx,
            &Transition {
                number,
                account: Some(account_id),
                from: Some(OrderStatus::Quote),
                to,
                kind: Some(OrderKind::Order),
                actor: account_id,
            },
        )
        .await?;
        if !converted {
            tx.rollback().await?;
            return Ok(None);
        }
        let Some(order) = self.order(account_id, number).await? else {
            return Err(StoreError::Corrupt(format!("quote {number} vanished")));
        };
        let now = now_ms();
        for w in approvals {
            transitions::open_approval(&mut tx, &order, w, now).await?;
        }
        let whole: Vec<(String, Decimal)> = approvals
            .iter()
            .map(|w| (w.org.clone(), order.details.total.amount))
            .collect();
        // Counted in the period it became an order.
        record_order_orgs(&mut tx, number, shares.unwrap_or(&whole), now).await?;
        tx.commit().await?;
        self.order(account_id, number).await
    }
}

impl Store {
    /// How many orders are in each state, for metrics.
    pub(crate) async fn order_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status")
                .fetch_all(&self.read)
                .await?,
        )
    }
}

impl Store {
    /// Any order by number: for operators, not for chat users.
    pub async fn order_by_number(&self, number: &str) -> Result<Option<Order>> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM orders WHERE number = $1"))
                .bind(number)
                .fetch_optional(&self.read)
                .await?;
        row.map(Row::into_order).transpose()
    }

    /// The newest orders of every account: for operators.
    pub async fn recent_orders(&self, limit: usize) -> Result<Vec<Order>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM orders ORDER BY created_at DESC, number DESC LIMIT $1"
        ))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(Row::into_order).collect()
    }

    /// Records the payment of an order that waits for one. `None` if it does not.
    pub async fn mark_paid(&self, number: &str, actor: &str) -> Result<Option<Order>> {
        let paid = self
            .transition(Transition {
                number,
                account: None,
                from: Some(OrderStatus::AwaitingPayment),
                to: OrderStatus::Paid,
                kind: None,
                actor,
            })
            .await?;
        if !paid {
            return Ok(None);
        }
        self.order_by_number(number).await
    }
}
