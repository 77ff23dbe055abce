//! Ordinary replies typed where the view offers something to press: `yes`, `y`, `no`, `n`
//! at a confirmation, `i agree` at the terms, `-` and `+` for the − and + buttons, a
//! button's own label, or an option's label where its select is shown. Decided here, on
//! the current view, so every channel (a terminal, a DM, a script) gets the same answer.

use super::action::{ActionId, Verb};
use super::view::{ActionKind, View};

/// What a typed reply presses on `view`: (action id, chosen values), or nothing.
pub(crate) fn pressed(
    view: &View,
    text: &str,
    yes: &str,
    no: &str,
) -> Option<(String, Vec<String>)> {
    let said = normal(text);
    if said.is_empty() {
        return None;
    }
    let words = |list: &str| list.split(',').map(normal).any(|w| w == said);
    let verb_of = |id: &str| ActionId::decode(id).map(|a| a.verb);
    let buttons = || {
        view.actions
            .iter()
            .filter(|a| matches!(a.kind, ActionKind::Button { .. }))
    };
    let only = |wanted: &dyn Fn(Verb) -> bool| {
        let mut found = buttons().filter(|a| verb_of(&a.id).is_some_and(wanted));
        match (found.next(), found.next()) {
            (Some(a), None) => Some((a.id.clone(), Vec::new())),
            _ => None,
        }
    };
    if words(yes) {
        return only(&|v| v.is_yes());
    }
    if words(no) {
        return only(&|v| v.is_no());
    }
    match said.as_str() {
        "-" => return only(&|v| matches!(v, Verb::Dec | Verb::LineDec(_))),
        "+" => return only(&|v| matches!(v, Verb::Inc | Verb::LineInc(_))),
        _ => {}
    }
    if let Some(a) = buttons().find(|a| normal(&a.label) == said) {
        return Some((a.id.clone(), Vec::new()));
    }
    view.actions.iter().find_map(|a| match &a.kind {
        ActionKind::Select { options, .. } => options
            .iter()
            .find(|o| normal(&o.label) == said)
            .map(|o| (a.id.clone(), vec![o.value.clone()])),
        _ => None,
    })
}

/// Lower case, one space between words, no closing punctuation, − read as -.
fn normal(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('−', "-")
        .trim_end_matches(['.', '!'])
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::view::{Choice, Style};

    fn view() -> View {
        let mut v = View::new("t", "T".into());
        v.button(Verb::PoYes.at(3), "Yes".into(), Style::Primary);
        v.button(Verb::PoNo.at(3), "No".into(), Style::Secondary);
        v.button(Verb::Dec.at(3), "−".into(), Style::Secondary);
        v.button(Verb::Inc.at(3), "+".into(), Style::Secondary);
        v.button(Verb::Cart.at(3), "View cart (1)".into(), Style::Secondary);
        v.select(
            Verb::Pick.at(3),
            "Details".into(),
            String::new(),
            vec![
                Choice::new("P40", "PBXact 40"),
                Choice::new("P60", "PBXact 60"),
            ],
        );
        v
    }

    #[test]
    fn ordinary_replies_press_what_they_mean() {
        let v = view();
        let yes = "yes, y, ok";
        let no = "no, n";
        let pressed = |t: &str| pressed(&v, t, yes, no);
        assert_eq!(pressed("Y"), Some(("3:poyes".into(), vec![])));
        assert_eq!(pressed(" yes. "), Some(("3:poyes".into(), vec![])));
        assert_eq!(pressed("n"), Some(("3:pono".into(), vec![])));
        assert_eq!(pressed("-"), Some(("3:dec".into(), vec![])));
        assert_eq!(pressed("+"), Some(("3:inc".into(), vec![])));
        assert_eq!(pressed("view cart (1)"), Some(("3:cart".into(), vec![])));
        assert_eq!(
            pressed("pbxact  40"),
            Some(("3:pick".into(), vec!["P40".into()]))
        );
        assert_eq!(pressed("pbxact 4"), None);
        assert_eq!(pressed("12"), None);
        assert_eq!(pressed(""), None);
    }

    #[test]
    fn a_yes_with_no_single_confirmation_presses_nothing() {
        let mut v = View::new("t", "T".into());
        v.button(Verb::Cart.at(1), "Cart".into(), Style::Secondary);
        assert_eq!(pressed(&v, "yes", "yes, y", "no, n"), None);
    }
}
