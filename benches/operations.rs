//! Operating at scale (issue 15).
//!
//! 1. 100,000 stored sessions change neither the step latency nor the idle memory: the
//!    64-user cart-edit step on an empty SQLite file and on one holding 100,000 other
//!    sessions (the first is the floor of the second), and the resident memory of an idle
//!    `serve` process on each file.
//! 2. Several processes on PostgreSQL: signed Discord checkout steps from 64 connections
//!    against one `serve` process, then spread over two, on the same database
//!    (`TEST_POSTGRES_URL`). The floor is a bare conditional UPDATE on that PostgreSQL
//!    from 64 tasks, measured in the same run.

use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use sqlx::Connection;

#[path = "common/cart.rs"]
mod cart;
#[path = "common/load.rs"]
mod load;
#[path = "common/discord.rs"]
mod payloads;

const STORED: usize = 100_000;

/// A `serve` process, killed when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(database_url: &str, key: &SigningKey) -> Serve {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "DISCORD_PUBLIC_KEY",
            hex::encode(key.verifying_key().to_bytes()),
        )
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let process = Serve {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready(port) {
        assert!(
            Instant::now() < deadline,
            "serve on {database_url} never became ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    process
}

/// Whether `/readyz` on `port` answers 200.
fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let asked =
        s.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    asked.is_ok() && s.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.1 200")
}

/// Resident memory of a process, from /proc, in MiB.
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

/// `STORED` sessions of other buyers, copies of a real one, added to the SQLite file.
async fn store_sessions(url: &str) {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let (account, state): (String, String) =
        sqlx::query_as("SELECT account_id, state FROM sessions LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let now = checkout_bot::store::now_ms();
    let mut tx = conn.begin().await.unwrap();
    for n in 0..STORED {
        sqlx::query(
            "INSERT INTO sessions (platform, workspace, user_id, account_id, rev, state, updated_at) \
             VALUES ('bench', 'stored', $1, $2, 1, $3, $4)",
        )
        .bind(format!("stored{n}"))
        .bind(&account)
        .bind(&state)
        .bind(now - (n as i64) * 1_000)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

fn sessions_at_scale(c: &mut Criterion) {
    let rt = cart::runtime();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let mut rates = Vec::new();
    let mut memory = Vec::new();
    for (name, stored) in [("empty", false), ("100k_sessions", true)] {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("bench.db").display());
        let setup = rt.block_on(async {
            let s = cart::setup(&url).await;
            if stored {
                store_sessions(&url).await;
            }
            Arc::new(s)
        });
        let rate = cart::closed_loop(c, "sessions_at_scale", name, &rt, setup.clone());
        rates.push(rate);
        rt.block_on(setup.bot.store().close());
        drop(setup);
        // The first start runs the daily clean-up, whose scan of the sessions fills
        // SQLite's page cache (2 MiB per connection at most); a start later the same day
        // finds it claimed and is idle from the outset.
        for start in ["first start", "second start"] {
            let process = serve(&url, &key);
            std::thread::sleep(Duration::from_secs(3));
            let mib = resident_mib(process.child.id());
            println!("{name}: idle serve process, {start}: {mib:.1} MiB resident");
            memory.push(mib);
        }
    }
    println!(
        "100,000 stored sessions: {:.3} of the empty database's step rate; idle memory {:.3} \
         of the empty database's after the first start, {:.3} after the second",
        rates[1] / rates[0],
        memory[2] / memory[0],
        memory[3] / memory[1]
    );
}

/// The floor: 64 tasks each running a bare conditional UPDATE of their own row on the
/// PostgreSQL at `url` (the optimistic check a step's save makes), no engine, no HTTP.
async fn postgres_floor(url: &str) -> f64 {
    const PER_TASK: i64 = 200;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(url)
        .await
        .unwrap();
    sqlx::query("DROP TABLE IF EXISTS bench_floor")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, rev BIGINT NOT NULL, body TEXT NOT NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for u in 0..load::CONCURRENCY as i64 {
        sqlx::query("INSERT INTO bench_floor VALUES ($1, 0, '')")
            .bind(u)
            .execute(&pool)
            .await
            .unwrap();
    }
    let body = "x".repeat(2_000);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for u in 0..load::CONCURRENCY as i64 {
        let (pool, body) = (pool.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            for rev in 0..PER_TASK {
                let done = sqlx::query(
                    "UPDATE bench_floor SET body = $1, rev = rev + 1 WHERE id = $2 AND rev = $3",
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
    let rate = (PER_TASK * load::CONCURRENCY as i64) as f64 / start.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_floor")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    println!("floor, bare conditional UPDATE on PostgreSQL, 64 tasks: {rate:.0} updates/s");
    rate
}

fn postgres_processes(c: &mut Criterion) {
    let Ok(base) = std::env::var("TEST_POSTGRES_URL") else {
        println!("SKIPPED postgres_processes: TEST_POSTGRES_URL is not set");
        return;
    };
    let rt = cart::runtime();
    let schema = format!("bench_{:08x}", rand::random::<u32>());
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let floor = rt.block_on(postgres_floor(&url));
    let key = SigningKey::from_bytes(&[7u8; 32]);
    // Each run sends new interactions: an id is handled once, across processes too.
    let per_user = 4_000;
    let steps = |run: u64| {
        Arc::new(payloads::checkout_steps(
            &key,
            load::CONCURRENCY,
            per_user,
            run * (load::CONCURRENCY * per_user) as u64,
        ))
    };
    let first = serve(&url, &key);
    let path = "/discord/interactions";
    let one = load::run(
        c,
        "postgres_serve",
        "checkout_step_one_process",
        steps(0),
        vec![format!("{}{path}", first.base)],
        floor,
    );
    let second = serve(&url, &key);
    let two = load::run(
        c,
        "postgres_serve",
        "checkout_step_two_processes",
        steps(1),
        vec![
            format!("{}{path}", first.base),
            format!("{}{path}", second.base),
        ],
        floor,
    );
    println!(
        "two serve processes: {:.3} of one process's rate",
        two / one
    );
    drop((first, second));
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut conn)
            .await
            .unwrap();
    });
}

criterion_group!(benches, sessions_at_scale, postgres_processes);
criterion_main!(benches);
