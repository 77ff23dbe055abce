//! Platform addresses: what a platform learned from verified inbound traffic about how
//! to reach a person or a conversation, and needs again later, in any process. The core
//! reads none of it; each channel names its own kinds. Kept as long as the platform says
//! the same, replaced when it says otherwise.

use super::{Result, Store};

impl Store {
    /// Remembers `address` for (`platform`, `kind`, `name`), replacing what was there.
    pub async fn remember_address(
        &self,
        platform: &str,
        kind: &str,
        name: &str,
        address: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO platform_addresses (platform, kind, name, address, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (platform, kind, name) \
             DO UPDATE SET address = excluded.address, updated_at = excluded.updated_at",
        )
        .bind(platform)
        .bind(kind)
        .bind(name)
        .bind(address)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The address remembered for (`platform`, `kind`, `name`).
    pub async fn address(&self, platform: &str, kind: &str, name: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT address FROM platform_addresses \
             WHERE platform = $1 AND kind = $2 AND name = $3",
        )
        .bind(platform)
        .bind(kind)
        .bind(name)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(a,)| a))
    }

    /// Every (name, address) of one kind, by name.
    pub async fn addresses(&self, platform: &str, kind: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT name, address FROM platform_addresses \
             WHERE platform = $1 AND kind = $2 ORDER BY name",
        )
        .bind(platform)
        .bind(kind)
        .fetch_all(&self.read)
        .await?)
    }
}
