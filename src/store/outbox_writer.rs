//! Group commit for outbox entries written on their own (a reply said after the answer,
//! not in a change's transaction). On SQLite every statement is a round trip to the
//! connection thread, and one transaction per reply (a read of the destination's last
//! sequence number, then the insert) would cap a chat platform whose every answer goes
//! through the outbox (Teams) far below what the rest of a step costs. Entries that
//! arrive together are written in one transaction of two statements: the last sequence
//! number of every destination in the batch, then one insert of them all. Each caller
//! learns how many of its own entries were new, exactly as with a transaction each.

use std::collections::HashSet;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::outbox::{NewEntry, insert};

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
    let rows: Vec<(&NewEntry, i64, i64)> = batch
        .iter()
        .flat_map(|((entries, now), _)| entries.iter().map(|e| (e, *now, *now)))
        .collect();
    let mut tx = pool.begin().await.map_err(err)?;
    let added = insert(&mut tx, &rows).await.map_err(err)?;
    tx.commit().await.map_err(err)?;
    Ok(added)
}
