//! The conversation: pure rules from (state, event) to (new state, reply).
//!
//! No platform types and no SQL: channels build `Event`s and render `Reply`s, and the
//! `bot` module loads and saves the `Session` around each call. That keeps every rule
//! testable without a database or a chat platform.

pub mod action;
pub mod event;
pub mod session;
pub mod steps;
pub mod view;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use crate::domain::catalog::Catalog;
use crate::services::prompts::Prompts;
use action::ActionId;
use event::Event;
use session::{Session, Step};
use steps::{Input, Turn};
use view::{Notice, Reply};

/// What a step needs to know besides the session.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub catalog: &'a Catalog,
    /// Unix milliseconds.
    pub now: i64,
    pub locale: &'a str,
}

#[derive(Debug, Clone)]
pub struct Engine {
    prompts: Arc<Prompts>,
    session_ttl: Duration,
}

impl Engine {
    pub fn new(prompts: Arc<Prompts>, session_ttl: Duration) -> Self {
        Engine {
            prompts,
            session_ttl,
        }
    }

    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// Applies one event. On a refused input the session is left exactly as it was and
    /// the reply says why; on any change the revision goes up by one.
    pub fn handle(&self, session: &mut Session, ctx: &Ctx<'_>, event: Event) -> Reply {
        let before = session.clone();
        let turn = Turn {
            catalog: ctx.catalog,
            lang: self.prompts.lang(ctx.locale),
        };
        let expired = self.expire(session, ctx, &turn);
        let settled = session.clone();

        let notice = match dispatch(session, &turn, event) {
            // The expiry is news the user must not miss; it outranks what the event said.
            Ok(notice) => expired.or(notice),
            Err(refusal) => {
                *session = settled;
                Some(refusal)
            }
        };
        if *session != before {
            session.rev += 1;
            session.updated_at = ctx.now;
        }
        Reply {
            notice,
            view: steps::render(session, &turn),
        }
    }

    /// A checkout left idle longer than SESSION_TTL restarts at the cart; the cart stays.
    fn expire(&self, session: &mut Session, ctx: &Ctx<'_>, turn: &Turn<'_>) -> Option<Notice> {
        let idle_ms = ctx.now.saturating_sub(session.updated_at);
        let ttl_ms = i64::try_from(self.session_ttl.as_millis()).unwrap_or(i64::MAX);
        if session.step.in_checkout() && idle_ms > ttl_ms {
            session.step = Step::Cart { page: 0 };
            let ttl = humantime::format_duration(self.session_ttl).to_string();
            Some(Notice::warning(
                turn.lang.f("checkout.expired", &[("ttl", &ttl)]),
            ))
        } else {
            None
        }
    }
}

fn dispatch(session: &mut Session, turn: &Turn<'_>, event: Event) -> steps::Outcome {
    match event {
        Event::Start => Ok(steps::general::welcome_back(session, turn)),
        Event::Command(command) => steps::general::command(session, turn, command),
        Event::Text(text) => steps::text(session, turn, &text),
        Event::Click { action } => with_action(session, turn, &action, Input::None),
        Event::Choose { action, values } => {
            with_action(session, turn, &action, Input::Values(values))
        }
        Event::Submit { action, fields } => {
            with_action(session, turn, &action, Input::Fields(fields))
        }
    }
}

/// Checks an untrusted action id against the session before anything is applied.
fn with_action(session: &mut Session, turn: &Turn<'_>, raw: &str, input: Input) -> steps::Outcome {
    let Some(action) = ActionId::decode(raw) else {
        tracing::info!(action = %raw.chars().take(100).collect::<String>(), "refused an undecodable action id");
        return Err(Notice::error(turn.lang.t("common.invalid_action")));
    };
    if action.rev != session.rev {
        return Err(Notice::warning(turn.lang.t("common.stale")));
    }
    steps::apply(session, turn, action.verb, input)
}
