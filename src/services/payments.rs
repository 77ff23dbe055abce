//! The payment processor: turning a card into a token, charging a token exactly once per
//! idempotency key, and refunds.
//!
//! The embedded default is a sandbox that behaves like a real processor for its documented
//! test numbers; a real provider goes behind the same trait.
//!
//! Sandbox test numbers (any future expiry, any CVV of the right length):
//! | number | outcome |
//! |---|---|
//! | 4242 4242 4242 4242, 5555 5555 5555 4444, 3782 822463 10005, 6011 1111 1111 1117 | approved |
//! | 4000 0000 0000 0002 | declined |
//! | 4000 0000 0000 9995 | insufficient funds |
//! | 4000 0000 0000 0069 | expired card |

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::domain::card::CardInput;
use crate::domain::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub(crate) id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub(crate) id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The issuer said no; the reason is safe to show the buyer.
    #[error("declined: {0}")]
    Declined(String),
    /// The processor could not be reached or failed; nothing was charged.
    #[error("payment service unavailable: {0}")]
    Unavailable(String),
    /// The card's bank wants the buyer to confirm (3-D Secure): the charge, by this
    /// reference, completes once they do.
    #[error("the bank asks the buyer to confirm the payment ({0})")]
    NeedsAuthentication(String),
    /// The processor took the charge, by this reference, but has not settled it: it is
    /// not paid until the processor says so.
    #[error("the payment is processing ({0})")]
    Processing(String),
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Payments: Send + Sync {
    /// Exchanges a checked card for a token; the number and CVV go no further.
    async fn tokenize(&self, card: &CardInput) -> Result<String, PaymentError>;

    /// Gives back `amount` of a charge. A repeated `idempotency_key` returns the first
    /// result and gives back nothing more.
    async fn refund(
        &self,
        charge_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<Refund, PaymentError>;

    /// Charges `amount` to `token`. A repeated `idempotency_key` returns the first result
    /// and charges nothing more.
    async fn charge(
        &self,
        token: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<Charge, PaymentError>;

    /// Lets go of a card the shop no longer keeps (removed, or kept for one order that
    /// has been charged): detached at the processor where it lives there.
    async fn forget(&self, _token: &str) -> Result<(), PaymentError> {
        Ok(())
    }
}

/// Sandbox tokens: those starting `tok_sandbox_decline` are declined,
/// `tok_sandbox_insufficient` fail for insufficient funds, `tok_sandbox_expired` as
/// expired; any other token is approved.
#[derive(Debug, Default)]
pub struct SandboxPayments {
    charges: Mutex<HashMap<String, Result<Charge, PaymentError>>>,
    refunds: Mutex<HashMap<String, Refund>>,
}

#[async_trait]
impl Payments for SandboxPayments {
    async fn tokenize(&self, card: &CardInput) -> Result<String, PaymentError> {
        let kind = match card.number.as_str() {
            "4000000000000002" => "decline",
            "4000000000009995" => "insufficient",
            "4000000000000069" => "expired",
            _ => "ok",
        };
        Ok(crate::domain::ids::new_id(&format!("tok_sandbox_{kind}")))
    }

    /// The sandbox keeps no ledger across processes (an operator refunds from the CLI,
    /// not the process that charged), so any charge id of its own shape is refundable;
    /// what may be refunded is the store's to decide.
    async fn refund(
        &self,
        charge_id: &str,
        _amount: &Money,
        idempotency_key: &str,
    ) -> Result<Refund, PaymentError> {
        if !charge_id.starts_with("ch_") {
            return Err(PaymentError::Declined("no such charge".into()));
        }
        let mut refunds = self
            .refunds
            .lock()
            .map_err(|_| PaymentError::Unavailable("sandbox state poisoned".into()))?;
        let refund = refunds
            .entry(idempotency_key.to_string())
            .or_insert_with(|| Refund {
                id: crate::domain::ids::new_id("re"),
            });
        Ok(refund.clone())
    }

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
        let result = if token.starts_with("tok_sandbox_decline") {
            Err(PaymentError::Declined("the card was declined".into()))
        } else if token.starts_with("tok_sandbox_insufficient") {
            Err(PaymentError::Declined("insufficient funds".into()))
        } else if token.starts_with("tok_sandbox_expired") {
            Err(PaymentError::Declined("the card has expired".into()))
        } else {
            Ok(Charge {
                id: crate::domain::ids::new_id("ch"),
            })
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
        let g = SandboxPayments::default();
        let a = g.charge("tok_x", &usd(5), "k1").await.unwrap();
        let b = g.charge("tok_x", &usd(5), "k1").await.unwrap();
        let c = g.charge("tok_x", &usd(5), "k2").await.unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[tokio::test]
    async fn documented_test_numbers_tokenize_to_their_outcome_and_refunds_need_a_charge_and_replay_by_key()
     {
        let g = SandboxPayments::default();
        let card = |n: &str| crate::domain::card::check(n, "12 30", "123", 2026, 11).unwrap();
        let ok = g.tokenize(&card("4242424242424242")).await.unwrap();
        let charge = g.charge(&ok, &usd(10), "a").await.unwrap();
        let first = g.refund(&charge.id, &usd(4), "r1").await.unwrap();
        assert_eq!(g.refund(&charge.id, &usd(4), "r1").await.unwrap(), first);
        assert_ne!(g.refund(&charge.id, &usd(6), "r2").await.unwrap(), first);
        assert!(g.refund("pi_other", &usd(10), "r3").await.is_err());
        let declined = g.tokenize(&card("4000000000000002")).await.unwrap();
        assert!(matches!(
            g.charge(&declined, &usd(10), "b").await,
            Err(PaymentError::Declined(_))
        ));
        let poor = g.tokenize(&card("4000000000009995")).await.unwrap();
        assert_eq!(
            g.charge(&poor, &usd(10), "c").await,
            Err(PaymentError::Declined("insufficient funds".into()))
        );
        assert!(
            !ok.contains("4242"),
            "a token carries no digits of the number"
        );
    }

    #[tokio::test]
    async fn test_tokens_decline_with_a_reason() {
        let g = SandboxPayments::default();
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
