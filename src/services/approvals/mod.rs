//! Purchase-order approvals: which orders need one, announcing requests, who may decide,
//! recording a decision once and carrying the order on (charge, invoice), reminders,
//! expiry and delegation. Platform-free: messages go out through a `Notifier`.

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::notifier::{Posted, Recipient, RequestView};
use super::outbound::Outbound;
use super::payments::Payments;
use super::settle::{Settle, Settled};
use crate::domain::account::{Identity, Role};
use crate::domain::approval::{Approval, MAX_REASON, Status, Verdict, Why};
use crate::domain::order::{NewOrder, Order, OrderStatus, Payment};
use crate::prompts::{Lang, Prompts};
use crate::store::approvals::{Decision, Recorded};
use crate::store::{Result, Store, StoreError, now_ms};

mod click;
mod command;
mod delegation;
mod news;
mod refusal;
mod request;
mod sweep;

pub(crate) use click::{ApprovalAction, Clicked, PREFIX};
pub(crate) use command::{ApprovalsAnswer, ApprovalsRequest};
pub(crate) use refusal::{ApprovalError, Refusal};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// A request not announced this long after it was made is announced by the sweep.
const ANNOUNCE_GRACE_MS: i64 = 60_000;
/// Lines listed on a request; the rest are behind Details (a platform may allow 1,024 characters a field).
const LINES_SHOWN: usize = 8;
/// The longest delegation.
const MAX_DELEGATION_DAYS: i64 = 366;

/// APPROVAL_REMIND_HOURS, APPROVAL_EXPIRE_DAYS, the texts for payment instructions, and
/// DEFAULT_LOCALE for what several people read (a request in a channel) or someone reads
/// later (a requester's notice): an answer to a click is in the clicker's own locale.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) remind_after_ms: i64,
    pub(crate) expire_after_ms: i64,
    pub(crate) wire_instructions: String,
    pub(crate) check_instructions: String,
    pub(crate) locale: String,
    /// Where links to confirm a payment start (`PUBLIC_URL`).
    pub(crate) public_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            remind_after_ms: 24 * HOUR_MS,
            expire_after_ms: 7 * DAY_MS,
            wire_instructions: String::new(),
            check_instructions: String::new(),
            public_url: "http://127.0.0.1:8080".into(),
            locale: "en".into(),
        }
    }
}

/// What a click on a request came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    /// Recorded: the request as it now reads, for the message clicked.
    Done(RequestView),
    /// Decided before, expired, or the order stopped waiting: a note for the clicker,
    /// and the request as it reads now.
    TooLate {
        note: Refusal,
        request: RequestView,
        /// Which decision the request shows now (`Approval::shown_key`), for a repaint.
        shown: String,
    },
    /// Not theirs to decide: why.
    Refused(Refusal),
}

/// Why someone may decide, when they may.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Right {
    Approver,
    Delegate { approver: String },
}

/// What a sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub announced: usize,
    pub reminded: usize,
    pub expired: usize,
}

pub struct Approvals {
    store: Store,
    /// Charges an approved card order; the same service the checkout uses.
    settle: Settle,
    /// Where requests and notes can be sent, per platform; empty in the terminal chat.
    outbound: Outbound,
    prompts: Arc<Prompts>,
    settings: Settings,
}

/// `text` without the account ids the trail keeps beside names ("Ann (acct_x)").
fn without_ids(text: &str) -> String {
    static IDS: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r" \(acct_[a-z]+\)").ok());
    match IDS.as_ref() {
        Some(re) => re.replace_all(text, "").into_owned(),
        None => text.to_string(),
    }
}

impl Approvals {
    pub(crate) fn new(
        store: Store,
        payments: Arc<dyn Payments>,
        outbound: Outbound,
        prompts: Arc<Prompts>,
        settings: Settings,
    ) -> Self {
        Approvals {
            settle: Settle::new(store.clone(), payments, &settings.public_url),
            store,
            outbound,
            prompts,
            settings,
        }
    }

    /// The locale of shared texts; see `Settings`.
    fn lang(&self) -> Lang<'_> {
        self.prompts.lang(&self.settings.locale)
    }

    /// The organizations whose policy wants to approve this order, and why. An order
    /// belongs to the organizations of its lines (a deployment line to the deployment's),
    /// and only an order none of whose lines belongs anywhere falls to the buyer's default.
    pub(crate) async fn needed(
        &self,
        order: &NewOrder,
        default_org: Option<&str>,
    ) -> Result<Vec<(String, Why)>> {
        if matches!(order.payment, Payment::Quote) {
            // A quote commits to nothing; converting it is paid like an invoice.
            return Ok(Vec::new());
        }
        let owners = crate::services::owners::owners(&self.store, &order.lines).await?;
        if !owners.unknown.is_empty() {
            // Whose purchase it is cannot be told, so nobody's policy may be skipped.
            return Err(StoreError::Corrupt(format!(
                "order for deployments no organization has: {}",
                owners.unknown.join(", ")
            )));
        }
        let mut orgs = owners.orgs;
        if orgs.is_empty() {
            orgs.extend(default_org.map(str::to_string));
        }
        let mut out = Vec::new();
        for org in orgs {
            let policy = self.store.policy(&org).await?;
            let own = self
                .store
                .buyer_limits(&org)
                .await?
                .into_iter()
                .find(|(a, _)| *a == order.account_id)
                .map(|(_, l)| l);
            if let Some(why) = policy.requires(own, order.po_number.as_deref(), &order.total) {
                out.push((org, why));
            }
        }
        Ok(out)
    }

    async fn name_of(&self, account_id: &str) -> Result<String> {
        Ok(match account_id {
            "system" => "checkout-bot".into(),
            "operator" => "an operator".into(),
            id => self
                .store
                .account(id)
                .await?
                .map(|a| a.display_name)
                .unwrap_or_else(|| id.to_string()),
        })
    }

    async fn org_name(&self, org_id: &str) -> Result<String> {
        Ok(self
            .store
            .orgs()
            .await?
            .into_iter()
            .find(|o| o.id == org_id)
            .map(|o| o.name)
            .unwrap_or_else(|| org_id.to_string()))
    }

    async fn order(&self, number: &str) -> Result<Order> {
        self.store
            .order_by_number(number)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("approval for a missing order {number}")))
    }

    /// Who hears about an organization's requests: its approval channel, else each
    /// approver and each running delegate of one, privately. Never the requester.
    async fn recipients(
        &self,
        org: &str,
        requester: &str,
        platform: &str,
    ) -> Result<Vec<Recipient>> {
        if let Some(channel) = self.store.approval_channel(org, platform).await? {
            return Ok(vec![Recipient::Channel(channel)]);
        }
        let now = now_ms();
        let mut people: Vec<String> = Vec::new();
        for approver in self.store.approvers_of(org).await? {
            for d in self.store.delegations_from(&approver, now).await? {
                if d.covers(now) {
                    people.push(d.delegate_id);
                }
            }
            people.push(approver);
        }
        people.sort();
        people.dedup();
        people.retain(|p| p != requester);
        let mut out = Vec::new();
        for p in people {
            out.extend(
                self.store
                    .identities_of(&p, platform)
                    .await?
                    .into_iter()
                    .map(Recipient::Person),
            );
        }
        Ok(out)
    }

    /// Posts the requests of a newly placed order, each by exactly one process.
    pub(crate) async fn announce(&self, order_number: &str) -> Result<usize> {
        let mut posted = 0;
        for a in self.store.approvals_of(order_number).await? {
            if a.status == Status::Pending && self.announce_one(&a).await? {
                posted += 1;
            }
        }
        Ok(posted)
    }

    async fn announce_one(&self, a: &Approval) -> Result<bool> {
        if self.outbound.notifiers().next().is_none() {
            // Nothing to post with (the terminal chat): approvers find it in /approvals.
            return Ok(false);
        }
        let posts = self.posts(a, false).await?;
        if posts.is_empty() {
            tracing::warn!(approval = %a.id, org = %a.org_id, "an approval request reaches nobody; will retry");
            return Ok(false);
        }
        let claimed = self
            .store
            .claim_announcement_with(&a.id, now_ms(), &posts)
            .await?;
        if claimed {
            self.outbound.written();
        }
        Ok(claimed)
    }

    /// What `account` may do about `a` now: decide (as approver or delegate), or why not.
    async fn right(
        &self,
        account: &str,
        a: &Approval,
        now: i64,
    ) -> std::result::Result<Right, ApprovalError> {
        if account == a.requested_by {
            let org = self.org_name(&a.org_id).await?;
            return Err(Refusal::OwnOrder { org }.into());
        }
        let approvers = self.store.approvers_of(&a.org_id).await?;
        if approvers.iter().any(|x| x == account) {
            return Ok(Right::Approver);
        }
        let mut outside = None;
        for d in self.store.delegations_to(account).await? {
            if !approvers.contains(&d.approver_id) {
                continue;
            }
            if !d.covers(now) {
                outside.get_or_insert(d);
                continue;
            }
            if d.approver_id == a.requested_by {
                let approver = self.name_of(&d.approver_id).await?;
                return Err(Refusal::DelegateForRequester { approver }.into());
            }
            return Ok(Right::Delegate {
                approver: d.approver_id,
            });
        }
        if let Some(d) = outside {
            let approver = self.name_of(&d.approver_id).await?;
            return Err(Refusal::DelegationOutside {
                approver,
                from: d.starts_at,
                until: d.ends_at,
            }
            .into());
        }
        let org = self.org_name(&a.org_id).await?;
        Err(Refusal::NotApprover { org }.into())
    }

    /// Whether `who` may open the reason form: the same checks as deciding, nothing
    /// recorded. `None` when they may.
    pub(crate) async fn check(&self, who: &Identity, approval_id: &str) -> Result<Option<Decided>> {
        let checked = async {
            let (account, a, order) = self.load(who, approval_id).await?;
            self.right(&account, &a, now_ms()).await?;
            if a.status != Status::Pending || order.status != OrderStatus::AwaitingApproval {
                return Ok(Some(self.too_late(&a, &order).await?));
            }
            Ok(None)
        };
        match checked.await {
            Ok(d) => Ok(d),
            Err(ApprovalError::Refused(why)) => Ok(Some(Decided::Refused(why))),
            Err(ApprovalError::Store(e)) => Err(e),
        }
    }

    /// The request and its order, with the account of `who`, who must have one.
    async fn load(
        &self,
        who: &Identity,
        approval_id: &str,
    ) -> std::result::Result<(String, Approval, Order), ApprovalError> {
        let Some(a) = self.store.approval(approval_id).await? else {
            return Err(Refusal::Unknown.into());
        };
        let Some(account) = self.store.account_id_for(who).await? else {
            let org = self.org_name(&a.org_id).await?;
            return Err(Refusal::NotApprover { org }.into());
        };
        let order = self.order(&a.order_number).await?;
        Ok((account, a, order))
    }

    async fn too_late(&self, a: &Approval, order: &Order) -> Result<Decided> {
        let request = self.request_view(a, order, false).await?;
        let outcome = request.outcome.clone().unwrap_or_default();
        Ok(Decided::TooLate {
            note: Refusal::Already {
                number: order.number.clone(),
                outcome,
            },
            request,
            shown: a.shown_key(),
        })
    }

    /// Records `who`'s verdict on a request, once however many click, and carries the
    /// order on. `clicked` is the message the click came from: it is answered in place,
    /// every other copy of the request is updated through the notifier.
    pub async fn decide(
        self: &Arc<Self>,
        who: &Identity,
        approval_id: &str,
        verdict: Verdict,
        clicked: Option<Posted>,
    ) -> Result<Decided> {
        match self.try_decide(who, approval_id, verdict, clicked).await {
            Ok(d) => Ok(d),
            Err(ApprovalError::Refused(why)) => Ok(Decided::Refused(why)),
            Err(ApprovalError::Store(e)) => Err(e),
        }
    }

    async fn try_decide(
        self: &Arc<Self>,
        who: &Identity,
        approval_id: &str,
        verdict: Verdict,
        clicked: Option<Posted>,
    ) -> std::result::Result<Decided, ApprovalError> {
        let (account, a, order) = self.load(who, approval_id).await?;
        let now = now_ms();
        let right = self.right(&account, &a, now).await?;
        let verdict = match verdict {
            Verdict::Reject { reason } => {
                let reason: String = reason.trim().chars().take(MAX_REASON).collect();
                if reason.is_empty() {
                    return Err(Refusal::ReasonNeeded.into());
                }
                if let Err(problem) = crate::domain::text::check(&reason) {
                    return Err(Refusal::Unclean(problem).into());
                }
                Verdict::Reject { reason }
            }
            v => v,
        };
        let on_behalf_of = match &right {
            Right::Delegate { approver } => Some(approver.clone()),
            Right::Approver => None,
        };
        let mut described = format!("{} ({account})", self.name_of(&account).await?);
        if let Some(approver) = &on_behalf_of {
            described.push_str(&format!(
                " on behalf of {} ({approver})",
                self.name_of(approver).await?
            ));
        }
        let news = self.decision_news(&a, &order, &account).await?;
        let recorded = self
            .store
            .decide(&Decision {
                approval_id,
                verdict: &verdict,
                actor: &account,
                on_behalf_of: on_behalf_of.as_deref(),
                described: &described,
                at: now,
                clicked: clicked.as_ref(),
                news: Some(&news),
            })
            .await?;
        self.outbound.written();
        match recorded {
            Recorded::Unknown => Err(Refusal::Unknown.into()),
            Recorded::TooLate(a) => {
                let order = self.order(&a.order_number).await?;
                Ok(self.too_late(&a, &order).await?)
            }
            Recorded::Done {
                approval,
                order_status,
            } => {
                tracing::info!(approval = %approval.id, order = %approval.order_number, status = approval.status.as_str(), "approval decided");
                if order_status == OrderStatus::AwaitingPayment
                    && matches!(order.details.payment, Payment::Card { .. })
                {
                    // The charge's outcome is the requester's news: it is written with it.
                    let next = self.proceed(&order).await?;
                    self.tell_settled(&approval, &order, &next).await?;
                }
                let order = self.order(&approval.order_number).await?;
                let request = self.request_view(&approval, &order, false).await?;
                Ok(Decided::Done(request))
            }
        }
    }

    /// Carries an approved order on: charges its card, or leaves it waiting for payment.
    /// Returns what the requester is told comes next.
    async fn proceed(&self, order: &Order) -> Result<String> {
        let l = self.lang();
        let d = &order.details;
        Ok(match self.settle.settle(order).await? {
            Settled::Paid => l.f("approval.next_paid", &[("total", &d.total)]),
            Settled::Declined(why) => {
                l.f("approval.next_declined", &[("reason", &l.decline(&why))])
            }
            Settled::NeedsAuthentication { url } => l.f(
                "approval.next_authenticate",
                &[("total", &d.total), ("url", &url)],
            ),
            Settled::Processing => l.f("approval.next_processing", &[("total", &d.total)]),
            Settled::AwaitsPayment | Settled::Nothing => {
                let (key, instructions) = match d.payment {
                    Payment::Check => ("approval.next_check", &self.settings.check_instructions),
                    _ => ("approval.next_wire", &self.settings.wire_instructions),
                };
                l.f(
                    key,
                    &[("instructions", instructions), ("number", &order.number)],
                )
            }
        })
    }

    /// Rewrites one posted copy of a request, such as a stale one somebody clicked,
    /// unless it already shows the request or another click is doing it.
    pub(crate) async fn repaint(&self, at: &Posted, request: &RequestView, shown: &str) {
        match self
            .store
            .claim_approval_repaint(&request.approval_id, at, shown)
            .await
        {
            Ok(true) => {
                if let Err(e) = self.paint(at, request, shown).await {
                    tracing::warn!(error = %e, "could not release an approval repaint");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not claim an approval repaint"),
        }
    }

    /// Edits one copy whose edit was claimed; a failed edit is released for the next try.
    async fn paint(&self, at: &Posted, request: &RequestView, shown: &str) -> Result<()> {
        let Some(notifier) = self.outbound.notifier(&at.platform) else {
            tracing::warn!(platform = %at.platform, "no notifier for an approval request's platform");
            return self
                .store
                .release_approval_repaint(&request.approval_id, at, shown)
                .await;
        };
        if let Err(e) = notifier.update(at, request).await {
            tracing::warn!(approval = %request.approval_id, error = %e, "could not update an approval request");
            self.store
                .release_approval_repaint(&request.approval_id, at, shown)
                .await?;
        }
        Ok(())
    }

    /// Requests `account` may decide now, oldest first, with their orders.
    pub(crate) async fn pending_for(&self, account: &str) -> Result<Vec<(Approval, Order)>> {
        let now = now_ms();
        let Some(me) = self.store.account(account).await? else {
            return Ok(Vec::new());
        };
        let mut orgs: Vec<String> = me
            .memberships
            .iter()
            .filter(|m| matches!(m.role, Role::Approver | Role::Admin))
            .map(|m| m.org.id.clone())
            .collect();
        for d in self.store.delegations_to(account).await? {
            if d.covers(now)
                && let Some(a) = self.store.account(&d.approver_id).await?
            {
                orgs.extend(
                    a.memberships
                        .iter()
                        .filter(|m| matches!(m.role, Role::Approver | Role::Admin))
                        .map(|m| m.org.id.clone()),
                );
            }
        }
        orgs.sort();
        orgs.dedup();
        let mut out = Vec::new();
        for org in orgs {
            for a in self.store.pending_approvals(&org).await? {
                match self.right(account, &a, now).await {
                    Ok(_) => {
                        let order = self.order(&a.order_number).await?;
                        out.push((a, order));
                    }
                    Err(ApprovalError::Refused(_)) => {}
                    Err(ApprovalError::Store(e)) => return Err(e),
                }
            }
        }
        out.sort_by_key(|(a, _)| a.created_at);
        Ok(out)
    }

    /// The request's history for Details, titled in `locale`: the order's audit trail
    /// with names, for the approvers, their delegates and the requester.
    pub(crate) async fn details(
        &self,
        who: &Identity,
        locale: &str,
        approval_id: &str,
    ) -> std::result::Result<(String, Vec<String>), ApprovalError> {
        let (account, a, order) = self.load(who, approval_id).await?;
        if account != a.requested_by {
            self.right(&account, &a, now_ms()).await?;
        }
        let l = self.prompts.lang(locale);
        let mut names: HashMap<String, String> = HashMap::new();
        let mut lines = Vec::new();
        for e in self.store.audit_for(&order.number).await? {
            if !names.contains_key(&e.actor) {
                let name = self.name_of(&e.actor).await?;
                names.insert(e.actor.clone(), name);
            }
            let who = names.get(&e.actor).cloned().unwrap_or_default();
            let (what, old, new) = self.readable(&l, &e).await?;
            let change = match (old, new) {
                (Some(old), Some(new)) => format!("{old} → {new}"),
                (None, Some(new)) => new,
                (Some(old), None) => format!("{old} → —"),
                (None, None) => String::new(),
            };
            lines.push(format!("{} · {who} · {what}: {change}", l.date_time(e.at)));
        }
        let title = l.f("approval.details_title", &[("number", &order.number)]);
        Ok((title, lines))
    }

    /// An audit entry in words: what changed, from what, to what; states and
    /// organizations by name, and no account ids.
    async fn readable(
        &self,
        l: &Lang<'_>,
        e: &crate::store::audit::AuditEntry,
    ) -> Result<(String, Option<String>, Option<String>)> {
        let order_state = |v: &Option<String>| {
            v.as_deref().map(|v| {
                OrderStatus::ALL
                    .into_iter()
                    .find(|s| s.as_str() == v)
                    .map_or_else(|| v.to_string(), |s| l.status(s))
            })
        };
        let approval_state = |v: &Option<String>| {
            v.as_deref().map(|v| match v {
                "pending" => l.t("details.pending"),
                "expired" => l.t("details.expired"),
                other => without_ids(other),
            })
        };
        Ok(match e.action.as_str() {
            "placed" => (l.t("details.placed"), None, order_state(&e.new_value)),
            "status" => (
                l.t("details.status"),
                order_state(&e.old_value),
                order_state(&e.new_value),
            ),
            action => match action.split_once(' ') {
                Some(("approval", org)) => (
                    l.f("details.approval", &[("org", &self.org_name(org).await?)]),
                    approval_state(&e.old_value),
                    approval_state(&e.new_value),
                ),
                Some(("reminder", org)) => (
                    l.f("details.reminder", &[("org", &self.org_name(org).await?)]),
                    None,
                    None,
                ),
                Some(("assignment", line)) => (
                    l.f(
                        "details.assignment",
                        &[("line", &line.trim_start_matches("line "))],
                    ),
                    None,
                    e.new_value.clone(),
                ),
                _ => (action.to_string(), e.old_value.clone(), e.new_value.clone()),
            },
        })
    }

    /// An approval limit typed by an operator: a non-negative amount.
    pub fn parse_limit(text: &str) -> std::result::Result<Decimal, String> {
        text.trim()
            .replace(',', "")
            .parse::<Decimal>()
            .ok()
            .filter(|d| !d.is_sign_negative())
            .ok_or_else(|| format!("'{text}' is not an amount: write it like 5000 or 2500.50"))
    }
}

#[cfg(test)]
mod tests;
