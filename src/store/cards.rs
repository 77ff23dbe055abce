//! Saved cards: a processor token with brand, last 4 and expiry. Never a card number.

use super::directory::new_id;
use super::{Result, Store, now_ms};
use crate::domain::card::SavedCard;

impl Store {
    pub async fn cards(&self, account_id: &str) -> Result<Vec<SavedCard>> {
        Ok(sqlx::query_as(
            "SELECT id, brand, last4, exp_month, exp_year, token FROM cards \
             WHERE account_id = $1 AND saved = 1 ORDER BY created_at, id",
        )
        .bind(account_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn add_card(&self, account_id: &str, card: &SavedCard) -> Result<String> {
        self.add_card_kept(account_id, card, true).await
    }

    /// Adds a card; `saved` false keeps it for one order only, out of the saved list.
    pub async fn add_card_kept(
        &self,
        account_id: &str,
        card: &SavedCard,
        saved: bool,
    ) -> Result<String> {
        let id = new_id("card");
        sqlx::query(
            "INSERT INTO cards (id, account_id, token, brand, last4, exp_month, exp_year, created_at, saved) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(account_id)
        .bind(&card.token)
        .bind(&card.brand)
        .bind(&card.last4)
        .bind(card.exp_month)
        .bind(card.exp_year)
        .bind(now_ms())
        .bind(i64::from(saved))
        .execute(&self.write)
        .await?;
        Ok(id)
    }

    /// Any card of the account by id, saved or kept for one order.
    pub async fn card(&self, account_id: &str, id: &str) -> Result<Option<SavedCard>> {
        Ok(sqlx::query_as(
            "SELECT id, brand, last4, exp_month, exp_year, token FROM cards WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id)
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Whether the card was kept for one order only (not saved for future billing).
    pub async fn card_is_one_time(&self, account_id: &str, id: &str) -> Result<bool> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT saved FROM cards WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.is_some_and(|(saved,)| saved == 0))
    }

    /// Removes a saved card. False if the account has no such card.
    pub async fn remove_card(&self, account_id: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM cards WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
