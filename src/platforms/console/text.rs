//! The text mode of the terminal chat: views as text with numbered actions.
//!
//! A number or an action's label picks it; `N M` picks option M of select N at once.
//! Selects list their options and forms ask field by field. Anything else is typed text
//! for the view's prompt. What a select or form is waiting for is screen state, like a
//! modal open in a chat client, not conversation state.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::bot::Failure;
use crate::engine::action::{ActionId, Verb};
use crate::engine::event::Event;
use crate::engine::view::{Action, ActionKind, Choice, FormField, NoticeKind, Reply};
use crate::prompts::Lang;

/// The terminal's own words, from `prompts/` in the chat's locale; `{}`-free templates
/// keep their placeholders for `fill`.
#[derive(Debug)]
struct Words {
    info: String,
    success: String,
    warning: String,
    error: String,
    input_hint: String,
    choose: String,
    open: String,
    form: String,
    nothing_chosen: String,
    pick_again: String,
    more_matches: String,
}

/// How many matches of a search text mode lists under it.
const SHOWN_MATCHES: usize = 10;

fn fill(template: &str, name: &str, value: &dyn std::fmt::Display) -> String {
    template.replace(&format!("{{{name}}}"), &value.to_string())
}

#[derive(Debug)]
pub(crate) struct Screen {
    words: Words,
    actions: Vec<Action>,
    /// Whether the view takes typed text, which then wins over numbered actions.
    takes_text: bool,
    pending: Pending,
}

#[derive(Debug, Default)]
enum Pending {
    #[default]
    Nothing,
    Select {
        id: String,
        options: Vec<Choice>,
    },
    Form {
        id: String,
        fields: Vec<FormField>,
        answers: BTreeMap<String, String>,
    },
}

impl Screen {
    pub(crate) fn new(l: &Lang<'_>) -> Self {
        Screen {
            words: Words {
                info: l.t("console.info"),
                success: l.t("console.success"),
                warning: l.t("console.warning"),
                error: l.t("console.error"),
                input_hint: l.t("console.input_hint"),
                choose: l.t("console.choose"),
                open: l.t("console.open"),
                form: l.t("console.form"),
                nothing_chosen: l.t("console.nothing_chosen"),
                pick_again: l.t("console.pick_again"),
                more_matches: l.t("console.more_matches"),
            },
            actions: Vec::new(),
            takes_text: false,
            pending: Pending::Nothing,
        }
    }

    pub(crate) fn show(&mut self, reply: &Result<Reply, Failure>) -> String {
        self.pending = Pending::Nothing;
        let mut out = String::new();
        let reply = match reply {
            Ok(r) => r,
            Err(f) => {
                let _ = writeln!(out, "[{}] {}", self.words.error, f.text);
                return out;
            }
        };
        let v = &reply.view;
        let _ = writeln!(out, "\n── {} ──", v.title);
        if let Some(n) = &reply.notice {
            let tag = match n.kind {
                NoticeKind::Info => &self.words.info,
                NoticeKind::Success => &self.words.success,
                NoticeKind::Warning => &self.words.warning,
                NoticeKind::Error => &self.words.error,
            };
            let _ = writeln!(out, "[{tag}] {}", n.text);
        }
        if !v.body.is_empty() {
            let _ = writeln!(out, "{}", v.body);
        }
        for f in &v.fields {
            let _ = writeln!(out, "  • {}: {}", f.label, f.value);
        }
        // Where typed text answers the view, actions are picked as `#N`.
        let hash = if v.input.is_some() { "#" } else { "" };
        let mut after_search = false;
        for (i, a) in v.actions.iter().enumerate() {
            let searched = std::mem::replace(
                &mut after_search,
                matches!(a.kind, ActionKind::Search { .. }),
            );
            let _ = match &a.kind {
                // The matches of a search are what the user came for: listed at once,
                // each pickable as `N M`, rather than behind the select.
                ActionKind::Select { options, .. } if searched => {
                    let _ = writeln!(out, "  {hash}{}) {} ▾", i + 1, a.label);
                    for (j, o) in options.iter().take(SHOWN_MATCHES).enumerate() {
                        let _ = writeln!(out, "       {hash}{} {}. {}", i + 1, j + 1, o.label);
                    }
                    if options.len() > SHOWN_MATCHES {
                        let _ = writeln!(
                            out,
                            "       {}",
                            fill(
                                &self.words.more_matches,
                                "count",
                                &(options.len() - SHOWN_MATCHES)
                            )
                        );
                    }
                    Ok(())
                }
                ActionKind::Select { options, .. } => {
                    let current = options
                        .iter()
                        .find(|o| o.selected)
                        .map(|o| format!(" ({})", o.label));
                    writeln!(
                        out,
                        "  {hash}{}) {} ▾{}",
                        i + 1,
                        a.label,
                        current.unwrap_or_default()
                    )
                }
                ActionKind::Form { .. } | ActionKind::Search { .. } => {
                    writeln!(out, "  {hash}{}) {} …", i + 1, a.label)
                }
                ActionKind::Link { url } => {
                    writeln!(out, "  {hash}{}) {} → {url}", i + 1, a.label)
                }
                _ => writeln!(out, "  {hash}{}) {}", i + 1, a.label),
            };
        }
        if let Some(hint) = &v.input {
            let _ = writeln!(out, "{}", fill(&self.words.input_hint, "hint", hint));
        }
        self.actions = v.actions.clone();
        self.takes_text = v.input.is_some();
        out
    }

    pub(crate) fn prompt(&self) -> String {
        match &self.pending {
            Pending::Nothing => "> ".into(),
            Pending::Select { options, .. } => {
                format!("{}> ", fill(&self.words.choose, "count", &options.len()))
            }
            Pending::Form {
                fields, answers, ..
            } => match fields.get(answers.len()) {
                Some(f) if f.value.is_empty() => format!("{}> ", f.label),
                Some(f) => format!("{} [{}]> ", f.label, f.value),
                None => "> ".into(),
            },
        }
    }

    /// After a draft was kept: the form being filled goes on under the id the new view
    /// gives it (a kept draft is a change, so the revision moved).
    pub(crate) fn follow(&mut self, reply: &Reply) {
        let Pending::Form { id, .. } = &mut self.pending else {
            return;
        };
        let verb = ActionId::decode(id).map(|a| a.verb);
        if let Some(now) = reply
            .view
            .actions
            .iter()
            .find(|a| ActionId::decode(&a.id).map(|a| a.verb) == verb)
        {
            id.clone_from(&now.id);
        }
    }

    /// One typed line: an event to send, and anything to say before the next prompt.
    pub(crate) fn read(&mut self, line: &str) -> (Option<Event>, String) {
        let line = line.trim();
        // A command always works, even halfway through a select or a form.
        if line.starts_with('/') {
            self.pending = Pending::Nothing;
            return (Some(Event::from_line(line)), String::new());
        }
        match std::mem::take(&mut self.pending) {
            Pending::Select { id, options } => self.read_choice(id, options, line),
            Pending::Form {
                id,
                fields,
                answers,
            } => self.read_field(id, fields, answers, line),
            Pending::Nothing => self.read_action(line),
        }
    }

    fn read_action(&mut self, line: &str) -> (Option<Event>, String) {
        if line.is_empty() {
            return (None, String::new());
        }
        if line.starts_with('/') {
            return (Some(Event::from_line(line)), String::new());
        }
        let Some((index, second)) = self.pick(line) else {
            return (Some(Event::Text(line.to_string())), String::new());
        };
        let action = self.actions[index].clone();
        match action.kind {
            ActionKind::Button { .. } => (Some(Event::Click { action: action.id }), String::new()),
            ActionKind::Link { url } => {
                (None, format!("{}\n", fill(&self.words.open, "url", &url)))
            }
            ActionKind::Select { options, .. } => match second {
                Some(m) if (1..=options.len()).contains(&m) => (
                    Some(Event::Choose {
                        action: action.id,
                        values: vec![options[m - 1].value.clone()],
                    }),
                    String::new(),
                ),
                _ => {
                    let mut said = format!("{}:\n", action.label);
                    for (i, o) in options.iter().enumerate() {
                        let _ = match &o.description {
                            Some(d) => writeln!(said, "  {}. {} ({d})", i + 1, o.label),
                            None => writeln!(said, "  {}. {}", i + 1, o.label),
                        };
                    }
                    self.pending = Pending::Select {
                        id: action.id,
                        options,
                    };
                    (None, said)
                }
            },
            ActionKind::Form { title, fields } => {
                self.pending = Pending::Form {
                    id: action.id,
                    fields,
                    answers: BTreeMap::new(),
                };
                (
                    None,
                    format!("{}\n", fill(&self.words.form, "title", &title)),
                )
            }
            ActionKind::Search { title, field } => {
                self.pending = Pending::Form {
                    id: action.id,
                    fields: vec![field],
                    answers: BTreeMap::new(),
                };
                (
                    None,
                    format!("{}\n", fill(&self.words.form, "title", &title)),
                )
            }
        }
    }

    /// Which action a line picks, with the option number for a select (`N M`), or none
    /// when the line is typed text. Where the view takes typed text (a quantity, a
    /// search, a PO number), that input wins: numbers go to it, and an action needs its
    /// label or `#N`. Elsewhere a number alone picks an action, and `N M` an option of
    /// select N; anything more (`6 hours`) is text.
    fn pick(&self, line: &str) -> Option<(usize, Option<usize>)> {
        if let Some(i) = self
            .actions
            .iter()
            .position(|a| a.label.eq_ignore_ascii_case(line))
        {
            return Some((i, None));
        }
        let (numbers, explicit) = match line.strip_prefix('#') {
            Some(rest) => (rest, true),
            None if self.takes_text => return None,
            None => (line, false),
        };
        let words: Vec<&str> = numbers.split_whitespace().collect();
        let number = |w: &str| {
            w.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| w.parse::<usize>().ok())
                .flatten()
        };
        let first = words.first().and_then(|w| number(w))?;
        let index = first.checked_sub(1).filter(|i| *i < self.actions.len())?;
        let is_select = matches!(self.actions[index].kind, ActionKind::Select { .. });
        match words.as_slice() {
            [_] => Some((index, None)),
            [_, m] if is_select => number(m).map(|m| (index, Some(m))),
            _ if explicit => Some((index, None)),
            _ => None,
        }
    }

    fn read_choice(
        &mut self,
        id: String,
        options: Vec<Choice>,
        line: &str,
    ) -> (Option<Event>, String) {
        if line.is_empty() {
            return (None, format!("{}\n", self.words.nothing_chosen));
        }
        let by_number = line
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=options.len()).contains(n))
            .map(|n| n - 1);
        let by_label = || {
            options
                .iter()
                .position(|o| o.label.eq_ignore_ascii_case(line) || o.value == line)
        };
        match by_number.or_else(by_label) {
            Some(i) => (
                Some(Event::Choose {
                    action: id,
                    values: vec![options[i].value.clone()],
                }),
                String::new(),
            ),
            None => {
                let said = format!(
                    "{}\n",
                    fill(&self.words.pick_again, "count", &options.len())
                );
                self.pending = Pending::Select { id, options };
                (None, said)
            }
        }
    }

    fn read_field(
        &mut self,
        id: String,
        fields: Vec<FormField>,
        mut answers: BTreeMap<String, String>,
        line: &str,
    ) -> (Option<Event>, String) {
        if let Some(field) = fields.get(answers.len()) {
            let value = if line.is_empty() {
                field.value.clone()
            } else {
                line.to_string()
            };
            answers.insert(field.id.clone(), value);
        }
        if answers.len() < fields.len() {
            // The address keeps what was typed so far, so that a chat ended halfway
            // through the form finds it filled in next time.
            let keeps_drafts = ActionId::decode(&id).is_some_and(|a| a.verb == Verb::Address);
            let draft = keeps_drafts.then(|| Event::Draft {
                action: id.clone(),
                fields: answers.clone(),
            });
            self.pending = Pending::Form {
                id,
                fields,
                answers,
            };
            return (draft, String::new());
        }
        (
            Some(Event::Submit {
                action: id,
                fields: answers,
            }),
            String::new(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An address answered field by field is kept as a draft after each field, and the
    /// form goes on under the id of the view that came back.
    #[test]
    fn an_address_form_keeps_each_field_as_a_draft() {
        use crate::engine::action::Verb;
        use crate::engine::view::{Style, View};
        let prompts = crate::prompts::Prompts::embedded().unwrap();
        let mut screen = Screen::new(&prompts.lang("en"));
        let form = |rev: u64| {
            let mut v = View::new("shipping", "Shipping".into());
            v.form(
                Verb::Address.at(rev),
                "Enter address".into(),
                "Address".into(),
                ["name", "street"]
                    .iter()
                    .map(|id| FormField {
                        id: id.to_string(),
                        label: id.to_string(),
                        value: String::new(),
                        placeholder: String::new(),
                        required: true,
                        max_len: 100,
                    })
                    .collect(),
            );
            v.button(Verb::Cart.at(rev), "Cart".into(), Style::Secondary);
            Reply {
                document: None,
                notice: None,
                view: v,
            }
        };
        screen.show(&Ok(form(4)));
        assert_eq!(screen.read("Enter address").0, None);
        let (draft, _) = screen.read("Dana Reyes");
        assert_eq!(
            draft,
            Some(Event::Draft {
                action: "4:addr".into(),
                fields: BTreeMap::from([("name".into(), "Dana Reyes".into())]),
            })
        );
        screen.follow(&form(5));
        let (sent, _) = screen.read("500 Main St");
        match sent {
            Some(Event::Submit { action, fields }) => {
                assert_eq!(action, "5:addr", "the form went on under the new id");
                assert_eq!(fields.len(), 2);
            }
            other => panic!("{other:?}"),
        }
    }
    use crate::engine::view::{Style, View};

    pub(super) fn blank() -> Screen {
        Screen::new(&crate::prompts::Prompts::embedded().unwrap().lang("en"))
    }

    fn screen() -> Screen {
        let mut v = View::new("t", "T".into());
        v.button("1:add".into(), "Add to cart".into(), Style::Primary);
        v.select(
            "1:cat".into(),
            "Category".into(),
            String::new(),
            vec![Choice::new("a", "Alpha"), Choice::new("b", "Beta")],
        );
        v.form(
            "1:qty".into(),
            "Type a quantity".into(),
            "Quantity".into(),
            vec![FormField {
                id: "quantity".into(),
                label: "How many".into(),
                value: "1".into(),
                placeholder: String::new(),
                required: true,
                max_len: 9,
            }],
        );
        let mut s = blank();
        let shown = s.show(&Ok(Reply {
            document: None,
            notice: None,
            view: v,
        }));
        assert!(shown.contains("1) Add to cart"), "{shown}");
        s
    }

    #[test]
    fn numbers_and_labels_pick_actions() {
        let mut s = screen();
        assert_eq!(
            s.read("1").0,
            Some(Event::Click {
                action: "1:add".into()
            })
        );
        assert_eq!(
            s.read("add to CART").0,
            Some(Event::Click {
                action: "1:add".into()
            })
        );
        assert_eq!(s.read("hello").0, Some(Event::Text("hello".into())));
        assert_eq!(s.read("9").0, Some(Event::Text("9".into())));
    }

    #[test]
    fn selects_list_options_then_take_a_number_or_name() {
        let mut s = screen();
        let (ev, said) = s.read("2");
        assert_eq!(ev, None);
        assert!(said.contains("2. Beta"), "{said}");
        assert_eq!(s.read("7").0, None, "out of range keeps asking");
        assert_eq!(
            s.read("beta").0,
            Some(Event::Choose {
                action: "1:cat".into(),
                values: vec!["b".into()]
            })
        );
        assert_eq!(
            s.read("2 1").0,
            Some(Event::Choose {
                action: "1:cat".into(),
                values: vec!["a".into()]
            })
        );
    }

    #[test]
    fn forms_ask_field_by_field_and_keep_shown_values() {
        let mut s = screen();
        assert_eq!(s.read("3").0, None);
        assert!(s.prompt().contains("How many [1]"));
        let Some(Event::Submit { fields, .. }) = s.read("").0 else {
            panic!("no submit")
        };
        assert_eq!(fields["quantity"], "1");
        s.read("3");
        let Some(Event::Submit { fields, .. }) = s.read("12").0 else {
            panic!("no submit")
        };
        assert_eq!(fields["quantity"], "12");
    }
}

#[cfg(test)]
mod typed_input_tests {
    use super::*;
    use crate::engine::view::{Style, View};

    fn screen(input: bool) -> Screen {
        let mut v = View::new("t", "T".into());
        v.button("1:add".into(), "Add to cart".into(), Style::Primary);
        v.select(
            "1:cat".into(),
            "Category".into(),
            String::new(),
            vec![Choice::new("a", "Alpha"), Choice::new("b", "Beta")],
        );
        for n in 3..=6 {
            v.button(format!("1:b{n}"), format!("Button {n}"), Style::Secondary);
        }
        if input {
            v.input = Some("Type a quantity".into());
        }
        let mut s = super::tests::blank();
        let shown = s.show(&Ok(Reply {
            document: None,
            notice: None,
            view: v,
        }));
        assert_eq!(shown.contains("#1) Add to cart"), input, "{shown}");
        s
    }

    fn text(line: &str) -> Option<Event> {
        Some(Event::Text(line.into()))
    }

    /// Regression: `6 hours` opened action 6, `5` on a product page went Back, and
    /// `4 5001` at the PO step pressed action 4.
    #[test]
    fn a_number_with_more_after_it_is_text() {
        let mut s = screen(false);
        assert_eq!(s.read("6 hours").0, text("6 hours"));
        assert_eq!(s.read("4 5001").0, text("4 5001"), "action 4 is a button");
        assert_eq!(s.read("1 2 3").0, text("1 2 3"));
        assert_eq!(
            s.read("6").0,
            Some(Event::Click {
                action: "1:b6".into()
            })
        );
        assert_eq!(
            s.read("2 2").0,
            Some(Event::Choose {
                action: "1:cat".into(),
                values: vec!["b".into()]
            })
        );
    }

    #[test]
    fn where_the_view_takes_text_numbers_are_input() {
        let mut s = screen(true);
        assert_eq!(s.read("5").0, text("5"));
        assert_eq!(s.read("12 hours").0, text("12 hours"));
        assert_eq!(s.read("4 5001").0, text("4 5001"));
        assert_eq!(
            s.read("#1").0,
            Some(Event::Click {
                action: "1:add".into()
            })
        );
        assert_eq!(
            s.read("add to cart").0,
            Some(Event::Click {
                action: "1:add".into()
            })
        );
        assert_eq!(
            s.read("#2 1").0,
            Some(Event::Choose {
                action: "1:cat".into(),
                values: vec!["a".into()]
            })
        );
    }
}
