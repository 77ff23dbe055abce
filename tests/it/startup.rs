//! Several processes started at the same moment on an empty database all come up, and
//! migrations and demo data happen exactly once (4 processes, 10 rounds, each database).

use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

const PROCESSES: usize = 4;
const ROUNDS: usize = 10;

/// Starts `PROCESSES` terminal chats at once on `url` (each reads its first reply and
/// leaves at end of input) and returns what each printed, failing on any error.
fn start_together(url: &str) {
    let barrier = Arc::new(Barrier::new(PROCESSES));
    let handles: Vec<_> = (0..PROCESSES)
        .map(|i| {
            let (barrier, url) = (barrier.clone(), url.to_string());
            std::thread::spawn(move || {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkout-bot"));
                cmd.args(["chat", "--json", "--user", &format!("user{i}")])
                    .env("DATABASE_URL", &url)
                    .env_remove("DEMO_MODE")
                    .env("RUST_LOG", "warn")
                    .stdin(Stdio::null());
                barrier.wait();
                cmd.output().expect("run checkout-bot")
            })
        })
        .collect();
    for h in handles {
        let out = h.join().expect("thread");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("\"view\""),
            "a process failed to start:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Rows per table after a round: one catalog, the demo organizations and deployments,
/// the two demo accounts plus one per process, and every migration once.
async fn assert_seeded_once(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("{table}: {e}"));
            n
        }
    };
    assert_eq!(count("catalogs").await, 1, "catalogs");
    assert_eq!(count("organizations").await, 3, "organizations");
    assert_eq!(count("deployments").await, 540, "deployments");
    assert_eq!(count("accounts").await, 2 + PROCESSES as i64, "accounts");
    let (migrations, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .expect("migrations");
    assert_eq!(migrations, distinct);
    assert!(migrations >= 5);
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_starts_on_sqlite() {
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::common::sqlite_url(&dir);
        let u = url.clone();
        tokio::task::spawn_blocking(move || start_together(&u))
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_seeded_once(&url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_starts_on_postgres() {
    let Ok(base) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "TEST_POSTGRES_URL must be set in CI (.ci/run sets it)"
        );
        eprintln!("SKIPPED on PostgreSQL: simultaneous starts: TEST_POSTGRES_URL is not set");
        return;
    };
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base).await.expect("connect");
    for round in 0..ROUNDS {
        // Each round gets an empty schema of its own, named through the URL as an
        // operator would (`options=-c search_path=…`).
        let schema = format!("start_{:016x}", rand::random::<u64>());
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let u = url.clone();
        tokio::task::spawn_blocking(move || start_together(&u))
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_seeded_once(&url).await;
        crate::common::drop_schema(&schema).await;
    }
    admin.close().await;
}
