//! One engine step with its database write (a cart edit), on a SQLite file.
//!
//! Targets (issue 2): 64 concurrent users, each waiting for its reply, at least 10,000
//! steps/s with p99 at most 15 ms; an offered load of 2,000 steps/s with p99 at most 5 ms.
//! Criterion measures the time per step; the latency percentiles are printed after each
//! benchmark, since criterion reports means rather than tails.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::demo;
use checkout_bot::domain::account::Identity;
use checkout_bot::engine::event::Event;
use checkout_bot::engine::view::Reply;
use checkout_bot::store::Store;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;

const USERS: usize = 64;

struct Setup {
    bot: Arc<Bot>,
    users: Vec<Identity>,
    _dir: tempfile::TempDir,
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

/// Each user gets a cart with one line and is left editing that line.
async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let store = Store::connect(&url).await.unwrap();
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
    Setup {
        bot,
        users,
        _dir: dir,
    }
}

/// One cart edit: a typed quantity on the line, which always changes the state.
async fn step(bot: &Bot, who: &Identity, n: u64) -> Duration {
    let start = Instant::now();
    let qty = 1 + (n % 50);
    let reply = bot
        .handle(who, "en", Event::Text(qty.to_string()))
        .await
        .unwrap();
    debug_assert!(reply.notice.is_some());
    start.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, latencies: &Mutex<Vec<Duration>>, steps_per_sec: Option<f64>) {
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

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The floor: the same 64 users each running a bare conditional UPDATE of their own row
/// (`… WHERE id = ? AND rev = ?`, the optimistic check a step's save makes) through sqlx
/// on a SQLite file with the store's settings, one statement per step, no engine.
fn floor(rt: &Runtime) -> f64 {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    const PER_USER: u64 = 300;
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("floor.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        sqlx::query(
            "CREATE TABLE s (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        for u in 0..USERS as i64 {
            sqlx::query("INSERT INTO s VALUES ($1, 0, '')")
                .bind(u)
                .execute(&pool)
                .await
                .unwrap();
        }
        let body = "x".repeat(2_000);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for u in 0..USERS as i64 {
            let (pool, body) = (pool.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                for rev in 0..PER_USER as i64 {
                    let done = sqlx::query(
                        "UPDATE s SET body = $1, rev = rev + 1 WHERE id = $2 AND rev = $3",
                    )
                    .bind(&body)
                    .bind(u)
                    .bind(rev)
                    .execute(&pool)
                    .await
                    .unwrap();
                    assert_eq!(done.rows_affected(), 1);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let rate = (PER_USER * USERS as u64) as f64 / start.elapsed().as_secs_f64();
        println!("floor, bare conditional UPDATE, 64 users: {rate:.0} updates/s");
        rate
    })
}

fn closed_loop(c: &mut Criterion) {
    let rt = runtime();
    let floor = floor(&rt);
    let s = Arc::new(rt.block_on(setup()));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let totals = Arc::new(Mutex::new((0u64, Duration::ZERO)));
    let mut group = c.benchmark_group("engine_step");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("cart_edit_64_users_closed_loop", |b| {
        b.to_async(&rt).iter_custom(|iters| {
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
    report("closed loop, 64 users", &latencies, Some(rate));
    println!("closed loop: {:.3} of the floor", rate / floor);
}

fn open_loop(c: &mut Criterion) {
    const RATE: u64 = 2_000;
    let rt = runtime();
    let s = Arc::new(rt.block_on(setup()));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let mut group = c.benchmark_group("engine_step");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("cart_edit_offered_2000_per_s", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (s, latencies) = (s.clone(), latencies.clone());
            async move {
                // Each step is timed from when it was due, not when it started, so a
                // stall counts against every step it delays.
                let start = Instant::now();
                let mut tasks = Vec::with_capacity(iters as usize);
                for n in 0..iters {
                    let due = start + Duration::from_micros(n * 1_000_000 / RATE);
                    tokio::time::sleep_until(due.into()).await;
                    let bot = s.bot.clone();
                    let who = s.users[(n as usize) % USERS].clone();
                    tasks.push(tokio::spawn(async move {
                        step(&bot, &who, n).await;
                        due.elapsed()
                    }));
                }
                let mut all = Vec::with_capacity(tasks.len());
                for t in tasks {
                    all.push(t.await.unwrap());
                }
                let elapsed = start.elapsed();
                latencies.lock().unwrap().extend(all);
                elapsed
            }
        })
    });
    group.finish();
    report("open loop, offered 2,000 steps/s", &latencies, None);
}

criterion_group!(benches, closed_loop, open_loop);
criterion_main!(benches);
