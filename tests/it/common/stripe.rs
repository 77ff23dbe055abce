//! `localstripe`, the stateful fake Stripe that `.ci/run` starts (`TEST_STRIPE_URL`):
//! the gateway's settings for it, and its API as a test reads it back.

use checkout_bot::services::stripe::config::{Gateway, StripeSettings};
use serde_json::Value;

pub const SECRET_KEY: &str = "sk_test_localstripe_checkout_bot";
pub const WEBHOOK_SECRET: &str = "whsec_localstripe_checkout_bot";

/// The fake Stripe's URL, or `None` (with the reason printed) where it is not running.
/// In CI a missing one is a failure, not a skip.
pub fn localstripe(test: &str) -> Option<String> {
    match std::env::var("TEST_STRIPE_URL") {
        Ok(url) => Some(url.trim_end_matches('/').to_string()),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "TEST_STRIPE_URL must be set in CI (.ci/run starts localstripe)"
            );
            eprintln!(
                "SKIPPED {test}: TEST_STRIPE_URL is not set (pip install localstripe; \
                 localstripe --port 8420; TEST_STRIPE_URL=http://127.0.0.1:8420)"
            );
            None
        }
    }
}

/// A server whose gateway is the running localstripe, with that localstripe's URL; or
/// `None` (with the reason printed) where it is not running.
pub async fn server(test: &str) -> Option<(super::discord::Server, String)> {
    let base = localstripe(test)?;
    let gateway = gateway(&base);
    let s = super::discord::Server::start_configured(
        move |config, _| config.payments = gateway,
        |_| {},
    )
    .await;
    Some((s, base))
}

pub fn gateway(base: &str) -> Gateway {
    Gateway::Stripe(StripeSettings {
        secret_key: SECRET_KEY.into(),
        publishable_key: "pk_test_localstripe_checkout_bot".into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        api_base: base.into(),
        js_url: format!("{base}/js.stripe.com/v3/"),
    })
}

/// GET `path` of the fake Stripe's API.
pub async fn get(base: &str, path: &str) -> Value {
    call(reqwest::Client::new().get(format!("{base}{path}"))).await
}

/// POST a form to the fake Stripe's API.
pub async fn post(base: &str, path: &str, form: &[(&str, &str)]) -> Value {
    call(
        reqwest::Client::new()
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap()),
    )
    .await
}

async fn call(request: reqwest::RequestBuilder) -> Value {
    request
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
