//! Socket Mode: `checkout-bot slack` connects out to Slack with the app-level token
//! (`SLACK_APP_TOKEN`, `xapp-…`) and needs no public URL. Slack sends the same commands,
//! interactions and events over the socket, in envelopes that are acknowledged with the
//! answer; the handlers are the HTTP endpoints' own (`Slack`). slack-morphism keeps the
//! connection: `apps.connections.open`, the WebSocket, reconnection and the envelopes.

use std::sync::Arc;

use slack_morphism::prelude::*;

use super::{Ack, Slack};

/// What the callbacks share: the handlers.
type Shared = Arc<Slack>;

async fn shared(states: &SlackClientEventsUserState) -> Option<Shared> {
    let guard = states.read().await;
    guard.get_user_state::<Shared>().cloned()
}

fn missing() -> Box<dyn std::error::Error + Send + Sync> {
    "the Slack handlers are not set up".into()
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let state = shared(&states).await.ok_or_else(missing)?;
    let slack = state.clone();
    let response_url = event.response_url.0.to_string();
    let mut work = tokio::spawn(async move { slack.command(&event).await });
    let content = match tokio::time::timeout(super::http::DEADLINE, &mut work).await {
        Ok(Ok(content)) => content,
        Ok(Err(e)) => return Err(Box::new(e)),
        Err(_) => {
            // Too slow for the envelope's 3 s: acknowledge, then answer through the URL.
            let slack = state.clone();
            tokio::spawn(async move {
                if let Ok(content) = work.await {
                    slack.answer(&response_url, content, false).await;
                }
            });
            SlackMessageContent::new()
        }
    };
    Ok(SlackCommandEventResponse::new(content)
        .with_response_type(SlackMessageResponseType::Ephemeral))
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let state = shared(&states).await.ok_or_else(missing)?;
    let slack = state.clone();
    if let SlackInteractionEvent::BlockActions(_) = &event {
        tokio::spawn(async move { slack.interaction(event).await });
        return Ok(SlackInteractionResponse::Empty);
    }
    let suggestion = matches!(event, SlackInteractionEvent::BlockSuggestion(_));
    let ack = match tokio::time::timeout(super::http::DEADLINE, slack.interaction(event)).await {
        Ok(ack) => ack,
        Err(_) => Ack::Empty,
    };
    Ok(match ack {
        Ack::Empty => SlackInteractionResponse::Empty,
        Ack::Json(v) if suggestion => {
            SlackInteractionResponse::BlockSuggestion(serde_json::from_value(v)?)
        }
        Ack::Json(v) => SlackInteractionResponse::ViewSubmission(serde_json::from_value(v)?),
    })
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let state = shared(&states).await.ok_or_else(missing)?;
    let mut body = serde_json::to_value(&event)?;
    body["type"] = "event_callback".into();
    super::events::receive(&state, body, None).await;
    Ok(())
}

/// A listener on Slack's socket, not yet connected.
pub struct Socket {
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
    token: SlackApiToken,
}

impl Socket {
    pub fn new(slack: Arc<Slack>, app_token: &str) -> Socket {
        let client = slack.web.client();
        let state: Shared = slack;
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_command_events(on_command)
            .with_interaction_events(on_interaction)
            .with_push_events(on_push);
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(client)
                .with_error_handler(|e, _, _| {
                    tracing::warn!(error = %e, "Slack socket mode error");
                    axum::http::StatusCode::OK
                })
                .with_user_state(state),
        );
        let listener = SlackClientSocketModeListener::new(
            &SlackClientSocketModeConfig::new(),
            environment,
            callbacks,
        );
        Socket {
            listener,
            token: SlackApiToken::new(SlackApiTokenValue(app_token.to_string())),
        }
    }

    /// Connects, and keeps serving in the background.
    pub async fn start(&self) -> anyhow::Result<()> {
        self.listener.listen_for(&self.token).await?;
        self.listener.start().await;
        Ok(())
    }

    /// Connects and serves until SIGTERM or Ctrl-C.
    pub(crate) async fn serve(&self) -> anyhow::Result<()> {
        self.listener.listen_for(&self.token).await?;
        self.listener.serve().await;
        Ok(())
    }

    pub async fn stop(&self) {
        self.listener.shutdown().await;
    }
}
