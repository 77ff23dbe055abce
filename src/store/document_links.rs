//! One-time document links: made for one person and one document of their account's
//! order, valid for a short time, used once. Only the token's SHA-256 is stored, so
//! the database alone opens no link.

use sqlx::FromRow;

use super::card_links::hash;
use super::{Result, Store};
use crate::domain::account::Identity;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DocumentLink {
    pub platform: String,
    pub workspace: String,
    pub user_id: String,
    pub account_id: String,
    pub order_number: String,
    /// `Kind::id`.
    pub kind: String,
    pub locale: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl DocumentLink {
    pub fn identity(&self) -> Identity {
        Identity::new(&self.platform, &self.workspace, &self.user_id)
    }
}

/// A link about to be handed out.
pub struct NewDocumentLink<'a> {
    /// The secret in the URL; only its hash is stored.
    pub token: &'a str,
    pub who: &'a Identity,
    pub account_id: &'a str,
    pub order_number: &'a str,
    pub kind: &'a str,
    pub locale: &'a str,
    pub now: i64,
    pub valid_ms: i64,
}

impl Store {
    pub async fn create_document_link(&self, link: &NewDocumentLink<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO document_links (token_hash, platform, workspace, user_id, account_id, \
             order_number, kind, locale, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(hash(link.token))
        .bind(&link.who.platform)
        .bind(&link.who.workspace)
        .bind(&link.who.user)
        .bind(link.account_id)
        .bind(link.order_number)
        .bind(link.kind)
        .bind(link.locale)
        .bind(link.now)
        .bind(link.now.saturating_add(link.valid_ms))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn document_link(&self, token: &str) -> Result<Option<DocumentLink>> {
        Ok(sqlx::query_as(
            "SELECT platform, workspace, user_id, account_id, order_number, kind, locale, \
             expires_at, used_at FROM document_links WHERE token_hash = $1",
        )
        .bind(hash(token))
        .fetch_optional(&self.write)
        .await?)
    }

    /// Uses the link, if it is unused and unexpired at `now`: one conditional UPDATE, so
    /// of two racing downloads exactly one gets the document.
    pub async fn use_document_link(&self, token: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE document_links SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(hash(token))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
