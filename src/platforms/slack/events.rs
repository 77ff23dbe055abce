//! The Events API: the URL check, messages that ask for a ticket or carry a card number,
//! and the App Home. Each event is acknowledged at once and handled once, however often
//! and to whichever process Slack sends it again (`X-Slack-Retry-Num`): its id is claimed
//! in the store first.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{Ack, Slack, identity, render};
use crate::engine::ambient::{Heard, heard};
use crate::engine::event::{Command, Event};

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Takes one Events API request.
pub(crate) async fn receive(slack: &Arc<Slack>, body: Value, retry: Option<&str>) -> Ack {
    match text(&body, "type") {
        Some("url_verification") => {
            Ack::Json(json!({ "challenge": text(&body, "challenge").unwrap_or_default() }))
        }
        Some("event_callback") => {
            // Slack always names its events; one that does not is known by its content,
            // so it is still handled once, and never mistaken for another without an id.
            let id = match text(&body, "event_id").filter(|id| !id.is_empty()) {
                Some(id) => id.to_string(),
                None => {
                    use sha2::Digest;
                    format!(
                        "body:{}",
                        hex::encode(sha2::Sha256::digest(body.to_string()))
                    )
                }
            };
            if !slack.bot.first_delivery(super::PLATFORM, &id).await {
                tracing::info!(event = %id, retry, "a repeated event, already handled");
                return Ack::Empty;
            }
            let slack = slack.clone();
            tokio::spawn(async move { handle(&slack, body).await });
            Ack::Empty
        }
        _ => Ack::Empty,
    }
}

async fn handle(slack: &Slack, body: Value) {
    let Some(event) = body.get("event") else {
        return;
    };
    let team = text(&body, "team_id").unwrap_or_default();
    let bot_user = body
        .get("authorizations")
        .and_then(|a| a.get(0))
        .and_then(|a| text(a, "user_id"))
        .unwrap_or_default();
    match text(event, "type") {
        Some("app_mention") => message(slack, team, event, true).await,
        Some("message") => {
            // Messages that are edits, joins or the bot's own say nothing to us; one that
            // mentions the bot comes again as `app_mention` and is answered there.
            if event.get("subtype").is_some() || event.get("bot_id").is_some() {
                return;
            }
            if text(event, "channel_type") == Some("im") {
                direct_message(slack, team, event).await;
                return;
            }
            let mentioned = !bot_user.is_empty()
                && text(event, "text").is_some_and(|t| t.contains(&format!("<@{bot_user}>")));
            if !mentioned {
                message(slack, team, event, false).await;
            }
        }
        Some("app_home_opened") => {
            if let Some(user) = text(event, "user") {
                super::home::publish(slack, team, user).await;
            }
        }
        _ => {}
    }
}

/// A message in the app's Messages tab is a conversation with the bot, as typed in the
/// terminal chat: the reply, with its buttons, goes back into that conversation.
async fn direct_message(slack: &Slack, team: &str, event: &Value) {
    let (Some(user), Some(channel), Some(said)) = (
        text(event, "user"),
        text(event, "channel"),
        text(event, "text"),
    ) else {
        return;
    };
    if crate::domain::card::contains_card_number(said) {
        tracing::warn!(%channel, %user, "a direct message with a card number");
        let warning = render::note(&slack.text("slack.guard"));
        if let Err(e) = slack.web.post(channel, warning, None).await {
            tracing::warn!(error = %e, "could not warn about a card number");
        }
        return;
    }
    let who = identity(team, user);
    let mut reply = match slack
        .bot
        .respond(&who, &slack.locale_of(&who), Event::from_line(said))
        .await
    {
        Ok(r) => r,
        Err(f) => {
            tracing::warn!(reference = %f.reference, "a direct message failed");
            let _ = slack.web.post(channel, render::note(&f.text), None).await;
            return;
        }
    };
    slack.learn_name(&who);
    // A reply that presses Document ("invoice (pdf)") hands it over here too.
    slack.hand_over(&who, &mut reply, channel, None).await;
    if let Err(e) = slack
        .say(channel, None, render::message(&reply, user))
        .await
    {
        tracing::warn!(error = %e, "could not answer a direct message");
    }
}

async fn message(slack: &Slack, team: &str, event: &Value, mentioned: bool) {
    let (Some(user), Some(channel), Some(said)) = (
        text(event, "user"),
        text(event, "channel"),
        text(event, "text"),
    ) else {
        return;
    };
    match heard(said, mentioned) {
        Heard::Nothing => {}
        Heard::CardNumber => {
            // Never the text: only where it was.
            tracing::warn!(%channel, %user, "a message with a card number");
            let warning = render::note(&slack.text("slack.guard"));
            if let Err(e) = slack.web.ephemeral(channel, user, warning).await {
                tracing::warn!(error = %e, "could not warn about a card number");
            }
        }
        Heard::Ticket => {
            let who = identity(team, user);
            let reply = match slack
                .bot
                .respond(
                    &who,
                    &slack.locale_of(&who),
                    Event::Command(Command::Ticket),
                )
                .await
            {
                Ok(r) => r,
                Err(f) => {
                    tracing::warn!(reference = %f.reference, "ticket links failed");
                    return;
                }
            };
            slack.learn_name(&who);
            let thread = text(event, "thread_ts").or(text(event, "ts"));
            if let Err(e) = slack
                .say(channel, thread, render::message(&reply, user))
                .await
            {
                tracing::warn!(error = %e, "could not post ticket links");
            }
        }
    }
}
