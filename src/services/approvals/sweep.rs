//! The background sweep: announcing requests nobody posted, one reminder per request,
//! and expiry. Every serving process runs it; each step is claimed in the store by one.

use super::{ANNOUNCE_GRACE_MS, Approvals, Swept};
use crate::domain::approval::Approval;
use crate::domain::approval_chain::Step;
use crate::services::notifier::Recipient;
use crate::services::outbox::message;
use crate::store::Result;

impl Approvals {
    /// Announces what was missed, reminds once per step about steps waiting longer than
    /// APPROVAL_REMIND_HOURS (from the last answer to a question, when there was one),
    /// offers steps waiting longer than APPROVAL_ESCALATE_AFTER to the admins, and
    /// expires requests older than APPROVAL_EXPIRE_DAYS. Safe to run in every process
    /// at once: each is claimed by one. `now` is when the sweep acts, so tests move time.
    pub async fn sweep(&self, now: i64) -> Result<Swept> {
        let mut swept = Swept::default();
        for a in self
            .store
            .unannounced_approvals(now - ANNOUNCE_GRACE_MS)
            .await?
        {
            if self.announce_one(&a).await? {
                swept.announced += 1;
            }
        }
        for a in self
            .store
            .approvals_older_than(now - self.settings.expire_after_ms, 100)
            .await?
        {
            let order = self.order(&a.order_number).await?;
            let news = self.expiry_news(&order).await?;
            if self
                .store
                .expire_approval_with(&a.id, now, Some(&news))
                .await?
                .is_some()
            {
                swept.expired += 1;
                self.outbound.written();
            }
        }
        for (id, position) in self
            .store
            .steps_to_remind(now - self.settings.remind_after_ms, 100)
            .await?
        {
            let Some((a, step)) = self.at_step(&id, position).await? else {
                continue;
            };
            let posts = self
                .posts(&a, &step, true, &super::news::occasion(position, ""))
                .await?;
            if !self.store.claim_reminder_with(&a.id, now, &posts).await? {
                continue;
            }
            swept.reminded += 1;
            self.outbound.written();
        }
        for (id, position) in self
            .store
            .steps_to_escalate(now - self.settings.escalate_after_ms, 100)
            .await?
        {
            if self.escalate(&id, position, now).await? {
                swept.escalated += 1;
                self.outbound.written();
            }
        }
        Ok(swept)
    }
}

impl Approvals {
    /// A request and one of its steps, if both still exist.
    pub(super) async fn at_step(
        &self,
        id: &str,
        position: i64,
    ) -> Result<Option<(Approval, Step)>> {
        let Some(a) = self.store.approval(id).await? else {
            return Ok(None);
        };
        let step = self
            .store
            .approval_steps(id)
            .await?
            .into_iter()
            .find(|s| s.position == position);
        Ok(step.map(|s| (a, s)))
    }

    /// Offers a step nobody decided in time to the organization's admins: a post to
    /// each who was not asked yet (or to the approval channel again), and an edit of
    /// every copy saying so. True when this call did it.
    async fn escalate(&self, id: &str, position: i64, now: i64) -> Result<bool> {
        let Some((a, step)) = self.at_step(id, position).await? else {
            return Ok(false);
        };
        let before: Vec<Recipient> = {
            let mut r = Vec::new();
            for n in self.outbound.notifiers() {
                r.extend(self.recipients(&a, &step, &n.platform()).await?);
            }
            r
        };
        let mut escalated = step.clone();
        escalated.escalated_at = Some(now);
        let mut posts = Vec::new();
        let key = super::news::occasion(position, "escalated");
        for n in self.outbound.notifiers() {
            let platform = n.platform();
            for to in self.recipients(&a, &escalated, &platform).await? {
                let channel = matches!(to, Recipient::Channel(_));
                if channel || !before.contains(&to) {
                    posts.push(message::approval_post(&platform, &a.id, &to, false, &key));
                }
            }
        }
        let news = move |c: &crate::store::approvals::Changed| {
            let mut out = super::news::edits(c);
            out.extend(posts.iter().cloned());
            out
        };
        let done = self.store.escalate_with(id, position, now, &news).await?;
        if done {
            tracing::info!(approval = %id, step = position, "approval step offered to the admins");
        }
        Ok(done)
    }
}
