//! Which organization each email domain belongs to, for people who sign in with a
//! verified address (`checkout-bot orgs set-domain`).

use super::{Result, Store, now_ms};

impl Store {
    /// Gives `domain` (normalized) to `org_id`. A domain belongs to one organization:
    /// returns the organization it belonged to before, if another.
    pub async fn set_org_domain(&self, domain: &str, org_id: &str) -> Result<Option<String>> {
        let mut tx = self.write.begin().await?;
        let before: Option<(String,)> =
            sqlx::query_as("SELECT org_id FROM org_domains WHERE domain = $1")
                .bind(domain)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO org_domains (domain, org_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (domain) DO UPDATE SET org_id = excluded.org_id, created_at = excluded.created_at",
        )
        .bind(domain)
        .bind(org_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(before.map(|(o,)| o).filter(|o| o != org_id))
    }

    /// Takes `domain` away from `org_id`; false if it was not that organization's.
    pub async fn remove_org_domain(&self, domain: &str, org_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM org_domains WHERE domain = $1 AND org_id = $2")
            .bind(domain)
            .bind(org_id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// An organization's domains, alphabetically.
    pub async fn org_domains(&self, org_id: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT domain FROM org_domains WHERE org_id = $1 ORDER BY domain")
                .bind(org_id)
                .fetch_all(&self.read)
                .await?;
        Ok(rows.into_iter().map(|(d,)| d).collect())
    }

    /// The organization `domain` belongs to, if any.
    pub async fn org_for_domain(&self, domain: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT org_id FROM org_domains WHERE domain = $1")
                .bind(domain)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(|(o,)| o))
    }
}
