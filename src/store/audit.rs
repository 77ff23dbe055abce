//! The audit trail: one row per state change of an order, never updated or deleted.

use sqlx::FromRow;

use super::directory::new_id;
use super::{Result, Store, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AuditEntry {
    pub order_number: String,
    pub at: i64,
    /// Who did it: an account id, `system`, or `operator` for the admin CLI.
    pub actor: String,
    pub action: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// Appends an entry with the order's next sequence number. Binds: id, order number, at,
/// actor, action, old value, new value.
pub(super) const AUDIT_INSERT: &str = "INSERT INTO audit_log (id, order_number, seq, at, actor, action, old_value, new_value) \
     SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7 FROM audit_log WHERE order_number = $2";

impl Store {
    pub async fn record_audit(
        &self,
        order_number: &str,
        actor: &str,
        action: &str,
        old_value: Option<&str>,
        new_value: Option<&str>,
    ) -> Result<()> {
        sqlx::query(AUDIT_INSERT)
            .bind(new_id("audit"))
            .bind(order_number)
            .bind(now_ms())
            .bind(actor)
            .bind(action)
            .bind(old_value)
            .bind(new_value)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// An order's history, oldest first.
    pub async fn audit_for(&self, order_number: &str) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT order_number, at, actor, action, old_value, new_value FROM audit_log \
             WHERE order_number = $1 ORDER BY seq",
        )
        .bind(order_number)
        .fetch_all(&self.read)
        .await?)
    }
}
