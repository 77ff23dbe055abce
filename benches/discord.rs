//! The Discord interactions endpoint under load from a local Rust client (issue 4).
//!
//! Targets on this 2-core machine: a signed PING at least 20,000 requests/s; a signed
//! checkout step at least 5,000 requests/s with p99 at most 20 ms. Client and server
//! share the two cores. Payloads are signed once, before the clock starts, as Discord
//! signs each request; the server verifies every one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checkout_bot::bot::Bot;
use checkout_bot::channels::discord::http::Endpoint;
use checkout_bot::config::Config;
use checkout_bot::http::AppState;
use checkout_bot::metrics::Metrics;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use serenity::interactions_endpoint::Verifier;

const CONCURRENCY: usize = 64;

struct Signed {
    body: String,
    signature: String,
    timestamp: String,
}

fn sign(key: &SigningKey, body: Value) -> Signed {
    let body = body.to_string();
    let timestamp = (checkout_bot::store::now_ms() / 1000).to_string();
    let signature = hex::encode(key.sign(format!("{timestamp}{body}").as_bytes()).to_bytes());
    Signed {
        body,
        signature,
        timestamp,
    }
}

fn ping() -> Value {
    json!({"id": "1100000000000000009", "application_id": "1000000000000000001", "type": 1, "token": "t",
        "version": 1, "entitlements": [], "attachment_size_limit": 10485760, "locale": "en-US"})
}

/// `/buy category:…` from user `n`: loads the session, moves the store, saves, renders.
fn buy(n: usize, category: &str) -> Value {
    let user = json!({"id": format!("9{:018}", n), "username": "u", "discriminator": "0", "global_name": null, "avatar": null});
    json!({
        "id": "1100000000000000001", "application_id": "1000000000000000001", "type": 2,
        "data": {"id": "1200000000000000001", "name": "buy", "type": 1,
                 "options": [{"name": "category", "type": 3, "value": category}]},
        "guild_id": "1300000000000000001", "channel_id": "1400000000000000001",
        "member": {"user": user, "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00",
                   "deaf": false, "mute": false, "flags": 0, "permissions": "0"},
        "token": "t", "version": 1, "locale": "en-US", "entitlements": [],
        "authorizing_integration_owners": {}, "attachment_size_limit": 10485760
    })
}

fn start_server(key: &SigningKey, dir: &tempfile::TempDir) -> String {
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let verifying = key.verifying_key().to_bytes();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let config = Config {
                database_url: url,
                ..Config::default()
            };
            let bot = Arc::new(Bot::start(config).await.unwrap());
            let metrics = Arc::new(Metrics::new().unwrap());
            let endpoint = Endpoint::new(
                bot.clone(),
                Verifier::try_new(verifying).unwrap(),
                metrics.clone(),
            );
            let app = checkout_bot::http::router(
                Arc::new(AppState::new(bot, metrics)),
                vec![endpoint.router()],
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!(
                "http://{}/discord/interactions",
                listener.local_addr().unwrap()
            ))
            .unwrap();
            checkout_bot::http::serve(app, listener, std::future::pending())
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

async fn post(client: &reqwest::Client, url: &str, s: &Signed) -> Duration {
    let start = Instant::now();
    let res = client
        .post(url)
        .header("x-signature-ed25519", &s.signature)
        .header("x-signature-timestamp", &s.timestamp)
        .header("content-type", "application/json")
        .body(s.body.clone())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let _ = res.bytes().await.unwrap();
    start.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// The floor: how many signatures one core verifies per second, bare (serenity's
/// `Verifier` on the same payloads, no HTTP, no JSON, no database). Every request pays one.
fn bare_verification(c: &mut Criterion, key: &SigningKey, requests: &[Vec<Signed>]) -> f64 {
    let verifier = Verifier::try_new(key.verifying_key().to_bytes()).unwrap();
    let all: Vec<&Signed> = requests.iter().flatten().collect();
    let verify = |s: &Signed| {
        verifier
            .verify(&s.signature, &s.timestamp, s.body.as_bytes())
            .unwrap()
    };
    let mut group = c.benchmark_group("discord_endpoint");
    group.throughput(Throughput::Elements(1));
    group.bench_function("floor_bare_verification", |b| {
        let mut i = 0;
        b.iter(|| {
            verify(all[i % all.len()]);
            i += 1;
        })
    });
    group.finish();
    const N: usize = 20_000;
    let start = Instant::now();
    for i in 0..N {
        verify(all[i % all.len()]);
    }
    let rate = N as f64 / start.elapsed().as_secs_f64();
    println!("floor, bare verification on one core: {rate:.0} verifications/s");
    rate
}

fn run(c: &mut Criterion, name: &str, requests: Arc<Vec<Vec<Signed>>>, url: String, floor: f64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let totals = Arc::new(Mutex::new((0u64, Duration::ZERO)));
    let mut group = c.benchmark_group("discord_endpoint");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function(name, |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (client, url, requests, latencies, totals) = (
                client.clone(),
                url.clone(),
                requests.clone(),
                latencies.clone(),
                totals.clone(),
            );
            async move {
                let per_task = iters.div_ceil(CONCURRENCY as u64);
                let start = Instant::now();
                let mut tasks = Vec::new();
                for t in 0..CONCURRENCY {
                    let (client, url, requests) = (client.clone(), url.clone(), requests.clone());
                    tasks.push(tokio::spawn(async move {
                        let mine = &requests[t % requests.len()];
                        let mut out = Vec::with_capacity(per_task as usize);
                        for i in 0..per_task as usize {
                            out.push(post(&client, &url, &mine[i % mine.len()]).await);
                        }
                        out
                    }));
                }
                let mut all = Vec::new();
                for task in tasks {
                    all.extend(task.await.unwrap());
                }
                let elapsed = start.elapsed();
                let mut tot = totals.lock().unwrap();
                tot.0 += all.len() as u64;
                tot.1 += elapsed;
                latencies.lock().unwrap().extend(all);
                elapsed.mul_f64(iters as f64 / (per_task * CONCURRENCY as u64) as f64)
            }
        })
    });
    group.finish();
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let (n, time) = *totals.lock().unwrap();
    let rate = n as f64 / time.as_secs_f64();
    println!(
        "{name}: {n} requests, {rate:.0} req/s ({:.3} of the floor), p50 {:.2} ms, p99 {:.2} ms",
        rate / floor,
        percentile(&l, 0.5),
        percentile(&l, 0.99)
    );
}

fn bench(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let dir = tempfile::tempdir().unwrap();
    let url = start_server(&key, &dir);
    let pings = Arc::new(vec![vec![sign(&key, ping())]]);
    // Each of 64 users alternates between two categories, so every request is a change.
    let steps = Arc::new(
        (0..CONCURRENCY)
            .map(|n| vec![sign(&key, buy(n, "phones")), sign(&key, buy(n, "modules"))])
            .collect::<Vec<_>>(),
    );
    let floor = bare_verification(c, &key, &steps);
    run(c, "signed_ping", pings, url.clone(), floor);
    run(c, "signed_checkout_step", steps, url, floor);
}

criterion_group!(benches, bench);
criterion_main!(benches);
