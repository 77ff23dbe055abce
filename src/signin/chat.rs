//! The chat side of sign-in: what a person who is not signed in sees for anything they
//! do, `/signin` and `/signout`, and the email-code turns. The bot calls this before
//! the engine, which only ever serves people who are signed in.

use std::collections::BTreeMap;

use super::claims::{self, Claims, Mapping, Refused};
use super::config::Provider;
use super::{CODE_ATTEMPTS, CODE_VALID_MS, LINK_VALID_MS, SENDS_PER_HOUR, WAITING_VALID_MS, email};
use crate::config::Config;
use crate::domain::account::{Identity, LinkedVia};
use crate::engine::action::{ActionId, Verb};
use crate::engine::event::{Command, Event};
use crate::engine::view::{Action, ActionKind, FormField, Notice, Reply, View};
use crate::prompts::{Lang, Prompts};
use crate::store::signin::{NewSigninLink, SigninCode};
use crate::store::{Store, StoreError, now_ms};

const HOUR_MS: i64 = 3_600_000;

/// What sign-in reads of the bot: its store, settings, texts and providers. The bot
/// lends them for one event; sign-in never calls back into the bot.
pub(crate) struct Ctx<'a> {
    pub(crate) store: &'a Store,
    pub(crate) config: &'a Config,
    pub(crate) prompts: &'a Prompts,
    pub signin: &'a super::SignIn,
}

impl Ctx<'_> {
    fn store(&self) -> &Store {
        self.store
    }
    fn config(&self) -> &Config {
        self.config
    }
    fn prompts(&self) -> &Prompts {
        self.prompts
    }
    fn signin(&self) -> &super::SignIn {
        self.signin
    }
}

/// Why sign-in could not answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GateError {
    /// Nobody signs in from chat here, and this person is not linked.
    #[error("{0} is not linked to an account and nobody signs in from chat here")]
    NotLinked(Identity),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the bot does after sign-in has had its say.
#[derive(Debug)]
pub(crate) enum Next {
    /// Show this.
    Reply(Reply),
    /// Handle `event` as the person (now signed in, or where sign-in has nothing to
    /// add), and show `notice` on its reply: instead of the reply's own when `replace`,
    /// else only when it has none. Should the event fail, the bot handles the start.
    Replay {
        event: Event,
        notice: Notice,
        replace: bool,
    },
}

/// What `who`, who is not signed in, is answered for `event`, when sign-in is set up;
/// `expired` says their sign-in has just ended for its age, and the reply says so.
pub(crate) async fn answer(
    cx: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    event: Event,
    reply_handle: Option<&str>,
    expired: bool,
) -> Result<Next, GateError> {
    let mut reply = match cx.signin().provider() {
        Provider::None => return Err(GateError::NotLinked(who.clone())),
        Provider::Oidc(_) => {
            let view = oidc_view(cx, who, locale, &event, reply_handle).await?;
            Reply {
                document: None,
                notice: None,
                view,
            }
        }
        Provider::Email(_) => match email_turn(cx, who, locale, event).await? {
            Next::Reply(reply) => reply,
            replay => return Ok(replay),
        },
    };
    // A refusal of what they just typed matters more than why they are asked again.
    if expired && reply.notice.is_none() {
        let days = cx.config().signin_valid_days;
        reply.notice = Some(Notice::info(
            cx.prompts()
                .lang(locale)
                .f("signin.expired", &[("days", &days)]),
        ));
    }
    Ok(Next::Reply(reply))
}

/// `/signout`: unlinks `who`, where people can sign in again from chat.
pub(crate) async fn sign_out(
    cx: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    reply_handle: Option<&str>,
) -> Result<Next, GateError> {
    let lang = cx.prompts().lang(locale);
    if !cx.signin().enabled() {
        return Ok(Next::Replay {
            event: Event::Start,
            notice: Notice::warning(lang.t("signin.signout_unavailable")),
            replace: true,
        });
    }
    let was = cx.store().unlink_identity(who).await?;
    if was {
        tracing::info!(%who, "signed out");
    }
    let notice = if was {
        Notice::success(lang.t("signin.signed_out"))
    } else {
        Notice::info(lang.t("signin.not_signed_in"))
    };
    Ok(
        match answer(cx, who, locale, Event::Start, reply_handle, false).await? {
            Next::Reply(mut reply) => {
                reply.notice = Some(notice);
                Next::Reply(reply)
            }
            Next::Replay { event, .. } => Next::Replay {
                event,
                notice,
                replace: true,
            },
        },
    )
}

/// Whether `who` signed in from chat longer ago than `SIGNIN_VALID_DAYS`. If so the
/// identity is unlinked now (its session kept) and the person must sign in again:
/// the provider, or the domain mapping, decides afresh what they may buy for.
pub(crate) async fn expired(cx: &Ctx<'_>, who: &Identity) -> Result<bool, GateError> {
    let Some(link) = cx.store().identity_link(who).await? else {
        return Ok(false);
    };
    let Some(valid_ms) = cx.config().retention().sign_ins_ms else {
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
    if cx.store().expire_sign_in(who, before).await? {
        tracing::info!(%who, via = link.via.as_str(), "a sign-in expired");
    }
    Ok(true)
}

/// `/signin` from someone signed in already: who they are, and how to switch.
pub(crate) async fn already(
    cx: &Ctx<'_>,
    locale: &str,
    account_id: &str,
) -> Result<Next, GateError> {
    let name = cx
        .store()
        .account(account_id)
        .await?
        .map(|a| a.display_name)
        .unwrap_or_default();
    // Where nobody signs in from chat, there is no other account to sign in to.
    let key = if cx.signin().enabled() {
        "signin.already"
    } else {
        "signin.already_not_set_up"
    };
    Ok(Next::Replay {
        event: Event::Command(Command::WhoAmI),
        notice: Notice::info(cx.prompts().lang(locale).f(key, &[("name", &name)])),
        replace: true,
    })
}

fn title(cx: &Ctx<'_>, lang: &Lang<'_>) -> String {
    lang.f("signin.title", &[("store", &cx.config().store_name)])
}

/// The rate-limit count of sign-in links, and how many one chat identity gets an hour.
const LINK_KIND: &str = "signin_link";
const LINKS_PER_HOUR: i64 = 20;

/// A fresh one-time link, bound to `who`, that carries them on with `event` once in.
async fn oidc_view(
    cx: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    event: &Event,
    reply_handle: Option<&str>,
) -> Result<View, GateError> {
    let lang = cx.prompts().lang(locale);
    // Every event of someone not signed in answers with a link: without a limit, a
    // script could fill the table with them.
    let now = crate::store::now_ms();
    let subject = who.to_string();
    let made = cx
        .store()
        .signin_sends_since(LINK_KIND, &subject, now - 3_600_000)
        .await?;
    if made >= LINKS_PER_HOUR {
        tracing::info!(%who, "refused another sign-in link this hour");
        let mut v = View::new("signin", title(cx, &lang));
        v.body = lang.t("signin.too_many_links");
        return Ok(v);
    }
    cx.store()
        .record_signin_send(LINK_KIND, &subject, now)
        .await?;
    let token = crate::domain::ids::new_secret();
    let pending = carried(event);
    cx.store()
        .create_signin_link(&NewSigninLink {
            token: &token,
            who,
            locale,
            pending: pending.as_deref(),
            reply_handle,
            valid_ms: LINK_VALID_MS,
        })
        .await?;
    let mut v = View::new("signin", title(cx, &lang));
    v.body = lang.f(
        "signin.oidc_body",
        &[("minutes", &(LINK_VALID_MS / 60_000))],
    );
    v.actions.push(Action {
        id: "signin".into(),
        label: lang.t("signin.oidc_button"),
        kind: ActionKind::Link {
            url: format!("{}/signin/{token}", cx.config().public_url),
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
fn email_view(cx: &Ctx<'_>, lang: &Lang<'_>, sent_to: Option<&str>) -> View {
    let mut v = View::new("signin", title(cx, lang));
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
    cx: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    event: Event,
) -> Result<Next, GateError> {
    let pending = cx.store().signin_code(who).await?;
    let has_code = pending.as_ref().is_some_and(|c| c.expires_at > now_ms());
    match event {
        Event::Command(Command::SignIn(Some(typed))) => {
            send_code(cx, who, locale, &typed).await.map(Next::Reply)
        }
        Event::Submit { action, fields } if verb(&action) == Some(Verb::SignInEmail) => {
            send_code(cx, who, locale, &field(&fields, "email"))
                .await
                .map(Next::Reply)
        }
        Event::Submit { action, fields } if verb(&action) == Some(Verb::SignInCode) => {
            check_code(cx, who, locale, &field(&fields, "code")).await
        }
        Event::Text(t) if email::typed_code(&t).is_some() => check_code(cx, who, locale, &t).await,
        Event::Text(t) if email::address(&t).is_some() => {
            send_code(cx, who, locale, &t).await.map(Next::Reply)
        }
        _ => {
            if let Some(p) = carried(&event) {
                cx.store()
                    .wait_for_signin(who, &p, now_ms() + WAITING_VALID_MS)
                    .await?;
            }
            let lang = cx.prompts().lang(locale);
            let sent_to = pending.filter(|_| has_code).map(|c| c.address);
            Ok(Next::Reply(Reply {
                document: None,
                notice: None,
                view: email_view(cx, &lang, sent_to.as_deref()),
            }))
        }
    }
}

/// The reply for a refusal: the error over the view the person is on.
async fn refused(
    cx: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    text: String,
) -> Result<Reply, GateError> {
    let lang = cx.prompts().lang(locale);
    let sent_to = cx
        .store()
        .signin_code(who)
        .await?
        .filter(|c| c.expires_at > now_ms())
        .map(|c| c.address);
    Ok(Reply {
        document: None,
        notice: Some(Notice::error(text)),
        view: email_view(cx, &lang, sent_to.as_deref()),
    })
}

async fn send_code(
    cx: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    typed: &str,
) -> Result<Reply, GateError> {
    let lang = cx.prompts().lang(locale);
    let support = &cx.config().support_url;
    let store_name = &cx.config().store_name;
    let Some(address) = email::address(typed) else {
        return refused(cx, who, locale, lang.t("signin.bad_address")).await;
    };
    let domain = crate::domain::email_domain::of_address(&address).unwrap_or_default();
    if cx.store().org_for_domain(&domain).await?.is_none() {
        tracing::info!(%who, %domain, "email sign-in refused: no organization has the domain");
        let text = lang.f(
            "signin.unknown_domain",
            &[
                ("domain", &domain),
                ("store", store_name),
                ("support", support),
            ],
        );
        return refused(cx, who, locale, text).await;
    }
    let now = now_ms();
    let by_identity = cx
        .store()
        .signin_sends_since("identity", &who.to_string(), now - HOUR_MS)
        .await?;
    let by_address = cx
        .store()
        .signin_sends_since("address", &address, now - HOUR_MS)
        .await?;
    if by_identity >= SENDS_PER_HOUR || by_address >= SENDS_PER_HOUR {
        tracing::warn!(%who, "email sign-in refused: too many codes in the last hour");
        let text = lang.f("signin.too_many_sends", &[("support", support)]);
        return refused(cx, who, locale, text).await;
    }
    let Some(mailer) = cx.signin().mailer() else {
        return Err(GateError::NotLinked(who.clone()));
    };
    let code = email::new_code();
    let salt = email::new_salt();
    cx.store()
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
    cx.store()
        .record_signin_send("identity", &who.to_string(), now)
        .await?;
    cx.store()
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
        cx.store().take_signin_code(who).await?;
        return refused(cx, who, locale, lang.t("signin.mail_failed")).await;
    }
    tracing::info!(%who, "a sign-in code was mailed");
    Ok(Reply {
        document: None,
        notice: None,
        view: email_view(cx, &lang, Some(&address)),
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

async fn try_code(cx: &Ctx<'_>, who: &Identity, typed: &str) -> Result<Tried, GateError> {
    let store = cx.store();
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
    cx: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    typed: &str,
) -> Result<Next, GateError> {
    let lang = cx.prompts().lang(locale);
    let store = cx.store();
    let address = match try_code(cx, who, typed).await? {
        Tried::Right(address) => address,
        Tried::Wrong(left) => {
            let text = lang.f("signin.wrong_code", &[("left", &left)]);
            return refused(cx, who, locale, text).await.map(Next::Reply);
        }
        Tried::Refused(key, drop) => {
            if drop {
                store.take_signin_code(who).await?;
            }
            return refused(cx, who, locale, lang.t(key)).await.map(Next::Reply);
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
                    ("store", &cx.config().store_name),
                    ("support", &cx.config().support_url),
                ],
            );
            return refused(cx, who, locale, text).await.map(Next::Reply);
        }
        Err(Refused::Store(e)) => return Err(e.into()),
    };
    store.sign_in(who, &vouched).await?;
    tracing::info!(%who, via = "email", "signed in");
    // The chat goes on where the person was: the command they were refused runs now,
    // or else the start.
    let waiting = store.take_signin_waiting(who).await?;
    let event = waiting
        .and_then(|p| serde_json::from_str::<Event>(&p).ok())
        .unwrap_or(Event::Start);
    Ok(Next::Replay {
        event,
        notice: Notice::success(lang.f("signin.signed_in", &[("name", &vouched.name)])),
        replace: false,
    })
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
