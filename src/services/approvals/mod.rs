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
use crate::domain::approval_chain::{Approvers, Rule, Step, StepStatus, Wanted, over_budget_step};
use crate::domain::budget::Standing;
use crate::domain::order::{NewOrder, Order, OrderStatus, Payment};
use crate::prompts::{Lang, Prompts};
use crate::store::approvals::{Decision, Recorded};
use crate::store::{Result, Store, StoreError, now_ms};

mod click;
mod command;
mod delegation;
mod news;
mod question;
mod refusal;
mod reprice;
mod request;
mod sweep;

pub use crate::domain::approval::Target;
pub(crate) use click::{ApprovalAction, Clicked, FIELD, Form, PREFIX};
pub(crate) use command::{ApprovalsAnswer, ApprovalsRequest};
pub(crate) use refusal::{ApprovalError, Refusal};
pub use reprice::Repriced;

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
    /// APPROVAL_ESCALATE_AFTER: a step undecided this long is offered to the admins.
    pub(crate) escalate_after_ms: i64,
    /// BUDGET_TIMEZONE: whose calendar budget periods follow.
    pub(crate) budget_tz: jiff::tz::TimeZone,
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
            escalate_after_ms: 48 * HOUR_MS,
            budget_tz: jiff::tz::TimeZone::UTC,
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
    /// Taken (an answer to a question): a private note for whoever sent it.
    Noted(String),
}

/// Why someone may decide, when they may.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Right {
    Approver,
    Delegate {
        approver: String,
    },
    /// An admin at a step offered to the admins once nobody decided it in time: their
    /// decision is the step's, whatever its rule.
    Escalated,
}

/// What placing an order needs (`Approvals::needed`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Needed {
    pub(crate) wanted: Vec<Wanted>,
    /// What the order counts against each organization's budget.
    pub(crate) shares: Vec<(String, Decimal)>,
}

/// What a sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub announced: usize,
    pub reminded: usize,
    pub expired: usize,
    pub escalated: usize,
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

    /// What placing this order needs: each organization's approval, with why and its
    /// steps (its chain's that apply, else its one-step policy, and the admins' step
    /// when the order takes it over budget), and what the order counts against each
    /// organization's budget. An order belongs to the organizations of its lines (a
    /// deployment line to the deployment's), and only an order none of whose lines
    /// belongs anywhere falls to the buyer's default.
    pub(crate) async fn needed(
        &self,
        order: &NewOrder,
        default_org: Option<&str>,
    ) -> Result<Needed> {
        let owners = crate::services::owners::owners(&self.store, &order.lines).await?;
        if !owners.unknown.is_empty() {
            // Whose purchase it is cannot be told, so nobody's policy may be skipped.
            return Err(StoreError::Corrupt(format!(
                "order for deployments no organization has: {}",
                owners.unknown.join(", ")
            )));
        }
        let shares = crate::services::owners::shares(
            &self.store,
            &order.lines,
            order.total.amount,
            default_org,
        )
        .await?;
        if matches!(order.payment, Payment::Quote) {
            // A quote commits to nothing; converting it is paid like an invoice.
            return Ok(Needed {
                wanted: Vec::new(),
                shares,
            });
        }
        let mut orgs = owners.orgs;
        if orgs.is_empty() {
            orgs.extend(default_org.map(str::to_string));
        }
        let mut wanted = Vec::new();
        for org in orgs {
            let share = shares
                .iter()
                .find(|(o, _)| *o == org)
                .map_or(order.total.amount, |(_, s)| *s);
            if let Some(w) = self.wanted(&org, order, share, None).await? {
                wanted.push(w);
            }
        }
        Ok(Needed { wanted, shares })
    }

    /// An organization's approval of an order (`share` of it theirs), if it needs one.
    /// `except`: the order itself, when it is already stored and weighed again.
    pub(super) async fn wanted(
        &self,
        org: &str,
        order: &NewOrder,
        share: Decimal,
        except: Option<&str>,
    ) -> Result<Option<Wanted>> {
        let po = order.po_number.as_deref();
        let chain = self.store.approval_chain(org).await?;
        let mut out = if chain.steps.is_empty() {
            let policy = self.store.policy(org).await?;
            let own = self
                .store
                .buyer_limits(org)
                .await?
                .into_iter()
                .find(|(a, _)| *a == order.account_id)
                .map(|(_, l)| l);
            policy
                .requires(own, po, &order.total)
                .map(|why| Wanted::one_step(org, why))
        } else {
            let steps = chain.plan(&order.total, po);
            (!steps.is_empty()).then(|| Wanted {
                org: org.to_string(),
                why: Why::Chain,
                steps,
            })
        };
        if let Some(standing) = self.standing(org, share, now_ms(), except).await?
            && standing.over()
        {
            let step = over_budget_step(&self.lang().t("approval.budget_step"));
            match &mut out {
                Some(w) => w.steps.push(step),
                None => {
                    out = Some(Wanted {
                        org: org.to_string(),
                        why: Why::OverBudget,
                        steps: vec![step],
                    })
                }
            }
        }
        Ok(out)
    }

    /// Where `amount` of an order placed at `at` leaves an organization's budget, when
    /// it has one.
    pub(crate) async fn standing(
        &self,
        org: &str,
        amount: Decimal,
        at: i64,
        except: Option<&str>,
    ) -> Result<Option<Standing>> {
        let Some(budget) = self.store.budget(org).await? else {
            return Ok(None);
        };
        let (from, until) = budget
            .period
            .bounds(at, &self.settings.budget_tz)
            .map_err(StoreError::Invalid)?;
        let (spent, committed) = self.store.org_spending(org, from, until, except).await?;
        Ok(Some(Standing {
            budget,
            spent,
            committed,
            this_order: amount,
        }))
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

    /// The accounts that decide `step` now (never the requester), with the
    /// organization's admins once it was escalated.
    pub(super) async fn deciders(&self, a: &Approval, step: &Step) -> Result<Vec<String>> {
        let mut people = self.voters(a, step).await?;
        if step.escalated_at.is_some() {
            people.extend(self.store.members_with(&a.org_id, Role::Admin).await?);
        }
        people.retain(|p| *p != a.requested_by);
        people.sort();
        people.dedup();
        Ok(people)
    }

    /// The approvers a step names, as they stand now, without the requester: at an
    /// `all` step, everyone whose vote it needs.
    pub(super) async fn voters(&self, a: &Approval, step: &Step) -> Result<Vec<String>> {
        let mut people = match &step.approvers {
            Approvers::People(ids) => ids.clone(),
            Approvers::Role(role) => self.store.members_with(&a.org_id, *role).await?,
        };
        people.retain(|p| *p != a.requested_by);
        Ok(people)
    }

    /// Who hears about `step` of a request: the organization's approval channel, else
    /// each of its deciders and each running delegate of one, privately. Never the
    /// requester.
    async fn recipients(
        &self,
        a: &Approval,
        step: &Step,
        platform: &str,
    ) -> Result<Vec<Recipient>> {
        if let Some(channel) = self.store.approval_channel(&a.org_id, platform).await? {
            return Ok(vec![Recipient::Channel(channel)]);
        }
        Ok(self
            .reachable(a, step, &[platform.to_string()])
            .await?
            .into_iter()
            .map(Recipient::Person)
            .collect())
    }

    /// The identities on `platforms` of everyone who may decide `step` now: its
    /// deciders and each running delegate of one, never the requester.
    pub(super) async fn reachable(
        &self,
        a: &Approval,
        step: &Step,
        platforms: &[String],
    ) -> Result<Vec<crate::domain::account::Identity>> {
        let now = now_ms();
        let mut people: Vec<String> = Vec::new();
        for approver in self.deciders(a, step).await? {
            for d in self.store.delegations_from(&approver, now).await? {
                if d.covers(now) {
                    people.push(d.delegate_id);
                }
            }
            people.push(approver);
        }
        people.sort();
        people.dedup();
        people.retain(|p| *p != a.requested_by);
        let mut out = Vec::new();
        for p in people {
            for platform in platforms {
                out.extend(self.store.identities_of(&p, platform).await?);
            }
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
        let steps = self.store.approval_steps(&a.id).await?;
        let Some(step) = steps.iter().find(|s| s.status == StepStatus::Pending) else {
            return Ok(false);
        };
        // A request started again is a new one: posted again, once per restart.
        let occasion = match &a.restarted {
            Some(_) => format!("{}:r{}", news::occasion(step.position, ""), a.revision),
            None => news::occasion(step.position, ""),
        };
        let mut posts = self.posts(a, step, false, &occasion).await?;
        if posts.is_empty() {
            tracing::warn!(approval = %a.id, org = %a.org_id, "an approval request reaches nobody; will retry");
            return Ok(false);
        }
        if let Some((_, why)) = &a.restarted {
            posts.extend(self.restart_notes(a, why).await?);
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

    /// What `account` may do about `step` of `a` now: decide (as one of its
    /// approvers, a delegate of one, or an admin once it was escalated), or why not.
    async fn right(
        &self,
        account: &str,
        a: &Approval,
        step: &Step,
        now: i64,
    ) -> std::result::Result<Right, ApprovalError> {
        if account == a.requested_by {
            let org = self.org_name(&a.org_id).await?;
            return Err(Refusal::OwnOrder { org }.into());
        }
        let role = self.store.role_in(&a.org_id, account).await?;
        if step.approvers.include(account, role) {
            return Ok(Right::Approver);
        }
        if step.escalated_at.is_some() && role == Some(Role::Admin) {
            return Ok(Right::Escalated);
        }
        let mut outside = None;
        for d in self.store.delegations_to(account).await? {
            let theirs = self.store.role_in(&a.org_id, &d.approver_id).await?;
            if !step.approvers.include(&d.approver_id, theirs) {
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
        if step.name.is_empty() {
            return Err(Refusal::NotApprover { org }.into());
        }
        Err(Refusal::NotAtStep {
            org,
            step: step.name.clone(),
        }
        .into())
    }

    /// The step a click is for: the one its button names (which must exist), or the
    /// open one for buttons drawn before chains. With it, whether it is still open.
    async fn step_of(
        &self,
        a: &Approval,
        step: Option<i64>,
    ) -> std::result::Result<(Step, bool), ApprovalError> {
        let steps = self.store.approval_steps(&a.id).await?;
        let found = match step {
            Some(p) => steps.iter().find(|s| s.position == p),
            None => steps
                .iter()
                .find(|s| s.status == StepStatus::Pending)
                .or(steps.last()),
        };
        let Some(found) = found else {
            return Err(Refusal::Unknown.into());
        };
        Ok((found.clone(), found.status == StepStatus::Pending))
    }

    /// Whether `who` may open the reason form: the same checks as deciding, nothing
    /// recorded. `None` when they may.
    pub(crate) async fn check(&self, who: &Identity, target: &Target) -> Result<Option<Decided>> {
        let checked = async {
            let (account, a, order) = self.load(who, &target.approval).await?;
            let (step, open) = self.step_of(&a, target.step).await?;
            self.right(&account, &a, &step, now_ms()).await?;
            if !open || a.status != Status::Pending || order.status != OrderStatus::AwaitingApproval
            {
                return Ok(Some(self.too_late(&a).await?));
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

    async fn too_late(&self, a: &Approval) -> Result<Decided> {
        // What the caller read may predate the decision that made it too late: a
        // repaint with it would paint the request back as it was.
        let a = &self
            .store
            .approval(&a.id)
            .await?
            .unwrap_or_else(|| a.clone());
        let order = &self.order(&a.order_number).await?;
        let request = self.request_view(a, order, false).await?;
        let note = match &request.outcome {
            Some(outcome) => Refusal::Already {
                number: order.number.clone(),
                outcome: outcome.clone(),
            },
            // The request still waits, at a later step than the one clicked.
            None => Refusal::StepDecided {
                number: order.number.clone(),
            },
        };
        Ok(Decided::TooLate {
            note,
            request,
            shown: a.shown_key(),
        })
    }

    /// Whether `account` may read a request's history: anyone who may decide one of
    /// its steps, and their delegates.
    async fn may_see(&self, account: &str, a: &Approval) -> std::result::Result<(), ApprovalError> {
        let now = now_ms();
        let mut refused = Refusal::Unknown;
        for step in self.store.approval_steps(&a.id).await? {
            match self.right(account, a, &step, now).await {
                Ok(_) => return Ok(()),
                Err(ApprovalError::Refused(r)) => refused = r,
                Err(e) => return Err(e),
            }
        }
        Err(refused.into())
    }

    /// Records `who`'s verdict on a request, once however many click, and carries the
    /// order on. `clicked` is the message the click came from: it is answered in place,
    /// every other copy of the request is updated through the notifier.
    pub async fn decide(
        self: &Arc<Self>,
        who: &Identity,
        target: &Target,
        verdict: Verdict,
        clicked: Option<Posted>,
    ) -> Result<Decided> {
        match self.try_decide(who, target, verdict, clicked).await {
            Ok(d) => Ok(d),
            Err(ApprovalError::Refused(why)) => Ok(Decided::Refused(why)),
            Err(ApprovalError::Store(e)) => Err(e),
        }
    }

    async fn try_decide(
        self: &Arc<Self>,
        who: &Identity,
        target: &Target,
        verdict: Verdict,
        clicked: Option<Posted>,
    ) -> std::result::Result<Decided, ApprovalError> {
        let approval_id = target.approval.as_str();
        let (account, a, order) = self.load(who, approval_id).await?;
        let now = now_ms();
        let (step, open) = self.step_of(&a, target.step).await?;
        let right = self.right(&account, &a, &step, now).await?;
        if !open {
            return Ok(self.too_late(&a).await?);
        }
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
            Right::Approver | Right::Escalated => None,
        };
        let needed = match step.rule {
            Rule::All => self.voters(&a, &step).await?,
            Rule::Any => Vec::new(),
        };
        let mut described = format!("{} ({account})", self.name_of(&account).await?);
        if let Some(approver) = &on_behalf_of {
            described.push_str(&format!(
                " on behalf of {} ({approver})",
                self.name_of(approver).await?
            ));
        }
        let news = self.decision_news(&a, &order, &account, &step).await?;
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
                step: Some(step.position),
                needed: &needed,
                decides_alone: right == Right::Escalated,
            })
            .await?;
        self.outbound.written();
        match recorded {
            Recorded::Unknown => Err(Refusal::Unknown.into()),
            Recorded::AlreadyVoted(_) => Err(Refusal::AlreadyVoted {
                step: step.position,
            }
            .into()),
            Recorded::TooLate(a) => Ok(self.too_late(&a).await?),
            Recorded::Done {
                approval,
                order_status,
                ..
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

    /// Requests `account` may decide now at their open step, oldest first, with
    /// their orders.
    pub(crate) async fn pending_for(&self, account: &str) -> Result<Vec<(Approval, Order)>> {
        let now = now_ms();
        let Some(me) = self.store.account(account).await? else {
            return Ok(Vec::new());
        };
        let mut orgs: Vec<String> = me.memberships.iter().map(|m| m.org.id.clone()).collect();
        for d in self.store.delegations_to(account).await? {
            if d.covers(now)
                && let Some(a) = self.store.account(&d.approver_id).await?
            {
                orgs.extend(a.memberships.iter().map(|m| m.org.id.clone()));
            }
        }
        orgs.sort();
        orgs.dedup();
        let mut out = Vec::new();
        for org in orgs {
            for a in self.store.pending_approvals(&org).await? {
                let (step, open) = match self.step_of(&a, None).await {
                    Ok(found) => found,
                    Err(ApprovalError::Refused(_)) => continue,
                    Err(ApprovalError::Store(e)) => return Err(e),
                };
                if !open {
                    continue;
                }
                match self.right(account, &a, &step, now).await {
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
            self.may_see(&account, &a).await?;
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
            "placed by" => (l.t("details.placed_by"), None, e.new_value.clone()),
            "total" => (
                l.t("details.total"),
                e.old_value.clone(),
                e.new_value.clone(),
            ),
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
                Some(("escalation", org)) => (
                    l.f("details.escalation", &[("org", &self.org_name(org).await?)]),
                    None,
                    e.new_value.clone(),
                ),
                Some(("question", org)) => (
                    l.f("details.question", &[("org", &self.org_name(org).await?)]),
                    None,
                    e.new_value.clone(),
                ),
                Some(("answer", org)) => (
                    l.f("details.answer", &[("org", &self.org_name(org).await?)]),
                    None,
                    e.new_value.clone(),
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

#[cfg(test)]
mod chain_tests;
