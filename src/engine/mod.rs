//! The conversation: rules from (state, event) to (new state, reply).
//!
//! No platform types and no SQL: platforms build `Event`s and render `Reply`s, the `bot`
//! module loads and saves the `Session` around each call, and whatever the engine needs
//! from the world (deployments, cards, orders) it asks through the `Backend` trait. That
//! keeps every rule testable without a database or a chat platform.

pub(crate) mod action;
pub(crate) mod ambient;
pub(crate) mod backend;
pub mod commands;
pub mod event;
pub mod session;
pub(crate) mod steps;
pub(crate) mod typed;
/// Reading typed sentences; public for its benchmark.
pub mod understand;
pub mod view;

#[cfg(test)]
mod bill_props;
#[cfg(test)]
mod checkout_tests;
#[cfg(test)]
mod fake;
#[cfg(test)]
mod sentence_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use crate::domain::account::Identity;
use crate::domain::catalog::Catalog;
use crate::domain::text;
use crate::prompts::Prompts;
use action::ActionId;
use backend::{Backend, BackendError};
use event::Event;
use session::{Session, Step};
use steps::{Fail, Input, Turn};
use view::{Notice, Reply};

/// What a step needs to know besides the session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) catalog: &'a Catalog,
    /// Unix milliseconds.
    pub(crate) now: i64,
    pub(crate) locale: &'a str,
    pub(crate) account_id: &'a str,
    pub(crate) who: &'a Identity,
    /// The platform's handle to update this reply later (an interaction token, a response URL).
    pub(crate) reply_handle: Option<&'a str>,
}

/// The operator's settings the conversation shows or obeys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) session_ttl: Duration,
    pub(crate) terms_url: String,
    pub(crate) support_url: String,
    pub(crate) howto_url: String,
    pub(crate) wire_instructions: String,
    pub(crate) check_instructions: String,
    /// How long a sign-in from chat lasts, where people sign in from chat.
    pub(crate) sign_in_valid_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Engine {
    prompts: Arc<Prompts>,
    settings: Settings,
}

impl Engine {
    pub(crate) fn new(prompts: Arc<Prompts>, settings: Settings) -> Self {
        Engine { prompts, settings }
    }

    pub(crate) fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// Applies one event. On a refused input the session is left exactly as it was and
    /// the reply says why; on any change the revision goes up by one. A backend failure
    /// fails the whole event, and the caller saves nothing.
    pub(crate) async fn handle(
        &self,
        session: &mut Session,
        ctx: &Ctx<'_>,
        backend: &dyn Backend,
        event: Event,
    ) -> Result<Reply, BackendError> {
        let before = session.clone();
        let document = std::sync::Mutex::new(None);
        let turn = Turn {
            catalog: ctx.catalog,
            lang: self.prompts.lang(ctx.locale),
            backend,
            account_id: ctx.account_id,
            who: ctx.who,
            reply_handle: ctx.reply_handle,
            settings: &self.settings,
            now: ctx.now,
            document: &document,
        };
        // The first event after an idle spell, whatever it is, answers with the notice
        // and the cart: it was meant for a view that no longer exists.
        let notice = match self.expire(session, ctx, &turn) {
            Some(expired) => Some(expired),
            None => {
                let settled = session.clone();
                let checked = match unclean_text(&event) {
                    Some(problem) => Err(Fail::Refused(Notice::error(
                        turn.lang.t(problem.prompt_key()),
                    ))),
                    None => dispatch(session, &turn, event).await,
                };
                match checked {
                    Ok(notice) => notice,
                    Err(Fail::Refused(refusal)) => {
                        *session = settled;
                        Some(refusal)
                    }
                    Err(Fail::Backend(e)) => return Err(e),
                }
            }
        };
        if *session != before {
            session.rev += 1;
            session.updated_at = ctx.now;
        }
        let view = steps::render(session, &turn).await?;
        Ok(Reply {
            document: document.into_inner().unwrap_or_else(|p| p.into_inner()),
            notice,
            view,
        })
    }

    /// A checkout left idle longer than SESSION_TTL restarts at the cart; the cart stays.
    /// Answers kept after /cancel go too: a day-old rate or agreement is not reused.
    fn expire(&self, session: &mut Session, ctx: &Ctx<'_>, turn: &Turn<'_>) -> Option<Notice> {
        let idle_ms = ctx.now.saturating_sub(session.updated_at);
        let ttl_ms = i64::try_from(self.settings.session_ttl.as_millis()).unwrap_or(i64::MAX);
        if session.checkout.is_some() && idle_ms > ttl_ms {
            if session.step.in_checkout() || session.step == Step::ConfirmStartOver {
                session.step = Step::Cart { page: 0 };
            }
            session.checkout = None;
            let ttl = humantime::format_duration(self.settings.session_ttl).to_string();
            Some(Notice::warning(
                turn.lang.f("checkout.expired", &[("ttl", &ttl)]),
            ))
        } else {
            None
        }
    }
}

/// The first problem in any text the user sent with `event`, checked once here so that
/// no step, and so no stored answer, ever sees a NUL or a bidirectional override.
fn unclean_text(event: &Event) -> Option<text::Unclean> {
    use event::Command;
    let mut texts: Box<dyn Iterator<Item = &String>> = match event {
        Event::Text(t) | Event::Command(Command::Buy(Some(t)) | Command::Unknown(t)) => {
            Box::new(std::iter::once(t))
        }
        Event::Choose { values, .. } => Box::new(values.iter()),
        Event::Submit { fields, .. } | Event::Draft { fields, .. } => Box::new(fields.values()),
        _ => Box::new(std::iter::empty()),
    };
    texts.find_map(|t| text::check(t).err())
}

async fn dispatch(session: &mut Session, turn: &Turn<'_>, event: Event) -> steps::Flow {
    match event {
        Event::Start => Ok(steps::general::welcome_back(session, turn)),
        Event::CardAdded {
            checkout_key,
            card_id,
            label,
        } => steps::payment::card_added(session, turn, &checkout_key, card_id, label).await,
        Event::Command(command) => steps::command(session, turn, command).await,
        // A number is never a reply to press with: it goes to the step as it is.
        Event::Text(text) if text.trim().bytes().all(|b| b.is_ascii_digit()) => {
            steps::text(session, turn, &text).await
        }
        Event::Text(text) => {
            // An ordinary reply that presses something on the current view is that press.
            let view = steps::render(session, turn).await?;
            let (yes, no) = (
                turn.lang.t("common.yes_words"),
                turn.lang.t("common.no_words"),
            );
            match typed::pressed(&view, &text, &yes, &no) {
                Some((action, values)) if values.is_empty() => {
                    with_action(session, turn, &action, Input::None).await
                }
                Some((action, values)) => {
                    with_action(session, turn, &action, Input::Values(values)).await
                }
                None => steps::text(session, turn, &text).await,
            }
        }
        Event::Click { action } => with_action(session, turn, &action, Input::None).await,
        Event::Choose { action, values } => {
            with_action(session, turn, &action, Input::Values(values)).await
        }
        Event::Submit { action, fields } => {
            with_action(session, turn, &action, Input::Fields(fields)).await
        }
        Event::Draft { action, fields } => draft(session, turn, &action, &fields),
    }
}

/// Keeps a part-filled form where the form keeps what was typed (the address); any
/// other draft, or one for a view that is gone, changes nothing.
fn draft(
    session: &mut Session,
    turn: &Turn<'_>,
    raw: &str,
    fields: &std::collections::BTreeMap<String, String>,
) -> steps::Flow {
    match ActionId::decode(raw) {
        Some(a) if a.rev == session.rev && a.verb == action::Verb::Address => {
            steps::shipping::draft(session, turn, fields).map_err(Into::into)
        }
        _ => Ok(None),
    }
}

/// Checks an untrusted action id against the session before anything is applied.
async fn with_action(
    session: &mut Session,
    turn: &Turn<'_>,
    raw: &str,
    input: Input,
) -> steps::Flow {
    let Some(action) = ActionId::decode(raw) else {
        // Not the id itself: a forged one may carry anything, a card number included.
        tracing::info!(len = raw.len(), "refused an undecodable action id");
        return Err(Notice::error(turn.lang.t("common.invalid_action")).into());
    };
    if action.rev != session.rev {
        return Err(Notice::warning(turn.lang.t("common.stale")).into());
    }
    let shape = match input {
        Input::None => action::Shape::Button,
        Input::Values(_) => action::Shape::Select,
        Input::Fields(_) => action::Shape::Form,
    };
    if shape != action.verb.shape() {
        tracing::info!(verb = ?action.verb, ?shape, "refused an action of the wrong shape");
        return Err(Notice::error(turn.lang.t("common.invalid_action")).into());
    }
    steps::apply(session, turn, action.verb, input).await
}
