//! The payment gateway: charging a saved card's token, exactly once per idempotency key.
//!
//! The embedded default is a sandbox that behaves like a real gateway for the tokens it
//! knows; a real provider goes behind the same trait.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::domain::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The issuer said no; the reason is safe to show the buyer.
    #[error("declined: {0}")]
    Declined(String),
    /// The gateway could not be reached or failed; nothing was charged.
    #[error("payment service unavailable: {0}")]
    Unavailable(String),
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Charges `amount` to `token`. A repeated `idempotency_key` returns the first result
    /// and charges nothing more.
    async fn charge(
        &self,
        token: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<Charge, PaymentError>;
}

/// Sandbox tokens: `tok_sandbox_decline` is declined, `tok_sandbox_insufficient` fails
/// for insufficient funds, `tok_sandbox_expired` as expired; any other token is approved.
#[derive(Debug, Default)]
pub struct SandboxGateway {
    charges: Mutex<HashMap<String, Result<Charge, PaymentError>>>,
}

#[async_trait]
impl PaymentGateway for SandboxGateway {
    async fn charge(
        &self,
        token: &str,
        _amount: &Money,
        idempotency_key: &str,
    ) -> Result<Charge, PaymentError> {
        let mut charges = self
            .charges
            .lock()
            .map_err(|_| PaymentError::Unavailable("sandbox state poisoned".into()))?;
        if let Some(done) = charges.get(idempotency_key) {
            return done.clone();
        }
        let result = match token {
            "tok_sandbox_decline" => Err(PaymentError::Declined("the card was declined".into())),
            "tok_sandbox_insufficient" => Err(PaymentError::Declined("insufficient funds".into())),
            "tok_sandbox_expired" => Err(PaymentError::Declined("the card has expired".into())),
            _ => Ok(Charge {
                id: format!("ch_{:016x}", rand::random::<u64>()),
            }),
        };
        charges.insert(idempotency_key.to_string(), result.clone());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(n: i64) -> Money {
        Money::new(
            rust_decimal::Decimal::from(n),
            crate::domain::money::Currency::usd(),
        )
    }

    #[tokio::test]
    async fn a_replayed_key_does_not_charge_twice() {
        let g = SandboxGateway::default();
        let a = g.charge("tok_x", &usd(5), "k1").await.unwrap();
        let b = g.charge("tok_x", &usd(5), "k1").await.unwrap();
        let c = g.charge("tok_x", &usd(5), "k2").await.unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[tokio::test]
    async fn test_tokens_decline_with_a_reason() {
        let g = SandboxGateway::default();
        for (token, reason) in [
            ("tok_sandbox_decline", "declined"),
            ("tok_sandbox_insufficient", "insufficient funds"),
            ("tok_sandbox_expired", "expired"),
        ] {
            match g.charge(token, &usd(1), token).await {
                Err(PaymentError::Declined(r)) => assert!(r.contains(reason), "{r}"),
                other => panic!("{token}: {other:?}"),
            }
        }
    }
}
