//! Delegation: an approver names someone to decide on their behalf until a date.

use super::{Approvals, DAY_MS, MAX_DELEGATION_DAYS, day};
use crate::domain::account::Role;
use crate::domain::approval::Delegation;
use crate::store::{Result, now_ms};

impl Approvals {
    /// Makes `delegate` decide for `approver` from now until the end of `until` (UTC).
    pub async fn delegate(
        &self,
        approver: &str,
        delegate: &str,
        until: &str,
    ) -> Result<std::result::Result<(Delegation, String), String>> {
        let l = self.lang();
        let Some(me) = self.store.account(approver).await? else {
            return Ok(Err(l.t("approval.delegate_not_approver")));
        };
        if !me
            .memberships
            .iter()
            .any(|m| matches!(m.role, Role::Approver | Role::Admin))
        {
            return Ok(Err(l.t("approval.delegate_not_approver")));
        }
        if approver == delegate {
            return Ok(Err(l.t("approval.delegate_self")));
        }
        let now = now_ms();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let end = time::Date::parse(until.trim(), &format)
            .ok()
            .and_then(|d| d.next_day())
            .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000)
            .filter(|end| *end > now && *end <= now + MAX_DELEGATION_DAYS * DAY_MS);
        let Some(end) = end else {
            return Ok(Err(l.f("approval.delegate_bad_date", &[("date", &until)])));
        };
        let d = self.store.delegate(approver, delegate, now, end).await?;
        let name = self.name_of(delegate).await?;
        let text = l.f(
            "approval.delegated",
            &[("delegate", &name), ("until", &day(end - 1))],
        );
        Ok(Ok((d, text)))
    }

    /// Ends the approver's delegation now; the text to show.
    pub async fn end_delegation(&self, approver: &str) -> Result<String> {
        let ended = self.store.end_delegations(approver, now_ms()).await?;
        Ok(self.lang().t(if ended > 0 {
            "approval.delegation_ended"
        } else {
            "approval.no_delegation"
        }))
    }
}
