//! Discord's outbound ports, for `main` to register: the notifier (approval requests and
//! private notes through the REST API, needs `DISCORD_TOKEN`) and the reply updater
//! (edits an interaction's original response through its webhook, needs
//! `DISCORD_APPLICATION_ID`; the interaction token is the credential).

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{ApplicationId, CreateInteractionResponse, Http, HttpBuilder};

use super::PLATFORM;
use super::approvals::DiscordNotifier;
use super::config::DiscordConfig;
use crate::engine::view::Reply;
use crate::services::notifier::NotifyError;
use crate::services::outbound::{Outbound, ReplyUpdater};

/// Edits the message an interaction answered, for up to 15 minutes after it.
pub(crate) struct DiscordReplies {
    http: Arc<Http>,
}

impl DiscordReplies {
    pub(crate) fn new(http: Arc<Http>) -> Self {
        DiscordReplies { http }
    }
}

#[async_trait]
impl ReplyUpdater for DiscordReplies {
    fn platform(&self) -> String {
        PLATFORM.into()
    }

    fn render(&self, reply: &Reply) -> Result<serde_json::Value, NotifyError> {
        let message = CreateInteractionResponse::UpdateMessage(super::render::message(reply));
        serde_json::to_value(&message)
            .map(|v| v["data"].clone())
            .map_err(|e| NotifyError::Platform(Box::new(e)))
    }

    /// An interaction's original response is always edited: Discord has no other use
    /// for its token here.
    async fn send(
        &self,
        handle: &str,
        content: &serde_json::Value,
        _replace: bool,
    ) -> Result<(), NotifyError> {
        self.http
            .edit_original_interaction_response(handle, content, Vec::new())
            .await
            .map_err(super::approvals::rest)?;
        Ok(())
    }

    /// A private follow-up to the interaction, with the file attached (multipart:
    /// `payload_json` and `files[0]`).
    async fn attach(
        &self,
        handle: &str,
        file: &crate::services::documents::Written,
        caption: &str,
    ) -> Result<(), NotifyError> {
        let body = serde_json::json!({
            "content": super::render::cut(caption, super::render::MAX_CONTENT),
            "flags": EPHEMERAL,
            "attachments": [{"id": 0, "filename": file.file_name}],
        });
        let attachment =
            serenity::all::CreateAttachment::bytes(file.bytes.clone(), file.file_name.clone());
        self.http
            .create_followup_message(handle, &body, vec![attachment])
            .await
            .map_err(super::approvals::rest)?;
        Ok(())
    }
}

/// Discord's message flag for a message only its addressee sees.
const EPHEMERAL: u64 = 1 << 6;

/// A REST client for follow-ups and edits of interaction responses: the webhook routes
/// need the application id only, so the token may be absent (HTTP mode).
pub(crate) fn webhook_http(config: &DiscordConfig) -> Option<Http> {
    let id = config.application_id?;
    let mut http = HttpBuilder::new(config.token.clone().unwrap_or_default())
        .application_id(ApplicationId::new(id));
    if let Some(base) = &config.api_base {
        http = http.proxy(base.clone()).ratelimiter_disabled(true);
    }
    Some(http.build())
}

/// `outbound` with Discord's ports added, as far as `config` allows.
pub fn register(outbound: Outbound, config: &DiscordConfig) -> anyhow::Result<Outbound> {
    let mut outbound = outbound;
    if config.token.is_some() {
        let http = Arc::new(super::gateway::http(config)?);
        outbound = outbound.with_notifier(Arc::new(DiscordNotifier::new(http)));
    }
    if let Some(http) = webhook_http(config) {
        outbound = outbound.with_updater(Arc::new(DiscordReplies::new(Arc::new(http))));
    }
    Ok(outbound)
}
