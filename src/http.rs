//! The HTTP server: the routes each channel brings (merged, not known here), the card
//! page, health and metrics.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::bot::Bot;
use crate::metrics::Metrics;

pub struct AppState {
    pub bot: Arc<Bot>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(bot: Arc<Bot>, metrics: Arc<Metrics>) -> Self {
        AppState { bot, metrics }
    }
}

/// The card page, health and metrics, with every channel's own routes merged in.
pub fn router(state: Arc<AppState>, channels: Vec<Router>) -> Router {
    let core = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state.clone())
        .merge(crate::card_page::router(state.bot.clone()))
        .merge(crate::signin::page::router(state.bot.clone()))
        .merge(crate::services::stripe::webhook::router(state.bot.clone()));
    channels.into_iter().fold(core, Router::merge)
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

/// Ready for traffic: the database answers and its schema is this binary's.
async fn readyz(State(s): State<Arc<AppState>>) -> Response {
    match s.bot.store().schema_current().await {
        Ok(true) => (StatusCode::OK, "ready").into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "schema not current").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// With METRICS_TOKEN set, only `Authorization: Bearer {token}` may read the metrics.
async fn metrics(State(s): State<Arc<AppState>>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = &s.bot.config().metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !token.admits(given) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need the bearer token",
            )
                .into_response();
        }
    }
    match s.metrics.render(s.bot.store()).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Serves `app` until `shutdown` resolves; requests in flight finish first.
pub async fn serve(
    app: Router,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
