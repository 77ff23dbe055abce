//! Group commit for delivery claims. Every interaction a platform sends is claimed
//! before it is handled (a replay is refused), and one INSERT per request would halve
//! what a single SQLite writer serves. Claims that arrive together are written in one
//! `INSERT … ON CONFLICT DO NOTHING RETURNING` statement; each caller learns whether its
//! own claim was the first, exactly as with one statement each.

use std::collections::HashSet;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

/// The most claims in one statement (three parameters each, within SQLite's limits).
const MAX_BATCH: usize = 200;

type Job = ((String, String, i64), oneshot::Sender<Result<bool, String>>);

#[derive(Debug, Clone)]
pub(crate) struct DeliveryWriter {
    jobs: mpsc::Sender<Job>,
}

impl DeliveryWriter {
    pub(crate) fn spawn(pool: AnyPool) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, queue));
        DeliveryWriter { jobs }
    }

    /// True the first time `(platform, id)` is claimed, in any process.
    pub(crate) async fn claim(&self, platform: &str, id: &str, at: i64) -> Result<bool, String> {
        let (done, result) = oneshot::channel();
        let stopped = || "the delivery writer has stopped".to_string();
        self.jobs
            .send(((platform.to_string(), id.to_string(), at), done))
            .await
            .map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }
}

async fn run(pool: AnyPool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcome = write(&pool, &batch).await;
        // Within a batch, only the first of two claims of one delivery can win.
        let mut answered: HashSet<(String, String)> = HashSet::new();
        for ((platform, id, _), done) in batch {
            let key = (platform, id);
            let result = match &outcome {
                Ok(inserted) => Ok(inserted.contains(&key) && answered.insert(key)),
                Err(e) => Err(e.clone()),
            };
            let _ = done.send(result);
        }
    }
}

async fn write(pool: &AnyPool, batch: &[Job]) -> Result<HashSet<(String, String)>, String> {
    let sql = format!(
        "INSERT INTO deliveries (platform, id, received_at) VALUES {} \
         ON CONFLICT (platform, id) DO NOTHING RETURNING platform, id",
        super::value_rows(batch.len(), 3, "")
    );
    let mut query = sqlx::query_as::<_, (String, String)>(&sql);
    for ((platform, id, at), _) in batch {
        query = query.bind(platform).bind(id).bind(*at);
    }
    let rows = query.fetch_all(pool).await.map_err(|e| e.to_string())?;
    Ok(rows.into_iter().collect())
}
