//! A product's details and its quantity, then Add to cart (seed steps 5–6).

use super::{Input, Outcome, Turn, footer, not_here, parse_qty};
use crate::domain::cart::CartError;
use crate::domain::catalog::{Product, Requirement};
use crate::engine::action::Verb;
use crate::engine::session::{Session, Step};
use crate::engine::view::{FormField, Notice, Style, View};

/// The product on the current step and its chosen quantity.
fn current<'a, 's>(s: &'s mut Session, t: &Turn<'a>) -> Result<(&'a Product, &'s mut u32), Notice> {
    match &mut s.step {
        Step::Product { sku, qty, .. } => {
            let p = t
                .catalog
                .product(sku)
                .ok_or_else(|| Notice::error(t.lang.t("store.unknown_item")))?;
            Ok((p, qty))
        }
        _ => Err(not_here(t)),
    }
}

/// − and +: one step down or up, refusing to leave the product's range.
pub(crate) fn step_qty(s: &mut Session, t: &Turn<'_>, up: bool) -> Outcome {
    let (p, qty) = current(s, t)?;
    let step = p.step_qty.max(1);
    let next = if up {
        qty.checked_add(step).filter(|n| *n <= p.max_qty)
    } else {
        qty.checked_sub(step).filter(|n| *n >= p.min_qty)
    };
    match next {
        Some(n) => {
            *qty = n;
            Ok(None)
        }
        None if up => Err(Notice::warning(
            t.lang.f("qty.at_max", &[("max", &p.max_qty)]),
        )),
        None => Err(Notice::warning(
            t.lang.f("qty.at_min", &[("min", &p.min_qty)]),
        )),
    }
}

pub(crate) fn typed_qty(s: &mut Session, t: &Turn<'_>, text: &str) -> Outcome {
    let (p, qty) = current(s, t)?;
    let n = parse_qty(t, text, p.min_qty)?;
    if !p.accepts_quantity(n) {
        return Err(out_of_range(t, p));
    }
    *qty = n;
    Ok(None)
}

pub(crate) fn typed_qty_field(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    let text = input.field("quantity").unwrap_or_default().to_string();
    typed_qty(s, t, &text)
}

pub(crate) fn out_of_range(t: &Turn<'_>, p: &Product) -> Notice {
    Notice::error(t.lang.f(
        "qty.out_of_range",
        &[
            ("name", &p.name),
            ("min", &p.min_qty),
            ("max", &p.max_qty),
            ("step", &p.step_qty),
        ],
    ))
}

/// Adds the chosen quantity and goes back to the listing, so the user can keep shopping.
pub(crate) fn add(s: &mut Session, t: &Turn<'_>) -> Outcome {
    let (p, qty) = current(s, t)?;
    let qty = *qty;
    let have = s
        .cart
        .lines
        .iter()
        .find(|l| l.sku == p.sku)
        .map_or(0, |l| l.qty);
    match s.cart.add(p, qty) {
        Ok(_) => {
            s.step = Step::Browse;
            Ok(Some(Notice::success(
                t.lang.f("cart.added", &[("qty", &qty), ("name", &p.name)]),
            )))
        }
        Err(CartError::Quantity { max, .. }) if have > 0 => Err(Notice::error(t.lang.f(
            "qty.merged_too_many",
            &[
                ("have", &have),
                ("name", &p.name),
                ("qty", &qty),
                ("max", &max),
            ],
        ))),
        Err(_) => Err(out_of_range(t, p)),
    }
}

pub(crate) fn requirements(t: &Turn<'_>, p: &Product) -> String {
    let named: Vec<String> = p
        .requires
        .iter()
        .map(|r| match r {
            Requirement::Deployment => t.lang.t("product.requires_deployment"),
            Requirement::Organization => t.lang.t("product.requires_organization"),
            Requirement::Shipping => t.lang.t("product.requires_shipping"),
        })
        .collect();
    if named.is_empty() {
        t.lang.t("product.requires_nothing")
    } else {
        named.join("; ")
    }
}

/// The −, +, typed-quantity and the quantity fields shared by a product and a cart line.
pub(crate) fn quantity_controls(
    v: &mut View,
    t: &Turn<'_>,
    p: &Product,
    qty: u32,
    verbs: [Verb; 3],
    rev: u64,
) {
    let [dec, inc, typed] = verbs;
    v.field(t.lang.t("product.qty_label"), qty.to_string());
    // "1 to 1, in steps of 1" says nothing: only a real range is shown, and its step
    // only when it is not 1.
    if p.min_qty != p.max_qty {
        let range = if p.step_qty > 1 {
            "product.allowed_steps"
        } else {
            "product.allowed"
        };
        v.field(
            t.lang.t("product.allowed_label"),
            t.lang.f(
                range,
                &[
                    ("min", &p.min_qty),
                    ("max", &p.max_qty),
                    ("step", &p.step_qty),
                ],
            ),
        );
    }
    if p.min_qty != p.max_qty {
        v.button(dec.at(rev), t.lang.t("product.dec"), Style::Secondary);
        v.button(inc.at(rev), t.lang.t("product.inc"), Style::Secondary);
        v.form(
            typed.at(rev),
            t.lang.t("product.set_qty"),
            t.lang.t("product.qty_form_title"),
            vec![FormField {
                id: "quantity".into(),
                label: t.lang.f("product.qty_field", &[("unit", &p.unit)]),
                value: qty.to_string(),
                placeholder: p.min_qty.to_string(),
                required: true,
                max_len: 9,
            }],
        );
        v.input = Some(t.lang.t("product.input"));
    }
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let Step::Product { sku, qty, family } = &s.step else {
        return super::browse::render(s, t);
    };
    let Some(p) = t.catalog.product(sku) else {
        return super::browse::render(s, t);
    };
    let rev = s.rev;
    let mut v = View::new("product", p.name.clone());
    v.body = p.description.clone();
    let price = p.unit_price(&t.catalog.currency);
    v.field(t.lang.t("product.sku_label"), p.sku.clone());
    v.field(
        t.lang.t("product.price_label"),
        t.lang
            .f("product.price", &[("price", &price), ("unit", &p.unit)]),
    );
    v.field(t.lang.t("product.requires_label"), requirements(t, p));
    quantity_controls(
        &mut v,
        t,
        p,
        *qty,
        [Verb::Dec, Verb::Inc, Verb::Quantity],
        rev,
    );
    v.field(
        t.lang.t("product.total_label"),
        t.lang.money(&price.times(*qty)),
    );
    v.button(Verb::Add.at(rev), t.lang.t("product.add"), Style::Success);
    let back = if family.is_some() {
        Verb::WizardBack
    } else {
        Verb::Browse
    };
    v.button(back.at(rev), t.lang.t("common.back"), Style::Secondary);
    footer(&mut v, s, t, true);
    v
}
