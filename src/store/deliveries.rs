//! Inbound deliveries already taken: a platform may send an event again (it timed out
//! waiting, or a process died), to any process; the first to claim its id handles it.

use super::{Result, Store};

impl Store {
    /// True the first time `(platform, id)` is claimed; the claim and the check are one
    /// statement, so two processes racing for the same delivery cannot both win.
    pub async fn first_delivery(&self, platform: &str, id: &str, at: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO deliveries (platform, id, received_at) VALUES ($1, $2, $3) \
             ON CONFLICT (platform, id) DO NOTHING",
        )
        .bind(platform)
        .bind(id)
        .bind(at)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets deliveries taken before `before`: platforms stop retrying within minutes.
    pub async fn forget_deliveries(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM deliveries WHERE received_at < $1")
            .bind(before)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
