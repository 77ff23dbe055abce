//! Money: an exact decimal amount in one currency.
//!
//! Amounts are `rust_decimal::Decimal`, never floats, so that a cart of 3 × 33.33
//! adds up to what an accountant expects. Mixing currencies is an error, not a silent
//! conversion: the catalog has one currency and totals are computed in one place (`cart`).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 style currency code such as `USD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn usd() -> Self {
        Currency("USD".into())
    }

    pub(crate) fn code(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = String;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Currency(code))
        } else {
            Err(format!("'{code}' is not a three-letter currency code"))
        }
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("cannot combine {0} with {1}")]
pub(crate) struct CurrencyMismatch(pub Currency, pub Currency);

/// An amount of money. Always kept to the currency's two decimal places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money {
            amount: round_cents(amount),
            currency,
        }
    }

    pub(crate) fn zero(currency: Currency) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    pub(crate) fn times(&self, quantity: u32) -> Money {
        Money::new(self.amount * Decimal::from(quantity), self.currency.clone())
    }

    pub(crate) fn plus(&self, other: &Money) -> Result<Money, CurrencyMismatch> {
        if self.currency != other.currency {
            return Err(CurrencyMismatch(
                self.currency.clone(),
                other.currency.clone(),
            ));
        }
        Ok(Money::new(
            self.amount + other.amount,
            self.currency.clone(),
        ))
    }
}

/// Half away from zero, as invoices round, not banker's rounding.
/// Always two places, so `12.5` is stored and shown as `12.50`.
fn round_cents(amount: Decimal) -> Decimal {
    let mut cents = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    cents.rescale(2);
    cents
}

impl Money {
    /// The amount with `group` between thousands and `decimal` before the cents, without
    /// the currency: the digits of `Lang::money` and `plain`.
    pub(crate) fn written(&self, group: &str, decimal: &str) -> String {
        let fixed = format!("{:.2}", self.amount.abs());
        let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
        let mut out = String::with_capacity(fixed.len() * 2);
        if self.amount.is_sign_negative() && !self.amount.is_zero() {
            out.push('-');
        }
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push_str(group);
            }
            out.push(digit);
        }
        out.push_str(decimal);
        out.push_str(cents);
        out
    }

    /// `USD 1,234.50`, for operators and logs; people get `Lang::money`. The code rather
    /// than a symbol, since `$` is ambiguous across the currencies a vendor may sell in.
    pub fn plain(&self) -> String {
        format!("{} {}", self.currency, self.written(",", "."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn usd(s: &str) -> Money {
        Money::new(Decimal::from_str(s).unwrap(), Currency::usd())
    }

    #[test]
    fn multiplies_exactly() {
        assert_eq!(usd("33.33").times(3), usd("99.99"));
        assert_eq!(
            usd("0.10").times(3).amount,
            Decimal::from_str("0.30").unwrap()
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(usd("1.005").amount, Decimal::from_str("1.01").unwrap());
        assert_eq!(usd("1.004").amount, Decimal::from_str("1.00").unwrap());
    }

    #[test]
    fn refuses_to_mix_currencies() {
        let eur = Money::new(Decimal::ONE, Currency::try_from("eur".to_string()).unwrap());
        assert!(usd("1").plus(&eur).is_err());
        assert_eq!(usd("1").plus(&usd("2.5")).unwrap(), usd("3.50"));
    }

    #[test]
    fn displays_grouped_with_code() {
        assert_eq!(usd("1234567.5").plain(), "USD 1,234,567.50");
        assert_eq!(usd("125").plain(), "USD 125.00");
        assert_eq!(usd("0").plain(), "USD 0.00");
        assert_eq!(usd("-12.3").plain(), "USD -12.30");
    }

    #[test]
    fn currency_codes_are_validated() {
        assert!(Currency::try_from("US".to_string()).is_err());
        assert!(Currency::try_from("U5D".to_string()).is_err());
        assert_eq!(
            Currency::try_from(" usd ".to_string()).unwrap(),
            Currency::usd()
        );
    }

    #[test]
    fn serializes_amount_as_string() {
        let json = serde_json::to_string(&usd("12.5")).unwrap();
        assert_eq!(json, r#"{"amount":"12.50","currency":"USD"}"#);
    }
}
