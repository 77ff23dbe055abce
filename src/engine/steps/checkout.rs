//! The checkout's flow (seed steps 7–13): starting it with what can be pre-selected,
//! what it costs, and moving to the first unanswered step. The summary and placing the
//! order are in `summary`.

use super::{Flow, Turn, not_here};
use crate::domain::account::Account;
use crate::domain::bill::{self, Bill};
use crate::domain::cart::Line;
use crate::domain::catalog::{Product, Requirement};
use crate::domain::money::Money;
use crate::domain::order::{Named, Payment};
use crate::engine::session::{Checkout, Session, Step};
use crate::engine::view::Notice;

/// The cart lines whose product needs `what`, with their products.
pub(crate) fn lines_needing<'a>(
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
pub(crate) fn bill<'a>(s: &'a Session, t: &Turn<'a>) -> Bill<'a> {
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
pub(super) fn review(s: &mut Session, t: &Turn<'_>) -> Option<Notice> {
    let total = bill(s, t).total;
    let c = s.checkout.as_mut()?;
    let before = c.reviewed.replace(total.clone())?;
    (before != total).then(|| total_changed(t, Some(&before), &total))
}

pub(super) fn total_changed(t: &Turn<'_>, before: Option<&Money>, now: &Money) -> Notice {
    Notice::warning(match before {
        Some(old) => t
            .lang
            .f("summary.total_changed", &[("old", old), ("new", now)]),
        None => t.lang.f("summary.confirm_total", &[("new", now)]),
    })
}

/// A select's options naming each of `lines`, with `selected` marked.
pub(crate) fn line_choices(
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

pub(crate) fn checkout_mut<'s>(
    s: &'s mut Session,
    t: &Turn<'_>,
) -> Result<&'s mut Checkout, Notice> {
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
pub(crate) fn may_order(t: &Turn<'_>, account: &Account) -> Result<(), Notice> {
    if account.memberships.is_empty() {
        Err(Notice::error(t.lang.t("error.no_membership")))
    } else {
        Ok(())
    }
}

/// Starts (or resumes) the checkout from the cart.
pub(crate) async fn start(s: &mut Session, t: &Turn<'_>) -> Flow {
    if s.cart.is_empty() {
        return Err(Notice::info(t.lang.t("cart.checkout_empty")).into());
    }
    let account = t.backend.account(t.account_id).await?;
    may_order(t, &account)?;
    if !s.cart.totals(t.catalog).unavailable.is_empty() {
        return Err(Notice::error(t.lang.t("cart.checkout_unavailable")).into());
    }
    if s.checkout.is_none() {
        s.checkout = Some(prefilled(s, t, &account).await?);
    }
    advance(s, t).await
}

/// A new checkout with what a returning buyer used last: the organization, the address
/// (when something in this cart ships), and a saved card or wire transfer to pre-select
/// on the payment step. A check or a quote is a one-off choice and is not carried over.
pub(super) async fn prefilled(
    s: &Session,
    t: &Turn<'_>,
    account: &Account,
) -> Result<Checkout, super::Fail> {
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
    let mut org = default_org(account);
    if let Some(last) = last {
        let d = &last.details;
        c.suggested = match &d.payment {
            Payment::Card { card_id, .. } => {
                let (year, month) = crate::domain::card::year_month(t.now);
                t.backend
                    .saved_cards(t.account_id)
                    .await?
                    .iter()
                    .any(|c| &c.id == card_id && c.valid_in(year, month))
                    .then(|| d.payment.clone())
            }
            Payment::Wire => Some(Payment::Wire),
            Payment::Check | Payment::Quote => None,
        };
        if let Some(o) = d.lines.iter().find_map(|l| l.organization.clone())
            && account.belongs_to(&o.id)
        {
            org = Some(o);
            c.orgs_reviewed = true;
        }
        let ships = bill(s, t).ships;
        if let Some(delivery) = d.delivery.as_ref().filter(|_| ships) {
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
pub(crate) async fn advance(s: &mut Session, t: &Turn<'_>) -> Flow {
    let deployment_lines: Vec<u32> = lines_needing(s, t, Requirement::Deployment)
        .iter()
        .map(|(l, _)| l.id)
        .collect();
    let org_lines: Vec<u32> = lines_needing(s, t, Requirement::Organization)
        .iter()
        .map(|(l, _)| l.id)
        .collect();
    let costs = bill(s, t);
    let ships = costs.ships;
    let current_rate = costs.delivery.is_some();
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

/// One checkout step back, where a step has an obvious "back".
pub(crate) fn back(s: &mut Session, t: &Turn<'_>) -> super::Outcome {
    s.step = match &s.step {
        Step::LookAlike { line, .. } => Step::Deployment { line: *line },
        Step::OrganizationLine { .. } => Step::Organizations,
        Step::PoNumber | Step::Terms => Step::Po,
        _ => return Err(not_here(t)),
    };
    Ok(None)
}
