//! Discord: interactions in, interaction responses out. The same `respond` serves the
//! HTTP interactions endpoint (`checkout-bot serve`) and the gateway (`checkout-bot
//! discord`).
//!
//! A Discord user is the identity (`discord`, `discord`, user id): Discord user ids are
//! global, so a cart follows its owner from server to server and into DMs.

pub(crate) mod approvals;
pub(crate) mod cli;
pub(crate) mod commands;
pub mod config;
pub mod gateway;
pub mod http;
pub mod outbound;
pub mod render;

/// Discord as one of the program's platforms (`main.rs`'s list).
pub use cli::platform;

use std::collections::BTreeMap;

use serenity::all::{
    ActionRowComponent, AutocompleteChoice, CommandDataOptionValue, CommandInteraction,
    ComponentInteraction, ComponentInteractionDataKind, CreateAutocompleteResponse,
    CreateInteractionResponse, Interaction, Message, MessageInteractionMetadata, ModalInteraction,
    User,
};

use crate::bot::{Bot, Failure};
use crate::domain::account::Identity;
use crate::engine::event::{Command, Event};
use crate::engine::view::Reply;
use render::MODAL_PREFIX;

pub(crate) const PLATFORM: &str = "discord";
/// Discord user ids are global: every identity's workspace is the platform itself.
pub(crate) const WORKSPACE: Option<&str> = Some(PLATFORM);

pub(crate) fn identity(user: &User) -> Identity {
    Identity::new(PLATFORM, PLATFORM, &user.id.get().to_string())
        .named(user.global_name.as_deref().or(Some(user.name.as_str())))
}

/// The interaction's type, for metrics and logs.
pub(crate) fn kind(i: &Interaction) -> &'static str {
    match i {
        Interaction::Ping(_) => "ping",
        Interaction::Command(_) => "command",
        Interaction::Autocomplete(_) => "autocomplete",
        Interaction::Component(_) => "component",
        Interaction::Modal(_) => "modal",
        _ => "other",
    }
}

/// How an interaction was answered, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    /// Answered with a note and nothing changed: stale, foreign or refused input.
    Refused,
    Failed,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// Answers one interaction.
pub(crate) async fn respond(
    bot: &Bot,
    interaction: Interaction,
) -> (CreateInteractionResponse, Outcome) {
    match interaction {
        Interaction::Ping(_) => (CreateInteractionResponse::Pong, Outcome::Ok),
        Interaction::Command(cmd) => command(bot, &cmd).await,
        Interaction::Autocomplete(cmd) => (autocomplete(bot, &cmd).await, Outcome::Ok),
        Interaction::Component(c) => component(bot, &c).await,
        Interaction::Modal(m) => modal_submit(bot, &m).await,
        _ => refuse(
            bot.prompts()
                .get(&bot.config().default_locale, "discord.unsupported"),
            Outcome::Refused,
        ),
    }
}

fn outcome(reply: &Reply) -> Outcome {
    use crate::engine::view::NoticeKind;
    match &reply.notice {
        Some(n) if matches!(n.kind, NoticeKind::Error | NoticeKind::Warning) => Outcome::Refused,
        _ => Outcome::Ok,
    }
}

/// A private note, answering an interaction that changed nothing.
fn refuse(text: &str, outcome: Outcome) -> (CreateInteractionResponse, Outcome) {
    (
        CreateInteractionResponse::Message(render::note(text)),
        outcome,
    )
}

/// The bot's answer as a new private message, or as an update of the message the
/// interaction came from; a failure is a private note either way.
fn answer(result: Result<Reply, Failure>, update: bool) -> (CreateInteractionResponse, Outcome) {
    match result {
        Ok(reply) if update => (
            CreateInteractionResponse::UpdateMessage(render::message(&reply)),
            outcome(&reply),
        ),
        Ok(reply) => (
            CreateInteractionResponse::Message(render::message(&reply)),
            outcome(&reply),
        ),
        Err(f) => refuse(&f.text, Outcome::Failed),
    }
}

fn string_option(cmd: &CommandInteraction, name: &str) -> Option<String> {
    cmd.data
        .options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| match &o.value {
            CommandDataOptionValue::String(s) => Some(s.clone()),
            CommandDataOptionValue::Autocomplete { value, .. } => Some(value.clone()),
            _ => None,
        })
}

async fn command(bot: &Bot, cmd: &CommandInteraction) -> (CreateInteractionResponse, Outcome) {
    let who = identity(&cmd.user);
    let locale = cmd.locale.as_str();
    let event = match cmd.data.name.as_str() {
        "approvals" => return approvals::command(bot, cmd).await,
        name => {
            // A command's one free-text option, if it declares one.
            let arg = crate::engine::commands::COMMANDS
                .iter()
                .find(|c| c.name == name)
                .and_then(|c| c.options.first())
                .and_then(|o| string_option(cmd, o.name));
            Event::Command(Command::named(name, arg))
        }
    };
    let result = bot.respond_in(&who, locale, event, Some(&cmd.token)).await;
    // A newly enrolled account is named as Discord shows the person, never by its id.
    if bot.just_enrolled(&who) {
        let shown = cmd.user.global_name.as_deref().unwrap_or(&cmd.user.name);
        bot.name(&who, shown).await;
    }
    answer(result, false)
}

/// Autocomplete must answer with choices, never an error: on any failure, no choices.
async fn autocomplete(bot: &Bot, cmd: &CommandInteraction) -> CreateInteractionResponse {
    let who = identity(&cmd.user);
    let Some(focused) = cmd.data.autocomplete() else {
        return CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
    };
    let choices: Vec<AutocompleteChoice> = match (cmd.data.name.as_str(), focused.name) {
        ("deployment", _) => bot
            .deployment_suggestions(&who, focused.value, render::MAX_OPTIONS)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                AutocompleteChoice::new(
                    render::cut(&format!("{} · {}", d.id, d.name), render::MAX_OPTION_TEXT),
                    d.id,
                )
            })
            .collect(),
        ("buy", _) => bot
            .category_suggestions(focused.value)
            .await
            .into_iter()
            .take(render::MAX_OPTIONS)
            .map(|(id, name)| {
                AutocompleteChoice::new(render::cut(&name, render::MAX_OPTION_TEXT), id)
            })
            .collect(),
        _ => Vec::new(),
    };
    CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new().set_choices(choices))
}

/// Whether `message` was made for someone other than `user`: its buttons and forms
/// are not theirs.
fn foreign(message: &Message, user: &User) -> bool {
    let owner = message
        .interaction_metadata
        .as_deref()
        .and_then(|m| match m {
            MessageInteractionMetadata::Command(x) => Some(x.user.id),
            MessageInteractionMetadata::Component(x) => Some(x.user.id),
            MessageInteractionMetadata::ModalSubmit(x) => Some(x.user.id),
            _ => None,
        });
    owner.is_some_and(|owner| owner != user.id)
}

/// Whether a raw interaction names who sent it. Serenity reads one without `member` or
/// `user` as user id 1, which must never become an identity. A ping names nobody.
pub(crate) fn names_its_sender(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Id {
        id: serde_json::Value,
    }
    #[derive(serde::Deserialize)]
    struct Member {
        user: Option<Id>,
    }
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(rename = "type")]
        kind: u8,
        member: Option<Member>,
        user: Option<Id>,
    }
    let Ok(raw) = serde_json::from_slice::<Raw>(body) else {
        return false;
    };
    let id = raw.member.and_then(|m| m.user).or(raw.user);
    raw.kind == 1 || id.is_some_and(|u| u.id.as_str().is_some_and(|s| !s.is_empty()))
}

async fn component(bot: &Bot, c: &ComponentInteraction) -> (CreateInteractionResponse, Outcome) {
    // Requests are shared: who may decide is the approvals' question, not the message's.
    if c.data.custom_id.starts_with(approvals::PREFIX) {
        return approvals::click(bot, c).await;
    }
    let who = identity(&c.user);
    let locale = c.locale.as_str();
    if foreign(&c.message, &c.user) {
        let text = bot.prompts().get(locale, "discord.not_yours").to_string();
        return refuse(&text, Outcome::Refused);
    }
    let id = c.data.custom_id.clone();
    if let Some(form) = id.strip_prefix(MODAL_PREFIX) {
        return open_modal(bot, &who, locale, form).await;
    }
    let event = match &c.data.kind {
        ComponentInteractionDataKind::Button => Event::Click { action: id },
        ComponentInteractionDataKind::StringSelect { values } => Event::Choose {
            action: id,
            values: values.clone(),
        },
        _ => {
            let text = bot.prompts().get(locale, "discord.unsupported").to_string();
            return refuse(&text, Outcome::Refused);
        }
    };
    let mut result = bot.respond_in(&who, locale, event, Some(&c.token)).await;
    if let Ok(reply) = &mut result {
        hand_over(bot, &who, locale, reply, &c.token).await;
    }
    answer(result, true)
}

/// Sends the document `reply` hands over as a private follow-up of the interaction
/// (`token`). If it cannot even be queued, the reply says so instead of the upload.
async fn hand_over(bot: &Bot, who: &Identity, locale: &str, reply: &mut Reply, token: &str) {
    let Some(doc) = &reply.document else {
        return;
    };
    let place = crate::services::notifier::Place::Handle(token.to_string());
    if let Err(e) = bot.hand_over(PLATFORM, who, doc, place).await {
        let f = Failure::internal(bot.prompts(), locale, "queueing a document", &e);
        reply.notice = Some(crate::engine::view::Notice::error(f.text));
    }
}

/// A form button: the modal is built from the current view, so a button from an older
/// message finds no form and gets the current step instead.
async fn open_modal(
    bot: &Bot,
    who: &Identity,
    locale: &str,
    form: &str,
) -> (CreateInteractionResponse, Outcome) {
    let current = match bot.respond(who, locale, Event::Start).await {
        Ok(r) => r,
        Err(f) => {
            return refuse(&f.text, Outcome::Failed);
        }
    };
    if let Some(modal) = current
        .view
        .actions
        .iter()
        .find(|a| a.id == form)
        .and_then(render::modal)
    {
        return (CreateInteractionResponse::Modal(modal), Outcome::Ok);
    }
    let stale = Reply {
        document: None,
        notice: Some(crate::engine::view::Notice::warning(
            bot.prompts().get(locale, "common.stale").to_string(),
        )),
        view: current.view,
    };
    (
        CreateInteractionResponse::UpdateMessage(render::message(&stale)),
        Outcome::Refused,
    )
}

async fn modal_submit(bot: &Bot, m: &ModalInteraction) -> (CreateInteractionResponse, Outcome) {
    if m.data.custom_id.starts_with(approvals::PREFIX) {
        return approvals::submit(bot, m).await;
    }
    let who = identity(&m.user);
    if m.message
        .as_deref()
        .is_some_and(|msg| foreign(msg, &m.user))
    {
        let text = bot
            .prompts()
            .get(m.locale.as_str(), "discord.not_yours")
            .to_string();
        return refuse(&text, Outcome::Refused);
    }
    let mut fields = BTreeMap::new();
    for row in &m.data.components {
        for component in &row.components {
            if let ActionRowComponent::InputText(input) = component {
                fields.insert(
                    input.custom_id.clone(),
                    input.value.clone().unwrap_or_default(),
                );
            }
        }
    }
    let event = Event::Submit {
        action: m.data.custom_id.clone(),
        fields,
    };
    let result = bot
        .respond_in(&who, m.locale.as_str(), event, Some(&m.token))
        .await;
    // A modal opened from a message updates it; one opened from a command answers anew.
    answer(result, m.message.is_some())
}
