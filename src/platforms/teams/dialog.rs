//! Forms as Teams dialogs. A form's button is an `Action.Submit` that opens a dialog
//! (`task/fetch`): its data carries the action id and the form's fields, so the dialog
//! is drawn from the card alone. The dialog's submission (`task/submit`) is the engine's
//! form event. A refused entry keeps the dialog open, with what was typed and the reason
//! beside the fields; an accepted one closes it, and the card the dialog came from is
//! drawn again with the next step (through the outbox), or the next step is said in
//! the conversation when Teams named no card.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::engine::view::{Action, ActionKind, FormField, NoticeKind, Reply};

/// Teams cuts a dialog's title well before this.
const MAX_TITLE: usize = 80;

/// The button that opens `form` (an `ActionKind::Form`) as a dialog.
pub(crate) fn launcher(a: &Action, title: &str, fields: &[FormField]) -> Value {
    let fields: Vec<Value> = fields
        .iter()
        .map(|f| {
            json!({"id": f.id, "label": f.label, "placeholder": f.placeholder,
                   "value": f.value, "maxLength": f.max_len, "isRequired": f.required})
        })
        .collect();
    json!({
        "type": "Action.Submit", "title": a.label,
        "data": {
            "msteams": {"type": "task/fetch"},
            "verb": a.id,
            "dialog": {"title": title, "submit": a.label, "fields": fields},
        },
    })
}

/// The dialog of `verb` drawn from `dialog` (a launcher's), with `typed` in its fields
/// and `refused` beside them: the answer that opens it or keeps it open.
pub(crate) fn task(
    verb: &str,
    dialog: &Value,
    typed: Option<&BTreeMap<String, String>>,
    refused: Option<&str>,
) -> Value {
    let mut body = Vec::new();
    for f in dialog["fields"].as_array().into_iter().flatten() {
        let mut input = json!({
            "type": "Input.Text", "id": f["id"], "label": f["label"],
            "placeholder": f["placeholder"], "value": f["value"],
            "maxLength": f["maxLength"], "isRequired": f["isRequired"],
        });
        if let (Some(typed), Some(id)) = (typed, f["id"].as_str())
            && let Some(v) = typed.get(id)
        {
            input["value"] = json!(v);
        }
        body.push(input);
    }
    if let Some(why) = refused {
        body.push(json!({"type": "TextBlock", "text": why, "wrap": true,
                         "color": "attention", "size": "small"}));
    }
    let submit = dialog["submit"].as_str().unwrap_or("OK");
    let mut card = super::cards::adaptive(body);
    card["actions"] = json!([{"type": "Action.Submit", "title": submit,
                              "data": {"verb": verb, "dialog": dialog}}]);
    let title = crate::domain::text::cut(dialog["title"].as_str().unwrap_or_default(), MAX_TITLE);
    json!({"task": {"type": "continue", "value": {
        "title": title,
        "card": {"contentType": "application/vnd.microsoft.card.adaptive", "content": card},
    }}})
}

/// The fields of a submitted dialog: each of its form's fields, as typed.
pub(crate) fn typed(data: &Value) -> BTreeMap<String, String> {
    data["dialog"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str())
        .map(|id| {
            let v = data[id].as_str().unwrap_or_default().to_string();
            (id.to_string(), v)
        })
        .collect()
}

/// Where `reply` refuses what the dialog sent and asks the same form again: that form's
/// action id (a new one: the session moved on) and the refusal.
pub(crate) fn refused<'a>(
    reply: &'a Reply,
    sent: &BTreeMap<String, String>,
) -> Option<(&'a str, &'a str)> {
    let notice = reply
        .notice
        .as_ref()
        .filter(|n| matches!(n.kind, NoticeKind::Error | NoticeKind::Warning))?;
    reply.view.actions.iter().find_map(|a| match &a.kind {
        ActionKind::Form { fields, .. }
            if !fields.is_empty() && fields.iter().all(|f| sent.contains_key(&f.id)) =>
        {
            Some((a.id.as_str(), notice.text.as_str()))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::view::{Notice, View};

    fn po_view(rev: u32) -> View {
        let mut v = View::new("po_number", "PO number".into());
        v.form(
            format!("{rev}:po"),
            "Enter PO number".into(),
            "PO number".into(),
            vec![FormField {
                id: "po".into(),
                label: "PO".into(),
                value: String::new(),
                placeholder: "PO-1".into(),
                required: true,
                max_len: 64,
            }],
        );
        v
    }

    #[test]
    fn a_dialog_is_drawn_from_its_launcher_and_a_refusal_keeps_it_open() {
        let v = po_view(3);
        let ActionKind::Form { title, fields } = &v.actions[0].kind else {
            panic!("a form");
        };
        let button = launcher(&v.actions[0], title, fields);
        assert_eq!(button["type"], "Action.Submit");
        assert_eq!(button["data"]["msteams"]["type"], "task/fetch");
        assert_eq!(button["data"]["verb"], "3:po");
        let data = &button["data"];
        let opened = task("3:po", &data["dialog"], None, None);
        let card = &opened["task"]["value"]["card"]["content"];
        assert_eq!(opened["task"]["type"], "continue");
        assert_eq!(card["body"][0]["id"], "po");
        assert_eq!(card["body"][0]["maxLength"], 64);
        assert_eq!(card["actions"][0]["data"]["verb"], "3:po");

        let mut submitted = card["actions"][0]["data"].clone();
        submitted["po"] = json!("PO\u{7}");
        let sent = typed(&submitted);
        assert_eq!(sent.get("po").map(String::as_str), Some("PO\u{7}"));
        let reply = Reply {
            notice: Some(Notice::error("Not that character.".into())),
            view: po_view(4),
            document: None,
        };
        let (verb, why) = refused(&reply, &sent).expect("asked again");
        assert_eq!((verb, why), ("4:po", "Not that character."));
        let again = task(verb, &submitted["dialog"], Some(&sent), Some(why));
        let card = &again["task"]["value"]["card"]["content"];
        assert_eq!(card["body"][0]["value"], "PO\u{7}", "what was typed stays");
        assert_eq!(card["body"][1]["text"], "Not that character.");
        assert_eq!(card["actions"][0]["data"]["verb"], "4:po");
        // Accepted: the next step has no such form.
        let next = Reply {
            notice: None,
            view: View::new("terms", "Terms".into()),
            document: None,
        };
        assert!(refused(&next, &sent).is_none());
    }
}
