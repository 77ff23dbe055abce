//! Inbound deliveries already taken: a platform may send an event again (it timed out
//! waiting, or a process died), to any process; the first to claim its id handles it.

use super::{Result, Store};

impl Store {
    /// True the first time `(platform, id)` is claimed; the claim and the check are one
    /// statement, so two processes racing for the same delivery cannot both win. Claims
    /// made together share one statement (`delivery_writer`).
    pub async fn first_delivery(&self, platform: &str, id: &str, at: i64) -> Result<bool> {
        self.deliveries
            .claim(platform, id, at)
            .await
            .map_err(super::StoreError::Write)
    }

    /// Forgets deliveries taken before `before`: platforms stop retrying within minutes.
    pub(crate) async fn forget_deliveries(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM deliveries WHERE received_at < $1")
            .bind(before)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
