//! Slack: slash commands, interactivity and events in, Block Kit out. The same handlers
//! serve the HTTP endpoints (`checkout-bot serve`) and Socket Mode (`checkout-bot slack`).
//!
//! A Slack user is the identity (`slack`, team id, user id): Slack user ids are unique
//! within a workspace only. Replies are ephemeral; a click is acknowledged at once and
//! answered through its response URL, replacing the message it came from.

pub(crate) mod approvals;
pub(crate) mod cli;
pub mod config;
pub(crate) mod events;
pub(crate) mod home;
pub mod http;
pub mod outbound;
pub(crate) mod people;
pub(crate) mod render;
pub mod socket;
pub mod verify;
pub mod web;

/// Slack as one of the program's platforms (`main.rs`'s list).
pub use cli::platform;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use slack_morphism::prelude::*;

use crate::bot::{Bot, Failure};
use crate::domain::account::Identity;
use crate::engine::event::{Command, Event};
use crate::engine::view::{ActionKind, NoticeKind, Reply};
use render::FORM_PREFIX;
use web::Web;

pub(crate) const PLATFORM: &str = "slack";
/// Slack user ids belong to a team: an identity must name its team id (`T…`).
pub(crate) const WORKSPACE: Option<&str> = None;

pub(crate) fn identity(team: &str, user: &str) -> Identity {
    Identity::new(PLATFORM, team, user)
}

/// What the handlers share: the bot, and Slack's Web API.
pub struct Slack {
    pub bot: Arc<Bot>,
    pub web: Arc<Web>,
    pub people: Arc<people::People>,
}

impl Slack {
    /// Says `content` in `channel` (in `thread`, when given) through the outbox, so it
    /// is retried until Slack takes it and paced by Slack's rate limits.
    pub(crate) async fn say(
        &self,
        channel: &str,
        thread: Option<&str>,
        content: slack_morphism::prelude::SlackMessageContent,
    ) -> anyhow::Result<()> {
        let at = crate::services::notifier::Spot {
            channel: channel.to_string(),
            thread: thread.map(str::to_string),
            only_for: None,
        };
        self.bot
            .say(PLATFORM, at, serde_json::to_value(content)?)
            .await
    }
}

/// What a request is answered with at once (Slack waits 3 s for it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ack {
    /// An empty 200: the answer, if any, goes through the response URL or the Web API.
    Empty,
    /// A JSON body: a command's message, a modal's errors, options, a challenge.
    Json(Value),
}

/// A modal's private metadata: where its answer goes.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Metadata {
    /// The response URL of the message the modal was opened from.
    #[serde(rename = "r", default, skip_serializing_if = "String::is_empty")]
    pub response_url: String,
    /// For a request's reason modal: the request message (channel, ts), if shared.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub(crate) channel: Option<String>,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
}

/// Whether two action ids name the same action, at whatever revision.
fn same_form(a: &str, b: &str) -> bool {
    use crate::engine::action::ActionId;
    match (ActionId::decode(a), ActionId::decode(b)) {
        (Some(x), Some(y)) => x.verb == y.verb,
        _ => false,
    }
}

impl Slack {
    /// Uploads the document `reply` hands over to `channel` (`thread`) through the
    /// outbox. If it cannot even be queued, the reply says so instead.
    pub(crate) async fn hand_over(
        &self,
        who: &Identity,
        reply: &mut Reply,
        channel: &str,
        thread: Option<&str>,
    ) {
        let Some(doc) = &reply.document else {
            return;
        };
        let place = crate::services::notifier::Place::At(crate::services::notifier::Spot {
            channel: channel.to_string(),
            thread: thread.map(str::to_string),
            only_for: None,
        });
        if let Err(e) = self.bot.hand_over(PLATFORM, who, doc, place).await {
            let locale = self.locale_of(who);
            let f = Failure::internal(self.bot.prompts(), &locale, "queueing a document", &e);
            reply.notice = Some(crate::engine::view::Notice::error(f.text));
        }
    }

    fn locale(&self) -> &str {
        // For what concerns no one person (or before users.info said): see `locale_of`.
        &self.bot.config().default_locale
    }

    fn text(&self, key: &'static str) -> String {
        self.bot.prompts().get(self.locale(), key).to_string()
    }

    /// The bot's answer as a message for `user`, or a failure's note.
    fn content(&self, result: &Result<Reply, Failure>, user: &str) -> SlackMessageContent {
        match result {
            Ok(reply) => render::message(reply, user),
            Err(f) => render::note(&f.text),
        }
    }

    /// A slash command: the message to answer with.
    pub(crate) async fn command(&self, cmd: &SlackCommandEvent) -> SlackMessageContent {
        let who = identity(&cmd.team_id.0, &cmd.user_id.0)
            .named(self.people.name(&cmd.user_id.0).as_deref());
        let name = cmd.command.0.trim_start_matches('/');
        let text = cmd
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if name == "approvals" {
            return approvals::command(self, &who, text.as_deref()).await;
        }
        let event = Event::Command(Command::named(name, text));
        let result = self
            .bot
            .respond_in(
                &who,
                &self.locale_of(&who),
                event,
                Some(cmd.response_url.0.as_str()),
            )
            .await;
        self.learn_name(&who);
        self.content(&result, &cmd.user_id.0)
    }

    pub fn new(bot: Arc<Bot>, web: Web) -> Slack {
        Slack {
            bot,
            web: Arc::new(web),
            people: Arc::default(),
        }
    }

    /// The locale `who` is answered in: theirs once Slack told it, else DEFAULT_LOCALE.
    pub(super) fn locale_of(&self, who: &Identity) -> String {
        self.people
            .locale(&who.user)
            .unwrap_or_else(|| self.locale().to_string())
    }

    /// Asks Slack once (users.info) how it shows a person and in which locale: an account
    /// named by its raw id takes that name, and later answers use that locale. In the
    /// background, so the answer does not wait for it.
    pub(super) fn learn_name(&self, who: &Identity) {
        let unnamed = self.bot.just_enrolled(who);
        if !unnamed && self.people.asked(&who.user) {
            return;
        }
        let (bot, web, people, who) = (
            self.bot.clone(),
            self.web.clone(),
            self.people.clone(),
            who.clone(),
        );
        tokio::spawn(async move {
            match web.person(&who.user).await {
                Ok(person) => {
                    people.remember(&who.user, person.locale);
                    if let Some(name) = &person.name {
                        people.remember_name(&who.user, name);
                    }
                    if let (true, Some(name)) = (unnamed, person.name) {
                        bot.name(&who, &name).await;
                    }
                }
                Err(e) => tracing::info!(error = %e, "could not read a Slack user's profile"),
            }
        });
    }

    /// A click, a pick or a modal: what to answer at once; the rest follows through the
    /// response URL.
    pub(crate) async fn interaction(&self, event: SlackInteractionEvent) -> Ack {
        match event {
            SlackInteractionEvent::BlockActions(a) => {
                self.block_actions(a).await;
                Ack::Empty
            }
            SlackInteractionEvent::ViewSubmission(v) => self.view_submission(v).await,
            SlackInteractionEvent::BlockSuggestion(s) => self.options(&s).await,
            _ => Ack::Empty,
        }
    }

    async fn block_actions(&self, a: SlackInteractionBlockActionsEvent) {
        let Some(user) = a.user.as_ref().map(|u| u.id.0.clone()) else {
            return;
        };
        let who = identity(&a.team.id.0, &user).named(self.people.name(&user).as_deref());
        let Some(action) = a.actions.as_ref().and_then(|x| x.first()).cloned() else {
            return;
        };
        let id = action.action_id.0.clone();
        let response_url = a.response_url.as_ref().map(|u| u.0.to_string());
        if id.starts_with(approvals::PREFIX) {
            return approvals::click(self, &who, &a, &action).await;
        }
        if id.starts_with("link:") {
            return; // A link button: Slack opened the page; nothing to do.
        }
        if id == home::RESUME {
            return home::resume(self, &who, &user).await;
        }
        let Some(response_url) = response_url else {
            tracing::info!("a click with no response URL");
            return;
        };
        if let Some(owner) = action.block_id.as_ref().and_then(|b| render::owner(&b.0))
            && owner != user
        {
            let note = render::note(&self.text("slack.not_yours"));
            self.answer(&response_url, note, false).await;
            return;
        }
        if let Some(form) = id.strip_prefix(FORM_PREFIX) {
            return self
                .open_form(&who, &user, form, &a.trigger_id.0, &response_url)
                .await;
        }
        let event = if let Some((field, search)) = render::search(&id) {
            let Some(o) = &action.selected_option else {
                return;
            };
            Event::picked(search, field, o.value.clone())
        } else if let Some(o) = &action.selected_option {
            Event::Choose {
                action: id,
                values: vec![o.value.clone()],
            }
        } else if action.action_type.0 == "button" {
            Event::Click { action: id }
        } else {
            let note = render::note(&self.text("slack.unsupported"));
            self.answer(&response_url, note, false).await;
            return;
        };
        let mut result = self
            .bot
            .respond_in(&who, &self.locale_of(&who), event, Some(&response_url))
            .await;
        if let Ok(reply) = &mut result {
            // Without a conversation (the App Home), the app's direct messages with them.
            let channel = a
                .channel
                .as_ref()
                .map_or(user.as_str(), |c| c.id.0.as_str());
            self.hand_over(&who, reply, channel, None).await;
        }
        self.learn_name(&who);
        self.answer_to(
            Some(&who),
            &response_url,
            self.content(&result, &user),
            true,
        )
        .await;
    }

    /// Answers through a response URL, via the outbox: retried until Slack takes it.
    async fn answer(&self, response_url: &str, content: SlackMessageContent, replace: bool) {
        self.answer_to(None, response_url, content, replace).await;
    }

    /// `answer`, in order with everything else answered to `who`.
    async fn answer_to(
        &self,
        who: Option<&Identity>,
        response_url: &str,
        content: SlackMessageContent,
        replace: bool,
    ) {
        let sent = match serde_json::to_value(content) {
            Ok(content) => {
                self.bot
                    .answer_later(PLATFORM, response_url, content, replace, who)
                    .await
            }
            Err(e) => Err(e.into()),
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not answer through a response URL");
        }
    }

    /// A form button: the modal is built from the current view, so a button from an
    /// older message finds no form and gets the current step instead.
    async fn open_form(
        &self,
        who: &Identity,
        user: &str,
        form: &str,
        trigger_id: &str,
        response_url: &str,
    ) {
        let current = self
            .bot
            .respond(who, &self.locale_of(who), Event::Start)
            .await;
        let current = match current {
            Ok(r) => r,
            Err(f) => {
                return self
                    .answer(response_url, render::note(&f.text), false)
                    .await;
            }
        };
        let metadata = Metadata {
            response_url: response_url.to_string(),
            ..Metadata::default()
        };
        let modal = current
            .view
            .actions
            .iter()
            .find(|a| a.id == form)
            .and_then(|a| {
                let metadata = serde_json::to_string(&metadata).ok()?;
                render::modal(
                    a,
                    &self.text("slack.submit"),
                    &self.text("slack.cancel"),
                    &metadata,
                )
            });
        match modal {
            Some(view) => {
                if let Err(e) = self.web.open_modal(trigger_id, view).await {
                    tracing::warn!(error = %e, "could not open a modal");
                }
            }
            None => {
                let stale = Reply {
                    document: None,
                    notice: Some(crate::engine::view::Notice::warning(
                        self.text("common.stale"),
                    )),
                    view: current.view,
                };
                self.answer_to(Some(who), response_url, render::message(&stale, user), true)
                    .await;
            }
        }
    }

    /// A modal submitted. A refused answer keeps the modal open with the reason beside
    /// the field it names (else the first); anything else closes it and the message it
    /// came from moves on.
    async fn view_submission(&self, v: SlackInteractionViewSubmissionEvent) -> Ack {
        let SlackView::Modal(modal) = &v.view.view else {
            return Ack::Empty;
        };
        let Some(callback) = modal.callback_id.as_ref().map(|c| c.0.clone()) else {
            return Ack::Empty;
        };
        let user = v.user.id.0.clone();
        let who = identity(&v.team.id.0, &user).named(self.people.name(&user).as_deref());
        let metadata: Metadata = modal
            .private_metadata
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default();
        let mut fields = BTreeMap::new();
        if let Some(state) = &v.view.state_params.state {
            for (block, actions) in &state.values {
                for (action, value) in actions {
                    if block.0 == action.0 {
                        fields.insert(action.0.clone(), value.value.clone().unwrap_or_default());
                    }
                }
            }
        }
        if callback.starts_with(approvals::PREFIX) {
            return approvals::submit(self, &who, &callback, &fields, &metadata).await;
        }
        // A modal kept open by a refused answer outlives the revision it was opened at
        // (the draft was saved): it answers the same form of the current view, if the
        // user is still there. Anywhere else the old id is stale and refused as such.
        let action = self
            .current_form(&who, &callback)
            .await
            .unwrap_or_else(|| callback.clone());
        let event = Event::Submit { action, fields };
        let handle = (!metadata.response_url.is_empty()).then_some(metadata.response_url.as_str());
        let result = self
            .bot
            .respond_in(&who, &self.locale_of(&who), event, handle)
            .await;
        if let Ok(reply) = &result
            && let Some(n) = &reply.notice
            && matches!(n.kind, NoticeKind::Error | NoticeKind::Warning)
            && let Some(form) = reply
                .view
                .actions
                .iter()
                .find(|a| same_form(&a.id, &callback))
            && let ActionKind::Form { fields, .. } = &form.kind
            && let Some(first) = fields.first()
        {
            let text = n.text.to_lowercase();
            let field = fields
                .iter()
                .find(|f| text.contains(&f.label.to_lowercase()))
                .unwrap_or(first);
            return Ack::Json(json!({
                "response_action": "errors",
                "errors": { field.id.clone(): render::cut(&n.text, 150) },
            }));
        }
        if let Some(url) = handle {
            self.answer_to(Some(&who), url, self.content(&result, &user), true)
                .await;
        }
        Ack::Empty
    }

    /// The id of the current view's form of the same kind as `action`, if it shows one.
    async fn current_form(&self, who: &Identity, action: &str) -> Option<String> {
        let current = self
            .bot
            .respond(who, &self.locale_of(who), Event::Start)
            .await
            .ok()?;
        current
            .view
            .actions
            .iter()
            .find(|a| matches!(a.kind, ActionKind::Form { .. }) && same_form(&a.id, action))
            .map(|a| a.id.clone())
    }

    /// The options load URL: up to 100 suggestions for what was typed in a search box.
    pub(crate) async fn options(&self, s: &SlackInteractionBlockSuggestionEvent) -> Ack {
        let who = identity(&s.team.id.0, &s.user.id.0);
        let options: Vec<Value> = match render::search(&s.action_id.0) {
            Some((_, search)) => self
                .bot
                .search_suggestions(&who, search, &s.value, render::MAX_OPTIONS)
                .await
                .into_iter()
                .filter(|(value, _)| value.chars().count() <= render::MAX_OPTION_VALUE)
                .map(|(value, label)| {
                    json!({
                        "text": {"type": "plain_text", "text": render::cut(&label, render::MAX_OPTION_TEXT)},
                        "value": value,
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        Ack::Json(json!({ "options": options }))
    }
}
