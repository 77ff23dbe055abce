//! The reference / PO number (seed step 12) and the terms (seed step 13).

use super::checkout::{advance, checkout_mut};
use super::{Flow, Outcome, Turn, footer, not_here};
use crate::domain::po::{self, PoError};
use crate::engine::action::Verb;
use crate::engine::session::{PoAnswer, Session, Step};
use crate::engine::view::{Action, ActionKind, FormField, Notice, Style, View};

pub(crate) fn yes(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if s.step != Step::Po {
        return Err(not_here(t));
    }
    s.step = Step::PoNumber;
    Ok(None)
}

pub(crate) async fn no(s: &mut Session, t: &Turn<'_>) -> Flow {
    if s.step != Step::Po {
        return Err(not_here(t).into());
    }
    checkout_mut(s, t)?.po = Some(PoAnswer::No);
    advance(s, t).await
}

pub(crate) async fn number(s: &mut Session, t: &Turn<'_>, text: &str) -> Flow {
    if s.step != Step::PoNumber {
        return Err(not_here(t).into());
    }
    let po = po::parse(text).map_err(|e| {
        Notice::error(match e {
            PoError::Empty => t.lang.t("po.empty"),
            PoError::TooLong => t.lang.t("po.too_long"),
            PoError::BadChar(c) => t.lang.f("po.bad_char", &[("char", &c)]),
        })
    })?;
    checkout_mut(s, t)?.po = Some(PoAnswer::Number(po));
    advance(s, t).await
}

/// Text typed at the question: yes or no, or the PO number itself, which answers yes.
pub(crate) async fn typed(s: &mut Session, t: &Turn<'_>, text: &str) -> Flow {
    match text.trim().to_lowercase().as_str() {
        "yes" | "y" => yes(s, t).map_err(Into::into),
        "no" | "n" => no(s, t).await,
        _ => {
            yes(s, t)?;
            number(s, t, text).await
        }
    }
}

pub(crate) async fn agree(s: &mut Session, t: &Turn<'_>) -> Flow {
    if s.step != Step::Terms {
        return Err(not_here(t).into());
    }
    checkout_mut(s, t)?.terms = true;
    advance(s, t).await
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let rev = s.rev;
    let current = s
        .checkout
        .as_ref()
        .and_then(|c| c.po.as_ref())
        .and_then(|p| p.number().map(String::from));
    match s.step {
        Step::PoNumber => {
            let mut v = View::new("po_number", t.lang.t("po.number_title"));
            v.body = t.lang.t("po.number_body");
            v.form(
                Verb::PoNumber.at(rev),
                t.lang.t("po.enter"),
                t.lang.t("po.number_title"),
                vec![FormField {
                    id: "po".into(),
                    label: t.lang.t("po.field"),
                    value: current.unwrap_or_default(),
                    placeholder: "PO-2026-0142".into(),
                    required: true,
                    max_len: 64,
                }],
            );
            v.input = Some(t.lang.t("po.input"));
            v.button(
                Verb::Back.at(rev),
                t.lang.t("common.back"),
                Style::Secondary,
            );
            footer(&mut v, s, t, false);
            v
        }
        Step::Terms => {
            let mut v = View::new("terms", t.lang.t("terms.title"));
            v.body = t.lang.t("terms.body");
            v.actions.push(Action {
                id: format!("{rev}:terms-link"),
                label: t.lang.t("terms.read"),
                kind: ActionKind::Link {
                    url: t.settings.terms_url.clone(),
                },
            });
            v.button(Verb::Agree.at(rev), t.lang.t("terms.agree"), Style::Success);
            v.button(
                Verb::Back.at(rev),
                t.lang.t("common.back"),
                Style::Secondary,
            );
            footer(&mut v, s, t, false);
            v
        }
        _ => {
            let mut v = View::new("po", t.lang.t("po.title"));
            v.body = t.lang.t("po.body");
            v.button(Verb::PoYes.at(rev), t.lang.t("po.yes"), Style::Primary);
            v.button(Verb::PoNo.at(rev), t.lang.t("po.no"), Style::Secondary);
            v.input = Some(t.lang.t("po.question_input"));
            footer(&mut v, s, t, false);
            v
        }
    }
}
