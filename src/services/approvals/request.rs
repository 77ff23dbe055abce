//! An approval request as people read it: what is bought, for whom, by whom, why it
//! needs approval, and how it ended.

use super::{Approvals, DAY_MS, LINES_SHOWN};
use crate::domain::approval::{Approval, Status, Why};
use crate::domain::order::{Order, OrderStatus, Payment};
use crate::services::notifier::RequestView;
use crate::store::Result;

impl Approvals {
    /// The request as it reads now: everything an approver needs, and how it ended.
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
        let why = match &a.why {
            Some(Why::PoNumber) => l.t("approval.why_po"),
            Some(Why::OverLimit(limit)) => {
                let limit = crate::domain::money::Money::new(*limit, d.total.currency.clone());
                l.f("approval.why_limit", &[("limit", &limit)])
            }
            None => l.t("approval.why_policy"),
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
        let title_key = if reminder {
            "approval.reminder_title"
        } else {
            "approval.title"
        };
        let outcome = self.outcome(a, order, &org).await?;
        Ok(RequestView {
            approval_id: a.id.clone(),
            title: l.f(title_key, &[("number", &order.number)]),
            body: l.f(
                "approval.body",
                &[("requester", &requester), ("org", &org), ("why", &why)],
            ),
            fields,
            outcome,
            approve: l.t("approval.approve"),
            reject: l.t("approval.reject"),
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
}
