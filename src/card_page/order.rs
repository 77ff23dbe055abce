//! What the card page says is being paid for: the store, the order's lines, the
//! organization and the total that will be charged, from the same bill the summary and
//! the charge use, so the page can never show another amount.

use std::collections::BTreeSet;

use crate::domain::bill;
use crate::domain::catalog::Catalog;
use crate::engine::session::Session;
use crate::prompts::Lang;

/// The order as the page shows it, in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paying {
    pub(crate) store: String,
    /// (what, amount) per line, then shipping when something ships.
    pub(crate) lines: Vec<(String, String)>,
    /// The organizations the lines are credited to, by name.
    pub(crate) organizations: Vec<String>,
    pub total: String,
}

pub(crate) fn paying(store: &str, session: &Session, catalog: &Catalog, l: &Lang<'_>) -> Paying {
    let c = session.checkout.as_ref();
    let b = bill::bill(
        &session.cart,
        catalog,
        c.and_then(|c| c.address.as_ref()),
        c.and_then(|c| c.rate.as_deref()),
    );
    let mut lines: Vec<(String, String)> = b
        .lines
        .iter()
        .map(|pl| {
            (
                l.f(
                    "cart.line_label",
                    &[("name", &pl.product.name), ("qty", &pl.line.qty)],
                ),
                l.money(&pl.total),
            )
        })
        .collect();
    if let Some(d) = &b.delivery {
        lines.push((
            l.f("summary.shipping", &[("rate", &d.rate.name)]),
            l.money(&d.rate.price),
        ));
    }
    let organizations: BTreeSet<String> = c
        .map(|c| c.organizations.values().map(|o| o.name.clone()).collect())
        .unwrap_or_default();
    Paying {
        store: store.to_string(),
        lines,
        organizations: organizations.into_iter().collect(),
        total: l.money(&b.total),
    }
}
