//! The messages that follow an approval's changes, made as outbox entries so they are
//! written with the change: the request to its approvers (and its reminder), an edit of
//! every copy after a decision or expiry, and the requester's notice. Requests are
//! rendered when they are sent (`Requests`), so one sent late reads as it stands then.

use std::collections::HashMap;

use async_trait::async_trait;

use super::request::step_name;
use super::{Approvals, DAY_MS};
use crate::domain::account::Identity;
use crate::domain::approval::{Approval, Status};
use crate::domain::approval_chain::Step;
use crate::domain::order::{Order, OrderStatus, Payment};
use crate::prompts::fill;
use crate::services::notifier::RequestView;
use crate::services::outbox::Requests;
use crate::services::outbox::message::{self, Copy};
use crate::store::approvals::{Changed, CopyOf};
use crate::store::outbox::NewEntry;
use crate::store::{Result, StoreError, now_ms};

/// What tells one post of a request to a recipient from another: the step (nothing for
/// the first, as before chains) and what happened to it.
pub(super) fn occasion(position: i64, what: &str) -> String {
    match (position, what) {
        (1, "") => String::new(),
        (p, w) => format!(":{w}step{p}"),
    }
}

/// The requester's chat identities on every platform this process sends on.
type Reach = Vec<Identity>;

impl Approvals {
    /// The request `a` at `step` (or its reminder) to each of the step's recipients, on
    /// every platform. `occasion` tells one post to a recipient from another: a later
    /// step, an escalation.
    pub(super) async fn posts(
        &self,
        a: &Approval,
        step: &Step,
        reminder: bool,
        occasion: &str,
    ) -> Result<Vec<NewEntry>> {
        let mut out = Vec::new();
        for notifier in self.outbound.notifiers() {
            let platform = notifier.platform();
            for to in self.recipients(a, step, &platform).await? {
                out.push(message::approval_post(
                    &platform, &a.id, &to, reminder, occasion,
                ));
            }
        }
        Ok(out)
    }

    pub(super) async fn reach(&self, account: &str) -> Result<Reach> {
        let mut out = Vec::new();
        for notifier in self.outbound.notifiers() {
            out.extend(
                self.store
                    .identities_of(account, &notifier.platform())
                    .await?,
            );
        }
        Ok(out)
    }

    async fn org_names(&self) -> Result<HashMap<String, String>> {
        Ok(self
            .store
            .orgs()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect())
    }

    /// What a decision by `decider` on `a` makes, once it is known how it changed the
    /// order: every copy's edit, and the requester's notice unless a card is charged
    /// next (its outcome is the news, written with it by `tell_settled`).
    pub(super) async fn decision_news(
        &self,
        a: &Approval,
        order: &Order,
        decider: &str,
        step: &Step,
    ) -> Result<impl Fn(&Changed) -> Vec<NewEntry> + Send + Sync + use<>> {
        let l = self.lang();
        let who = self.name_of(decider).await?;
        // The step this decision may open: its request goes out with the decision.
        let steps = self.store.approval_steps(&a.id).await?;
        let next = steps.iter().find(|s| s.position == step.position + 1);
        let next_posts = match next {
            Some(n) => self.posts(a, n, false, &occasion(n.position, "")).await?,
            None => Vec::new(),
        };
        let next_name = next.map(|s| step_name(&l, s)).unwrap_or_default();
        let step_passed = l.f(
            "approval.told_step",
            &[
                ("number", &order.number),
                ("step", &step_name(&l, step)),
                ("who", &who),
                ("next", &next_name),
            ],
        );
        let orgs = self.org_names().await?;
        let reach = self.reach(&order.details.account_id).await?;
        let number = order.number.clone();
        let approval_id = a.id.clone();
        let card = matches!(order.details.payment, Payment::Card { .. });
        let instructions = match order.details.payment {
            Payment::Check => l.f(
                "approval.next_check",
                &[
                    ("instructions", &self.settings.check_instructions),
                    ("number", &order.number),
                ],
            ),
            _ => l.f(
                "approval.next_wire",
                &[
                    ("instructions", &self.settings.wire_instructions),
                    ("number", &order.number),
                ],
            ),
        };
        let rejected = l.t("approval.told_rejected");
        let approved = l.t("approval.told_approved");
        let waiting = l.t("approval.next_waiting");
        Ok(move |c: &Changed| {
            let mut out = edits(c);
            let Some(decided) = c.approvals.iter().find(|x| x.id == approval_id) else {
                return out;
            };
            if c.opened.as_ref().is_some_and(|(id, _)| *id == approval_id) {
                // A step was approved and the next one's approvers are asked now.
                out.extend(next_posts.iter().cloned());
                let key = format!(
                    "step:{approval_id}:{}",
                    c.opened.as_ref().map_or(0, |o| o.1)
                );
                out.extend(
                    reach
                        .iter()
                        .map(|p| message::note(p, &number, &step_passed, &key)),
                );
                return out;
            }
            if decided.status == Status::Pending {
                // A vote that leaves its step waiting: the copies show it, nobody is told.
                return out;
            }
            let text = match decided.status {
                Status::Rejected => Some(fill(
                    &rejected,
                    &[
                        ("number", &number),
                        ("who", &who),
                        ("reason", decided.reason.as_deref().unwrap_or_default()),
                    ],
                )),
                _ if c.order_status == OrderStatus::AwaitingApproval => {
                    let names: Vec<&str> = c
                        .approvals
                        .iter()
                        .filter(|x| x.status == Status::Pending)
                        .map(|x| orgs.get(&x.org_id).map_or(x.org_id.as_str(), |n| n))
                        .collect();
                    let next = fill(&waiting, &[("orgs", &names.join(", "))]);
                    Some(fill(
                        &approved,
                        &[("number", &number), ("who", &who), ("next", &next)],
                    ))
                }
                _ if card => None,
                _ => Some(fill(
                    &approved,
                    &[("number", &number), ("who", &who), ("next", &instructions)],
                )),
            };
            if let Some(text) = text {
                let key = format!("decided:{approval_id}");
                out.extend(reach.iter().map(|p| message::note(p, &number, &text, &key)));
            }
            out
        })
    }

    /// The requester's notice that approvals of their order started again, and why.
    pub(super) async fn restart_notes(&self, a: &Approval, why: &str) -> Result<Vec<NewEntry>> {
        let text = self.lang().f(
            "approval.told_restarted",
            &[("number", &a.order_number), ("why", &why)],
        );
        let key = format!("restarted:{}:{}", a.id, a.revision);
        Ok(self
            .reach(&a.requested_by)
            .await?
            .iter()
            .map(|p| message::note(p, &a.order_number, &text, &key))
            .collect())
    }

    /// The requester's notice of an approval whose card was then charged: `next` says
    /// how the charge went.
    pub(super) async fn tell_settled(&self, a: &Approval, order: &Order, next: &str) -> Result<()> {
        let l = self.lang();
        let who = self
            .name_of(a.decided_by.as_deref().unwrap_or("system"))
            .await?;
        let text = l.f(
            "approval.told_approved",
            &[("number", &order.number), ("who", &who), ("next", &next)],
        );
        let key = format!("decided:{}", a.id);
        let notes: Vec<NewEntry> = self
            .reach(&order.details.account_id)
            .await?
            .iter()
            .map(|p| message::note(p, &order.number, &text, &key))
            .collect();
        self.store.enqueue(&notes, now_ms()).await?;
        self.outbound.written();
        Ok(())
    }

    /// What an expiry makes: every copy's edit, and the requester's notice.
    pub(super) async fn expiry_news(
        &self,
        order: &Order,
    ) -> Result<impl Fn(&Changed) -> Vec<NewEntry> + Send + Sync + use<>> {
        let text = self.lang().f(
            "approval.told_expired",
            &[
                ("number", &order.number),
                ("days", &(self.settings.expire_after_ms / DAY_MS)),
            ],
        );
        let reach = self.reach(&order.details.account_id).await?;
        let number = order.number.clone();
        Ok(move |c: &Changed| {
            let mut out = edits(c);
            let key = format!("expired:{number}");
            out.extend(reach.iter().map(|p| message::note(p, &number, &text, &key)));
            out
        })
    }
}

/// An edit of every copy, to show its request as it stands after the change.
pub(super) fn edits(c: &Changed) -> Vec<NewEntry> {
    let shown = |id: &str| {
        c.approvals
            .iter()
            .find(|a| a.id == id)
            .map(Approval::shown_key)
    };
    c.copies
        .iter()
        .filter_map(|copy| match copy {
            CopyOf::Entry {
                approval_id,
                entry,
                platform,
                destination,
            } => Some(message::approval_edit(
                platform,
                destination,
                approval_id,
                Copy::Post(entry.clone()),
                &shown(approval_id)?,
            )),
            CopyOf::Posted { approval_id, at } => Some(message::approval_edit(
                &at.platform,
                &format!("channel:{}", at.channel_id),
                approval_id,
                Copy::from(at),
                &shown(approval_id)?,
            )),
        })
        .collect()
}

#[async_trait]
impl Requests for Approvals {
    async fn current(
        &self,
        approval_id: &str,
        reminder: bool,
    ) -> std::result::Result<Option<(RequestView, String)>, StoreError> {
        let Some(a) = self.store.approval(approval_id).await? else {
            return Ok(None);
        };
        let order = self.order(&a.order_number).await?;
        let view = self.request_view(&a, &order, reminder).await?;
        Ok(Some((view, a.shown_key())))
    }
}
