//! An order's changes of state and the audit entries that record them, always written in
//! the caller's transaction so that a change and its entry land together or not at all.
//! Orders and approvals both change through here; neither module writes the trail itself.

use super::directory::new_id;
use super::{Result, Tx, now_ms};
use crate::domain::approval::Status;
use crate::domain::approval_chain::Wanted;
use crate::domain::order::{Order, OrderKind, OrderStatus};

/// Appends an entry with the order's next sequence number.
const AUDIT_INSERT: &str = "INSERT INTO audit_log (id, order_number, seq, at, actor, action, old_value, new_value) \
     SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7 FROM audit_log WHERE order_number = $2";

/// One line of an order's history, as it is about to be written.
pub(super) struct Entry<'a> {
    pub(crate) number: &'a str,
    pub(crate) at: i64,
    /// An account id, `system`, or `operator`.
    pub(crate) actor: &'a str,
    pub(crate) action: &'a str,
    pub(crate) old: Option<&'a str>,
    pub new: Option<&'a str>,
}

/// Writes `e` through `ex`: a transaction, or the pool for an entry that stands alone.
pub(super) async fn append<'c, E>(ex: E, e: &Entry<'_>) -> Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(AUDIT_INSERT)
        .bind(new_id("audit"))
        .bind(e.number)
        .bind(e.at)
        .bind(e.actor)
        .bind(e.action)
        .bind(e.old)
        .bind(e.new)
        .execute(ex)
        .await?;
    Ok(())
}

/// A status change, with the conditions it needs and who makes it.
pub(super) struct Transition<'a> {
    pub(crate) number: &'a str,
    pub(crate) account: Option<&'a str>,
    pub(crate) from: Option<OrderStatus>,
    pub(crate) to: OrderStatus,
    pub(crate) kind: Option<OrderKind>,
    pub(crate) actor: &'a str,
}

/// Applies `t` inside `tx`; false (and nothing written) if its conditions do not hold.
/// The first statement is a write that takes the order's lock (a SQLite transaction that
/// read first could not upgrade, see DESIGN.md; a PostgreSQL one that lost a race now
/// sees the winner's status), so a change that lost to another is not audited.
pub(super) async fn transition_in(tx: &mut Tx<'_>, t: &Transition<'_>) -> Result<bool> {
    let conditions = "number = $1 AND ($2 = '' OR account_id = $2) AND ($3 = '' OR status = $3)";
    let locked = sqlx::query(&format!(
        "UPDATE orders SET updated_at = updated_at WHERE {conditions}"
    ))
    .bind(t.number)
    .bind(t.account.unwrap_or(""))
    .bind(t.from.map_or("", OrderStatus::as_str))
    .execute(&mut **tx)
    .await?;
    if locked.rows_affected() == 0 {
        return Ok(false);
    }
    let (old,): (String,) = sqlx::query_as("SELECT status FROM orders WHERE number = $1")
        .bind(t.number)
        .fetch_one(&mut **tx)
        .await?;
    let at = now_ms();
    sqlx::query(
        "UPDATE orders SET status = $1, kind = CASE WHEN $2 = '' THEN kind ELSE $2 END, updated_at = $3 \
         WHERE number = $4",
    )
    .bind(t.to.as_str())
    .bind(t.kind.map_or("", OrderKind::as_str))
    .bind(at)
    .bind(t.number)
    .execute(&mut **tx)
    .await?;
    append(
        &mut **tx,
        &Entry {
            number: t.number,
            at,
            actor: t.actor,
            action: "status",
            old: Some(&old),
            new: Some(t.to.as_str()),
        },
    )
    .await?;
    Ok(true)
}

/// Opens a pending approval of `order` by an organization, with its steps (the first
/// one open), and records it.
pub(super) async fn open_approval(
    tx: &mut Tx<'_>,
    order: &Order,
    wanted: &Wanted,
    at: i64,
) -> Result<()> {
    let org = wanted.org.as_str();
    let id = new_id("apv");
    sqlx::query(
        "INSERT INTO approvals (id, order_number, org_id, requested_by, why, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
    )
    .bind(&id)
    .bind(&order.number)
    .bind(org)
    .bind(&order.details.account_id)
    .bind(wanted.why.as_stored())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    super::approval_steps::open_steps_in(tx, &id, &wanted.steps, at).await?;
    append(
        &mut **tx,
        &Entry {
            number: &order.number,
            at,
            actor: &order.details.account_id,
            action: &format!("approval {org}"),
            old: None,
            new: Some(Status::Pending.as_str()),
        },
    )
    .await
}
