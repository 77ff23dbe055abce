//! The chat side of sign-in: what a person who is not signed in sees for anything they
//! do, `/signin` and `/signout`, and the email-code turns. The bot calls this before
//! the engine, which only ever serves people who are signed in.

use std::collections::BTreeMap;

use super::claims::{self, Claims, Mapping, Refused};
use super::config::Provider;
use super::{CODE_ATTEMPTS, CODE_VALID_MS, LINK_VALID_MS, SENDS_PER_HOUR, WAITING_VALID_MS, email};
use crate::bot::{Bot, BotError};
use crate::domain::account::{Identity, LinkedVia};
use crate::engine::action::{ActionId, Verb};
use crate::engine::event::{Command, Event};
use crate::engine::view::{Action, ActionKind, FormField, Notice, Reply, View};
use crate::prompts::Lang;
use crate::store::now_ms;
use crate::store::signin::{NewSigninLink, SigninCode};

const HOUR_MS: i64 = 3_600_000;

/// What `who`, who is not signed in, is answered for `event`, when sign-in is set up;
/// `expired` says their sign-in has just ended for its age, and the reply says so.
pub async fn answer(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    event: Event,
    reply_handle: Option<&str>,
    expired: bool,
) -> Result<Reply, BotError> {
    let mut reply = match bot.signin().provider() {
        Provider::None => return Err(BotError::NotLinked(who.clone())),
        Provider::Oidc(_) => {
            let view = oidc_view(bot, who, locale, &event, reply_handle).await?;
            Reply { notice: None, view }
        }
        Provider::Email(_) => email_turn(bot, who, locale, event).await?,
    };
    // A refusal of what they just typed matters more than why they are asked again.
    if expired && reply.notice.is_none() {
        let days = bot.config().signin_valid_days;
        reply.notice = Some(Notice::info(
            bot.prompts()
                .lang(locale)
                .f("signin.expired", &[("days", &days)]),
        ));
    }
    Ok(reply)
}

/// `/signout`: unlinks `who`, where people can sign in again from chat.
pub async fn sign_out(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    reply_handle: Option<&str>,
) -> Result<Reply, BotError> {
    let lang = bot.prompts().lang(locale);
    if !bot.signin().enabled() {
        let mut reply = bot.handle(who, locale, Event::Start).await?;
        reply.notice = Some(Notice::warning(lang.t("signin.signout_unavailable")));
        return Ok(reply);
    }
    let was = bot.store().unlink_identity(who).await?;
    if was {
        tracing::info!(%who, "signed out");
    }
    let mut reply = answer(bot, who, locale, Event::Start, reply_handle, false).await?;
    reply.notice = Some(if was {
        Notice::success(lang.t("signin.signed_out"))
    } else {
        Notice::info(lang.t("signin.not_signed_in"))
    });
    Ok(reply)
}

/// Whether `who` signed in from chat longer ago than `SIGNIN_VALID_DAYS`. If so the
/// identity is unlinked now (its session kept) and the person must sign in again:
/// the provider, or the domain mapping, decides afresh what they may buy for.
pub async fn expired(bot: &Bot, who: &Identity) -> Result<bool, BotError> {
    let Some(link) = bot.store().identity_link(who).await? else {
        return Ok(false);
    };
    let Some(valid_ms) = bot.config().retention().sign_ins_ms else {
        return Ok(false);
    };
    if !matches!(link.via, LinkedVia::Oidc | LinkedVia::Email) {
        return Ok(false);
    }
    let before = now_ms() - valid_ms;
    if link.at >= before {
        return Ok(false);
    }
    // Whichever of two racing events unlinks it, both are answered as signed out.
    if bot.store().expire_sign_in(who, before).await? {
        tracing::info!(%who, via = link.via.as_str(), "a sign-in expired");
    }
    Ok(true)
}

/// `/signin` from someone signed in already: who they are, and how to switch.
pub async fn already(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    account_id: &str,
) -> Result<Reply, BotError> {
    let name = bot
        .store()
        .account(account_id)
        .await?
        .map(|a| a.display_name)
        .unwrap_or_default();
    let mut reply = bot
        .handle(who, locale, Event::Command(Command::WhoAmI))
        .await?;
    // Where nobody signs in from chat, there is no other account to sign in to.
    let key = if bot.signin().enabled() {
        "signin.already"
    } else {
        "signin.already_not_set_up"
    };
    reply.notice = Some(Notice::info(
        bot.prompts().lang(locale).f(key, &[("name", &name)]),
    ));
    Ok(reply)
}

fn title(bot: &Bot, lang: &Lang<'_>) -> String {
    lang.f("signin.title", &[("store", &bot.config().store_name)])
}

/// The rate-limit count of sign-in links, and how many one chat identity gets an hour.
const LINK_KIND: &str = "signin_link";
const LINKS_PER_HOUR: i64 = 20;

/// A fresh one-time link, bound to `who`, that carries them on with `event` once in.
async fn oidc_view(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    event: &Event,
    reply_handle: Option<&str>,
) -> Result<View, BotError> {
    let lang = bot.prompts().lang(locale);
    // Every event of someone not signed in answers with a link: without a limit, a
    // script could fill the table with them.
    let now = crate::store::now_ms();
    let subject = who.to_string();
    let made = bot
        .store()
        .signin_sends_since(LINK_KIND, &subject, now - 3_600_000)
        .await?;
    if made >= LINKS_PER_HOUR {
        tracing::info!(%who, "refused another sign-in link this hour");
        let mut v = View::new("signin", title(bot, &lang));
        v.body = lang.t("signin.too_many_links");
        return Ok(v);
    }
    bot.store()
        .record_signin_send(LINK_KIND, &subject, now)
        .await?;
    let token = crate::domain::ids::new_secret();
    let pending = carried(event);
    bot.store()
        .create_signin_link(&NewSigninLink {
            token: &token,
            who,
            locale,
            pending: pending.as_deref(),
            reply_handle,
            valid_ms: LINK_VALID_MS,
        })
        .await?;
    let mut v = View::new("signin", title(bot, &lang));
    v.body = lang.f(
        "signin.oidc_body",
        &[("minutes", &(LINK_VALID_MS / 60_000))],
    );
    v.actions.push(Action {
        id: "signin".into(),
        label: lang.t("signin.oidc_button"),
        kind: ActionKind::Link {
            url: format!("{}/signin/{token}", bot.config().public_url),
        },
    });
    Ok(v)
}

/// What of `event` runs once the person is signed in, stored as JSON. Only a command is
/// worth carrying over: a click or form belonged to a view the person never had, and
/// sign-in's own commands and help have done their work already.
fn carried(event: &Event) -> Option<String> {
    match event {
        Event::Command(Command::SignIn(_) | Command::SignOut | Command::Help) => None,
        Event::Command(_) => serde_json::to_string(event).ok(),
        _ => None,
    }
}

fn email_form(lang: &Lang<'_>, label: String) -> Action {
    Action {
        id: Verb::SignInEmail.at(0),
        label,
        kind: ActionKind::Form {
            title: lang.t("signin.email_form_title"),
            fields: vec![FormField {
                id: "email".into(),
                label: lang.t("signin.email_field"),
                value: String::new(),
                placeholder: lang.t("signin.email_placeholder"),
                required: true,
                max_len: 254,
            }],
        },
    }
}

/// The email sign-in view: ask for an address, or for the code sent to `sent_to`.
fn email_view(bot: &Bot, lang: &Lang<'_>, sent_to: Option<&str>) -> View {
    let mut v = View::new("signin", title(bot, lang));
    match sent_to {
        None => {
            v.body = lang.t("signin.email_body");
            v.actions
                .push(email_form(lang, lang.t("signin.email_button")));
        }
        Some(address) => {
            v.body = lang.f(
                "signin.code_body",
                &[
                    ("address", &address),
                    ("minutes", &(CODE_VALID_MS / 60_000)),
                ],
            );
            v.actions.push(Action {
                id: Verb::SignInCode.at(0),
                label: lang.t("signin.code_button"),
                kind: ActionKind::Form {
                    title: lang.t("signin.code_form_title"),
                    fields: vec![FormField {
                        id: "code".into(),
                        label: lang.t("signin.code_field"),
                        value: String::new(),
                        placeholder: lang.t("signin.code_placeholder"),
                        required: true,
                        max_len: 9,
                    }],
                },
            });
            v.actions
                .push(email_form(lang, lang.t("signin.other_address")));
        }
    }
    v
}

fn verb(action: &str) -> Option<Verb> {
    ActionId::decode(action).map(|a| a.verb)
}

fn field(fields: &BTreeMap<String, String>, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

async fn email_turn(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    event: Event,
) -> Result<Reply, BotError> {
    let pending = bot.store().signin_code(who).await?;
    let has_code = pending.as_ref().is_some_and(|c| c.expires_at > now_ms());
    match event {
        Event::Command(Command::SignIn(Some(typed))) => send_code(bot, who, locale, &typed).await,
        Event::Submit { action, fields } if verb(&action) == Some(Verb::SignInEmail) => {
            send_code(bot, who, locale, &field(&fields, "email")).await
        }
        Event::Submit { action, fields } if verb(&action) == Some(Verb::SignInCode) => {
            check_code(bot, who, locale, &field(&fields, "code")).await
        }
        Event::Text(t) if email::typed_code(&t).is_some() => check_code(bot, who, locale, &t).await,
        Event::Text(t) if email::address(&t).is_some() => send_code(bot, who, locale, &t).await,
        _ => {
            if let Some(p) = carried(&event) {
                bot.store()
                    .wait_for_signin(who, &p, now_ms() + WAITING_VALID_MS)
                    .await?;
            }
            let lang = bot.prompts().lang(locale);
            let sent_to = pending.filter(|_| has_code).map(|c| c.address);
            Ok(Reply {
                notice: None,
                view: email_view(bot, &lang, sent_to.as_deref()),
            })
        }
    }
}

/// The reply for a refusal: the error over the view the person is on.
async fn refused(bot: &Bot, who: &Identity, locale: &str, text: String) -> Result<Reply, BotError> {
    let lang = bot.prompts().lang(locale);
    let sent_to = bot
        .store()
        .signin_code(who)
        .await?
        .filter(|c| c.expires_at > now_ms())
        .map(|c| c.address);
    Ok(Reply {
        notice: Some(Notice::error(text)),
        view: email_view(bot, &lang, sent_to.as_deref()),
    })
}

async fn send_code(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    typed: &str,
) -> Result<Reply, BotError> {
    let lang = bot.prompts().lang(locale);
    let support = &bot.config().support_url;
    let store_name = &bot.config().store_name;
    let Some(address) = email::address(typed) else {
        return refused(bot, who, locale, lang.t("signin.bad_address")).await;
    };
    let domain = crate::domain::email_domain::of_address(&address).unwrap_or_default();
    if bot.store().org_for_domain(&domain).await?.is_none() {
        tracing::info!(%who, %domain, "email sign-in refused: no organization has the domain");
        let text = lang.f(
            "signin.unknown_domain",
            &[
                ("domain", &domain),
                ("store", store_name),
                ("support", support),
            ],
        );
        return refused(bot, who, locale, text).await;
    }
    let now = now_ms();
    let by_identity = bot
        .store()
        .signin_sends_since("identity", &who.to_string(), now - HOUR_MS)
        .await?;
    let by_address = bot
        .store()
        .signin_sends_since("address", &address, now - HOUR_MS)
        .await?;
    if by_identity >= SENDS_PER_HOUR || by_address >= SENDS_PER_HOUR {
        tracing::warn!(%who, "email sign-in refused: too many codes in the last hour");
        let text = lang.f("signin.too_many_sends", &[("support", support)]);
        return refused(bot, who, locale, text).await;
    }
    let Some(mailer) = bot.signin().mailer() else {
        return Err(BotError::NotLinked(who.clone()));
    };
    let code = email::new_code();
    let salt = email::new_salt();
    bot.store()
        .put_signin_code(
            who,
            &SigninCode {
                address: address.clone(),
                code_hash: email::hash_code(&code, &salt),
                salt,
                expires_at: now + CODE_VALID_MS,
                attempts: 0,
                pending: None,
            },
        )
        .await?;
    bot.store()
        .record_signin_send("identity", &who.to_string(), now)
        .await?;
    bot.store()
        .record_signin_send("address", &address, now)
        .await?;
    let minutes = CODE_VALID_MS / 60_000;
    let subject = lang.f("signin.mail_subject", &[("store", store_name)]);
    let body = lang.f(
        "signin.mail_body",
        &[
            ("code", &code),
            ("minutes", &minutes),
            ("store", store_name),
        ],
    );
    drop(code);
    if let Err(e) = mailer.send(&address, &subject, &body).await {
        tracing::warn!(%who, error = %e, "a sign-in code could not be mailed");
        bot.store().take_signin_code(who).await?;
        return refused(bot, who, locale, lang.t("signin.mail_failed")).await;
    }
    tracing::info!(%who, "a sign-in code was mailed");
    Ok(Reply {
        notice: None,
        view: email_view(bot, &lang, Some(&address)),
    })
}

/// What one typed code comes to.
enum Tried {
    /// Refused with this prompt; `true` drops the code, which can never work now.
    Refused(&'static str, bool),
    /// Wrong, with this many tries left.
    Wrong(i64),
    /// Right: the address it was sent to.
    Right(String),
}

async fn try_code(bot: &Bot, who: &Identity, typed: &str) -> Result<Tried, BotError> {
    let store = bot.store();
    let Some(code) = store.signin_code(who).await? else {
        return Ok(Tried::Refused("signin.no_code", false));
    };
    let Some(typed) = email::typed_code(typed) else {
        return Ok(Tried::Refused("signin.bad_code", false));
    };
    if code.expires_at <= now_ms() {
        return Ok(Tried::Refused("signin.code_expired", true));
    }
    let attempts = store.count_code_attempt(who).await?.unwrap_or(i64::MAX);
    if attempts > CODE_ATTEMPTS {
        return Ok(Tried::Refused("signin.code_locked", true));
    }
    if !email::code_matches(&typed, &code.salt, &code.code_hash) {
        tracing::info!(%who, attempts, "a wrong sign-in code");
        return Ok(if attempts >= CODE_ATTEMPTS {
            Tried::Refused("signin.code_locked", true)
        } else {
            Tried::Wrong(CODE_ATTEMPTS - attempts)
        });
    }
    // A code works once, even when two tries of it race.
    if !store.take_signin_code(who).await? {
        return Ok(Tried::Refused("signin.no_code", false));
    }
    Ok(Tried::Right(code.address))
}

async fn check_code(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    typed: &str,
) -> Result<Reply, BotError> {
    let lang = bot.prompts().lang(locale);
    let store = bot.store();
    let address = match try_code(bot, who, typed).await? {
        Tried::Right(address) => address,
        Tried::Wrong(left) => {
            let text = lang.f("signin.wrong_code", &[("left", &left)]);
            return refused(bot, who, locale, text).await;
        }
        Tried::Refused(key, drop) => {
            if drop {
                store.take_signin_code(who).await?;
            }
            return refused(bot, who, locale, lang.t(key)).await;
        }
    };
    let claims = Claims {
        issuer: "email".into(),
        subject: address.clone(),
        email: Some(address),
        email_verified: true,
        ..Claims::default()
    };
    let vouched = match claims::vouched(store, &claims, &Mapping::default(), LinkedVia::Email).await
    {
        Ok(v) => v,
        Err(Refused::NoOrganization) => {
            let text = lang.f(
                "signin.no_organization",
                &[
                    ("store", &bot.config().store_name),
                    ("support", &bot.config().support_url),
                ],
            );
            return refused(bot, who, locale, text).await;
        }
        Err(Refused::Store(e)) => return Err(e.into()),
    };
    store.sign_in(who, &vouched).await?;
    tracing::info!(%who, via = "email", "signed in");
    let mut reply = carry_on(bot, who, locale).await?;
    if reply.notice.is_none() {
        reply.notice = Some(Notice::success(
            lang.f("signin.signed_in", &[("name", &vouched.name)]),
        ));
    }
    Ok(reply)
}

/// The chat goes on where the person was: the command they were refused runs now, or
/// else the start. A carried command that fails still leaves them signed in, at home.
async fn carry_on(bot: &Bot, who: &Identity, locale: &str) -> Result<Reply, BotError> {
    let waiting = bot.store().take_signin_waiting(who).await?;
    let Some(event) = waiting.and_then(|p| serde_json::from_str::<Event>(&p).ok()) else {
        return bot.handle(who, locale, Event::Start).await;
    };
    match bot.handle(who, locale, event).await {
        Ok(reply) => Ok(reply),
        Err(e) => {
            tracing::warn!(%who, error = %e, "signed in, but the command carried over failed");
            bot.handle(who, locale, Event::Start).await
        }
    }
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
