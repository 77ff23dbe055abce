//! Pricing a placed order again: at the catalog's current prices, and with one line's
//! quantity changed when an operator changes it. The amounts come from the same `bill`
//! as the checkout's, so what the order then says is what a buyer would be charged.

use super::bill::bill;
use super::cart::{Cart, Line};
use super::catalog::Catalog;
use super::order::NewOrder;

/// A change an operator makes to a placed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QtyChange {
    /// From 1, as `orders show` numbers the lines.
    pub line: usize,
    pub qty: u32,
}

/// `order` priced with `catalog` now, with `change` applied. Each line keeps its
/// deployment and organization; shipping is priced again for the same address and rate.
pub fn reprice(
    order: &NewOrder,
    catalog: &Catalog,
    change: Option<QtyChange>,
) -> Result<NewOrder, String> {
    if let Some(c) = change
        && (c.line == 0 || c.line > order.lines.len())
    {
        return Err(format!(
            "line {} is not a line of this order: it has {} (see `checkout-bot orders show`)",
            c.line,
            order.lines.len()
        ));
    }
    // One cart line per order line, even for two lines of one SKU (two deployments).
    let mut cart = Cart::default();
    for (i, l) in order.lines.iter().enumerate() {
        let qty = match change {
            Some(c) if c.line == i + 1 => c.qty,
            _ => l.qty,
        };
        let product = catalog
            .product(&l.sku)
            .ok_or_else(|| format!("line {}: {} is no longer sold", i + 1, l.sku))?;
        if !product.accepts_quantity(qty) {
            return Err(format!(
                "line {}: {} takes {} to {} in steps of {}",
                i + 1,
                l.sku,
                product.min_qty,
                product.max_qty,
                product.step_qty
            ));
        }
        let id = u32::try_from(i + 1).map_err(|_| "too many lines".to_string())?;
        cart.lines.push(Line {
            id,
            sku: l.sku.clone(),
            qty,
        });
        cart.next_line = id;
    }
    let delivery = order.delivery.as_ref();
    let b = bill(
        &cart,
        catalog,
        delivery.map(|d| &d.address),
        delivery.map(|d| d.rate.id.as_str()),
    );
    if delivery.is_some() != b.delivery.is_some() {
        return Err("the order's shipping rate is no longer offered to its address".into());
    }
    let mut out = order.clone();
    for (priced, line) in b.lines.iter().zip(out.lines.iter_mut()) {
        line.qty = priced.line.qty;
        line.unit_price = priced.unit_price.clone();
        line.total = priced.total.clone();
    }
    out.delivery = b.delivery;
    out.subtotal = b.subtotal;
    out.shipping = b.shipping;
    out.total = b.total;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::{Currency, Money};
    use crate::domain::order::{Named, OrderLine, Payment};
    use crate::import::catalog::demo_catalog;
    use rust_decimal::Decimal;

    fn order(lines: &[(&str, u32, &str)]) -> NewOrder {
        let usd = |s: &str| Money::new(s.parse().unwrap(), Currency::usd());
        NewOrder {
            key: "k".into(),
            account_id: "a".into(),
            placed_by: "B".into(),
            placed_via: None,
            lines: lines
                .iter()
                .map(|(sku, qty, dep)| OrderLine {
                    sku: sku.to_string(),
                    name: sku.to_string(),
                    qty: *qty,
                    unit_price: usd("1"),
                    total: usd("1"),
                    deployment: Some(Named {
                        id: dep.to_string(),
                        name: dep.to_string(),
                    }),
                    deployment_org: None,
                    organization: None,
                })
                .collect(),
            delivery: None,
            payment: Payment::Wire,
            po_number: None,
            subtotal: usd("1"),
            shipping: usd("0"),
            total: usd("1"),
        }
    }

    #[test]
    fn an_order_is_priced_at_the_catalogs_prices_line_by_line() {
        let c = demo_catalog();
        let o = order(&[("SUP-HOURLY", 10, "d1"), ("SUP-HOURLY", 2, "d2")]);
        let r = reprice(&o, &c, None).unwrap();
        assert_eq!(r.lines.len(), 2, "same SKU, two deployments: two lines");
        assert_eq!(r.lines[0].total.plain(), "USD 1,250.00");
        assert_eq!(r.lines[1].deployment.as_ref().unwrap().id, "d2");
        assert_eq!(r.total.plain(), "USD 1,500.00");
        let more = reprice(&o, &c, Some(QtyChange { line: 2, qty: 4 })).unwrap();
        assert_eq!(more.lines[1].qty, 4);
        assert_eq!(more.total.amount, Decimal::from(1750));
    }

    #[test]
    fn a_bad_change_says_what_to_do() {
        let c = demo_catalog();
        let o = order(&[("SUP-HOURLY", 10, "d1")]);
        let e = reprice(&o, &c, Some(QtyChange { line: 3, qty: 1 })).unwrap_err();
        assert!(e.contains("line 3 is not a line"), "{e}");
        let e = reprice(&o, &c, Some(QtyChange { line: 1, qty: 0 })).unwrap_err();
        assert!(e.contains("line 1: SUP-HOURLY takes"), "{e}");
        let gone = order(&[("NOPE", 1, "d1")]);
        assert!(
            reprice(&gone, &c, None)
                .unwrap_err()
                .contains("no longer sold")
        );
    }
}
