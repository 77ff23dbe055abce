//! The store's catalog: sections, categories, products and configurable families.
//!
//! This is reference data. It is imported from a file (see `import::catalog`), stored as
//! a versioned document, and read by the engine; nothing here talks to a database.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::{Currency, Money};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub currency: Currency,
    /// The category `/buy` opens on (the seed's "Hourly Support by default").
    pub default_category: String,
    pub sections: Vec<Section>,
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
    #[serde(default)]
    pub families: Vec<Family>,
    /// What is worked out from the catalog once and kept with it (the words typed
    /// sentences are read against). Never stored; a copy starts without it.
    #[serde(skip)]
    derived: Derived,
}

/// One slot for something derived from a catalog, of a type this module need not know.
#[derive(Default)]
struct Derived(std::sync::OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>);

impl Clone for Derived {
    /// A changed copy must not keep what was derived from the original.
    fn clone(&self) -> Self {
        Derived::default()
    }
}

impl PartialEq for Derived {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub(crate) id: String,
    pub(crate) name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub(crate) id: String,
    pub(crate) section: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
}

/// What a product needs before it can be ordered (seed steps 8 to 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// Licensed to one deployment; cannot be moved after purchase.
    Deployment,
    /// Credited to one organization.
    Organization,
    /// A physical item that needs an address and a shipping rate.
    Shipping,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub category: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    /// The unit a quantity counts, singular: "hour", "credit", "license", "phone".
    pub unit: String,
    #[serde(default = "one")]
    pub min_qty: u32,
    pub max_qty: u32,
    #[serde(default = "one")]
    pub step_qty: u32,
    #[serde(default)]
    pub requires: Vec<Requirement>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub weight_kg: Option<Decimal>,
    /// Set for products reached through a family's wizard rather than listed directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Other names people use for it ("credits", "DECT handset"), read by the
    /// understanding of typed sentences along with the name and SKU.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

fn one() -> u32 {
    1
}

/// A configurable product family: one question per step, resolving to one SKU
/// (the seed's PBXact POMPs "3-step wizard").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) description: String,
    pub(crate) questions: Vec<String>,
    pub(crate) variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Variant {
    pub(crate) sku: String,
    /// One answer per question, in order.
    pub(crate) choices: Vec<String>,
}

/// One entry of a category listing: a product, or a family that starts a wizard.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entry<'a> {
    Product(&'a Product),
    Family(&'a Family),
}

impl Product {
    pub(crate) fn unit_price(&self, currency: &Currency) -> Money {
        Money::new(self.price, currency.clone())
    }

    pub(crate) fn requires(&self, what: Requirement) -> bool {
        self.requires.contains(&what)
    }

    /// Whether `qty` is allowed: within min and max and on a step from min.
    pub(crate) fn accepts_quantity(&self, qty: u32) -> bool {
        qty >= self.min_qty
            && qty <= self.max_qty
            && (qty - self.min_qty).is_multiple_of(self.step_qty.max(1))
    }
}

impl Family {
    /// The options of question `answers.len()`, given the earlier answers, in catalog order.
    pub(crate) fn options<'a>(&'a self, answers: &[String]) -> Vec<&'a str> {
        let step = answers.len();
        let mut out: Vec<&str> = Vec::new();
        for v in self.matching(answers) {
            if let Some(choice) = v.choices.get(step)
                && !out.contains(&choice.as_str())
            {
                out.push(choice);
            }
        }
        out
    }

    fn matching<'a, 'b>(
        &'a self,
        answers: &'b [String],
    ) -> impl Iterator<Item = &'a Variant> + use<'a, 'b> {
        self.variants
            .iter()
            .filter(move |v| v.choices.iter().zip(answers).all(|(c, a)| c == a))
    }

    /// The SKU that a complete set of answers resolves to.
    pub(crate) fn resolve<'a>(&'a self, answers: &[String]) -> Option<&'a str> {
        if answers.len() != self.questions.len() {
            return None;
        }
        self.matching(answers).next().map(|v| v.sku.as_str())
    }
}

impl Catalog {
    pub(crate) fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    pub(crate) fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// `build(self)`, worked out on first use and kept with this catalog. One kind of
    /// thing is kept; asking for another builds it afresh each time.
    pub(crate) fn derived<T: std::any::Any + Send + Sync>(
        &self,
        build: impl Fn(&Catalog) -> T,
    ) -> std::sync::Arc<T> {
        let kept = self.derived.0.get_or_init(|| {
            std::sync::Arc::new(build(self)) as std::sync::Arc<dyn std::any::Any + Send + Sync>
        });
        match kept.clone().downcast::<T>() {
            Ok(t) => t,
            Err(_) => std::sync::Arc::new(build(self)),
        }
    }

    pub(crate) fn product(&self, sku: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.sku == sku)
    }

    pub(crate) fn family(&self, id: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.id == id)
    }

    pub(crate) fn categories_of<'a, 'b>(
        &'a self,
        section: &'b str,
    ) -> impl Iterator<Item = &'a Category> + use<'a, 'b> {
        self.categories.iter().filter(move |c| c.section == section)
    }

    /// What a category lists: its own products, then the families that start a wizard.
    pub(crate) fn entries(&self, category: &str) -> Vec<Entry<'_>> {
        let products = self
            .products
            .iter()
            .filter(|p| p.category == category && p.family.is_none())
            .map(Entry::Product);
        let families = self
            .families
            .iter()
            .filter(|f| f.category == category)
            .map(Entry::Family);
        products.chain(families).collect()
    }

    /// The first category of a section: where picking a section lands.
    pub(crate) fn first_category(&self, section: &str) -> Option<&Category> {
        self.categories_of(section).next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::catalog::demo_catalog;

    #[test]
    fn quantity_rules_follow_min_max_step() {
        let catalog = demo_catalog();
        let credits = catalog.product("SUP-CREDIT").unwrap();
        assert_eq!(
            (credits.min_qty, credits.max_qty, credits.step_qty),
            (5, 500, 5)
        );
        assert!(credits.accepts_quantity(5));
        assert!(credits.accepts_quantity(500));
        assert!(!credits.accepts_quantity(0));
        assert!(!credits.accepts_quantity(7));
        assert!(!credits.accepts_quantity(505));
    }

    #[test]
    fn family_wizard_narrows_options_and_resolves_one_sku() {
        let catalog = demo_catalog();
        let family = catalog.family("pbxact-pomp").unwrap();
        assert_eq!(family.questions.len(), 3);
        let models = family.options(&[]);
        assert!(models.len() >= 3, "{models:?}");
        let a = vec![models[0].to_string()];
        let levels = family.options(&a);
        assert!(!levels.is_empty());
        let b = vec![a[0].clone(), levels[0].to_string()];
        let terms = family.options(&b);
        let c = vec![b[0].clone(), b[1].clone(), terms[0].to_string()];
        let sku = family.resolve(&c).unwrap();
        assert!(catalog.product(sku).is_some());
        assert!(
            family.resolve(&b).is_none(),
            "an incomplete wizard resolves to nothing"
        );
    }

    #[test]
    fn category_listing_hides_family_members_behind_the_family() {
        let catalog = demo_catalog();
        let entries = catalog.entries("pbxact-pomps");
        assert!(
            entries.iter().any(|e| matches!(e, Entry::Family(_))),
            "the family is listed"
        );
        assert!(
            entries
                .iter()
                .all(|e| !matches!(e, Entry::Product(p) if p.family.is_some())),
            "its variants are not"
        );
    }
}
