//! Slack's Web API and response URLs, through slack-morphism's client: post, update and
//! ephemeral messages, direct messages, modals, the App Home, and user names. The base
//! URL is `SLACK_API_BASE`, so tests talk to a stand-in on 127.0.0.1.

use std::sync::Arc;

use slack_morphism::prelude::*;

use crate::services::notifier::NotifyError;

type Client = SlackClient<SlackClientHyperHttpsConnector>;

/// The Web API with the bot token, and response URLs (which need no token).
pub struct Web {
    client: Arc<Client>,
    token: Option<SlackApiToken>,
}

fn failed(e: impl std::error::Error + Send + Sync + 'static) -> NotifyError {
    NotifyError::Platform(Box::new(e))
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

    /// Posts in a channel (or a DM channel); where the message is, to update it later.
    pub(crate) async fn post(
        &self,
        channel: &str,
        content: SlackMessageContent,
        thread: Option<&str>,
    ) -> Result<(String, String), NotifyError> {
        let session = self.client.open_session(self.token()?);
        let req = SlackApiChatPostMessageRequest::new(SlackChannelId(channel.to_string()), content)
            .opt_thread_ts(thread.map(|t| SlackTs(t.to_string())));
        let res = session.chat_post_message(&req).await.map_err(failed)?;
        Ok((res.channel.0, res.ts.0))
    }

    pub(crate) async fn update(
        &self,
        channel: &str,
        ts: &str,
        content: SlackMessageContent,
    ) -> Result<(), NotifyError> {
        let session = self.client.open_session(self.token()?);
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
        let session = self.client.open_session(self.token()?);
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
