//! The HTTP server: Discord's interactions endpoint, health and metrics.
//!
//! Discord signs every request with Ed25519 over timestamp + body. A request that fails
//! the check, or whose timestamp is outside our window (the verifier itself checks no
//! time), gets 401 and is not processed: Discord probes endpoints with bad signatures
//! and removes those that accept them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serenity::all::{CreateInteractionResponse, Interaction};
use serenity::interactions_endpoint::Verifier;

use crate::bot::Bot;
use crate::channels::discord;
use crate::metrics::Metrics;

/// How far a signed timestamp may be from our clock.
pub const FRESHNESS: Duration = Duration::from_secs(300);

/// Discord wants an answer within 3 s; past this, the bot defers and follows up.
pub const DEADLINE: Duration = Duration::from_millis(2_500);

pub struct AppState {
    pub bot: Arc<Bot>,
    /// Discord's key; without it the interactions endpoint answers 503.
    pub verifier: Option<Verifier>,
    pub metrics: Metrics,
    /// REST client for follow-ups of deferred answers (needs the application id).
    pub followups: Option<Arc<serenity::all::Http>>,
    /// How long to wait before deferring; `DEADLINE` outside tests.
    pub deadline: Duration,
}

impl AppState {
    pub fn new(bot: Arc<Bot>, verifier: Verifier, metrics: Metrics) -> Self {
        AppState {
            verifier: Some(verifier),
            ..AppState::without_discord(bot, metrics)
        }
    }

    /// The card page, health and metrics only: no Discord endpoint.
    pub fn without_discord(bot: Arc<Bot>, metrics: Metrics) -> Self {
        AppState {
            bot,
            verifier: None,
            metrics,
            followups: None,
            deadline: DEADLINE,
        }
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/discord/interactions", post(interactions))
        .route(
            "/pay/{token}",
            get(crate::card_page::show).post(crate::card_page::submit),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

fn fresh(timestamp: &str, now: i64) -> bool {
    timestamp
        .parse::<i64>()
        .is_ok_and(|t| (now - t).unsigned_abs() <= FRESHNESS.as_secs())
}

fn unauthorized(why: &'static str) -> Response {
    tracing::info!(why, "refused an interaction");
    (StatusCode::UNAUTHORIZED, "invalid request signature").into_response()
}

async fn interactions(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
    ) else {
        return unauthorized("missing signature headers");
    };
    let Some(verifier) = &s.verifier else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the Discord endpoint is not configured",
        )
            .into_response();
    };
    if verifier.verify(signature, timestamp, &body).is_err() {
        return unauthorized("bad signature");
    }
    if !fresh(timestamp, crate::store::now_ms() / 1000) {
        return unauthorized("stale timestamp");
    }
    if !discord::names_its_sender(&body) {
        tracing::info!("refused an interaction that names no user");
        s.metrics.observe(
            "discord",
            "unknown",
            "malformed",
            started.elapsed().as_secs_f64(),
        );
        return (StatusCode::BAD_REQUEST, "interaction names no user").into_response();
    }
    let interaction: Interaction = match serenity::json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => {
            tracing::info!(error = %e, "unreadable interaction");
            s.metrics.observe(
                "discord",
                "unknown",
                "malformed",
                started.elapsed().as_secs_f64(),
            );
            return (StatusCode::BAD_REQUEST, "malformed interaction").into_response();
        }
    };
    let kind = discord::kind(&interaction);
    let token = interaction.token().to_string();
    let is_component = matches!(interaction, Interaction::Component(_));
    let bot = s.bot.clone();
    let mut work = tokio::spawn(async move { discord::respond(&bot, interaction).await });
    let (response, outcome) = match tokio::time::timeout(s.deadline, &mut work).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "interaction handler panicked");
            s.metrics
                .observe("discord", kind, "failed", started.elapsed().as_secs_f64());
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Err(_) => return defer(&s, work, token, is_component, kind, started),
    };
    s.metrics.observe(
        "discord",
        kind,
        outcome.as_str(),
        started.elapsed().as_secs_f64(),
    );
    // Exactly Discord's documented PONG, without the `data: null` serenity would add.
    if matches!(response, CreateInteractionResponse::Pong) {
        return (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"type":1}"#,
        )
            .into_response();
    }
    match serenity::json::to_vec(&response) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not encode a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Too slow for Discord's 3 s: acknowledge now (a "thinking…" state, or a silent ack for
/// a click) and edit the original response when the answer is ready.
fn defer(
    s: &Arc<AppState>,
    work: tokio::task::JoinHandle<(CreateInteractionResponse, discord::Outcome)>,
    token: String,
    is_component: bool,
    kind: &'static str,
    started: Instant,
) -> Response {
    tracing::info!(kind, "deferring a slow interaction");
    let state = s.clone();
    tokio::spawn(async move {
        let Ok((response, outcome)) = work.await else {
            return;
        };
        state.metrics.observe(
            "discord",
            kind,
            outcome.as_str(),
            started.elapsed().as_secs_f64(),
        );
        let Some(http) = &state.followups else {
            tracing::warn!("a deferred answer was dropped: DISCORD_APPLICATION_ID is not set");
            return;
        };
        let body = serde_json::to_value(&response)
            .map(|v| v["data"].clone())
            .unwrap_or_default();
        if let Err(e) = http
            .edit_original_interaction_response(&token, &body, Vec::new())
            .await
        {
            tracing::warn!(error = %e, "could not follow up a deferred interaction");
        }
    });
    let ack = if is_component {
        CreateInteractionResponse::Acknowledge
    } else {
        CreateInteractionResponse::Defer(
            serenity::all::CreateInteractionResponseMessage::new().ephemeral(true),
        )
    };
    match serenity::json::to_vec(&ack) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn healthz(State(s): State<Arc<AppState>>) -> Response {
    match s.bot.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(s): State<Arc<AppState>>) -> Response {
    match s.metrics.render(s.bot.store()).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Serves until `shutdown` resolves; requests in flight finish first.
pub async fn serve(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_must_be_within_five_minutes() {
        assert!(fresh("1000", 1000));
        assert!(fresh("700", 1000));
        assert!(fresh("1300", 1000));
        assert!(!fresh("699", 1000));
        assert!(!fresh("1301", 1000));
        assert!(!fresh("soon", 1000));
        assert!(!fresh("", 1000));
    }
}
