//! Delegation: an approver names someone to decide on their behalf until a date.

use super::{ApprovalError, Approvals, DAY_MS, MAX_DELEGATION_DAYS, Refusal};
use crate::domain::account::Role;
use crate::domain::approval::Delegation;
use crate::store::{Result, now_ms};

impl Approvals {
    /// Makes `delegate` decide for `approver` from now until the end of `until` (UTC).
    pub(crate) async fn delegate(
        &self,
        approver: &str,
        delegate: &str,
        until: &str,
    ) -> std::result::Result<Delegation, ApprovalError> {
        let Some(me) = self.store.account(approver).await? else {
            return Err(Refusal::DelegateNotApprover.into());
        };
        if !me
            .memberships
            .iter()
            .any(|m| matches!(m.role, Role::Approver | Role::Admin))
        {
            return Err(Refusal::DelegateNotApprover.into());
        }
        if approver == delegate {
            return Err(Refusal::DelegateSelf.into());
        }
        let now = now_ms();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let end = time::Date::parse(until.trim(), &format)
            .ok()
            .and_then(|d| d.next_day())
            .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000)
            .filter(|end| *end > now && *end <= now + MAX_DELEGATION_DAYS * DAY_MS);
        let Some(end) = end else {
            return Err(Refusal::DelegateBadDate {
                date: until.to_string(),
            }
            .into());
        };
        Ok(self.store.delegate(approver, delegate, now, end).await?)
    }

    /// Ends the approver's delegation now; whether one was running.
    pub(crate) async fn end_delegation(&self, approver: &str) -> Result<bool> {
        Ok(self.store.end_delegations(approver, now_ms()).await? > 0)
    }
}
