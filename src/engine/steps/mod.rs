//! The steps of the conversation: what each action does, and how each step looks.

pub mod cart;
pub mod checkout;
pub mod general;
pub mod product;
pub mod store;
pub mod wizard;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::action::Verb;
use super::session::{Session, Step};
use super::view::{Notice, View};
use crate::domain::catalog::Catalog;
use crate::services::prompts::Lang;

/// What a step function needs besides the session.
#[derive(Debug, Clone, Copy)]
pub struct Turn<'a> {
    pub catalog: &'a Catalog,
    pub lang: Lang<'a>,
}

/// What came with an action: nothing (a button), chosen values, or form fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    None,
    Values(Vec<String>),
    Fields(BTreeMap<String, String>),
}

impl Input {
    /// The one value of a single select.
    pub fn one_value(&self) -> Option<&str> {
        match self {
            Input::Values(v) if v.len() == 1 => Some(v[0].as_str()),
            _ => None,
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            Input::Fields(f) => f.get(name).map(String::as_str),
            _ => None,
        }
    }
}

/// `Ok` with an optional note of what happened, or `Err` with why nothing changed.
pub type Outcome = Result<Option<Notice>, Notice>;

pub fn apply(s: &mut Session, t: &Turn<'_>, verb: Verb, input: Input) -> Outcome {
    use Verb::*;
    match verb {
        Shop => store::open(s, t, None),
        Section => store::choose_section(s, t, &input),
        Category => store::choose_category(s, t, &input),
        Pick => store::pick(s, t, &input),
        Page(n) => store::page(s, t, n),
        Store => store::back(s, t),
        Dec => product::step_qty(s, t, false),
        Inc => product::step_qty(s, t, true),
        Quantity => product::typed_qty_field(s, t, &input),
        Add => product::add(s, t),
        Answer => wizard::answer(s, t, &input),
        WizardBack => wizard::back(s, t),
        Cart => cart::open(s, t),
        CartPage(n) => cart::page(s, t, n),
        EditLine => cart::edit_line(s, t, &input),
        LineDec(id) => cart::step_line(s, t, id, false),
        LineInc(id) => cart::step_line(s, t, id, true),
        LineQuantity(id) => cart::typed_line_qty_field(s, t, id, &input),
        LineRemove(id) => cart::remove(s, t, id),
        Empty => cart::ask_empty(s, t),
        EmptyConfirmed => cart::empty(s, t),
        Checkout => checkout::start(s, t),
        Help => Ok(Some(general::help_notice(t))),
        Resume => Ok(None),
        Cancel => general::cancel(s, t),
    }
}

/// Typed text answers the current step's prompt, if it has one.
pub fn text(s: &mut Session, t: &Turn<'_>, text: &str) -> Outcome {
    match s.step {
        Step::Product { .. } => product::typed_qty(s, t, text),
        Step::Line { id } => cart::typed_line_qty(s, t, id, text),
        _ => Err(Notice::info(t.lang.t("unknown.text"))),
    }
}

pub fn render(s: &Session, t: &Turn<'_>) -> View {
    match &s.step {
        Step::Idle => general::render_welcome(s, t),
        Step::Store => store::render(s, t),
        Step::Product { .. } => product::render(s, t),
        Step::Wizard { .. } => wizard::render(s, t),
        Step::Cart { .. } => cart::render(s, t),
        Step::Line { .. } => cart::render_line(s, t),
        Step::ConfirmEmpty => cart::render_confirm_empty(s, t),
        Step::Checkout => checkout::render(s, t),
    }
}

/// Refusal for an action that decodes and is current, but belongs to another step:
/// only a forged payload gets here.
pub fn not_here(t: &Turn<'_>) -> Notice {
    Notice::error(t.lang.t("common.not_here"))
}

pub fn choose_one(t: &Turn<'_>) -> Notice {
    Notice::error(t.lang.t("common.choose_one"))
}

/// A typed quantity: a whole number, optionally followed by its unit ("12 licenses").
pub fn parse_qty(t: &Turn<'_>, text: &str, example: u32) -> Result<u32, Notice> {
    static QTY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(\d{1,9})(?:\s+\p{Alphabetic}+)?\s*$").unwrap_or_else(|e| panic!("{e}"))
    });
    if let Some(n) = QTY.captures(text).and_then(|c| c[1].parse().ok()) {
        return Ok(n);
    }
    let shown: String = text.trim().chars().take(20).collect();
    Err(Notice::error(t.lang.f(
        "qty.not_a_number",
        &[("text", &shown), ("example", &example)],
    )))
}

/// The standard navigation buttons at the bottom of most views.
pub fn footer(view: &mut View, s: &Session, t: &Turn<'_>, cart: bool) {
    use super::view::Style;
    if cart {
        view.button(
            Verb::Cart.at(s.rev),
            t.lang
                .f("common.view_cart", &[("count", &s.cart.item_count())]),
            Style::Secondary,
        );
    }
    view.button(
        Verb::Help.at(s.rev),
        t.lang.t("common.help"),
        Style::Secondary,
    );
    view.button(
        Verb::Cancel.at(s.rev),
        t.lang.t("common.cancel"),
        Style::Secondary,
    );
}
