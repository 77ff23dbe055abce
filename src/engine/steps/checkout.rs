//! The checkout steps after the cart (seed steps 8–14).
//!
//! For now this is the entry point only: it checks the cart can be checked out and
//! holds the place where deployment, organization, shipping, payment, PO number, terms
//! and the order will be asked for.

use super::{Outcome, Turn, footer};
use crate::engine::action::Verb;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Notice, Style, View};

pub fn start(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if s.cart.is_empty() {
        return Err(Notice::info(t.lang.t("cart.checkout_empty")));
    }
    let totals = s.cart.totals(t.catalog);
    if !totals.unavailable.is_empty() {
        return Err(Notice::error(t.lang.t("cart.checkout_unavailable")));
    }
    s.step = Step::Checkout;
    Ok(None)
}

pub fn render(s: &Session, t: &Turn<'_>) -> View {
    let mut v = View::new("checkout", t.lang.t("checkout.title"));
    v.body = t.lang.t("checkout.body");
    let totals = s.cart.totals(t.catalog);
    v.field(t.lang.t("cart.subtotal"), totals.subtotal.to_string());
    v.button(
        Verb::Cart.at(s.rev),
        t.lang.t("checkout.back"),
        Style::Secondary,
    );
    footer(&mut v, s, t, false);
    v
}
