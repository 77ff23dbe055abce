//! The words and phrases that carry what a person wants, in English and German: where to
//! go, what asks for support, what buys, asks, refuses, greets or thanks. Each list is
//! read through the same tokenizer as the sentence, so plurals, case and hyphens agree.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::words::{First, Token, tokens};

/// Where a sentence can send someone without a slash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    Store,
    Cart,
    EmptyCart,
    Checkout,
    Orders,
    Quotes,
    Cards,
    WhoAmI,
    Help,
    Cancel,
    StartOver,
    Ticket,
}

/// A kind of phrase, with what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Go(Place),
    /// "our phones are down", "funktioniert nicht": a problem, so support is wanted.
    Problem,
    /// "buy", "I'd like", "ich möchte": something is wanted.
    Buy,
    /// "how much", "what is", "was kostet": a question about something.
    Question,
    /// "remove", "entfernen": a change to the cart, which the cart makes.
    Remove,
    /// "don't", "nicht", "no": nothing is to be added.
    Negation,
    Hello,
    Thanks,
    /// Words that carry nothing on their own: "please", "bot", "there".
    Filler,
}

const PHRASES: &[(Kind, &[&str])] = &[
    (
        Kind::Go(Place::Cart),
        &[
            "cart",
            "my cart",
            "basket",
            "shopping cart",
            "view cart",
            "show cart",
            "show my cart",
            "open cart",
            "open my cart",
            "what's in my cart",
            "whats in my cart",
            "what is in my cart",
            "warenkorb",
            "mein warenkorb",
            "meinen warenkorb",
            "einkaufswagen",
            "korb",
            "cart anzeigen",
            "warenkorb anzeigen",
            "was ist im warenkorb",
        ],
    ),
    (
        Kind::Go(Place::EmptyCart),
        &[
            "empty my cart",
            "clear everything",
            "remove everything from my cart",
            "alles löschen",
            "empty the cart",
            "empty cart",
            "clear my cart",
            "clear the cart",
            "clear cart",
            "remove everything",
            "delete my cart",
            "empty basket",
            "warenkorb leeren",
            "leere meinen warenkorb",
            "leere den warenkorb",
            "warenkorb löschen",
            "warenkorb leer machen",
        ],
    ),
    (
        Kind::Go(Place::Checkout),
        &[
            "checkout",
            "check out",
            "pay now",
            "place the order",
            "place my order",
            "place order",
            "finish order",
            "finish the order",
            "finish checkout",
            "complete checkout",
            "complete order",
            "proceed to checkout",
            "go to checkout",
            "complete my order",
            "complete the order",
            "finish my order",
            "pay",
            "let's pay",
            "complete purchase",
            "complete the purchase",
            "ready to pay",
            "pay for my cart",
            "zur kasse",
            "kasse",
            "bezahlen",
            "jetzt bezahlen",
            "bestellung abschließen",
            "bestellung abschliessen",
            "bestellung aufgeben",
            "zahlen",
            "auschecken",
        ],
    ),
    (
        Kind::Go(Place::Orders),
        &[
            "orders",
            "my orders",
            "order history",
            "past orders",
            "previous orders",
            "order status",
            "where is my order",
            "wheres my order",
            "where's my order",
            "my order",
            "my last order",
            "status of my order",
            "my purchases",
            "purchase history",
            "show my orders",
            "list my orders",
            "recent orders",
            "bestellungen",
            "meine bestellungen",
            "bestellverlauf",
            "bestellstatus",
            "wo ist meine bestellung",
            "meine käufe",
        ],
    ),
    (
        Kind::Go(Place::Quotes),
        &[
            "quotes",
            "my quotes",
            "saved quotes",
            "quotations",
            "my quotations",
            "show my quotes",
            "angebote",
            "meine angebote",
            "gespeicherte angebote",
        ],
    ),
    (
        Kind::Go(Place::Cards),
        &[
            "cards",
            "my cards",
            "saved cards",
            "payment methods",
            "my payment methods",
            "credit cards",
            "my credit cards",
            "stored cards",
            "karten",
            "meine karten",
            "gespeicherte karten",
            "zahlungsmethoden",
            "kreditkarten",
            "meine kreditkarten",
        ],
    ),
    (
        Kind::Go(Place::WhoAmI),
        &[
            "whoami",
            "which org",
            "which organization",
            "my organizations",
            "my orgs",
            "welche organisation",
            "sign in",
            "log in",
            "login",
            "signin",
            "anmelden",
            "einloggen",
            "who am i",
            "which account",
            "what account",
            "my account",
            "am i signed in",
            "am i logged in",
            "wer bin ich",
            "mein konto",
            "welches konto",
            "bin ich angemeldet",
        ],
    ),
    (
        Kind::Go(Place::Help),
        &[
            "help",
            "what can you do",
            "what do you do",
            "how does this work",
            "how does it work",
            "how do i use this",
            "how do i use you",
            "commands",
            "what are the commands",
            "show commands",
            "what can i do",
            "what can i type",
            "what can i say",
            "hilfe",
            "was kannst du",
            "was kannst du tun",
            "wie funktioniert das",
            "wie geht das",
            "befehle",
            "hilf mir",
        ],
    ),
    (
        Kind::Go(Place::Cancel),
        &[
            "cancel",
            "stop",
            "never mind",
            "nevermind",
            "nvm",
            "forget it",
            "quit",
            "exit",
            "abbrechen",
            "stopp",
            "vergiss es",
            "abbruch",
            "lass es",
            "beenden",
        ],
    ),
    (
        Kind::Go(Place::StartOver),
        &[
            "start over",
            "start again",
            "restart",
            "reset",
            "begin again",
            "from scratch",
            "start from scratch",
            "start from the beginning",
            "von vorne",
            "von vorn",
            "neu anfangen",
            "neu starten",
            "nochmal von vorne",
            "zurücksetzen",
        ],
    ),
    (
        Kind::Go(Place::Store),
        &[
            "shop",
            "store",
            "browse",
            "catalog",
            "catalogue",
            "products",
            "what do you sell",
            "what can i buy",
            "what do you have",
            "open the store",
            "open the shop",
            "show products",
            "show me the products",
            "show me the store",
            "katalog",
            "produkte",
            "was verkaufst du",
            "was gibt es",
            "einkaufen",
            "zum shop",
            "laden",
        ],
    ),
    (
        Kind::Go(Place::Ticket),
        &[
            "ticket",
            "open a ticket",
            "support ticket",
            "file a ticket",
            "raise a ticket",
            "create a ticket",
            "contact support",
            "reach support",
            "talk to support",
            "speak to support",
            "call support",
            "talk to someone",
            "speak to someone",
            "talk to a human",
            "speak to a human",
            "real person",
            "help desk",
            "helpdesk",
            "support case",
            "open a case",
            "get support",
            "get help",
            "need help",
            "need support",
            "ticket eröffnen",
            "ticket aufmachen",
            "ticket erstellen",
            "support kontaktieren",
            "support erreichen",
            "mit dem support",
            "den support",
            "hilfe bekommen",
            "brauche hilfe",
        ],
    ),
    (
        Kind::Problem,
        &[
            "is down",
            "are down",
            "went down",
            "not working",
            "isn't working",
            "isnt working",
            "aren't working",
            "arent working",
            "doesn't work",
            "doesnt work",
            "don't work",
            "dont work",
            "stopped working",
            "broken",
            "outage",
            "problem",
            "problems",
            "issue with",
            "an issue",
            "trouble",
            "error",
            "can't call",
            "cannot call",
            "no dial tone",
            "geht nicht",
            "gehen nicht",
            "funktioniert nicht",
            "funktionieren nicht",
            "störung",
            "ausgefallen",
            "kaputt",
            "fehler",
            "problem mit",
        ],
    ),
    (
        Kind::Buy,
        &[
            "buy",
            "purchase",
            "order",
            "add",
            "get",
            "need",
            "want",
            "wanna",
            "like",
            "take",
            "grab",
            "have",
            "put",
            "pick up",
            "reorder",
            "kaufen",
            "kaufe",
            "bestellen",
            "bestelle",
            "hinzufügen",
            "füge",
            "möchte",
            "moechte",
            "brauche",
            "benötige",
            "hätte",
            "nehme",
            "nehmen",
            "will",
            "hol",
            "hole",
        ],
    ),
    (
        Kind::Question,
        &[
            "how much",
            "see",
            "look at",
            "show me",
            "view",
            "browse",
            "zeig",
            "zeige",
            "zeig mir",
            "how expensive",
            "price",
            "prices",
            "cost",
            "costs",
            "what is",
            "what's",
            "whats",
            "what are",
            "tell me about",
            "info",
            "information",
            "details",
            "describe",
            "explain",
            "what does",
            "do you have",
            "do you sell",
            "habt ihr",
            "gibt es",
            "is there",
            "was kostet",
            "was kosten",
            "wie viel",
            "wieviel",
            "preis",
            "was ist",
            "was sind",
            "erzähl mir",
            "infos",
            "kosten",
        ],
    ),
    (
        Kind::Remove,
        &[
            "remove",
            "delete",
            "take out",
            "take off",
            "get rid of",
            "entferne",
            "entfernen",
            "lösche",
            "löschen",
        ],
    ),
    (
        Kind::Negation,
        &[
            "don't", "dont", "do not", "not", "no", "never", "nicht", "kein", "keine", "keinen",
            "nein", "without", "ohne", "won't", "wont",
        ],
    ),
    (
        Kind::Hello,
        &[
            "hi",
            "hello",
            "hey",
            "hiya",
            "yo",
            "howdy",
            "good morning",
            "good afternoon",
            "good evening",
            "morning",
            "hallo",
            "moin",
            "servus",
            "guten tag",
            "guten morgen",
            "guten abend",
            "grüß gott",
            "hi there",
            "hello there",
            "hey there",
            "greetings",
        ],
    ),
    (
        Kind::Thanks,
        &[
            "thanks",
            "thank you",
            "thx",
            "thank u",
            "tnx",
            "bye",
            "goodbye",
            "ciao",
            "tschüss",
            "tschüs",
            "auf wiedersehen",
            "ty",
            "cheers",
            "thanks a lot",
            "many thanks",
            "great",
            "awesome",
            "perfect",
            "danke",
            "vielen dank",
            "danke schön",
            "dankeschön",
            "super",
            "prima",
            "ok",
            "okay",
            "cool",
            "nice",
            "mate",
            "buddy",
        ],
    ),
    (
        Kind::Filler,
        &[
            "please", "bitte", "bot", "there", "i", "we", "me", "us", "you", "to", "the", "a",
            "an", "some", "of", "for", "my", "our", "can", "could", "would", "i'd", "id", "i'm",
            "im", "let's", "lets", "so", "just", "also", "too", "again", "more", "another", "few",
            "ich", "wir", "mir", "uns", "du", "sie", "gerne", "gern", "mal", "noch", "einige",
            "all", "very", "much", "so much", "lot", "and", "und", "it", "is", "are", "be", "do",
            "hier", "here", "now", "jetzt", "doch", "vielen", "dank", "you're", "your", "dir",
        ],
    ),
];

/// The phrases, indexed by their first word.
pub(crate) struct Phrases {
    by_first: HashMap<String, Vec<(Vec<String>, Kind)>>,
    /// Every word any phrase holds: such words are never taken for mistyped product words.
    words: HashSet<String>,
}

pub(crate) static PHRASES_READ: LazyLock<Phrases> = LazyLock::new(|| {
    let mut by_first: HashMap<String, Vec<(Vec<String>, Kind)>> = HashMap::new();
    let mut words = HashSet::new();
    for (kind, list) in PHRASES {
        for phrase in *list {
            let read: Vec<String> = tokens(phrase, First::English)
                .iter()
                .map(Token::phrase_word)
                .collect();
            let Some(first) = read.first().cloned() else {
                continue;
            };
            words.extend(read.iter().cloned());
            by_first.entry(first).or_default().push((read, *kind));
        }
    }
    // Longest first, so that "empty my cart" is read before "cart".
    for list in by_first.values_mut() {
        list.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    }
    Phrases { by_first, words }
});

/// A phrase found in a sentence: what it means and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

impl Phrases {
    /// Every phrase in `keys` (the sentence's tokens as words), longest at each place.
    /// A phrase is found at most once per kind and place; shorter ones inside a longer
    /// phrase of another kind still count ("not working" is a problem and a negation).
    pub(crate) fn find(&self, keys: &[String]) -> Vec<Found> {
        let mut found = Vec::new();
        for start in 0..keys.len() {
            let Some(list) = self.by_first.get(&keys[start]) else {
                continue;
            };
            let mut kinds_here = Vec::new();
            for (phrase, kind) in list {
                if keys[start..].starts_with(phrase) && !kinds_here.contains(kind) {
                    kinds_here.push(*kind);
                    found.push(Found {
                        kind: *kind,
                        start,
                        len: phrase.len(),
                    });
                }
            }
        }
        found
    }

    pub(crate) fn holds(&self, word: &str) -> bool {
        self.words.contains(word)
    }

    /// The phrase word a mistyped `word` is one edit from, when exactly one is.
    pub(crate) fn correct(&self, word: &str) -> Option<&str> {
        if word.chars().count() < 5 || word.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut close = self.words.iter().filter(|known| {
            known.chars().count().abs_diff(word.chars().count()) <= 1
                && known.chars().count() >= 4
                && strsim::damerau_levenshtein(word, known) <= 1
        });
        match (close.next(), close.next()) {
            (Some(one), None) => Some(one.as_str()),
            _ => None,
        }
    }
}
