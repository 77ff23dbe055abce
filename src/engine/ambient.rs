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

/// "Support credits" are a product: needing them is no plea for help.
static CREDITS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bsupport[\s-]+credits?\b").unwrap_or_else(|e| panic!("{e}"))
});

pub(crate) fn asks_for_ticket(text: &str) -> bool {
    (TICKET.is_match(text) && !CREDITS.is_match(text))
        || crate::engine::understand::asks_for_support(text)
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
            "our phones are down, how do I reach support?",
            "Ticket eröffnen",
            "unsere Telefone funktionieren nicht",
        ] {
            assert!(asks_for_ticket(yes), "{yes}");
            assert_eq!(heard(yes, false), Heard::Ticket);
        }
        for no in [
            "the ticket price is fine",
            "buy 3 support credits",
            "hello",
            "I need 20 support credits",
            "we need support credits for Acme",
            "lunch is at noon",
            "no problem!",
            "I made an error in the sheet",
        ] {
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
