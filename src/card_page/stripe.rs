//! The card page with Stripe: Stripe's card Element takes the number in the browser and
//! Stripe.js confirms a SetupIntent made for this link; the form then brings back only
//! the SetupIntent's id, and the server asks Stripe what was set up. Nothing the
//! browser says about the card is believed.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use subtle::ConstantTimeEq;

use super::order::Paying;
use super::{CardLink, Visit, html, keep_card};
use crate::services::stripe::{SetupRefused, client::StripeError};

/// The Elements form, with the link's SetupIntent: made on the first visit, and shown
/// again on a reload while it can still take a card, so a link makes one however often
/// it is opened.
pub(crate) async fn show(
    visit: &Visit<'_>,
    (link, paying): &(CardLink, Paying),
    token: &str,
    error: Option<&str>,
) -> Response {
    let s = visit.bot;
    let Some(stripe) = s.stripe() else {
        return visit.failed("showing the Stripe card page", &"Stripe is not the gateway");
    };
    let name = match s.store().account(&link.account_id).await {
        Ok(a) => a.map(|a| a.display_name).unwrap_or_default(),
        Err(e) => return visit.failed("reading the account of a card link", &e),
    };
    let customer = match stripe
        .customer_for(s.store(), &link.account_id, &name)
        .await
    {
        Ok(c) => c,
        Err(e) => return processor_down(visit, link, paying, token, &e),
    };
    let earlier = match &link.setup_intent {
        Some(id) => match stripe.resume_setup(id, &customer).await {
            Ok(found) => found,
            Err(e) => return processor_down(visit, link, paying, token, &e),
        },
        None => None,
    };
    let (setup_intent, client_secret) = match earlier {
        Some(x) => x,
        None => {
            let made = match stripe.begin_setup(&customer).await {
                Ok(x) => x,
                Err(e) => return processor_down(visit, link, paying, token, &e),
            };
            if let Err(e) = s.store().set_card_link_setup(token, &made.0).await {
                return visit.failed("keeping a card link's SetupIntent", &e);
            }
            made
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html::stripe_form(
        status,
        &visit.lang(),
        &visit.locale,
        &html::StripeForm {
            token,
            csrf: &link.csrf,
            setup_intent: &setup_intent,
            client_secret: &client_secret,
            publishable_key: &stripe.settings().publishable_key,
            js_url: &stripe.settings().js_url,
            api_base: &stripe.settings().api_base,
            error,
            paying,
        },
    )
}

fn processor_down(
    visit: &Visit<'_>,
    _link: &CardLink,
    _paying: &Paying,
    _token: &str,
    e: &dyn std::fmt::Display,
) -> Response {
    tracing::warn!(error = %e, "stripe could not start a card setup");
    let l = visit.lang();
    html::message(
        StatusCode::BAD_GATEWAY,
        &visit.locale,
        &l.t("card_page.failed_title"),
        &l.t("card_page.processor_down"),
    )
}

/// The form came back: the SetupIntent it names must be the one this link made, and
/// Stripe must say it succeeded for this account's customer.
pub(crate) async fn submit(
    visit: &Visit<'_>,
    live: &(CardLink, Paying),
    token: &str,
    values: &HashMap<String, String>,
) -> Response {
    let s = visit.bot;
    let l = visit.lang();
    let link = &live.0;
    let Some(stripe) = s.stripe() else {
        return visit.failed("taking a Stripe card", &"Stripe is not the gateway");
    };
    let named = values.get("setup_intent").map_or("", String::as_str);
    let expected = link.setup_intent.as_deref().unwrap_or("");
    if expected.is_empty() || !bool::from(named.as_bytes().ct_eq(expected.as_bytes())) {
        tracing::warn!("a card page came back with a SetupIntent it was not given");
        return show(visit, live, token, Some(&l.t("card_page.setup_refused"))).await;
    }
    let customer = match s.store().stripe_customer(&link.account_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return visit.failed("finding a Stripe customer", &"none kept"),
        Err(e) => return visit.failed("finding a Stripe customer", &e),
    };
    let saved = match stripe.finish_setup(named, &customer).await {
        Ok(card) => card,
        Err(SetupRefused::Stripe(StripeError::Unavailable(why))) => {
            return processor_down(visit, link, &live.1, token, &why);
        }
        Err(e) => {
            tracing::warn!(error = %e, "a card setup was refused");
            return show(visit, live, token, Some(&l.t("card_page.setup_refused"))).await;
        }
    };
    let save = values.get("save").is_some_and(|v| v == "on");
    keep_card(visit, link, token, &saved, save).await
}
