//! Commands, the welcome view, help and cancel: what works from any step.

use super::{Flow, Outcome, Turn, browse, cart, checkout, footer, orders};
use crate::engine::action::Verb;
use crate::engine::event::Command;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Notice, Style, View};

/// What a command does, as its own words say (`steps::command` reads `/buy`'s sentence
/// first).
pub(crate) async fn command(s: &mut Session, t: &Turn<'_>, command: Command) -> Flow {
    let sync = |o: Outcome| o.map_err(super::Fail::from);
    match command {
        Command::Buy(query) => sync(browse::open(s, t, query.as_deref())),
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
        // Sign-in answers these before the engine; here they only show who is in.
        Command::WhoAmI | Command::SignIn(_) | Command::SignOut => {
            s.step = Step::WhoAmI;
            Ok(None)
        }
        Command::Deployment(query) => {
            super::deployment::command(s, t, query.as_deref().unwrap_or_default()).await
        }
        Command::Help => Ok(Some(help_notice(t))),
        Command::Cancel => sync(cancel(s, t)),
        Command::Approvals => Ok(Some(Notice::info(t.lang.t("help.approvals_elsewhere")))),
        Command::Unknown(name) => {
            Err(Notice::info(t.lang.f("unknown.command", &[("name", &name)])).into())
        }
    }
}

/// Shown when a client reconnects: a returning user picks up where they were.
pub(crate) fn welcome_back(s: &Session, t: &Turn<'_>) -> Option<Notice> {
    (s.step != Step::Idle).then(|| Notice::info(t.lang.t("common.welcome_back")))
}

/// Every command with what it does, from the one list the platforms register, then
/// what typed text does.
pub(crate) fn help_notice(t: &Turn<'_>) -> Notice {
    Notice::info(help_text(t))
}

fn help_text(t: &Turn<'_>) -> String {
    let mut lines = vec![t.lang.t("help.intro")];
    for c in crate::engine::commands::COMMANDS {
        let args: String = c
            .options
            .iter()
            .map(|o| format!(" [{}]", o.name))
            .take(1)
            .collect();
        lines.push(format!("/{}{args} · {}", c.name, t.lang.t(c.description)));
    }
    lines.push(t.lang.t("help.start_over"));
    lines.push(t.lang.t("help.typed"));
    lines.join("\n")
}

/// What the current step asks, what typed text does there and how to go back, with the
/// commands after it.
pub(crate) fn step_help(t: &Turn<'_>, step: &'static str) -> Notice {
    let key = format!("help.step.{step}");
    let said = t.lang.text(&key);
    match said {
        Some(text) => Notice::info(format!("{text}\n\n{}", help_text(t))),
        None => help_notice(t),
    }
}

/// Leaves whatever flow the user is in. The cart and the answers of an unfinished
/// checkout stay for the next /checkout; only a payment page opened before dies.
/// "Start over" on the cart is what clears the answers.
pub(crate) fn cancel(s: &mut Session, t: &Turn<'_>) -> Outcome {
    s.step = Step::Idle;
    let count = s.cart.item_count();
    let key = match s.checkout.as_mut() {
        Some(c) => {
            c.left += 1;
            c.search = None;
            "cancel.kept"
        }
        None => "cancel.done",
    };
    Ok(Some(Notice::info(t.lang.f(key, &[("count", &count)]))))
}

/// "Start over" on the cart: asks before the kept answers go.
pub(crate) fn ask_start_over(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if s.checkout.is_none() || !matches!(s.step, Step::Cart { .. }) {
        return Err(super::not_here(t));
    }
    s.step = Step::ConfirmStartOver;
    Ok(None)
}

/// "Yes, start over": the answers go and a new checkout starts from the cart, with
/// only what a returning buyer gets pre-selected.
pub(crate) async fn start_over(s: &mut Session, t: &Turn<'_>) -> Flow {
    if s.step != Step::ConfirmStartOver {
        return Err(super::not_here(t).into());
    }
    s.checkout = None;
    s.step = Step::Cart { page: 0 };
    let moved = checkout::start(s, t).await?;
    Ok(moved.or_else(|| Some(Notice::info(t.lang.t("start_over.done")))))
}

/// "No, keep my answers": back to the cart.
pub(crate) fn keep_answers(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if s.step != Step::ConfirmStartOver {
        return Err(super::not_here(t));
    }
    s.step = Step::Cart { page: 0 };
    Ok(Some(Notice::info(t.lang.t("start_over.kept"))))
}

pub(crate) fn render_start_over(s: &Session, t: &Turn<'_>) -> View {
    let mut v = View::new("confirm_start_over", t.lang.t("start_over.title"));
    v.body = t.lang.t("start_over.body");
    v.button(
        Verb::StartOverYes.at(s.rev),
        t.lang.t("start_over.yes"),
        Style::Danger,
    );
    v.button(
        Verb::StartOverNo.at(s.rev),
        t.lang.t("start_over.no"),
        Style::Secondary,
    );
    v
}

pub(crate) fn render_welcome(s: &Session, t: &Turn<'_>) -> View {
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
