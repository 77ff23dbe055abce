//! Group commit for session updates.
//!
//! On SQLite every statement is a round trip to sqlx's connection thread, and those
//! thread hand-offs, not the disk, cap how many steps per second one file can take.
//! So concurrent updates queue here and go out as one statement per batch: an
//! `UPDATE … FROM (VALUES …)` that applies each row only if its revision still matches,
//! and returns the rows it applied. One batch is one atomic statement, so the
//! optimistic check is exactly as strict as a single-row update.

use std::collections::{HashSet, VecDeque};

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::{Result, StoreError};
use crate::domain::account::Identity;

/// Seven parameters a row keeps a batch far below SQLite's variable limit.
const MAX_BATCH: usize = 128;

pub(super) struct Update {
    pub(crate) who: Identity,
    pub(crate) rev: i64,
    pub(crate) state: String,
    pub(crate) updated_at: i64,
    pub expected: i64,
}

type Job = (Update, oneshot::Sender<std::result::Result<bool, String>>);

#[derive(Debug, Clone)]
pub(super) struct SessionWriter {
    jobs: mpsc::Sender<Job>,
}

impl SessionWriter {
    pub(crate) fn spawn(pool: AnyPool) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, queue));
        SessionWriter { jobs }
    }

    /// Applies the update if the stored revision is still `expected`.
    pub(crate) async fn update(&self, update: Update) -> Result<bool> {
        let (done, result) = oneshot::channel();
        let stopped = || StoreError::Write("the session writer has stopped".into());
        self.jobs
            .send((update, done))
            .await
            .map_err(|_| stopped())?;
        result
            .await
            .map_err(|_| stopped())?
            .map_err(StoreError::Write)
    }
}

async fn run(pool: AnyPool, mut queue: mpsc::Receiver<Job>) {
    let mut carried: VecDeque<Job> = VecDeque::new();
    loop {
        let first = match carried.pop_front() {
            Some(job) => job,
            None => match queue.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut users = HashSet::from([first.0.who.clone()]);
        let mut batch = vec![first];
        let mut deferred = Vec::new();
        while batch.len() < MAX_BATCH {
            let Some(job) = carried.pop_front().or_else(|| queue.try_recv().ok()) else {
                break;
            };
            // Two updates of one user in one statement would race inside it, and the
            // database would not say which one won: the second waits for the next batch.
            if users.insert(job.0.who.clone()) {
                batch.push(job);
            } else {
                deferred.push(job);
            }
        }
        for job in deferred.into_iter().rev() {
            carried.push_front(job);
        }
        match apply(&pool, &batch).await {
            Ok(applied) => {
                for (update, done) in batch {
                    let _ = done.send(Ok(applied.contains(&update.who)));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, rows = batch.len(), "session batch failed");
                for (_, done) in batch {
                    let _ = done.send(Err(e.to_string()));
                }
            }
        }
    }
}

async fn apply(
    pool: &AnyPool,
    batch: &[Job],
) -> std::result::Result<HashSet<Identity>, sqlx::Error> {
    let sql = format!(
        "WITH v (p, w, u, r, s, t, e) AS (VALUES {}) \
         UPDATE sessions SET rev = v.r, state = v.s, updated_at = v.t FROM v \
         WHERE sessions.platform = v.p AND sessions.workspace = v.w \
         AND sessions.user_id = v.u AND sessions.rev = v.e \
         RETURNING platform, workspace, user_id",
        super::value_rows(batch.len(), 7, "")
    );
    let mut query = sqlx::query_as::<_, (String, String, String)>(&sql);
    for (u, _) in batch {
        query = query
            .bind(&u.who.platform)
            .bind(&u.who.workspace)
            .bind(&u.who.user)
            .bind(u.rev)
            .bind(&u.state)
            .bind(u.updated_at)
            .bind(u.expected);
    }
    let rows = query.fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(platform, workspace, user)| Identity::new(&platform, &workspace, &user))
        .collect())
}
