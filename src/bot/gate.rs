//! The sign-in gate: before the engine serves an event, sign-in may answer it instead
//! (someone not signed in, a sign-in that has just expired, `/signin` and `/signout`).
//! It answers with a reply, or with an event for the bot to replay once it is through
//! (the command a person was refused before they signed in), never by calling back into
//! the bot: the bot's loop runs the replay.

use super::BotError;
use crate::domain::account::Identity;
use crate::engine::event::{Command, Event};
use crate::signin::chat::{self, Ctx};

pub(crate) use crate::signin::chat::Next;

/// The most replays one event may lead to (a sign-in that carries a command over, which
/// is then answered by sign-in again, …): past it, the bot gives up rather than loop.
pub(crate) const MAX_REPLAYS: usize = 4;

/// Whether the event goes on to the engine.
pub(crate) enum Passed {
    /// On, as this account.
    Through(String),
    /// Sign-in has answered it (boxed: a reply is large beside an account id).
    Stopped(Box<Next>),
}

/// `/signout`, answered by sign-in wherever it comes from.
pub(crate) async fn sign_out(
    gate: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    reply_handle: Option<&str>,
) -> Result<Next, BotError> {
    Ok(chat::sign_out(gate, who, locale, reply_handle).await?)
}

/// Lets an event through to the engine, or has sign-in answer it. `linked` is the
/// account the chat identity is linked to, or why it has none.
pub(crate) async fn pass(
    gate: &Ctx<'_>,
    who: &Identity,
    locale: &str,
    event: &Event,
    reply_handle: Option<&str>,
    linked: Result<String, BotError>,
) -> Result<Passed, BotError> {
    let enabled = gate.signin.enabled();
    // Where people sign in from chat, someone not linked, or whose sign-in has just
    // expired, is answered by sign-in instead of the engine.
    let (account_id, expired) = match linked {
        Ok(id) if enabled => {
            let expired = chat::expired(gate, who).await?;
            (Some(id), expired)
        }
        Ok(id) => (Some(id), false),
        Err(BotError::NotLinked(_)) if enabled => (None, false),
        Err(e) => return Err(e),
    };
    let Some(account_id) = account_id.filter(|_| !expired) else {
        let next = chat::answer(gate, who, locale, event.clone(), reply_handle, expired).await?;
        return Ok(Passed::Stopped(Box::new(next)));
    };
    if matches!(event, Event::Command(Command::SignIn(_))) {
        return Ok(Passed::Stopped(Box::new(
            chat::already(gate, locale, &account_id).await?,
        )));
    }
    Ok(Passed::Through(account_id))
}
