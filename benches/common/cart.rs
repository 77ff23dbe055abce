//! 64 buyers each editing their own cart line through `Bot::handle`: the engine step
//! with its database write that `engine_step` and `operations` measure, and the
//! closed-loop measurement of it (each user waits for its reply before the next step).

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::demo;
use checkout_bot::domain::account::Identity;
use checkout_bot::engine::event::Event;
use checkout_bot::engine::view::Reply;
use checkout_bot::store::Store;
use criterion::{Criterion, Throughput};
use tokio::runtime::Runtime;

pub const USERS: usize = 64;

pub struct Setup {
    pub bot: Arc<Bot>,
    pub users: Vec<Identity>,
}

/// Presses the action labelled `label` in `reply`, choosing `value` if it is a select.
async fn press(
    bot: &Bot,
    who: &Identity,
    reply: &Reply,
    label: &str,
    value: Option<&str>,
) -> Reply {
    let action = reply.view.labelled(label).unwrap().id.clone();
    let event = match value {
        Some(v) => Event::Choose {
            action,
            values: vec![v.into()],
        },
        None => Event::Click { action },
    };
    bot.handle(who, "en", event).await.unwrap()
}

/// On the database at `url` (demo data seeded if empty), each user gets a cart with one
/// line and is left editing that line.
pub async fn setup(url: &str) -> Setup {
    let store = Store::connect(url).await.unwrap();
    demo::seed_if_empty(&store).await.unwrap();
    let bot = Arc::new(Bot::new(store, Config::default()).unwrap());
    let mut users = Vec::new();
    for u in 0..USERS {
        let who = Identity::new("bench", "local", &format!("user{u}"));
        let r = bot
            .handle(&who, "en", Event::from_line("/buy phones"))
            .await
            .unwrap();
        let r = press(&bot, &who, &r, "Details", Some("p:PHN-P310")).await;
        press(&bot, &who, &r, "Add to cart", None).await;
        let r = bot
            .handle(&who, "en", Event::from_line("/cart"))
            .await
            .unwrap();
        let r = press(&bot, &who, &r, "Change a line", Some("1")).await;
        assert_eq!(r.view.step, "line");
        users.push(who);
    }
    Setup { bot, users }
}

/// One cart edit: a typed quantity on the line, which always changes the state.
pub async fn step(bot: &Bot, who: &Identity, n: u64) -> Duration {
    let start = Instant::now();
    let qty = 1 + (n % 50);
    let reply = bot
        .handle(who, "en", Event::Text(qty.to_string()))
        .await
        .unwrap();
    debug_assert!(reply.notice.is_some());
    start.elapsed()
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

pub fn report(name: &str, latencies: &Mutex<Vec<Duration>>, steps_per_sec: Option<f64>) {
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let rate = steps_per_sec.map_or(String::new(), |r| format!(", {r:.0} steps/s"));
    println!(
        "{name}: {} steps, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms{rate}",
        l.len(),
        percentile(&l, 0.50).as_secs_f64() * 1e3,
        percentile(&l, 0.99).as_secs_f64() * 1e3,
        l.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Criterion's measurement of `USERS` users stepping in a closed loop; prints the rate
/// and percentiles and returns the rate in steps/s.
pub fn closed_loop(
    c: &mut Criterion,
    group_name: &str,
    name: &str,
    rt: &Runtime,
    s: Arc<Setup>,
) -> f64 {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let totals = Arc::new(Mutex::new((0u64, Duration::ZERO)));
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(name, |b| {
        b.to_async(rt).iter_custom(|iters| {
            let (s, latencies, totals) = (s.clone(), latencies.clone(), totals.clone());
            async move {
                let per_user = iters.div_ceil(USERS as u64);
                let start = Instant::now();
                let mut tasks = Vec::new();
                for who in s.users.clone() {
                    let bot = s.bot.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut mine = Vec::with_capacity(per_user as usize);
                        for n in 0..per_user {
                            mine.push(step(&bot, &who, n).await);
                        }
                        mine
                    }));
                }
                let mut all = Vec::new();
                for t in tasks {
                    all.extend(t.await.unwrap());
                }
                let elapsed = start.elapsed();
                let mut tot = totals.lock().unwrap();
                tot.0 += all.len() as u64;
                tot.1 += elapsed;
                latencies.lock().unwrap().extend(all);
                // Criterion divides by `iters`; scale to the steps actually run.
                elapsed.mul_f64(iters as f64 / (per_user * USERS as u64) as f64)
            }
        })
    });
    group.finish();
    let (steps, time) = *totals.lock().unwrap();
    let rate = steps as f64 / time.as_secs_f64();
    report(
        &format!("{name}, closed loop, {USERS} users"),
        &latencies,
        Some(rate),
    );
    rate
}
