//! Online backups of the embedded SQLite database (`db backup`). PostgreSQL has its own
//! tools for this (`pg_dump`, see docs/deploy.md).

use super::{Database, Result, Store, StoreError};

impl Store {
    /// Writes a consistent copy of the whole database to `file`, which must not exist,
    /// while other connections and processes go on reading and writing: `VACUUM INTO`
    /// reads one snapshot, and in WAL mode that blocks no one.
    pub async fn backup_to(&self, file: &std::path::Path) -> Result<()> {
        if self.database != Database::Sqlite {
            return Err(StoreError::Invalid(
                "db backup copies SQLite files; back up PostgreSQL with pg_dump (docs/deploy.md)"
                    .into(),
            ));
        }
        if file.exists() {
            return Err(StoreError::Invalid(format!(
                "{} exists already; name a new file",
                file.display()
            )));
        }
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(StoreError::Invalid(format!(
                "there is no directory {}; create it first",
                dir.display()
            )));
        }
        let path = file
            .to_str()
            .ok_or_else(|| StoreError::Invalid("the backup path is not valid UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.read)
            .await?;
        Ok(())
    }

    /// SQLite's own check of a database file's structure: "ok" when sound.
    pub async fn integrity(&self) -> Result<String> {
        match self.database {
            Database::Sqlite => Ok(sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&self.read)
                .await?),
            Database::Postgres => Ok("ok".into()),
        }
    }
}
