//! One-time links to confirm a payment the card's bank wants confirmed (3-D Secure),
//! `{PUBLIC_URL}/pay/confirm/{token}`: bound to an order and its account. Only the
//! token's hash is stored.

use sqlx::FromRow;

use super::card_links::hash;
use super::{Result, Store, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub(crate) struct PaymentLink {
    pub(crate) order_number: String,
    pub(crate) account_id: String,
    pub(crate) csrf: String,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
}

impl Store {
    pub(crate) async fn create_payment_link(
        &self,
        token: &str,
        order_number: &str,
        account_id: &str,
        csrf: &str,
        valid_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO payment_links (token_hash, order_number, account_id, csrf, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash(token))
        .bind(order_number)
        .bind(account_id)
        .bind(csrf)
        .bind(now + valid_ms)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub(crate) async fn payment_link(&self, token: &str) -> Result<Option<PaymentLink>> {
        Ok(sqlx::query_as(
            "SELECT order_number, account_id, csrf, expires_at, used_at FROM payment_links WHERE token_hash = $1",
        )
        .bind(hash(token))
        .fetch_optional(&self.write)
        .await?)
    }

    /// Marks the link used. False if it already was: a link works once.
    pub(crate) async fn use_payment_link(&self, token: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE payment_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(hash(token))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
