//! Approvals: each organization's policy and channel, the approvals orders wait for, the
//! chat messages that carry them, and delegations.
//!
//! A decision, an expiry and a reminder each change one row with a conditional update
//! (`… WHERE status = 'pending'`, `… AND reminded_at IS NULL`): however many clicks or
//! processes race, one update matches and the others change nothing. Every transaction
//! here starts with a write, which takes the order's lock first (DESIGN.md: a SQLite
//! transaction that read first could not upgrade).

use rust_decimal::Decimal;
use sqlx::FromRow;

use super::approval_steps::{
    StepMove, bump_in, click_step_in, close_steps_in, open_next_in, steps_in,
};
use super::directory::new_id;
use super::outbox::{NewEntry, enqueue_in, posts_in};
use super::transitions::{self, Entry, Transition, transition_in};
use super::{Result, Store, StoreError, Tx};
use crate::domain::account::Identity;
use crate::domain::approval::{
    Approval, Delegation, Policy, Posted, Status, Verdict, Why, shown_key,
};
use crate::domain::approval_chain::{Step, StepStatus};
use crate::domain::order::OrderStatus;

#[derive(FromRow)]
struct Row {
    id: String,
    order_number: String,
    org_id: String,
    requested_by: String,
    why: String,
    status: String,
    created_at: i64,
    reminded_at: Option<i64>,
    decided_at: Option<i64>,
    decided_by: Option<String>,
    on_behalf_of: Option<String>,
    reason: Option<String>,
    revision: i64,
    restarted_at: Option<i64>,
    restart_reason: Option<String>,
}

const COLUMNS: &str = "a.id, a.order_number, a.org_id, a.requested_by, a.why, a.status, a.created_at, \
     a.reminded_at, a.decided_at, a.decided_by, a.on_behalf_of, a.reason, a.revision, \
     a.restarted_at, a.restart_reason";

impl Row {
    fn into_approval(self) -> Result<Approval> {
        let status = Status::ALL
            .into_iter()
            .find(|s| s.as_str() == self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("approval status {}", self.status)))?;
        Ok(Approval {
            why: Why::from_stored(&self.why),
            id: self.id,
            order_number: self.order_number,
            org_id: self.org_id,
            requested_by: self.requested_by,
            status,
            created_at: self.created_at,
            reminded_at: self.reminded_at,
            decided_at: self.decided_at,
            decided_by: self.decided_by,
            on_behalf_of: self.on_behalf_of,
            reason: self.reason,
            revision: self.revision,
            restarted: self.restarted_at.zip(self.restart_reason),
        })
    }
}

fn approvals(rows: Vec<Row>) -> Result<Vec<Approval>> {
    rows.into_iter().map(Row::into_approval).collect()
}

fn money(text: Option<String>) -> Result<Option<Decimal>> {
    text.map(|t| {
        t.parse()
            .map_err(|_| StoreError::Corrupt(format!("approval limit {t}")))
    })
    .transpose()
}

/// A decision to record: who clicked, for whom, and when.
pub struct Decision<'a> {
    pub approval_id: &'a str,
    pub verdict: &'a Verdict,
    /// The account that clicked.
    pub actor: &'a str,
    /// The approver a delegate acts for.
    pub on_behalf_of: Option<&'a str>,
    /// How the audit trail names the decider, e.g. "Ann (acc_1) on behalf of Bo (acc_2)".
    pub described: &'a str,
    pub at: i64,
    /// The copy of the request that was clicked: the answer to the click updates it, so
    /// it is recorded as showing the decision at once.
    pub clicked: Option<&'a Posted>,
    /// The messages that follow the decision, written with it.
    pub news: Option<&'a News>,
    /// The step the click was for (its button's); `None` for whichever is open.
    pub step: Option<i64>,
    /// At an `all` step: every approver whose vote it needs, as they stand now.
    pub needed: &'a [String],
    /// The clicker decides the step whatever its rule: an admin at an escalated step.
    pub decides_alone: bool,
}

/// What a decision or an expiry changed, read inside its transaction, for the messages
/// that follow it.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The order's approvals as they now stand.
    pub approvals: Vec<Approval>,
    /// Every copy of those requests, sent or still to be sent.
    pub copies: Vec<CopyOf>,
    /// The order's status now.
    pub order_status: OrderStatus,
    /// The step the change opened, as (approval, position): its request goes out now.
    pub opened: Option<(String, i64)>,
    /// The question the change asked or answered.
    pub question: Option<String>,
}

/// One copy of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOf {
    /// Posted, or to be posted, by outbox entry `entry`.
    Entry {
        approval_id: String,
        entry: String,
        platform: String,
        destination: String,
    },
    /// Posted before the outbox existed.
    Posted { approval_id: String, at: Posted },
}

/// Makes the messages that follow a change from what it changed.
pub type News = dyn Fn(&Changed) -> Vec<NewEntry> + Send + Sync;

/// A statement about one copy of a request: `$1` the approval, `$2` to `$4` where the
/// copy is, `$5` which decision it shows.
fn copy_query<'q>(
    sql: &'q str,
    approval_id: &'q str,
    at: &'q Posted,
    shown: Option<&'q str>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(approval_id)
        .bind(&at.platform)
        .bind(&at.channel_id)
        .bind(&at.message_id)
        .bind(shown)
}

/// What `number`'s approvals and their copies look like inside `tx`.
pub(super) async fn changed_in(
    tx: &mut Tx<'_>,
    number: &str,
    order_status: OrderStatus,
) -> Result<Changed> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM approvals a WHERE a.order_number = $1 ORDER BY a.created_at, a.id"
    ))
    .bind(number)
    .fetch_all(&mut **tx)
    .await?;
    let approvals = approvals(rows)?;
    let mut copies = Vec::new();
    for a in &approvals {
        let posts = posts_in(tx, &a.id).await?;
        if posts.is_empty() {
            let old: Vec<Posted> = sqlx::query_as(
                "SELECT platform, channel_id, message_id FROM approval_messages \
                 WHERE approval_id = $1 ORDER BY platform, channel_id, message_id",
            )
            .bind(&a.id)
            .fetch_all(&mut **tx)
            .await?;
            copies.extend(old.into_iter().map(|at| CopyOf::Posted {
                approval_id: a.id.clone(),
                at,
            }));
        }
        copies.extend(
            posts
                .into_iter()
                .map(|(entry, platform, destination)| CopyOf::Entry {
                    approval_id: a.id.clone(),
                    entry,
                    platform,
                    destination,
                }),
        );
    }
    Ok(Changed {
        approvals,
        copies,
        order_status,
        opened: None,
        question: None,
    })
}

/// The order and organization of an approval, inside `tx`.
async fn order_and_org_in(tx: &mut Tx<'_>, approval_id: &str) -> Result<(String, String)> {
    Ok(
        sqlx::query_as("SELECT order_number, org_id FROM approvals WHERE id = $1")
            .bind(approval_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Records what the bot itself did about a request (`{what} {org}`, such as a reminder)
/// in its order's trail; the order's number.
async fn system_entry_in(
    tx: &mut Tx<'_>,
    approval_id: &str,
    at: i64,
    what: &str,
    new: &str,
) -> Result<String> {
    let (number, org) = order_and_org_in(tx, approval_id).await?;
    let entry = Entry {
        number: &number,
        at,
        actor: "system",
        action: &format!("{what} {org}"),
        old: None,
        new: Some(new),
    };
    transitions::append(&mut **tx, &entry).await?;
    Ok(number)
}

/// Takes the lock of the order a pending approval waits for, if the order still waits:
/// every change to a request starts here, so racing changes queue on one row.
pub(super) async fn lock_waiting_order_in(tx: &mut Tx<'_>, approval_id: &str) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE orders SET updated_at = updated_at WHERE status = 'awaiting_approval' \
         AND number = (SELECT order_number FROM approvals WHERE id = $1 AND status = 'pending')",
    )
    .bind(approval_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// What recording a decision came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// This click was recorded at step `step`; the order is now in `order_status`.
    Done {
        approval: Approval,
        order_status: OrderStatus,
        step: i64,
        /// A vote at an `all` step that still needs others.
        voted: bool,
        /// The step this opened, when it approved one that had a next.
        opened: Option<i64>,
    },
    /// This approver's vote at this step was counted before.
    AlreadyVoted(Approval),
    /// Someone decided the step first, it expired, or the order stopped waiting.
    TooLate(Approval),
    /// No such request, or no such step.
    Unknown,
}

/// "step 2 of 3 (Finance): " for the audit trail of a chain; nothing for one step.
fn step_label(step: &Step, of: usize) -> String {
    match (of, step.name.as_str()) {
        (0 | 1, "") => String::new(),
        (_, "") => format!("step {} of {of}: ", step.position),
        (_, name) => format!("step {} of {of} ({name}): ", step.position),
    }
}

impl Store {
    pub async fn approval(&self, id: &str) -> Result<Option<Approval>> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM approvals a WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(Row::into_approval).transpose()
    }

    /// The approvals an order waits or waited for, one per organization.
    pub async fn approvals_of(&self, order_number: &str) -> Result<Vec<Approval>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM approvals a WHERE a.order_number = $1 ORDER BY a.org_id"
        ))
        .bind(order_number)
        .fetch_all(&self.read)
        .await?;
        approvals(rows)
    }

    /// Pending approvals of an organization whose order still waits, oldest first.
    pub async fn pending_approvals(&self, org_id: &str) -> Result<Vec<Approval>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM approvals a JOIN orders o ON o.number = a.order_number \
             WHERE a.org_id = $1 AND a.status = 'pending' AND o.status = 'awaiting_approval' \
             ORDER BY a.created_at, a.id"
        ))
        .bind(org_id)
        .fetch_all(&self.read)
        .await?;
        approvals(rows)
    }

    /// Records one click on a request's open step exactly once, with its audit entry,
    /// and moves the request and the order on in the same transaction: a rejection ends
    /// the approval and rejects the order; an approval of the step (any one approver, or
    /// the last vote an `all` step needs) opens the next step, or approves the request
    /// and, when it was the last the order waited for, leaves the order awaiting payment.
    pub async fn decide(&self, d: &Decision<'_>) -> Result<Recorded> {
        let mut tx = self.write.begin().await?;
        let locked = lock_waiting_order_in(&mut tx, d.approval_id).await?;
        let steps = steps_in(&mut tx, d.approval_id).await?;
        let open = steps.iter().find(|s| s.status == StepStatus::Pending);
        let target = match (locked, open, d.step) {
            (true, Some(open), None) => Some(open),
            (true, Some(open), Some(p)) if p == open.position => Some(open),
            _ => None,
        };
        let Some(step) = target.cloned() else {
            tx.rollback().await?;
            let forged = d
                .step
                .is_some_and(|p| !steps.iter().any(|s| s.position == p));
            return Ok(match self.approval(d.approval_id).await? {
                Some(_) if forged => Recorded::Unknown,
                Some(a) => Recorded::TooLate(a),
                None => Recorded::Unknown,
            });
        };
        let approve = matches!(d.verdict, Verdict::Approve);
        let reason = match d.verdict {
            Verdict::Reject { reason } => Some(reason.as_str()),
            Verdict::Approve => None,
        };
        let moved = click_step_in(
            &mut tx,
            d.approval_id,
            step.position,
            step.rule,
            approve,
            (d.actor, d.on_behalf_of, reason, d.at),
            d.needed,
            d.decides_alone,
        )
        .await?;
        match moved {
            StepMove::Decided | StepMove::Voted => {}
            StepMove::AlreadyVoted | StepMove::Lost => {
                tx.rollback().await?;
                return Ok(match self.approval(d.approval_id).await? {
                    Some(a) if moved == StepMove::AlreadyVoted => Recorded::AlreadyVoted(a),
                    Some(a) => Recorded::TooLate(a),
                    None => Recorded::Unknown,
                });
            }
        }
        let (number, org) = order_and_org_in(&mut tx, d.approval_id).await?;
        let label = step_label(&step, steps.len());
        let outcome = match (d.verdict, moved) {
            (Verdict::Approve, StepMove::Voted) => format!("{label}vote by {}", d.described),
            (Verdict::Approve, _) => format!("{label}approved by {}", d.described),
            (Verdict::Reject { reason }, _) => {
                format!("{label}rejected by {}: {reason}", d.described)
            }
        };
        let entry = Entry {
            number: &number,
            at: d.at,
            actor: d.actor,
            action: &format!("approval {org}"),
            old: Some(Status::Pending.as_str()),
            new: Some(&outcome),
        };
        transitions::append(&mut *tx, &entry).await?;
        let mut opened = None;
        let finished = match (approve, moved) {
            (_, StepMove::Voted) => None,
            (false, _) => {
                close_steps_in(&mut tx, d.approval_id, StepStatus::Rejected, d.at).await?;
                Some(Status::Rejected)
            }
            (true, _) => {
                opened = open_next_in(&mut tx, d.approval_id, d.at).await?;
                opened.is_none().then_some(Status::Approved)
            }
        };
        if let Some(status) = finished {
            sqlx::query(
                "UPDATE approvals SET status = $2, decided_at = $3, decided_by = $4, on_behalf_of = $5, \
                 reason = $6 WHERE id = $1 AND status = 'pending'",
            )
            .bind(d.approval_id)
            .bind(status.as_str())
            .bind(d.at)
            .bind(d.actor)
            .bind(d.on_behalf_of)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
        bump_in(&mut tx, d.approval_id).await?;
        let (revision,): (i64,) = sqlx::query_as("SELECT revision FROM approvals WHERE id = $1")
            .bind(d.approval_id)
            .fetch_one(&mut *tx)
            .await?;
        if let Some(at) = d.clicked {
            let status = finished.unwrap_or(Status::Pending);
            let decided_at = if finished.is_some() { d.at } else { 0 };
            copy_query(
                "UPDATE approval_messages SET shown = $5 \
                 WHERE approval_id = $1 AND platform = $2 AND channel_id = $3 AND message_id = $4",
                d.approval_id,
                at,
                Some(&shown_key(status, decided_at, revision)),
            )
            .execute(&mut *tx)
            .await?;
        }
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM approvals WHERE order_number = $1 AND status <> 'approved'",
        )
        .bind(&number)
        .fetch_one(&mut *tx)
        .await?;
        let next = match finished {
            Some(Status::Rejected) => Some(OrderStatus::Rejected),
            Some(Status::Approved) if waiting == 0 => Some(OrderStatus::AwaitingPayment),
            _ => None,
        };
        if let Some(to) = next {
            transition_in(
                &mut tx,
                &Transition {
                    number: &number,
                    account: None,
                    from: Some(OrderStatus::AwaitingApproval),
                    to,
                    kind: None,
                    actor: d.actor,
                },
            )
            .await?;
        }
        if let Some(news) = d.news {
            let mut changed = changed_in(
                &mut tx,
                &number,
                next.unwrap_or(OrderStatus::AwaitingApproval),
            )
            .await?;
            changed.opened = opened.map(|p| (d.approval_id.to_string(), p));
            enqueue_in(&mut tx, &news(&changed), super::now_ms()).await?;
        }
        tx.commit().await?;
        let approval = self
            .approval(d.approval_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("approval {} vanished", d.approval_id)))?;
        Ok(Recorded::Done {
            approval,
            order_status: next.unwrap_or(OrderStatus::AwaitingApproval),
            step: step.position,
            voted: moved == StepMove::Voted,
            opened,
        })
    }

    /// Pending approvals created before `created_before` whose order still waits.
    pub async fn approvals_older_than(
        &self,
        created_before: i64,
        limit: usize,
    ) -> Result<Vec<Approval>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM approvals a JOIN orders o ON o.number = a.order_number \
             WHERE a.status = 'pending' AND o.status = 'awaiting_approval' AND a.created_at < $1 \
             ORDER BY a.created_at, a.id LIMIT $2"
        ))
        .bind(created_before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await?;
        approvals(rows)
    }

    /// Claims the one reminder an approval gets. True for exactly one caller.
    pub async fn claim_reminder(&self, approval_id: &str, at: i64) -> Result<bool> {
        self.claim_reminder_with(approval_id, at, &[]).await
    }

    /// `claim_reminder`, writing `posts` (the reminder's messages) with the claim.
    pub async fn claim_reminder_with(
        &self,
        approval_id: &str,
        at: i64,
        posts: &[NewEntry],
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        // One reminder per step: the open one's.
        let claimed = sqlx::query(
            "UPDATE approval_steps SET reminded_at = $2 WHERE approval_id = $1 \
             AND status = 'pending' AND reminded_at IS NULL \
             AND EXISTS (SELECT 1 FROM approvals WHERE id = $1 AND status = 'pending')",
        )
        .bind(approval_id)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if claimed {
            sqlx::query("UPDATE approvals SET reminded_at = $2 WHERE id = $1")
                .bind(approval_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            system_entry_in(&mut tx, approval_id, at, "reminder", "sent").await?;
            // Sent from now, whatever time the sweep was asked to act as of.
            enqueue_in(&mut tx, posts, super::now_ms()).await?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Offers the open step `position` of a request to the organization's admins as
    /// well, once: true for exactly one caller, who writes `news` (the new posts and
    /// the copies' edits) with it.
    pub async fn escalate_with(
        &self,
        approval_id: &str,
        position: i64,
        at: i64,
        news: &News,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let locked = lock_waiting_order_in(&mut tx, approval_id).await?;
        let claimed = locked
            && sqlx::query(
                "UPDATE approval_steps SET escalated_at = $3 WHERE approval_id = $1 AND position = $2 \
                 AND status = 'pending' AND escalated_at IS NULL",
            )
            .bind(approval_id)
            .bind(position)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
        if !claimed {
            tx.rollback().await?;
            return Ok(false);
        }
        let number = system_entry_in(
            &mut tx,
            approval_id,
            at,
            "escalation",
            &format!("step {position}"),
        )
        .await?;
        bump_in(&mut tx, approval_id).await?;
        let changed = changed_in(&mut tx, &number, OrderStatus::AwaitingApproval).await?;
        enqueue_in(&mut tx, &news(&changed), super::now_ms()).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Claims the announcement of a new request, so one process posts it.
    pub async fn claim_announcement(&self, approval_id: &str, at: i64) -> Result<bool> {
        self.claim_announcement_with(approval_id, at, &[]).await
    }

    /// `claim_announcement`, writing `posts` (the request's messages) with the claim.
    pub async fn claim_announcement_with(
        &self,
        approval_id: &str,
        at: i64,
        posts: &[NewEntry],
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let claimed = sqlx::query(
            "UPDATE approvals SET announced_at = $2 WHERE id = $1 AND announced_at IS NULL",
        )
        .bind(approval_id)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if claimed {
            enqueue_in(&mut tx, posts, super::now_ms()).await?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Pending requests nobody has announced yet, created before `created_before`.
    pub async fn unannounced_approvals(&self, created_before: i64) -> Result<Vec<Approval>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM approvals a WHERE a.status = 'pending' AND a.announced_at IS NULL \
             AND a.created_at < $1 ORDER BY a.created_at, a.id LIMIT 100"
        ))
        .bind(created_before)
        .fetch_all(&self.read)
        .await?;
        approvals(rows)
    }

    /// Expires a pending approval and its order, once. The order's other pending
    /// approvals expire with it: nothing is left to decide.
    pub async fn expire_approval(&self, approval_id: &str, at: i64) -> Result<Option<Approval>> {
        self.expire_approval_with(approval_id, at, None).await
    }

    /// `expire_approval`, writing the messages `news` makes with the expiry.
    pub async fn expire_approval_with(
        &self,
        approval_id: &str,
        at: i64,
        news: Option<&News>,
    ) -> Result<Option<Approval>> {
        let mut tx = self.write.begin().await?;
        let locked = lock_waiting_order_in(&mut tx, approval_id).await?;
        if !locked {
            tx.rollback().await?;
            return Ok(None);
        }
        let (number,): (String,) =
            sqlx::query_as("SELECT order_number FROM approvals WHERE id = $1")
                .bind(approval_id)
                .fetch_one(&mut *tx)
                .await?;
        let orgs: Vec<(String,)> = sqlx::query_as(
            "UPDATE approvals SET status = 'expired', decided_at = $2 \
             WHERE order_number = $1 AND status = 'pending' RETURNING org_id",
        )
        .bind(&number)
        .bind(at)
        .fetch_all(&mut *tx)
        .await?;
        let expired: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM approvals WHERE order_number = $1 AND status = 'expired' AND decided_at = $2",
        )
        .bind(&number)
        .bind(at)
        .fetch_all(&mut *tx)
        .await?;
        for (id,) in &expired {
            close_steps_in(&mut tx, id, StepStatus::Expired, at).await?;
            bump_in(&mut tx, id).await?;
        }
        for (org,) in orgs {
            let entry = Entry {
                number: &number,
                at,
                actor: "system",
                action: &format!("approval {org}"),
                old: Some(Status::Pending.as_str()),
                new: Some(Status::Expired.as_str()),
            };
            transitions::append(&mut *tx, &entry).await?;
        }
        transition_in(
            &mut tx,
            &Transition {
                number: &number,
                account: None,
                from: Some(OrderStatus::AwaitingApproval),
                to: OrderStatus::Expired,
                kind: None,
                actor: "system",
            },
        )
        .await?;
        if let Some(news) = news {
            let changed = changed_in(&mut tx, &number, OrderStatus::Expired).await?;
            enqueue_in(&mut tx, &news(&changed), super::now_ms()).await?;
        }
        tx.commit().await?;
        self.approval(approval_id).await
    }

    /// Remembers a chat message that carries a request, to update it on a decision:
    /// `shown` is the decision it was rendered with, when it was sent.
    pub async fn add_approval_message(
        &self,
        approval_id: &str,
        at: &Posted,
        shown: Option<&str>,
    ) -> Result<()> {
        copy_query(
            "INSERT INTO approval_messages (approval_id, platform, channel_id, message_id, shown) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            approval_id,
            at,
            shown,
        )
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Claims the edit of one copy of a request to show the state `shown`: true when the
    /// copy showed something else, false when it already shows it or another click or
    /// process claimed that edit first.
    pub async fn claim_approval_repaint(
        &self,
        approval_id: &str,
        at: &Posted,
        shown: &str,
    ) -> Result<bool> {
        let done = copy_query(
            "UPDATE approval_messages SET shown = $5 \
             WHERE approval_id = $1 AND platform = $2 AND channel_id = $3 AND message_id = $4 \
             AND (shown IS NULL OR shown <> $5)",
            approval_id,
            at,
            Some(shown),
        )
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Which decision a copy shows, as far as the bot knows.
    pub async fn approval_copy_shows(
        &self,
        approval_id: &str,
        at: &Posted,
    ) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT shown FROM approval_messages \
             WHERE approval_id = $1 AND platform = $2 AND channel_id = $3 AND message_id = $4",
        )
        .bind(approval_id)
        .bind(&at.platform)
        .bind(&at.channel_id)
        .bind(&at.message_id)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.and_then(|(shown,)| shown))
    }

    /// Records that a copy now shows `shown` (its edit went through).
    pub async fn approval_copy_shown(
        &self,
        approval_id: &str,
        at: &Posted,
        shown: &str,
    ) -> Result<()> {
        copy_query(
            "UPDATE approval_messages SET shown = $5 \
             WHERE approval_id = $1 AND platform = $2 AND channel_id = $3 AND message_id = $4",
            approval_id,
            at,
            Some(shown),
        )
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Gives back a claimed edit that could not be made, so a later one tries again.
    pub async fn release_approval_repaint(
        &self,
        approval_id: &str,
        at: &Posted,
        shown: &str,
    ) -> Result<()> {
        copy_query(
            "UPDATE approval_messages SET shown = NULL WHERE approval_id = $1 AND platform = $2 \
             AND channel_id = $3 AND message_id = $4 AND shown = $5",
            approval_id,
            at,
            Some(shown),
        )
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The messages carrying a request, on every platform.
    pub async fn approval_messages(&self, approval_id: &str) -> Result<Vec<Posted>> {
        Ok(sqlx::query_as(
            "SELECT platform, channel_id, message_id FROM approval_messages \
             WHERE approval_id = $1 ORDER BY platform, channel_id, message_id",
        )
        .bind(approval_id)
        .fetch_all(&self.read)
        .await?)
    }
}

impl Store {
    pub async fn policy(&self, org_id: &str) -> Result<Policy> {
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT po_required, limit_amount FROM approval_policies WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(match row {
            Some((po, limit)) => Policy {
                po_required: po != 0,
                limit: money(limit)?,
            },
            None => Policy::default(),
        })
    }

    pub async fn set_policy(&self, org_id: &str, policy: &Policy) -> Result<()> {
        sqlx::query(
            "INSERT INTO approval_policies (org_id, po_required, limit_amount) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET po_required = excluded.po_required, \
             limit_amount = excluded.limit_amount",
        )
        .bind(org_id)
        .bind(i64::from(policy.po_required))
        .bind(policy.limit.map(|l| l.to_string()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A buyer's own limit in an organization; `None` removes it.
    pub async fn set_buyer_limit(
        &self,
        org_id: &str,
        account_id: &str,
        limit: Option<Decimal>,
    ) -> Result<()> {
        match limit {
            Some(l) => sqlx::query(
                "INSERT INTO approval_limits (org_id, account_id, limit_amount) VALUES ($1, $2, $3) \
                 ON CONFLICT (org_id, account_id) DO UPDATE SET limit_amount = excluded.limit_amount",
            )
            .bind(org_id)
            .bind(account_id)
            .bind(l.to_string()),
            None => sqlx::query(
                "DELETE FROM approval_limits WHERE org_id = $1 AND account_id = $2",
            )
            .bind(org_id)
            .bind(account_id),
        }
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Buyers with their own limit in an organization: (account id, limit).
    pub async fn buyer_limits(&self, org_id: &str) -> Result<Vec<(String, Decimal)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT account_id, limit_amount FROM approval_limits WHERE org_id = $1 ORDER BY account_id",
        )
        .bind(org_id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(a, l)| Ok((a, money(Some(l))?.unwrap_or_default())))
            .collect()
    }

    pub async fn set_approval_channel(
        &self,
        org_id: &str,
        platform: &str,
        channel_id: Option<&str>,
    ) -> Result<()> {
        match channel_id {
            Some(c) => sqlx::query(
                "INSERT INTO approval_channels (org_id, platform, channel_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (org_id, platform) DO UPDATE SET channel_id = excluded.channel_id",
            )
            .bind(org_id)
            .bind(platform)
            .bind(c),
            None => {
                sqlx::query("DELETE FROM approval_channels WHERE org_id = $1 AND platform = $2")
                    .bind(org_id)
                    .bind(platform)
            }
        }
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn approval_channel(&self, org_id: &str, platform: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT channel_id FROM approval_channels WHERE org_id = $1 AND platform = $2",
        )
        .bind(org_id)
        .bind(platform)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(c,)| c))
    }

    /// Every platform's approval channel of an organization, as (platform, channel).
    pub async fn approval_channels(&self, org_id: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT platform, channel_id FROM approval_channels WHERE org_id = $1 ORDER BY platform",
        )
        .bind(org_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Accounts that may decide for an organization: its approvers and admins.
    pub async fn approvers_of(&self, org_id: &str) -> Result<Vec<String>> {
        self.members_with(org_id, crate::domain::account::Role::Approver)
            .await
    }

    /// An account's chat identities on one platform.
    pub async fn identities_of(&self, account_id: &str, platform: &str) -> Result<Vec<Identity>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT platform, workspace, user_id FROM identities WHERE account_id = $1 AND platform = $2 \
             ORDER BY workspace, user_id",
        )
        .bind(account_id)
        .bind(platform)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(p, w, u)| Identity::new(&p, &w, &u))
            .collect())
    }
}

#[derive(FromRow)]
struct DelegationRow {
    id: String,
    approver_id: String,
    delegate_id: String,
    starts_at: i64,
    ends_at: i64,
}

impl From<DelegationRow> for Delegation {
    fn from(r: DelegationRow) -> Self {
        Delegation {
            id: r.id,
            approver_id: r.approver_id,
            delegate_id: r.delegate_id,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
        }
    }
}

const DELEGATION_COLUMNS: &str = "id, approver_id, delegate_id, starts_at, ends_at";

impl Store {
    /// Makes `delegate` the approver's stand-in from `starts_at` until `ends_at`. Any
    /// delegation of this approver still running ends where the new one starts.
    pub async fn delegate(
        &self,
        approver_id: &str,
        delegate_id: &str,
        starts_at: i64,
        ends_at: i64,
    ) -> Result<Delegation> {
        let id = new_id("dlg");
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE delegations SET ends_at = $2 WHERE approver_id = $1 AND ends_at > $2")
            .bind(approver_id)
            .bind(starts_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO delegations (id, approver_id, delegate_id, starts_at, ends_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(&id)
        .bind(approver_id)
        .bind(delegate_id)
        .bind(starts_at)
        .bind(ends_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Delegation {
            id,
            approver_id: approver_id.into(),
            delegate_id: delegate_id.into(),
            starts_at,
            ends_at,
        })
    }

    /// Ends the approver's running delegations at `at`. How many there were.
    pub async fn end_delegations(&self, approver_id: &str, at: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE delegations SET ends_at = $2 WHERE approver_id = $1 AND ends_at > $2",
        )
        .bind(approver_id)
        .bind(at)
        .execute(&self.write)
        .await?
        .rows_affected())
    }

    /// Every delegation to `delegate_id`, newest first, running or not.
    pub async fn delegations_to(&self, delegate_id: &str) -> Result<Vec<Delegation>> {
        let rows: Vec<DelegationRow> = sqlx::query_as(&format!(
            "SELECT {DELEGATION_COLUMNS} FROM delegations WHERE delegate_id = $1 \
             ORDER BY ends_at DESC, id"
        ))
        .bind(delegate_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(Delegation::from).collect())
    }

    /// The approver's delegations that have not ended by `at`.
    pub async fn delegations_from(&self, approver_id: &str, at: i64) -> Result<Vec<Delegation>> {
        let rows: Vec<DelegationRow> = sqlx::query_as(&format!(
            "SELECT {DELEGATION_COLUMNS} FROM delegations WHERE approver_id = $1 AND ends_at > $2 \
             ORDER BY starts_at, id"
        ))
        .bind(approver_id)
        .bind(at)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(Delegation::from).collect())
    }
}
