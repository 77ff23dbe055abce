//! Discord's interactions endpoint (HTTP mode), as an axum `Router` the server merges.
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
use axum::routing::post;
use serenity::all::{CreateInteractionResponse, Interaction};
use serenity::interactions_endpoint::Verifier;

use crate::bot::Bot;
use crate::metrics::Metrics;
use crate::platforms::discord;

/// How far a signed timestamp may be from our clock.
pub(crate) const FRESHNESS: Duration = Duration::from_secs(300);

/// Discord wants an answer within 3 s; past this, the bot defers and follows up.
pub(crate) const DEADLINE: Duration = Duration::from_millis(2_500);

/// The endpoint's routes when `DISCORD_PUBLIC_KEY` is set, with follow-ups when
/// `DISCORD_APPLICATION_ID` is; none (and a warning) without the key.
pub(crate) fn routes(
    bot: Arc<Bot>,
    config: &super::config::DiscordConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Option<Router>> {
    let Some(key) = &config.public_key else {
        tracing::warn!("DISCORD_PUBLIC_KEY is not set: no Discord interactions endpoint");
        return Ok(None);
    };
    let key: [u8; 32] = hex::decode(key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("DISCORD_PUBLIC_KEY must be 64 hex digits"))?;
    let verifier =
        Verifier::try_new(key).map_err(|e| anyhow::anyhow!("DISCORD_PUBLIC_KEY: {e}"))?;
    // Follow-ups of deferred answers go through the outbox and the reply updater that
    // `outbound` registered (it needs the application id only).
    Ok(Some(Endpoint::new(bot, verifier, metrics).router()))
}

/// The endpoint's state.
pub struct Endpoint {
    pub bot: Arc<Bot>,
    pub verifier: Verifier,
    pub metrics: Arc<Metrics>,
    /// How long to wait before deferring; `DEADLINE` outside tests.
    pub deadline: Duration,
}

impl Endpoint {
    pub fn new(bot: Arc<Bot>, verifier: Verifier, metrics: Arc<Metrics>) -> Self {
        Endpoint {
            bot,
            verifier,
            metrics,
            deadline: DEADLINE,
        }
    }

    /// `POST /discord/interactions`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/discord/interactions", post(interactions))
            .with_state(Arc::new(self))
    }
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

async fn interactions(State(s): State<Arc<Endpoint>>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
    ) else {
        return unauthorized("missing signature headers");
    };
    if s.verifier.verify(signature, timestamp, &body).is_err() {
        return unauthorized("bad signature");
    }
    if !fresh(timestamp, crate::store::now_ms() / 1000) {
        return unauthorized("stale timestamp");
    }
    if !discord::names_its_sender(&body) {
        tracing::info!("refused an interaction that names no user");
        s.metrics.observe(
            discord::PLATFORM,
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
                discord::PLATFORM,
                "unknown",
                "malformed",
                started.elapsed().as_secs_f64(),
            );
            return (StatusCode::BAD_REQUEST, "malformed interaction").into_response();
        }
    };
    let kind = discord::kind(&interaction);
    // A signed interaction stays valid for the 5 minutes `fresh` allows: one captured
    // on its way is refused the second time, as Discord never sends one twice.
    if !matches!(interaction, Interaction::Ping(_))
        && !s
            .bot
            .first_delivery(discord::PLATFORM, &interaction.id().to_string())
            .await
    {
        tracing::warn!(kind, "refused an interaction delivered a second time");
        s.metrics.observe(
            discord::PLATFORM,
            kind,
            "replayed",
            started.elapsed().as_secs_f64(),
        );
        return (StatusCode::CONFLICT, "interaction already handled").into_response();
    }
    let token = interaction.token().to_string();
    let is_component = matches!(interaction, Interaction::Component(_));
    let bot = s.bot.clone();
    let mut work = tokio::spawn(async move { discord::respond(&bot, interaction).await });
    let (response, outcome) = match tokio::time::timeout(s.deadline, &mut work).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "interaction handler panicked");
            s.metrics.observe(
                discord::PLATFORM,
                kind,
                "failed",
                started.elapsed().as_secs_f64(),
            );
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Err(_) => return defer(&s, work, token, is_component, kind, started),
    };
    s.metrics.observe(
        discord::PLATFORM,
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
    s: &Arc<Endpoint>,
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
            discord::PLATFORM,
            kind,
            outcome.as_str(),
            started.elapsed().as_secs_f64(),
        );
        let body = serde_json::to_value(&response)
            .map(|v| v["data"].clone())
            .unwrap_or_default();
        // Through the outbox: retried until Discord takes it (the token works 15 min).
        if let Err(e) = state
            .bot
            .answer_later(discord::PLATFORM, &token, body, true, None)
            .await
        {
            tracing::warn!(error = %e, "could not follow up a deferred interaction; is DISCORD_APPLICATION_ID set?");
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
