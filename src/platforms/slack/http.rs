//! Slack's HTTP endpoints, as an axum `Router` the server merges: slash commands,
//! interactivity, the options load URL and the Events API.
//!
//! Every request is checked against the signing secret over its raw body before it is
//! read (`verify.rs`); anything that fails gets 401 and is not processed. Slack waits
//! 3 s for an answer: clicks are acknowledged at once and answered through their
//! response URL, and a command or modal that takes longer is acknowledged empty and
//! answered the same way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use slack_morphism::prelude::*;

use super::verify::Verifier;
use super::{Ack, PLATFORM, Slack};
use crate::bot::Bot;
use crate::metrics::Metrics;

/// Past this, a command or modal is acknowledged empty and answered later.
pub(crate) const DEADLINE: Duration = Duration::from_millis(2_500);

/// The endpoints' state.
pub struct Endpoints {
    pub slack: Arc<Slack>,
    pub verifier: Verifier,
    pub metrics: Arc<Metrics>,
    /// Unix seconds now; the clock is injected so tests can sign at any time.
    pub clock: fn() -> i64,
}

fn now() -> i64 {
    crate::store::now_ms() / 1000
}

impl Endpoints {
    pub fn new(slack: Arc<Slack>, verifier: Verifier, metrics: Arc<Metrics>) -> Self {
        Endpoints {
            slack,
            verifier,
            metrics,
            clock: now,
        }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/slack/commands", post(commands))
            .route("/slack/interactions", post(interactions))
            .route("/slack/options", post(interactions))
            .route("/slack/events", post(events))
            .with_state(Arc::new(self))
    }
}

/// The endpoints when `SLACK_SIGNING_SECRET` is set; none (and a warning) without it.
pub(crate) fn routes(
    bot: Arc<Bot>,
    config: &super::config::SlackConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Option<Router>> {
    let Some(secret) = &config.signing_secret else {
        tracing::warn!("SLACK_SIGNING_SECRET is not set: no Slack endpoints");
        return Ok(None);
    };
    let web = super::web::Web::new(&config.api_base, config.bot_token.as_deref())?;
    let slack = Arc::new(Slack::new(bot, web));
    Ok(Some(
        Endpoints::new(slack, Verifier::new(secret), metrics).router(),
    ))
}

fn unauthorized(why: super::verify::Refused) -> Response {
    tracing::info!(%why, "refused a Slack request");
    (StatusCode::UNAUTHORIZED, "invalid request signature").into_response()
}

impl Endpoints {
    fn check(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), super::verify::Refused> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        self.verifier.check(
            header("x-slack-request-timestamp"),
            header("x-slack-signature"),
            body,
            (self.clock)(),
        )
    }

    fn observe(&self, kind: &str, outcome: &str, started: Instant) {
        self.metrics
            .observe(PLATFORM, kind, outcome, started.elapsed().as_secs_f64());
    }
}

fn reply(ack: Ack) -> Response {
    match ack {
        Ack::Empty => StatusCode::OK.into_response(),
        Ack::Json(v) => {
            ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
        }
    }
}

fn bad_request(what: &'static str) -> Response {
    tracing::info!(what, "unreadable Slack request");
    (StatusCode::BAD_REQUEST, what).into_response()
}

/// Whether a form body is Slack's SSL check, which is answered 200 and nothing else.
fn ssl_check(body: &[u8]) -> bool {
    url::form_urlencoded::parse(body).any(|(k, v)| k == "ssl_check" && v == "1")
}

async fn commands(State(s): State<Arc<Endpoints>>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    if ssl_check(&body) {
        return StatusCode::OK.into_response();
    }
    if let Err(why) = s.check(&headers, &body) {
        return unauthorized(why);
    }
    let Ok(cmd) = serde_urlencoded::from_bytes::<SlackCommandEvent>(&body) else {
        s.observe("command", "malformed", started);
        return bad_request("malformed command");
    };
    let slack = s.slack.clone();
    let response_url = cmd.response_url.0.to_string();
    let mut work = tokio::spawn(async move { slack.command(&cmd).await });
    match tokio::time::timeout(DEADLINE, &mut work).await {
        Ok(Ok(content)) => {
            s.observe("command", "ok", started);
            reply(Ack::Json(message_json(content)))
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "a command handler panicked");
            s.observe("command", "failed", started);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => {
            tracing::info!("answering a slow command through its response URL");
            let slack = s.slack.clone();
            tokio::spawn(async move {
                if let Ok(content) = work.await {
                    slack.answer(&response_url, content, false).await;
                }
            });
            s.observe("command", "deferred", started);
            StatusCode::OK.into_response()
        }
    }
}

/// A command's answer body: an ephemeral message.
fn message_json(content: SlackMessageContent) -> serde_json::Value {
    let mut v = serde_json::to_value(content).unwrap_or_default();
    v["response_type"] = "ephemeral".into();
    v
}

/// The `payload` field of an interactivity or options request.
fn payload(body: &[u8]) -> Option<SlackInteractionEvent> {
    let (_, json) = url::form_urlencoded::parse(body).find(|(k, _)| k == "payload")?;
    serde_json::from_str(&json)
        .map_err(|e| tracing::info!(error = %e, "unreadable interaction payload"))
        .ok()
}

fn kind(e: &SlackInteractionEvent) -> &'static str {
    match e {
        SlackInteractionEvent::BlockActions(_) => "block_actions",
        SlackInteractionEvent::BlockSuggestion(_) => "block_suggestion",
        SlackInteractionEvent::ViewSubmission(_) => "view_submission",
        SlackInteractionEvent::ViewClosed(_) => "view_closed",
        _ => "other",
    }
}

async fn interactions(
    State(s): State<Arc<Endpoints>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    if let Err(why) = s.check(&headers, &body) {
        return unauthorized(why);
    }
    let Some(event) = payload(&body) else {
        s.observe("interaction", "malformed", started);
        return bad_request("malformed interaction");
    };
    let kind = kind(&event);
    let slack = s.slack.clone();
    if kind == "block_actions" {
        // Its ack body is ignored: acknowledge now, answer through the response URL.
        let state = s.clone();
        tokio::spawn(async move {
            slack.interaction(event).await;
            state.observe(kind, "ok", started);
        });
        return StatusCode::OK.into_response();
    }
    let mut work = tokio::spawn(async move { slack.interaction(event).await });
    match tokio::time::timeout(DEADLINE, &mut work).await {
        Ok(Ok(ack)) => {
            s.observe(kind, "ok", started);
            reply(ack)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "an interaction handler panicked");
            s.observe(kind, "failed", started);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => {
            s.observe(kind, "deferred", started);
            StatusCode::OK.into_response()
        }
    }
}

async fn events(State(s): State<Arc<Endpoints>>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    if let Err(why) = s.check(&headers, &body) {
        return unauthorized(why);
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else {
        s.observe("event", "malformed", started);
        return bad_request("malformed event");
    };
    let retry = headers
        .get("x-slack-retry-num")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let ack = super::events::receive(&s.slack, event, retry.as_deref()).await;
    s.observe("event", "ok", started);
    reply(ack)
}
