//! The outbox (issue 26) on a SQLite file: what one message costs on its way through
//! (written, claimed, recorded as sent), the same to a destination that already had
//! 10,000 messages (a busy channel: the cost must not grow with its history), and how
//! fast a worker drains a backlog of messages to many destinations, claiming 32 at a
//! time.
//!
//! No target is set for these; the figures show what the outbox adds to a change. The
//! floor, measured in the same run on the same kind of file, is a bare SQLite
//! conditional UPDATE (`… SET v = v + 1 WHERE id = $1 AND v = $2`): one message takes
//! three writes (the insert, the claim, the record), so about 3× the floor is the least
//! it could cost.

use std::time::{Duration, Instant};

use checkout_bot::store::Store;
use checkout_bot::store::outbox::NewEntry;
use criterion::{Criterion, criterion_group, criterion_main};

fn entry(destination: usize, n: usize) -> NewEntry {
    NewEntry {
        platform: "slack".into(),
        destination: format!("channel:C{destination:06}"),
        kind: "note".into(),
        subject: "CB-1".into(),
        body: r#"{"type":"note","to":{"platform":"slack","workspace":"T1","user":"U1"},"text":"Your order CB-1 was approved by Ann."}"#.into(),
        dedup_key: format!("bench:{n}"),
    }
}

async fn store(dir: &tempfile::TempDir, name: &str) -> Store {
    Store::connect(&format!("sqlite:{}", dir.path().join(name).display()))
        .await
        .unwrap()
}

/// The floor: one conditional UPDATE on a row of a small table, per call.
async fn floor(dir: &tempfile::TempDir, n: usize) -> Duration {
    use sqlx::Connection;
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("floor.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("INSERT OR REPLACE INTO t (id, v) VALUES (1, 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    let start = Instant::now();
    for v in 0..n {
        sqlx::query("UPDATE t SET v = v + 1 WHERE id = $1 AND v = $2")
            .bind(1_i64)
            .bind(v as i64)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    start.elapsed()
}

/// One message at a time: written, claimed, recorded as sent; the `i`th to destination
/// `to(i)`.
async fn one_by_one(store: &Store, n: usize, offset: usize, to: fn(usize) -> usize) -> Duration {
    let platforms = vec!["slack".to_string()];
    let start = Instant::now();
    for i in 0..n {
        let now = checkout_bot::store::now_ms();
        store
            .enqueue(&[entry(to(i), offset + i)], now)
            .await
            .unwrap();
        let claimed = store
            .claim_outbox(&platforms, "bench", now, 60_000, 32)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        store
            .outbox_sent(&claimed[0].id, "bench", None, now)
            .await
            .unwrap();
    }
    start.elapsed()
}

/// A backlog of `n` messages to `n` destinations, drained 32 claims at a time.
async fn drain(store: &Store, n: usize, offset: usize) -> Duration {
    let platforms = vec!["slack".to_string()];
    let now = checkout_bot::store::now_ms();
    let backlog: Vec<NewEntry> = (0..n).map(|i| entry(i, offset + i)).collect();
    store.enqueue(&backlog, now).await.unwrap();
    let start = Instant::now();
    let mut sent = 0;
    while sent < n {
        let claimed = store
            .claim_outbox(&platforms, "bench", now, 60_000, 32)
            .await
            .unwrap();
        assert!(!claimed.is_empty(), "the backlog ran dry at {sent}");
        for e in &claimed {
            store.outbox_sent(&e.id, "bench", None, now).await.unwrap();
        }
        sent += claimed.len();
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let one = rt.block_on(store(&dir, "one.db"));
    let busy = rt.block_on(store(&dir, "busy.db"));
    const HISTORY: usize = 10_000;
    rt.block_on(one_by_one(&busy, HISTORY, 0, |_| 0));
    let backlog = rt.block_on(store(&dir, "drain.db"));

    const N: usize = 2_000;
    let floor_us = rt.block_on(floor(&dir, N)).as_secs_f64() * 1e6 / N as f64;
    let one_us = rt.block_on(one_by_one(&one, N, 0, |i| i)).as_secs_f64() * 1e6 / N as f64;
    let busy_us = rt
        .block_on(one_by_one(&busy, N, HISTORY, |_| 0))
        .as_secs_f64()
        * 1e6
        / N as f64;
    let drained = rt.block_on(drain(&backlog, N, 0)).as_secs_f64();
    let per_s = N as f64 / drained;
    let floor_per_s = 1e6 / floor_us;
    println!(
        "outbox: floor (bare conditional UPDATE) {floor_us:.1} µs = {floor_per_s:.0}/s; \
         one message written, claimed, sent {one_us:.1} µs ({:.2} × floor); \
         the same to a destination with {HISTORY} before it {busy_us:.1} µs ({:.2} × floor); \
         a backlog of {N} to {N} destinations drained at {per_s:.0}/s ({:.3} of the floor's rate)",
        one_us / floor_us,
        busy_us / floor_us,
        per_s / floor_per_s
    );

    let mut offset = N;
    c.bench_function("outbox/one message written, claimed, sent", |b| {
        b.iter_custom(|iters| {
            let n = iters as usize;
            let took = rt.block_on(one_by_one(&one, n, offset, |i| i));
            offset += n;
            took
        })
    });
    c.bench_function("outbox/bare conditional update (floor)", |b| {
        b.iter_custom(|iters| rt.block_on(floor(&dir, iters as usize)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
