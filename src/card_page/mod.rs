//! The card page: where a new card is entered, so that card numbers never pass through
//! a chat platform (PCI DSS keeps them out of messaging). Chat hands out a one-time link,
//! `{PUBLIC_URL}/pay/{token}`, valid for 15 minutes, bound to the user and checkout.
//!
//! The page is server-rendered and works without JavaScript; a small script shows the
//! detected brand as you type. The server checks everything again, tokenizes with the
//! payment processor, keeps only the token, brand, last 4 and expiry, and never logs the
//! form. It speaks the browser's language (`Accept-Language`) where `prompts/` has it.

mod confirm;
pub(crate) mod html;
mod order;
mod stripe;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use subtle::ConstantTimeEq;

use crate::bot::Bot;
use crate::domain::card::LINK_ATTEMPTS as MAX_ATTEMPTS;
use crate::domain::card::{self, CardError, LINK_VALID_MS, SavedCard};
use crate::engine::event::Event;
use crate::failure::Failure;
use crate::prompts::Lang;
use crate::store::card_links::CardLink;
use crate::store::now_ms;

/// `GET` and `POST /pay/{token}`.
pub(crate) fn router(bot: Arc<Bot>) -> axum::Router {
    axum::Router::new()
        .route("/pay/{token}", axum::routing::get(show).post(submit))
        .route(
            "/pay/confirm/{token}",
            axum::routing::get(confirm::show).post(confirm::submit),
        )
        .layer(axum::middleware::from_fn_with_state(
            bot.clone(),
            html::pages_only,
        ))
        .with_state(bot)
}

/// Why a link cannot be used.
enum Dead {
    Unknown,
    Used,
    Expired,
    TooManyAttempts,
    /// The checkout it was made for was cancelled, expired or placed.
    CheckoutClosed,
}

fn usable(link: Option<CardLink>) -> Result<CardLink, Dead> {
    let link = link.ok_or(Dead::Unknown)?;
    if link.used_at.is_some() {
        Err(Dead::Used)
    } else if link.expires_at < now_ms() {
        Err(Dead::Expired)
    } else if link.attempts >= MAX_ATTEMPTS {
        Err(Dead::TooManyAttempts)
    } else {
        Ok(link)
    }
}

/// One request's page: the bot, and the locale it answers in.
struct Visit<'a> {
    bot: &'a Bot,
    locale: String,
}

impl<'a> Visit<'a> {
    fn new(bot: &'a Bot, headers: &HeaderMap) -> Self {
        let asked = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let locale = bot.prompts().negotiate(asked, &bot.config().default_locale);
        Visit { bot, locale }
    }

    fn lang(&self) -> Lang<'_> {
        self.bot.prompts().lang(&self.locale)
    }

    fn dead(&self, d: Dead) -> Response {
        let l = self.lang();
        let (status, title, said) = match d {
            Dead::Unknown => (
                StatusCode::NOT_FOUND,
                l.t("card_page.dead_unknown_title"),
                l.t("card_page.dead_unknown"),
            ),
            Dead::Used => (
                StatusCode::GONE,
                l.t("card_page.dead_used_title"),
                l.t("card_page.dead_used"),
            ),
            Dead::Expired => (
                StatusCode::GONE,
                l.t("card_page.dead_expired_title"),
                l.f(
                    "card_page.dead_expired",
                    &[("minutes", &(LINK_VALID_MS / 60_000))],
                ),
            ),
            Dead::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                l.t("card_page.dead_attempts_title"),
                l.t("card_page.dead_attempts"),
            ),
            Dead::CheckoutClosed => (
                StatusCode::GONE,
                l.t("card_page.dead_closed_title"),
                l.t("card_page.dead_closed"),
            ),
        };
        html::message(status, &self.locale, &title, &said)
    }

    /// The refusal of a form whose CSRF token is not `expected`, if it is not.
    fn forged(&self, expected: &str, values: &HashMap<String, String>) -> Option<Response> {
        let csrf = values.get("csrf").map_or("", String::as_str);
        if bool::from(csrf.as_bytes().ct_eq(expected.as_bytes())) {
            return None;
        }
        tracing::warn!("a card page form came back with a bad CSRF token");
        let l = self.lang();
        Some(html::message(
            StatusCode::FORBIDDEN,
            &self.locale,
            &l.t("card_page.form_expired_title"),
            &l.t("card_page.form_expired"),
        ))
    }

    /// Our failure: the reference on the page, the detail in the log.
    fn failed(&self, doing: &str, e: &dyn std::fmt::Display) -> Response {
        let f = Failure::internal(self.bot.prompts(), &self.locale, doing, e);
        html::message(
            StatusCode::SERVICE_UNAVAILABLE,
            &self.locale,
            &self.lang().t("card_page.failed_title"),
            &f.text,
        )
    }

    fn form(
        &self,
        status: StatusCode,
        (link, paying): &(CardLink, order::Paying),
        token: &str,
        values: &HashMap<String, String>,
        error: Option<&str>,
    ) -> Response {
        let form = html::Form {
            token,
            csrf: &link.csrf,
            values,
            error,
            paying,
        };
        html::form(status, &self.lang(), &self.locale, &form)
    }

    /// The link for `token`, if it can still be used: a usable link whose checkout is
    /// still the user's open one (a link outlives neither), with what it pays for.
    async fn live(&self, token: &str) -> Result<(CardLink, order::Paying), Response> {
        let link = match self.bot.store().card_link(token).await {
            Ok(l) => l,
            Err(e) => return Err(self.failed("reading a card link", &e)),
        };
        let link = usable(link).map_err(|d| self.dead(d))?;
        match self
            .bot
            .open_bill(&link.identity(), &link.checkout_key)
            .await
        {
            Ok(Some((session, catalog))) => {
                let store = &self.bot.config().store_name;
                let paying = order::paying(store, &session, &catalog, &self.lang());
                Ok((link, paying))
            }
            Ok(None) => Err(self.dead(Dead::CheckoutClosed)),
            Err(e) => Err(self.failed("reading the checkout of a card link", &e)),
        }
    }

    fn card_error(&self, e: &CardError) -> String {
        let l = self.lang();
        match e {
            CardError::Number => l.t("card_page.bad_number"),
            CardError::Brand => l.t("card_page.bad_brand"),
            CardError::ExpiryFormat => l.t("card_page.bad_expiry"),
            CardError::Expired => l.t("card_page.expired"),
            CardError::Cvv(n) => l.f("card_page.bad_cvv", &[("digits", n)]),
        }
    }

    /// The first problem with the typed billing fields, in words.
    fn billing_problem(&self, values: &HashMap<String, String>) -> Option<String> {
        let l = self.lang();
        [
            ("name", "card_page.name"),
            ("address", "card_page.address"),
            ("city", "card_page.city"),
            ("postal_code", "card_page.postal_code"),
            ("country", "card_page.country"),
        ]
        .into_iter()
        .find_map(|(field, label)| {
            let typed = values.get(field).map_or("", |v| v.trim());
            let label = l.t(label);
            if typed.is_empty() {
                Some(l.f("card_page.missing", &[("label", &label)]))
            } else if field == "country"
                && !crate::domain::address::COUNTRIES
                    .iter()
                    .any(|c| c.code == typed)
            {
                Some(l.t("card_page.unknown_country"))
            } else {
                crate::domain::text::check(typed)
                    .err()
                    .map(|_| l.f("card_page.unclean", &[("label", &label)]))
            }
        })
    }
}

/// The chat message that carried the link moves on to the next step too, through its
/// platform's reply updater and the outbox, while the platform still accepts edits of
/// it. Sign-in does the same for the message that carried its link.
pub(crate) async fn update_chat(
    s: &Bot,
    platform: &str,
    reply_handle: Option<&str>,
    reply: &crate::engine::view::Reply,
) {
    let (Some(handle), Some(updater)) = (reply_handle, s.outbound().updater(platform)) else {
        return;
    };
    let written = match updater.render(reply) {
        Ok(content) => s.answer_later(platform, handle, content, true, None).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = written {
        tracing::info!(error = %e, "could not update the chat message; the next event shows the card");
    }
}

pub(crate) async fn show(
    State(s): State<Arc<Bot>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::new(&s, &headers);
    match visit.live(&token).await {
        Ok(live) if s.stripe().is_some() => stripe::show(&visit, &live, &token, None).await,
        Ok(live) => visit.form(StatusCode::OK, &live, &token, &HashMap::new(), None),
        Err(refused) => refused,
    }
}

pub(crate) async fn submit(
    State(s): State<Arc<Bot>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let visit = Visit::new(&s, &headers);
    let l = visit.lang();
    let store = s.store();
    let live = match visit.live(&token).await {
        Ok(l) => l,
        Err(refused) => return refused,
    };
    let link = &live.0;
    match store.count_card_attempt(&token).await {
        Ok(n) if n > MAX_ATTEMPTS => return visit.dead(Dead::TooManyAttempts),
        Ok(_) => {}
        Err(e) => return visit.failed("counting a card attempt", &e),
    }
    if let Some(refused) = visit.forged(&link.csrf, &values) {
        return refused;
    }
    if s.stripe().is_some() {
        return stripe::submit(&visit, &live, &token, &values).await;
    }
    // Never shown again, never logged: only what the user may see back, and nothing
    // that could change how the page reads.
    let mut kept: HashMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.clone(), crate::domain::text::scrub(v)))
        .collect();
    kept.remove("number");
    kept.remove("cvv");
    let unprocessable = |problem: &str| {
        visit.form(
            StatusCode::UNPROCESSABLE_ENTITY,
            &live,
            &token,
            &kept,
            Some(problem),
        )
    };
    if let Some(problem) = visit.billing_problem(&values) {
        return unprocessable(&problem);
    }
    let get = |k: &str| values.get(k).map_or("", |v| v.trim());
    let now = time::OffsetDateTime::from_unix_timestamp(now_ms() / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let checked = card::check(
        get("number"),
        get("expiry"),
        get("cvv"),
        i64::from(now.year()),
        i64::from(u8::from(now.month())),
    );
    let input = match checked {
        Ok(c) => c,
        Err(e) => return unprocessable(&visit.card_error(&e)),
    };
    let processor_token = match s.payments().tokenize(&input).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "tokenizing failed");
            return visit.form(
                StatusCode::BAD_GATEWAY,
                &live,
                &token,
                &kept,
                Some(&l.t("card_page.processor_down")),
            );
        }
    };
    let saved = SavedCard {
        id: String::new(),
        brand: input.brand.name().to_string(),
        last4: input.last4().to_string(),
        exp_month: input.exp_month,
        exp_year: input.exp_year,
        token: processor_token,
    };
    drop(input);
    let save = values.get("save").is_some_and(|v| v == "on");
    keep_card(&visit, link, &token, &saved, save).await
}

/// The card is the link's: the link is used up, the card kept (saved for future billing
/// if asked), and the checkout moves on in the chat.
async fn keep_card(
    visit: &Visit<'_>,
    link: &CardLink,
    token: &str,
    saved: &SavedCard,
    save: bool,
) -> Response {
    let s = visit.bot;
    let store = s.store();
    let l = visit.lang();
    match store.use_card_link(token).await {
        Ok(true) => {}
        Ok(false) => return visit.dead(Dead::Used),
        Err(e) => return visit.failed("using a card link", &e),
    }
    let card_id = match store.add_card_kept(&link.account_id, saved, save).await {
        Ok(id) => id,
        Err(e) => return visit.failed("keeping a card", &e),
    };
    let event = Event::CardAdded {
        checkout_key: link.checkout_key.clone(),
        card_id,
        label: saved.label(),
    };
    let moved_on = match s.respond(&link.identity(), &visit.locale, event).await {
        Ok(reply) => {
            update_chat(s, &link.platform, link.reply_handle.as_deref(), &reply).await;
            // The checkout may have closed while the card was being tokenized.
            s.checkout_open(&link.identity(), &link.checkout_key)
                .await
                .unwrap_or(false)
        }
        Err(f) => {
            tracing::warn!(reference = %f.reference, "the card was kept but the checkout was not updated");
            false
        }
    };
    if !moved_on {
        return visit.dead(Dead::CheckoutClosed);
    }
    tracing::info!(brand = %saved.brand, saved = save, "card added from the card page");
    html::message(
        StatusCode::OK,
        &visit.locale,
        &l.t("card_page.added_title"),
        &l.f("card_page.added", &[("card", &saved.label())]),
    )
}
