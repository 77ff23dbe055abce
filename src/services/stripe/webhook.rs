//! Stripe's events about payments, each checked and handled once: the signature check
//! and what each event does to an order. The `Stripe-Signature` header must carry an
//! HMAC-SHA256, under the webhook secret, of `{t}.{raw body}` with `t` within five
//! minutes of now. Handlers only move an order where the event proves it should go, so
//! events that arrive twice or out of order leave it right. The HTTP route that receives
//! them is the edge's (`stripe_webhook.rs`).

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::domain::order::OrderStatus;
use crate::store::{Store, StoreError};

/// How far the signed time may be from ours.
pub(crate) const TOLERANCE_S: i64 = 300;
/// Who the audit trail says made a change a webhook brought.
const ACTOR: &str = "stripe";

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Forged {
    #[error("no usable Stripe-Signature header")]
    Malformed,
    #[error("signed {0} s away from now")]
    Stale(i64),
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` (`t=…,v1=…[,v1=…]`) for `body` under `secret`, at `now` (seconds).
pub(crate) fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), Forged> {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(hex::decode(v).map_err(|_| Forged::Malformed)?),
            _ => {}
        }
    }
    let t = t.ok_or(Forged::Malformed)?;
    if signatures.is_empty() {
        return Err(Forged::Malformed);
    }
    if (now - t).abs() > TOLERANCE_S {
        return Err(Forged::Stale(now - t));
    }
    for signature in signatures {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| Forged::Malformed)?;
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        if mac.verify_slice(&signature).is_ok() {
            return Ok(());
        }
    }
    Err(Forged::Mismatch)
}

/// The order an event's PaymentIntent paid for: by the order key the charge carried,
/// else by the charge reference kept with the order.
async fn order_of(
    store: &Store,
    intent: &Value,
) -> Result<Option<(String, OrderStatus)>, StoreError> {
    if let Some(key) = intent["metadata"]["order_key"].as_str()
        && let Some(order) = store.order_by_key(key).await?
    {
        return Ok(Some((order.number, order.status)));
    }
    // A charge names its PaymentIntent; a PaymentIntent is its own.
    let Some(pi) = intent["payment_intent"].as_str().or(intent["id"].as_str()) else {
        return Ok(None);
    };
    match store.order_by_charge_ref(pi).await? {
        Some(number) => Ok(store
            .order_by_number(&number)
            .await?
            .map(|o| (o.number, o.status))),
        None => Ok(None),
    }
}

/// Handles one verified event, once.
pub(crate) async fn handle(store: &Store, event: &Value) -> Result<(), StoreError> {
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["type"].as_str()) else {
        return Ok(());
    };
    if store.stripe_event_seen(id).await? {
        tracing::info!(
            event = id,
            kind,
            "a Stripe event delivered again; already handled"
        );
        return Ok(());
    }
    let object = &event["data"]["object"];
    match kind {
        "payment_intent.succeeded" => {
            // Confirmed with the bank, or charged after all (the answer to our request
            // was lost): the order is paid.
            if let Some((number, from)) = order_of(store, object).await?
                && matches!(
                    from,
                    OrderStatus::PaymentFailed
                        | OrderStatus::AwaitingAuthentication
                        | OrderStatus::PaymentProcessing
                )
                && let Some(pi) = object["id"].as_str()
            {
                store.record_charge(&number, pi).await?;
                store
                    .set_order_status_from(&number, from, OrderStatus::Paid, ACTOR)
                    .await?;
                tracing::info!(%number, "Stripe says a payment succeeded");
            }
        }
        "payment_intent.payment_failed" => {
            // A failure never undoes a payment that succeeded (it may arrive after it);
            // only a payment still waiting for the bank's confirmation fails with it.
            if let Some((number, status)) = order_of(store, object).await? {
                tracing::info!(%number, status = status.as_str(), "Stripe reports a failed payment attempt");
                if matches!(
                    status,
                    OrderStatus::AwaitingAuthentication | OrderStatus::PaymentProcessing
                ) {
                    store
                        .set_order_status_from(&number, status, OrderStatus::PaymentFailed, ACTOR)
                        .await?;
                }
            }
        }
        "charge.refunded" => {
            let amount = object["amount"].as_i64().unwrap_or(i64::MAX);
            let refunded = object["amount_refunded"].as_i64().unwrap_or(0);
            if refunded >= amount
                && let Some((number, OrderStatus::Paid)) = order_of(store, object).await?
            {
                store
                    .set_order_status_from(&number, OrderStatus::Paid, OrderStatus::Refunded, ACTOR)
                    .await?;
                tracing::info!(%number, "refunded in full at Stripe");
            }
        }
        "setup_intent.succeeded" => {
            // The card page reads the SetupIntent back itself; this only confirms it.
            tracing::info!(
                setup_intent = object["id"].as_str().unwrap_or(""),
                "Stripe confirms a card set-up"
            );
        }
        other => tracing::debug!(kind = other, "a Stripe event the shop does not use"),
    }
    store.record_stripe_event(id, kind).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{body}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn only_a_fresh_signature_of_the_exact_body_passes() {
        let (secret, body, now) = ("whsec_test", r#"{"id":"evt_1"}"#, 1_800_000_000);
        let good = format!("t={now},v1={}", sign(secret, now, body));
        assert_eq!(verify(secret, &good, body.as_bytes(), now), Ok(()));
        // Another scheme's signature beside it, and a rolled secret's, are fine.
        let two = format!(
            "t={now},v0=abcd,v1={},v1={}",
            sign("old", now, body),
            sign(secret, now, body)
        );
        assert_eq!(verify(secret, &two, body.as_bytes(), now + 299), Ok(()));
        assert_eq!(
            verify(secret, &good, br#"{"id":"evt_2"}"#, now),
            Err(Forged::Mismatch)
        );
        assert_eq!(
            verify("whsec_other", &good, body.as_bytes(), now),
            Err(Forged::Mismatch)
        );
        assert_eq!(
            verify(secret, &good, body.as_bytes(), now + 301),
            Err(Forged::Stale(301))
        );
        for bad in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz"] {
            assert_eq!(
                verify(secret, bad, body.as_bytes(), 1),
                Err(Forged::Malformed),
                "{bad}"
            );
        }
    }
}
