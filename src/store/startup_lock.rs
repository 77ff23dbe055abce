//! One process at a time through start-up work that must happen once: migrations and
//! demo seeding. Two processes started together on an empty database would otherwise
//! both migrate ("table already exists") or both seed (two catalogs).
//!
//! PostgreSQL: a session-level advisory lock on a connection of its own, released on
//! `release` or, if the process dies, when its connection closes. SQLite: an exclusive
//! `flock` on `<database>.lock` beside the file, taken with retries; the kernel drops
//! it when the process dies. Not the database file itself: closing any descriptor of
//! that file would release SQLite's own POSIX locks held by this process.

use std::fs::{File, OpenOptions, TryLockError};
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection};

use super::{Database, Result, StoreError};

/// An arbitrary constant, the same in every process of every version: "ckoutbot".
const ADVISORY_KEY: i64 = 0x636b_6f75_7462_6f74;
/// How long a process waits for another one's start-up before it gives up.
const WAIT: Duration = Duration::from_secs(120);
const RETRY_EVERY: Duration = Duration::from_millis(25);

/// Held while start-up work runs. Release it with `release`.
pub(crate) struct StartupLock {
    held: Held,
}

enum Held {
    File(File),
    Postgres(AnyConnection),
    /// An in-memory SQLite database belongs to one process: nothing to exclude.
    Nothing,
}

impl StartupLock {
    pub(super) async fn acquire(database: Database, url: &str) -> Result<StartupLock> {
        let held = match database {
            Database::Postgres => {
                let mut conn = AnyConnectOptions::from_str(url)?.connect().await?;
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(ADVISORY_KEY)
                    .execute(&mut conn)
                    .await?;
                Held::Postgres(conn)
            }
            Database::Sqlite => match sqlite_file(url)? {
                Some(path) => Held::File(lock_file(&format!("{path}.lock")).await?),
                None => Held::Nothing,
            },
        };
        Ok(StartupLock { held })
    }

    pub(crate) async fn release(self) {
        match self.held {
            Held::Postgres(mut conn) => {
                let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(ADVISORY_KEY)
                    .execute(&mut conn)
                    .await;
                if let Err(e) = unlocked {
                    // Closing the connection releases it all the same.
                    tracing::warn!(error = %e, "could not release the start-up lock");
                }
                let _ = conn.close().await;
            }
            Held::File(file) => drop(file),
            Held::Nothing => {}
        }
    }
}

/// The database file a SQLite URL names, or none for an in-memory database.
pub(super) fn sqlite_file(url: &str) -> Result<Option<String>> {
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let path = opts.get_filename().to_string_lossy().to_string();
    if path.is_empty()
        || path == ":memory:"
        || url.contains(":memory:")
        || url.contains("mode=memory")
    {
        return Ok(None);
    }
    Ok(Some(path))
}

async fn lock_file(path: &str) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::Invalid(format!("cannot open the lock file {path}: {e}")))?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if started.elapsed() < WAIT => {
                tokio::time::sleep(RETRY_EVERY).await;
            }
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Invalid(format!(
                    "another process has held {path} for {}s; is one stuck starting up?",
                    WAIT.as_secs()
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Invalid(format!("cannot lock {path}: {e}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_databases_need_no_lock_file() {
        assert_eq!(sqlite_file("sqlite::memory:").unwrap(), None);
        assert_eq!(
            sqlite_file("sqlite:/tmp/x/a.db?mode=rwc")
                .unwrap()
                .as_deref(),
            Some("/tmp/x/a.db")
        );
    }

    #[tokio::test]
    async fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("t.db").display());
        let first = StartupLock::acquire(Database::Sqlite, &url).await.unwrap();
        let second = tokio::spawn({
            let url = url.clone();
            async move {
                StartupLock::acquire(Database::Sqlite, &url)
                    .await
                    .map(|_| Instant::now())
            }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let released = Instant::now();
        first.release().await;
        let acquired = second.await.unwrap().unwrap();
        assert!(
            acquired >= released,
            "the second took the lock while the first held it"
        );
    }
}
