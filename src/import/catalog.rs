//! Reading a catalog file (TOML or JSON) and checking it before anything is stored.
//!
//! Every problem is reported with the line and the field, and all of them at once, so
//! that whoever maintains the file can fix it in one pass.

use std::collections::HashSet;
use std::fmt;

use rust_decimal::Decimal;

use crate::domain::catalog::{Catalog, Requirement};

/// The catalog that demo mode loads into an empty database.
pub(crate) const DEMO_CATALOG: &str = include_str!("../../data/demo/catalog.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// Chosen by the file name's extension; anything but `.json` is read as TOML.
    /// The format a file's extension names: `.toml` or `.json`. Anything else is
    /// refused rather than guessed (a CSV of deployments given as a catalog, say).
    pub fn from_path(path: &str) -> Result<Format, String> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Ok(Format::Json)
        } else if lower.ends_with(".toml") {
            Ok(Format::Toml)
        } else {
            Err(format!(
                "{path}: a catalog is a .toml or .json file (docs/catalog.md); \
                 deployments are imported with `import deployments`"
            ))
        }
    }
}

/// One problem in a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub(crate) line: Option<usize>,
    /// Where in the document, such as `products[3].max_qty`.
    pub(crate) field: String,
    pub(crate) message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the catalog has {} problem(s):\n{}", .0.len(), list(.0))]
pub struct CatalogErrors(pub Vec<Problem>);

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses and validates a catalog.
pub fn parse(source: &str, format: Format) -> Result<Catalog, CatalogErrors> {
    let catalog = match format {
        Format::Toml => parse_toml(source),
        Format::Json => parse_json(source),
    }
    .map_err(|p| CatalogErrors(vec![p]))?;
    let problems = validate(&catalog, source);
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(CatalogErrors(problems))
    }
}

/// The shipped demo catalog. It is checked by a test, so this cannot fail in a build
/// that passed its tests.
pub fn demo_catalog() -> Catalog {
    match parse(DEMO_CATALOG, Format::Toml) {
        Ok(c) => c,
        Err(e) => panic!("the shipped demo catalog is invalid: {e}"),
    }
}

fn parse_toml(source: &str) -> Result<Catalog, Problem> {
    let de = toml::Deserializer::parse(source).map_err(|e| toml_problem(source, "document", &e))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = path_or_document(e.path().to_string());
        toml_problem(source, &field, e.inner())
    })
}

fn toml_problem(source: &str, field: &str, e: &toml::de::Error) -> Problem {
    Problem {
        line: e.span().map(|s| line_at(source, s.start)),
        field: field.to_string(),
        message: e.message().trim().to_string(),
    }
}

fn parse_json(source: &str) -> Result<Catalog, Problem> {
    let mut de = serde_json::Deserializer::from_str(source);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = path_or_document(e.path().to_string());
        let inner = e.inner();
        // serde_json appends " at line L column C"; we report the line separately.
        let message = inner.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        Problem {
            line: Some(inner.line()),
            field,
            message,
        }
    })
}

fn path_or_document(path: String) -> String {
    if path == "." || path.is_empty() {
        "document".into()
    } else {
        path
    }
}

fn line_at(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// The line where a quoted identifier first appears. Semantic checks run on the parsed
/// value, which no longer knows its position; an item's identifier (SKU, id) is the
/// reliable way back to its place in either format.
fn line_of(source: &str, id: &str) -> Option<usize> {
    let quoted = format!("\"{id}\"");
    source.find(&quoted).map(|at| line_at(source, at))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn validate(c: &Catalog, source: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut problem = |id: &str, field: String, message: String| {
        problems.push(Problem {
            line: line_of(source, id),
            field,
            message,
        })
    };

    let mut sections = HashSet::new();
    for (i, s) in c.sections.iter().enumerate() {
        if !valid_id(&s.id) {
            problem(&s.id, format!("sections[{i}].id"), bad_id(&s.id));
        }
        if !sections.insert(s.id.as_str()) {
            problem(&s.id, format!("sections[{i}].id"), dup(&s.id));
        }
        if s.name.trim().is_empty() {
            problem(
                &s.id,
                format!("sections[{i}].name"),
                "must not be empty".into(),
            );
        }
    }
    if c.sections.is_empty() {
        problem(
            "",
            "sections".into(),
            "at least one section is needed".into(),
        );
    }

    let mut categories = HashSet::new();
    for (i, cat) in c.categories.iter().enumerate() {
        if !valid_id(&cat.id) {
            problem(&cat.id, format!("categories[{i}].id"), bad_id(&cat.id));
        }
        if !categories.insert(cat.id.as_str()) {
            problem(&cat.id, format!("categories[{i}].id"), dup(&cat.id));
        }
        if !sections.contains(cat.section.as_str()) {
            problem(
                &cat.id,
                format!("categories[{i}].section"),
                format!("no section has the id '{}'", cat.section),
            );
        }
        if cat.name.trim().is_empty() {
            problem(
                &cat.id,
                format!("categories[{i}].name"),
                "must not be empty".into(),
            );
        }
    }
    if !categories.contains(c.default_category.as_str()) {
        problem(
            &c.default_category,
            "default_category".into(),
            format!("no category has the id '{}'", c.default_category),
        );
    }

    let mut skus = HashSet::new();
    for (i, p) in c.products.iter().enumerate() {
        let at = |f: &str| format!("products[{i}].{f}");
        if !valid_id(&p.sku) {
            problem(&p.sku, at("sku"), bad_id(&p.sku));
        }
        if !skus.insert(p.sku.as_str()) {
            problem(&p.sku, at("sku"), dup(&p.sku));
        }
        if p.name.trim().is_empty() {
            problem(&p.sku, at("name"), "must not be empty".into());
        }
        // Aliases are what typed sentences match: an empty or endless one matches
        // nothing a person types.
        for (k, alias) in p.aliases.iter().enumerate() {
            let field = at(&format!("aliases[{k}]"));
            if alias.trim().is_empty() {
                problem(&p.sku, field, "must not be empty".into());
            } else if alias.chars().count() > 100 {
                problem(&p.sku, field, "must be at most 100 characters".into());
            } else if crate::domain::text::check(alias).is_err() {
                problem(
                    &p.sku,
                    field,
                    "contains control or text-direction characters".into(),
                );
            }
        }
        for (field, text) in [("name", &p.name), ("description", &p.description)] {
            if crate::domain::text::check(text).is_err() {
                problem(
                    &p.sku,
                    at(field),
                    "contains control or text-direction characters".into(),
                );
            }
        }
        if !categories.contains(p.category.as_str()) {
            problem(
                &p.sku,
                at("category"),
                format!("no category has the id '{}'", p.category),
            );
        }
        if p.price < Decimal::ZERO {
            problem(&p.sku, at("price"), "must not be negative".into());
        }
        if p.price.scale() > 2 && p.price.normalize().scale() > 2 {
            problem(
                &p.sku,
                at("price"),
                "has more than two decimal places".into(),
            );
        }
        if p.unit.trim().is_empty() {
            problem(&p.sku, at("unit"), "must not be empty".into());
        }
        if p.min_qty == 0 {
            problem(&p.sku, at("min_qty"), "must be at least 1".into());
        }
        if p.step_qty == 0 {
            problem(&p.sku, at("step_qty"), "must be at least 1".into());
        }
        if p.max_qty < p.min_qty {
            problem(
                &p.sku,
                at("max_qty"),
                format!("({}) is below min_qty ({})", p.max_qty, p.min_qty),
            );
        } else if p.step_qty > 0 && !(p.max_qty - p.min_qty).is_multiple_of(p.step_qty) {
            problem(
                &p.sku,
                at("max_qty"),
                format!(
                    "({}) is not min_qty plus a whole number of steps of {}",
                    p.max_qty, p.step_qty
                ),
            );
        }
        let ships = p.requires(Requirement::Shipping);
        match p.weight_kg {
            Some(w) if w <= Decimal::ZERO => {
                problem(&p.sku, at("weight_kg"), "must be more than zero".into())
            }
            None if ships => problem(
                &p.sku,
                at("weight_kg"),
                "is required for a product that requires shipping".into(),
            ),
            _ => {}
        }
        if let Some(f) = &p.family
            && c.family(f).is_none()
        {
            problem(&p.sku, at("family"), format!("no family has the id '{f}'"));
        }
    }

    for (i, f) in c.families.iter().enumerate() {
        let at = |x: &str| format!("families[{i}].{x}");
        if !valid_id(&f.id) {
            problem(&f.id, at("id"), bad_id(&f.id));
        }
        if !categories.contains(f.category.as_str()) {
            problem(
                &f.id,
                at("category"),
                format!("no category has the id '{}'", f.category),
            );
        }
        if f.questions.is_empty() {
            problem(
                &f.id,
                at("questions"),
                "at least one question is needed".into(),
            );
        }
        if f.variants.is_empty() {
            problem(
                &f.id,
                at("variants"),
                "at least one variant is needed".into(),
            );
        }
        let mut seen = HashSet::new();
        for (j, v) in f.variants.iter().enumerate() {
            let vat = |x: &str| format!("families[{i}].variants[{j}].{x}");
            match c.product(&v.sku) {
                None => problem(
                    &v.sku,
                    vat("sku"),
                    format!("no product has the SKU '{}'", v.sku),
                ),
                Some(p) if p.family.as_deref() != Some(f.id.as_str()) => problem(
                    &v.sku,
                    vat("sku"),
                    format!("product '{}' must name family '{}'", v.sku, f.id),
                ),
                Some(_) => {}
            }
            if v.choices.len() != f.questions.len() {
                problem(
                    &v.sku,
                    vat("choices"),
                    format!(
                        "has {} answers for {} questions",
                        v.choices.len(),
                        f.questions.len()
                    ),
                );
            }
            if !seen.insert(v.choices.clone()) {
                problem(
                    &v.sku,
                    vat("choices"),
                    "the same answers lead to another variant".into(),
                );
            }
        }
    }
    problems
}

fn bad_id(id: &str) -> String {
    format!("'{id}' must be 1 to 64 letters, digits, '-', '_' or '.'")
}

fn dup(id: &str) -> String {
    format!("'{id}' is used twice")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalog_is_valid_and_complete() {
        let c = parse(DEMO_CATALOG, Format::Toml).unwrap();
        let names: Vec<_> = c.sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Support", "Hardware", "Commercial modules"]);
        assert_eq!(
            c.category(&c.default_category).unwrap().name,
            "Hourly Support"
        );
        for wanted in [
            "Per-Incident Support",
            "Support Credits",
            "Peace of Mind Plans",
            "PBXact POMPs",
            "Phones",
            "Modules",
        ] {
            assert!(c.categories.iter().any(|x| x.name == wanted), "{wanted}");
        }
        for r in [
            Requirement::Deployment,
            Requirement::Organization,
            Requirement::Shipping,
        ] {
            assert!(c.products.iter().any(|p| p.requires(r)), "{r:?}");
        }
    }

    #[test]
    fn json_and_toml_read_the_same() {
        let c = demo_catalog();
        let json = serde_json::to_string_pretty(&c).unwrap();
        assert_eq!(parse(&json, Format::Json).unwrap(), c);
    }

    #[test]
    fn toml_syntax_error_names_the_line() {
        let src = "currency = \"USD\"\ndefault_category = \n";
        let e = parse(src, Format::Toml).unwrap_err();
        assert_eq!(e.0[0].line, Some(2), "{e}");
    }

    #[test]
    fn toml_unknown_field_names_line_and_field() {
        let src = DEMO_CATALOG.replacen("unit = \"hour\"", "unti = \"hour\"", 1);
        let e = parse(&src, Format::Toml).unwrap_err();
        let p = &e.0[0];
        let line = DEMO_CATALOG
            .lines()
            .position(|l| l == "unit = \"hour\"")
            .unwrap()
            + 1;
        assert_eq!(p.line, Some(line), "{e}");
        assert!(p.field.starts_with("products[0]"), "{e}");
        assert!(p.message.contains("unti"), "{e}");
    }

    #[test]
    fn aliases_are_read_and_checked() {
        let c = demo_catalog();
        let credits = c.product("SUP-CREDIT").unwrap();
        assert!(credits.aliases.iter().any(|a| a == "credits"));
        let src = DEMO_CATALOG.replacen(
            "aliases = [\"credits\", ",
            "aliases = [\" \", \"credits\", ",
            1,
        );
        let e = parse(&src, Format::Toml).unwrap_err();
        assert!(
            e.0.iter()
                .any(|p| p.field.ends_with(".aliases[0]") && p.message == "must not be empty"),
            "{e}"
        );
    }

    #[test]
    fn json_type_error_names_line_and_field() {
        let src = "{\n  \"currency\": \"USD\",\n  \"default_category\": 7\n}";
        let e = parse(src, Format::Json).unwrap_err();
        assert_eq!(e.0[0].line, Some(3), "{e}");
        assert_eq!(e.0[0].field, "default_category", "{e}");
    }

    #[test]
    fn semantic_problems_are_all_reported_with_line_and_field() {
        let src = DEMO_CATALOG
            .replacen("max_qty = 200", "max_qty = 0", 1)
            .replacen("category = \"per-incident\"", "category = \"nope\"", 1);
        let e = parse(&src, Format::Toml).unwrap_err();
        assert_eq!(e.0.len(), 2, "{e}");
        let text = e.to_string();
        let sku_line = src
            .lines()
            .position(|l| l == "sku = \"SUP-HOURLY\"")
            .unwrap()
            + 1;
        assert!(
            text.contains(&format!("line {sku_line}: products[0].max_qty")),
            "{text}"
        );
        assert!(
            text.contains(".category: no category has the id 'nope'"),
            "{text}"
        );
    }

    #[test]
    fn shipping_products_need_a_weight() {
        let src = DEMO_CATALOG.replacen("weight_kg = \"0.9\"\n", "", 1);
        let e = parse(&src, Format::Toml).unwrap_err();
        assert!(e.to_string().contains("weight_kg: is required"), "{e}");
    }

    #[test]
    fn bad_step_and_duplicate_sku_are_caught() {
        let src = DEMO_CATALOG
            .replacen(
                "max_qty = 500\nstep_qty = 5",
                "max_qty = 502\nstep_qty = 5",
                1,
            )
            .replacen("sku = \"SUP-HOURLY-AH\"", "sku = \"SUP-HOURLY\"", 1);
        let e = parse(&src, Format::Toml).unwrap_err().to_string();
        assert!(
            e.contains("is not min_qty plus a whole number of steps"),
            "{e}"
        );
        assert!(e.contains("'SUP-HOURLY' is used twice"), "{e}");
    }
}
