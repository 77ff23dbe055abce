//! A sentence as tokens: lower case, without emoji or punctuation, numbers read from
//! digits and from words in English and German, and the words that mean the same thing
//! in either language brought to one form, so that "Telefone", "phones" and "phone"
//! compare equal. Catalog names go through the same reading, so both sides agree.

use text2num::{Language, text2digits};

/// One token of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A word in its one form ("phone", "hour", "license").
    Word(String),
    /// A whole number, from digits or words ("20", "twenty", "zwanzig", "3x").
    Number(u64),
    /// "a", "an", "ein", "eine": one, where it stands right before what is wanted.
    Article,
    /// A number that cannot be a quantity ("-3", "1.5", "5e30", "10,5"), as typed.
    BadNumber(String),
    /// "and", "und", "plus", "&", ";": between two things wanted.
    Sep,
}

impl Token {
    /// The token as the phrases are written: "a" for an article, "and" between things,
    /// an impossible number as typed, a number by its digits.
    pub(crate) fn phrase_word(&self) -> String {
        match self {
            Token::Article => "a".to_string(),
            Token::Sep => "and".to_string(),
            Token::BadNumber(b) => b.clone(),
            other => other.key().unwrap_or_default(),
        }
    }

    /// The token as a catalog name would hold it: a number compares by its digits.
    pub(crate) fn key(&self) -> Option<String> {
        match self {
            Token::Word(w) => Some(w.clone()),
            Token::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// Which language's number words are tried first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum First {
    English,
    German,
}

impl First {
    pub(crate) fn of(locale: &str) -> First {
        if locale.starts_with("de") {
            First::German
        } else {
            First::English
        }
    }
}

/// The tokens of `text`.
pub(crate) fn tokens(text: &str, first: First) -> Vec<Token> {
    let mut raw: Vec<String> = Vec::new();
    for piece in text.split_whitespace() {
        split_piece(&piece.to_lowercase(), &mut raw);
    }
    let mut out: Vec<Token> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let (mut token, mut used) = read(&raw, i, first);
        // "two dozen": twenty-four.
        if let Token::Number(n) = token
            && raw
                .get(i + used)
                .is_some_and(|w| w == "dozen" || w == "dutzend")
        {
            token = Token::Number(n.saturating_mul(12));
            used += 1;
        }
        out.push(token);
        i += used;
    }
    out
}

/// Splits one whitespace-separated piece into words and marks: "after-hours" is two
/// words, "p330," is a word then nothing (a comma separates nothing: product names
/// carry commas), "&" and ";" separate, "-3" and "1.5" stay whole to be refused.
fn split_piece(piece: &str, out: &mut Vec<String>) {
    let piece = piece.replace(['’', '`'], "'");
    let trimmed =
        piece.trim_matches(|c: char| !(c.is_alphanumeric() || c == '-' || c == '+' || c == '&'));
    let trimmed = trimmed.trim_end_matches(['-', '.']);
    if trimmed.is_empty() {
        if piece.contains(';') {
            out.push(";".into());
        }
        return;
    }
    if is_bad_number(trimmed) {
        out.push(trimmed.to_string());
        return;
    }
    // "P-330", "DB-20": a model number written with a dash is the model number.
    let joined;
    let trimmed = match trimmed.split_once('-') {
        Some((head, tail))
            if (1..=3).contains(&head.len())
                && head.chars().all(|c| c.is_ascii_alphabetic())
                && tail.starts_with(|c: char| c.is_ascii_digit())
                && tail.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            joined = format!("{head}{tail}");
            joined.as_str()
        }
        _ => trimmed,
    };
    for part in trimmed.split(['-', '/', '_']) {
        let part: String = part
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '\'' | '&' | '+' | '×'))
            .collect();
        if part.is_empty() {
            continue;
        }
        // "5h", "10hrs", "3stk": the number, then its unit.
        let digits_end = part
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(part.len());
        let unit = &part[digits_end..];
        if digits_end > 0 && matches!(unit, "h" | "hr" | "hrs" | "std" | "pcs" | "stk") {
            out.push(part[..digits_end].to_string());
            out.push(unit.to_string());
        } else {
            out.push(part);
        }
    }
    if piece.ends_with(';') {
        out.push(";".into());
    }
}

/// "-3", "1.5", "10,5", "5e30", "1e3": numbers that no quantity can be.
fn is_bad_number(s: &str) -> bool {
    let s = s.trim_end_matches(['x', '×']);
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let negative = s.starts_with('-');
    let decimal = body.contains(['.', ','])
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
    let exponent = body.split_once(['e', 'E']).is_some_and(|(m, e)| {
        !m.is_empty()
            && m.chars().all(|c| c.is_ascii_digit() || c == '.')
            && !e.is_empty()
            && e.trim_start_matches(['+', '-'])
                .chars()
                .all(|c| c.is_ascii_digit())
    });
    let digits = body.chars().all(|c| c.is_ascii_digit());
    // "5x5": a product of numbers, not one.
    let times = body.split_once(['x', '×', '*']).is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.chars().all(|c| c.is_ascii_digit())
            && b.chars().all(|c| c.is_ascii_digit())
    });
    if times {
        return true;
    }
    exponent || (negative && (digits || decimal)) || (decimal && !thousands(body))
}

/// "1,000": a thousands separator, not a decimal comma.
fn thousands(s: &str) -> bool {
    let mut groups = s.split(',');
    let head = groups.next().unwrap_or_default();
    !head.is_empty()
        && head.len() <= 3
        && s.contains(',')
        && !s.contains('.')
        && groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
}

/// Reads one token at `raw[i]`, with how many raw pieces it used.
fn read(raw: &[String], i: usize, first: First) -> (Token, usize) {
    let w = raw[i].as_str();
    if matches!(
        w,
        "and" | "und" | "plus" | "&" | ";" | "+" | "sowie" | "also"
    ) {
        return (Token::Sep, 1);
    }
    if is_bad_number(w) {
        return (Token::BadNumber(w.to_string()), 1);
    }
    if let Some(n) = digits(w) {
        return (n, 1);
    }
    if matches!(w, "a" | "an" | "ein" | "eine" | "einen" | "einem") {
        // "a dozen", "a couple of", "a pair of"
        match raw.get(i + 1).map(String::as_str) {
            Some("dozen" | "dutzend") => return (Token::Number(12), 2),
            Some("couple" | "pair" | "paar") => {
                let of = raw.get(i + 2).is_some_and(|w| w == "of");
                return (Token::Number(2), if of { 3 } else { 2 });
            }
            _ => return (Token::Article, 1),
        }
    }
    if matches!(w, "dozen" | "dutzend") {
        return (Token::Number(12), 1);
    }
    if let Some((n, used)) = number_words(raw, i, first) {
        return (n, used);
    }
    (Token::Word(one_form(w)), 1)
}

/// "20", "3x", "x3", "×3", "1,000": a whole number; more than nine digits cannot be a
/// quantity and is kept to be refused.
fn digits(w: &str) -> Option<Token> {
    let core = w
        .strip_suffix(['x', '×'])
        .or_else(|| w.strip_prefix(['x', '×']))
        .unwrap_or(w);
    let core = if thousands(core) {
        core.replace(',', "")
    } else {
        core.to_string()
    };
    if core.is_empty() || !core.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if core.len() > 9 {
        return Some(Token::BadNumber(w.to_string()));
    }
    core.parse().ok().map(Token::Number)
}

/// Number words, as many pieces as read as one number: "twenty five", "zwanzig",
/// "one hundred". Tried in the locale's language first, then the other.
fn number_words(raw: &[String], i: usize, first: First) -> Option<(Token, usize)> {
    if !might_be_number_word(&raw[i]) {
        return None;
    }
    let languages = match first {
        First::English => [Language::english(), Language::german()],
        First::German => [Language::german(), Language::english()],
    };
    let longest = (1..=4.min(raw.len() - i)).rev();
    for used in longest {
        let phrase = raw[i..i + used].join(" ");
        for lang in &languages {
            if let Ok(d) = text2digits(&phrase, lang)
                && let Ok(n) = d.parse::<u64>()
            {
                return Some((Token::Number(n), used));
            }
        }
    }
    None
}

/// A cheap look at whether a word can start a number, so that most words never reach
/// the number readers.
fn might_be_number_word(w: &str) -> bool {
    const STARTS: &[&str] = &[
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "eins",
        "zwei",
        "zwo",
        "drei",
        "vier",
        "fünf",
        "fuenf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "zehn",
        "elf",
        "zwölf",
        "zwoelf",
        "zwanzig",
        "dreißig",
        "dreissig",
        "vierzig",
        "fünfzig",
        "sechzig",
        "siebzig",
        "achtzig",
        "neunzig",
        "hundert",
        "tausend",
        "einund",
        "einhundert",
        "eintausend",
    ];
    STARTS.iter().any(|s| w.starts_with(s))
}

/// The one form of a word: the same word in German and English, and in the singular.
pub(crate) fn one_form(w: &str) -> String {
    let w = w.trim_matches('\'');
    let same = match w {
        "telefon" | "telefone" | "telefonen" | "phones" | "fon" => "phone",
        // "hourly support" is support by the hour: "5 hours of support" names it too.
        "stunde" | "stunden" | "std" | "hrs" | "hr" | "h" | "hours" | "hourly" | "stündlich" => {
            "hour"
        }
        "lizenz" | "lizenzen" | "licence" | "licences" | "licenses" | "lic" => "license",
        "guthaben" | "credits" | "kredit" | "kredite" | "credit" => "credit",
        "mobilteil" | "mobilteile" | "handsets" | "hörer" => "handset",
        "plans" | "pläne" | "plaene" | "plan" => "plan",
        "vorfall" | "vorfälle" | "vorfaelle" | "incidents" => "incident",
        "notfall" | "notfälle" => "emergency",
        "jahr" | "jahre" | "jahren" | "yr" | "yrs" | "years" => "year",
        "modul" | "module" | "modules" => "module",
        "benutzer" | "nutzer" | "users" => "user",
        "basisstation" | "basisstationen" => "base",
        "stück" | "stk" | "pcs" | "pieces" | "piece" | "units" => "unit",
        "tickets" => "ticket",
        "pls" | "plz" | "pleas" | "plese" => "please",
        // Kept plural: "my orders" goes somewhere, "order 3 phones" buys.
        "orders" | "quotes" | "cards" => w,
        _ => "",
    };
    if !same.is_empty() {
        return same.to_string();
    }
    singular(w)
}

/// "phones" → "phone", "p310s" → "p310"; "plus", "class", "pbxact" stay.
fn singular(w: &str) -> String {
    let has_digit = w.chars().any(|c| c.is_ascii_digit());
    if has_digit && w.len() > 3 && w.ends_with('s') && w.starts_with(|c: char| c.is_alphabetic()) {
        return w[..w.len() - 1].to_string();
    }
    if w.chars().count() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && !w.contains('\'')
        && !has_digit
    {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<Token> {
        tokens(s, First::English)
    }
    fn w(s: &str) -> Token {
        Token::Word(s.into())
    }

    #[test]
    fn numbers_come_from_digits_and_words_in_both_languages() {
        assert_eq!(
            t("buy 20 credits"),
            vec![w("buy"), Token::Number(20), w("credit")]
        );
        assert_eq!(t("twenty five"), vec![Token::Number(25)]);
        assert_eq!(
            tokens("zwanzig Telefone", First::German),
            vec![Token::Number(20), w("phone")]
        );
        assert_eq!(t("zwei"), vec![Token::Number(2)]);
        assert_eq!(t("3x p330"), vec![Token::Number(3), w("p330")]);
        assert_eq!(t("x15"), vec![Token::Number(15)]);
        assert_eq!(t("×3"), vec![Token::Number(3)]);
        assert_eq!(t("a dozen"), vec![Token::Number(12)]);
        assert_eq!(t("a couple of phones"), vec![Token::Number(2), w("phone")]);
        assert_eq!(t("a phone"), vec![Token::Article, w("phone")]);
        assert_eq!(t("1,000"), vec![Token::Number(1000)]);
        assert_eq!(t("5h"), vec![Token::Number(5), w("hour")]);
        assert_eq!(t("P-330"), vec![w("p330")]);
        assert_eq!(t("after-hours"), vec![w("after"), w("hour")]);
    }

    #[test]
    fn impossible_numbers_are_kept_to_be_refused() {
        for bad in ["-3", "1.5", "10,5", "5e30", "1e3", "12345678901"] {
            assert_eq!(t(bad), vec![Token::BadNumber(bad.into())], "{bad}");
        }
    }

    #[test]
    fn words_take_one_form_and_marks_go() {
        assert_eq!(
            t("After-Hours support, pls!! 🙏"),
            vec![w("after"), w("hour"), w("support"), w("please")]
        );
        assert_eq!(
            t("Support-Credits und Lizenzen"),
            vec![w("support"), w("credit"), Token::Sep, w("license")]
        );
        assert_eq!(t("what's"), vec![w("what's")]);
    }
}
