//! The checkout's spine (seed steps 7–14): starting it with what can be pre-selected,
//! moving to the first unanswered step, the summary with an Edit per part, and placing
//! the order exactly once.

use super::{Flow, Turn, footer, not_here, shipping};
use crate::domain::account::Account;
use crate::domain::bill::{self, Bill};
use crate::domain::cart::Line;
use crate::domain::catalog::{Product, Requirement};
use crate::domain::money::Money;
use crate::domain::order::{Named, NewOrder, OrderLine, OrderStatus, Payment};
use crate::engine::action::Verb;
use crate::engine::backend::Placed;
use crate::engine::session::{Checkout, Session, Step};
use crate::engine::view::{Notice, Style, View};

/// The parts of a checkout the summary can send the user back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
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

/// The cart lines whose product needs `what`, with their products.
pub fn lines_needing<'a>(
    s: &'a Session,
    t: &Turn<'a>,
    what: Requirement,
) -> Vec<(&'a Line, &'a Product)> {
    s.cart
        .lines
        .iter()
        .filter_map(|l| t.catalog.product(&l.sku).map(|p| (l, p)))
        .filter(|(_, p)| p.requires(what))
        .collect()
}

/// What this checkout costs as it stands: the one computation the shipping step, the
/// summary and the placed order share.
pub fn bill<'a>(s: &'a Session, t: &Turn<'a>) -> Bill<'a> {
    let c = s.checkout.as_ref();
    bill::bill(
        &s.cart,
        t.catalog,
        c.and_then(|c| c.address.as_ref()),
        c.and_then(|c| c.rate.as_deref()),
    )
}

/// Remembers the total the summary is about to show. Returns a warning when it differs
/// from the total shown before, so a buyer never agrees to one amount and pays another.
fn review(s: &mut Session, t: &Turn<'_>) -> Option<Notice> {
    let total = bill(s, t).total;
    let c = s.checkout.as_mut()?;
    let before = c.reviewed.replace(total.clone())?;
    (before != total).then(|| total_changed(t, Some(&before), &total))
}

fn total_changed(t: &Turn<'_>, before: Option<&Money>, now: &Money) -> Notice {
    Notice::warning(match before {
        Some(old) => t
            .lang
            .f("summary.total_changed", &[("old", old), ("new", now)]),
        None => t.lang.f("summary.confirm_total", &[("new", now)]),
    })
}

/// A select's options naming each of `lines`, with `selected` marked.
pub fn line_choices(
    t: &Turn<'_>,
    lines: &[(&Line, &Product)],
    selected: Option<u32>,
) -> Vec<crate::engine::view::Choice> {
    lines
        .iter()
        .map(|(l, p)| {
            let label = t
                .lang
                .f("cart.line_label", &[("name", &p.name), ("qty", &l.qty)]);
            crate::engine::view::Choice::new(l.id.to_string(), label)
                .selected(Some(l.id) == selected)
        })
        .collect()
}

pub fn checkout_mut<'s>(s: &'s mut Session, t: &Turn<'_>) -> Result<&'s mut Checkout, Notice> {
    s.checkout.as_mut().ok_or_else(|| not_here(t))
}

fn default_org(account: &Account) -> Option<Named> {
    let pick = account
        .default_org
        .as_deref()
        .and_then(|id| account.memberships.iter().find(|m| m.org.id == id))
        .or_else(|| account.memberships.first())?;
    Some(Named {
        id: pick.org.id.clone(),
        name: pick.org.name.clone(),
    })
}

/// Access follows membership: an account that belongs to no organization any more
/// (removed by an admin) can browse, but neither start nor place an order.
pub fn may_order(t: &Turn<'_>, account: &Account) -> Result<(), Notice> {
    if account.memberships.is_empty() {
        Err(Notice::error(t.lang.t("error.no_membership")))
    } else {
        Ok(())
    }
}

/// Starts (or resumes) the checkout from the cart.
pub async fn start(s: &mut Session, t: &Turn<'_>) -> Flow {
    if s.cart.is_empty() {
        return Err(Notice::info(t.lang.t("cart.checkout_empty")).into());
    }
    may_order(t, &t.backend.account(t.account_id).await?)?;
    if !s.cart.totals(t.catalog).unavailable.is_empty() {
        return Err(Notice::error(t.lang.t("cart.checkout_unavailable")).into());
    }
    if s.checkout.is_none() {
        s.checkout = Some(prefilled(s, t).await?);
    }
    advance(s, t).await
}

/// A new checkout with what a returning buyer used last: organization, payment method
/// and delivery. They still show in the summary, where Edit changes them.
pub(super) async fn prefilled(s: &Session, t: &Turn<'_>) -> Result<Checkout, super::Fail> {
    let account = t.backend.account(t.account_id).await?;
    let mut c = Checkout {
        key: crate::domain::ids::letters(16),
        country: "US".into(),
        orgs_reviewed: account.memberships.len() <= 1,
        ..Checkout::default()
    };
    let last = t
        .backend
        .orders(t.account_id, None, 1)
        .await?
        .into_iter()
        .next();
    let mut org = default_org(&account);
    if let Some(last) = last {
        let d = &last.details;
        let valid = match &d.payment {
            Payment::Card { card_id, .. } => t
                .backend
                .saved_cards(t.account_id)
                .await?
                .iter()
                .any(|c| &c.id == card_id),
            _ => true,
        };
        if valid {
            c.payment = Some(d.payment.clone());
        }
        if let Some(o) = d.lines.iter().find_map(|l| l.organization.clone())
            && account.belongs_to(&o.id)
        {
            org = Some(o);
            c.orgs_reviewed = true;
        }
        if let Some(delivery) = &d.delivery {
            c.country = delivery.address.country.clone();
            c.address = Some(delivery.address.clone());
            c.rate = Some(delivery.rate.id.clone());
        }
    }
    if let Some(org) = org {
        for (line, _) in lines_needing(s, t, Requirement::Organization) {
            c.organizations.insert(line.id, org.clone());
        }
    }
    Ok(c)
}

/// Goes to the first step that still needs an answer, or the summary.
pub async fn advance(s: &mut Session, t: &Turn<'_>) -> Flow {
    let deployment_lines: Vec<u32> = lines_needing(s, t, Requirement::Deployment)
        .iter()
        .map(|(l, _)| l.id)
        .collect();
    let org_lines: Vec<u32> = lines_needing(s, t, Requirement::Organization)
        .iter()
        .map(|(l, _)| l.id)
        .collect();
    let ships = shipping::needed(s, t);
    let current_rate = shipping::current_rate(s, t).is_some();
    let missing_org = if org_lines.is_empty() {
        None
    } else {
        let account = t.backend.account(t.account_id).await?;
        default_org(&account)
    };
    let c = checkout_mut(s, t)?;
    c.deployments
        .retain(|line, _| deployment_lines.contains(line));
    c.organizations.retain(|line, _| org_lines.contains(line));
    for line in &org_lines {
        if let (false, Some(org)) = (c.organizations.contains_key(line), &missing_org) {
            c.organizations.insert(*line, org.clone());
        }
    }
    let next = if let Some(line) = deployment_lines
        .iter()
        .find(|l| !c.deployments.contains_key(l))
    {
        Step::Deployment { line: *line }
    } else if !org_lines.is_empty()
        && (!c.orgs_reviewed || org_lines.iter().any(|l| !c.organizations.contains_key(l)))
    {
        Step::Organizations
    } else if ships && (c.address.is_none() || !current_rate) {
        Step::Shipping
    } else if c.payment.is_none() {
        Step::Payment
    } else if c.po.is_none() {
        Step::Po
    } else if !c.terms {
        Step::Terms
    } else {
        Step::Summary
    };
    c.search = None;
    s.step = next;
    Ok(if s.step == Step::Summary {
        review(s, t)
    } else {
        None
    })
}

/// An Edit button on the summary: back to that part, every other answer kept.
pub async fn edit(s: &mut Session, t: &Turn<'_>, part: u32) -> Flow {
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
pub async fn process(s: &mut Session, t: &Turn<'_>) -> Flow {
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
                _ => "placed.done",
            };
            let notice = Notice::success(t.lang.f(key, &[("number", &order.number)]));
            s.step = Step::Placed {
                number: order.number,
            };
            Ok(Some(notice))
        }
        Placed::Declined { reason } => {
            let c = checkout_mut(s, t)?;
            c.attempt += 1;
            c.payment = None;
            s.step = Step::Payment;
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
        let deployment = if pl.product.requires(Requirement::Deployment) {
            let d = c
                .deployments
                .get(&pl.line.id)
                .ok_or_else(|| Notice::error(t.lang.t("summary.incomplete")))?;
            if !account.belongs_to(&d.org_id) {
                return Err(Notice::error(t.lang.t("deployment.not_yours")));
            }
            Some(Named {
                id: d.id.clone(),
                name: d.name.clone(),
            })
        } else {
            None
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
            organization,
        });
    }
    Ok(NewOrder {
        key: format!("{}:{}", c.key, c.attempt),
        account_id: t.account_id.to_string(),
        placed_by: account.display_name.clone(),
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
pub fn describe_line(
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

pub fn payment_label(t: &Turn<'_>, p: &Payment) -> String {
    match p {
        Payment::Card { label, .. } => label.clone(),
        Payment::Wire => t.lang.t("payment.wire"),
        Payment::Check => t.lang.t("payment.check"),
        Payment::Quote => t.lang.t("payment.quote"),
    }
}

pub fn render_summary(s: &Session, t: &Turn<'_>) -> View {
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
            pl.total.to_string(),
        );
    }
    if let Some(d) = &totals.delivery {
        v.field(t.lang.t("summary.ship_to"), d.address.one_line());
        v.field(
            t.lang.f("summary.shipping", &[("rate", &d.rate.name)]),
            d.rate.price.to_string(),
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
    v.field(t.lang.t("cart.subtotal"), totals.subtotal.to_string());
    v.field(t.lang.t("summary.total"), totals.total.to_string());

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

/// One checkout step back, where a step has an obvious "back".
pub fn back(s: &mut Session, t: &Turn<'_>) -> super::Outcome {
    s.step = match &s.step {
        Step::LookAlike { line, .. } => Step::Deployment { line: *line },
        Step::OrganizationLine { .. } => Step::Organizations,
        Step::PoNumber | Step::Terms => Step::Po,
        _ => return Err(not_here(t)),
    };
    Ok(None)
}
