//! The HTTP server: the routes each platform brings (merged, not known here), the card
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
    pub(crate) bot: Arc<Bot>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(bot: Arc<Bot>, metrics: Arc<Metrics>) -> Self {
        AppState { bot, metrics }
    }
}

/// The card page, health and metrics, with every platform's own routes merged in.
pub fn router(state: Arc<AppState>, platforms: Vec<Router>) -> Router {
    let core = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state.clone())
        .merge(crate::card_page::router(state.bot.clone()))
        .merge(crate::signin::page::router(state.bot.clone()))
        .merge(crate::document_link::router(state.bot.clone()))
        .merge(crate::stripe_webhook::router(state.bot.clone()));
    platforms.into_iter().fold(core, Router::merge)
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

/// What one `serve` allows its clients.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// A connection has this long to send a request's headers; a slow or stalled one is
    /// closed instead of held open for ever.
    pub(crate) header_read: std::time::Duration,
    /// Connections open at once; past it, new ones wait in the listen backlog until
    /// one closes, so a flood cannot take every file descriptor.
    pub(crate) connections: usize,
    /// How long requests in flight get to finish at shutdown.
    pub(crate) drain: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: std::time::Duration::from_secs(10),
            connections: 1024,
            drain: std::time::Duration::from_secs(30),
        }
    }
}

/// Serves `app` until `shutdown` resolves; requests in flight finish first.
pub async fn serve(
    app: Router,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(app, listener, shutdown, Limits::default()).await
}

/// `serve` under `limits`. axum's own `serve` sets no header-read timeout and takes any
/// number of connections, so connections are served here with hyper directly.
pub(crate) async fn serve_with(
    app: Router,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!("requests still in flight at shutdown were cut off");
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn start(limits: Limits) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let app = Router::new().route("/", get(|| async { "ok" }));
        tokio::spawn(serve_with(app, listener, std::future::pending(), limits));
        addr
    }

    /// Reads until the server closes the connection or `wait` passes; what it said.
    async fn read_until_closed(s: &mut tokio::net::TcpStream, wait: Duration) -> Option<String> {
        let mut got = Vec::new();
        let read = tokio::time::timeout(wait, s.read_to_end(&mut got)).await;
        read.ok()
            .map(|_| String::from_utf8_lossy(&got).into_owned())
    }

    #[tokio::test]
    async fn a_connection_that_never_finishes_its_headers_is_closed() {
        let addr = start(Limits {
            header_read: Duration::from_millis(300),
            ..Limits::default()
        })
        .await;
        let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let closed = read_until_closed(&mut slow, Duration::from_secs(5)).await;
        assert!(closed.is_some(), "still open after 5 s");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn connections_past_the_cap_wait_for_one_to_close() {
        let addr = start(Limits {
            connections: 1,
            ..Limits::default()
        })
        .await;
        let first = tokio::net::TcpStream::connect(&addr).await.unwrap();
        // Let the server take the first connection and its only permit.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut second = tokio::net::TcpStream::connect(&addr).await.unwrap();
        second
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut byte = [0u8; 1];
        let early = tokio::time::timeout(Duration::from_millis(300), second.read(&mut byte)).await;
        assert!(early.is_err(), "answered while the cap was reached");
        drop(first);
        let answer = read_until_closed(&mut second, Duration::from_secs(5))
            .await
            .expect("answered once the first closed");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
