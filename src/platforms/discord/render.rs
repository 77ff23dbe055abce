//! Replies as Discord messages: an embed for the view, components for its actions, and
//! Discord's limits enforced here, where the message is built.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateInputText,
    CreateInteractionResponseMessage, CreateModal, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, InputTextStyle,
};

use crate::engine::view::{Action, ActionKind, NoticeKind, Reply, Style, View};

pub(crate) const MAX_CONTENT: usize = 2000;
pub(crate) const MAX_ROWS: usize = 5;
pub(crate) const MAX_BUTTONS_PER_ROW: usize = 5;
pub(crate) const MAX_OPTIONS: usize = 25;
pub(crate) const MAX_BUTTON_LABEL: usize = 80;
pub(crate) const MAX_OPTION_TEXT: usize = 100;
pub(crate) const MAX_CUSTOM_ID: usize = 100;
pub(crate) const MAX_EMBED_TITLE: usize = 256;
pub(crate) const MAX_EMBED_DESCRIPTION: usize = 4096;
pub(crate) const MAX_EMBED_FIELDS: usize = 25;
pub(crate) const MAX_FIELD_NAME: usize = 256;
pub(crate) const MAX_FIELD_VALUE: usize = 1024;
pub(crate) const MAX_MODAL_TITLE: usize = 45;
const MAX_MODAL_INPUTS: usize = 5;
pub(crate) const MAX_INPUT_LABEL: usize = 45;

/// A button that opens a form carries this before the form's action id; the form's
/// modal then carries the action id itself.
pub const MODAL_PREFIX: &str = "m:";

pub(crate) use crate::domain::text::cut;

fn style(s: Style) -> ButtonStyle {
    match s {
        Style::Primary => ButtonStyle::Primary,
        Style::Secondary => ButtonStyle::Secondary,
        Style::Success => ButtonStyle::Success,
        Style::Danger => ButtonStyle::Danger,
    }
}

fn notice_line(reply: &Reply) -> String {
    match &reply.notice {
        Some(n) => {
            let mark = match n.kind {
                NoticeKind::Info => "ℹ️",
                NoticeKind::Success => "✅",
                NoticeKind::Warning => "⚠️",
                NoticeKind::Error => "❌",
            };
            cut(&format!("{mark} {}", n.text), MAX_CONTENT)
        }
        None => String::new(),
    }
}

fn embed(view: &View) -> CreateEmbed {
    let mut e = CreateEmbed::new().title(cut(&view.title, MAX_EMBED_TITLE));
    if !view.body.is_empty() {
        e = e.description(cut(&view.body, MAX_EMBED_DESCRIPTION));
    }
    let shown = view.fields.len().min(MAX_EMBED_FIELDS);
    for (i, f) in view.fields.iter().take(shown).enumerate() {
        // The last slot says how many more there are rather than dropping them silently.
        if i + 1 == MAX_EMBED_FIELDS && view.fields.len() > MAX_EMBED_FIELDS {
            let more = view.fields.len() - i;
            e = e.field("…", format!("{more} more"), false);
            break;
        }
        let value = if f.value.is_empty() {
            "—".to_string()
        } else {
            cut(&f.value, MAX_FIELD_VALUE)
        };
        e = e.field(cut(&f.label, MAX_FIELD_NAME), value, false);
    }
    e
}

/// The view's actions as action rows: one row per select, buttons five to a row, at
/// most five rows. Should a view ever need more, the last buttons (Help and Cancel come
/// last, and exist as commands too) are the ones left out.
pub(crate) fn components(view: &View) -> Vec<CreateActionRow> {
    let mut selects = Vec::new();
    let mut buttons = Vec::new();
    for a in &view.actions {
        if a.id.len() > MAX_CUSTOM_ID {
            tracing::warn!(id = %a.id, "action id too long for Discord; left out");
            continue;
        }
        match &a.kind {
            ActionKind::Select {
                placeholder,
                options,
                min,
                max,
            } => {
                let opts = options
                    .iter()
                    .take(MAX_OPTIONS)
                    .map(|o| {
                        let mut opt = CreateSelectMenuOption::new(
                            cut(&o.label, MAX_OPTION_TEXT),
                            cut(&o.value, MAX_OPTION_TEXT),
                        )
                        .default_selection(o.selected);
                        if let Some(d) = &o.description {
                            opt = opt.description(cut(d, MAX_OPTION_TEXT));
                        }
                        opt
                    })
                    .collect::<Vec<_>>();
                if opts.is_empty() {
                    continue;
                }
                let placeholder = if placeholder.is_empty() {
                    a.label.clone()
                } else {
                    format!("{}: {placeholder}", a.label)
                };
                selects.push(CreateActionRow::SelectMenu(
                    CreateSelectMenu::new(
                        a.id.clone(),
                        CreateSelectMenuKind::String { options: opts },
                    )
                    .placeholder(cut(&placeholder, MAX_OPTION_TEXT))
                    .min_values(*min)
                    .max_values(*max),
                ));
            }
            ActionKind::Button { style: s } => {
                buttons.push(
                    CreateButton::new(a.id.clone())
                        .label(cut(&a.label, MAX_BUTTON_LABEL))
                        .style(style(*s)),
                );
            }
            ActionKind::Link { url } => {
                buttons.push(
                    CreateButton::new_link(url.clone()).label(cut(&a.label, MAX_BUTTON_LABEL)),
                );
            }
            ActionKind::Form { .. } | ActionKind::Search { .. } => {
                let id = format!("{MODAL_PREFIX}{}", a.id);
                if id.len() <= MAX_CUSTOM_ID {
                    buttons.push(
                        CreateButton::new(id)
                            .label(cut(&a.label, MAX_BUTTON_LABEL))
                            .style(ButtonStyle::Primary),
                    );
                }
            }
        }
    }
    selects.truncate(MAX_ROWS);
    let button_rows = MAX_ROWS - selects.len();
    if buttons.len() > button_rows * MAX_BUTTONS_PER_ROW {
        tracing::warn!(
            dropped = buttons.len() - button_rows * MAX_BUTTONS_PER_ROW,
            "too many buttons for one message"
        );
        buttons.truncate(button_rows * MAX_BUTTONS_PER_ROW);
    }
    let mut rows = selects;
    let mut buttons = buttons.into_iter().peekable();
    while buttons.peek().is_some() {
        rows.push(CreateActionRow::Buttons(
            buttons.by_ref().take(MAX_BUTTONS_PER_ROW).collect(),
        ));
    }
    rows
}

/// The whole reply as a private message.
pub(crate) fn message(reply: &Reply) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(notice_line(reply))
        .embed(embed(&reply.view))
        .components(components(&reply.view))
        .ephemeral(reply.view.private)
}

/// The whole reply as a message in a channel (a direct message's answer).
pub(crate) fn channel_message(reply: &Reply) -> serenity::all::CreateMessage {
    serenity::all::CreateMessage::new()
        .content(notice_line(reply))
        .embed(embed(&reply.view))
        .components(components(&reply.view))
}

/// A short private note with nothing else.
pub(crate) fn note(text: &str) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(cut(text, MAX_CONTENT))
        .ephemeral(true)
}

/// A form or search action as a modal of text inputs, in action rows.
pub(crate) fn modal(action: &Action) -> Option<CreateModal> {
    let (title, fields) = match &action.kind {
        ActionKind::Form { title, fields } => (title.clone(), fields.clone()),
        ActionKind::Search { title, field } => (title.clone(), vec![field.clone()]),
        _ => return None,
    };
    let rows = fields
        .iter()
        .take(MAX_MODAL_INPUTS)
        .map(|f| {
            let style = if f.id == "street" {
                InputTextStyle::Paragraph
            } else {
                InputTextStyle::Short
            };
            let mut input =
                CreateInputText::new(style, cut(&f.label, MAX_INPUT_LABEL), f.id.clone())
                    .required(f.required)
                    .max_length(f.max_len.clamp(1, 4000));
            if !f.value.is_empty() {
                input = input.value(cut(&f.value, 4000));
            }
            if !f.placeholder.is_empty() {
                input = input.placeholder(cut(&f.placeholder, MAX_OPTION_TEXT));
            }
            CreateActionRow::InputText(input)
        })
        .collect();
    Some(CreateModal::new(action.id.clone(), cut(&title, MAX_MODAL_TITLE)).components(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::view::{Choice, FormField, Notice};
    use serde_json::Value;
    use serenity::all::CreateInteractionResponse;

    fn json(reply: &Reply) -> Value {
        serde_json::to_value(CreateInteractionResponse::Message(message(reply))).unwrap()
    }

    fn rows(v: &Value) -> Vec<Value> {
        v["data"]["components"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn view_with(actions: impl FnOnce(&mut View)) -> Reply {
        let mut v = View::new("t", "Title".into());
        actions(&mut v);
        Reply {
            document: None,
            notice: None,
            view: v,
        }
    }

    #[test]
    fn at_most_five_rows_of_at_most_five_buttons() {
        let reply = view_with(|v| {
            for i in 0..3 {
                v.select(
                    format!("1:s{i}"),
                    format!("S{i}"),
                    String::new(),
                    vec![Choice::new("a", "A")],
                );
            }
            for i in 0..20 {
                v.button(format!("1:b{i}"), format!("B{i}"), Style::Secondary);
            }
        });
        let rows = rows(&json(&reply));
        assert_eq!(rows.len(), 5);
        for r in &rows {
            assert!(r["components"].as_array().unwrap().len() <= 5);
        }
        let buttons: Vec<_> = rows
            .iter()
            .flat_map(|r| r["components"].as_array().unwrap().clone())
            .filter(|c| c["type"] == 2)
            .collect();
        assert_eq!(
            buttons.len(),
            10,
            "two rows of buttons fit beside three selects"
        );
        assert_eq!(
            buttons[0]["label"], "B0",
            "the first buttons are kept; the last (Help, Cancel) go first"
        );
    }

    #[test]
    fn more_than_25_options_are_cut_to_25() {
        let reply = view_with(|v| {
            let options = (0..30)
                .map(|i| Choice::new(format!("{i}"), format!("Option {i}")))
                .collect();
            v.select("1:s".into(), "S".into(), String::new(), options);
        });
        let rows = rows(&json(&reply));
        assert_eq!(
            rows[0]["components"][0]["options"]
                .as_array()
                .unwrap()
                .len(),
            25
        );
    }

    #[test]
    fn long_labels_and_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(300);
        let reply = view_with(|v| {
            v.button("1:b".into(), long.clone(), Style::Primary);
            v.select(
                "1:s".into(),
                long.clone(),
                long.clone(),
                vec![Choice::new(long.clone(), long.clone()).describe(long.clone())],
            );
        });
        let all: Vec<Value> = rows(&json(&reply))
            .iter()
            .flat_map(|r| r["components"].as_array().unwrap().clone())
            .collect();
        let button = all.iter().find(|c| c["type"] == 2).unwrap();
        let label = button["label"].as_str().unwrap();
        assert_eq!(label.chars().count(), MAX_BUTTON_LABEL);
        assert!(label.ends_with('…'));
        let select = all.iter().find(|c| c["type"] == 3).unwrap();
        for key in ["label", "value", "description"] {
            assert_eq!(
                select["options"][0][key].as_str().unwrap().chars().count(),
                MAX_OPTION_TEXT,
                "{key}"
            );
        }
        assert!(select["placeholder"].as_str().unwrap().chars().count() <= MAX_OPTION_TEXT);
    }

    #[test]
    fn custom_ids_over_100_characters_are_left_out() {
        let reply = view_with(|v| {
            v.button("1".repeat(101), "Too long".into(), Style::Primary);
            v.button("1:ok".into(), "Fine".into(), Style::Primary);
        });
        let all: Vec<Value> = rows(&json(&reply))
            .iter()
            .flat_map(|r| r["components"].as_array().unwrap().clone())
            .collect();
        assert_eq!(all.len(), 1);
        assert!(
            all.iter()
                .all(|c| c["custom_id"].as_str().unwrap().len() <= MAX_CUSTOM_ID)
        );
    }

    #[test]
    fn content_is_at_most_2000_characters() {
        let mut reply = view_with(|_| {});
        reply.notice = Some(Notice::error("x".repeat(5000)));
        let content = json(&reply)["data"]["content"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(content.chars().count(), MAX_CONTENT);
    }

    #[test]
    fn more_than_25_fields_say_how_many_more() {
        let reply = view_with(|v| {
            for i in 0..40 {
                v.field(format!("F{i}"), "v".into());
            }
        });
        let fields = json(&reply)["data"]["embeds"][0]["fields"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(fields.len(), 25);
        assert_eq!(fields[24]["value"], "16 more");
    }

    #[test]
    fn modals_have_at_most_five_inputs_with_short_labels() {
        let field = |i: usize| FormField {
            id: format!("f{i}"),
            label: "A very long label for a text input, far past forty-five characters".into(),
            value: String::new(),
            placeholder: String::new(),
            required: true,
            max_len: 100,
        };
        let action = Action {
            id: "1:addr".into(),
            label: "Address".into(),
            kind: ActionKind::Form {
                title: "T".repeat(60),
                fields: (0..7).map(field).collect(),
            },
        };
        let modal = serde_json::to_value(CreateInteractionResponse::Modal(modal(&action).unwrap()))
            .unwrap();
        assert_eq!(modal["type"], 9);
        assert_eq!(modal["data"]["title"].as_str().unwrap().chars().count(), 45);
        let inputs = modal["data"]["components"].as_array().unwrap();
        assert_eq!(inputs.len(), 5);
        assert!(inputs.iter().all(|r| {
            r["type"] == 1
                && r["components"][0]["label"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .count()
                    <= 45
        }));
    }

    #[test]
    fn forms_open_from_a_button_that_names_them() {
        let reply = view_with(|v| {
            v.form(
                "3:qty".into(),
                "Type a quantity".into(),
                "Quantity".into(),
                Vec::new(),
            );
        });
        let rows = rows(&json(&reply));
        assert_eq!(rows[0]["components"][0]["custom_id"], "m:3:qty");
    }
}
