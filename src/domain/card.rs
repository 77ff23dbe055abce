//! Saved payment cards, as the bot may know them: a gateway token, the brand, the last
//! four digits and the expiry. Never the number or the CVV.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SavedCard {
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
    /// The payment gateway's token for this card.
    #[serde(skip_serializing)]
    pub token: String,
}

impl SavedCard {
    /// `Visa •••• 4242 (exp 12/28)`.
    pub fn label(&self) -> String {
        format!(
            "{} •••• {} (exp {:02}/{:02})",
            self.brand,
            self.last4,
            self.exp_month,
            self.exp_year % 100
        )
    }

    /// Whether the card is still valid in the given year and month.
    pub fn valid_in(&self, year: i64, month: i64) -> bool {
        (self.exp_year, self.exp_month) >= (year, month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_show_brand_last4_and_expiry_only() {
        let c = SavedCard {
            id: "card_1".into(),
            brand: "Visa".into(),
            last4: "4242".into(),
            exp_month: 3,
            exp_year: 2028,
            token: "tok_secret".into(),
        };
        assert_eq!(c.label(), "Visa •••• 4242 (exp 03/28)");
        assert!(!serde_json::to_string(&c).unwrap().contains("tok_secret"));
        assert!(c.valid_in(2028, 3) && !c.valid_in(2028, 4));
    }
}
