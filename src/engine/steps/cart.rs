//! The cart: lines with editable quantities, remove, empty, totals, Checkout (seed step 7).

use super::product::{out_of_range, quantity_controls};
use super::{Input, Outcome, Turn, choose_one, footer, not_here, parse_qty};
use crate::domain::catalog::Product;
use crate::engine::action::Verb;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Choice, Notice, Style, View, page as page_of};

pub(crate) fn open(s: &mut Session, _t: &Turn<'_>) -> Outcome {
    s.step = Step::Cart { page: 0 };
    Ok(None)
}

pub(crate) fn page(s: &mut Session, t: &Turn<'_>, n: u32) -> Outcome {
    let Step::Cart { page } = &mut s.step else {
        return Err(not_here(t));
    };
    if n as usize
        >= s.cart
            .lines
            .len()
            .div_ceil(crate::engine::view::PAGE_SIZE)
            .max(1)
    {
        return Err(not_here(t));
    }
    *page = n;
    Ok(None)
}

fn no_such_line(t: &Turn<'_>) -> Notice {
    Notice::warning(t.lang.t("cart.no_such_line"))
}

pub(crate) fn edit_line(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    if !matches!(s.step, Step::Cart { .. }) {
        return Err(not_here(t));
    }
    let value = input.one_value().ok_or_else(|| choose_one(t))?;
    let id: u32 = value.parse().map_err(|_| no_such_line(t))?;
    if s.cart.line(id).is_none() {
        return Err(no_such_line(t));
    }
    s.step = Step::Line { id };
    Ok(None)
}

/// The line being edited and its product, checking that the action names this line.
fn editing<'a>(s: &Session, t: &Turn<'a>, id: u32) -> Result<&'a Product, Notice> {
    if s.step != (Step::Line { id }) {
        return Err(not_here(t));
    }
    let line = s.cart.line(id).ok_or_else(|| no_such_line(t))?;
    t.catalog
        .product(&line.sku)
        .ok_or_else(|| Notice::error(t.lang.t("store.unknown_item")))
}

pub(crate) fn step_line(s: &mut Session, t: &Turn<'_>, id: u32, up: bool) -> Outcome {
    let p = editing(s, t, id)?;
    let qty = s.cart.line(id).map_or(0, |l| l.qty);
    let step = p.step_qty.max(1);
    let next = if up {
        qty.checked_add(step).filter(|n| *n <= p.max_qty)
    } else {
        qty.checked_sub(step).filter(|n| *n >= p.min_qty)
    };
    match next {
        Some(n) => set_line(s, t, id, p, n),
        None if up => Err(Notice::warning(
            t.lang.f("qty.at_max", &[("max", &p.max_qty)]),
        )),
        None => Err(Notice::warning(
            t.lang.f("qty.at_min", &[("min", &p.min_qty)]),
        )),
    }
}

pub(crate) fn typed_line_qty(s: &mut Session, t: &Turn<'_>, id: u32, text: &str) -> Outcome {
    let p = editing(s, t, id)?;
    let n = parse_qty(t, text, p.min_qty)?;
    set_line(s, t, id, p, n)
}

pub(crate) fn typed_line_qty_field(
    s: &mut Session,
    t: &Turn<'_>,
    id: u32,
    input: &Input,
) -> Outcome {
    let text = input.field("quantity").unwrap_or_default().to_string();
    typed_line_qty(s, t, id, &text)
}

fn set_line(s: &mut Session, t: &Turn<'_>, id: u32, p: &Product, qty: u32) -> Outcome {
    s.cart.set_qty(id, p, qty).map_err(|_| out_of_range(t, p))?;
    Ok(Some(Notice::success(
        t.lang
            .f("cart.updated", &[("name", &p.name), ("qty", &qty)]),
    )))
}

pub(crate) fn remove(s: &mut Session, t: &Turn<'_>, id: u32) -> Outcome {
    if s.step != (Step::Line { id }) {
        return Err(not_here(t));
    }
    let line = s.cart.remove(id).map_err(|_| no_such_line(t))?;
    let name = t
        .catalog
        .product(&line.sku)
        .map_or(line.sku.clone(), |p| p.name.clone());
    s.step = Step::Cart { page: 0 };
    Ok(Some(Notice::success(
        t.lang.f("cart.removed", &[("name", &name)]),
    )))
}

pub(crate) fn ask_empty(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if !matches!(s.step, Step::Cart { .. }) || s.cart.is_empty() {
        return Err(not_here(t));
    }
    s.step = Step::ConfirmEmpty;
    Ok(None)
}

pub(crate) fn empty(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if s.step != Step::ConfirmEmpty {
        return Err(not_here(t));
    }
    s.cart.clear();
    s.step = Step::Cart { page: 0 };
    Ok(Some(Notice::success(t.lang.t("cart.emptied"))))
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let rev = s.rev;
    let mut v = View::new("cart", t.lang.t("cart.title"));
    if s.cart.is_empty() {
        v.body = t.lang.t("cart.empty");
        v.button(
            Verb::Shop.at(rev),
            t.lang.t("common.continue_shopping"),
            Style::Primary,
        );
        footer(&mut v, s, t, false);
        return v;
    }
    let totals = s.cart.totals(t.catalog);
    let page = match s.step {
        Step::Cart { page } => page,
        _ => 0,
    };
    let (shown, prev, next) = page_of(&totals.lines, page);
    let mut options = Vec::new();
    for pl in shown {
        let label = t.lang.f(
            "cart.line_label",
            &[("name", &pl.product.name), ("qty", &pl.line.qty)],
        );
        let value = t.lang.f(
            "cart.line_value",
            &[("total", &pl.total), ("price", &pl.unit_price)],
        );
        v.field(label.clone(), value.clone());
        options.push(Choice::new(pl.line.id.to_string(), label).describe(value));
    }
    for line in &totals.unavailable {
        let label = t.lang.f("cart.unavailable", &[("sku", &line.sku)]);
        v.field(label.clone(), line.qty.to_string());
        options.push(Choice::new(line.id.to_string(), label));
    }
    v.field(t.lang.t("cart.subtotal"), t.lang.money(&totals.subtotal));
    v.select(
        Verb::EditLine.at(rev),
        t.lang.t("cart.edit_label"),
        t.lang.t("cart.edit_placeholder"),
        options,
    );
    if prev {
        v.button(
            Verb::CartPage(page - 1).at(rev),
            t.lang.t("common.prev"),
            Style::Secondary,
        );
    }
    if next {
        v.button(
            Verb::CartPage(page + 1).at(rev),
            t.lang.t("common.more"),
            Style::Secondary,
        );
    }
    let resume = s.checkout.is_some();
    v.button(
        Verb::Checkout.at(rev),
        t.lang.t("cart.checkout"),
        Style::Success,
    );
    v.button(
        Verb::Shop.at(rev),
        t.lang.t("common.continue_shopping"),
        Style::Primary,
    );
    if resume {
        v.button(
            Verb::StartOver.at(rev),
            t.lang.t("start_over.button"),
            Style::Secondary,
        );
    }
    v.button(
        Verb::Empty.at(rev),
        t.lang.t("cart.empty_button"),
        Style::Danger,
    );
    footer(&mut v, s, t, false);
    v
}

pub(crate) fn render_line(s: &Session, t: &Turn<'_>) -> View {
    let rev = s.rev;
    let Step::Line { id } = s.step else {
        return render(s, t);
    };
    let Some(line) = s.cart.line(id) else {
        return render(s, t);
    };
    let product = t.catalog.product(&line.sku);
    let name = product.map_or(line.sku.as_str(), |p| p.name.as_str());
    let mut v = View::new("line", t.lang.f("line.title", &[("name", &name)]));
    if let Some(p) = product {
        let price = p.unit_price(&t.catalog.currency);
        v.field(
            t.lang.t("product.price_label"),
            t.lang
                .f("product.price", &[("price", &price), ("unit", &p.unit)]),
        );
        quantity_controls(
            &mut v,
            t,
            p,
            line.qty,
            [Verb::LineDec(id), Verb::LineInc(id), Verb::LineQuantity(id)],
            rev,
        );
        v.field(
            t.lang.t("product.total_label"),
            t.lang.money(&price.times(line.qty)),
        );
    }
    v.button(
        Verb::LineRemove(id).at(rev),
        t.lang.t("line.remove"),
        Style::Danger,
    );
    v.button(Verb::Cart.at(rev), t.lang.t("line.back"), Style::Secondary);
    footer(&mut v, s, t, false);
    v
}

pub(crate) fn render_confirm_empty(s: &Session, t: &Turn<'_>) -> View {
    let rev = s.rev;
    let mut v = View::new("confirm_empty", t.lang.t("cart.empty_confirm_title"));
    v.body = t.lang.f(
        "cart.empty_confirm_body",
        &[("count", &s.cart.item_count())],
    );
    v.button(
        Verb::EmptyConfirmed.at(rev),
        t.lang.t("cart.empty_yes"),
        Style::Danger,
    );
    v.button(
        Verb::EmptyKept.at(rev),
        t.lang.t("cart.empty_no"),
        Style::Secondary,
    );
    v
}

/// "No, keep it": back to the cart as it was.
pub(crate) fn keep(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if s.step != Step::ConfirmEmpty {
        return Err(not_here(t));
    }
    s.step = Step::Cart { page: 0 };
    Ok(None)
}
