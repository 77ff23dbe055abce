//! The audit trail: one row per state change of an order, never updated or deleted.

use sqlx::FromRow;

use super::transitions::{self, Entry};
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

impl Store {
    pub async fn record_audit(
        &self,
        order_number: &str,
        actor: &str,
        action: &str,
        old_value: Option<&str>,
        new_value: Option<&str>,
    ) -> Result<()> {
        let entry = Entry {
            number: order_number,
            at: now_ms(),
            actor,
            action,
            old: old_value,
            new: new_value,
        };
        transitions::append(&self.write, &entry).await
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
