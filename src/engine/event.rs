//! What a user did, in platform-free terms. Channels build these from payloads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A client (re)connected: show where the user is, change nothing.
    Start,
    Command(Command),
    /// A button. `action` is the raw, untrusted action id.
    Click {
        action: String,
    },
    /// Values chosen in a select.
    Choose {
        action: String,
        values: Vec<String>,
    },
    /// A form's fields.
    Submit {
        action: String,
        fields: BTreeMap<String, String>,
    },
    /// Typed text that is not a command.
    Text(String),
    /// A form filled part way, field by field (the terminal asks one at a time): kept
    /// as typed, unchecked, so that nothing is lost if the chat ends before it is sent.
    Draft {
        action: String,
        fields: BTreeMap<String, String>,
    },
    /// The card page added a card for this checkout. Made by the bot's own web page,
    /// never from a chat payload.
    CardAdded {
        checkout_key: String,
        card_id: String,
        label: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// `/buy [category]`: open the store, on a category if one is named.
    Buy(Option<String>),
    Cart,
    Checkout,
    Orders,
    Quotes,
    Ticket,
    Cards,
    /// `/whoami`: the account this chat identity acts for, and how it got there.
    WhoAmI,
    /// `/signin [email]`: sign in from chat (with an address, in email-code mode).
    SignIn(Option<String>),
    /// `/signout`: unlink this chat identity from its account.
    SignOut,
    /// `/deployment QUERY`: a deployment id (as search-as-you-type suggests) is chosen
    /// for the line being assigned; anything else is searched.
    Deployment(Option<String>),
    Help,
    Cancel,
    /// `/approvals` where the channel has no approvals of its own (the terminal).
    Approvals,
    Unknown(String),
}

impl Event {
    /// A pick among a search box's suggestions (where a platform offers them as the
    /// user types): a deployment is chosen as `/deployment` would choose it; any other
    /// search gets the picked value as its one field.
    pub(crate) fn picked(search: &str, field: &str, value: String) -> Event {
        use crate::engine::action::{ActionId, Verb};
        match ActionId::decode(search).map(|a| a.verb) {
            Some(Verb::DeploymentSearch) => Event::Command(Command::Deployment(Some(value))),
            _ => Event::Submit {
                action: search.to_string(),
                fields: BTreeMap::from([(field.to_string(), value)]),
            },
        }
    }

    /// A typed line: `/name args` is a command, anything else is text.
    pub fn from_line(line: &str) -> Event {
        let line = line.trim();
        match line.strip_prefix('/') {
            Some(rest) => Event::Command(Command::parse(rest)),
            None => Event::Text(line.to_string()),
        }
    }
}

impl Command {
    fn parse(rest: &str) -> Command {
        let (name, arg) = match rest.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (rest, ""),
        };
        let arg = (!arg.is_empty()).then(|| arg.to_string());
        Command::named(name, arg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_commands_or_text() {
        assert_eq!(Event::from_line("/buy"), Event::Command(Command::Buy(None)));
        assert_eq!(
            Event::from_line(" /BUY  support credits "),
            Event::Command(Command::Buy(Some("support credits".into())))
        );
        assert_eq!(Event::from_line("/cart"), Event::Command(Command::Cart));
        assert_eq!(
            Event::from_line("/nope x"),
            Event::Command(Command::Unknown("nope".into()))
        );
        assert_eq!(Event::from_line("5"), Event::Text("5".into()));
    }
}
