//! Replies as Adaptive Cards 1.5, which Teams renders: the notice, the title, the body
//! and the fields as a fact set, each select as an `Input.ChoiceSet` with its own
//! `Action.Execute`, each form as a button that opens it as a dialog (`dialog`), and
//! buttons as `Action.Execute` (links as `Action.OpenUrl`). An `Action.Execute`
//! carries the engine's action id as its `verb`; the invoke that comes back names it
//! again, with the card's inputs in `data`, and is answered with the next card, which
//! replaces the clicked one.

use serde_json::{Value, json};

use super::cards::{adaptive, card_message, execute, invoke_answer, text_up_to};

use crate::engine::view::{Action, ActionKind, NoticeKind, Reply};

/// The most results an `application/search` answer carries.
pub(crate) const MAX_SEARCH_RESULTS: usize = 15;

/// The id of a search box: `search:{field}:{verb}`, so its pick is told from a form's.
pub(crate) fn search_id(verb: &str, field: &str) -> String {
    format!("search:{field}:{verb}")
}

/// (field, verb) of a search box's id.
pub(crate) fn search_of(id: &str) -> Option<(&str, &str)> {
    id.strip_prefix("search:")?.split_once(':')
}

/// The answer to an `application/search` invoke: (value, title) pairs, at most 15.
pub(crate) fn search_results(found: &[(String, String)]) -> Value {
    let results: Vec<Value> = found
        .iter()
        .take(MAX_SEARCH_RESULTS)
        .map(|(value, title)| json!({"title": title, "value": value}))
        .collect();
    json!({"statusCode": 200, "type": "application/vnd.microsoft.search.searchResponse",
           "value": {"results": results}})
}

/// Teams' own limit on a choice set's choices is far above ours; titles are cut here.
const MAX_TEXT: usize = 2_000;

fn text_block(text: &str, extra: Value) -> Value {
    text_up_to(text, MAX_TEXT, extra)
}

fn controls(a: &Action, body: &mut Vec<Value>, buttons: &mut Vec<Value>) {
    match &a.kind {
        ActionKind::Button { style } => buttons.push(execute(&a.label, &a.id, Some(*style))),
        ActionKind::Link { url } => {
            buttons.push(json!({"type": "Action.OpenUrl", "title": a.label, "url": url}));
        }
        ActionKind::Select {
            placeholder,
            options,
            ..
        } => {
            let choices: Vec<Value> = options
                .iter()
                .map(|c| {
                    let title = match &c.description {
                        Some(d) => format!("{} ({d})", c.label),
                        None => c.label.clone(),
                    };
                    json!({"title": title, "value": c.value})
                })
                .collect();
            let mut input = json!({
                "type": "Input.ChoiceSet", "id": a.id, "label": a.label,
                "placeholder": placeholder, "choices": choices, "style": "compact",
            });
            if let Some(chosen) = options.iter().find(|c| c.selected) {
                input["value"] = json!(chosen.value);
            }
            body.push(input);
            body.push(json!({"type": "ActionSet", "actions": [execute(&a.label, &a.id, None)]}));
        }
        // Typeahead: Teams asks `application/search` with the action id as the dataset
        // as the person types, and shows at most 15 of what comes back.
        ActionKind::Search { title, field } => {
            body.push(json!({
                "type": "Input.ChoiceSet", "id": search_id(&a.id, &field.id), "label": title,
                "placeholder": field.placeholder, "style": "filtered", "choices": [],
                "choices.data": {"type": "Data.Query", "dataset": a.id, "count": MAX_SEARCH_RESULTS},
                "isRequired": field.required,
            }));
            body.push(json!({"type": "ActionSet", "actions": [execute(&a.label, &a.id, None)]}));
        }
        // A dialog: the card keeps only its button; a refusal comes inside the dialog.
        ActionKind::Form { title, fields } => {
            buttons.push(super::dialog::launcher(a, title, fields));
        }
    }
}

/// The reply as an Adaptive Card.
pub(crate) fn card(reply: &Reply) -> Value {
    let v = &reply.view;
    let mut body = Vec::new();
    if let Some(n) = &reply.notice {
        let color = match n.kind {
            NoticeKind::Error => "attention",
            NoticeKind::Warning => "warning",
            NoticeKind::Success => "good",
            NoticeKind::Info => "default",
        };
        body.push(text_block(&n.text, json!({"color": color})));
    }
    body.push(text_block(
        &v.title,
        json!({"weight": "bolder", "size": "medium"}),
    ));
    if !v.body.is_empty() {
        body.push(text_block(&v.body, json!({})));
    }
    if !v.fields.is_empty() {
        let facts: Vec<Value> = v
            .fields
            .iter()
            .map(|f| json!({"title": f.label, "value": f.value}))
            .collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    let mut buttons = Vec::new();
    for a in &v.actions {
        controls(a, &mut body, &mut buttons);
    }
    if !buttons.is_empty() {
        body.push(json!({"type": "ActionSet", "actions": buttons}));
    }
    adaptive(body)
}

/// Marks every `Action.Execute` and dialog button in `v` as made for `owner` (an Entra
/// object id): a click on it by anyone else is someone else's, and changes nothing.
pub(crate) fn own(v: &mut Value, owner: &str) {
    match v {
        Value::Object(map) => {
            if matches!(
                map.get("type").and_then(Value::as_str),
                Some("Action.Execute" | "Action.Submit")
            ) {
                match map.get_mut("data") {
                    Some(Value::Object(data)) => {
                        data.insert("owner".into(), json!(owner));
                    }
                    _ => {
                        map.insert("data".into(), json!({"owner": owner}));
                    }
                }
            }
            for (_, child) in map.iter_mut() {
                own(child, owner);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| own(i, owner)),
        _ => {}
    }
}

/// The card as a message activity's attachment.
pub(crate) fn message(reply: &Reply) -> Value {
    card_message(card(reply))
}

/// A plain text message.
pub(crate) fn note(text: &str) -> Value {
    json!({"type": "message", "text": text})
}

/// The answer to an `adaptiveCard/action` invoke: the card that replaces the clicked one.
pub(crate) fn invoke_card(reply: &Reply) -> Value {
    invoke_answer(card(reply))
}

/// The answer to an invoke that only says something.
pub(crate) fn invoke_message(text: &str) -> Value {
    json!({"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::view::{Choice, FormField, Notice, Style, View};

    #[test]
    fn a_view_becomes_a_card_with_choices_dialogs_and_executes() {
        let mut v = View::new("store", "Store".into());
        v.body = "Pick a category.".into();
        v.field("Cart".into(), "2 items".into());
        v.select(
            "3:cat".into(),
            "Category".into(),
            "Choose".into(),
            vec![Choice::new("phones", "Phones").describe("desk phones")],
        );
        v.form(
            "3:qty".into(),
            "Set quantity".into(),
            "Quantity".into(),
            vec![FormField {
                id: "quantity".into(),
                label: "Quantity".into(),
                value: "2".into(),
                placeholder: "1 to 99".into(),
                required: true,
                max_len: 4,
            }],
        );
        v.button("3:add".into(), "Add to cart".into(), Style::Success);
        let reply = Reply {
            document: None,
            notice: Some(Notice::error("Nope.".into())),
            view: v,
        };
        let c = card(&reply);
        assert_eq!(c["version"], "1.5");
        let body = c["body"].as_array().unwrap();
        assert_eq!(body[0]["color"], "attention");
        assert_eq!(body[1]["text"], "Store");
        assert_eq!(body[3]["facts"][0]["title"], "Cart");
        let choice = body
            .iter()
            .find(|b| b["type"] == "Input.ChoiceSet")
            .unwrap();
        assert_eq!(choice["id"], "3:cat");
        assert_eq!(choice["choices"][0]["title"], "Phones (desk phones)");
        assert!(
            body.iter().all(|b| b["type"] != "Input.Text"),
            "a form is a dialog, not inputs on the card"
        );
        let actions: Vec<&Value> = body
            .iter()
            .filter(|b| b["type"] == "ActionSet")
            .flat_map(|b| b["actions"].as_array().unwrap())
            .collect();
        let verbs: Vec<&str> = actions
            .iter()
            .map(|a| a["verb"].as_str().or(a["data"]["verb"].as_str()).unwrap())
            .collect();
        assert_eq!(verbs, ["3:cat", "3:qty", "3:add"]);
        assert_eq!(actions[1]["type"], "Action.Submit");
        assert_eq!(actions[1]["data"]["msteams"]["type"], "task/fetch");
        assert_eq!(actions[1]["data"]["dialog"]["fields"][0]["value"], "2");
        assert_eq!(invoke_card(&reply)["value"], c);
        let mut mine = message(&reply);
        own(&mut mine, "aad-1");
        let text = mine.to_string();
        assert_eq!(text.matches("\"owner\":\"aad-1\"").count(), 3, "{text}");
        assert!(
            text.contains("\"task/fetch\""),
            "the dialog button keeps its data: {text}"
        );
        assert_eq!(message(&reply)["attachments"][0]["content"], c);
    }
}
