//! Asking the requester: an approver's question about the open step reaches the
//! requester privately with an Answer button, and their answer reaches the approver.
//! Both are kept with the request: on every copy, in a thread under each copy in a
//! channel, in Details and in the audit trail. While a question is open the step stays
//! waiting and no reminder goes out; reminders count from the answer.

use super::{ApprovalError, Approvals, Decided, MAX_REASON, Refusal};
use crate::domain::account::Identity;
use crate::domain::approval::{Status, Target};
use crate::domain::order::OrderStatus;
use crate::services::outbox::message;
use crate::store::approvals::{Changed, CopyOf};
use crate::store::outbox::NewEntry;
use crate::store::{Result, now_ms};

/// A question's or answer's text as typed: trimmed, clean, within a form's length.
fn cleaned(text: &str) -> std::result::Result<String, Refusal> {
    let text: String = text.trim().chars().take(MAX_REASON).collect();
    if text.is_empty() {
        return Err(Refusal::TextNeeded);
    }
    crate::domain::text::check(&text).map_err(Refusal::Unclean)?;
    Ok(text)
}

/// Notes in the thread under every copy of `approval_id`'s request in a channel.
fn thread_notes(c: &Changed, approval_id: &str, text: &str, key: &str) -> Vec<NewEntry> {
    c.copies
        .iter()
        .filter_map(|copy| match copy {
            CopyOf::Entry {
                approval_id: a,
                entry,
                platform,
                destination,
            } if a == approval_id && destination.starts_with("channel:") => {
                Some(message::thread_note(
                    platform,
                    destination,
                    a,
                    message::Copy::Post(entry.clone()),
                    text,
                    key,
                ))
            }
            CopyOf::Posted { approval_id: a, at } if a == approval_id => {
                Some(message::thread_note(
                    &at.platform,
                    &format!("channel:{}", at.channel_id),
                    a,
                    message::Copy::from(at),
                    text,
                    key,
                ))
            }
            _ => None,
        })
        .collect()
}

impl Approvals {
    /// `who`'s question about the step `target` names, which must be open and theirs
    /// to decide.
    pub(crate) async fn ask(&self, who: &Identity, target: &Target, text: &str) -> Result<Decided> {
        match self.try_ask(who, target, text).await {
            Ok(d) => Ok(d),
            Err(ApprovalError::Refused(why)) => Ok(Decided::Refused(why)),
            Err(ApprovalError::Store(e)) => Err(e),
        }
    }

    async fn try_ask(
        &self,
        who: &Identity,
        target: &Target,
        text: &str,
    ) -> std::result::Result<Decided, ApprovalError> {
        let (account, a, _) = self.load(who, &target.approval).await?;
        let (step, open) = self.step_of(&a, target.step).await?;
        self.right(&account, &a, &step, now_ms()).await?;
        if !open {
            return Ok(self.too_late(&a).await?);
        }
        let text = cleaned(text)?;
        let l = self.lang();
        let asker = self.name_of(&account).await?;
        let reach = self.reach(&a.requested_by).await?;
        let said = l.f(
            "approval.asked",
            &[
                ("who", &asker),
                ("number", &a.order_number),
                ("text", &text),
            ],
        );
        let label = l.t("approval.answer");
        let in_thread = l.f("approval.asked_thread", &[("who", &asker), ("text", &text)]);
        let approval_id = a.id.clone();
        let number = a.order_number.clone();
        // The question's id is made by the store; the news names it through its key.
        let news = move |c: &Changed| {
            let mut out = super::news::edits(c);
            let Some(q) = &c.question else {
                return out;
            };
            let key = format!("question:{q}");
            let action = super::ApprovalAction::Answer.id(q);
            out.extend(
                reach
                    .iter()
                    .map(|p| message::ask(p, &number, &said, &action, &label, &key)),
            );
            out.extend(thread_notes(c, &approval_id, &in_thread, &key));
            out
        };
        let asked = self
            .store
            .ask(&a.id, step.position, &account, &text, now_ms(), &news)
            .await?;
        self.outbound.written();
        if asked.is_none() {
            return Ok(self.too_late(&a).await?);
        }
        let a = self.store.approval(&a.id).await?.unwrap_or(a);
        let order = self.order(&a.order_number).await?;
        Ok(Decided::Done(self.request_view(&a, &order, false).await?))
    }

    /// Whether `who` may answer question `id`: only the requester, once, while the
    /// request waits. `None` when they may.
    pub(crate) async fn may_answer(&self, who: &Identity, id: &str) -> Result<Option<Decided>> {
        Ok(match self.answerable(who, id).await {
            Ok(_) => None,
            Err(ApprovalError::Refused(why)) => Some(Decided::Refused(why)),
            Err(ApprovalError::Store(e)) => return Err(e),
        })
    }

    async fn answerable(
        &self,
        who: &Identity,
        id: &str,
    ) -> std::result::Result<(String, crate::store::approval_questions::Question), ApprovalError>
    {
        let Some(q) = self.store.question(id).await? else {
            return Err(Refusal::Unknown.into());
        };
        let (account, a, order) = self.load(who, &q.approval_id).await?;
        if account != a.requested_by {
            return Err(Refusal::NotRequester.into());
        }
        if q.answered_at.is_some() {
            return Err(Refusal::Answered.into());
        }
        if a.status != Status::Pending || order.status != OrderStatus::AwaitingApproval {
            return Err(Refusal::Already {
                number: order.number.clone(),
                outcome: self
                    .request_view(&a, &order, false)
                    .await?
                    .outcome
                    .unwrap_or_default(),
            }
            .into());
        }
        Ok((account, q))
    }

    /// The requester's answer to question `id`.
    pub(crate) async fn answer(&self, who: &Identity, id: &str, text: &str) -> Result<Decided> {
        let answered = async {
            let (account, q) = self.answerable(who, id).await?;
            let text = cleaned(text)?;
            let l = self.lang();
            let requester = self.name_of(&account).await?;
            let a = self
                .store
                .approval(&q.approval_id)
                .await?
                .ok_or(Refusal::Unknown)?;
            let asker = self.reach(&q.asked_by).await?;
            let said = l.f(
                "approval.answered",
                &[
                    ("who", &requester),
                    ("number", &a.order_number),
                    ("question", &q.question),
                    ("text", &text),
                ],
            );
            let in_thread = l.f(
                "approval.answered_thread",
                &[("who", &requester), ("text", &text)],
            );
            let (approval_id, number, key) =
                (a.id.clone(), a.order_number.clone(), format!("answer:{id}"));
            let news = move |c: &Changed| {
                let mut out = super::news::edits(c);
                out.extend(asker.iter().map(|p| message::note(p, &number, &said, &key)));
                out.extend(thread_notes(c, &approval_id, &in_thread, &key));
                out
            };
            let done = self
                .store
                .answer(id, &account, &text, now_ms(), &news)
                .await?;
            self.outbound.written();
            Ok(match done {
                Some(_) => Decided::Noted(
                    self.prompts
                        .lang(&self.settings.locale)
                        .t("approval.answer_sent"),
                ),
                None => Decided::Refused(Refusal::Answered),
            })
        };
        match answered.await {
            Ok(d) => Ok(d),
            Err(ApprovalError::Refused(why)) => Ok(Decided::Refused(why)),
            Err(ApprovalError::Store(e)) => Err(e),
        }
    }
}
