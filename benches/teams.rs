//! Signed Teams activities through `checkout-bot serve`'s `/teams/messages`, measured like
//! the Discord and Slack endpoints.
//!
//! Target (issue 29): at least 5,000 checkout steps/s with p99 at most 20 ms. A step is a
//! message from one of 64 people, "buy phones" and "buy modules" in turn, each a new
//! activity: its Bot Framework token is checked (RS256, a key from the stand-in's JWKS),
//! the session is loaded, changed and saved with the revision check, the card rendered,
//! and the reply written to the outbox, which a worker sends to the connector stand-in
//! meanwhile. The floor, measured in the same run, is a bare RS256 verification of the
//! same token on one core. The replies the connector stand-in received are counted, when
//! the load ends and three seconds later: a rate is only a step's if its reply got out.

use std::sync::Arc;
use std::time::Instant;

use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::http::AppState;
use checkout_bot::metrics::Metrics;
use checkout_bot::platforms::Platform;
use checkout_bot::platforms::teams::cli::TeamsPlatform;
use checkout_bot::platforms::teams::config::TeamsConfig;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

#[path = "common/load.rs"]
mod load;

#[path = "common/serve.rs"]
mod serve;

use load::{CONCURRENCY, FRESH, Signed};

const APP_ID: &str = "00000000-0000-0000-0000-0000000be4c0";
const KEY: &[u8] = include_bytes!("../tests/data/teams/test-key.pem");
const JWKS: &str = include_str!("../tests/data/teams/jwks.json");

/// Replies the connector stand-in received: each step's answer, sent by the outbox worker.
static REPLIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The Bot Framework's keys, Microsoft's token endpoint and the connector, on 127.0.0.1.
async fn stand_in() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let keys = format!("{base}/keys");
    let app = axum::Router::new()
        .route(
            "/openid",
            axum::routing::get(move || {
                let keys = keys.clone();
                async move { axum::Json(json!({"jwks_uri": keys})) }
            }),
        )
        .route(
            "/keys",
            axum::routing::get(|| async {
                axum::Json(serde_json::from_str::<Value>(JWKS).unwrap())
            }),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            axum::routing::post(|| async {
                axum::Json(json!({"access_token": "bench-token", "expires_in": 3600}))
            }),
        )
        .route(
            "/v3/{*rest}",
            axum::routing::post(|| async {
                REPLIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                axum::Json(json!({"id": "1"}))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn token(service_url: &str) -> String {
    let now = checkout_bot::store::now_ms() / 1000;
    let claims = json!({"iss": "https://api.botframework.com", "aud": APP_ID,
        "exp": now + 3600, "nbf": now - 60, "serviceurl": service_url});
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key".into());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(KEY).unwrap()).unwrap()
}

fn activity(n: usize, text: &str, service_url: &str) -> String {
    json!({
        "type": "message", "id": format!("bench-{n}-{FRESH}"), "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": format!("29:{n}"), "name": "Bench", "aadObjectId": format!("aad-{n}")},
        "conversation": {"id": format!("a:bench-{n}"), "conversationType": "personal", "tenantId": "tenant-bench"},
        "recipient": {"id": format!("28:{APP_ID}")}, "text": text, "locale": "en-US"
    })
    .to_string()
}

fn start_server(dir: &tempfile::TempDir) -> (String, String) {
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let (base, stand_in) = serve::serve_apart(move || async move {
        let base = stand_in().await;
        let platform = TeamsPlatform::new(TeamsConfig {
            app_id: Some(APP_ID.into()),
            app_password: Some("bench-secret".into()),
            openid_metadata: format!("{base}/openid"),
            login_base: base.clone(),
            ..TeamsConfig::default()
        });
        let outbound = platform
            .outbound(checkout_bot::services::outbound::Outbound::default())
            .unwrap();
        let config = Config {
            database_url: url,
            ..Config::default()
        };
        let bot = Arc::new(Bot::start_with(config, outbound).await.unwrap());
        let metrics = Arc::new(Metrics::new().unwrap());
        let routes = platform
            .routes(bot.clone(), metrics.clone())
            .unwrap()
            .unwrap();
        let app = checkout_bot::http::router(Arc::new(AppState::new(bot, metrics)), vec![routes]);
        (app, base)
    });
    (format!("{base}/teams/messages"), stand_in)
}

/// The floor: bare RS256 verifications of the token on one core.
fn bare_verification(c: &mut Criterion, token: &str) -> f64 {
    let jwks: Value = serde_json::from_str(JWKS).unwrap();
    let k = &jwks["keys"][0];
    let key = DecodingKey::from_rsa_components(k["n"].as_str().unwrap(), k["e"].as_str().unwrap())
        .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[APP_ID]);
    let check = || jsonwebtoken::decode::<Value>(token, &key, &v).unwrap();
    let mut group = c.benchmark_group("teams_endpoint");
    group.throughput(Throughput::Elements(1));
    group.bench_function("floor_bare_verification", |b| b.iter(check));
    group.finish();
    const N: usize = 20_000;
    let start = Instant::now();
    for _ in 0..N {
        check();
    }
    let rate = N as f64 / start.elapsed().as_secs_f64();
    println!("floor, bare RS256 verification on one core: {rate:.0} verifications/s");
    rate
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (url, base) = start_server(&dir);
    let bearer = token(&base);
    let floor = bare_verification(c, &bearer);
    let signed = |body: String| Signed {
        body,
        signature: format!("Bearer {bearer}"),
        timestamp: String::new(),
        names: ("authorization", "x-bench-unused", "application/json"),
    };
    let steps = Arc::new(
        (0..CONCURRENCY)
            .map(|n| {
                vec![
                    signed(activity(n, "buy phones", &base)),
                    signed(activity(n, "buy modules", &base)),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let before = REPLIES.load(std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    load::run(
        c,
        "teams_endpoint",
        "signed_checkout_step",
        steps,
        vec![url],
        floor,
    );
    let at_end = REPLIES.load(std::sync::atomic::Ordering::Relaxed) - before;
    let took = started.elapsed().as_secs_f64();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let later = REPLIES.load(std::sync::atomic::Ordering::Relaxed) - before;
    println!(
        "replies at the connector: {at_end} when the load ended ({:.0}/s over {:.1} s), {later} three seconds later",
        at_end as f64 / took,
        took
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
