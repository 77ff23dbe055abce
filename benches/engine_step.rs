//! One engine step with its database write (a cart edit), on a SQLite file.
//!
//! Targets (issue 2): 64 concurrent users, each waiting for its reply, at least 10,000
//! steps/s with p99 at most 15 ms; an offered load of 2,000 steps/s with p99 at most 5 ms.
//! Criterion measures the time per step; the latency percentiles are printed after each
//! benchmark, since criterion reports means rather than tails.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;

#[path = "common/cart.rs"]
mod cart;

use cart::{USERS, report, runtime, setup, step};

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
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(rt.block_on(setup(&database(&dir))));
    let rate = cart::closed_loop(c, "engine_step", "cart_edit_64_users_closed_loop", &rt, s);
    println!("closed loop: {:.3} of the floor", rate / floor);
}

fn database(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("bench.db").display())
}

fn open_loop(c: &mut Criterion) {
    const RATE: u64 = 2_000;
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(rt.block_on(setup(&database(&dir))));
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
