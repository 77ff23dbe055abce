//! The Discord interactions endpoint under load from a local Rust client (issue 4).
//!
//! Targets on this 2-core machine: a signed PING at least 20,000 requests/s; a signed
//! checkout step at least 5,000 requests/s with p99 at most 20 ms. Client and server
//! share the two cores. Payloads are signed once, before the clock starts, as Discord
//! signs each request; the server verifies every one.

use std::sync::Arc;
use std::time::Instant;

use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::http::AppState;
use checkout_bot::metrics::Metrics;
use checkout_bot::platforms::discord::http::Endpoint;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use serenity::interactions_endpoint::Verifier;

#[path = "common/load.rs"]
mod load;

#[path = "common/serve.rs"]
mod serve;

#[path = "common/discord.rs"]
mod payloads;

use payloads::{ping, sign};

use load::{CONCURRENCY, Signed};

/// Signed interactions per user: above what one connection sends in the bench.
const INTERACTIONS_PER_USER: usize = 4_000;

fn start_server(key: &SigningKey, dir: &tempfile::TempDir) -> String {
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let verifying = key.verifying_key().to_bytes();
    let (base, ()) = serve::serve_apart(move || async move {
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
        (app, ())
    });
    format!("{base}/discord/interactions")
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

fn bench(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let dir = tempfile::tempdir().unwrap();
    let url = start_server(&key, &dir);
    let pings = Arc::new(vec![vec![sign(&key, ping())]]);
    // Each of 64 users alternates between two categories, so every request is a change.
    // Discord sends each interaction once (a repeated id is refused as a replay), so each
    // request is a new interaction: more than criterion sends to one connection.
    let steps = Arc::new(payloads::checkout_steps(
        &key,
        CONCURRENCY,
        INTERACTIONS_PER_USER,
        0,
    ));
    let floor = bare_verification(c, &key, &steps);
    load::run(
        c,
        "discord_endpoint",
        "signed_ping",
        pings,
        vec![url.clone()],
        floor,
    );
    load::run(
        c,
        "discord_endpoint",
        "signed_checkout_step",
        steps,
        vec![url],
        floor,
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
