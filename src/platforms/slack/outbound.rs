//! Slack's outbound ports, for `main` to register: the notifier (approval requests and
//! private notes through the Web API, needs `SLACK_BOT_TOKEN`) and the reply updater
//! (replaces the message an interaction came from through its response URL, which is
//! the credential and needs no token).

use std::sync::Arc;

use async_trait::async_trait;

use super::PLATFORM;
use super::approvals::SlackNotifier;
use super::config::SlackConfig;
use super::web::Web;
use crate::engine::view::Reply;
use crate::services::notifier::NotifyError;
use crate::services::outbound::{Outbound, ReplyUpdater};

/// Replaces a message through its response URL (five uses within 30 minutes).
pub(crate) struct SlackReplies {
    web: Arc<Web>,
}

#[async_trait]
impl ReplyUpdater for SlackReplies {
    fn platform(&self) -> String {
        PLATFORM.into()
    }

    fn render(&self, reply: &Reply) -> Result<serde_json::Value, NotifyError> {
        // The owner's id is not kept with the handle; a response URL only ever reaches
        // the user it was made for, so the blocks need not name them.
        serde_json::to_value(super::render::message(reply, ""))
            .map_err(|e| NotifyError::Platform(Box::new(e)))
    }

    async fn send(
        &self,
        handle: &str,
        content: &serde_json::Value,
        replace: bool,
    ) -> Result<(), NotifyError> {
        let content: slack_morphism::prelude::SlackMessageContent =
            serde_json::from_value(content.clone())
                .map_err(|e| NotifyError::Refused(format!("unreadable message: {e}")))?;
        self.web.respond(handle, content, replace).await
    }
}

/// `outbound` with Slack's ports added, as far as `config` allows.
pub fn register(outbound: Outbound, config: &SlackConfig) -> anyhow::Result<Outbound> {
    if config.signing_secret.is_none() && config.bot_token.is_none() {
        return Ok(outbound);
    }
    let web = Arc::new(Web::new(&config.api_base, config.bot_token.as_deref())?);
    let mut outbound = outbound.with_updater(Arc::new(SlackReplies { web: web.clone() }));
    if config.bot_token.is_some() {
        outbound = outbound.with_notifier(Arc::new(SlackNotifier::new(web)));
    }
    Ok(outbound)
}
