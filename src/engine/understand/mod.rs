//! Understanding a typed sentence: what a person asks for, in their own words, in English
//! or German. Platform-free, in-process and deterministic: the same sentence and catalog
//! always give the same `Meaning`, and tests can say why.
//!
//! Precision before recall. A product is only proposed when the sentence names it; where
//! several fit, the person is asked; where a word refuses ("don't"), nothing is proposed;
//! nothing is added without a confirmation. The step that receives the `Meaning` decides
//! what to show (`steps::understood`).

pub(crate) mod lexicon;
mod mentions;
pub(crate) mod phrases;
pub(crate) mod words;

use std::sync::LazyLock;

use regex::Regex;

pub use lexicon::{Lexicon, What};
pub use phrases::Place;
use phrases::{Found, Kind, PHRASES_READ};
use words::{First, Token};

/// One thing wanted: how many, and which products could be meant. One product when the
/// sentence named it; several when the person must choose; a category or family when
/// there are too many to ask about and its page should open instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub(crate) qty: Option<u32>,
    pub(crate) what: Vec<What>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meaning {
    /// Nothing understood.
    Unknown,
    /// Items to add, after a confirmation; `for_whom` is an organization or deployment
    /// the sentence names ("for Acme", "for deployment 104521"), as typed.
    Add {
        lines: Vec<Wanted>,
        for_whom: Option<String>,
    },
    /// A quantity no product can have ("-3", "1.5", "5e30"), as typed.
    Impossible(String),
    /// Something is to be bought, with a quantity, but nothing sold has that name
    /// ("buy 2 flux capacitors"): the name as typed.
    NotSold(String),
    /// "I don't want phones": nothing is proposed.
    Declined,
    Go(Place),
    /// A question about a product, family or category: its page, with a quantity where
    /// one was said.
    Show {
        what: What,
        qty: Option<u32>,
    },
    /// An order or quote by its number.
    Order(String),
    Hello,
    Thanks,
}

/// "CB-100001", "cb100001", "#CB-100001".
static ORDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bcb-?(\d{6,9})\b").unwrap_or_else(|e| panic!("{e}")));

/// What follows the quantity: "2 flux capacitors" → "flux capacitors".
static AFTER_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d+\s*[x×]?\s+(?:x\s+)?(\p{L}[^.!?]*)").unwrap_or_else(|e| panic!("{e}"))
});

/// "for Acme", "for deployment 104521", "für die Bereitstellung Main Office PBX".
static FOR_WHOM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|\s)(?:for|für)\s+(?:(?:the|our|my|unsere?[mnr]?|meine?[mnr]?|die|der|das|den)\s+)?(?:(?P<kind>deployment|deployments|bereitstellung|org|organi[sz]ation|team|company|firma|account|konto)\s+)?(?P<name>[^,;.!?]+?)\s*(?:$|[,;.!?]|\s(?:and|und|pls|please|bitte|thanks|thx|danke)\b)")
        .unwrap_or_else(|e| panic!("{e}"))
});

/// Words after "for" that name no organization: "for me", "for now".
const NOT_WHOM: &[&str] = &[
    "me",
    "team",
    "company",
    "office",
    "department",
    "business",
    "work",
    "firma",
    "büro",
    "us",
    "myself",
    "ourselves",
    "mich",
    "uns",
    "now",
    "today",
    "tomorrow",
    "later",
    "jetzt",
    "heute",
    "morgen",
    "you",
    "dich",
    "it",
    "this",
    "that",
    "them",
    "everyone",
];

/// First words after "for" that say when, not whom: "for next quarter".
const WHEN: &[&str] = &[
    "next",
    "this",
    "last",
    "the",
    "a",
    "an",
    "one",
    "q1",
    "q2",
    "q3",
    "q4",
    "quarter",
    "month",
    "year",
    "week",
    "nächste",
    "nächsten",
    "nächstes",
    "dieses",
    "diesen",
    "diese",
    "ein",
    "eine",
];

/// What `text` asks for, read against `lex` with `locale`'s number words first.
pub fn understand(text: &str, lex: &Lexicon, locale: &str) -> Meaning {
    if let Some(c) = ORDER.captures(text) {
        return Meaning::Order(format!("CB-{}", &c[1]));
    }
    let first = First::of(locale);
    let (text, for_whom) = for_whom(text, lex, first);
    let tokens = words::tokens(&text, first);
    if tokens.is_empty() {
        return Meaning::Unknown;
    }
    let keys = keys(&tokens, lex);
    let found = PHRASES_READ.find(&keys);
    let has = |k: Kind| found.iter().any(|f| f.kind == k);
    // "saved credit cards" names a place, not support credits.
    let wanted: Vec<_> = mentions::find(&tokens, lex)
        .into_iter()
        .filter(|m| {
            !found.iter().any(|f| {
                matches!(f.kind, Kind::Go(_))
                    && f.len >= 2
                    && f.start <= m.start
                    && m.end < f.start + f.len
            })
        })
        .collect();
    let counted = wanted.iter().any(|m| m.qty.is_some());

    // "need support" asks for support; "need support credits" does not.
    let asks_support = found.iter().any(|f| {
        (f.kind == Kind::Go(Place::Ticket) || f.kind == Kind::Problem)
            && !wanted
                .iter()
                .any(|m| f.start <= m.end && m.start < f.start + f.len)
    });
    if asks_support && !(counted && has(Kind::Buy)) {
        return Meaning::Go(Place::Ticket);
    }
    if !wanted.is_empty() && has(Kind::Remove) {
        return Meaning::Go(Place::Cart);
    }
    // "I don't want phones" proposes nothing; "3 P330 but not the P310" leaves the
    // P310 out.
    let negation_before = |m: &mentions::Mention, within: usize| {
        found.iter().any(|f| {
            f.kind == Kind::Negation && f.start < m.start && m.start - (f.start + f.len) < within
        })
    };
    if wanted
        .first()
        .is_some_and(|m| negation_before(m, usize::MAX))
    {
        return Meaning::Declined;
    }
    let wanted: Vec<_> = wanted
        .into_iter()
        .filter(|m| !negation_before(m, 3))
        .collect();
    if let Some(first_mention) = wanted.first() {
        if let Some(bad) = wanted.iter().find_map(|m| m.bad.clone()) {
            return Meaning::Impossible(bad);
        }
        if has(Kind::Question) || (!has(Kind::Buy) && !counted) {
            return Meaning::Show {
                what: first_mention.source.clone(),
                qty: first_mention.qty,
            };
        }
        return Meaning::Add {
            lines: wanted
                .into_iter()
                .map(|m| Wanted {
                    qty: m.qty,
                    what: m.what,
                })
                .collect(),
            for_whom,
        };
    }
    if let Some(place) = place(&found) {
        return Meaning::Go(place);
    }
    if let Some(bad) = tokens.iter().find_map(|t| match t {
        Token::BadNumber(b) => Some(b.clone()),
        _ => None,
    }) && has(Kind::Buy)
    {
        return Meaning::Impossible(bad);
    }
    if has(Kind::Buy)
        && !has(Kind::Negation)
        && tokens.iter().any(|t| matches!(t, Token::Number(_)))
        && let Some(c) = AFTER_NUMBER.captures(&text)
    {
        return Meaning::NotSold(c[1].trim().to_string());
    }
    if only_small_talk(&keys, &found) {
        return if has(Kind::Thanks) {
            Meaning::Thanks
        } else {
            Meaning::Hello
        };
    }
    if has(Kind::Buy) && !has(Kind::Negation) && only_shopping(&keys, &found) {
        return Meaning::Go(Place::Store);
    }
    Meaning::Unknown
}

/// Whether an overheard message asks for support ("our phones are down, how do I reach
/// support?", "Ticket eröffnen"), read without a catalog: a support or problem phrase of
/// two words or more (one word, "ticket" or "problem", is too often something else in
/// a channel's chatter), and not a purchase with a quantity ("I need 20 support credits").
pub(crate) fn asks_for_support(text: &str) -> bool {
    let tokens = words::tokens(text, First::English);
    let keys: Vec<String> = tokens.iter().map(Token::phrase_word).collect();
    let found = PHRASES_READ.find(&keys);
    let buying = found.iter().any(|f| f.kind == Kind::Buy)
        && tokens.iter().any(|t| matches!(t, Token::Number(_)));
    // "support credits" is a product, not a plea.
    let about_credits = keys
        .windows(2)
        .any(|w| w[0] == "support" && w[1] == "credit");
    let pleads = found
        .iter()
        .any(|f| matches!(f.kind, Kind::Go(Place::Ticket) | Kind::Problem) && f.len >= 2);
    pleads && !buying && !about_credits
}

/// The tokens as the words phrases are written in; a mistyped word that is no catalog
/// word reads as the phrase word it is one edit from ("chekout").
fn keys(tokens: &[Token], lex: &Lexicon) -> Vec<String> {
    tokens
        .iter()
        .map(|t| match t {
            Token::Word(w)
                if !lex.knows(w) && !PHRASES_READ.holds(w) && lex.correct(w).is_none() =>
            {
                PHRASES_READ.correct(w).unwrap_or(w).to_string()
            }
            other => other.phrase_word(),
        })
        .collect()
}

/// "i'd like to order something", "buy": wanting to shop, with nothing named.
fn only_shopping(keys: &[String], found: &[Found]) -> bool {
    const SOMETHING: &[&str] = &[
        "something",
        "stuff",
        "anything",
        "thing",
        "etwa",
        "etwas",
        "was",
    ];
    keys.iter().enumerate().all(|(i, k)| {
        SOMETHING.contains(&k.as_str())
            || found.iter().any(|f| {
                matches!(f.kind, Kind::Buy | Kind::Filler | Kind::Hello)
                    && f.start <= i
                    && i < f.start + f.len
            })
    })
}

/// The place the longest place phrase names, unless a negation stands right before it
/// ("don't cancel").
fn place(found: &[Found]) -> Option<Place> {
    found
        .iter()
        .filter_map(|f| match f.kind {
            Kind::Go(p) => Some((f, p)),
            _ => None,
        })
        .filter(|(f, _)| {
            !found
                .iter()
                .any(|n| n.kind == Kind::Negation && n.start + n.len == f.start)
        })
        .max_by_key(|(f, _)| (f.len, std::cmp::Reverse(f.start)))
        .map(|(_, p)| p)
}

/// Only greetings, thanks and words that carry nothing: "hi there 👋", "thx!".
fn only_small_talk(keys: &[String], found: &[Found]) -> bool {
    let mut covered = vec![false; keys.len()];
    let mut greeted = false;
    for f in found {
        let kind_ok = match f.kind {
            Kind::Hello | Kind::Thanks => {
                greeted = true;
                true
            }
            Kind::Filler | Kind::Negation => true,
            _ => false,
        };
        if kind_ok {
            for c in covered.iter_mut().skip(f.start).take(f.len) {
                *c = true;
            }
        }
    }
    greeted && covered.iter().all(|c| *c)
}

/// Takes "for Acme" out of `text` when what follows "for" names no product, and gives it
/// back as the organization or deployment meant.
fn for_whom(text: &str, lex: &Lexicon, first: First) -> (String, Option<String>) {
    let Some(c) = FOR_WHOM.captures(text) else {
        return (text.to_string(), None);
    };
    let (Some(all), Some(name)) = (c.get(0), c.name("name")) else {
        return (text.to_string(), None);
    };
    // "for our Acme org": the org's name is Acme.
    let named = name.as_str().trim();
    let named = named
        .rsplit_once(' ')
        .filter(|(_, last)| {
            matches!(
                last.to_lowercase().as_str(),
                "org"
                    | "organization"
                    | "organisation"
                    | "team"
                    | "company"
                    | "account"
                    | "deployment"
            )
        })
        .map_or(named, |(head, _)| head.trim());
    let said = words::tokens(named, first);
    let is_kind = c.name("kind").is_some();
    let names_product = !mentions::find(&said, lex).is_empty();
    let counted = said
        .iter()
        .any(|t| matches!(t, Token::Number(_) | Token::Article))
        && !is_kind;
    let lower = named.to_lowercase();
    let nobody = NOT_WHOM.contains(&lower.as_str())
        || lower
            .split_whitespace()
            .next()
            .is_some_and(|w| WHEN.contains(&w));
    if (names_product || counted || nobody) && !is_kind {
        return (text.to_string(), None);
    }
    let rest = format!("{} {}", &text[..all.start()], &text[name.end()..]);
    (rest, Some(named.to_string()))
}

#[cfg(test)]
mod tests;
