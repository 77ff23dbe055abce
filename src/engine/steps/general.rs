//! Commands, the welcome view, help and cancel: what works from any step.

use super::{Flow, Outcome, Turn, cart, checkout, footer, orders, store};
use crate::engine::action::Verb;
use crate::engine::event::Command;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Notice, Style, View};

pub async fn command(s: &mut Session, t: &Turn<'_>, command: Command) -> Flow {
    let sync = |o: Outcome| o.map_err(super::Fail::from);
    match command {
        Command::Buy(query) => sync(store::open(s, t, query.as_deref())),
        Command::Cart => sync(cart::open(s, t)),
        Command::Checkout => checkout::start(s, t).await,
        Command::Orders => sync(orders::open(s, t, false)),
        Command::Quotes => sync(orders::open(s, t, true)),
        Command::Ticket => {
            s.step = Step::Ticket;
            Ok(None)
        }
        Command::Cards => {
            s.step = Step::Cards;
            Ok(None)
        }
        Command::Deployment(query) => {
            super::deployment::command(s, t, query.as_deref().unwrap_or_default()).await
        }
        Command::Help => Ok(Some(help_notice(t))),
        Command::Cancel => sync(cancel(s, t)),
        Command::Unknown(name) => {
            Err(Notice::info(t.lang.f("unknown.command", &[("name", &name)])).into())
        }
    }
}

/// Shown when a client reconnects: a returning user picks up where they were.
pub fn welcome_back(s: &Session, t: &Turn<'_>) -> Option<Notice> {
    (s.step != Step::Idle).then(|| Notice::info(t.lang.t("common.welcome_back")))
}

pub fn help_notice(t: &Turn<'_>) -> Notice {
    Notice::info(t.lang.t("help.body"))
}

/// What the current step asks, what typed text does there and how to go back, with the
/// commands after it.
pub fn step_help(t: &Turn<'_>, step: &'static str) -> Notice {
    let key = format!("help.step.{step}");
    let said = t.lang.text(&key);
    match said {
        Some(text) => Notice::info(format!("{text}\n{}", t.lang.t("help.body"))),
        None => help_notice(t),
    }
}

/// Leaves whatever flow the user is in. The cart is theirs and stays; the answers of
/// an unfinished checkout go.
pub fn cancel(s: &mut Session, t: &Turn<'_>) -> Outcome {
    s.step = Step::Idle;
    s.checkout = None;
    Ok(Some(Notice::info(
        t.lang.f("cancel.done", &[("count", &s.cart.item_count())]),
    )))
}

pub fn render_welcome(s: &Session, t: &Turn<'_>) -> View {
    let mut v = View::new("welcome", t.lang.t("welcome.title"));
    v.body = t.lang.t("welcome.body");
    v.button(
        Verb::Shop.at(s.rev),
        t.lang.t("welcome.open_store"),
        Style::Primary,
    );
    v.button(
        Verb::Orders.at(s.rev),
        t.lang.t("orders.button"),
        Style::Secondary,
    );
    footer(&mut v, s, t, true);
    v
}
