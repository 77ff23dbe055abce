//! The sign-in pages: `GET /signin/{token}` starts the OpenID Connect flow for the chat
//! identity the link was made for, and `GET /signin/callback` finishes it. Each visit
//! of a link sets a cookie that only that browser holds; the callback must bring it
//! back with the `state`, so a callback URL sent to someone else links nobody.
//! Refusals are pages with the card page's headers (CSP, no-store, no framing), and
//! nothing is linked.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::LINK_VALID_MS;
use super::claims::{self, Mapping, Refused};
use super::oidc::OidcError;
use crate::bot::Bot;
use crate::card_page::html;
use crate::domain::account::LinkedVia;
use crate::engine::event::Event;
use crate::engine::view::Notice;
use crate::store::now_ms;
use crate::store::signin::{SigninLink, Started};

const COOKIE: &str = "checkout_bot_signin";

/// `GET /signin/{token}` and `GET /signin/callback`.
pub fn router(bot: Arc<Bot>) -> axum::Router {
    axum::Router::new()
        .route("/signin/callback", axum::routing::get(callback))
        .route("/signin/{token}", axum::routing::get(start))
        .with_state(bot)
}

/// One visit: the bot, and the locale the pages answer in.
struct Visit<'a> {
    bot: &'a Bot,
    locale: String,
}

enum Page {
    Unknown,
    Used,
    Expired,
    Refused,
    Denied,
    NoOrganization,
    ProviderDown,
}

impl<'a> Visit<'a> {
    fn new(bot: &'a Bot, headers: &HeaderMap, link: Option<&SigninLink>) -> Self {
        let locale = match link {
            Some(l) => l.locale.clone(),
            None => {
                let asked = headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                bot.prompts().negotiate(asked, &bot.config().default_locale)
            }
        };
        Visit { bot, locale }
    }

    fn page(&self, p: Page) -> Response {
        let l = self.bot.prompts().lang(&self.locale);
        let c = self.bot.config();
        let (status, title, said) = match p {
            Page::Unknown => (
                StatusCode::NOT_FOUND,
                l.t("signin_page.dead_unknown_title"),
                l.t("signin_page.dead_unknown"),
            ),
            Page::Used => (
                StatusCode::GONE,
                l.t("signin_page.dead_used_title"),
                l.t("signin_page.dead_used"),
            ),
            Page::Expired => (
                StatusCode::GONE,
                l.t("signin_page.dead_expired_title"),
                l.f(
                    "signin_page.dead_expired",
                    &[("minutes", &(LINK_VALID_MS / 60_000))],
                ),
            ),
            Page::Refused => (
                StatusCode::BAD_REQUEST,
                l.t("signin_page.refused_title"),
                l.t("signin_page.refused"),
            ),
            Page::Denied => (
                StatusCode::BAD_REQUEST,
                l.t("signin_page.denied_title"),
                l.t("signin_page.denied"),
            ),
            Page::NoOrganization => (
                StatusCode::FORBIDDEN,
                l.t("signin_page.no_organization_title"),
                l.f(
                    "signin_page.no_organization",
                    &[("store", &c.store_name), ("support", &c.support_url)],
                ),
            ),
            Page::ProviderDown => (
                StatusCode::SERVICE_UNAVAILABLE,
                l.t("signin_page.failed_title"),
                l.t("signin_page.provider_down"),
            ),
        };
        html::message(status, &self.locale, &title, &said)
    }

    /// Our failure: the reference on the page, the detail in the log.
    fn failed(&self, doing: &str, e: &dyn std::fmt::Display) -> Response {
        let f = crate::failure::Failure::internal(self.bot.prompts(), &self.locale, doing, e);
        let title = self
            .bot
            .prompts()
            .lang(&self.locale)
            .t("signin_page.failed_title");
        html::message(
            StatusCode::SERVICE_UNAVAILABLE,
            &self.locale,
            &title,
            &f.text,
        )
    }
}

fn secure(bot: &Bot) -> &'static str {
    if bot.config().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// The browser's sign-in cookie, if it sent one.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

pub async fn start(
    State(bot): State<Arc<Bot>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let link = match bot.store().signin_link(&token).await {
        Ok(l) => l,
        Err(e) => return Visit::new(&bot, &headers, None).failed("reading a sign-in link", &e),
    };
    let visit = Visit::new(&bot, &headers, link.as_ref());
    let Some(link) = link else {
        return visit.page(Page::Unknown);
    };
    if link.used_at.is_some() {
        return visit.page(Page::Used);
    }
    if link.expires_at <= now_ms() {
        return visit.page(Page::Expired);
    }
    let Some(oidc) = bot.signin().oidc() else {
        return visit.page(Page::Unknown);
    };
    let auth = match oidc.authorize().await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "could not start a sign-in");
            return visit.page(Page::ProviderDown);
        }
    };
    let browser = crate::domain::ids::new_secret();
    let started = Started {
        state: &auth.state,
        browser: &browser,
        nonce: &auth.nonce,
        pkce_verifier: &auth.pkce_verifier,
    };
    match bot.store().start_signin(&token, &started).await {
        Ok(true) => {}
        Ok(false) => return visit.page(Page::Used),
        Err(e) => return visit.failed("starting a sign-in", &e),
    }
    let mut res = html::message(StatusCode::SEE_OTHER, &visit.locale, "", "");
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&auth.url) {
        h.insert(header::LOCATION, v);
    }
    let max_age = (link.expires_at - now_ms()) / 1000;
    let set = format!(
        "{COOKIE}={browser}; Path=/signin; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        secure(&bot)
    );
    if let Ok(v) = HeaderValue::from_str(&set) {
        h.insert(header::SET_COOKIE, v);
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct Returned {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(bot): State<Arc<Bot>>,
    Query(back): Query<Returned>,
    headers: HeaderMap,
) -> Response {
    let Some(state) = back.state.filter(|s| !s.is_empty() && s.len() <= 512) else {
        tracing::warn!("a sign-in callback without a state");
        return Visit::new(&bot, &headers, None).page(Page::Refused);
    };
    let link = match bot.store().signin_by_state(&state).await {
        Ok(l) => l,
        Err(e) => return Visit::new(&bot, &headers, None).failed("reading a sign-in", &e),
    };
    let visit = Visit::new(&bot, &headers, link.as_ref());
    let Some(link) = link else {
        tracing::warn!("a sign-in callback with a state of no pending sign-in");
        return visit.page(Page::Refused);
    };
    if link.used_at.is_some() {
        tracing::warn!(who = %link.identity(), "a sign-in callback replayed a used state");
        return visit.page(Page::Refused);
    }
    if link.expires_at <= now_ms() {
        return visit.page(Page::Expired);
    }
    let same_browser = match (cookie(&headers), &link.browser_hash) {
        (Some(c), Some(h)) => {
            use subtle::ConstantTimeEq;
            bool::from(
                crate::store::card_links::hash(&c)
                    .as_bytes()
                    .ct_eq(h.as_bytes()),
            )
        }
        _ => false,
    };
    if !same_browser {
        tracing::warn!(who = %link.identity(), "a sign-in callback from a browser that did not start it");
        return visit.page(Page::Refused);
    }
    match bot.store().use_signin(&state).await {
        Ok(true) => {}
        Ok(false) => return visit.page(Page::Refused),
        Err(e) => return visit.failed("using a sign-in", &e),
    }
    if let Some(error) = back.error {
        tracing::info!(who = %link.identity(), error = %crate::domain::text::scrub(&error), "the provider did not sign the person in");
        return visit.page(Page::Denied);
    }
    let (Some(code), Some(nonce), Some(verifier), Some(oidc)) = (
        back.code,
        link.nonce.as_deref(),
        link.pkce_verifier.as_deref(),
        bot.signin().oidc(),
    ) else {
        return visit.page(Page::Refused);
    };
    let claims = match oidc.finish(&code, nonce, verifier).await {
        Ok(c) => c,
        Err(OidcError::Unverified(why)) => {
            tracing::warn!(who = %link.identity(), %why, "a sign-in was refused");
            return visit.page(Page::Refused);
        }
        Err(e @ OidcError::Unavailable(_)) => {
            tracing::warn!(error = %e, "could not finish a sign-in");
            return visit.page(Page::ProviderDown);
        }
    };
    let settings = oidc.settings();
    let mapping = Mapping {
        org_claim: settings.org_claim.as_deref(),
        role_claim: settings.role_claim.as_deref(),
    };
    let vouched = match claims::vouched(bot.store(), &claims, &mapping, LinkedVia::Oidc).await {
        Ok(v) => v,
        Err(Refused::NoOrganization) => {
            tracing::info!(who = %link.identity(), "a sign-in named no organization of the store");
            return visit.page(Page::NoOrganization);
        }
        Err(Refused::Store(e)) => return visit.failed("reading organizations", &e),
    };
    let who = link.identity();
    if let Err(e) = bot.store().sign_in(&who, &vouched).await {
        return visit.failed("linking a sign-in", &e);
    }
    tracing::info!(%who, via = "oidc", orgs = vouched.orgs.len(), "signed in");
    carry_on(&bot, &link, &vouched.name).await;
    let mut res = html::message(
        StatusCode::OK,
        &visit.locale,
        &bot.prompts()
            .lang(&visit.locale)
            .t("signin_page.done_title"),
        &bot.prompts()
            .lang(&visit.locale)
            .f("signin_page.done", &[("name", &vouched.name)]),
    );
    let clear = format!(
        "{COOKIE}=; Path=/signin; Max-Age=0; HttpOnly; SameSite=Lax{}",
        secure(&bot)
    );
    if let Ok(v) = HeaderValue::from_str(&clear) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// The chat goes on where the person was: the command they were refused runs now, and
/// the message that carried the link shows its answer, where the platform allows.
async fn carry_on(bot: &Bot, link: &SigninLink, name: &str) {
    let who = link.identity();
    let event = link
        .pending
        .as_deref()
        .and_then(|p| serde_json::from_str::<Event>(p).ok())
        .unwrap_or(Event::Start);
    match bot.respond(&who, &link.locale, event).await {
        Ok(mut reply) => {
            let signed_in = bot
                .prompts()
                .lang(&link.locale)
                .f("signin.signed_in", &[("name", &name)]);
            if reply.notice.is_none() {
                reply.notice = Some(Notice::success(signed_in));
            }
            crate::card_page::update_chat(
                bot,
                &link.platform,
                link.reply_handle.as_deref(),
                &reply,
            )
            .await;
        }
        Err(f) => {
            tracing::warn!(reference = %f.reference, "signed in, but the chat was not updated");
        }
    }
}
