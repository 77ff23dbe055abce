//! Stripe as the payment gateway. Card numbers never reach our server: the card page
//! mounts Stripe's card Element and confirms a SetupIntent in the browser; the server
//! then reads the SetupIntent back from Stripe and trusts nothing the browser said.
//! A saved card's token is `{customer}:{payment_method}`, so a charge (one PaymentIntent
//! per order, off-session, with the order's idempotency key) needs nothing else.

pub(crate) mod client;
pub mod config;
pub(crate) mod webhook;

use async_trait::async_trait;

use client::{Client, StripeError};
use config::StripeSettings;

use super::payments::{Charge, PaymentError, Payments, Refund};
use crate::domain::card::{CardInput, SavedCard};
use crate::domain::money::Money;
use crate::store::Store;

/// Currencies Stripe counts in whole units (no cents).
const ZERO_DECIMAL: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// `money` in the smallest unit Stripe counts for its currency.
pub(crate) fn minor_units(money: &Money) -> Result<i64, PaymentError> {
    use rust_decimal::prelude::ToPrimitive;
    let zero_decimal = ZERO_DECIMAL.contains(&money.currency.code());
    let scaled = if zero_decimal {
        money.amount
    } else {
        money.amount * rust_decimal::Decimal::ONE_HUNDRED
    };
    if !scaled.fract().is_zero() || scaled.is_sign_negative() {
        return Err(PaymentError::Unavailable(format!(
            "{} cannot be charged in {}",
            money.plain(),
            money.currency
        )));
    }
    scaled
        .to_i64()
        .ok_or_else(|| PaymentError::Unavailable("amount out of range".into()))
}

/// Our brand names for Stripe's.
fn brand(stripe: &str) -> String {
    match stripe {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "amex" => "American Express",
        "discover" => "Discover",
        "diners" => "Diners Club",
        "jcb" => "JCB",
        "unionpay" => "UnionPay",
        _ => "Card",
    }
    .to_string()
}

/// A declined card's reason, in words a buyer understands.
fn decline_reason(e: &client::ApiError) -> String {
    match e.decline_code.as_deref().or(e.code.as_deref()) {
        Some("insufficient_funds") => "insufficient funds".into(),
        Some("expired_card") => "the card has expired".into(),
        Some("incorrect_cvc") => "the security code is incorrect".into(),
        Some("authentication_required") => {
            "the card's bank asks for authentication, which this store cannot do off-session".into()
        }
        Some("lost_card" | "stolen_card" | "fraudulent" | "pickup_card") => {
            "the card was declined".into()
        }
        _ => e
            .message
            .clone()
            .unwrap_or_else(|| "the card was declined".into()),
    }
}

fn payment_error(e: StripeError) -> PaymentError {
    match e {
        StripeError::Card(e) => PaymentError::Declined(decline_reason(&e)),
        StripeError::Invalid { status, error } => {
            // A request Stripe refuses is ours to fix; the buyer can only try again later.
            tracing::error!(status, message = ?error.message, code = ?error.code, "stripe refused a request");
            PaymentError::Unavailable(format!("stripe refused a request ({status})"))
        }
        StripeError::Unavailable(why) => PaymentError::Unavailable(why),
    }
}

fn split_token(token: &str) -> Result<(&str, &str), PaymentError> {
    token
        .split_once(':')
        .filter(|(c, p)| c.starts_with("cus_") && p.starts_with("pm_"))
        .ok_or_else(|| PaymentError::Declined("this card was saved for another gateway".into()))
}

/// Why a card-page SetupIntent cannot add a card.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SetupRefused {
    #[error("the SetupIntent is {0}, not succeeded")]
    NotSucceeded(String),
    #[error("the SetupIntent belongs to another customer")]
    OtherCustomer,
    #[error("the payment method is not a card")]
    NotACard,
    #[error(transparent)]
    Stripe(#[from] StripeError),
}

pub struct StripeGateway {
    client: Client,
    settings: StripeSettings,
}

impl StripeGateway {
    pub(crate) fn new(settings: StripeSettings) -> anyhow::Result<StripeGateway> {
        Ok(StripeGateway {
            client: Client::new(&settings.api_base, &settings.secret_key)?,
            settings,
        })
    }

    pub(crate) fn settings(&self) -> &StripeSettings {
        &self.settings
    }

    /// The account's Customer, made at Stripe the first time (one even when two pages
    /// race: the creation's idempotency key is the account's).
    pub async fn customer_for(
        &self,
        store: &Store,
        account_id: &str,
        name: &str,
    ) -> anyhow::Result<String> {
        if let Some(c) = store.stripe_customer(account_id).await? {
            return Ok(c);
        }
        let made = self
            .client
            .create_customer(name, account_id, &format!("customer:{account_id}"))
            .await?;
        Ok(store.keep_stripe_customer(account_id, &made.id).await?)
    }

    /// A SetupIntent for the card page: its id and the client secret Stripe.js needs.
    pub(crate) async fn begin_setup(
        &self,
        customer: &str,
    ) -> Result<(String, String), StripeError> {
        let si = self.client.create_setup_intent(customer).await?;
        let secret = si.client_secret.ok_or_else(|| {
            StripeError::Unavailable("a SetupIntent came without a client secret".into())
        })?;
        Ok((si.id, secret))
    }

    /// The SetupIntent a card link made earlier, if it can still take a card for
    /// `customer`: a reload of the page shows it again instead of making another.
    pub(crate) async fn resume_setup(
        &self,
        id: &str,
        customer: &str,
    ) -> Result<Option<(String, String)>, StripeError> {
        let si = self.client.setup_intent(id).await?;
        let open = matches!(
            si.status.as_str(),
            "requires_payment_method" | "requires_confirmation" | "requires_action"
        );
        Ok(
            match (
                open,
                si.customer.as_deref() == Some(customer),
                si.client_secret,
            ) {
                (true, true, Some(secret)) => Some((si.id, secret)),
                _ => None,
            },
        )
    }

    /// A PaymentIntent as Stripe tells it now: its status and the client secret the
    /// confirmation page gives Stripe.js.
    pub(crate) async fn intent(&self, id: &str) -> Result<client::PaymentIntent, StripeError> {
        self.client.payment_intent(id).await
    }

    /// The card a confirmed SetupIntent of `customer` set up, as Stripe tells it.
    pub(crate) async fn finish_setup(
        &self,
        setup_intent: &str,
        customer: &str,
    ) -> Result<SavedCard, SetupRefused> {
        let si = self.client.setup_intent(setup_intent).await?;
        if si.status != "succeeded" {
            return Err(SetupRefused::NotSucceeded(si.status));
        }
        if si.customer.as_deref() != Some(customer) {
            return Err(SetupRefused::OtherCustomer);
        }
        let pm_id = si.payment_method.ok_or(SetupRefused::NotACard)?;
        let mut pm = self.client.payment_method(&pm_id).await?;
        match pm.customer.as_deref() {
            Some(c) if c != customer => return Err(SetupRefused::OtherCustomer),
            Some(_) => {}
            // Stripe attaches it when the SetupIntent has a customer; a stand-in may not.
            None => pm = self.client.attach(&pm_id, customer).await?,
        }
        let card = pm.card.ok_or(SetupRefused::NotACard)?;
        Ok(SavedCard {
            id: String::new(),
            brand: brand(&card.brand),
            last4: card.last4,
            exp_month: i64::from(card.exp_month),
            exp_year: i64::from(card.exp_year),
            token: format!("{customer}:{}", pm.id),
        })
    }
}

#[async_trait]
impl Payments for StripeGateway {
    async fn tokenize(&self, _card: &CardInput) -> Result<String, PaymentError> {
        Err(PaymentError::Unavailable(
            "with Stripe, card numbers are entered in Stripe's fields only".into(),
        ))
    }

    async fn charge(
        &self,
        token: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<Charge, PaymentError> {
        let (customer, pm) = split_token(token)?;
        let pi = self
            .client
            .charge_off_session(
                customer,
                pm,
                minor_units(amount)?,
                amount.currency.code(),
                idempotency_key,
            )
            .await
            .map_err(payment_error)?;
        match pi.status.as_str() {
            "succeeded" => Ok(Charge { id: pi.id }),
            // Taken, not settled: the webhook pays or fails the order later.
            "processing" => Err(PaymentError::Processing(pi.id)),
            // 3-D Secure: the buyer confirms on our confirmation page.
            "requires_action" => Err(PaymentError::NeedsAuthentication(pi.id)),
            other => Err(PaymentError::Declined(
                pi.last_payment_error
                    .as_ref()
                    .map(decline_reason)
                    .unwrap_or_else(|| format!("the payment is {other}")),
            )),
        }
    }

    async fn refund(
        &self,
        charge_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<Refund, PaymentError> {
        let refund = self
            .client
            .refund(charge_id, minor_units(amount)?, idempotency_key)
            .await
            .map_err(payment_error)?;
        match refund.status.as_deref() {
            Some("failed" | "canceled") => Err(PaymentError::Declined("the refund failed".into())),
            _ => Ok(Refund { id: refund.id }),
        }
    }

    async fn forget(&self, token: &str) -> Result<(), PaymentError> {
        let (_, pm) = split_token(token)?;
        self.client.detach(pm).await.map_err(payment_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use rust_decimal::Decimal;

    /// A stand-in that keeps Stripe's idempotency promise (the same key, the same
    /// PaymentIntent) and counts what it created.
    async fn idempotent_stripe() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        use axum::http::HeaderMap;
        let created = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let seen = created.clone();
        let app = axum::Router::new().route(
            "/v1/payment_intents",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let seen = seen.clone();
                async move {
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    assert!(body.contains("off_session=true") && body.contains("confirm=true"));
                    let mut made = seen.lock().unwrap();
                    if !made.contains(&key) {
                        made.push(key.clone());
                    }
                    axum::Json(
                        serde_json::json!({"id": format!("pi_{key}"), "status": "succeeded"}),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (base, created)
    }

    #[tokio::test]
    async fn a_retried_charge_carries_the_orders_key_so_stripe_charges_once() {
        let (base, created) = idempotent_stripe().await;
        let g = StripeGateway::new(StripeSettings {
            secret_key: "sk_test_x".into(),
            publishable_key: "pk_test_x".into(),
            webhook_secret: "whsec_x".into(),
            api_base: base,
            js_url: "https://js.stripe.com/v3/".into(),
        })
        .unwrap();
        let usd = Money::new(Decimal::new(4950, 2), Currency::usd());
        let first = g.charge("cus_1:pm_1", &usd, "order-k1").await.unwrap();
        let retry = g.charge("cus_1:pm_1", &usd, "order-k1").await.unwrap();
        assert_eq!(first, retry);
        assert_eq!(*created.lock().unwrap(), ["order-k1"]);
        g.charge("cus_1:pm_1", &usd, "order-k2").await.unwrap();
        assert_eq!(created.lock().unwrap().len(), 2);
    }

    #[test]
    fn amounts_go_to_stripe_in_its_units() {
        let m = |a: &str, c: &str| {
            Money::new(
                a.parse::<Decimal>().unwrap(),
                Currency::try_from(c.to_string()).unwrap(),
            )
        };
        assert_eq!(minor_units(&m("49.50", "USD")).unwrap(), 4950);
        assert_eq!(minor_units(&m("1200", "JPY")).unwrap(), 1200);
        assert!(minor_units(&m("12.50", "JPY")).is_err());
        assert_eq!(split_token("cus_1:pm_2").unwrap(), ("cus_1", "pm_2"));
        assert!(split_token("tok_sandbox_ok_x").is_err());
    }
}
