//! Orders and quotes after the checkout: the confirmation, `/orders`, `/quotes`, Buy
//! again, Convert to invoice, and `/ticket` with the support links.

use super::summary::{describe_line, payment_label};
use super::{Flow, Input, Outcome, Turn, choose_one, footer, not_here};
use crate::domain::order::{Order, OrderKind, OrderStatus, Payment};
use crate::engine::action::Verb;
use crate::engine::backend::{BackendError, Converted};
use crate::engine::session::{Session, Step};
use crate::engine::view::{Action, ActionKind, Choice, Notice, Style, View};

pub(crate) fn open(s: &mut Session, _t: &Turn<'_>, quotes: bool) -> Outcome {
    s.step = Step::Orders { quotes };
    Ok(None)
}

fn status(t: &Turn<'_>, o: &Order) -> String {
    t.lang.status(o.status)
}

/// What to do about the payment, for orders that wait for it.
fn instructions(t: &Turn<'_>, o: &Order) -> Option<String> {
    match (o.status, &o.details.payment) {
        (OrderStatus::AwaitingPayment, Payment::Check) => Some(t.lang.f(
            "placed.check",
            &[
                ("instructions", &t.settings.check_instructions),
                ("number", &o.number),
            ],
        )),
        (OrderStatus::AwaitingPayment, _) => Some(t.lang.f(
            "placed.wire",
            &[
                ("instructions", &t.settings.wire_instructions),
                ("number", &o.number),
            ],
        )),
        (OrderStatus::Quote, _) => Some(t.lang.t("placed.quote")),
        (OrderStatus::AwaitingApproval, _) => Some(t.lang.t("placed.approval")),
        (OrderStatus::Rejected, _) => Some(t.lang.t("placed.rejected")),
        (OrderStatus::Expired, _) => Some(t.lang.t("placed.expired")),
        _ => None,
    }
}

pub(crate) async fn view(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    if !matches!(s.step, Step::Orders { .. }) {
        return Err(not_here(t).into());
    }
    let number = input.one_value().ok_or_else(|| choose_one(t))?;
    match t.backend.order(t.account_id, number).await? {
        Some(o) => {
            s.step = Step::Order { number: o.number };
            Ok(None)
        }
        None => Err(Notice::error(t.lang.t("orders.unknown")).into()),
    }
}

pub(crate) async fn convert(s: &mut Session, t: &Turn<'_>) -> Flow {
    let Step::Order { number } = &s.step else {
        return Err(not_here(t).into());
    };
    super::checkout::may_order(t, &t.backend.account(t.account_id).await?)?;
    match t.backend.convert_quote(t.account_id, number).await? {
        Converted::Done(o) if o.status == OrderStatus::AwaitingApproval => {
            Ok(Some(Notice::success(
                t.lang
                    .f("placed.awaiting_approval", &[("number", &o.number)]),
            )))
        }
        Converted::Done(o) => {
            // Every way the invoice can be paid, each with its own instructions.
            let wire = t.lang.f(
                "placed.wire",
                &[
                    ("instructions", &t.settings.wire_instructions),
                    ("number", &o.number),
                ],
            );
            let check = t.lang.f(
                "placed.check",
                &[
                    ("instructions", &t.settings.check_instructions),
                    ("number", &o.number),
                ],
            );
            Ok(Some(Notice::success(t.lang.f(
                "orders.converted",
                &[("number", &o.number), ("wire", &wire), ("check", &check)],
            ))))
        }
        Converted::Expired { expired_at } => Err(Notice::warning(t.lang.f(
            "orders.quote_expired",
            &[("date", &t.lang.date(expired_at))],
        ))
        .into()),
        Converted::NotAQuote => Err(Notice::error(t.lang.t("orders.not_a_quote")).into()),
        Converted::NotYours => Err(Notice::error(t.lang.t("orders.quote_not_yours")).into()),
    }
}

pub(crate) async fn render_order(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let rev = s.rev;
    let (number, placed) = match &s.step {
        Step::Placed { number } => (number.as_str(), true),
        Step::Order { number } => (number.as_str(), false),
        _ => ("", false),
    };
    let Some(o) = t.backend.order(t.account_id, number).await? else {
        let mut v = View::new("order", t.lang.t("orders.unknown"));
        v.button(
            Verb::Orders.at(rev),
            t.lang.t("orders.button"),
            Style::Secondary,
        );
        return Ok(v);
    };
    // An order is titled by where it stands, not by having been placed.
    let key = match (placed, o.kind, o.status) {
        (true, OrderKind::Quote, _) => "placed.quote_title",
        (false, OrderKind::Quote, _) => "orders.quote_title",
        (_, OrderKind::Order, OrderStatus::AwaitingApproval) => "placed.title_awaiting_approval",
        (_, OrderKind::Order, OrderStatus::AwaitingPayment) => "placed.title_awaiting_payment",
        (_, OrderKind::Order, OrderStatus::Paid) => "placed.title_paid",
        (true, OrderKind::Order, _) => "placed.title",
        (false, OrderKind::Order, _) => "orders.title",
    };
    let title = t.lang.f(key, &[("number", &o.number)]);
    let mut v = View::new(if placed { "placed" } else { "order" }, title);
    v.body = instructions(t, &o).unwrap_or_default();
    let d = &o.details;
    v.field(t.lang.t("orders.number"), o.number.clone());
    v.field(t.lang.t("orders.status"), status(t, &o));
    v.field(t.lang.t("orders.date"), t.lang.date(o.created_at));
    for l in &d.lines {
        v.field(
            describe_line(
                t,
                &l.name,
                l.qty,
                l.deployment.as_ref(),
                l.organization.as_ref(),
            ),
            t.lang.money(&l.total),
        );
    }
    if let Some(delivery) = &d.delivery {
        v.field(t.lang.t("summary.ship_to"), delivery.address.one_line());
        v.field(
            t.lang
                .f("summary.shipping", &[("rate", &delivery.rate.name)]),
            t.lang.money(&d.shipping),
        );
    }
    // A quote converted to an order is paid by invoice: "Save as a quote" was its past.
    let payment = match (o.kind, &d.payment) {
        (OrderKind::Order, Payment::Quote) => t.lang.t("payment.invoice"),
        _ => payment_label(t, &d.payment),
    };
    v.field(t.lang.t("summary.payment"), payment);
    if let Some(po) = &d.po_number {
        v.field(t.lang.t("summary.po"), po.clone());
    }
    v.field(t.lang.t("summary.total"), t.lang.money(&d.total));
    if placed {
        v.button(
            Verb::Orders.at(rev),
            t.lang.t("orders.button"),
            Style::Secondary,
        );
        v.button(
            Verb::Shop.at(rev),
            t.lang.t("common.continue_shopping"),
            Style::Primary,
        );
    } else {
        v.button(
            Verb::BuyAgain.at(rev),
            t.lang.t("orders.buy_again"),
            Style::Success,
        );
        if o.status == OrderStatus::Quote {
            v.button(
                Verb::Convert.at(rev),
                t.lang.t("orders.convert"),
                Style::Primary,
            );
        }
        let have = t.backend.documents(&o).await?;
        super::document::controls(&mut v, t, rev, &o.number, &have);
        let back = if o.kind == OrderKind::Quote {
            Verb::Quotes
        } else {
            Verb::Orders
        };
        v.button(back.at(rev), t.lang.t("common.back"), Style::Secondary);
    }
    footer(&mut v, s, t, true);
    Ok(v)
}

pub(crate) async fn render_list(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let rev = s.rev;
    let quotes = matches!(s.step, Step::Orders { quotes: true });
    let kind = if quotes {
        OrderKind::Quote
    } else {
        OrderKind::Order
    };
    let list = t
        .backend
        .orders(t.account_id, Some(kind), crate::engine::view::PAGE_SIZE)
        .await?;
    let mut v = View::new(
        if quotes { "quotes" } else { "orders" },
        t.lang.t(if quotes {
            "quotes.title"
        } else {
            "orders.list_title"
        }),
    );
    if list.is_empty() {
        v.body = t.lang.t(if quotes { "quotes.none" } else { "orders.none" });
    }
    let mut options = Vec::new();
    for o in &list {
        let label = format!("{} · {}", o.number, t.lang.date(o.created_at));
        let value = format!("{} · {}", t.lang.money(&o.details.total), status(t, o));
        v.field(label.clone(), value.clone());
        options.push(Choice::new(&o.number, label).describe(value));
    }
    if !options.is_empty() {
        let (label, placeholder) = if quotes {
            ("quotes.view", "quotes.view_placeholder")
        } else {
            ("orders.view", "orders.view_placeholder")
        };
        v.select(
            Verb::ViewOrder.at(rev),
            t.lang.t(label),
            t.lang.t(placeholder),
            options.clone(),
        );
        v.select(
            Verb::DocumentOf.at(rev),
            t.lang.t("document.of_listed"),
            t.lang.t("document.of_listed_placeholder"),
            options.clone(),
        );
        if !quotes {
            v.select(
                Verb::BuyAgainFrom.at(rev),
                t.lang.t("orders.buy_again"),
                t.lang.t("orders.buy_again_placeholder"),
                options,
            );
        }
    }
    let other = if quotes {
        (Verb::Orders, "orders.button")
    } else {
        (Verb::Quotes, "quotes.button")
    };
    v.button(other.0.at(rev), t.lang.t(other.1), Style::Secondary);
    v.button(
        Verb::Shop.at(rev),
        t.lang.t("common.continue_shopping"),
        Style::Primary,
    );
    footer(&mut v, s, t, true);
    Ok(v)
}

/// `/ticket`: where to open a support ticket, with the user's recent orders to quote.
pub(crate) async fn render_ticket(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let rev = s.rev;
    let mut v = View::new("ticket", t.lang.t("ticket.title"));
    v.body = t.lang.t("ticket.body");
    let recent = t.backend.orders(t.account_id, None, 5).await?;
    let numbers: Vec<String> = recent.iter().map(|o| o.number.clone()).collect();
    v.field(
        t.lang.t("ticket.recent"),
        if numbers.is_empty() {
            t.lang.t("ticket.no_orders")
        } else {
            numbers.join(", ")
        },
    );
    v.actions.push(Action {
        id: format!("{rev}:support-link"),
        label: t.lang.t("ticket.support"),
        kind: ActionKind::Link {
            url: t.settings.support_url.clone(),
        },
    });
    v.actions.push(Action {
        id: format!("{rev}:howto-link"),
        label: t.lang.t("ticket.howto"),
        kind: ActionKind::Link {
            url: t.settings.howto_url.clone(),
        },
    });
    footer(&mut v, s, t, true);
    Ok(v)
}
