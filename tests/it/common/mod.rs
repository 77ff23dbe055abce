//! Shared helpers for the integration tests: databases to run against.

pub mod approvals;
pub mod chat;
pub mod discord;
pub mod discord_rest;
pub mod oidc;
pub mod slack;
pub mod stripe;
pub mod teams;

use checkout_bot::store::{Store, StoreOptions};

/// A child process (a `serve`) killed when the test lets go of it.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits up to 30 s for `serve` at `base` to answer `/readyz`; whether it did.
pub async fn ready(base: &str) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// An organization named "{id} Inc".
pub async fn org(store: &Store, id: &str) {
    store
        .upsert_org(&checkout_bot::domain::account::Organization {
            id: id.into(),
            name: format!("{id} Inc"),
        })
        .await
        .unwrap();
}

/// A fresh SQLite file in a temporary directory (kept alive by the returned guard).
pub async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = Store::connect(&url).await.expect("open sqlite");
    (store, dir)
}

pub fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("test.db").display())
}

/// A fresh schema in the PostgreSQL that `TEST_POSTGRES_URL` names, or `None` (with the
/// reason printed) when it is not set. In CI an unset variable is a failure, not a skip.
pub async fn postgres(test: &str) -> Option<(Store, String)> {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "TEST_POSTGRES_URL must be set in CI (.ci/run sets it)"
        );
        eprintln!("SKIPPED on PostgreSQL: {test}: TEST_POSTGRES_URL is not set");
        return None;
    };
    let schema = format!("t_{:016x}", rand::random::<u64>());
    let mut opts = StoreOptions::new(&url);
    opts.schema = Some(schema.clone());
    Some((Store::open(opts).await.expect("open postgres"), schema))
}

/// Drops a test's schema so the shared database does not fill up.
pub async fn drop_schema(schema: &str) {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        return;
    };
    sqlx::any::install_default_drivers();
    if let Ok(pool) = sqlx::AnyPool::connect(&url).await {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await;
        pool.close().await;
    }
}

/// Runs a test body on SQLite, then on PostgreSQL when it is available.
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (store, _dir) = $crate::common::sqlite().await;
                ($body)(store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some((store, schema)) = $crate::common::postgres(stringify!($name)).await {
                    ($body)(store).await;
                    $crate::common::drop_schema(&schema).await;
                }
            }
        }
    };
}

/// Waits until the outbox has sent everything due (the worker runs in the background,
/// as in a serving process), up to a generous deadline.
pub async fn drained(store: &checkout_bot::store::Store) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let depth = store
            .outbox_depth(checkout_bot::store::now_ms())
            .await
            .unwrap();
        if depth.pending == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the outbox still holds {} entries after 20 s: {:#?}",
            depth.pending,
            store.outbox_list(&["pending"], 20).await.unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A URL to a fresh schema in the PostgreSQL that `TEST_POSTGRES_URL` names, as an
/// operator would write it for a server, and the schema (for `drop_schema`); `None`
/// with a note when no PostgreSQL is configured (never in CI).
pub async fn postgres_url(test: &str) -> Option<(String, String)> {
    let Ok(base) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "TEST_POSTGRES_URL must be set in CI (.ci/run sets it)"
        );
        eprintln!("SKIPPED on PostgreSQL: {test}: TEST_POSTGRES_URL is not set");
        return None;
    };
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base).await.expect("connect");
    let schema = format!("t_{:016x}", rand::random::<u64>());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .expect("create schema");
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((
        format!("{base}{sep}options=-c%20search_path%3D{schema}"),
        schema,
    ))
}
