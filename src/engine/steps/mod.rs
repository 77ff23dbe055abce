//! The steps of the conversation: what each action does, and how each step looks.
//!
//! Steps that only rearrange the session are plain functions returning `Outcome`; steps
//! that ask the backend (search, orders, cards) are async and return `Flow`.

pub(crate) mod again;
pub(crate) mod browse;
pub(crate) mod cart;
pub(crate) mod checkout;
pub(crate) mod deployment;
pub(crate) mod document;
pub(crate) mod general;
pub(crate) mod orders;
pub(crate) mod organization;
pub(crate) mod payment;
pub(crate) mod po;
pub(crate) mod product;
pub(crate) mod proposal;
pub(crate) mod shipping;
pub(crate) mod summary;
pub(crate) mod whoami;
pub(crate) mod wizard;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::Settings;
use super::action::Verb;
use super::backend::{Backend, BackendError};
use super::event::Command;
use super::session::{Session, Step};
use super::understand::Meaning;
use super::view::{Notice, View};
use crate::domain::account::Identity;
use crate::domain::catalog::Catalog;
use crate::prompts::Lang;

/// What a step function needs besides the session.
#[derive(Clone, Copy)]
pub(crate) struct Turn<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) lang: Lang<'a>,
    pub(crate) backend: &'a dyn Backend,
    pub(crate) account_id: &'a str,
    pub(crate) who: &'a Identity,
    pub(crate) reply_handle: Option<&'a str>,
    pub(crate) settings: &'a Settings,
    /// Unix milliseconds.
    pub(crate) now: i64,
    /// A document this event asked for, handed over with the reply.
    pub(crate) document: &'a std::sync::Mutex<Option<super::view::Document>>,
}

/// What came with an action: nothing (a button), chosen values, or form fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    None,
    Values(Vec<String>),
    Fields(BTreeMap<String, String>),
}

impl Input {
    /// The one value of a single select.
    pub(crate) fn one_value(&self) -> Option<&str> {
        match self {
            Input::Values(v) if v.len() == 1 => Some(v[0].as_str()),
            _ => None,
        }
    }

    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        match self {
            Input::Fields(f) => f.get(name).map(String::as_str),
            _ => None,
        }
    }
}

/// `Ok` with an optional note of what happened, or `Err` with why nothing changed.
pub(crate) type Outcome = Result<Option<Notice>, Notice>;

/// Why a step that talks to the backend did not go through.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The input was refused; the reply says why and nothing changes.
    Refused(Notice),
    /// The backend failed; the event fails as a whole.
    Backend(BackendError),
}

impl From<Notice> for Fail {
    fn from(n: Notice) -> Self {
        Fail::Refused(n)
    }
}

impl From<BackendError> for Fail {
    fn from(e: BackendError) -> Self {
        Fail::Backend(e)
    }
}

/// The outcome of a step that may call the backend.
pub(crate) type Flow = Result<Option<Notice>, Fail>;

pub(crate) async fn apply(s: &mut Session, t: &Turn<'_>, verb: Verb, input: Input) -> Flow {
    use Verb::*;
    let sync = |o: Outcome| o.map_err(Fail::from);
    match verb {
        Shop => sync(browse::open(s, t, None)),
        Section => sync(browse::choose_section(s, t, &input)),
        Category => sync(browse::choose_category(s, t, &input)),
        Pick => sync(browse::pick(s, t, &input)),
        Page(n) => sync(browse::page(s, t, n)),
        Browse => sync(browse::back(s, t)),
        Dec => sync(product::step_qty(s, t, false)),
        Inc => sync(product::step_qty(s, t, true)),
        Quantity => sync(product::typed_qty_field(s, t, &input)),
        Add => sync(product::add(s, t)),
        Answer => sync(wizard::answer(s, t, &input)),
        WizardBack => sync(wizard::back(s, t)),
        Cart => sync(cart::open(s, t)),
        CartPage(n) => sync(cart::page(s, t, n)),
        EditLine => sync(cart::edit_line(s, t, &input)),
        LineDec(id) => sync(cart::step_line(s, t, id, false)),
        LineInc(id) => sync(cart::step_line(s, t, id, true)),
        LineQuantity(id) => sync(cart::typed_line_qty_field(s, t, id, &input)),
        LineRemove(id) => sync(cart::remove(s, t, id)),
        Empty => sync(cart::ask_empty(s, t)),
        EmptyConfirmed => sync(cart::empty(s, t)),
        Checkout => checkout::start(s, t).await,
        Help => {
            let step = render(s, t).await?.step;
            Ok(Some(general::step_help(t, step)))
        }
        Resume => Ok(None),
        Cancel => sync(general::cancel(s, t)),
        DeploymentSearch => {
            let query = input.field("query").unwrap_or_default().to_string();
            deployment::search(s, t, &query).await
        }
        ChooseDeployment => deployment::choose(s, t, &input).await,
        ApplyToAll => deployment::apply_to_all(s, t).await,
        DeploymentLine => sync(deployment::switch_line(s, t, &input)),
        Back => sync(checkout::back(s, t)),
        RemoveCard => payment::ask_remove_card(s, t, &input).await,
        RemoveCardYes => payment::remove_card(s, t).await,
        RemoveCardNo => sync(payment::keep_card(s, t)),
        NextLine => deployment::next(s, t).await,
        ConfirmDeployment => deployment::confirm(s, t).await,
        OrgForAll => organization::set_all(s, t, &input).await,
        OrgLine => organization::pick_line(s, t, &input).await,
        OrgForLine => organization::set_line(s, t, &input).await,
        OrgSearch => {
            let query = input.field("query").unwrap_or_default().to_string();
            organization::filter(s, t, &query).await
        }
        OrgsDone => organization::done(s, t).await,
        Country => sync(shipping::country(s, t, &input)),
        Address => sync(shipping::address(s, t, &input)),
        Rate => sync(shipping::rate(s, t, &input)),
        ShippingDone => shipping::done(s, t).await,
        PayWith => payment::choose(s, t, &input).await,
        PaySuggested => payment::use_suggested(s, t).await,
        PoYes => sync(po::yes(s, t)),
        PoNo => po::no(s, t).await,
        PoNumber => {
            let po = input.field("po").unwrap_or_default().to_string();
            po::number(s, t, &po).await
        }
        Agree => po::agree(s, t).await,
        Edit(part) => summary::edit(s, t, part).await,
        Process => summary::process(s, t).await,
        Orders => sync(orders::open(s, t, false)),
        Quotes => sync(orders::open(s, t, true)),
        ViewOrder => orders::view(s, t, &input).await,
        BuyAgain => again::from_order(s, t).await,
        BuyAgainFrom => again::from_list(s, t, &input).await,
        AgainYes => again::confirmed(s, t, false).await,
        AgainLeaveOut => again::confirmed(s, t, true).await,
        AgainNo => sync(again::declined(s, t)),
        Convert => orders::convert(s, t).await,
        Document => document::newest(s, t).await,
        DocumentKind => document::chosen(s, t, &input).await,
        DocumentOf => document::of_listed(s, t, &input).await,
        ShortcutYes => proposal::accept(s, t).await,
        ShortcutNo => sync(proposal::decline(s, t)),
        Which(n) => sync(proposal::pick(s, t, n)),
        EmptyKept => sync(cart::keep(s, t)),
        StartOver => sync(general::ask_start_over(s, t)),
        StartOverYes => general::start_over(s, t).await,
        StartOverNo => sync(general::keep_answers(s, t)),
        // Sign-in answers these for people who are not signed in; the engine never shows
        // them, so one reaching it is stale and changes nothing.
        SignInEmail | SignInCode => Ok(None),
    }
}

/// A command. `/buy phones` opens a category as it always did; `/buy 3 P330 phones` is
/// a sentence like any typed one.
pub(crate) async fn command(s: &mut Session, t: &Turn<'_>, command: Command) -> Flow {
    match command {
        Command::Buy(Some(query)) if !browse::names_place(t.catalog, &query) => {
            match proposal::read(t, &format!("buy {query}")) {
                Meaning::Unknown => general::command(s, t, Command::Buy(Some(query))).await,
                meaning => proposal::act(s, t, meaning).await,
            }
        }
        other => general::command(s, t, other).await,
    }
}

/// Typed text answers the current step's prompt, if it has one; else it is understood
/// as a sentence ("buy 3 support credits", "my orders", "hi"). On a quantity prompt,
/// what is no quantity is a sentence too: "buy 1 system admin pro" on a product page.
pub(crate) async fn text(s: &mut Session, t: &Turn<'_>, text: &str) -> Flow {
    match s.step {
        Step::Product { .. } => match product::typed_qty(s, t, text) {
            Err(refused) if !looks_like_quantity(text) => proposal::understood(s, t, text)
                .await
                .map_err(|_| refused.into()),
            done => done.map_err(Fail::from),
        },
        Step::Line { id } => match cart::typed_line_qty(s, t, id, text) {
            Err(refused) if !looks_like_quantity(text) => proposal::understood(s, t, text)
                .await
                .map_err(|_| refused.into()),
            done => done.map_err(Fail::from),
        },
        Step::Deployment { .. } => deployment::search(s, t, text).await,
        Step::Organizations | Step::OrganizationLine { .. } => {
            organization::filter(s, t, text).await
        }
        Step::PoNumber => po::number(s, t, text).await,
        Step::Po => po::typed(s, t, text).await,
        _ => proposal::understood(s, t, text).await,
    }
}

/// "12", "12 licenses", "-3", "1.5": a quantity, right or wrong, which the quantity
/// prompt answers itself.
fn looks_like_quantity(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or_default();
    let words = text.split_whitespace().count();
    first.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') && words <= 2
}

pub(crate) async fn render(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    Ok(match &s.step {
        Step::Idle => general::render_welcome(s, t),
        Step::Browse => browse::render(s, t),
        Step::Product { .. } => product::render(s, t),
        Step::Wizard { .. } => wizard::render(s, t),
        Step::Cart { .. } => cart::render(s, t),
        Step::Line { .. } => cart::render_line(s, t),
        Step::ConfirmEmpty => cart::render_confirm_empty(s, t),
        Step::Deployment { .. } => deployment::render(s, t).await?,
        Step::LookAlike { .. } => deployment::render_look_alike(s, t).await?,
        Step::Organizations | Step::OrganizationLine { .. } => organization::render(s, t).await?,
        Step::Shipping => shipping::render(s, t),
        Step::Payment => payment::render(s, t).await?,
        Step::Po | Step::PoNumber | Step::Terms => po::render(s, t),
        Step::Summary => summary::render_summary(s, t).await?,
        Step::Placed { .. } | Step::Order { .. } => orders::render_order(s, t).await?,
        Step::Orders { .. } => orders::render_list(s, t).await?,
        Step::Ticket => orders::render_ticket(s, t).await?,
        Step::WhoAmI => whoami::render(s, t).await?,
        Step::Cards => payment::render_cards(s, t).await?,
        Step::ConfirmRemoveCard { card } => payment::render_remove_card(s, t, card).await?,
        Step::ConfirmShortcut { .. } | Step::Proposal { .. } => proposal::render(s, t),
        Step::ConfirmStartOver => general::render_start_over(s, t),
        Step::ConfirmBuyAgain { number } => again::render(s, t, number).await?,
    })
}

/// Refusal for an action that decodes and is current, but belongs to another step:
/// only a forged payload gets here.
pub(crate) fn not_here(t: &Turn<'_>) -> Notice {
    Notice::error(t.lang.t("common.not_here"))
}

pub(crate) fn choose_one(t: &Turn<'_>) -> Notice {
    Notice::error(t.lang.t("common.choose_one"))
}

/// Typed text said back in a refusal: whole, or, past 60 characters, up to the last
/// whole word with an ellipsis; never cut mid-word.
pub(crate) fn echo(text: &str) -> String {
    const MAX: usize = 60;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= MAX {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > MAX {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(MAX).collect();
    }
    out.push('…');
    out
}

/// A typed quantity: a whole number, optionally followed by its unit ("12 licenses").
pub(crate) fn parse_qty(t: &Turn<'_>, text: &str, example: u32) -> Result<u32, Notice> {
    static QTY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(\d{1,9})(?:\s+\p{Alphabetic}+)?\s*$").unwrap_or_else(|e| panic!("{e}"))
    });
    if let Some(n) = QTY.captures(text).and_then(|c| c[1].parse().ok()) {
        return Ok(n);
    }
    let shown = echo(text);
    Err(Notice::error(t.lang.f(
        "qty.not_a_number",
        &[("text", &shown), ("example", &example)],
    )))
}

/// The standard navigation buttons at the bottom of most views.
pub(crate) fn footer(view: &mut View, s: &Session, t: &Turn<'_>, cart: bool) {
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

#[cfg(test)]
mod echo_tests {
    use super::echo;

    #[test]
    fn typed_text_is_said_back_whole_or_at_a_word() {
        assert_eq!(echo("buy 1 system admin pro"), "buy 1 system admin pro");
        assert_eq!(echo("  two   words "), "two words");
        let long =
            "please add twelve of the system admin pro licenses for the main office tomorrow";
        let shown = echo(long);
        let kept = shown.trim_end_matches('…');
        assert!(
            shown.ends_with('…') && shown.chars().count() <= 61,
            "{shown}"
        );
        assert!(long.starts_with(kept), "{shown}");
        assert!(
            long[kept.len()..].starts_with(' '),
            "cut at a word: {shown}"
        );
        assert_eq!(echo(&"x".repeat(80)).chars().count(), 61);
    }
}
