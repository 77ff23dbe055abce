//! Buy again: an earlier order's lines back in the cart, with the deployments and
//! organizations they had, straight on to the checkout. A license or plan that its
//! deployment already has is named first, and added again only if the buyer says so.

use super::checkout::{advance, prefilled};
use super::{Flow, Input, Outcome, Turn, choose_one, footer, not_here};
use crate::domain::catalog::Requirement;
use crate::domain::order::{Order, OrderKind, OrderLine, OrderStatus};
use crate::engine::action::Verb;
use crate::engine::backend::BackendError;
use crate::engine::session::{Assigned, Session, Step};
use crate::engine::view::{Notice, Style, View};

/// How many earlier orders are searched for what a deployment already has.
const HISTORY: usize = 200;

/// A line of the order being bought again that its deployment already has.
struct Duplicate {
    line: usize,
    text: String,
}

/// "Buy again" on an order's view.
pub(crate) async fn from_order(s: &mut Session, t: &Turn<'_>) -> Flow {
    let Step::Order { number } = &s.step else {
        return Err(not_here(t).into());
    };
    let number = number.clone();
    start(s, t, &number).await
}

/// "Buy again" chosen from the list of orders: one input fewer for a repeat order.
pub(crate) async fn from_list(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    if !matches!(s.step, Step::Orders { .. }) {
        return Err(not_here(t).into());
    }
    let number = input.one_value().ok_or_else(|| choose_one(t))?.to_string();
    start(s, t, &number).await
}

async fn start(s: &mut Session, t: &Turn<'_>, number: &str) -> Flow {
    let order = load(t, number).await?;
    if duplicates(t, &order).await?.is_empty() {
        return add(s, t, &order, false).await;
    }
    s.step = Step::ConfirmBuyAgain {
        number: order.number,
    };
    Ok(None)
}

/// "Buy them again anyway" (`leave_out` false) or "Leave those out".
pub(crate) async fn confirmed(s: &mut Session, t: &Turn<'_>, leave_out: bool) -> Flow {
    let Step::ConfirmBuyAgain { number } = &s.step else {
        return Err(not_here(t).into());
    };
    let order = load(t, &number.clone()).await?;
    add(s, t, &order, leave_out).await
}

/// "No": back to the order, nothing added.
pub(crate) fn declined(s: &mut Session, t: &Turn<'_>) -> Outcome {
    let Step::ConfirmBuyAgain { number } = &s.step else {
        return Err(not_here(t));
    };
    s.step = Step::Order {
        number: number.clone(),
    };
    Ok(Some(Notice::info(t.lang.t("again.nothing_added"))))
}

async fn load(t: &Turn<'_>, number: &str) -> Result<Order, super::Fail> {
    let order = t
        .backend
        .order(t.account_id, number)
        .await?
        .ok_or_else(|| Notice::error(t.lang.t("orders.unknown")))?;
    let account = t.backend.account(t.account_id).await?;
    super::checkout::may_order(t, &account)?;
    Ok(order)
}

/// The lines of `order` for a deployment that an order of this account, placed and not
/// refused, already bought the same product for.
async fn duplicates(t: &Turn<'_>, order: &Order) -> Result<Vec<Duplicate>, BackendError> {
    let licensed = |l: &OrderLine| {
        t.catalog
            .product(&l.sku)
            .is_some_and(|p| p.requires(Requirement::Deployment))
    };
    if !order
        .details
        .lines
        .iter()
        .any(|l| licensed(l) && l.deployment.is_some())
    {
        return Ok(Vec::new());
    }
    let history = t
        .backend
        .orders(t.account_id, Some(OrderKind::Order), HISTORY)
        .await?;
    let holds = |o: &Order| {
        matches!(
            o.status,
            OrderStatus::Paid | OrderStatus::AwaitingPayment | OrderStatus::AwaitingApproval
        )
    };
    let mut found = Vec::new();
    for (i, line) in order.details.lines.iter().enumerate() {
        let Some(dep) = line.deployment.as_ref().filter(|_| licensed(line)) else {
            continue;
        };
        let earlier = history.iter().filter(|o| holds(o)).find(|o| {
            o.details
                .lines
                .iter()
                .any(|l| l.sku == line.sku && l.deployment.as_ref().is_some_and(|d| d.id == dep.id))
        });
        if let Some(earlier) = earlier {
            found.push(Duplicate {
                line: i,
                text: t.lang.f(
                    "again.duplicate",
                    &[
                        ("product", &line.name),
                        ("id", &dep.id),
                        ("deployment", &dep.name),
                        ("number", &earlier.number),
                    ],
                ),
            });
        }
    }
    Ok(found)
}

/// Puts the lines back in the cart (without the duplicates if `leave_out`), with their
/// deployments and organizations, and goes on to the checkout.
async fn add(s: &mut Session, t: &Turn<'_>, order: &Order, leave_out: bool) -> Flow {
    let account = t.backend.account(t.account_id).await?;
    let left_out: Vec<usize> = if leave_out {
        duplicates(t, order).await?.iter().map(|d| d.line).collect()
    } else {
        Vec::new()
    };
    let mut added = Vec::new();
    let mut skipped = Vec::new();
    for (i, line) in order.details.lines.iter().enumerate() {
        if left_out.contains(&i) {
            continue;
        }
        match t.catalog.product(&line.sku) {
            Some(p) => match s.cart.add(p, line.qty) {
                Ok(id) => added.push((id, line)),
                Err(_) => skipped.push(line.name.clone()),
            },
            None => skipped.push(line.name.clone()),
        }
    }
    if added.is_empty() {
        s.step = Step::Order {
            number: order.number.clone(),
        };
        return Err(Notice::error(t.lang.t("orders.nothing_to_add")).into());
    }
    let mut c = match s.checkout.take() {
        Some(c) => c,
        None => prefilled(s, t, &account).await?,
    };
    for (id, line) in &added {
        if let Some(d) = &line.deployment
            && let Some(dep) = t.backend.deployment(&d.id).await?
            && account.belongs_to(&dep.org_id)
        {
            // Bought for this deployment before: its look-alikes were already weighed.
            c.confirmed.insert(dep.id.clone());
            c.deployments.insert(
                *id,
                Assigned {
                    id: dep.id,
                    name: dep.name,
                    org_id: dep.org_id,
                },
            );
        }
        if let Some(o) = &line.organization
            && account.belongs_to(&o.id)
        {
            c.organizations.insert(*id, o.clone());
            c.orgs_reviewed = true;
        }
    }
    s.checkout = Some(c);
    advance(s, t).await?;
    let mut text = t.lang.f(
        "orders.bought_again",
        &[("count", &added.len()), ("number", &order.number)],
    );
    if !skipped.is_empty() {
        text.push(' ');
        text.push_str(
            &t.lang
                .f("orders.skipped", &[("names", &skipped.join(", "))]),
        );
    }
    Ok(Some(Notice::success(text)))
}

pub(crate) async fn render(s: &Session, t: &Turn<'_>, number: &str) -> Result<View, BackendError> {
    let rev = s.rev;
    let mut v = View::new(
        "confirm_buy_again",
        t.lang.f("again.title", &[("number", &number)]),
    );
    let order = t.backend.order(t.account_id, number).await?;
    let (found, lines) = match &order {
        Some(o) => (duplicates(t, o).await?, o.details.lines.len()),
        None => (Vec::new(), 0),
    };
    let mut body = vec![t.lang.t("again.body")];
    body.extend(found.iter().map(|d| format!("• {}", d.text)));
    v.body = body.join("\n");
    v.button(Verb::AgainYes.at(rev), t.lang.t("again.yes"), Style::Danger);
    if found.len() < lines {
        v.button(
            Verb::AgainLeaveOut.at(rev),
            t.lang.t("again.leave_out"),
            Style::Primary,
        );
    }
    v.button(
        Verb::AgainNo.at(rev),
        t.lang.t("again.no"),
        Style::Secondary,
    );
    footer(&mut v, s, t, true);
    Ok(v)
}
