//! The building blocks of the bot's Adaptive Cards 1.5, shared by the replies
//! (`render`), approval requests (`approvals`) and dialogs (`dialog`): a card, a text
//! block, an `Action.Execute`, a message carrying a card, an invoke's card answer.

use serde_json::{Value, json};

use crate::engine::view::Style;

/// A wrapping TextBlock of `text`, cut at `max` characters, with `extra` properties.
pub(crate) fn text_up_to(text: &str, max: usize, extra: Value) -> Value {
    let mut b =
        json!({"type": "TextBlock", "text": crate::domain::text::cut(text, max), "wrap": true});
    if let (Some(b), Some(extra)) = (b.as_object_mut(), extra.as_object()) {
        b.extend(extra.clone());
    }
    b
}

/// An `Action.Execute` titled `title` whose verb is `verb`, styled after `style`.
pub(crate) fn execute(title: &str, verb: &str, style: Option<Style>) -> Value {
    let mut a = json!({"type": "Action.Execute", "title": title, "verb": verb, "data": {}});
    match style {
        Some(Style::Primary | Style::Success) => a["style"] = json!("positive"),
        Some(Style::Danger) => a["style"] = json!("destructive"),
        _ => {}
    }
    a
}

/// An Adaptive Card 1.5 of `body`.
pub(crate) fn adaptive(body: Vec<Value>) -> Value {
    json!({
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    })
}

/// A message activity carrying `card`.
pub(crate) fn card_message(card: Value) -> Value {
    json!({
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    })
}

/// The answer to an `adaptiveCard/action` invoke that shows `card`.
pub(crate) fn invoke_answer(card: Value) -> Value {
    json!({"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card})
}
