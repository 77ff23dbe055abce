//! Messages the bot overhears in a shared channel, outside any conversation with it:
//! which carry a card number (to be removed, and its author warned) and which ask for
//! support (answered with the ticket links). Every channel asks the same rules.

use std::sync::LazyLock;

use regex::Regex;

/// Messages that ask for support: "open a ticket", "need help with my order", etc.
static TICKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:open|file|create|raise|submit|log|start)\s+(?:a\s+|an\s+)?(?:support\s+)?(?:ticket|case)\b|\bsupport\s+ticket\b|\bneed\s+(?:some\s+)?(?:help|support)\b")
        .unwrap_or_else(|e| panic!("{e}"))
});

/// What to do about one overheard message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heard {
    /// Not for the bot.
    Nothing,
    /// It carries a card number: remove it where the platform lets the bot, and warn
    /// its author privately. Never echo, log or store the text.
    CardNumber,
    /// It asks for support, or mentions the bot: answer with the ticket links.
    Ticket,
}

pub(crate) fn asks_for_ticket(text: &str) -> bool {
    TICKET.is_match(text)
}

/// `text` of a message by a person (not a bot); `mentions_bot` if it names the bot.
pub(crate) fn heard(text: &str, mentions_bot: bool) -> Heard {
    if crate::domain::card::contains_card_number(text) {
        Heard::CardNumber
    } else if mentions_bot || asks_for_ticket(text) {
        Heard::Ticket
    } else {
        Heard::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ticket_requests() {
        for yes in [
            "How do I open a ticket?",
            "I need help with my PBX",
            "please file a support ticket",
            "support ticket pls",
            "raise a case",
        ] {
            assert!(asks_for_ticket(yes), "{yes}");
            assert_eq!(heard(yes, false), Heard::Ticket);
        }
        for no in ["the ticket price is fine", "buy 3 support credits", "hello"] {
            assert!(!asks_for_ticket(no), "{no}");
            assert_eq!(heard(no, false), Heard::Nothing);
        }
        assert_eq!(heard("hello", true), Heard::Ticket, "a mention");
        assert_eq!(
            heard("open a ticket, my card is 4242 4242 4242 4242", true),
            Heard::CardNumber,
            "a card number outranks everything"
        );
    }
}
