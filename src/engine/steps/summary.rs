//! The summary with an Edit per part (beyond the seed: change any earlier answer), and
//! placing the order exactly once (seed step 14).

use super::checkout::{bill, checkout_mut, lines_needing, may_order, total_changed};
use super::{Flow, Turn, footer, not_here, shipping};
use crate::domain::account::Account;
use crate::domain::catalog::Requirement;
use crate::domain::order::{Named, NewOrder, OrderLine, OrderStatus, Payment};
use crate::engine::action::Verb;
use crate::engine::backend::BackendError;
use crate::engine::backend::Placed;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Notice, Style, View};

/// The parts of a checkout the summary can send the user back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Cart = 0,
    Deployments = 1,
    Organizations = 2,
    Shipping = 3,
    Payment = 4,
    Po = 5,
}

impl Part {
    fn from_u32(n: u32) -> Option<Part> {
        [
            Part::Cart,
            Part::Deployments,
            Part::Organizations,
            Part::Shipping,
            Part::Payment,
            Part::Po,
        ]
        .into_iter()
        .find(|p| *p as u32 == n)
    }
}

/// An Edit button on the summary: back to that part, every other answer kept.
pub(crate) async fn edit(s: &mut Session, t: &Turn<'_>, part: u32) -> Flow {
    if s.step != Step::Summary {
        return Err(not_here(t).into());
    }
    let part = Part::from_u32(part).ok_or_else(|| not_here(t))?;
    s.step = match part {
        Part::Cart => Step::Cart { page: 0 },
        Part::Deployments => {
            let first = lines_needing(s, t, Requirement::Deployment)
                .first()
                .map(|(l, _)| l.id);
            Step::Deployment {
                line: first.ok_or_else(|| not_here(t))?,
            }
        }
        Part::Organizations => Step::Organizations,
        Part::Shipping if shipping::needed(s, t) => Step::Shipping,
        Part::Shipping => return Err(not_here(t).into()),
        Part::Payment => Step::Payment,
        Part::Po => Step::Po,
    };
    Ok(None)
}

/// Places the order, exactly once however many times it is clicked: the order's key is
/// fixed for the checkout (and its payment attempt), and the backend keeps one per key.
pub(crate) async fn process(s: &mut Session, t: &Turn<'_>) -> Flow {
    if s.step != Step::Summary {
        return Err(not_here(t).into());
    }
    let account = t.backend.account(t.account_id).await?;
    may_order(t, &account)?;
    let order = build_order(s, t, &account)?;
    let c = checkout_mut(s, t)?;
    if c.reviewed.as_ref() != Some(&order.total) {
        // Prices or rates moved since the summary was shown (a catalog import, say):
        // show the new total and let the buyer agree to it with another click.
        let before = c.reviewed.replace(order.total.clone());
        return Ok(Some(total_changed(t, before.as_ref(), &order.total)));
    }
    match t.backend.place_order(order).await? {
        Placed::Done(order) => {
            s.cart.clear();
            s.checkout = None;
            let key = match order.status {
                OrderStatus::Quote => "placed.quote_saved",
                OrderStatus::AwaitingApproval => "placed.awaiting_approval",
                OrderStatus::PaymentProcessing => "placed.processing",
                _ => "placed.done",
            };
            let notice = Notice::success(t.lang.f(key, &[("number", &order.number)]));
            s.step = Step::Placed {
                number: order.number,
            };
            Ok(Some(notice))
        }
        Placed::Authenticate { order, url } => {
            s.cart.clear();
            s.checkout = None;
            let notice = Notice::warning(t.lang.f(
                "placed.authenticate",
                &[("number", &order.number), ("url", &url)],
            ));
            s.step = Step::Placed {
                number: order.number,
            };
            Ok(Some(notice))
        }
        Placed::Declined { why } => {
            let c = checkout_mut(s, t)?;
            c.attempt += 1;
            c.payment = None;
            s.step = Step::Payment;
            let reason = t.lang.decline(&why);
            Ok(Some(Notice::error(
                t.lang.f("payment.declined", &[("reason", &reason)]),
            )))
        }
    }
}

/// The order as the summary shows it, checked once more against what the user may buy for.
fn build_order(s: &Session, t: &Turn<'_>, account: &Account) -> Result<NewOrder, Notice> {
    let c = s.checkout.as_ref().ok_or_else(|| not_here(t))?;
    let payment = c
        .payment
        .clone()
        .ok_or_else(|| Notice::error(t.lang.t("summary.incomplete")))?;
    let po =
        c.po.as_ref()
            .ok_or_else(|| Notice::error(t.lang.t("summary.incomplete")))?
            .number()
            .map(String::from);
    if !c.terms {
        return Err(Notice::error(t.lang.t("terms.required")));
    }
    let totals = bill(s, t);
    if totals.ships && totals.delivery.is_none() {
        return Err(Notice::error(t.lang.t("summary.incomplete")));
    }
    if !totals.unavailable.is_empty() {
        return Err(Notice::error(t.lang.t("cart.checkout_unavailable")));
    }
    let mut lines = Vec::new();
    for pl in &totals.lines {
        let (deployment, deployment_org) = if pl.product.requires(Requirement::Deployment) {
            let d = c
                .deployments
                .get(&pl.line.id)
                .ok_or_else(|| Notice::error(t.lang.t("summary.incomplete")))?;
            if !account.belongs_to(&d.org_id) {
                return Err(Notice::error(t.lang.t("deployment.not_yours")));
            }
            (
                Some(Named {
                    id: d.id.clone(),
                    name: d.name.clone(),
                }),
                Some(d.org_id.clone()),
            )
        } else {
            (None, None)
        };
        let organization = if pl.product.requires(Requirement::Organization) {
            let o = c
                .organizations
                .get(&pl.line.id)
                .ok_or_else(|| Notice::error(t.lang.t("summary.incomplete")))?;
            if !account.belongs_to(&o.id) {
                return Err(Notice::error(t.lang.t("organization.not_yours")));
            }
            Some(o.clone())
        } else {
            None
        };
        lines.push(OrderLine {
            sku: pl.product.sku.clone(),
            name: pl.product.name.clone(),
            qty: pl.line.qty,
            unit_price: pl.unit_price.clone(),
            total: pl.total.clone(),
            deployment,
            deployment_org,
            organization,
        });
    }
    Ok(NewOrder {
        key: format!("{}:{}", c.key, c.attempt),
        account_id: t.account_id.to_string(),
        placed_by: account.display_name.clone(),
        placed_via: Some(t.who.clone()),
        lines,
        delivery: totals.delivery,
        payment,
        po_number: po,
        subtotal: totals.subtotal,
        shipping: totals.shipping,
        total: totals.total,
    })
}

/// One line of an order or a summary: quantity, name, and where it is assigned.
pub(crate) fn describe_line(
    t: &Turn<'_>,
    name: &str,
    qty: u32,
    deployment: Option<&Named>,
    org: Option<&Named>,
) -> String {
    let mut label = t
        .lang
        .f("cart.line_label", &[("name", &name), ("qty", &qty)]);
    if let Some(d) = deployment {
        label.push_str(&t.lang.f(
            "summary.for_deployment",
            &[("id", &d.id), ("name", &d.name)],
        ));
    }
    if let Some(o) = org {
        label.push_str(&t.lang.f("summary.for_org", &[("name", &o.name)]));
    }
    label
}

pub(crate) fn payment_label(t: &Turn<'_>, p: &Payment) -> String {
    match p {
        Payment::Card { label, .. } => label.clone(),
        Payment::Wire => t.lang.t("payment.wire"),
        Payment::Check => t.lang.t("payment.check"),
        Payment::Quote => t.lang.t("payment.quote"),
    }
}

pub(crate) async fn render_summary(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let mut v = summary_view(s, t);
    if s.checkout.as_ref().and_then(|c| c.payment.as_ref()) == Some(&Payment::Quote) {
        // A quote commits nothing to a budget.
        return Ok(v);
    }
    let account = t.backend.account(t.account_id).await?;
    if let Ok(order) = build_order(s, t, &account) {
        for b in t.backend.budgets(&order).await? {
            let period = t.lang.t(&format!("approval.period_{}", b.period.as_str()));
            let key = if b.over {
                "summary.budget_over"
            } else {
                "summary.budget_left"
            };
            v.field(
                t.lang
                    .f("summary.budget", &[("org", &b.org), ("period", &period)]),
                t.lang.f(key, &[("left", &t.lang.money(&b.left))]),
            );
        }
    }
    Ok(v)
}

fn summary_view(s: &Session, t: &Turn<'_>) -> View {
    let rev = s.rev;
    let mut v = View::new("summary", t.lang.t("summary.title"));
    v.body = t.lang.t("summary.body");
    let Some(c) = &s.checkout else {
        return v;
    };
    let totals = bill(s, t);
    for pl in &totals.lines {
        let d = c.deployments.get(&pl.line.id).map(|a| Named {
            id: a.id.clone(),
            name: a.name.clone(),
        });
        let o = c.organizations.get(&pl.line.id);
        v.field(
            describe_line(t, &pl.product.name, pl.line.qty, d.as_ref(), o),
            t.lang.money(&pl.total),
        );
    }
    if let Some(d) = &totals.delivery {
        v.field(t.lang.t("summary.ship_to"), d.address.one_line());
        v.field(
            t.lang.f("summary.shipping", &[("rate", &d.rate.name)]),
            t.lang.money(&d.rate.price),
        );
    }
    if let Some(p) = &c.payment {
        v.field(t.lang.t("summary.payment"), payment_label(t, p));
    }
    let po = match c.po.as_ref().and_then(|p| p.number()) {
        Some(po) => po.to_string(),
        None => t.lang.t("summary.no_po"),
    };
    v.field(t.lang.t("summary.po"), po);
    v.field(t.lang.t("summary.terms"), t.lang.t("summary.terms_agreed"));
    v.field(t.lang.t("cart.subtotal"), t.lang.money(&totals.subtotal));
    v.field(t.lang.t("summary.total"), t.lang.money(&totals.total));

    let process = if c.payment == Some(Payment::Quote) {
        "summary.save_quote"
    } else {
        "summary.process"
    };
    v.button(Verb::Process.at(rev), t.lang.t(process), Style::Success);
    v.button(
        Verb::Edit(Part::Cart as u32).at(rev),
        t.lang.t("summary.edit_cart"),
        Style::Secondary,
    );
    if !c.deployments.is_empty() {
        v.button(
            Verb::Edit(Part::Deployments as u32).at(rev),
            t.lang.t("summary.edit_deployments"),
            Style::Secondary,
        );
    }
    if !c.organizations.is_empty() {
        v.button(
            Verb::Edit(Part::Organizations as u32).at(rev),
            t.lang.t("summary.edit_organizations"),
            Style::Secondary,
        );
    }
    if shipping::needed(s, t) {
        v.button(
            Verb::Edit(Part::Shipping as u32).at(rev),
            t.lang.t("summary.edit_shipping"),
            Style::Secondary,
        );
    }
    v.button(
        Verb::Edit(Part::Payment as u32).at(rev),
        t.lang.t("summary.edit_payment"),
        Style::Secondary,
    );
    v.button(
        Verb::Edit(Part::Po as u32).at(rev),
        t.lang.t("summary.edit_po"),
        Style::Secondary,
    );
    footer(&mut v, s, t, false);
    v
}
