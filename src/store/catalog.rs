//! The catalog, stored as versioned JSON documents: an import adds a version, the
//! newest is current, and the history stays for audit.

use sqlx::FromRow;

use super::{Result, Store, StoreError, now_ms};
use crate::domain::catalog::Catalog;

#[derive(FromRow)]
struct Row {
    version: i64,
    body: String,
}

impl Store {
    /// The current catalog and its version, if any was imported.
    pub async fn current_catalog(&self) -> Result<Option<(i64, Catalog)>> {
        let row: Option<Row> =
            sqlx::query_as("SELECT version, body FROM catalogs ORDER BY version DESC LIMIT 1")
                .fetch_optional(&self.read)
                .await?;
        row.map(|r| {
            serde_json::from_str(&r.body)
                .map(|c| (r.version, c))
                .map_err(|e| StoreError::Corrupt(format!("catalog version {}: {e}", r.version)))
        })
        .transpose()
    }

    /// The current version only: a cheap check of whether a cached catalog is stale.
    pub async fn catalog_version(&self) -> Result<Option<i64>> {
        let v: Option<(Option<i64>,)> = sqlx::query_as("SELECT MAX(version) FROM catalogs")
            .fetch_optional(&self.read)
            .await?;
        Ok(v.and_then(|(v,)| v))
    }

    /// Stores a validated catalog as the new current version.
    pub async fn save_catalog(&self, catalog: &Catalog, source: &str) -> Result<i64> {
        let body = serde_json::to_string(catalog)
            .map_err(|e| StoreError::Corrupt(format!("catalog: {e}")))?;
        let (version,): (i64,) = sqlx::query_as(
            "INSERT INTO catalogs (version, body, source, imported_at) \
             SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3 FROM catalogs RETURNING version",
        )
        .bind(body)
        .bind(source)
        .bind(now_ms())
        .fetch_one(&self.write)
        .await?;
        Ok(version)
    }
}
