//! One-time card-page links: bound to a user and a checkout, valid for a short time,
//! used once, with a limit on attempts. Only the token's SHA-256 is stored, so the
//! database alone does not open a link.

use sha2::{Digest, Sha256};
use sqlx::FromRow;

use super::{Result, Store, now_ms};
use crate::domain::account::Identity;

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CardLink {
    pub account_id: String,
    pub platform: String,
    pub workspace: String,
    pub user_id: String,
    pub checkout_key: String,
    pub csrf: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub attempts: i64,
}

impl CardLink {
    pub fn identity(&self) -> Identity {
        Identity::new(&self.platform, &self.workspace, &self.user_id)
    }
}

impl Store {
    pub async fn create_card_link(
        &self,
        token: &str,
        who: &Identity,
        account_id: &str,
        checkout_key: &str,
        csrf: &str,
        valid_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO card_links (token_hash, account_id, platform, workspace, user_id, checkout_key, csrf, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(hash(token))
        .bind(account_id)
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(checkout_key)
        .bind(csrf)
        .bind(now_ms() + valid_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn card_link(&self, token: &str) -> Result<Option<CardLink>> {
        Ok(sqlx::query_as(
            "SELECT account_id, platform, workspace, user_id, checkout_key, csrf, expires_at, used_at, attempts \
             FROM card_links WHERE token_hash = $1",
        )
        .bind(hash(token))
        .fetch_optional(&self.write)
        .await?)
    }

    /// Counts one attempt; returns the attempts made so far, this one included.
    pub async fn count_card_attempt(&self, token: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "UPDATE card_links SET attempts = attempts + 1 WHERE token_hash = $1 RETURNING attempts",
        )
        .bind(hash(token))
        .fetch_one(&self.write)
        .await?;
        Ok(n)
    }

    /// Marks the link used. False if it already was: a link works once.
    pub async fn use_card_link(&self, token: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE card_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(hash(token))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
