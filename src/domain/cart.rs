//! The cart: lines of SKUs with quantities, and the one place totals are computed.

use serde::{Deserialize, Serialize};

use super::catalog::{Catalog, Product};
use super::money::Money;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub(crate) lines: Vec<Line>,
    /// Line ids are never reused, so an action naming a removed line cannot hit another.
    #[serde(default)]
    pub(crate) next_line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Line {
    pub(crate) id: u32,
    pub(crate) sku: String,
    pub(crate) qty: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CartError {
    #[error("quantity must be {min} to {max} in steps of {step}")]
    Quantity { min: u32, max: u32, step: u32 },
    #[error("no such line in the cart")]
    NoSuchLine,
}

impl CartError {
    pub(crate) fn quantity(p: &Product) -> Self {
        CartError::Quantity {
            min: p.min_qty,
            max: p.max_qty,
            step: p.step_qty,
        }
    }
}

/// A line priced against the catalog.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PricedLine<'a> {
    pub(crate) line: &'a Line,
    pub(crate) product: &'a Product,
    pub(crate) unit_price: Money,
    pub(crate) total: Money,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Totals<'a> {
    pub(crate) lines: Vec<PricedLine<'a>>,
    /// Lines whose SKU the catalog no longer sells; they are shown and cannot be ordered.
    pub(crate) unavailable: Vec<&'a Line>,
    pub(crate) subtotal: Money,
    pub total: Money,
}

impl Cart {
    pub(crate) fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub(crate) fn item_count(&self) -> usize {
        self.lines.len()
    }

    pub(crate) fn line(&self, id: u32) -> Option<&Line> {
        self.lines.iter().find(|l| l.id == id)
    }

    /// Adds `qty` of a product. The same SKU merges into its existing line, and the
    /// merged quantity must still fit the product's rules.
    pub(crate) fn add(&mut self, product: &Product, qty: u32) -> Result<u32, CartError> {
        if !product.accepts_quantity(qty) {
            return Err(CartError::quantity(product));
        }
        if let Some(line) = self.lines.iter_mut().find(|l| l.sku == product.sku) {
            let merged = line.qty.saturating_add(qty);
            if !product.accepts_quantity(merged) {
                return Err(CartError::quantity(product));
            }
            line.qty = merged;
            return Ok(line.id);
        }
        self.next_line += 1;
        let id = self.next_line;
        self.lines.push(Line {
            id,
            sku: product.sku.clone(),
            qty,
        });
        Ok(id)
    }

    pub(crate) fn set_qty(
        &mut self,
        line_id: u32,
        product: &Product,
        qty: u32,
    ) -> Result<(), CartError> {
        if !product.accepts_quantity(qty) {
            return Err(CartError::quantity(product));
        }
        let line = self
            .lines
            .iter_mut()
            .find(|l| l.id == line_id)
            .ok_or(CartError::NoSuchLine)?;
        line.qty = qty;
        Ok(())
    }

    pub(crate) fn remove(&mut self, line_id: u32) -> Result<Line, CartError> {
        let at = self
            .lines
            .iter()
            .position(|l| l.id == line_id)
            .ok_or(CartError::NoSuchLine)?;
        Ok(self.lines.remove(at))
    }

    pub(crate) fn clear(&mut self) {
        self.lines.clear();
    }

    /// Prices every line. The only place a cart total is computed.
    pub(crate) fn totals<'a>(&'a self, catalog: &'a Catalog) -> Totals<'a> {
        let mut lines = Vec::with_capacity(self.lines.len());
        let mut unavailable = Vec::new();
        let mut subtotal = Money::zero(catalog.currency.clone());
        for line in &self.lines {
            match catalog.product(&line.sku) {
                Some(product) => {
                    let unit_price = product.unit_price(&catalog.currency);
                    let total = unit_price.times(line.qty);
                    // One catalog has one currency, so this cannot mismatch.
                    subtotal = subtotal.plus(&total).unwrap_or(subtotal);
                    lines.push(PricedLine {
                        line,
                        product,
                        unit_price,
                        total,
                    });
                }
                None => unavailable.push(line),
            }
        }
        Totals {
            lines,
            unavailable,
            total: subtotal.clone(),
            subtotal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::catalog::demo_catalog;

    #[test]
    fn adding_the_same_sku_merges_within_the_limits() {
        let c = demo_catalog();
        let credits = c.product("SUP-CREDIT").unwrap();
        let mut cart = Cart::default();
        let id = cart.add(credits, 10).unwrap();
        assert_eq!(cart.add(credits, 5).unwrap(), id);
        assert_eq!(cart.line(id).unwrap().qty, 15);
        assert_eq!(cart.add(credits, 490), Err(CartError::quantity(credits)));
        assert_eq!(
            cart.line(id).unwrap().qty,
            15,
            "a refused add changes nothing"
        );
    }

    #[test]
    fn line_ids_are_not_reused() {
        let c = demo_catalog();
        let mut cart = Cart::default();
        let a = cart.add(c.product("SUP-HOURLY").unwrap(), 1).unwrap();
        cart.remove(a).unwrap();
        let b = cart.add(c.product("SUP-HOURLY").unwrap(), 1).unwrap();
        assert_ne!(a, b);
        assert_eq!(cart.remove(a), Err(CartError::NoSuchLine));
    }

    #[test]
    fn set_qty_validates() {
        let c = demo_catalog();
        let p = c.product("SUP-HOURLY-EMERG").unwrap();
        let mut cart = Cart::default();
        let id = cart.add(p, 2).unwrap();
        assert_eq!(cart.set_qty(id, p, 1), Err(CartError::quantity(p)));
        cart.set_qty(id, p, 40).unwrap();
        assert_eq!(cart.line(id).unwrap().qty, 40);
        assert_eq!(cart.set_qty(99, p, 3), Err(CartError::NoSuchLine));
    }

    #[test]
    fn totals_price_every_line_and_flag_withdrawn_skus() {
        let c = demo_catalog();
        let mut cart = Cart::default();
        cart.add(c.product("SUP-HOURLY").unwrap(), 3).unwrap(); // 375.00
        cart.add(c.product("PHN-P310").unwrap(), 2).unwrap(); // 178.00
        cart.lines.push(Line {
            id: 99,
            sku: "GONE".into(),
            qty: 1,
        });
        let t = cart.totals(&c);
        assert_eq!(t.lines.len(), 2);
        assert_eq!(t.unavailable.len(), 1);
        assert_eq!(t.subtotal.plain(), "USD 553.00");
        assert_eq!(t.total, t.subtotal);
    }
}
