//! Approvals on Discord: request messages with Approve, Reject and Details, the reason
//! modal, `/approvals` (pending for me, delegation), and the `Notifier` that posts and
//! updates requests through Discord's REST API. What the buttons carry and what a click
//! decides is the approvals service's (`services::approvals::click`); this reads
//! Discord's payloads into it and renders its answers.

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{
    ActionRowComponent, ButtonStyle, ChannelId, CommandDataOptionValue, CommandInteraction,
    ComponentInteraction, CreateActionRow, CreateButton, CreateEmbed, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, CreateModal,
    EditMessage, Http, InputTextStyle, MessageFlags, MessageId, ModalInteraction, UserId,
};

use super::render::{self, cut};
use super::{Outcome, identity, refuse};
use crate::bot::{Bot, Failure};
use crate::domain::account::Identity;
use crate::domain::approval::MAX_REASON;
use crate::services::approvals::{
    ApprovalAction, ApprovalsAnswer, ApprovalsRequest, Clicked, Decided, FIELD, Form,
};
use crate::services::notifier::{Notifier, NotifyError, Posted, Recipient, RequestView, Spot};

pub(crate) use crate::services::approvals::PREFIX;
/// Requests listed by `/approvals`: one embed and one row of buttons each.
const LISTED: usize = render::MAX_ROWS;

fn embed(request: &RequestView) -> CreateEmbed {
    let mut e = CreateEmbed::new()
        .title(cut(&request.title, render::MAX_EMBED_TITLE))
        .description(cut(&request.body, render::MAX_EMBED_DESCRIPTION));
    for (name, value) in request.fields.iter().take(render::MAX_EMBED_FIELDS) {
        let inline = !value.contains('\n');
        e = e.field(
            cut(name, render::MAX_FIELD_NAME),
            cut(value, render::MAX_FIELD_VALUE),
            inline,
        );
    }
    e
}

fn buttons(request: &RequestView) -> Vec<CreateActionRow> {
    if !request.open() {
        return Vec::new();
    }
    vec![CreateActionRow::Buttons(vec![
        CreateButton::new(ApprovalAction::Approve.id(&request.target()))
            .label(cut(&request.approve, render::MAX_BUTTON_LABEL))
            .style(ButtonStyle::Success),
        CreateButton::new(ApprovalAction::Reject.id(&request.target()))
            .label(cut(&request.reject, render::MAX_BUTTON_LABEL))
            .style(ButtonStyle::Danger),
        CreateButton::new(ApprovalAction::Ask.id(&request.target()))
            .label(cut(&request.ask, render::MAX_BUTTON_LABEL))
            .style(ButtonStyle::Secondary),
        CreateButton::new(ApprovalAction::Details.id(&request.target()))
            .label(cut(&request.details, render::MAX_BUTTON_LABEL))
            .style(ButtonStyle::Secondary),
    ])]
}

/// The outcome line above the request once it is decided; nothing while it waits.
fn content(request: &RequestView) -> String {
    request
        .outcome
        .as_deref()
        .map(|o| cut(o, render::MAX_CONTENT))
        .unwrap_or_default()
}

/// The request as an update of the message it is on: for everyone who sees it.
fn update(request: &RequestView) -> CreateInteractionResponse {
    CreateInteractionResponse::UpdateMessage(
        CreateInteractionResponseMessage::new()
            .content(content(request))
            .embed(embed(request))
            .components(buttons(request)),
    )
}

fn ephemeral(c: &ComponentInteraction) -> bool {
    c.message
        .flags
        .is_some_and(|f| f.contains(MessageFlags::EPHEMERAL))
}

fn posted(c: &ComponentInteraction) -> Posted {
    Posted {
        platform: super::PLATFORM.into(),
        channel_id: c.channel_id.get().to_string(),
        message_id: c.message.id.get().to_string(),
    }
}

fn failed(
    bot: &Bot,
    locale: &str,
    e: &crate::store::StoreError,
) -> (CreateInteractionResponse, Outcome) {
    let f = Failure::internal(bot.prompts(), locale, "an approval", e);
    refuse(&f.text, Outcome::Failed)
}

/// How a decision is answered. On a shared request message, a recorded decision
/// rewrites the message for everyone; anything else is a private note in the clicker's
/// locale, and a stale message is repainted as the request now reads.
fn answer(
    bot: &Bot,
    locale: &str,
    decided: Decided,
    on: Option<&ComponentInteraction>,
) -> (CreateInteractionResponse, Outcome) {
    let shared = on.filter(|c| !ephemeral(c));
    let l = bot.prompts().lang(locale);
    match decided {
        Decided::Done(view) => match shared {
            Some(_) => (update(&view), Outcome::Ok),
            None => {
                let text = l.f(
                    "approval.recorded",
                    &[("outcome", &view.outcome.clone().unwrap_or_default())],
                );
                refuse(&text, Outcome::Ok)
            }
        },
        Decided::TooLate {
            note,
            request,
            shown,
        } => {
            if let Some(c) = shared {
                let (approvals, at) = (bot.approvals().clone(), posted(c));
                tokio::spawn(async move { approvals.repaint(&at, &request, &shown).await });
            }
            refuse(&note.text(&l), Outcome::Refused)
        }
        Decided::Refused(why) => refuse(&why.text(&l), Outcome::Refused),
        Decided::Noted(text) => refuse(&text, Outcome::Ok),
    }
}

/// A click on a request's button.
pub(crate) async fn click(
    bot: &Bot,
    c: &ComponentInteraction,
) -> (CreateInteractionResponse, Outcome) {
    let who = identity(&c.user);
    let locale = c.locale.as_str();
    let at = (!ephemeral(c)).then(|| posted(c));
    let clicked = bot
        .approvals()
        .click(&who, locale, &c.data.custom_id, at)
        .await;
    match clicked {
        Ok(Clicked::Decided(d)) => answer(bot, locale, *d, Some(c)),
        Ok(Clicked::Form(form)) => (form_modal(&form), Outcome::Ok),
        Ok(Clicked::Details { title, lines }) => (
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .embed(
                        CreateEmbed::new()
                            .title(cut(&title, render::MAX_EMBED_TITLE))
                            .description(cut(&lines.join("\n"), render::MAX_EMBED_DESCRIPTION)),
                    )
                    .ephemeral(true),
            ),
            Outcome::Ok,
        ),
        Ok(Clicked::Refused(Some(why))) => {
            refuse(&why.text(&bot.prompts().lang(locale)), Outcome::Refused)
        }
        Ok(Clicked::Refused(None)) => refuse(
            bot.prompts().get(locale, "discord.unsupported"),
            Outcome::Refused,
        ),
        Err(e) => failed(bot, locale, &e),
    }
}

/// A form of one text field, as a modal.
fn form_modal(form: &Form) -> CreateInteractionResponse {
    let input = CreateInputText::new(
        InputTextStyle::Paragraph,
        cut(&form.label, render::MAX_INPUT_LABEL),
        FIELD,
    )
    .required(true)
    .max_length(u16::try_from(MAX_REASON).unwrap_or(u16::MAX));
    CreateInteractionResponse::Modal(
        CreateModal::new(&form.id, cut(&form.title, render::MAX_MODAL_TITLE))
            .components(vec![CreateActionRow::InputText(input)]),
    )
}

/// A form submitted: the reason of a rejection, a question, an answer.
pub(crate) async fn submit(
    bot: &Bot,
    m: &ModalInteraction,
) -> (CreateInteractionResponse, Outcome) {
    let who = identity(&m.user);
    let locale = m.locale.as_str();
    let reason = m
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            ActionRowComponent::InputText(i) if i.custom_id == FIELD => i.value.clone(),
            _ => None,
        })
        .unwrap_or_default();
    let shared = m.message.as_ref().filter(|msg| {
        !msg.flags
            .is_some_and(|f| f.contains(MessageFlags::EPHEMERAL))
    });
    let clicked = shared.map(|msg| Posted {
        platform: super::PLATFORM.into(),
        channel_id: m.channel_id.get().to_string(),
        message_id: msg.id.get().to_string(),
    });
    match bot
        .approvals()
        .reason(&who, &m.data.custom_id, reason, clicked)
        .await
    {
        Ok(Some(Decided::Done(view))) if shared.is_some() => (update(&view), Outcome::Ok),
        Ok(Some(d)) => answer(bot, locale, d, None),
        Ok(None) => refuse(
            bot.prompts().get(locale, "discord.unsupported"),
            Outcome::Refused,
        ),
        Err(e) => failed(bot, locale, &e),
    }
}

fn option<'a>(cmd: &'a CommandInteraction, name: &str) -> Option<&'a CommandDataOptionValue> {
    cmd.data
        .options
        .iter()
        .find(|o| o.name == name)
        .map(|o| &o.value)
}

/// `/approvals`: what waits for me; with `delegate` and `until`, a stand-in; with
/// `end`, no more stand-in.
pub(crate) async fn command(
    bot: &Bot,
    cmd: &CommandInteraction,
) -> (CreateInteractionResponse, Outcome) {
    let who = identity(&cmd.user);
    match command_inner(bot, cmd, &who).await {
        Ok(r) => r,
        Err(e) => failed(bot, &cmd.locale, &e),
    }
}

async fn command_inner(
    bot: &Bot,
    cmd: &CommandInteraction,
    who: &Identity,
) -> crate::store::Result<(CreateInteractionResponse, Outcome)> {
    let request = if let Some(CommandDataOptionValue::Boolean(true)) = option(cmd, "end") {
        ApprovalsRequest::End
    } else if let Some(CommandDataOptionValue::User(user)) = option(cmd, "delegate") {
        let to_name = cmd
            .data
            .resolved
            .users
            .get(user)
            .map(|u| u.global_name.clone().unwrap_or_else(|| u.name.clone()))
            .unwrap_or_else(|| format!("<@{user}>"));
        ApprovalsRequest::Delegate {
            to: Identity::new(super::PLATFORM, super::PLATFORM, &user.get().to_string()),
            to_name,
            until: match option(cmd, "until") {
                Some(CommandDataOptionValue::String(until)) => Some(until.clone()),
                _ => None,
            },
        }
    } else {
        ApprovalsRequest::List
    };
    let answer = bot
        .approvals()
        .command(who, &cmd.locale, request, LISTED)
        .await?;
    Ok(match answer {
        ApprovalsAnswer::Note { text, refused } => refuse(
            &text,
            if refused {
                Outcome::Refused
            } else {
                Outcome::Ok
            },
        ),
        ApprovalsAnswer::Pending { title, requests } => {
            let mut message = CreateInteractionResponseMessage::new().ephemeral(true);
            let mut rows = Vec::new();
            for view in &requests {
                message = message.add_embed(embed(view));
                rows.extend(buttons(view));
            }
            (
                CreateInteractionResponse::Message(message.content(title).components(rows)),
                Outcome::Ok,
            )
        }
    })
}

/// Posts and updates requests, and sends private notes, through Discord's REST API.
pub(crate) struct DiscordNotifier {
    http: Arc<Http>,
}

impl DiscordNotifier {
    pub(crate) fn new(http: Arc<Http>) -> Self {
        DiscordNotifier { http }
    }
}

fn snowflake(s: &str) -> Result<u64, NotifyError> {
    s.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| NotifyError::BadAddress(s.to_string()))
}

/// Sorts a REST failure by what to do next. serenity's rate limiter has waited out every
/// 429 that said how long; one that did not is retried later.
pub(crate) fn rest(e: serenity::Error) -> NotifyError {
    use serenity::http::HttpError;
    if let serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) = &e {
        let status = r.status_code.as_u16();
        if status == 429 {
            return NotifyError::RateLimited(None);
        }
        if (400..500).contains(&status) && status != 408 {
            // Unknown channel, missing access, cannot message this user, …
            return NotifyError::Refused(format!(
                "{status} {} (code {})",
                r.error.message, r.error.code
            ));
        }
    }
    NotifyError::Platform(Box::new(e))
}

/// Discord's nonce for a post: the outbox entry's key (at most 25 characters), so a
/// post sent again after a timeout is the same message.
fn nonce_text(key: &str) -> String {
    key.chars().take(25).collect()
}

fn nonce(key: &str) -> serenity::all::Nonce {
    serenity::all::Nonce::String(nonce_text(key))
}

impl DiscordNotifier {
    async fn dm_channel(&self, who: &Identity) -> Result<ChannelId, NotifyError> {
        let user = UserId::new(snowflake(&who.user)?);
        Ok(user.create_dm_channel(&self.http).await.map_err(rest)?.id)
    }
}

#[async_trait]
impl Notifier for DiscordNotifier {
    fn platform(&self) -> String {
        super::PLATFORM.into()
    }

    async fn post(
        &self,
        to: &Recipient,
        request: &RequestView,
        key: &str,
    ) -> Result<Posted, NotifyError> {
        let channel = match to {
            Recipient::Channel(id) => ChannelId::new(snowflake(id)?),
            Recipient::Person(who) => self.dm_channel(who).await?,
        };
        let mut message = CreateMessage::new()
            .nonce(nonce(key))
            .enforce_nonce(true)
            .content(content(request))
            .embed(embed(request))
            .components(buttons(request));
        // The quote rides on the request itself (multipart); edits keep it.
        if let Some(quote) = &request.quote {
            message = message.add_file(serenity::all::CreateAttachment::bytes(
                quote.bytes.clone(),
                quote.file_name.clone(),
            ));
        }
        let sent = channel
            .send_message(&self.http, message)
            .await
            .map_err(rest)?;
        Ok(Posted {
            platform: super::PLATFORM.into(),
            channel_id: channel.get().to_string(),
            message_id: sent.id.get().to_string(),
        })
    }

    async fn update(&self, at: &Posted, request: &RequestView) -> Result<(), NotifyError> {
        let edit = EditMessage::new()
            .content(content(request))
            .embed(embed(request))
            .components(buttons(request));
        ChannelId::new(snowflake(&at.channel_id)?)
            .edit_message(&self.http, MessageId::new(snowflake(&at.message_id)?), edit)
            .await
            .map_err(rest)?;
        Ok(())
    }

    async fn say(
        &self,
        at: &Spot,
        content: &serde_json::Value,
        key: &str,
    ) -> Result<(), NotifyError> {
        let mut body = content.clone();
        body["nonce"] = serde_json::Value::String(nonce_text(key));
        body["enforce_nonce"] = serde_json::Value::Bool(true);
        self.http
            .send_message(ChannelId::new(snowflake(&at.channel)?), Vec::new(), &body)
            .await
            .map_err(rest)?;
        Ok(())
    }

    async fn tell_with(
        &self,
        who: &Identity,
        text: &str,
        action: &str,
        label: &str,
        key: &str,
    ) -> Result<(), NotifyError> {
        let channel = self.dm_channel(who).await?;
        let button = CreateButton::new(action)
            .label(cut(label, render::MAX_BUTTON_LABEL))
            .style(ButtonStyle::Primary);
        channel
            .send_message(
                &self.http,
                CreateMessage::new()
                    .nonce(nonce(key))
                    .enforce_nonce(true)
                    .content(cut(text, render::MAX_CONTENT))
                    .components(vec![CreateActionRow::Buttons(vec![button])]),
            )
            .await
            .map_err(rest)?;
        Ok(())
    }

    /// A thread started from a message has the message's id; starting it again is
    /// refused (160004), which means it is there.
    async fn note_under(&self, at: &Posted, text: &str, key: &str) -> Result<(), NotifyError> {
        let channel = ChannelId::new(snowflake(&at.channel_id)?);
        let message = MessageId::new(snowflake(&at.message_id)?);
        let name = cut(text, 90);
        let started = channel
            .create_thread_from_message(&self.http, message, serenity::all::CreateThread::new(name))
            .await;
        if let Err(e) = started {
            let there = matches!(&e, serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) if r.error.code == 160004);
            if !there {
                return Err(rest(e));
            }
        }
        ChannelId::new(message.get())
            .send_message(&self.http, note(text, key))
            .await
            .map_err(rest)?;
        Ok(())
    }

    async fn tell(&self, who: &Identity, text: &str, key: &str) -> Result<(), NotifyError> {
        let channel = self.dm_channel(who).await?;
        channel
            .send_message(&self.http, note(text, key))
            .await
            .map_err(rest)?;
        Ok(())
    }
}

/// A plain note, posted once per outbox entry (`key` as its nonce).
fn note(text: &str, key: &str) -> CreateMessage {
    CreateMessage::new()
        .nonce(nonce(key))
        .enforce_nonce(true)
        .content(cut(text, render::MAX_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_id_fits_discord() {
        let longest = "a".repeat(40);
        for action in ApprovalAction::ALL {
            assert!(action.id(&longest).len() <= render::MAX_CUSTOM_ID);
        }
    }

    fn request_view(outcome: Option<&str>) -> RequestView {
        RequestView {
            deciders: Vec::new(),
            quote: None,
            approval_id: "apv_1".into(),
            step: Some(1),
            title: "Approval needed: order CB-1".into(),
            body: "Dana asks Acme to approve".into(),
            fields: vec![("Lines".into(), "x\n".repeat(2000))],
            outcome: outcome.map(str::to_string),
            approve: "Approve".into(),
            reject: "Reject".into(),
            ask: "Ask a question".into(),
            details: "Details".into(),
        }
    }

    #[test]
    fn an_open_request_has_four_buttons_and_a_decided_one_none() {
        let open = serde_json::to_value(update(&request_view(None))).unwrap();
        let ids: Vec<&str> = open["data"]["components"][0]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["custom_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "apv:ok:apv_1:1",
                "apv:no:apv_1:1",
                "apv:ask:apv_1:1",
                "apv:info:apv_1:1"
            ]
        );
        assert!(
            open["data"]["embeds"][0]["fields"][0]["value"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= render::MAX_FIELD_VALUE
        );
        let done = serde_json::to_value(update(&request_view(Some(
            "Approved by Ann at 2026-11-25 10:00 UTC.",
        ))))
        .unwrap();
        assert_eq!(done["data"]["components"], serde_json::json!([]));
        assert_eq!(
            done["data"]["content"],
            "Approved by Ann at 2026-11-25 10:00 UTC."
        );
    }
}
