//! Conversation sessions: one row per (platform, workspace, user), written with an
//! optimistic revision check so that two processes can never both apply a step.

use sqlx::FromRow;

use super::session_writer::Update;
use super::{Result, Store, StoreError};
use crate::domain::account::Identity;
use crate::engine::session::Session;

/// A session as stored, with the account its identity is linked to now (none when the
/// identity was unlinked since): access follows the link, not the session's history.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub account_id: Option<String>,
    pub session: Session,
}

#[derive(FromRow)]
struct Row {
    account_id: Option<String>,
    rev: i64,
    state: String,
    updated_at: i64,
}

impl Store {
    pub async fn load_session(&self, who: &Identity) -> Result<Option<StoredSession>> {
        let row: Option<Row> = sqlx::query_as(
            "SELECT i.account_id AS account_id, s.rev AS rev, s.state AS state, \
             s.updated_at AS updated_at FROM sessions s \
             LEFT JOIN identities i ON i.platform = s.platform \
             AND i.workspace = s.workspace AND i.user_id = s.user_id \
             WHERE s.platform = $1 AND s.workspace = $2 AND s.user_id = $3",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut session: Session = serde_json::from_str(&row.state)
            .map_err(|e| StoreError::Corrupt(format!("session of {who}: {e}")))?;
        session.rev = u64::try_from(row.rev).unwrap_or(0);
        session.updated_at = row.updated_at;
        Ok(Some(StoredSession {
            account_id: row.account_id,
            session,
        }))
    }

    /// Saves `session` if the stored revision is still `expected_rev` (0: no row yet).
    /// Returns false when another event got there first; the caller reloads and retries.
    pub async fn save_session(
        &self,
        who: &Identity,
        account_id: &str,
        expected_rev: u64,
        session: &Session,
    ) -> Result<bool> {
        let state = serde_json::to_string(session)
            .map_err(|e| StoreError::Corrupt(format!("session of {who}: {e}")))?;
        let rev = i64::try_from(session.rev)
            .map_err(|_| StoreError::Corrupt("revision overflow".into()))?;
        let expected = i64::try_from(expected_rev)
            .map_err(|_| StoreError::Corrupt("revision overflow".into()))?;
        if expected_rev > 0 {
            let update = Update {
                who: who.clone(),
                rev,
                state,
                updated_at: session.updated_at,
                expected,
            };
            return self.sessions.update(update).await;
        }
        let done = sqlx::query(
            "INSERT INTO sessions (platform, workspace, user_id, account_id, rev, state, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (platform, workspace, user_id) DO NOTHING",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(account_id)
        .bind(rev)
        .bind(state)
        .bind(session.updated_at)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
