//! Questions an approver asks the requester about a step, and their answers: each
//! recorded with its trail entry, the request's next revision and its messages in one
//! transaction, and an answer taken once.

use sqlx::FromRow;

use super::approval_steps::bump_in;
use super::approvals::{News, changed_in, lock_waiting_order_in};
use super::transitions::{self, Entry};
use super::{Result, Store, Tx};
use crate::domain::order::OrderStatus;

/// A question an approver asked the requester about a step, and its answer.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Question {
    pub id: String,
    pub approval_id: String,
    pub position: i64,
    pub asked_by: String,
    pub question: String,
    pub asked_at: i64,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
}

const QUESTION_COLUMNS: &str =
    "id, approval_id, position, asked_by, question, asked_at, answer, answered_by, answered_at";

impl Store {
    /// Records `asked_by`'s question about the open step `position`, with the messages
    /// `news` makes, if the request still waits at that step. The question, else `None`.
    pub async fn ask(
        &self,
        approval_id: &str,
        position: i64,
        asked_by: &str,
        question: &str,
        at: i64,
        news: &News,
    ) -> Result<Option<Question>> {
        let mut tx = self.write.begin().await?;
        if !lock_waiting_order_in(&mut tx, approval_id).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let open: Option<(i64,)> = sqlx::query_as(
            "SELECT position FROM approval_steps WHERE approval_id = $1 AND position = $2 \
             AND status = 'pending'",
        )
        .bind(approval_id)
        .bind(position)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_none() {
            tx.rollback().await?;
            return Ok(None);
        }
        let q = Question {
            id: super::directory::new_id("apq"),
            approval_id: approval_id.into(),
            position,
            asked_by: asked_by.into(),
            question: question.into(),
            asked_at: at,
            answer: None,
            answered_by: None,
            answered_at: None,
        };
        sqlx::query(&format!(
            "INSERT INTO approval_questions ({QUESTION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL)"
        ))
        .bind(&q.id)
        .bind(approval_id)
        .bind(position)
        .bind(asked_by)
        .bind(question)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        self.question_changed_in(&mut tx, &q, asked_by, "question", question, news)
            .await?;
        tx.commit().await?;
        Ok(Some(q))
    }

    /// Records the requester's answer to question `id`, once, with the messages `news`
    /// makes. The question as answered, else `None` (answered before, or the request no
    /// longer waits).
    pub async fn answer(
        &self,
        id: &str,
        answered_by: &str,
        answer: &str,
        at: i64,
        news: &News,
    ) -> Result<Option<Question>> {
        let Some(q) = self.question(id).await? else {
            return Ok(None);
        };
        let mut tx = self.write.begin().await?;
        if !lock_waiting_order_in(&mut tx, &q.approval_id).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let done = sqlx::query(
            "UPDATE approval_questions SET answer = $2, answered_by = $3, answered_at = $4 \
             WHERE id = $1 AND answered_at IS NULL",
        )
        .bind(id)
        .bind(answer)
        .bind(answered_by)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        // Reminders count from the answer: the step's one reminder may come again.
        sqlx::query(
            "UPDATE approval_steps SET reminded_at = NULL WHERE approval_id = $1 AND position = $2",
        )
        .bind(&q.approval_id)
        .bind(q.position)
        .execute(&mut *tx)
        .await?;
        let answered = Question {
            answer: Some(answer.into()),
            answered_by: Some(answered_by.into()),
            answered_at: Some(at),
            ..q
        };
        self.question_changed_in(&mut tx, &answered, answered_by, "answer", answer, news)
            .await?;
        tx.commit().await?;
        Ok(Some(answered))
    }

    /// The trail entry, the request's next revision and the messages of a question or
    /// answer, in its transaction.
    async fn question_changed_in(
        &self,
        tx: &mut Tx<'_>,
        q: &Question,
        actor: &str,
        what: &str,
        text: &str,
        news: &News,
    ) -> Result<()> {
        let (number, org): (String, String) =
            sqlx::query_as("SELECT order_number, org_id FROM approvals WHERE id = $1")
                .bind(&q.approval_id)
                .fetch_one(&mut **tx)
                .await?;
        let entry = Entry {
            number: &number,
            at: q.answered_at.unwrap_or(q.asked_at),
            actor,
            action: &format!("{what} {org}"),
            old: None,
            new: Some(text),
        };
        transitions::append(&mut **tx, &entry).await?;
        bump_in(tx, &q.approval_id).await?;
        let mut changed = changed_in(tx, &number, OrderStatus::AwaitingApproval).await?;
        changed.question = Some(q.id.clone());
        super::outbox::enqueue_in(tx, &news(&changed), super::now_ms()).await?;
        Ok(())
    }

    pub async fn question(&self, id: &str) -> Result<Option<Question>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {QUESTION_COLUMNS} FROM approval_questions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// A request's questions and answers, oldest first.
    pub async fn questions(&self, approval_id: &str) -> Result<Vec<Question>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {QUESTION_COLUMNS} FROM approval_questions WHERE approval_id = $1 \
             ORDER BY asked_at, id"
        ))
        .bind(approval_id)
        .fetch_all(&self.read)
        .await?)
    }
}
