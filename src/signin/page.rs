//! The sign-in pages. `GET /signin/{token}` only shows which chat account the link was
//! made for and what linking it does: it calls no provider, so a link someone else sent
//! cannot bounce a person with a live company session straight through. The page's
//! button posts back to the same address (with a token that must match a SameSite=Strict
//! cookie the page set, so no other site can post it), and that starts the OpenID
//! Connect flow; `GET /signin/callback` finishes it. Each start sets a cookie that only
//! that browser holds; the callback must bring it back with the `state`, so a callback
//! URL sent to someone else links nobody. Refusals are pages with the card page's headers
//! (CSP, no-store, no framing), and nothing is linked.

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
/// The confirmation page's own cookie: its value must come back in the form.
const CONFIRM_COOKIE: &str = "checkout_bot_signin_confirm";

/// `GET /signin/{token}` (the confirmation page), `POST /signin/{token}` (continue to
/// the provider) and `GET /signin/callback`.
pub(crate) fn router(bot: Arc<Bot>) -> axum::Router {
    axum::Router::new()
        .route("/signin/callback", axum::routing::get(callback))
        .route("/signin/{token}", axum::routing::get(confirm).post(start))
        .layer(axum::middleware::from_fn_with_state(
            bot.clone(),
            html::pages_only,
        ))
        .with_state(bot)
}

/// The chat account a link was made for, in the page's words.
fn chat_account(bot: &Bot, locale: &str, link: &SigninLink) -> String {
    let l = bot.prompts().lang(locale);
    let platform = platform_label(&link.platform);
    let name = link
        .chat_name
        .clone()
        .unwrap_or_else(|| link.user_id.clone());
    if link.workspace == link.platform || link.workspace.is_empty() {
        l.f(
            "signin_page.account",
            &[
                ("platform", &platform),
                ("name", &name),
                ("user", &link.user_id),
            ],
        )
    } else {
        l.f(
            "signin_page.account_in",
            &[
                ("platform", &platform),
                ("name", &name),
                ("user", &link.user_id),
                ("workspace", &link.workspace),
            ],
        )
    }
}

/// A platform's id as people write it (`console` → `Console`).
fn platform_label(id: &str) -> String {
    let mut chars = id.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The link, if it can still start a sign-in; otherwise the page that says why not.
async fn live_link(
    bot: &Bot,
    token: &str,
    headers: &HeaderMap,
) -> Result<(SigninLink, String), Response> {
    let link = match bot.store().signin_link(token).await {
        Ok(l) => l,
        Err(e) => return Err(Visit::new(bot, headers, None).failed("reading a sign-in link", &e)),
    };
    let visit = Visit::new(bot, headers, link.as_ref());
    let Some(link) = link else {
        return Err(visit.page(Page::Unknown));
    };
    if link.used_at.is_some() {
        return Err(visit.page(Page::Used));
    }
    if link.expires_at <= now_ms() {
        return Err(visit.page(Page::Expired));
    }
    if bot.signin().oidc().is_none() {
        return Err(visit.page(Page::Unknown));
    }
    Ok((link, visit.locale))
}

/// `GET /signin/{token}`: which chat account this links, what that does, and a button.
pub(crate) async fn confirm(
    State(bot): State<Arc<Bot>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (link, locale) = match live_link(&bot, &token, &headers).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let l = bot.prompts().lang(&locale);
    let account = chat_account(&bot, &locale, &link);
    let form_token = crate::domain::ids::new_secret();
    let t = |k: &str| html_escape::encode_text(&l.t(k)).to_string();
    let body = format!(
        "<p>{intro}</p><p>{effect}</p><p><strong>{warning}</strong></p>\
         <form method=\"post\" action=\"/signin/{token}\">\
         <input type=\"hidden\" name=\"confirm\" value=\"{form_token}\">\
         <button type=\"submit\">{button}</button></form>",
        intro =
            html_escape::encode_text(&l.f("signin_page.confirm_intro", &[("account", &account)])),
        effect = t("signin_page.confirm_effect"),
        warning = t("signin_page.confirm_warning"),
        token = html_escape::encode_double_quoted_attribute(&token),
        button = t("signin_page.confirm_button"),
    );
    // The button's answer redirects to the provider, which form-action must allow.
    let allowed = html::Allowed {
        form: bot
            .signin()
            .oidc()
            .map(|o| o.authorization_origins())
            .unwrap_or_default(),
        ..Default::default()
    };
    let mut res = html::page_allowing(
        StatusCode::OK,
        &locale,
        &l.t("signin_page.confirm_title"),
        &body,
        &crate::domain::ids::new_secret(),
        &allowed,
    );
    let max_age = (link.expires_at - now_ms()) / 1000;
    set_cookie(
        &bot,
        &mut res,
        CONFIRM_COOKIE,
        &form_token,
        max_age,
        "Strict",
    );
    res
}

#[derive(Debug, Deserialize)]
pub(crate) struct Confirmed {
    confirm: Option<String>,
}

/// Whether the form came from our own page in this browser: its token matches the
/// page's Strict cookie (which no other site's request carries), and the request's
/// Origin, when the browser names one, is ours. (Our pages' `no-referrer` policy makes
/// browsers send `Origin: null` on their own form posts, so `null` names none.)
fn from_our_page(bot: &Bot, headers: &HeaderMap, form: &Confirmed) -> bool {
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|o| o.as_bytes() != b"null")
    {
        let ours = url::Url::parse(&bot.config().public_url)
            .ok()
            .map(|u| u.origin().ascii_serialization());
        if origin.to_str().ok() != ours.as_deref() {
            return false;
        }
    }
    match (
        cookie_named(headers, CONFIRM_COOKIE),
        form.confirm.as_deref(),
    ) {
        (Some(c), Some(f)) if !f.is_empty() => {
            use subtle::ConstantTimeEq;
            bool::from(c.as_bytes().ct_eq(f.as_bytes()))
        }
        _ => false,
    }
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
    /// The continue button's form did not come from our page in this browser.
    RefusedForm,
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
            Page::RefusedForm => (
                StatusCode::FORBIDDEN,
                l.t("signin_page.refused_title"),
                l.t("signin_page.refused_form"),
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

/// `response` with cookie `name` set to `value` for the sign-in pages, for `max_age`
/// seconds (0 clears it), under `same_site`.
fn set_cookie(
    bot: &Bot,
    response: &mut Response,
    name: &str,
    value: &str,
    max_age: i64,
    same_site: &str,
) {
    let set = format!(
        "{name}={value}; Path=/signin; Max-Age={max_age}; HttpOnly; SameSite={same_site}{}",
        secure(bot)
    );
    if let Ok(v) = HeaderValue::from_str(&set) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn secure(bot: &Bot) -> &'static str {
    if bot.config().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// The browser's cookie `name`, if it sent one.
fn cookie_named(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
}

/// The browser's sign-in cookie, if it sent one.
fn cookie(headers: &HeaderMap) -> Option<String> {
    cookie_named(headers, COOKIE)
}

/// `POST /signin/{token}`: the person confirmed on our page; off to the provider.
pub(crate) async fn start(
    State(bot): State<Arc<Bot>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<Confirmed>,
) -> Response {
    let (link, locale) = match live_link(&bot, &token, &headers).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let visit = Visit { bot: &bot, locale };
    if !from_our_page(&bot, &headers, &form) {
        tracing::warn!(who = %link.identity(), "a sign-in was posted without its confirmation page");
        return visit.page(Page::RefusedForm);
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
    if let Ok(v) = HeaderValue::from_str(&auth.url) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    let max_age = (link.expires_at - now_ms()) / 1000;
    set_cookie(&bot, &mut res, COOKIE, &browser, max_age, "Lax");
    res
}

#[derive(Debug, Deserialize)]
pub(crate) struct Returned {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

pub(crate) async fn callback(
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
    let store_account = match &vouched.email {
        Some(email) if *email != vouched.name => format!("{} ({email})", vouched.name),
        _ => vouched.name.clone(),
    };
    let mut res = html::message(
        StatusCode::OK,
        &visit.locale,
        &bot.prompts()
            .lang(&visit.locale)
            .t("signin_page.done_title"),
        &bot.prompts().lang(&visit.locale).f(
            "signin_page.done",
            &[
                ("name", &store_account),
                ("account", &chat_account(&bot, &visit.locale, &link)),
            ],
        ),
    );
    set_cookie(&bot, &mut res, COOKIE, "", 0, "Lax");
    set_cookie(&bot, &mut res, CONFIRM_COOKIE, "", 0, "Strict");
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
