//! The background sweep: announcing requests nobody posted, one reminder per request,
//! and expiry. Every serving process runs it; each step is claimed in the store by one.

use super::{ANNOUNCE_GRACE_MS, Approvals, DAY_MS, Swept};
use crate::store::Result;

impl Approvals {
    /// Announces what was missed, reminds once about requests pending longer than
    /// APPROVAL_REMIND_HOURS, and expires those older than APPROVAL_EXPIRE_DAYS. Safe to
    /// run in every process at once: each step is claimed by one.
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
            if let Some(expired) = self.store.expire_approval(&a.id, now).await? {
                swept.expired += 1;
                let order = self.order(&expired.order_number).await?;
                self.refresh(&order, None).await?;
                let text = self.lang().f(
                    "approval.told_expired",
                    &[
                        ("number", &order.number),
                        ("days", &(self.settings.expire_after_ms / DAY_MS)),
                    ],
                );
                self.tell_requester(&order.details.account_id, &text)
                    .await?;
            }
        }
        for a in self
            .store
            .approvals_older_than(now - self.settings.remind_after_ms, 100)
            .await?
        {
            if a.reminded_at.is_some() || !self.store.claim_reminder(&a.id, now).await? {
                continue;
            }
            swept.reminded += 1;
            self.post(&a, true).await?;
        }
        Ok(swept)
    }
}
