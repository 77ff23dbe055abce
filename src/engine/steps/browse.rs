//! Browsing the shop: sections, categories, and a category's listing (seed steps 2–5).

use super::{Input, Outcome, Turn, choose_one, footer, not_here};
use crate::domain::catalog::{Catalog, Entry};
use crate::engine::action::Verb;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Choice, Notice, Style, View, page as page_of};

/// Opens the store where the user was, or on the category a `/buy` names.
pub(crate) fn open(s: &mut Session, t: &Turn<'_>, query: Option<&str>) -> Outcome {
    let mut notice = None;
    match query {
        Some(q) => match find_category(t.catalog, q).or_else(|| section_start(t.catalog, q)) {
            Some(id) => set_category(s, id),
            None => {
                set_category(s, &t.catalog.default_category);
                notice = Some(Notice::info(
                    t.lang.f("store.no_category_like", &[("query", &q)]),
                ));
            }
        },
        None if t.catalog.category(&s.browse.category).is_none() => {
            set_category(s, &t.catalog.default_category)
        }
        None => {}
    }
    s.step = Step::Browse;
    Ok(notice)
}

fn set_category(s: &mut Session, id: &str) {
    if s.browse.category != id {
        s.browse.category = id.to_string();
        s.browse.page = 0;
    }
}

/// Whether `/buy QUERY` names a category or section.
pub(crate) fn names_place(catalog: &Catalog, query: &str) -> bool {
    find_category(catalog, query)
        .or_else(|| section_start(catalog, query))
        .is_some()
}

/// The category whose name or id best matches what was typed after `/buy`.
fn find_category<'a>(catalog: &'a Catalog, query: &str) -> Option<&'a str> {
    let q = query.trim().to_lowercase();
    catalog
        .categories
        .iter()
        .map(|c| {
            let name = c.name.to_lowercase();
            let score = if name == q || c.id == q {
                2.0
            } else if name.contains(&q) || c.id.contains(&q) {
                1.0
            } else {
                strsim::jaro_winkler(&q, &name).max(strsim::jaro_winkler(&q, &c.id))
            };
            (score, c.id.as_str())
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

/// The first category of the section whose name or id is what was typed after `/buy`
/// (`/buy hardware`), when no category matches it.
fn section_start<'a>(catalog: &'a Catalog, query: &str) -> Option<&'a str> {
    let q = query.trim().to_lowercase();
    catalog
        .sections
        .iter()
        .find(|s| s.name.to_lowercase() == q || s.id.to_lowercase() == q)
        .and_then(|s| catalog.first_category(&s.id))
        .map(|c| c.id.as_str())
}

pub(crate) fn choose_section(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    in_store(s, t)?;
    let id = input.one_value().ok_or_else(|| choose_one(t))?;
    let Some(first) = t
        .catalog
        .section(id)
        .and_then(|_| t.catalog.first_category(id))
    else {
        return Err(Notice::error(t.lang.t("store.unknown_section")));
    };
    let current_section = t
        .catalog
        .category(&s.browse.category)
        .map(|c| c.section.as_str());
    if current_section != Some(id) {
        set_category(s, &first.id);
    }
    Ok(None)
}

pub(crate) fn choose_category(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    in_store(s, t)?;
    let id = input.one_value().ok_or_else(|| choose_one(t))?;
    if t.catalog.category(id).is_none() {
        return Err(Notice::error(t.lang.t("store.unknown_category")));
    }
    set_category(s, id);
    Ok(None)
}

/// The answers kept for `family` that still fit its questions, in order.
fn resumed(family: &crate::domain::catalog::Family, kept: Option<&Vec<String>>) -> Vec<String> {
    let mut answers = Vec::new();
    for a in kept.into_iter().flatten() {
        if answers.len() + 1 >= family.questions.len()
            || !family.options(&answers).contains(&a.as_str())
        {
            break;
        }
        answers.push(a.clone());
    }
    answers
}

/// A product opens its details; a family starts its wizard.
pub(crate) fn pick(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    in_store(s, t)?;
    let value = input.one_value().ok_or_else(|| choose_one(t))?;
    let unknown = || Notice::error(t.lang.t("store.unknown_item"));
    let listed = t.catalog.entries(&s.browse.category);
    let found = listed
        .iter()
        .find(|e| entry_value(e) == value)
        .ok_or_else(unknown)?;
    s.step = match found {
        Entry::Product(p) => Step::Product {
            sku: p.sku.clone(),
            qty: p.min_qty,
            family: None,
        },
        Entry::Family(f) => Step::Wizard {
            family: f.id.clone(),
            // Answers given before stepping out; any the catalog no longer offers go.
            answers: resumed(f, s.browse.wizard.get(&f.id)),
        },
    };
    Ok(None)
}

pub(crate) fn page(s: &mut Session, t: &Turn<'_>, n: u32) -> Outcome {
    in_store(s, t)?;
    let pages = t
        .catalog
        .entries(&s.browse.category)
        .len()
        .div_ceil(crate::engine::view::PAGE_SIZE);
    if n as usize >= pages.max(1) {
        return Err(not_here(t));
    }
    s.browse.page = n;
    Ok(None)
}

/// Back to the listing from a product or a wizard.
pub(crate) fn back(s: &mut Session, t: &Turn<'_>) -> Outcome {
    match s.step {
        Step::Product { .. } | Step::Wizard { .. } => {
            s.step = Step::Browse;
            Ok(None)
        }
        _ => Err(not_here(t)),
    }
}

fn in_store(s: &Session, t: &Turn<'_>) -> Result<(), Notice> {
    if s.step == Step::Browse {
        Ok(())
    } else {
        Err(not_here(t))
    }
}

fn entry_value(e: &Entry<'_>) -> String {
    match e {
        Entry::Product(p) => format!("p:{}", p.sku),
        Entry::Family(f) => format!("f:{}", f.id),
    }
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let c = t.catalog;
    let rev = s.rev;
    let (category, section) = match c.category(&s.browse.category) {
        Some(cat) => (Some(cat), c.section(&cat.section)),
        None => (c.category(&c.default_category), None),
    };
    let cat_name = category.map_or("", |x| x.name.as_str());
    let section_id = category.map_or("", |x| x.section.as_str());
    let sec_name = section.map_or("", |x| x.name.as_str());
    let mut v = View::new(
        "store",
        t.lang.f(
            "store.title",
            &[("section", &sec_name), ("category", &cat_name)],
        ),
    );
    v.body = category.map_or(String::new(), |x| x.description.clone());

    let sections = c
        .sections
        .iter()
        .map(|x| Choice::new(&x.id, &x.name).selected(x.id == section_id))
        .collect();
    v.select(
        Verb::Section.at(rev),
        t.lang.t("store.section_label"),
        t.lang.t("store.section_placeholder"),
        sections,
    );
    let categories = c
        .categories_of(section_id)
        .map(|x| Choice::new(&x.id, &x.name).selected(Some(&x.id) == category.map(|c| &c.id)))
        .collect();
    v.select(
        Verb::Category.at(rev),
        t.lang.t("store.category_label"),
        t.lang.t("store.category_placeholder"),
        categories,
    );

    let entries = category.map(|x| c.entries(&x.id)).unwrap_or_default();
    let (shown, prev, next) = page_of(&entries, s.browse.page);
    let mut options = Vec::new();
    for e in shown {
        let (label, value) = describe(e, t);
        v.field(label.clone(), value.clone());
        options.push(Choice::new(entry_value(e), label).describe(value));
    }
    if entries.is_empty() {
        v.body
            .push_str(&format!("\n{}", t.lang.t("store.empty_category")));
    } else {
        v.select(
            Verb::Pick.at(rev),
            t.lang.t("store.product_label"),
            t.lang.t("store.product_placeholder"),
            options,
        );
    }
    if prev {
        v.button(
            Verb::Page(s.browse.page - 1).at(rev),
            t.lang.t("common.prev"),
            Style::Secondary,
        );
    }
    if next {
        v.button(
            Verb::Page(s.browse.page + 1).at(rev),
            t.lang.t("common.more"),
            Style::Secondary,
        );
    }
    footer(&mut v, s, t, true);
    v
}

fn describe(e: &Entry<'_>, t: &Turn<'_>) -> (String, String) {
    match e {
        Entry::Product(p) => (
            p.name.clone(),
            t.lang.f(
                "product.price",
                &[
                    ("price", &p.unit_price(&t.catalog.currency)),
                    ("unit", &p.unit),
                ],
            ),
        ),
        Entry::Family(f) => (
            f.name.clone(),
            t.lang.f("store.guided", &[("steps", &f.questions.len())]),
        ),
    }
}
