//! Typed shortcuts: "add 5 hours of hourly support", "buy 3 support credits". The intent
//! and quantity come from a regex, the product from strsim; nothing changes until the
//! user confirms.

use std::sync::LazyLock;

use regex::Regex;

use super::{Outcome, Turn, footer, not_here};
use crate::engine::action::Verb;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Notice, Style, View};
use crate::search::text_similarity;

/// How alike the typed name and a product's name must be to be taken as meant.
const MATCH: f64 = 0.85;

/// The intent, the quantity as typed (one word, checked below) and the rest.
static INTENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:please\s+)?(?:add|buy|order|get|purchase)\s+(\S*\d\S*)\s+(.+?)[\s.!]*$")
        .unwrap_or_else(|e| panic!("{e}"))
});

/// A quantity that stands alone as a whole number, optionally with `x` or `×` after it
/// (`3`, `3x`, `3×`); `5e30`, `10,5` and `1.5` are not.
static WHOLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(\d{1,9})(?:x|×)?$").unwrap_or_else(|e| panic!("{e}")));

/// Unit words in front of the product's name: "5 hours of …", "3 licenses for …".
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:hours?|credits?|licen[cs]es?|units?|pieces?|pcs|incidents?|plans?|seats?|users?)\s+(?:of|for)\s+)?(?:(?:of|the)\s+)?(.+)$")
        .unwrap_or_else(|e| panic!("{e}"))
});

pub(crate) fn parse(s: &mut Session, t: &Turn<'_>, text: &str) -> Outcome {
    let Some(caps) = INTENT.captures(text) else {
        return Err(Notice::info(t.lang.t("unknown.text")));
    };
    let typed = &caps[1];
    let Some(qty) = WHOLE.captures(typed).and_then(|c| c[1].parse::<u32>().ok()) else {
        let shown = super::echo(typed);
        return Err(Notice::error(
            t.lang.f("shortcut.not_whole", &[("text", &shown)]),
        ));
    };
    // "3 x support credits": the x belongs to the quantity.
    let rest = caps[2]
        .strip_prefix("x ")
        .or_else(|| caps[2].strip_prefix("X "))
        .or_else(|| caps[2].strip_prefix("× "))
        .unwrap_or(&caps[2]);
    let phrase = UNIT
        .captures(rest)
        .map_or(rest.to_string(), |c| c[1].to_string());
    let best = t
        .catalog
        .products
        .iter()
        .filter(|p| p.family.is_none())
        .map(|p| {
            (
                text_similarity(&phrase, &p.name).max(text_similarity(&phrase, &p.sku)),
                p,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let product = match best {
        Some((score, p)) if score >= MATCH => p,
        _ => {
            let shown: String = phrase.chars().take(60).collect();
            return Err(Notice::info(
                t.lang.f("shortcut.unknown", &[("text", &shown)]),
            ));
        }
    };
    if !product.accepts_quantity(qty) {
        return Err(super::product::out_of_range(t, product));
    }
    s.step = Step::ConfirmShortcut {
        sku: product.sku.clone(),
        qty,
    };
    Ok(None)
}

pub(crate) fn accept(s: &mut Session, t: &Turn<'_>) -> Outcome {
    let Step::ConfirmShortcut { sku, qty } = s.step.clone() else {
        return Err(not_here(t));
    };
    let p = t
        .catalog
        .product(&sku)
        .ok_or_else(|| Notice::error(t.lang.t("store.unknown_item")))?;
    s.cart
        .add(p, qty)
        .map_err(|_| super::product::out_of_range(t, p))?;
    s.step = Step::Cart { page: 0 };
    Ok(Some(Notice::success(
        t.lang.f("cart.added", &[("qty", &qty), ("name", &p.name)]),
    )))
}

pub(crate) fn decline(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if !matches!(s.step, Step::ConfirmShortcut { .. }) {
        return Err(not_here(t));
    }
    s.step = Step::Idle;
    Ok(Some(Notice::info(t.lang.t("shortcut.declined"))))
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let rev = s.rev;
    let mut v = View::new("confirm_shortcut", t.lang.t("shortcut.title"));
    if let Step::ConfirmShortcut { sku, qty } = &s.step
        && let Some(p) = t.catalog.product(sku)
    {
        let total = p.unit_price(&t.catalog.currency).times(*qty);
        v.body = t.lang.f(
            "shortcut.body",
            &[("qty", qty), ("name", &p.name), ("total", &total)],
        );
        v.field(
            t.lang.t("product.price_label"),
            t.lang.f(
                "product.price",
                &[
                    ("price", &p.unit_price(&t.catalog.currency)),
                    ("unit", &p.unit),
                ],
            ),
        );
        v.field(
            t.lang.t("product.requires_label"),
            super::product::requirements(t, p),
        );
    }
    v.button(
        Verb::ShortcutYes.at(rev),
        t.lang.t("shortcut.yes"),
        Style::Success,
    );
    v.button(
        Verb::ShortcutNo.at(rev),
        t.lang.t("shortcut.no"),
        Style::Secondary,
    );
    footer(&mut v, s, t, true);
    v
}
