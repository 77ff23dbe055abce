//! What an order costs: its priced lines, shipping (only when a line ships), subtotal and
//! total. The one computation behind every amount a buyer sees and every amount charged:
//! the shipping step, the summary, the placed order (and so the quote, the approval
//! request, `orders show` and the card charge, which all read the placed order).

use rust_decimal::Decimal;

use super::address::{self, Address};
use super::cart::{Cart, Line, PricedLine};
use super::catalog::{Catalog, Requirement};
use super::money::Money;
use super::order::Delivery;
use super::shipping::{Rate, rates};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bill<'a> {
    pub(crate) lines: Vec<PricedLine<'a>>,
    /// Lines whose SKU the catalog no longer sells: shown, never ordered.
    pub(crate) unavailable: Vec<&'a Line>,
    /// Whether any line ships; without such a line no address or rate counts.
    pub(crate) ships: bool,
    /// The address and the chosen rate priced for this cart, when a line ships and both
    /// are known.
    pub(crate) delivery: Option<Delivery>,
    pub(crate) subtotal: Money,
    pub(crate) shipping: Money,
    pub(crate) total: Money,
}

/// The parcel's weight: every shipped line's weight times its quantity.
pub(crate) fn weight(cart: &Cart, catalog: &Catalog) -> Decimal {
    cart.lines
        .iter()
        .filter_map(|l| catalog.product(&l.sku).map(|p| (l, p)))
        .filter(|(_, p)| p.requires(Requirement::Shipping))
        .map(|(l, p)| p.weight_kg.unwrap_or_default() * Decimal::from(l.qty))
        .sum()
}

/// Whether anything in the cart ships.
pub(crate) fn ships(cart: &Cart, catalog: &Catalog) -> bool {
    cart.lines.iter().any(|l| {
        catalog
            .product(&l.sku)
            .is_some_and(|p| p.requires(Requirement::Shipping))
    })
}

/// The rates for this cart to `to`; none when nothing ships or the country is unknown.
pub(crate) fn rates_for(cart: &Cart, catalog: &Catalog, to: &Address) -> Vec<Rate> {
    if !ships(cart, catalog) {
        return Vec::new();
    }
    match address::country(&to.country) {
        Some(c) => rates(weight(cart, catalog), c.zone, &catalog.currency),
        None => Vec::new(),
    }
}

/// Prices `cart` with the delivery the buyer chose, if any. An address or rate that
/// does not apply (nothing ships, a rate not offered to that address) costs nothing and
/// yields no delivery.
pub(crate) fn bill<'a>(
    cart: &'a Cart,
    catalog: &'a Catalog,
    address: Option<&Address>,
    rate_id: Option<&str>,
) -> Bill<'a> {
    let totals = cart.totals(catalog);
    let delivery = match (address, rate_id) {
        (Some(to), Some(id)) => rates_for(cart, catalog, to)
            .into_iter()
            .find(|r| r.id == id)
            .map(|rate| Delivery {
                address: to.clone(),
                rate,
            }),
        _ => None,
    };
    let shipping = delivery.as_ref().map_or_else(
        || Money::zero(catalog.currency.clone()),
        |d| d.rate.price.clone(),
    );
    // One catalog has one currency, and rates are priced in it.
    let total = totals
        .subtotal
        .plus(&shipping)
        .unwrap_or(totals.subtotal.clone());
    Bill {
        ships: ships(cart, catalog),
        lines: totals.lines,
        unavailable: totals.unavailable,
        delivery,
        subtotal: totals.subtotal,
        shipping,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::catalog::demo_catalog;

    fn home() -> Address {
        Address {
            name: "Pat".into(),
            street: "1 Main St".into(),
            city: "Springfield".into(),
            region: "IL".into(),
            postal_code: "62701".into(),
            country: "US".into(),
        }
    }

    #[test]
    fn a_remembered_address_costs_nothing_when_nothing_ships() {
        let c = demo_catalog();
        let mut cart = Cart::default();
        cart.add(c.product("SUP-HOURLY").unwrap(), 10).unwrap();
        let b = bill(&cart, &c, Some(&home()), Some("ground"));
        assert!(!b.ships);
        assert_eq!(b.delivery, None);
        assert_eq!(b.total.plain(), "USD 1,250.00");
        assert_eq!(b.total, b.subtotal);
    }

    #[test]
    fn shipping_is_priced_for_the_cart_as_it_is() {
        let c = demo_catalog();
        let mut cart = Cart::default();
        let phone = c.product("PHN-P310").unwrap();
        let id = cart.add(phone, 1).unwrap();
        let one = bill(&cart, &c, Some(&home()), Some("ground"));
        assert!(one.ships);
        let rate = one.delivery.as_ref().unwrap().rate.price.clone();
        assert_eq!(one.total, one.subtotal.plus(&rate).unwrap());
        let light = one.shipping.amount;
        cart.set_qty(id, phone, 20).unwrap();
        let many = bill(&cart, &c, Some(&home()), Some("ground"));
        assert!(many.shipping.amount > light, "heavier parcel");
        assert_eq!(
            bill(&cart, &c, Some(&home()), Some("no-such-rate")).delivery,
            None
        );
    }
}
