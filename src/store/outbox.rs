//! The outbox: messages that follow a change, written in the change's transaction and
//! delivered later by whichever process claims them. A claim is a lease: it names the
//! worker and runs out, so an entry whose worker died is taken up by another. Only the
//! first unfinished entry of a destination can be claimed, which keeps each destination
//! in order across processes. On PostgreSQL the claim skips rows another claim holds
//! (`FOR UPDATE SKIP LOCKED`); SQLite has one writer, so its claim is one statement.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};

use super::{Database, Result, Store, Tx};

/// An entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub platform: String,
    pub destination: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// The same key twice is one entry: a second write of it is ignored.
    pub dedup_key: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    pub id: String,
    pub seq: i64,
    pub platform: String,
    pub destination: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub dedup_key: String,
    pub state: String,
    pub attempts: i64,
    pub not_before: i64,
    pub claimed_by: Option<String>,
    pub created_at: i64,
    pub done_at: Option<i64>,
    pub sent_ref: Option<String>,
    pub last_error: Option<String>,
}

/// How an outbox stands, for metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    pub pending: i64,
    pub failed: i64,
    /// Age of the oldest pending entry, in milliseconds; 0 when none waits.
    pub oldest_ms: i64,
}

const COLUMNS: &str = "id, seq, platform, destination, kind, subject, body, dedup_key, state, \
                       attempts, not_before, claimed_by, created_at, done_at, sent_ref, last_error";

/// Ties between entries made in the same millisecond by this process keep their order.
static LAST_SEQ: AtomicI64 = AtomicI64::new(0);

fn next_seq(now: i64, after: i64) -> i64 {
    let base = (now.saturating_mul(1000)).max(after.saturating_add(1));
    let mut last = LAST_SEQ.load(Ordering::Relaxed);
    loop {
        let seq = base.max(last.saturating_add(1));
        match LAST_SEQ.compare_exchange(last, seq, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return seq,
            Err(seen) => last = seen,
        }
    }
}

/// Writes `entries` in `tx`: the caller's change and its messages commit together. A
/// destination's new entry sorts after every entry it already has, whatever the clocks
/// of the processes that wrote them say. How many were new.
pub(crate) async fn enqueue_in(tx: &mut Tx<'_>, entries: &[NewEntry], now: i64) -> Result<usize> {
    enqueue_at(tx, entries, now, now).await
}

/// Like `enqueue_in`, with the entries due no sooner than `not_before`.
async fn enqueue_at(
    tx: &mut Tx<'_>,
    entries: &[NewEntry],
    now: i64,
    not_before: i64,
) -> Result<usize> {
    let rows: Vec<(&NewEntry, i64, i64)> = entries.iter().map(|e| (e, now, not_before)).collect();
    Ok(insert(tx, &rows).await?.len())
}

/// The last sequence number of `n` destinations, bound as (platform, destination) pairs.
/// One index step each (`outbox_last_seq`): a join with GROUP BY read every entry a
/// destination ever had, so a busy channel's replies got slower with its history.
fn last_seq_sql(n: usize) -> String {
    format!(
        "WITH v (p, d) AS (VALUES {}) SELECT v.p, v.d, (SELECT MAX(o.seq) FROM outbox o \
         WHERE o.platform = v.p AND o.destination = v.d) FROM v",
        super::value_rows(n, 2, "")
    )
}

/// Inserts (entry, written at, due at) rows in two statements: the last sequence number
/// of each destination among them, so a new entry sorts after it whichever process
/// wrote it, then one insert of them all. The dedup keys that were new.
pub(super) async fn insert(
    tx: &mut Tx<'_>,
    rows: &[(&NewEntry, i64, i64)],
) -> std::result::Result<HashSet<String>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(HashSet::new());
    }
    let mut destinations: Vec<(&str, &str)> = rows
        .iter()
        .map(|(e, _, _)| (e.platform.as_str(), e.destination.as_str()))
        .collect();
    destinations.sort_unstable();
    destinations.dedup();
    let sql = last_seq_sql(destinations.len());
    let mut q = sqlx::query_as::<_, (String, String, Option<i64>)>(&sql);
    for (p, d) in &destinations {
        q = q.bind(*p).bind(*d);
    }
    let last: HashMap<(String, String), i64> = q
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(p, d, seq)| ((p, d), seq.unwrap_or(0)))
        .collect();
    let sql = format!(
        "INSERT INTO outbox (id, seq, platform, destination, kind, subject, body, dedup_key, \
         not_before, created_at, state, attempts) VALUES {} \
         ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key",
        super::value_rows(rows.len(), 10, ", 'pending', 0")
    );
    let mut q = sqlx::query_as::<_, (String,)>(&sql);
    for (e, now, not_before) in rows {
        let after = last
            .get(&(e.platform.clone(), e.destination.clone()))
            .copied()
            .unwrap_or(0);
        q = q
            .bind(crate::domain::ids::new_id("out"))
            .bind(next_seq(*now, after))
            .bind(&e.platform)
            .bind(&e.destination)
            .bind(&e.kind)
            .bind(&e.subject)
            .bind(&e.body)
            .bind(&e.dedup_key)
            .bind(*not_before)
            .bind(*now);
    }
    Ok(q.fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(k,)| k)
        .collect())
}

impl Store {
    /// Writes `entries` on their own, for messages that follow no change of ours (an
    /// update of a reply, once the page that changed things has answered).
    /// Entries that arrive together share one transaction (`outbox_writer`).
    pub async fn enqueue(&self, entries: &[NewEntry], now: i64) -> Result<usize> {
        self.outbox
            .enqueue(entries.to_vec(), now)
            .await
            .map_err(super::StoreError::Write)
    }

    /// Like `enqueue`, due `delay_ms` after `now`: for a message that must not overtake
    /// something the platform has not seen yet.
    pub async fn enqueue_after(
        &self,
        entries: &[NewEntry],
        now: i64,
        delay_ms: i64,
    ) -> Result<usize> {
        let mut tx = self.write.begin().await?;
        let added = enqueue_at(&mut tx, entries, now, now.saturating_add(delay_ms.max(0))).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// When the next pending entry on `platforms` falls due, if any: a cheap read, so
    /// that an idle worker does not take the write lock to find nothing.
    pub async fn outbox_next_due(&self, platforms: &[String]) -> Result<Option<i64>> {
        if platforms.is_empty() {
            return Ok(None);
        }
        // Only the first of each destination: one waiting behind it is not due before it.
        let sql = format!(
            "SELECT MIN(CASE WHEN o.claim_until IS NOT NULL AND o.claim_until > o.not_before \
             THEN o.claim_until ELSE o.not_before END) FROM outbox o \
             WHERE o.state = 'pending' AND o.platform IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.platform = o.platform \
               AND p.destination = o.destination AND p.state = 'pending' \
               AND (p.seq < o.seq OR (p.seq = o.seq AND p.id < o.id)))",
            placeholders(1, platforms.len())
        );
        let mut q = sqlx::query_as::<_, (Option<i64>,)>(&sql);
        for p in platforms {
            q = q.bind(p);
        }
        Ok(q.fetch_one(&self.read).await?.0)
    }

    /// Claims up to `limit` due entries on `platforms` for `worker` until `now + lease_ms`:
    /// each the first unfinished entry of its destination, none held by a live claim.
    pub async fn claim_outbox(
        &self,
        platforms: &[String],
        worker: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Entry>> {
        if platforms.is_empty() {
            return Ok(Vec::new());
        }
        let due = format!(
            "SELECT o.id FROM outbox o \
             WHERE o.state = 'pending' AND o.not_before <= $3 \
             AND (o.claim_until IS NULL OR o.claim_until < $3) AND o.platform IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.platform = o.platform \
               AND p.destination = o.destination AND p.state = 'pending' \
               AND (p.seq < o.seq OR (p.seq = o.seq AND p.id < o.id))) \
             ORDER BY o.seq, o.id LIMIT $4",
            placeholders(5, platforms.len())
        );
        let set = "claimed_by = $1, claim_until = $2, attempts = outbox.attempts + 1";
        let sql = match self.database {
            Database::Postgres => format!(
                "WITH due AS ({due} FOR UPDATE OF o SKIP LOCKED) \
                 UPDATE outbox SET {set} FROM due WHERE outbox.id = due.id \
                 AND outbox.state = 'pending' AND (outbox.claim_until IS NULL OR outbox.claim_until < $3) \
                 RETURNING {}",
                prefixed("outbox.")
            ),
            Database::Sqlite => {
                format!("UPDATE outbox SET {set} WHERE id IN ({due}) RETURNING {COLUMNS}")
            }
        };
        let mut q = sqlx::query_as::<_, Entry>(&sql)
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit);
        for p in platforms {
            q = q.bind(p);
        }
        let mut claimed = q.fetch_all(&self.write).await?;
        claimed.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
        Ok(claimed)
    }

    /// Records a delivery by `worker`, while its claim holds: the content is let go,
    /// where it landed is kept. False when the claim was lost.
    pub async fn outbox_sent(
        &self,
        id: &str,
        worker: &str,
        sent_ref: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        self.outbox_finish(id, worker, "sent", sent_ref, None, now)
            .await
    }

    /// Records many deliveries by `worker` in one statement: (id, where it landed). The
    /// ids whose claim still held; any other was sent after its claim ran out.
    pub async fn outbox_sent_all(
        &self,
        worker: &str,
        sent: &[(String, Option<String>)],
        now: i64,
    ) -> Result<Vec<String>> {
        if sent.is_empty() {
            return Ok(Vec::new());
        }
        let mut cases = String::new();
        let mut ids = String::new();
        for i in 0..sent.len() {
            let b = 3 + 2 * i;
            cases.push_str(&format!(" WHEN ${} THEN ${}", b, b + 1));
            if i > 0 {
                ids.push_str(", ");
            }
            ids.push_str(&format!("${b}"));
        }
        let sql = format!(
            "UPDATE outbox SET state = 'sent', done_at = $2, sent_ref = CASE id{cases} END, \
             last_error = NULL, body = '', claimed_by = NULL, claim_until = NULL \
             WHERE claimed_by = $1 AND state = 'pending' AND id IN ({ids}) RETURNING id"
        );
        let mut q = sqlx::query_as::<_, (String,)>(&sql).bind(worker).bind(now);
        for (id, at) in sent {
            q = q.bind(id).bind(at.as_deref());
        }
        Ok(q.fetch_all(&self.write)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect())
    }

    /// Records that nothing was left to send (an edit of a post that never went out).
    pub async fn outbox_skipped(
        &self,
        id: &str,
        worker: &str,
        why: &str,
        now: i64,
    ) -> Result<bool> {
        self.outbox_finish(id, worker, "skipped", None, Some(why), now)
            .await
    }

    /// Records that the platform refused the entry for good; it stays for an operator.
    pub async fn outbox_failed(
        &self,
        id: &str,
        worker: &str,
        error: &str,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'failed', done_at = $3, last_error = $4, \
             claimed_by = NULL, claim_until = NULL \
             WHERE id = $1 AND claimed_by = $2 AND state = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .bind(now)
        .bind(error)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn outbox_finish(
        &self,
        id: &str,
        worker: &str,
        state: &str,
        sent_ref: Option<&str>,
        why: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET state = $3, done_at = $4, sent_ref = $5, last_error = $6, \
             body = '', claimed_by = NULL, claim_until = NULL \
             WHERE id = $1 AND claimed_by = $2 AND state = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .bind(state)
        .bind(now)
        .bind(sent_ref)
        .bind(why)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed entry back to be tried again from `not_before`.
    pub async fn outbox_later(
        &self,
        id: &str,
        worker: &str,
        not_before: i64,
        error: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET not_before = $3, last_error = $4, claimed_by = NULL, \
             claim_until = NULL WHERE id = $1 AND claimed_by = $2 AND state = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .bind(not_before)
        .bind(error)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One entry.
    pub async fn outbox_entry(&self, id: &str) -> Result<Option<Entry>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// Entries in `states` (all when empty), oldest first, at most `limit`.
    pub async fn outbox_list(&self, states: &[&str], limit: i64) -> Result<Vec<Entry>> {
        let filter = match states.len() {
            0 => String::new(),
            n => format!("WHERE state IN ({})", placeholders(2, n)),
        };
        let sql = format!("SELECT {COLUMNS} FROM outbox {filter} ORDER BY seq, id LIMIT $1");
        let mut q = sqlx::query_as::<_, Entry>(&sql).bind(limit);
        for s in states {
            q = q.bind(*s);
        }
        Ok(q.fetch_all(&self.read).await?)
    }

    /// Sends a failed entry again, from now; false when `id` is no failed entry.
    pub async fn outbox_retry(&self, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'pending', not_before = $2, done_at = NULL, \
             attempts = 0 WHERE id = $1 AND state = 'failed'",
        )
        .bind(id)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many wait and failed, and how long the oldest has waited.
    pub async fn outbox_depth(&self, now: i64) -> Result<Depth> {
        let (pending, oldest): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'")
                .fetch_one(&self.read)
                .await?;
        let (failed,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")
                .fetch_one(&self.read)
                .await?;
        Ok(Depth {
            pending,
            failed,
            oldest_ms: oldest.map_or(0, |t| (now - t).max(0)),
        })
    }

    /// Deletes entries delivered (or found moot) before `before`.
    pub async fn forget_delivered_before(&self, before: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM outbox WHERE state IN ('sent', 'skipped') AND done_at < $1")
                .bind(before)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected())
    }
}

/// The posts about `subject` that may still reach someone, read in `tx`: what a
/// change to it must edit. `(id, platform, destination)`.
pub(crate) async fn posts_in(
    tx: &mut Tx<'_>,
    subject: &str,
) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, platform, destination FROM outbox \
         WHERE subject = $1 AND kind = 'post' AND state IN ('pending', 'sent') ORDER BY seq, id",
    )
    .bind(subject)
    .fetch_all(&mut **tx)
    .await?)
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn prefixed(prefix: &str) -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("{prefix}{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last sequence number comes from the index, one step per destination, and
    /// never from a scan of the destination's history.
    #[tokio::test]
    async fn the_last_sequence_number_is_one_index_step() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite:{}", dir.path().join("o.db").display()))
            .await
            .unwrap();
        let sql = format!("EXPLAIN QUERY PLAN {}", last_seq_sql(2));
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
        for p in ["teams", "chat:1", "teams", "chat:2"] {
            q = q.bind(p);
        }
        let plan: Vec<String> = q
            .fetch_all(&store.write)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.3)
            .collect();
        assert!(
            plan.iter()
                .any(|l| l.contains("SEARCH o USING COVERING INDEX outbox_last_seq")),
            "{plan:?}"
        );
        assert!(
            !plan
                .iter()
                .any(|l| l.contains("SCAN o") || l.contains("TEMP B-TREE")),
            "{plan:?}"
        );
    }
}
