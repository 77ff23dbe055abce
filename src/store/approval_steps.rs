//! The steps of an order's approval and the votes at its `all` steps. A step leaves
//! `pending` once, by a conditional update, and a vote is one row per approver and
//! step: however many clicks race, each is recorded once. The approvals module calls
//! these inside a decision's transaction, after it has locked the order.

use std::collections::HashMap;

use sqlx::FromRow;

use super::approval_chains::{approvers_columns, approvers_from};
use super::{Result, Store, StoreError, Tx};
use crate::domain::approval_chain::{Rule, Step, StepPlan, StepStatus, StepWhy, Vote};

#[derive(FromRow)]
struct StepRow {
    approval_id: String,
    position: i64,
    name: String,
    approvers: Option<String>,
    role: Option<String>,
    rule: String,
    why: String,
    status: String,
    opened_at: Option<i64>,
    reminded_at: Option<i64>,
    escalated_at: Option<i64>,
    decided_at: Option<i64>,
    decided_by: Option<String>,
    on_behalf_of: Option<String>,
    reason: Option<String>,
}

const STEP_COLUMNS: &str = "approval_id, position, name, approvers, role, rule, why, status, \
     opened_at, reminded_at, escalated_at, decided_at, decided_by, on_behalf_of, reason";

#[derive(FromRow)]
struct VoteRow {
    position: i64,
    voter: String,
    actor: String,
    at: i64,
}

impl StepRow {
    fn into_step(self, votes: Vec<Vote>) -> Result<Step> {
        Ok(Step {
            approvers: approvers_from(self.approvers.as_deref(), self.role.as_deref())?,
            rule: Rule::parse(&self.rule)
                .ok_or_else(|| StoreError::Corrupt(format!("step rule {}", self.rule)))?,
            why: StepWhy::from_stored(&self.why),
            status: StepStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("step status {}", self.status)))?,
            approval_id: self.approval_id,
            position: self.position,
            name: self.name,
            opened_at: self.opened_at,
            reminded_at: self.reminded_at,
            escalated_at: self.escalated_at,
            decided_at: self.decided_at,
            decided_by: self.decided_by,
            on_behalf_of: self.on_behalf_of,
            reason: self.reason,
            votes,
        })
    }
}

fn assemble(rows: Vec<StepRow>, votes: Vec<VoteRow>) -> Result<Vec<Step>> {
    let mut by_step: HashMap<i64, Vec<Vote>> = HashMap::new();
    for v in votes {
        by_step.entry(v.position).or_default().push(Vote {
            voter: v.voter,
            actor: v.actor,
            at: v.at,
        });
    }
    rows.into_iter()
        .map(|r| {
            let votes = by_step.remove(&r.position).unwrap_or_default();
            r.into_step(votes)
        })
        .collect()
}

const STEPS_OF: &str = "SELECT approval_id, position, name, approvers, role, rule, why, status, \
     opened_at, reminded_at, escalated_at, decided_at, decided_by, on_behalf_of, reason \
     FROM approval_steps WHERE approval_id = $1 ORDER BY position";
const VOTES_OF: &str = "SELECT position, voter, actor, at FROM approval_votes WHERE approval_id = $1 ORDER BY at, voter";

/// Writes an approval's steps: the first open from `at`, the others waiting for it.
pub(super) async fn open_steps_in(
    tx: &mut Tx<'_>,
    approval_id: &str,
    steps: &[StepPlan],
    at: i64,
) -> Result<()> {
    for (i, s) in steps.iter().enumerate() {
        let (people, role) = approvers_columns(&s.approvers);
        let first = i == 0;
        sqlx::query(&format!(
            "INSERT INTO approval_steps ({STEP_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, NULL, NULL, NULL)"
        ))
        .bind(approval_id)
        .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
        .bind(&s.name)
        .bind(people)
        .bind(role)
        .bind(s.rule.as_str())
        .bind(s.why.as_stored())
        .bind(if first { "pending" } else { "waiting" })
        .bind(first.then_some(at))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// An approval's steps inside `tx`, with their votes.
pub(super) async fn steps_in(tx: &mut Tx<'_>, approval_id: &str) -> Result<Vec<Step>> {
    let rows: Vec<StepRow> = sqlx::query_as(STEPS_OF)
        .bind(approval_id)
        .fetch_all(&mut **tx)
        .await?;
    let votes: Vec<VoteRow> = sqlx::query_as(VOTES_OF)
        .bind(approval_id)
        .fetch_all(&mut **tx)
        .await?;
    assemble(rows, votes)
}

/// Closes an approval's open and waiting steps with `status` (expired, or rejected
/// when another step was).
pub(super) async fn close_steps_in(
    tx: &mut Tx<'_>,
    approval_id: &str,
    status: StepStatus,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE approval_steps SET status = $2, decided_at = $3 \
         WHERE approval_id = $1 AND status IN ('pending', 'waiting')",
    )
    .bind(approval_id)
    .bind(status.as_str())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves the request on by one change, so every copy is edited once for it.
pub(super) async fn bump_in(tx: &mut Tx<'_>, approval_id: &str) -> Result<()> {
    sqlx::query("UPDATE approvals SET revision = revision + 1 WHERE id = $1")
        .bind(approval_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a click did to the step it was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StepMove {
    /// The step was decided (approved or rejected) by this click.
    Decided,
    /// A vote was counted at an `all` step that still needs others.
    Voted,
    /// This approver had voted already.
    AlreadyVoted,
    /// Someone decided the step first.
    Lost,
}

/// Records one click on the open step `position`: a rejection or an `any` approval
/// decides it; at an `all` step a vote is counted, and the vote that completes
/// `needed` decides it. Conditional, so racing clicks decide once.
#[allow(clippy::too_many_arguments)]
pub(super) async fn click_step_in(
    tx: &mut Tx<'_>,
    approval_id: &str,
    position: i64,
    rule: Rule,
    approve: bool,
    d: (&str, Option<&str>, Option<&str>, i64),
    needed: &[String],
    decides_alone: bool,
) -> Result<StepMove> {
    let (actor, on_behalf_of, reason, at) = d;
    if approve && rule == Rule::All && !decides_alone {
        let voter = on_behalf_of.unwrap_or(actor);
        let counted = sqlx::query(
            "INSERT INTO approval_votes (approval_id, position, voter, actor, at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(approval_id)
        .bind(position)
        .bind(voter)
        .bind(actor)
        .bind(at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if counted == 0 {
            return Ok(StepMove::AlreadyVoted);
        }
        let voters: Vec<(String,)> = sqlx::query_as(
            "SELECT voter FROM approval_votes WHERE approval_id = $1 AND position = $2",
        )
        .bind(approval_id)
        .bind(position)
        .fetch_all(&mut **tx)
        .await?;
        let complete = needed.iter().all(|n| voters.iter().any(|(v,)| v == n));
        if !complete {
            return Ok(StepMove::Voted);
        }
    }
    let decided = sqlx::query(
        "UPDATE approval_steps SET status = $3, decided_at = $4, decided_by = $5, \
         on_behalf_of = $6, reason = $7 WHERE approval_id = $1 AND position = $2 AND status = 'pending'",
    )
    .bind(approval_id)
    .bind(position)
    .bind(if approve { "approved" } else { "rejected" })
    .bind(at)
    .bind(actor)
    .bind(on_behalf_of)
    .bind(reason)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(if decided == 1 {
        StepMove::Decided
    } else {
        StepMove::Lost
    })
}

/// Opens the first waiting step after an approved one; `None` when none is left.
pub(super) async fn open_next_in(
    tx: &mut Tx<'_>,
    approval_id: &str,
    at: i64,
) -> Result<Option<i64>> {
    let next: Option<(i64,)> = sqlx::query_as(
        "SELECT position FROM approval_steps WHERE approval_id = $1 AND status = 'waiting' \
         ORDER BY position LIMIT 1",
    )
    .bind(approval_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((position,)) = next else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE approval_steps SET status = 'pending', opened_at = $3 \
         WHERE approval_id = $1 AND position = $2 AND status = 'waiting'",
    )
    .bind(approval_id)
    .bind(position)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(Some(position))
}

impl Store {
    /// An approval's steps in order, with their votes.
    pub async fn approval_steps(&self, approval_id: &str) -> Result<Vec<Step>> {
        let rows: Vec<StepRow> = sqlx::query_as(STEPS_OF)
            .bind(approval_id)
            .fetch_all(&self.read)
            .await?;
        let votes: Vec<VoteRow> = sqlx::query_as(VOTES_OF)
            .bind(approval_id)
            .fetch_all(&self.read)
            .await?;
        assemble(rows, votes)
    }

    /// Open steps nobody decided since `opened_before` and not escalated yet, whose order
    /// still waits: (approval id, position).
    pub async fn steps_to_escalate(
        &self,
        opened_before: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT s.approval_id, s.position FROM approval_steps s \
             JOIN approvals a ON a.id = s.approval_id JOIN orders o ON o.number = a.order_number \
             WHERE s.status = 'pending' AND s.escalated_at IS NULL AND s.opened_at < $1 \
             AND a.status = 'pending' AND o.status = 'awaiting_approval' \
             ORDER BY s.opened_at, s.approval_id LIMIT $2",
        )
        .bind(opened_before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await?)
    }

    /// Open steps due a reminder: waiting since before `since` (their opening, or the
    /// last answer to a question about them), not reminded since, no question open.
    pub async fn steps_to_remind(&self, since: i64, limit: usize) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT s.approval_id, s.position FROM approval_steps s \
             JOIN approvals a ON a.id = s.approval_id JOIN orders o ON o.number = a.order_number \
             WHERE s.status = 'pending' AND s.reminded_at IS NULL \
             AND a.status = 'pending' AND o.status = 'awaiting_approval' \
             AND COALESCE((SELECT MAX(q.answered_at) FROM approval_questions q \
                 WHERE q.approval_id = s.approval_id AND q.position = s.position), s.opened_at) < $1 \
             AND NOT EXISTS (SELECT 1 FROM approval_questions q WHERE q.approval_id = s.approval_id \
                 AND q.position = s.position AND q.answered_at IS NULL) \
             ORDER BY s.opened_at, s.approval_id LIMIT $2",
        )
        .bind(since)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await?)
    }
}
