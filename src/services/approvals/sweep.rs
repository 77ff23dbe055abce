//! The background sweep: announcing requests nobody posted, one reminder per request,
//! and expiry. Every serving process runs it; each step is claimed in the store by one.

use super::{ANNOUNCE_GRACE_MS, Approvals, Swept};
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
        for a in self
            .store
            .approvals_older_than(now - self.settings.remind_after_ms, 100)
            .await?
        {
            if a.reminded_at.is_some() {
                continue;
            }
            let posts = self.posts(&a, true).await?;
            if !self.store.claim_reminder_with(&a.id, now, &posts).await? {
                continue;
            }
            swept.reminded += 1;
            self.outbound.written();
        }
        Ok(swept)
    }
}
