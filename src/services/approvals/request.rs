//! An approval request as people read it: what is bought, for whom, by whom, why it
//! needs approval, and how it ended.

use super::{Approvals, DAY_MS, LINES_SHOWN};
use crate::domain::approval::{Approval, Status, Why};
use crate::domain::approval_chain::{Rule, Step, StepStatus, StepWhy};
use crate::domain::order::{Order, OrderStatus, Payment};
use crate::prompts::Lang;
use crate::services::notifier::RequestView;
use crate::store::Result;

impl Approvals {
    /// The request as it reads now: everything an approver needs, and how it ended.
    /// How request `approval_id` reads now, for a copy drawn again on its platform's
    /// asking; `None` for an id that is no request.
    pub(crate) async fn current(&self, approval_id: &str) -> Result<Option<RequestView>> {
        let Some(a) = self.store.approval(approval_id).await? else {
            return Ok(None);
        };
        let order = self.order(&a.order_number).await?;
        Ok(Some(self.request_view(&a, &order, false).await?))
    }

    pub(crate) async fn request_view(
        &self,
        a: &Approval,
        order: &Order,
        reminder: bool,
    ) -> Result<RequestView> {
        let l = self.lang();
        let d = &order.details;
        let org = self.org_name(&a.org_id).await?;
        let requester = self.name_of(&a.requested_by).await?;
        let steps = self.store.approval_steps(&a.id).await?;
        let over_budget = steps.iter().any(|s| s.why == Some(StepWhy::OverBudget));
        let why = match &a.why {
            Some(Why::PoNumber) => l.t("approval.why_po"),
            Some(Why::OverLimit(limit)) => {
                let limit = crate::domain::money::Money::new(*limit, d.total.currency.clone());
                l.f("approval.why_limit", &[("limit", &limit)])
            }
            Some(Why::OverBudget) => l.f("approval.why_budget", &[("org", &org)]),
            Some(Why::Chain) | None => l.t("approval.why_policy"),
        };
        let mut lines: Vec<String> = d
            .lines
            .iter()
            .take(LINES_SHOWN)
            .map(|x| {
                let mut s = l.f(
                    "approval.line",
                    &[
                        ("qty", &x.qty),
                        ("name", &x.name),
                        ("unit", &x.unit_price),
                        ("total", &x.total),
                    ],
                );
                if let Some(dep) = &x.deployment {
                    s.push_str(&l.f(
                        "summary.for_deployment",
                        &[("id", &dep.id), ("name", &dep.name)],
                    ));
                }
                if let Some(o) = &x.organization {
                    s.push_str(&l.f("summary.for_org", &[("name", &o.name)]));
                }
                s
            })
            .collect();
        if d.lines.len() > LINES_SHOWN {
            lines.push(l.f(
                "approval.more_lines",
                &[("count", &(d.lines.len() - LINES_SHOWN))],
            ));
        }
        let payment = match &d.payment {
            Payment::Card { label, .. } => label.clone(),
            Payment::Wire => l.t("payment.wire"),
            Payment::Check => l.t("payment.check"),
            Payment::Quote => l.t("payment.quote"),
        };
        let mut fields = vec![
            (l.t("approval.requester"), requester.clone()),
            (
                l.t("approval.po"),
                d.po_number.clone().unwrap_or_else(|| l.t("approval.no_po")),
            ),
            (l.t("approval.organization"), org.clone()),
            (l.t("approval.lines"), lines.join("\n")),
            (l.t("approval.payment"), payment),
            (l.t("approval.subtotal"), l.money(&d.subtotal)),
        ];
        if let Some(delivery) = &d.delivery {
            fields.push((l.t("approval.ship_to"), delivery.address.one_line()));
            fields.push((l.t("approval.shipping"), l.money(&d.shipping)));
        }
        fields.push((l.t("approval.total"), l.money(&d.total)));
        fields.push((l.t("approval.placed_at"), l.date_time(order.created_at)));
        if let Some((at, why)) = &a.restarted {
            fields.push((
                l.t("approval.restarted"),
                l.f(
                    "approval.restarted_value",
                    &[("at", &l.date_time(*at)), ("why", why)],
                ),
            ));
        }
        if let Some(exchange) = self.questions_field(a).await? {
            fields.push(exchange);
        }
        if let Some(budget) = self.budget_field(a, order, over_budget).await? {
            fields.push(budget);
        }
        let open = steps.iter().find(|s| s.status == StepStatus::Pending);
        if steps.len() > 1 || steps.iter().any(|s| !s.name.is_empty()) {
            let mut chain = Vec::new();
            for s in &steps {
                chain.push(self.step_line(a, s).await?);
            }
            fields.push((l.t("approval.chain"), chain.join("\n")));
        }
        let title_key = if reminder {
            "approval.reminder_title"
        } else {
            "approval.title"
        };
        let outcome = self.outcome(a, order, &org).await?;
        let viewers: Vec<String> = self
            .outbound
            .notifiers()
            .filter(|n| n.shows_own_views())
            .map(|n| n.platform())
            .collect();
        let deciders = match (open, &outcome) {
            (Some(step), None) if !viewers.is_empty() => self.reachable(a, step, &viewers).await?,
            _ => Vec::new(),
        };
        Ok(RequestView {
            quote: None,
            deciders,
            approval_id: a.id.clone(),
            step: open.map(|s| s.position),
            title: l.f(title_key, &[("number", &order.number)]),
            body: l.f(
                "approval.body",
                &[("requester", &requester), ("org", &org), ("why", &why)],
            ),
            fields,
            outcome,
            approve: l.t("approval.approve"),
            reject: l.t("approval.reject"),
            ask: l.t("approval.ask"),
            details: l.t("approval.details"),
        })
    }

    /// "Approved by X at T" and the like; `None` while the request can be decided.
    async fn outcome(&self, a: &Approval, order: &Order, org: &str) -> Result<Option<String>> {
        let l = self.lang();
        let who = match &a.decided_by {
            Some(id) => self.name_of(id).await?,
            None => String::new(),
        };
        let approver = match &a.on_behalf_of {
            Some(id) => Some(self.name_of(id).await?),
            None => None,
        };
        let at = l.date_time(a.decided_at.unwrap_or_default());
        let reason = a.reason.clone().unwrap_or_default();
        Ok(match (a.status, approver) {
            (Status::Pending, _) if order.status == OrderStatus::AwaitingApproval => None,
            (Status::Pending, _) => Some(l.f(
                "approval.closed",
                &[("status", &self.status_text(order.status)), ("org", &org)],
            )),
            (Status::Approved, None) => {
                Some(l.f("approval.approved", &[("who", &who), ("at", &at)]))
            }
            (Status::Approved, Some(approver)) => Some(l.f(
                "approval.approved_for",
                &[("who", &who), ("approver", &approver), ("at", &at)],
            )),
            (Status::Rejected, None) => {
                Some(l.f("approval.rejected", &[("who", &who), ("reason", &reason)]))
            }
            (Status::Rejected, Some(approver)) => Some(l.f(
                "approval.rejected_for",
                &[("who", &who), ("approver", &approver), ("reason", &reason)],
            )),
            (Status::Expired, _) => Some(l.f(
                "approval.expired",
                &[("days", &(self.settings.expire_after_ms / DAY_MS))],
            )),
        })
    }

    fn status_text(&self, s: OrderStatus) -> String {
        self.lang().status(s)
    }

    /// One line of the chain: "2. Finance: waiting (any of 2)", "1. Team lead: approved
    /// by Ann", "3. Directors: 1 of 2 approved, all needed".
    async fn step_line(&self, a: &Approval, s: &Step) -> Result<String> {
        let l = self.lang();
        let name = step_name(&l, s);
        let n = s.position;
        let count = self.voters(a, s).await?.len();
        let who = match &s.decided_by {
            Some(id) => self.name_of(id).await?,
            None => String::new(),
        };
        let mut line = match (s.status, s.rule) {
            (StepStatus::Approved, _) => l.f(
                "approval.step_approved",
                &[("n", &n), ("name", &name), ("who", &who)],
            ),
            (StepStatus::Rejected, _) if s.decided_by.is_some() => l.f(
                "approval.step_rejected",
                &[("n", &n), ("name", &name), ("who", &who)],
            ),
            (StepStatus::Rejected | StepStatus::Expired, _) => {
                l.f("approval.step_closed", &[("n", &n), ("name", &name)])
            }
            (StepStatus::Pending, Rule::Any) => l.f(
                "approval.step_waiting_any",
                &[("n", &n), ("name", &name), ("count", &count)],
            ),
            (StepStatus::Pending, Rule::All) => l.f(
                "approval.step_waiting_all",
                &[
                    ("n", &n),
                    ("name", &name),
                    ("got", &s.votes.len()),
                    ("count", &count),
                ],
            ),
            (StepStatus::Waiting, Rule::Any) => l.f(
                "approval.step_later_any",
                &[("n", &n), ("name", &name), ("count", &count)],
            ),
            (StepStatus::Waiting, Rule::All) => l.f(
                "approval.step_later_all",
                &[("n", &n), ("name", &name), ("count", &count)],
            ),
        };
        if s.escalated_at.is_some() && s.status == StepStatus::Pending {
            line.push_str(&l.t("approval.step_escalated"));
        }
        Ok(line)
    }

    /// The questions asked about a request and their answers, oldest first.
    async fn questions_field(&self, a: &Approval) -> Result<Option<(String, String)>> {
        let l = self.lang();
        let mut lines = Vec::new();
        for q in self.store.questions(&a.id).await? {
            let asker = self.name_of(&q.asked_by).await?;
            lines.push(l.f(
                "approval.question_line",
                &[("who", &asker), ("text", &q.question)],
            ));
            lines.push(match (&q.answer, &q.answered_by) {
                (Some(text), Some(by)) => l.f(
                    "approval.answer_line",
                    &[("who", &self.name_of(by).await?), ("text", text)],
                ),
                _ => l.t("approval.answer_waiting"),
            });
        }
        Ok((!lines.is_empty()).then(|| (l.t("approval.questions"), lines.join("\n"))))
    }

    /// The budget line of a request: spent, committed, this order, and what remains
    /// after it, in the period the order was placed in.
    async fn budget_field(
        &self,
        a: &Approval,
        order: &Order,
        over: bool,
    ) -> Result<Option<(String, String)>> {
        let l = self.lang();
        let share = self
            .store
            .order_share(&order.number, &a.org_id)
            .await?
            .unwrap_or(order.details.total.amount);
        let Some(st) = self
            .standing(&a.org_id, share, order.created_at, Some(&order.number))
            .await?
        else {
            return Ok(None);
        };
        let cur = &order.details.total.currency;
        let m = |d| l.money(&crate::domain::money::Money::new(d, cur.clone()));
        let mut text = l.f(
            "approval.budget_value",
            &[
                ("amount", &m(st.budget.amount)),
                ("spent", &m(st.spent)),
                ("committed", &m(st.committed)),
                ("order", &m(st.this_order)),
                ("remaining", &m(st.remaining_after())),
            ],
        );
        if over {
            text.push('\n');
            text.push_str(&l.t("approval.budget_over"));
        }
        let period = l.t(&format!("approval.period_{}", st.budget.period.as_str()));
        Ok(Some((l.f("approval.budget", &[("period", &period)]), text)))
    }
}

/// A step's name as shown: its own, or the budget step's, or "Approval".
pub(super) fn step_name(l: &Lang<'_>, s: &Step) -> String {
    if s.name.is_empty() {
        l.t("approval.step_default")
    } else {
        s.name.clone()
    }
}
