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
    pub reply_handle: Option<String>,
    /// With Stripe: the SetupIntent the page last made; only it may add the card.
    pub setup_intent: Option<String>,
}

impl CardLink {
    pub fn identity(&self) -> Identity {
        Identity::new(&self.platform, &self.workspace, &self.user_id)
    }
}

/// A link about to be handed out.
pub struct NewCardLink<'a> {
    /// The secret in the URL; only its hash is stored.
    pub token: &'a str,
    pub who: &'a Identity,
    pub account_id: &'a str,
    pub checkout_key: &'a str,
    pub csrf: &'a str,
    pub valid_ms: i64,
    pub reply_handle: Option<&'a str>,
}

impl Store {
    pub async fn create_card_link(&self, link: &NewCardLink<'_>) -> Result<()> {
        let NewCardLink {
            token,
            who,
            account_id,
            checkout_key,
            csrf,
            valid_ms,
            reply_handle,
        } = *link;
        sqlx::query(
            "INSERT INTO card_links (token_hash, account_id, platform, workspace, user_id, checkout_key, csrf, expires_at, reply_handle) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(hash(token))
        .bind(account_id)
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(checkout_key)
        .bind(csrf)
        .bind(now_ms() + valid_ms)
        .bind(reply_handle)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn card_link(&self, token: &str) -> Result<Option<CardLink>> {
        Ok(sqlx::query_as(
            "SELECT account_id, platform, workspace, user_id, checkout_key, csrf, expires_at, used_at, attempts, reply_handle, setup_intent \
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

    /// Records the SetupIntent a visit of the link made, replacing an earlier visit's.
    pub async fn set_card_link_setup(&self, token: &str, setup_intent: &str) -> Result<()> {
        sqlx::query(
            "UPDATE card_links SET setup_intent = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(setup_intent)
        .bind(hash(token))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The account's Stripe Customer, if it has one yet.
    pub async fn stripe_customer(&self, account_id: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT customer_id FROM stripe_customers WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.write)
                .await?;
        Ok(row.map(|(c,)| c))
    }

    /// Keeps the account's Stripe Customer, unless it has one already; the one it has.
    pub async fn keep_stripe_customer(
        &self,
        account_id: &str,
        customer_id: &str,
    ) -> Result<String> {
        sqlx::query(
            "INSERT INTO stripe_customers (account_id, customer_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id) DO NOTHING",
        )
        .bind(account_id)
        .bind(customer_id)
        .bind(now_ms())
        .execute(&self.write)
        .await?;
        Ok(self
            .stripe_customer(account_id)
            .await?
            .unwrap_or_else(|| customer_id.to_string()))
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
