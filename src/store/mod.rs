//! Persistence: every SQL statement of the bot lives under this module.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL through sqlx's
//! `Any` driver, with portable SQL (`$1` placeholders, TEXT and BIGINT columns). On
//! SQLite all writes go through a single connection: SQLite allows one writer at a
//! time, and queueing writers in the pool is fairer and faster than letting them
//! collide on the file lock and back off (DESIGN.md §2).

pub mod addresses;
pub mod approval_chains;
pub mod approval_questions;
mod approval_steps;
pub mod approvals;
pub(crate) mod audit;
mod backup;
pub mod card_links;
mod cards;
mod catalog;
pub mod copy;
mod deliveries;
mod delivery_writer;
mod directory;
pub mod document_links;
mod orders;
mod org_domains;
pub mod outbox;
mod outbox_writer;
pub(crate) mod payment_links;
pub mod refunds;
pub mod reprice;
pub mod retention;
mod session_writer;
mod sessions;
pub mod signin;
mod startup_lock;
mod transitions;

pub(crate) use sessions::StoredSession;
pub(crate) use startup_lock::StartupLock;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("session write failed: {0}")]
    Write(String),
}

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

/// A transaction on the write pool.
pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Which database engine a store runs on.
pub(crate) enum Database {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    sessions: session_writer::SessionWriter,
    deliveries: delivery_writer::DeliveryWriter,
    outbox: outbox_writer::OutboxWriter,
    database: Database,
    /// The normalized URL, for the start-up lock's own connection.
    url: String,
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    /// PostgreSQL only: a schema to create and use, so tests can share one database.
    pub schema: Option<String>,
    pub max_connections: u32,
}

impl StoreOptions {
    pub fn new(url: &str) -> Self {
        StoreOptions {
            url: url.to_string(),
            schema: None,
            max_connections: 8,
        }
    }
}

/// `sqlite:checkout-bot.db` and friends get `mode=rwc`, so a missing file is created.
pub fn normalize_url(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_string()
    }
}

impl Store {
    pub async fn connect(url: &str) -> Result<Store> {
        Store::open(StoreOptions::new(url)).await
    }

    /// Opens a database that must exist already: a SQLite URL that names no file is an
    /// error here, not a new empty database (a mistyped `db copy --from`).
    pub async fn connect_existing(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:")
            && let Some(path) = startup_lock::sqlite_file(url)?
            && !std::path::Path::new(&path).exists()
        {
            return Err(StoreError::Invalid(format!(
                "there is no database file {path}"
            )));
        }
        Store::connect(url).await
    }

    /// Opens (creating a SQLite file if needed) and migrates.
    pub async fn open(opts: StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let url = normalize_url(&opts.url);
        let database = if url.starts_with("sqlite:") {
            Database::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Database::Postgres
        } else {
            return Err(StoreError::Invalid(
                "a database URL must start with sqlite: or postgres: (DATABASE_URL, --database-url, --from, --to)".into(),
            ));
        };
        let connect = AnyConnectOptions::from_str(&url)?;
        // Held through schema creation and migrations, so processes started together
        // on an empty database take turns.
        let lock = StartupLock::acquire(database, &url).await?;

        if let (Database::Postgres, Some(schema)) = (database, &opts.schema) {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Invalid(format!("bad schema name {schema}")));
            }
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect_with(connect.clone())
                .await?;
            admin
                .execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str())
                .await?;
            admin.close().await;
        }

        let pool = |max: u32| {
            let schema = opts.schema.clone();
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(move |conn, _| {
                    let schema = schema.clone();
                    Box::pin(async move {
                        match (database, schema) {
                            (Database::Sqlite, _) => {
                                // NORMAL is durable in WAL mode except across a power cut,
                                // where the last commits may roll back; never corrupt.
                                // The busy timeout first: switching to WAL needs a moment
                                // alone with the file, which another process may hold.
                                conn.execute(
                                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                                )
                                .await?;
                            }
                            (Database::Postgres, Some(schema)) => {
                                conn.execute(format!("SET search_path TO {schema}").as_str())
                                    .await?;
                            }
                            (Database::Postgres, None) => {}
                        }
                        Ok(())
                    })
                })
        };
        let (read, write) = match database {
            Database::Sqlite => {
                let write = pool(1).connect_with(connect.clone()).await?;
                // The writer created the file and switched it to WAL before readers open it.
                let read = pool(opts.max_connections.clamp(1, 4))
                    .connect_with(connect)
                    .await?;
                (read, write)
            }
            Database::Postgres => {
                let p = pool(opts.max_connections).connect_with(connect).await?;
                (p.clone(), p)
            }
        };
        let sessions = session_writer::SessionWriter::spawn(write.clone());
        let deliveries = delivery_writer::DeliveryWriter::spawn(write.clone());
        let outbox = outbox_writer::OutboxWriter::spawn(write.clone());
        let store = Store {
            read,
            write,
            sessions,
            deliveries,
            outbox,
            database,
            url,
        };
        let migrated = store.migrate().await;
        lock.release().await;
        migrated?;
        Ok(store)
    }

    /// Excludes every other process's start-up work (migrations, demo seeding) until
    /// released.
    pub(crate) async fn startup_lock(&self) -> Result<StartupLock> {
        StartupLock::acquire(self.database, &self.url).await
    }

    /// Applies the migrations this binary carries that the database lacks. Migrations
    /// that the database has and this binary does not (a newer binary ran here) are
    /// allowed: they only add, so an older binary still starts during a rolling upgrade
    /// or after a rollback (docs/deploy.md).
    pub(crate) async fn migrate(&self) -> Result<()> {
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.set_ignore_missing(true);
        migrator.run(&self.write).await?;
        Ok(())
    }

    /// Whether the database answers: for health checks.
    /// Whether every migration this binary carries has been applied: a process started
    /// from an older binary, or a database not yet upgraded, is not ready.
    pub async fn schema_current(&self) -> Result<bool> {
        let newest = sqlx::migrate!("./migrations")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or_default();
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.read)
                .await?;
        Ok(applied.unwrap_or_default() >= newest)
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Unix milliseconds now.
/// `($1, …, $width), ($width+1, …), …` for `n` rows of a multi-row VALUES, each row
/// ending in `literals` (such as `, 'pending', 0`): the batch statements bind row by row.
pub(crate) fn value_rows(n: usize, width: usize, literals: &str) -> String {
    (0..n)
        .map(|row| {
            let cells = (1..=width)
                .map(|c| format!("${}", row * width + c))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({cells}{literals})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_missing_files() {
        assert_eq!(normalize_url("sqlite:a.db"), "sqlite:a.db?mode=rwc");
        assert_eq!(
            normalize_url("sqlite://a.db?x=1"),
            "sqlite://a.db?x=1&mode=rwc"
        );
        assert_eq!(normalize_url("sqlite:a.db?mode=ro"), "sqlite:a.db?mode=ro");
        assert_eq!(normalize_url("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn value_rows_number_the_parameters_row_by_row() {
        assert_eq!(value_rows(2, 3, ""), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(value_rows(1, 2, ", 'pending', 0"), "($1, $2, 'pending', 0)");
        assert_eq!(value_rows(0, 2, ""), "");
    }
}
