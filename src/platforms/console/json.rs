//! The JSON-lines interface of the terminal chat, for tests and scripts.
//!
//! Out: one object per line, `{"notice":…,"view":…}` or `{"error":{"text","reference"}}`.
//! In: plain text (a `/command` or typed text), or one of
//! `{"click":ID}`, `{"choose":ID,"values":[…]}`, `{"submit":ID,"fields":{…}}`, `{"text":…}`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use crate::bot::Failure;
use crate::engine::event::Event;
use crate::engine::view::Reply;

#[derive(Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum Input {
    Click {
        click: String,
    },
    Choose {
        choose: String,
        values: Vec<String>,
    },
    Submit {
        submit: String,
        fields: BTreeMap<String, String>,
    },
    Text {
        text: String,
    },
}

/// A line to an event; `Ok(None)` for a blank line, `Err` for a line that is neither
/// text nor a valid JSON event.
pub(crate) fn parse(line: &str) -> Result<Option<Event>, String> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if !trimmed.starts_with('{') {
        return Ok(Some(Event::from_line(trimmed)));
    }
    let input: Input = serde_json::from_str(trimmed).map_err(|_| {
        "not a valid event: send text, or {\"click\":ID}, {\"choose\":ID,\"values\":[...]}, \
         {\"submit\":ID,\"fields\":{...}} or {\"text\":...}"
            .to_string()
    })?;
    Ok(Some(match input {
        Input::Click { click } => Event::Click { action: click },
        Input::Choose { choose, values } => Event::Choose {
            action: choose,
            values,
        },
        Input::Submit { submit, fields } => Event::Submit {
            action: submit,
            fields,
        },
        Input::Text { text } => Event::from_line(&text),
    }))
}

/// One reply as a line; `saved` is where its document was written.
pub(crate) fn render(reply: &Result<Reply, Failure>, saved: Option<&str>) -> String {
    let mut value = match reply {
        Ok(reply) => serde_json::to_value(reply)
            .unwrap_or_else(|e| json!({"error": {"text": e.to_string()}})),
        Err(f) => json!({"error": f}),
    };
    if let (Some(path), Some(doc)) = (saved, value.get_mut("document")) {
        doc["path"] = json!(path);
    }
    format!("{value}\n")
}

pub(crate) fn error_line(message: &str) -> String {
    format!("{}\n", json!({"error": {"text": message}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_input_shape() {
        assert_eq!(parse("  ").unwrap(), None);
        assert_eq!(
            parse("/cart").unwrap(),
            Some(Event::Command(crate::engine::event::Command::Cart))
        );
        assert_eq!(
            parse(r#"{"click":"1:add"}"#).unwrap(),
            Some(Event::Click {
                action: "1:add".into()
            })
        );
        assert_eq!(
            parse(r#"{"choose":"1:cat","values":["phones"]}"#).unwrap(),
            Some(Event::Choose {
                action: "1:cat".into(),
                values: vec!["phones".into()]
            })
        );
        let Some(Event::Submit { fields, .. }) =
            parse(r#"{"submit":"1:qty","fields":{"quantity":"4"}}"#).unwrap()
        else {
            panic!("not a submit");
        };
        assert_eq!(fields["quantity"], "4");
        assert_eq!(
            parse(r#"{"text":"hi"}"#).unwrap(),
            Some(Event::Text("hi".into()))
        );
    }

    #[test]
    fn refuses_malformed_events() {
        assert!(parse("{").is_err());
        assert!(parse(r#"{"click":3}"#).is_err());
        assert!(parse(r#"{"clack":"1:add"}"#).is_err());
    }
}
