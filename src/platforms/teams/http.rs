//! `POST /teams/messages`, the messaging endpoint of the Azure Bot. Every activity's token
//! is checked first (`verify`); a refused one gets 401 (403 for a key not endorsed for
//! its channel) and is not processed. An activity delivered again (same id) is
//! processed once, across processes. A message is answered through the connector (via
//! the outbox); a card's `Action.Execute` comes as an `adaptiveCard/action` invoke and
//! is answered in the response with the card that replaces it.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use super::directory::Directory;
use super::verify::{Keys, Refused};
use super::{PLATFORM, identity, render};
use crate::bot::Bot;
use crate::engine::event::Event;
use crate::metrics::Metrics;
use crate::services::notifier::Spot;

/// What the endpoint shares between requests.
pub struct Endpoint {
    pub(crate) bot: Arc<Bot>,
    pub(crate) keys: Arc<Keys>,
    pub(crate) app_id: String,
    pub(crate) directory: Arc<Directory>,
    pub(crate) metrics: Arc<Metrics>,
}

impl Endpoint {
    pub fn router(self) -> Router {
        Router::new()
            .route("/teams/messages", post(messages))
            .with_state(Arc::new(self))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Account {
    /// The Teams user id (`29:…`).
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) aad_object_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Conversation {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) tenant_id: Option<String>,
    /// `personal`, `groupChat` or `channel`.
    #[serde(default)]
    pub(crate) conversation_type: Option<String>,
}

/// The parts of a Bot Framework activity the bot reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Activity {
    #[serde(rename = "type", default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) channel_id: String,
    #[serde(default)]
    pub(crate) service_url: String,
    #[serde(default)]
    pub(crate) from: Account,
    #[serde(default)]
    pub(crate) conversation: Conversation,
    #[serde(default)]
    pub(crate) text: Option<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) value: Value,
    #[serde(default)]
    pub(crate) locale: Option<String>,
    #[serde(default)]
    pub(crate) channel_data: Value,
    /// Mentions and the like.
    #[serde(default)]
    pub(crate) entities: Vec<Value>,
    /// The message whose card was acted on, where Teams names it.
    #[serde(default)]
    pub(crate) reply_to_id: Option<String>,
}

impl Activity {
    /// Whether it comes from the person's personal chat with the bot.
    fn personal(&self) -> bool {
        self.conversation.conversation_type.as_deref() == Some("personal")
    }

    /// The tenant: the conversation's, or the channel data's.
    fn tenant(&self) -> Option<&str> {
        self.conversation
            .tenant_id
            .as_deref()
            .or_else(|| self.channel_data["tenant"]["id"].as_str())
            .filter(|t| !t.is_empty())
    }
}

fn status(code: StatusCode, why: &str) -> Response {
    (code, why.to_string()).into_response()
}

async fn messages(
    State(e): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let started = Instant::now();
    // The token is checked before anything else is said: an unreadable body is checked
    // as an activity of no channel and no service URL, which no token names.
    let parsed = serde_json::from_slice::<Activity>(&body);
    let activity = parsed.as_ref().ok();
    let empty = Activity::default();
    let activity = activity.unwrap_or(&empty);
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let now = crate::store::now_ms();
    if let Err(refused) = e
        .keys
        .verify(
            auth,
            &e.app_id,
            &activity.channel_id,
            &activity.service_url,
            now,
        )
        .await
    {
        tracing::warn!(error = %refused, kind = %activity.kind, "refused a Teams activity");
        e.metrics.observe(
            PLATFORM,
            "refused",
            "refused",
            started.elapsed().as_secs_f64(),
        );
        return match refused {
            Refused::Unauthorized(_) => status(StatusCode::UNAUTHORIZED, "unauthorized"),
            Refused::Forbidden(_) => status(StatusCode::FORBIDDEN, "forbidden"),
        };
    }
    if parsed.is_err() {
        return status(StatusCode::BAD_REQUEST, "not an activity");
    }
    learn(&e, activity).await;
    if !activity.id.is_empty() && !e.bot.first_delivery(PLATFORM, &activity.id).await {
        // Delivered again: it was processed once already.
        return status(StatusCode::OK, "");
    }
    let (answer, kind) = match activity.kind.as_str() {
        "message" => (message(&e, activity).await, "message"),
        "invoke" => (invoke(&e, activity).await, "invoke"),
        _ => (StatusCode::OK.into_response(), "other"),
    };
    e.metrics.observe(
        PLATFORM,
        kind,
        if answer.status().is_success() {
            "ok"
        } else {
            "failed"
        },
        started.elapsed().as_secs_f64(),
    );
    answer
}

/// What a verified activity says about reaching its sender and its conversation.
async fn learn(e: &Endpoint, activity: &Activity) {
    let tenant = activity.tenant();
    let oid = activity.from.aad_object_id.as_deref().unwrap_or_default();
    let from = (!activity.from.id.is_empty() && !oid.is_empty())
        .then_some((activity.from.id.as_str(), oid));
    e.directory
        .heard(
            &activity.service_url,
            tenant,
            &activity.conversation.id,
            from,
        )
        .await;
    if let (true, Some(t), false) = (activity.personal(), tenant, oid.is_empty()) {
        e.directory
            .keep_chat(t, oid, &activity.conversation.id, &activity.service_url)
            .await;
    }
}

/// The person behind an activity, and the language to answer in.
fn who(activity: &Activity) -> Option<(crate::domain::account::Identity, String)> {
    let tenant = activity.tenant()?;
    let user = activity
        .from
        .aad_object_id
        .as_deref()
        .filter(|u| !u.is_empty())?;
    let who = identity(tenant, user).named(activity.from.name.as_deref());
    let locale = activity.locale.clone().unwrap_or_else(|| "en".into());
    Some((who, locale))
}

/// What a person typed, without the bot's own mention (`<at>checkout-bot</at>`) that a
/// message in a channel starts with.
pub(crate) fn said(text: &str) -> String {
    let mut out = text.to_string();
    while let (Some(a), Some(b)) = (out.find("<at>"), out.find("</at>")) {
        if b < a {
            break;
        }
        out.replace_range(a..b + "</at>".len(), "");
    }
    out.trim().to_string()
}

/// A line as the bot reads it: a command picked from the app's command list comes as its
/// bare name ("orders", "buy phones"), and means the slash command.
pub(crate) fn command_line(text: &str) -> String {
    let first = text.split_whitespace().next().unwrap_or_default();
    let is_command = crate::engine::commands::COMMANDS
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case(first));
    if is_command && !text.starts_with('/') {
        format!("/{text}")
    } else {
        text.to_string()
    }
}

async fn message(e: &Endpoint, activity: &Activity) -> Response {
    let Some((who, locale)) = who(activity) else {
        return status(StatusCode::OK, "");
    };
    let typed = said(activity.text.as_deref().unwrap_or(""));
    if !activity.personal() && crate::domain::card::contains_card_number(&typed) {
        // Never the text: only where it was. The warning is the author's alone.
        tracing::warn!(conversation = %activity.conversation.id, %who, "a message with a card number");
        return warn_privately(e, &who, &locale).await;
    }
    if super::approvals::is_command(&typed) {
        let tenant = who.workspace.clone();
        let request =
            super::approvals::request(&e.directory, &tenant, &typed, mentioned(activity)).await;
        let reply = super::approvals::command(&e.bot, &e.directory, &who, &locale, request).await;
        // What waits for someone is theirs to see: in a shared conversation, privately.
        if !activity.personal() {
            return match privately(e, &who, reply).await {
                Ok(()) => status(StatusCode::OK, ""),
                Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "try again"),
            };
        }
        return answer(e, activity, reply).await;
    }
    let text = command_line(&typed);
    let result = e.bot.respond(&who, &locale, Event::from_line(&text)).await;
    let (reply, public) = match result {
        Ok(mut reply) => {
            hand_over(e, activity, &who, &mut reply).await;
            let mut m = render::message(&reply);
            render::own(&mut m, &who.user);
            (m, reply.view.step == "ticket")
        }
        Err(f) => (render::note(&f.text), false),
    };
    if activity.personal() || public {
        return answer(e, activity, reply).await;
    }
    // A checkout is the person's own (addresses, PO numbers, sign-in and card links):
    // asked in a channel or group chat, where everyone sees what the bot says, it goes
    // on in their personal chat, and the conversation is told where. Ticket links are
    // for anyone who asks, so they stay.
    match privately(e, &who, reply).await {
        Ok(()) => {
            let l = e.bot.prompts().lang(&locale);
            let note =
                render::note(&l.f("teams.answered_privately", &[("name", &who_name(activity))]));
            answer(e, activity, note).await
        }
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "try again"),
    }
}

/// How the sender is named in a conversation.
fn who_name(activity: &Activity) -> String {
    activity
        .from
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_default()
}

/// Says `reply` (an activity) in the conversation of `activity`, in reply to it.
async fn answer(e: &Endpoint, activity: &Activity, reply: Value) -> Response {
    let at = Spot {
        channel: activity.conversation.id.clone(),
        thread: Some(activity.id.clone()).filter(|id| !id.is_empty()),
        only_for: None,
    };
    let content = super::outbound::content(&activity.service_url, reply);
    if let Err(err) = e.bot.say(PLATFORM, at, content).await {
        tracing::warn!(error = %err, "could not queue a Teams reply");
        return status(StatusCode::SERVICE_UNAVAILABLE, "try again");
    }
    status(StatusCode::OK, "")
}

/// The one person a message mentions other than the bot: their Teams user id and name.
fn mentioned(activity: &Activity) -> Option<(&str, &str)> {
    activity
        .entities
        .iter()
        .filter(|m| m["type"] == "mention")
        .filter_map(|m| {
            let id = m["mentioned"]["id"].as_str()?;
            let name = m["mentioned"]["name"].as_str().unwrap_or(id);
            Some((id, name))
        })
        .find(|(id, _)| id.starts_with("29:"))
}

/// Tells the author of a card number in a shared conversation, in their personal chat,
/// that it was not kept and how an admin removes it.
async fn warn_privately(
    e: &Endpoint,
    who: &crate::domain::account::Identity,
    locale: &str,
) -> Response {
    let text = e.bot.prompts().get(locale, "teams.guard").to_string();
    match privately(e, who, render::note(&text)).await {
        Ok(()) => status(StatusCode::OK, ""),
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "try again"),
    }
}

/// The event an `Action.Execute` stands for: its verb is the engine's action id; the
/// card's inputs come in `data`, a select's under the verb itself, a search box's pick
/// under its `search:` id. (A form is a dialog: `dialog`.)
pub(crate) fn event_of(verb: &str, data: &Value) -> Event {
    // A pick from a search box of this verb.
    let picked = data.as_object().into_iter().flatten().find_map(|(k, v)| {
        let (field, of) = render::search_of(k)?;
        let value = v.as_str().filter(|v| !v.is_empty())?;
        (of == verb).then(|| (field.to_string(), value.to_string()))
    });
    if let Some((field, value)) = picked {
        return Event::picked(verb, &field, value);
    }
    if let Some(chosen) = data.get(verb).and_then(Value::as_str) {
        return Event::Choose {
            action: verb.to_string(),
            values: vec![chosen.to_string()],
        };
    }
    Event::Click {
        action: verb.to_string(),
    }
}

async fn invoke(e: &Endpoint, activity: &Activity) -> Response {
    let Some((who, locale)) = who(activity) else {
        return Json(render::invoke_message("")).into_response();
    };
    match activity.name.as_deref() {
        Some("adaptiveCard/action") => {}
        Some("application/search") => {
            let v = &activity.value;
            let (Some(dataset), query) = (v["dataset"].as_str(), v["queryText"].as_str()) else {
                return Json(render::search_results(&[])).into_response();
            };
            let found = e
                .bot
                .search_suggestions(
                    &who,
                    dataset,
                    query.unwrap_or_default(),
                    render::MAX_SEARCH_RESULTS,
                )
                .await;
            return Json(render::search_results(&found)).into_response();
        }
        Some("task/fetch") => return dialog_fetch(e, activity, &who, &locale),
        Some("task/submit") => return dialog_submit(e, activity, &who, &locale).await,
        _ => return Json(render::invoke_message("")).into_response(),
    }
    let action = &activity.value["action"];
    let Some(verb) = action["verb"].as_str() else {
        return Json(render::invoke_message("")).into_response();
    };
    if super::approvals::is_approval(verb) {
        let answer = super::approvals::execute_invoke(
            &e.bot,
            &e.directory,
            &who,
            &locale,
            verb,
            &action["data"],
        )
        .await;
        return Json(answer).into_response();
    }
    // A card in a channel is seen by all; its buttons are the person's it was made for.
    if foreign(&action["data"], &who) {
        let text = e.bot.prompts().get(&locale, "teams.not_yours").to_string();
        return Json(render::invoke_message(&text)).into_response();
    }
    let event = event_of(verb, &action["data"]);
    let answer = match e.bot.respond(&who, &locale, event).await {
        Ok(mut reply) => {
            hand_over(e, activity, &who, &mut reply).await;
            let mut card = render::invoke_card(&reply);
            render::own(&mut card, &who.user);
            card
        }
        Err(f) => render::invoke_message(&f.text),
    };
    Json(answer).into_response()
}

/// Whether `data` (a card's or a dialog's) was made for someone other than `who`.
fn foreign(data: &Value, who: &crate::domain::account::Identity) -> bool {
    data["owner"]
        .as_str()
        .is_some_and(|owner| owner != who.user)
}

/// A dialog's answer that only says `text` (and closes it).
fn dialog_says(text: &str) -> Response {
    Json(json!({"task": {"type": "message", "value": text}})).into_response()
}

/// The dialog's data, with its action id, unless it is someone else's: then what to
/// answer instead.
fn dialog_data<'a>(
    e: &Endpoint,
    activity: &'a Activity,
    who: &crate::domain::account::Identity,
    locale: &str,
) -> Result<(&'a Value, &'a str), Box<Response>> {
    let data = &activity.value["data"];
    if foreign(data, who) {
        return Err(Box::new(dialog_says(
            e.bot.prompts().get(locale, "teams.not_yours"),
        )));
    }
    match data["verb"].as_str() {
        Some(verb) => Ok((data, verb)),
        None => Err(Box::new(StatusCode::OK.into_response())),
    }
}

/// A form's button pressed: its dialog, drawn from the button's data.
fn dialog_fetch(
    e: &Endpoint,
    activity: &Activity,
    who: &crate::domain::account::Identity,
    locale: &str,
) -> Response {
    match dialog_data(e, activity, who, locale) {
        Ok((data, verb)) => {
            Json(super::dialog::task(verb, &data["dialog"], None, None)).into_response()
        }
        Err(answer) => *answer,
    }
}

/// A dialog submitted: the form's event. Refused, the dialog stays open with the reason
/// beside the fields; accepted, it closes and the card it came from shows the next step.
async fn dialog_submit(
    e: &Endpoint,
    activity: &Activity,
    who: &crate::domain::account::Identity,
    locale: &str,
) -> Response {
    let (data, verb) = match dialog_data(e, activity, who, locale) {
        Ok(found) => found,
        Err(answer) => return *answer,
    };
    let sent = super::dialog::typed(data);
    let event = Event::Submit {
        action: verb.to_string(),
        fields: sent.clone(),
    };
    let mut reply = match e.bot.respond(who, locale, event).await {
        Ok(reply) => reply,
        Err(f) => {
            return dialog_says(&f.text);
        }
    };
    if let Some((again, why)) = super::dialog::refused(&reply, &sent) {
        return Json(super::dialog::task(
            again,
            &data["dialog"],
            Some(&sent),
            Some(why),
        ))
        .into_response();
    }
    hand_over(e, activity, who, &mut reply).await;
    let mut next = render::message(&reply);
    render::own(&mut next, &who.user);
    let queued = match activity.reply_to_id.as_deref().filter(|id| !id.is_empty()) {
        Some(card) => {
            let handle =
                super::outbound::handle(&activity.service_url, &activity.conversation.id, card);
            e.bot
                .answer_later(PLATFORM, &handle, next, true, Some(who))
                .await
        }
        None => {
            let at = Spot {
                channel: activity.conversation.id.clone(),
                thread: None,
                only_for: None,
            };
            let content = super::outbound::content(&activity.service_url, next);
            e.bot.say(PLATFORM, at, content).await
        }
    };
    if let Err(err) = queued {
        tracing::warn!(error = %err, "could not queue the card after a dialog");
        return status(StatusCode::SERVICE_UNAVAILABLE, "try again");
    }
    StatusCode::OK.into_response()
}

/// A document asked for: a bot cannot attach a file to a card, so the card carries a
/// one-time link to it (15 minutes, once, for this person only). In a channel or group
/// chat everyone sees the card, so the link goes to the person's personal chat instead,
/// and the card says so.
async fn hand_over(
    e: &Endpoint,
    activity: &Activity,
    who: &crate::domain::account::Identity,
    reply: &mut crate::engine::view::Reply,
) {
    let Some(doc) = reply.document.take() else {
        return;
    };
    let l = e.bot.prompts().lang(&doc.locale);
    let url = match e.bot.document_link(who, &doc).await {
        Ok(Some(url)) => url,
        Ok(None) => return,
        Err(err) => {
            tracing::warn!(%who, error = %err, "could not make a document link");
            return;
        }
    };
    if activity.personal() {
        reply.view.actions.insert(
            0,
            crate::engine::view::Action {
                id: format!("link:{}", doc.file_name),
                label: l.f("document.download", &[("file", &doc.file_name)]),
                kind: crate::engine::view::ActionKind::Link { url },
            },
        );
        return;
    }
    let text = l.f("document.link", &[("file", &doc.file_name), ("url", &url)]);
    if privately(e, who, render::note(&text)).await.is_ok() {
        reply.notice = Some(crate::engine::view::Notice::info(
            l.f("teams.sent_privately", &[("file", &doc.file_name)]),
        ));
    }
}

/// Says `activity` to `who` alone, in their personal chat with the bot (via the outbox).
async fn privately(
    e: &Endpoint,
    who: &crate::domain::account::Identity,
    activity: Value,
) -> Result<(), anyhow::Error> {
    let at = Spot {
        channel: String::new(),
        thread: None,
        only_for: Some(who.user.clone()),
    };
    let content = super::outbound::private(&who.workspace, activity);
    e.bot.say(PLATFORM, at, content).await.inspect_err(|err| {
        tracing::warn!(error = %err, "could not queue a private Teams message");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bots_mention_is_not_what_was_said() {
        assert_eq!(
            said("<at>checkout-bot</at> buy 3 support credits"),
            "buy 3 support credits"
        );
        assert_eq!(said("  /orders "), "/orders");
        assert_eq!(said("a </at> b <at>x"), "a </at> b <at>x");
        assert_eq!(command_line("orders"), "/orders");
        assert_eq!(command_line("buy phones"), "/buy phones");
        assert_eq!(
            command_line("I want 3 support credits"),
            "I want 3 support credits"
        );
    }

    #[test]
    fn an_execute_is_a_click_or_a_choice() {
        assert_eq!(
            event_of("3:add", &json!({})),
            Event::Click {
                action: "3:add".into()
            }
        );
        assert_eq!(
            event_of("3:cat", &json!({"3:cat": "phones", "3:other": "x"})),
            Event::Choose {
                action: "3:cat".into(),
                values: vec!["phones".into()]
            }
        );
    }
}
