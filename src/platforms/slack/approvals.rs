//! Approvals in Slack: request messages with Approve, Reject and Details, the reason
//! modal, `/approvals` (pending for me, delegation), and the `Notifier` that posts and
//! updates requests through the Web API.
//!
//! What the buttons carry and what a click decides is the approvals service's
//! (`services::approvals::click`), as on every platform: this reads Slack's payloads into
//! it and renders its answers. A request's blocks are built by the renderer.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;
use slack_morphism::prelude::*;

use super::render::{self, cut};
use super::web::Web;
use super::{Ack, Metadata, PLATFORM, Slack, identity};
use crate::domain::account::Identity;
use crate::domain::approval::MAX_REASON;
use crate::failure::Failure;
use crate::services::approvals::{
    ApprovalsAnswer, ApprovalsRequest, Clicked, Decided, FIELD, Form,
};
use crate::services::notifier::{Notifier, NotifyError, Posted, Recipient, RequestView, Spot};

pub(crate) use crate::services::approvals::PREFIX;
/// Requests listed by `/approvals`: about five blocks each, within a message's 50.
const LISTED: usize = 8;

fn request_content(request: &RequestView) -> SlackMessageContent {
    let text = match &request.outcome {
        Some(o) => format!("{} · {o}", request.title),
        None => request.title.clone(),
    };
    SlackMessageContent::new()
        .with_text(cut(&text, 3000))
        .with_blocks(render::request_blocks(request))
}

/// Where the clicked request is, when it is a shared message that can be edited.
fn posted(a: &SlackInteractionBlockActionsEvent) -> Option<Posted> {
    match &a.container {
        SlackInteractionActionContainer::Message(m) if m.is_ephemeral != Some(true) => {
            Some(Posted {
                platform: PLATFORM.into(),
                channel_id: m.channel_id.as_ref()?.0.clone(),
                message_id: m.message_ts.0.clone(),
            })
        }
        _ => None,
    }
}

impl Slack {
    async fn tell_privately(&self, response_url: Option<&str>, text: &str) {
        if let Some(url) = response_url {
            self.answer(url, render::note(text), false).await;
        }
    }

    fn failed(&self, e: &crate::store::StoreError) -> String {
        Failure::internal(self.bot.prompts(), self.locale(), "a Slack approval", e).text
    }

    /// How a decision is answered: a shared request is rewritten for everyone; anything
    /// else is a private note, and a stale request is repainted as it now reads.
    async fn decided(
        &self,
        decided: Decided,
        at: Option<Posted>,
        response_url: Option<&str>,
        home: Option<(&str, &str)>,
    ) {
        let l = self.bot.prompts().lang(self.locale());
        match decided {
            Decided::Done(view) => match &at {
                Some(at) => {
                    if let Err(e) = self
                        .web
                        .update(&at.channel_id, &at.message_id, request_content(&view))
                        .await
                    {
                        tracing::warn!(error = %e, "could not update a decided request");
                    }
                }
                None => {
                    let text = l.f(
                        "approval.recorded",
                        &[("outcome", &view.outcome.clone().unwrap_or_default())],
                    );
                    self.tell_privately(response_url, &text).await;
                }
            },
            Decided::TooLate {
                note,
                request,
                shown,
            } => {
                if let Some(at) = &at {
                    let approvals = self.bot.approvals().clone();
                    let at = at.clone();
                    tokio::spawn(async move { approvals.repaint(&at, &request, &shown).await });
                }
                self.tell_privately(response_url, &note.text(&l)).await;
            }
            Decided::Refused(why) => self.tell_privately(response_url, &why.text(&l)).await,
            Decided::Noted(text) => self.tell_privately(response_url, &text).await,
        }
        if let Some((team, user)) = home {
            super::home::publish(self, team, user).await;
        }
    }
}

/// A click on a request's button.
pub(crate) async fn click(
    slack: &Slack,
    who: &Identity,
    a: &SlackInteractionBlockActionsEvent,
    action: &SlackInteractionActionInfo,
) {
    let response_url = a.response_url.as_ref().map(|u| u.0.to_string());
    let response_url = response_url.as_deref();
    let at = posted(a);
    let home = matches!(a.container, SlackInteractionActionContainer::View(_))
        .then_some((who.workspace.as_str(), who.user.as_str()));
    let clicked = slack
        .bot
        .approvals()
        .click(who, &slack.locale_of(who), &action.action_id.0, at.clone())
        .await;
    match clicked {
        Ok(Clicked::Decided(d)) => slack.decided(*d, at, response_url, home).await,
        Ok(Clicked::Form(form)) => {
            let metadata = Metadata {
                response_url: response_url.unwrap_or_default().to_string(),
                channel: at.as_ref().map(|p| p.channel_id.clone()),
                ts: at.as_ref().map(|p| p.message_id.clone()),
            };
            if let Err(e) = slack
                .web
                .open_modal(&a.trigger_id.0, form_modal(slack, &form, &metadata))
                .await
            {
                tracing::warn!(error = %e, "could not open an approval form");
            }
        }
        Ok(Clicked::Details { title, lines }) => {
            let text = format!("{title}\n{}", lines.join("\n"));
            slack.tell_privately(response_url, &text).await;
        }
        Ok(Clicked::Refused(Some(why))) => {
            let l = slack.bot.prompts().lang(slack.locale());
            slack.tell_privately(response_url, &why.text(&l)).await;
        }
        Ok(Clicked::Refused(None)) => {
            slack
                .tell_privately(response_url, &slack.text("slack.unsupported"))
                .await
        }
        Err(e) => slack.tell_privately(response_url, &slack.failed(&e)).await,
    }
}

/// A form of one text field, as a modal; `metadata` comes back with the submission.
fn form_modal(slack: &Slack, form: &Form, metadata: &Metadata) -> SlackView {
    let l = slack.bot.prompts().lang(slack.locale());
    let input = SlackBlockPlainTextInputElement::new()
        .with_action_id(SlackActionId(FIELD.into()))
        .with_multiline(true)
        .with_max_length(MAX_REASON as u64);
    let block = SlackInputBlock::new(
        SlackBlockPlainTextOnly::from(cut(&form.label, 2000)),
        SlackInputBlockElement::PlainTextInput(input),
    )
    .with_block_id(SlackBlockId(FIELD.into()));
    SlackView::Modal(
        SlackModalView::new(
            SlackBlockPlainTextOnly::from(cut(&form.title, render::MAX_MODAL_TITLE)),
            vec![block.into()],
        )
        .with_submit(SlackBlockPlainTextOnly::from(cut(
            &form.submit,
            render::MAX_MODAL_TITLE,
        )))
        .with_close(SlackBlockPlainTextOnly::from(cut(
            &l.t("slack.cancel"),
            render::MAX_MODAL_TITLE,
        )))
        .with_callback_id(SlackCallbackId(form.id.clone()))
        .with_private_metadata(serde_json::to_string(metadata).unwrap_or_default()),
    )
}

/// A form submitted: the reason of a rejection, a question, an answer. A refused text
/// keeps the modal open with the reason beside the field.
pub(crate) async fn submit(
    slack: &Slack,
    who: &Identity,
    callback: &str,
    fields: &BTreeMap<String, String>,
    metadata: &Metadata,
) -> Ack {
    let reason = fields.get(FIELD).cloned().unwrap_or_default();
    let at = match (&metadata.channel, &metadata.ts) {
        (Some(c), Some(t)) => Some(Posted {
            platform: PLATFORM.into(),
            channel_id: c.clone(),
            message_id: t.clone(),
        }),
        _ => None,
    };
    let response_url =
        (!metadata.response_url.is_empty()).then_some(metadata.response_url.as_str());
    match slack
        .bot
        .approvals()
        .reason(who, callback, reason, at.clone())
        .await
    {
        Ok(None) => Ack::Empty,
        Ok(Some(Decided::Refused(why))) => {
            let l = slack.bot.prompts().lang(slack.locale());
            Ack::Json(json!({
                "response_action": "errors",
                "errors": { FIELD: cut(&why.text(&l), 150) },
            }))
        }
        Ok(Some(d)) => {
            slack.decided(d, at, response_url, None).await;
            Ack::Empty
        }
        Err(e) => {
            slack.tell_privately(response_url, &slack.failed(&e)).await;
            Ack::Empty
        }
    }
}

/// `/approvals [delegate @someone YYYY-MM-DD | end]`.
pub(crate) async fn command(
    slack: &Slack,
    who: &Identity,
    text: Option<&str>,
) -> SlackMessageContent {
    let request = match parse_command(&who.workspace, text.unwrap_or_default()) {
        Some(r) => r,
        None => return render::note(&slack.text("slack.approvals_usage")),
    };
    let answer = slack
        .bot
        .approvals()
        .command(who, &slack.locale_of(who), request, LISTED)
        .await;
    match answer {
        Ok(ApprovalsAnswer::Note { text, .. }) => render::note(&text),
        Ok(ApprovalsAnswer::Pending { title, requests }) => {
            let mut blocks: Vec<SlackBlock> = vec![
                SlackSectionBlock::new()
                    .with_text(render::plain(&cut(&title, 3000)))
                    .into(),
            ];
            for r in &requests {
                blocks.push(SlackDividerBlock::new().into());
                blocks.extend(render::request_blocks(r));
            }
            blocks.truncate(render::MAX_BLOCKS);
            SlackMessageContent::new()
                .with_text(cut(&title, 3000))
                .with_blocks(blocks)
        }
        Err(e) => render::note(&slack.failed(&e)),
    }
}

/// What `/approvals` was asked: nothing (the list), `end`, or `delegate` with a person
/// (Slack writes a mention as `<@U123|name>` in command text) and a day.
fn parse_command(team: &str, text: &str) -> Option<ApprovalsRequest> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [] => Some(ApprovalsRequest::List),
        [end] if end.eq_ignore_ascii_case("end") => Some(ApprovalsRequest::End),
        [verb, rest @ ..] if verb.eq_ignore_ascii_case("delegate") => {
            let mention = rest.iter().find(|w| w.starts_with("<@"))?;
            let inner = mention.trim_start_matches("<@").trim_end_matches('>');
            let (user, name) = match inner.split_once('|') {
                Some((u, n)) => (u, n.to_string()),
                None => (inner, format!("<@{inner}>")),
            };
            if user.is_empty() || !user.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return None;
            }
            let until = rest
                .iter()
                .find(|w| w.len() == 10 && w.as_bytes().get(4) == Some(&b'-'))
                .map(|d| d.to_string());
            Some(ApprovalsRequest::Delegate {
                to: identity(team, user),
                to_name: name,
                until,
            })
        }
        _ => None,
    }
}

/// Posts and updates requests, and sends private notes, through the Web API.
pub(crate) struct SlackNotifier {
    web: Arc<Web>,
}

impl SlackNotifier {
    pub(crate) fn new(web: Arc<Web>) -> Self {
        SlackNotifier { web }
    }
}

#[async_trait]
impl Notifier for SlackNotifier {
    fn platform(&self) -> String {
        PLATFORM.into()
    }

    async fn post(
        &self,
        to: &Recipient,
        request: &RequestView,
        _key: &str,
    ) -> Result<Posted, NotifyError> {
        // Slack cannot tell a repeated post; the outbox records the `ts` it answers and
        // never posts that entry again.
        // A user id as the channel posts in the app's direct messages with that person.
        let channel = match to {
            Recipient::Channel(c) => c.clone(),
            Recipient::Person(who) => who.user.clone(),
        };
        let (channel_id, message_id) = self
            .web
            .post(&channel, request_content(request), None)
            .await?;
        Ok(Posted {
            platform: PLATFORM.into(),
            channel_id,
            message_id,
        })
    }

    async fn update(&self, at: &Posted, request: &RequestView) -> Result<(), NotifyError> {
        self.web
            .update(&at.channel_id, &at.message_id, request_content(request))
            .await
    }

    async fn say(
        &self,
        at: &Spot,
        content: &serde_json::Value,
        _key: &str,
    ) -> Result<(), NotifyError> {
        let content: SlackMessageContent = serde_json::from_value(content.clone())
            .map_err(|e| NotifyError::Refused(format!("unreadable message: {e}")))?;
        match &at.only_for {
            Some(user) => self.web.ephemeral(&at.channel, user, content).await,
            None => self
                .web
                .post(&at.channel, content, at.thread.as_deref())
                .await
                .map(|_| ()),
        }
    }

    async fn tell(&self, who: &Identity, text: &str, _key: &str) -> Result<(), NotifyError> {
        self.web.post(&who.user, render::note(text), None).await?;
        Ok(())
    }

    async fn tell_with(
        &self,
        who: &Identity,
        text: &str,
        action: &str,
        label: &str,
        _key: &str,
    ) -> Result<(), NotifyError> {
        self.web
            .post(&who.user, render::note_with(text, action, label), None)
            .await?;
        Ok(())
    }

    /// Uploaded to the conversation (or the thread) the person asked in.
    async fn attach(
        &self,
        at: &Spot,
        file: &crate::services::documents::Written,
        caption: &str,
        _key: &str,
    ) -> Result<(), NotifyError> {
        self.web
            .upload(&at.channel, at.thread.as_deref(), file, caption)
            .await
    }

    /// A message cannot carry a file: the quote goes into the request's thread.
    fn quote_apart(&self) -> bool {
        true
    }

    /// Uploaded into the request's thread.
    async fn attach_under(
        &self,
        at: &Posted,
        file: &crate::services::documents::Written,
        caption: &str,
        _key: &str,
    ) -> Result<(), NotifyError> {
        self.web
            .upload(&at.channel_id, Some(&at.message_id), file, caption)
            .await
    }

    /// A reply in the thread of the message.
    async fn note_under(&self, at: &Posted, text: &str, _key: &str) -> Result<(), NotifyError> {
        self.web
            .post(&at.channel_id, render::note(text), Some(&at.message_id))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::approvals::ApprovalAction;

    #[test]
    fn approvals_text_is_read() {
        assert_eq!(parse_command("T1", ""), Some(ApprovalsRequest::List));
        assert_eq!(parse_command("T1", "END"), Some(ApprovalsRequest::End));
        assert_eq!(
            parse_command("T1", "delegate <@U777|dee> 2026-12-31"),
            Some(ApprovalsRequest::Delegate {
                to: identity("T1", "U777"),
                to_name: "dee".into(),
                until: Some("2026-12-31".into()),
            })
        );
        assert!(matches!(
            parse_command("T1", "delegate <@U777>"),
            Some(ApprovalsRequest::Delegate { until: None, .. })
        ));
        assert_eq!(parse_command("T1", "delegate bob"), None);
        assert_eq!(parse_command("T1", "delegate <@U7<x>> 2026-01-01"), None);
        assert_eq!(parse_command("T1", "what"), None);
    }

    #[test]
    fn every_control_id_fits_slack() {
        let longest = "a".repeat(40);
        for action in ApprovalAction::ALL {
            assert!(action.id(&longest).len() <= render::MAX_ID);
        }
    }
}
