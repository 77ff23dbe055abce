//! `POST /stripe/webhook`, at the HTTP edge beside the card page: a request whose
//! signature does not check out is answered 400 and not read; an event is handed to
//! `services::stripe::webhook::handle`, and one that could not be handled is answered
//! 500 so that Stripe delivers it again.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::bot::Bot;
use crate::services::stripe::webhook::{handle, verify};

pub(crate) fn router(bot: Arc<Bot>) -> axum::Router {
    axum::Router::new()
        .route("/stripe/webhook", axum::routing::post(receive))
        .with_state(bot)
}

async fn receive(State(bot): State<Arc<Bot>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(stripe) = bot.stripe() else {
        return StatusCode::NOT_FOUND;
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let now = crate::store::now_ms() / 1000;
    if let Err(why) = verify(&stripe.settings().webhook_secret, header, &body, now) {
        tracing::warn!(%why, "refused a Stripe webhook");
        return StatusCode::BAD_REQUEST;
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    match handle(bot.store(), &event).await {
        Ok(()) => StatusCode::OK,
        // Stripe delivers it again later.
        Err(e) => {
            tracing::error!(error = %e, "a Stripe webhook could not be handled");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
