//! A small typed client for the parts of Stripe's API the shop uses: customers, setup
//! intents, payment methods, payment intents and refunds. Form-encoded requests with the
//! secret key, an idempotency key on every request that moves money, and Stripe's error
//! object turned into what the shop needs to know: the card's problem (say it), our
//! problem (log it) or Stripe's (try again).

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The API version the shapes below were written against.
const API_VERSION: &str = "2024-06-20";
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Customer {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SetupIntent {
    pub(crate) id: String,
    pub(crate) client_secret: Option<String>,
    pub(crate) status: String,
    pub(crate) customer: Option<String>,
    pub(crate) payment_method: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CardDetails {
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PaymentMethod {
    pub id: String,
    pub customer: Option<String>,
    pub card: Option<CardDetails>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PaymentIntent {
    pub(crate) id: String,
    pub(crate) status: String,
    pub client_secret: Option<String>,
    pub(crate) last_payment_error: Option<ApiError>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Refund {
    pub(crate) id: String,
    pub(crate) status: Option<String>,
}

/// Stripe's error object.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ApiError {
    pub(crate) code: Option<String>,
    pub(crate) decline_code: Option<String>,
    pub message: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ApiError,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum StripeError {
    /// The card was refused (HTTP 402): the buyer should hear why.
    #[error("card refused: {}", .0.message.as_deref().unwrap_or("declined"))]
    Card(ApiError),
    /// Stripe refused our request (4xx): a bug or a setting of ours.
    #[error("request refused ({status}): {}", .error.message.as_deref().unwrap_or(""))]
    Invalid { status: u16, error: ApiError },
    /// Stripe could not be reached or failed (timeouts, 429, 5xx): try again later.
    #[error("stripe unavailable: {0}")]
    Unavailable(String),
}

pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    secret: String,
}

impl Client {
    pub(crate) fn new(base: &str, secret_key: &str) -> anyhow::Result<Client> {
        Ok(Client {
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: base.trim_end_matches('/').to_string(),
            secret: secret_key.to_string(),
        })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, StripeError> {
        let res = request
            .bearer_auth(&self.secret)
            .header("Stripe-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| StripeError::Unavailable(e.without_url().to_string()))?;
        let status = res.status().as_u16();
        let body = res
            .text()
            .await
            .map_err(|e| StripeError::Unavailable(e.without_url().to_string()))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&body)
                .map_err(|e| StripeError::Unavailable(format!("unreadable answer: {e}")));
        }
        let error = serde_json::from_str::<ErrorBody>(&body)
            .map(|b| b.error)
            .unwrap_or_default();
        Err(match status {
            402 => StripeError::Card(error),
            429 | 500.. => StripeError::Unavailable(format!(
                "HTTP {status}: {}",
                error.message.unwrap_or_default()
            )),
            _ => StripeError::Invalid { status, error },
        })
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let body = serde_urlencoded::to_string(form)
            .map_err(|e| StripeError::Unavailable(format!("encoding: {e}")))?;
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, StripeError> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub(crate) async fn create_customer(
        &self,
        name: &str,
        account_id: &str,
        idempotency_key: &str,
    ) -> Result<Customer, StripeError> {
        self.post(
            "/v1/customers",
            &[
                ("name", name.to_string()),
                ("metadata[account]", account_id.to_string()),
            ],
            Some(idempotency_key),
        )
        .await
    }

    pub(crate) async fn create_setup_intent(
        &self,
        customer: &str,
    ) -> Result<SetupIntent, StripeError> {
        self.post(
            "/v1/setup_intents",
            &[
                ("customer", customer.to_string()),
                ("usage", "off_session".to_string()),
                ("payment_method_types[]", "card".to_string()),
            ],
            None,
        )
        .await
    }

    pub(crate) async fn setup_intent(&self, id: &str) -> Result<SetupIntent, StripeError> {
        self.get(&format!("/v1/setup_intents/{}", path_id(id)?))
            .await
    }

    pub(crate) async fn payment_method(&self, id: &str) -> Result<PaymentMethod, StripeError> {
        self.get(&format!("/v1/payment_methods/{}", path_id(id)?))
            .await
    }

    pub(crate) async fn attach(
        &self,
        pm: &str,
        customer: &str,
    ) -> Result<PaymentMethod, StripeError> {
        self.post(
            &format!("/v1/payment_methods/{}/attach", path_id(pm)?),
            &[("customer", customer.to_string())],
            None,
        )
        .await
    }

    pub(crate) async fn detach(&self, pm: &str) -> Result<PaymentMethod, StripeError> {
        self.post(
            &format!("/v1/payment_methods/{}/detach", path_id(pm)?),
            &[],
            None,
        )
        .await
    }

    /// Charges `pm` of `customer` now, without the buyer present.
    pub(crate) async fn charge_off_session(
        &self,
        customer: &str,
        pm: &str,
        minor_units: i64,
        currency: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        self.post(
            "/v1/payment_intents",
            &[
                ("amount", minor_units.to_string()),
                ("currency", currency.to_ascii_lowercase()),
                ("customer", customer.to_string()),
                ("payment_method", pm.to_string()),
                ("confirm", "true".to_string()),
                ("off_session", "true".to_string()),
                ("metadata[order_key]", idempotency_key.to_string()),
            ],
            Some(idempotency_key),
        )
        .await
    }

    pub(crate) async fn payment_intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        self.get(&format!("/v1/payment_intents/{}", path_id(id)?))
            .await
    }

    pub(crate) async fn refund(
        &self,
        payment_intent: &str,
        minor_units: i64,
        idempotency_key: &str,
    ) -> Result<Refund, StripeError> {
        self.post(
            "/v1/refunds",
            &[
                ("payment_intent", payment_intent.to_string()),
                ("amount", minor_units.to_string()),
            ],
            Some(idempotency_key),
        )
        .await
    }
}

/// An id as it may appear in a URL path: Stripe's ids are letters, digits and `_`.
fn path_id(id: &str) -> Result<&str, StripeError> {
    if !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(id)
    } else {
        Err(StripeError::Invalid {
            status: 0,
            error: ApiError {
                message: Some("not a Stripe id".into()),
                ..ApiError::default()
            },
        })
    }
}
