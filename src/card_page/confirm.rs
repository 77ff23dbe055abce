//! `/pay/confirm/{token}`: where a buyer confirms a card payment their bank wants
//! confirmed (3-D Secure). Stripe.js runs the bank's check (`confirmCardPayment`); the
//! page then posts back, and the server asks Stripe how the PaymentIntent ended, never
//! the browser. The webhook `payment_intent.succeeded` pays the order too, whichever
//! comes first.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{Dead, Visit, html};
use crate::bot::Bot;
use crate::domain::order::OrderStatus;
use crate::store::now_ms;
use crate::store::payment_links::PaymentLink;

/// How a confirmation stands, as Stripe tells it.
enum Stands {
    Paid(String),
    /// Confirmed, but the bank has not settled it yet.
    Processing(String),
    Failed(String),
    /// Still waiting for the buyer: the page, with this client secret.
    Waiting(String),
}

async fn usable(visit: &Visit<'_>, token: &str) -> Result<PaymentLink, Response> {
    let link = match visit.bot.store().payment_link(token).await {
        Ok(l) => l,
        Err(e) => return Err(visit.failed("reading a payment link", &e)),
    };
    let link = link.ok_or_else(|| visit.dead(Dead::Unknown))?;
    if link.used_at.is_some() {
        return Err(visit.dead(Dead::Used));
    }
    if link.expires_at < now_ms() {
        return Err(visit.dead(Dead::Expired));
    }
    Ok(link)
}

/// Asks Stripe how the link's payment stands, and moves the order if it ended.
async fn stands(visit: &Visit<'_>, link: &PaymentLink) -> Result<Stands, Response> {
    let s = visit.bot;
    let store = s.store();
    let number = link.order_number.clone();
    let order = match store.order_by_number(&number).await {
        Ok(Some(o)) => o,
        Ok(None) => return Err(visit.dead(Dead::Unknown)),
        Err(e) => return Err(visit.failed("reading an order to confirm", &e)),
    };
    match order.status {
        OrderStatus::AwaitingAuthentication => {}
        OrderStatus::Paid | OrderStatus::Refunded => return Ok(Stands::Paid(number)),
        OrderStatus::PaymentProcessing => return Ok(Stands::Processing(number)),
        _ => return Ok(Stands::Failed(number)),
    }
    let (Some(stripe), Ok(Some(intent))) = (s.stripe(), store.charge_ref(&number).await) else {
        return Err(visit.dead(Dead::Unknown));
    };
    let pi = match stripe.intent(&intent).await {
        Ok(pi) => pi,
        Err(e) => {
            tracing::warn!(error = %e, "could not read a PaymentIntent to confirm");
            let l = visit.lang();
            return Err(html::message(
                StatusCode::BAD_GATEWAY,
                &visit.locale,
                &l.t("card_page.failed_title"),
                &l.t("card_page.processor_down"),
            ));
        }
    };
    let to = match pi.status.as_str() {
        "succeeded" => OrderStatus::Paid,
        // Confirmed with the bank but not settled: the webhook pays or fails it.
        "processing" => OrderStatus::PaymentProcessing,
        "requires_payment_method" | "canceled" => OrderStatus::PaymentFailed,
        _ => return Ok(Stands::Waiting(pi.client_secret.unwrap_or_default())),
    };
    if let Err(e) = store
        .set_order_status_from(
            &number,
            OrderStatus::AwaitingAuthentication,
            to,
            &link.account_id,
        )
        .await
    {
        return Err(visit.failed("recording a confirmed payment", &e));
    }
    tracing::info!(%number, status = to.as_str(), "a payment confirmation ended");
    Ok(if to == OrderStatus::Paid {
        Stands::Paid(number)
    } else if to == OrderStatus::PaymentProcessing {
        Stands::Processing(number)
    } else {
        Stands::Failed(number)
    })
}

async fn answer(visit: &Visit<'_>, token: &str, link: &PaymentLink) -> Response {
    let l = visit.lang();
    let ended = |key_title: &str, key: &str, number: &str, status: StatusCode| {
        html::message(
            status,
            &visit.locale,
            &l.t(key_title),
            &l.f(key, &[("number", &number)]),
        )
    };
    match stands(visit, link).await {
        Err(page) => page,
        Ok(Stands::Paid(number)) => {
            let _ = visit.bot.store().use_payment_link(token).await;
            ended(
                "card_page.confirmed_title",
                "card_page.confirmed",
                &number,
                StatusCode::OK,
            )
        }
        Ok(Stands::Processing(number)) => {
            let _ = visit.bot.store().use_payment_link(token).await;
            ended(
                "card_page.processing_title",
                "card_page.processing",
                &number,
                StatusCode::ACCEPTED,
            )
        }
        Ok(Stands::Failed(number)) => {
            let _ = visit.bot.store().use_payment_link(token).await;
            ended(
                "card_page.not_confirmed_title",
                "card_page.not_confirmed",
                &number,
                StatusCode::PAYMENT_REQUIRED,
            )
        }
        Ok(Stands::Waiting(secret)) => {
            let Some(stripe) = visit.bot.stripe() else {
                return visit.dead(Dead::Unknown);
            };
            html::confirm_form(
                &l,
                &visit.locale,
                &html::ConfirmForm {
                    token,
                    csrf: &link.csrf,
                    client_secret: &secret,
                    publishable_key: &stripe.settings().publishable_key,
                    js_url: &stripe.settings().js_url,
                    api_base: &stripe.settings().api_base,
                },
            )
        }
    }
}

pub(crate) async fn show(
    State(s): State<Arc<Bot>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::new(&s, &headers);
    match usable(&visit, &token).await {
        Ok(link) => answer(&visit, &token, &link).await,
        Err(page) => page,
    }
}

pub(crate) async fn submit(
    State(s): State<Arc<Bot>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let visit = Visit::new(&s, &headers);
    let link = match usable(&visit, &token).await {
        Ok(link) => link,
        Err(page) => return page,
    };
    if let Some(refused) = visit.forged(&link.csrf, &values) {
        return refused;
    }
    answer(&visit, &token, &link).await
}
