//! Commands, the welcome view, help and cancel: what works from any step.

use super::{Outcome, Turn, cart, checkout, footer, store};
use crate::engine::action::Verb;
use crate::engine::event::Command;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Notice, Style, View};

pub fn command(s: &mut Session, t: &Turn<'_>, command: Command) -> Outcome {
    match command {
        Command::Buy(query) => store::open(s, t, query.as_deref()),
        Command::Cart => cart::open(s, t),
        Command::Checkout => checkout::start(s, t),
        Command::Help => Ok(Some(help_notice(t))),
        Command::Cancel => cancel(s, t),
        Command::Unknown(name) => Err(Notice::info(
            t.lang.f("unknown.command", &[("name", &name)]),
        )),
    }
}

/// Shown when a client reconnects: a returning user picks up where they were.
pub fn welcome_back(s: &Session, t: &Turn<'_>) -> Option<Notice> {
    (s.step != Step::Idle).then(|| Notice::info(t.lang.t("common.welcome_back")))
}

pub fn help_notice(t: &Turn<'_>) -> Notice {
    Notice::info(t.lang.t("help.body"))
}

/// Leaves whatever flow the user is in. The cart is theirs and stays.
pub fn cancel(s: &mut Session, t: &Turn<'_>) -> Outcome {
    s.step = Step::Idle;
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
    footer(&mut v, s, t, true);
    v
}
