//! Slack's Web API and response URLs, through slack-morphism's client: post, update and
//! ephemeral messages, direct messages, modals, the App Home, and user names. The base
//! URL is `SLACK_API_BASE`, so tests talk to a stand-in on 127.0.0.1.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::services::notifier::NotifyError;

type Client = SlackClient<SlackClientHyperHttpsConnector>;

/// The Web API with the bot token, and response URLs (which need no token).
pub struct Web {
    client: Arc<Client>,
    token: Option<SlackApiToken>,
    limits: Arc<Limits>,
}

/// Slack's rate limits, kept on our side so that a burst of approvals waits here
/// instead of drawing 429s: `chat.postMessage` about one a second per channel (with
/// short bursts), and the Tier 3 methods (`chat.update`, `views.publish`) about 50 a
/// minute each.
struct Limits {
    per_channel: DefaultKeyedRateLimiter<String>,
    tier3: DefaultKeyedRateLimiter<&'static str>,
}

impl Limits {
    fn new() -> Limits {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Limits {
            per_channel: governor::RateLimiter::keyed(Quota::per_second(n(1)).allow_burst(n(3))),
            tier3: governor::RateLimiter::keyed(Quota::per_minute(n(50)).allow_burst(n(20))),
        }
    }
}

/// Slack's errors that may pass if the same call is made again later: its own
/// trouble, and a token an operator can fix.
const PASSING: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
    "not_authed",
    "invalid_auth",
    "token_expired",
];

/// Sorts a Web API failure by what to do next: wait as long as a 429 says, retry what
/// may pass, and stop on a refusal that stays (`channel_not_found`, `is_archived`,
/// `user_not_found`, an expired response URL, …).
fn failed(e: SlackClientError) -> NotifyError {
    match e {
        SlackClientError::RateLimitError(r) => NotifyError::RateLimited(r.retry_after),
        SlackClientError::ApiError(a) if !PASSING.contains(&a.code.as_str()) => {
            NotifyError::Refused(a.code)
        }
        SlackClientError::HttpError(h)
            if h.status_code.is_client_error() && h.status_code.as_u16() != 408 =>
        {
            NotifyError::Refused(format!("HTTP {}", h.status_code))
        }
        other => NotifyError::Platform(Box::new(other)),
    }
}

/// What `users.info` says about a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Person {
    pub name: Option<String>,
    /// Such as `de-DE`.
    pub locale: Option<String>,
}

impl Web {
    /// A client for `api_base`; plain `http://` is allowed for a local stand-in.
    pub fn new(api_base: &str, bot_token: Option<&str>) -> anyhow::Result<Web> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_or_http()
            .enable_http1()
            .build();
        let connector =
            SlackClientHyperConnector::with_connector(https).with_slack_api_url(api_base);
        Ok(Web {
            client: Arc::new(SlackClient::new(connector)),
            token: bot_token.map(|t| SlackApiToken::new(SlackApiTokenValue(t.to_string()))),
            limits: Arc::new(Limits::new()),
        })
    }

    /// The client itself, for Socket Mode's listener.
    pub(crate) fn client(&self) -> Arc<Client> {
        self.client.clone()
    }

    fn token(&self) -> Result<&SlackApiToken, NotifyError> {
        self.token
            .as_ref()
            .ok_or_else(|| NotifyError::Platform("SLACK_BOT_TOKEN is not set".into()))
    }

    /// Answers through an interaction's response URL: a new ephemeral message, or, with
    /// `replace`, the message the interaction came from.
    pub(crate) async fn respond(
        &self,
        response_url: &str,
        content: SlackMessageContent,
        replace: bool,
    ) -> Result<(), NotifyError> {
        let url = url::Url::parse(response_url)
            .map_err(|_| NotifyError::BadAddress(response_url.to_string()))?;
        // Without a response type, Slack keeps a response URL's message ephemeral.
        let req = SlackApiPostWebhookMessageRequest::new(content).with_replace_original(replace);
        self.client
            .respond_to_event(&SlackResponseUrl(url), &req)
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// A session for a call that posts to `channel`, once that channel's rate allows.
    async fn channel_session(
        &self,
        channel: &str,
    ) -> Result<SlackClientSession<'_, SlackClientHyperHttpsConnector>, NotifyError> {
        let token = self.token()?;
        self.limits
            .per_channel
            .until_key_ready(&channel.to_string())
            .await;
        Ok(self.client.open_session(token))
    }

    /// Posts in a channel (or a DM channel); where the message is, to update it later.
    pub(crate) async fn post(
        &self,
        channel: &str,
        content: SlackMessageContent,
        thread: Option<&str>,
    ) -> Result<(String, String), NotifyError> {
        let session = self.channel_session(channel).await?;
        let req = SlackApiChatPostMessageRequest::new(SlackChannelId(channel.to_string()), content)
            .opt_thread_ts(thread.map(|t| SlackTs(t.to_string())));
        let res = session.chat_post_message(&req).await.map_err(failed)?;
        Ok((res.channel.0, res.ts.0))
    }

    /// Uploads a file to `channel` (in `thread`, when given) with `comment`, by Slack's
    /// two-step external upload: `files.getUploadURLExternal`, the bytes to the URL it
    /// gives, then `files.completeUploadExternal` to share it.
    pub(crate) async fn upload(
        &self,
        channel: &str,
        thread: Option<&str>,
        file: &crate::services::documents::Written,
        comment: &str,
    ) -> Result<(), NotifyError> {
        let session = self.channel_session(channel).await?;
        let slot = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                file.file_name.clone(),
                file.bytes.len(),
            ))
            .await
            .map_err(failed)?;
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                slot.upload_url,
                file.bytes.clone(),
                "application/pdf".into(),
            ))
            .await
            .map_err(failed)?;
        let req = SlackApiFilesCompleteUploadExternalRequest::new(vec![
            SlackApiFilesComplete::new(slot.file_id).with_title(file.file_name.clone()),
        ])
        .with_channel_id(SlackChannelId(channel.to_string()))
        .with_initial_comment(comment.to_string())
        .opt_thread_ts(thread.map(|t| SlackTs(t.to_string())));
        session
            .files_complete_upload_external(&req)
            .await
            .map_err(failed)?;
        Ok(())
    }

    pub(crate) async fn update(
        &self,
        channel: &str,
        ts: &str,
        content: SlackMessageContent,
    ) -> Result<(), NotifyError> {
        let token = self.token()?;
        self.limits.tier3.until_key_ready(&"chat.update").await;
        let session = self.client.open_session(token);
        let req = SlackApiChatUpdateRequest::new(
            SlackChannelId(channel.to_string()),
            content,
            SlackTs(ts.to_string()),
        );
        session.chat_update(&req).await.map_err(failed)?;
        Ok(())
    }

    /// A message only `user` sees, in `channel`.
    pub(crate) async fn ephemeral(
        &self,
        channel: &str,
        user: &str,
        content: SlackMessageContent,
    ) -> Result<(), NotifyError> {
        let session = self.client.open_session(self.token()?);
        let req = SlackApiChatPostEphemeralRequest::new(
            SlackChannelId(channel.to_string()),
            SlackUserId(user.to_string()),
            content,
        );
        session.chat_post_ephemeral(&req).await.map_err(failed)?;
        Ok(())
    }

    pub(crate) async fn open_modal(
        &self,
        trigger_id: &str,
        view: SlackView,
    ) -> Result<(), NotifyError> {
        let session = self.client.open_session(self.token()?);
        let req = SlackApiViewsOpenRequest::new(SlackTriggerId(trigger_id.to_string()), view);
        session.views_open(&req).await.map_err(failed)?;
        Ok(())
    }

    pub(crate) async fn publish_home(
        &self,
        user: &str,
        view: SlackView,
    ) -> Result<(), NotifyError> {
        let token = self.token()?;
        self.limits.tier3.until_key_ready(&"views.publish").await;
        let session = self.client.open_session(token);
        let req = SlackApiViewsPublishRequest::new(SlackUserId(user.to_string()), view);
        session.views_publish(&req).await.map_err(failed)?;
        Ok(())
    }

    /// How Slack shows `user`: display name, else real name, else the handle.
    pub(crate) async fn person(&self, user: &str) -> Result<Person, NotifyError> {
        let session = self.client.open_session(self.token()?);
        let req =
            SlackApiUsersInfoRequest::new(SlackUserId(user.to_string())).with_include_locale(true);
        let res = session.users_info(&req).await.map_err(failed)?;
        let u = res.user;
        let profile = u.profile.as_ref();
        let name = [
            profile.and_then(|p| p.display_name.clone()),
            profile.and_then(|p| p.real_name.clone()),
            u.name.clone(),
        ]
        .into_iter()
        .flatten()
        .find(|n| !n.trim().is_empty());
        Ok(Person {
            name,
            locale: u.locale.map(|l| l.0),
        })
    }
}
