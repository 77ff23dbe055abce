//! Saved cards: a gateway token with brand, last 4 and expiry. Never a card number.

use super::directory::new_id;
use super::{Result, Store, now_ms};
use crate::domain::card::SavedCard;

impl Store {
    pub async fn cards(&self, account_id: &str) -> Result<Vec<SavedCard>> {
        Ok(sqlx::query_as(
            "SELECT id, brand, last4, exp_month, exp_year, token FROM cards \
             WHERE account_id = $1 ORDER BY created_at, id",
        )
        .bind(account_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn add_card(&self, account_id: &str, card: &SavedCard) -> Result<String> {
        let id = new_id("card");
        sqlx::query(
            "INSERT INTO cards (id, account_id, token, brand, last4, exp_month, exp_year, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(account_id)
        .bind(&card.token)
        .bind(&card.brand)
        .bind(&card.last4)
        .bind(card.exp_month)
        .bind(card.exp_year)
        .bind(now_ms())
        .execute(&self.write)
        .await?;
        Ok(id)
    }
}
