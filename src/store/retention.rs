//! What the store forgets, and when: sessions idle for long, card links past their
//! expiry, delivery ids past their replay window, outbox entries delivered longer ago
//! than sessions are kept, and sign-ins from chat past `SIGNIN_VALID_DAYS`. Orders, quotes and the audit trail
//! are never deleted here or anywhere else.

use super::{Result, Store};

/// How long each kind of data is kept, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// A session (cart, answers) untouched for this long is deleted.
    pub sessions_ms: i64,
    /// A delivery id is remembered this long; platforms stop retrying within minutes.
    pub deliveries_ms: i64,
    /// Where people sign in from chat: a chat identity that signed in longer ago than
    /// this is unlinked (the chat unlinks it at its next turn too; this reaches the
    /// approvers and the quiet ones).
    pub sign_ins_ms: Option<i64>,
}

/// What one clean-up deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Collected {
    pub sessions: u64,
    pub card_links: u64,
    /// Document links a day past their expiry.
    pub document_links: u64,
    pub deliveries: u64,
    /// Expired sign-in links and codes, and sends older than the rate limits look.
    pub signins: u64,
    /// Chat identities unlinked because their sign-in was too old.
    pub unlinked: u64,
    /// Outbox entries delivered (or found moot) before `SESSION_RETAIN_DAYS` ago.
    pub delivered: u64,
}

impl Store {
    /// Deletes what `retention` no longer keeps, as of `now`.
    pub async fn collect_garbage(&self, now: i64, retention: Retention) -> Result<Collected> {
        let sessions = sqlx::query("DELETE FROM sessions WHERE updated_at < $1")
            .bind(now - retention.sessions_ms)
            .execute(&self.write)
            .await?
            .rows_affected();
        let card_links = sqlx::query("DELETE FROM card_links WHERE expires_at < $1")
            .bind(now)
            .execute(&self.write)
            .await?
            .rows_affected();
        // Kept a day past expiry, so a late click is told "expired", not "unknown".
        let document_links = sqlx::query("DELETE FROM document_links WHERE expires_at < $1")
            .bind(now - 24 * 3_600_000)
            .execute(&self.write)
            .await?
            .rows_affected();
        let deliveries = self
            .forget_deliveries(now - retention.deliveries_ms)
            .await?;
        let mut signins = 0;
        for sql in [
            "DELETE FROM signin_links WHERE expires_at < $1",
            "DELETE FROM signin_codes WHERE expires_at < $1",
            "DELETE FROM signin_waiting WHERE expires_at < $1",
        ] {
            signins += sqlx::query(sql)
                .bind(now)
                .execute(&self.write)
                .await?
                .rows_affected();
        }
        signins += sqlx::query("DELETE FROM signin_sends WHERE sent_at < $1")
            .bind(now - retention.deliveries_ms)
            .execute(&self.write)
            .await?
            .rows_affected();
        let delivered = self
            .forget_delivered_before(now - retention.sessions_ms)
            .await?;
        let mut unlinked = 0;
        if let Some(ms) = retention.sign_ins_ms {
            unlinked = sqlx::query(
                "DELETE FROM identities WHERE linked_via IN ('oidc', 'email') AND created_at < $1",
            )
            .bind(now - ms)
            .execute(&self.write)
            .await?
            .rows_affected();
        }
        Ok(Collected {
            sessions,
            card_links,
            document_links,
            deliveries,
            signins,
            unlinked,
            delivered,
        })
    }

    /// True for the one process (of all sharing this database) that may run chore
    /// `name` now: the last run was at least `every_ms` ago, and this process's
    /// conditional update is the one that moved it.
    pub async fn claim_chore(&self, name: &str, now: i64, every_ms: i64) -> Result<bool> {
        sqlx::query(
            "INSERT INTO chores (name, last_run_at) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .execute(&self.write)
        .await?;
        let claimed =
            sqlx::query("UPDATE chores SET last_run_at = $2 WHERE name = $1 AND last_run_at <= $3")
                .bind(name)
                .bind(now)
                .bind(now - every_ms)
                .execute(&self.write)
                .await?;
        Ok(claimed.rows_affected() == 1)
    }
}
