//! Group commit for outbox entries written on their own (a reply said after the answer,
//! not in a change's transaction). On SQLite every statement is a round trip to the
//! connection thread, and one transaction per reply (a read of the destination's last
//! sequence number, then the insert) would cap a chat platform whose every answer goes
//! through the outbox (Teams) far below what the rest of a step costs. Entries that
//! arrive together are written in one transaction of two statements: the last sequence
//! number of every destination in the batch, then one insert of them all. Each caller
//! learns how many of its own entries were new, exactly as with a transaction each.

use std::collections::{HashMap, HashSet};

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::outbox::{NewEntry, next_seq};

/// Twelve parameters a row keep a batch within SQLite's variable limit.
const MAX_BATCH: usize = 64;

type Job = ((Vec<NewEntry>, i64), oneshot::Sender<Result<usize, String>>);

#[derive(Debug, Clone)]
pub(crate) struct OutboxWriter {
    jobs: mpsc::Sender<Job>,
}

impl OutboxWriter {
    pub(crate) fn spawn(pool: AnyPool) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, queue));
        OutboxWriter { jobs }
    }

    /// Writes `entries`, due at `now`; how many were new.
    pub(crate) async fn enqueue(&self, entries: Vec<NewEntry>, now: i64) -> Result<usize, String> {
        let (done, result) = oneshot::channel();
        let stopped = || "the outbox writer has stopped".to_string();
        self.jobs
            .send(((entries, now), done))
            .await
            .map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }
}

async fn run(pool: AnyPool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut rows = first.0.0.len();
        let mut batch = vec![first];
        while rows < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => {
                    rows += job.0.0.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        match write(&pool, &batch).await {
            Ok(added) => {
                // A key written twice in one batch is new for its first writer only.
                let mut answered: HashSet<String> = HashSet::new();
                for ((entries, _), done) in batch {
                    let n = entries
                        .into_iter()
                        .filter(|e| {
                            added.contains(&e.dedup_key) && answered.insert(e.dedup_key.clone())
                        })
                        .count();
                    let _ = done.send(Ok(n));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = batch.len(), "outbox batch failed");
                for (_, done) in batch {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}

/// Writes the batch in one transaction; the dedup keys that were new.
async fn write(pool: &AnyPool, batch: &[Job]) -> Result<HashSet<String>, String> {
    let err = |e: sqlx::Error| e.to_string();
    let entries: Vec<(&NewEntry, i64)> = batch
        .iter()
        .flat_map(|((entries, now), _)| entries.iter().map(|e| (e, *now)))
        .collect();
    if entries.is_empty() {
        return Ok(HashSet::new());
    }
    let mut tx = pool.begin().await.map_err(err)?;
    // The last sequence number of each destination, so a new entry sorts after it
    // whichever process wrote it.
    let mut destinations: Vec<(&str, &str)> = entries
        .iter()
        .map(|(e, _)| (e.platform.as_str(), e.destination.as_str()))
        .collect();
    destinations.sort_unstable();
    destinations.dedup();
    let mut sql = String::from("WITH v (p, d) AS (VALUES ");
    for i in 0..destinations.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
    }
    sql.push_str(
        ") SELECT o.platform, o.destination, MAX(o.seq) FROM outbox o \
         JOIN v ON o.platform = v.p AND o.destination = v.d \
         GROUP BY o.platform, o.destination",
    );
    let mut q = sqlx::query_as::<_, (String, String, Option<i64>)>(&sql);
    for (p, d) in &destinations {
        q = q.bind(*p).bind(*d);
    }
    let last: HashMap<(String, String), i64> = q
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
        .into_iter()
        .map(|(p, d, seq)| ((p, d), seq.unwrap_or(0)))
        .collect();
    let mut sql = String::from(
        "INSERT INTO outbox (id, seq, platform, destination, kind, subject, body, dedup_key, \
         state, attempts, not_before, created_at) VALUES ",
    );
    for i in 0..entries.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        let b = i * 10;
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'pending', 0, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 8,
            b + 9,
            b + 10
        ));
    }
    sql.push_str(" ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key");
    let mut q = sqlx::query_as::<_, (String,)>(&sql);
    for (e, now) in &entries {
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
            .bind(*now)
            .bind(*now);
    }
    let added = q.fetch_all(&mut *tx).await.map_err(err)?;
    tx.commit().await.map_err(err)?;
    Ok(added.into_iter().map(|(k,)| k).collect())
}
