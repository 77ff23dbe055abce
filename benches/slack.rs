//! Signed Slack requests through `checkout-bot serve`'s Slack endpoints, measured like the
//! Discord ones.
//!
//! Target (issue 12): at least 5,000 checkout steps/s with p99 at most 20 ms. A step is
//! `/buy category` from one of 64 users, alternating between two categories, so every
//! request loads a session, changes it, saves it with the revision check and renders
//! Block Kit. The floor, measured in the same run, is a bare signature check of the same
//! bodies on one core.

use std::sync::Arc;
use std::time::Instant;

use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::http::AppState;
use checkout_bot::metrics::Metrics;
use checkout_bot::platforms::slack::Slack;
use checkout_bot::platforms::slack::http::Endpoints;
use checkout_bot::platforms::slack::verify::Verifier;
use checkout_bot::platforms::slack::web::Web;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "common/load.rs"]
mod load;

#[path = "common/serve.rs"]
mod serve;

use load::{CONCURRENCY, Signed};
const SECRET: &str = "bench-signing-secret";

fn sign(body: String) -> Signed {
    let timestamp = (checkout_bot::store::now_ms() / 1000).to_string();
    let signature = Verifier::new(SECRET).sign(&timestamp, body.as_bytes());
    Signed {
        body,
        signature,
        timestamp,
        names: (
            "x-slack-signature",
            "x-slack-request-timestamp",
            "application/x-www-form-urlencoded",
        ),
    }
}

/// `/buy category` from user `n`, form-encoded as Slack sends it.
fn buy(n: usize, category: &str, api: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "x"),
        ("team_id", "T0BENCH001"),
        ("team_domain", "bench"),
        ("channel_id", "C0BENCH001"),
        ("channel_name", "buying"),
        ("user_id", &format!("U0BENCH{n:04}")),
        ("user_name", "bench"),
        ("command", "/buy"),
        ("text", category),
        ("api_app_id", "A0BENCH001"),
        ("response_url", &format!("{api}/hooks/{n}")),
        ("trigger_id", "1.2.3"),
    ])
    .unwrap_or_default()
}

/// The Web API's `users.info`, so users get their names once and are not asked again.
async fn stand_in() -> String {
    let app = axum::Router::new().route(
        "/api/users.info",
        axum::routing::get(|| async {
            axum::Json(serde_json::json!({"ok": true, "user": {"id": "U0", "name": "bench"}}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn start_server(dir: &tempfile::TempDir) -> (String, String) {
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let (base, api) = serve::serve_apart(move || async move {
        let api = stand_in().await;
        let config = Config {
            database_url: url,
            ..Config::default()
        };
        let bot = Arc::new(Bot::start(config).await.unwrap());
        let metrics = Arc::new(Metrics::new().unwrap());
        let web = Web::new(&format!("{api}/api"), Some("xoxb-bench")).unwrap();
        let slack = Arc::new(Slack::new(bot.clone(), web));
        let endpoints = Endpoints::new(slack, Verifier::new(SECRET), metrics.clone());
        let app = checkout_bot::http::router(
            Arc::new(AppState::new(bot, metrics)),
            vec![endpoints.router()],
        );
        (app, api)
    });
    (format!("{base}/slack/commands"), api)
}

/// The floor: bare signature checks of the same bodies on one core.
fn bare_verification(c: &mut Criterion, requests: &[Vec<Signed>]) -> f64 {
    let verifier = Verifier::new(SECRET);
    let all: Vec<&Signed> = requests.iter().flatten().collect();
    let now = checkout_bot::store::now_ms() / 1000;
    let check = |s: &Signed| {
        verifier
            .check(
                Some(&s.timestamp),
                Some(&s.signature),
                s.body.as_bytes(),
                now,
            )
            .unwrap()
    };
    let mut group = c.benchmark_group("slack_endpoint");
    group.throughput(Throughput::Elements(1));
    group.bench_function("floor_bare_verification", |b| {
        let mut i = 0;
        b.iter(|| {
            check(all[i % all.len()]);
            i += 1;
        })
    });
    group.finish();
    const N: usize = 200_000;
    let start = Instant::now();
    for i in 0..N {
        check(all[i % all.len()]);
    }
    let rate = N as f64 / start.elapsed().as_secs_f64();
    println!("floor, bare verification on one core: {rate:.0} verifications/s");
    rate
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (url, api) = start_server(&dir);
    let steps = Arc::new(
        (0..CONCURRENCY)
            .map(|n| vec![sign(buy(n, "phones", &api)), sign(buy(n, "modules", &api))])
            .collect::<Vec<_>>(),
    );
    let floor = bare_verification(c, &steps);
    load::run(
        c,
        "slack_endpoint",
        "signed_checkout_step",
        steps,
        vec![url],
        floor,
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
