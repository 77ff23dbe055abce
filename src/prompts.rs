//! User-facing text, keyed and per locale, with English as the fallback.
//!
//! The texts live in `prompts/<locale>.toml` (nested tables flatten to dotted keys such
//! as `cart.title`) and are compiled into the binary, so the bot needs no files at run
//! time. Placeholders are `{name}`. A text that depends on a number is a table of plural
//! forms (`done = { one = "…", other = "…" }`), chosen by the `count` placeholder with the
//! locale's plural rules. Money and dates are written as the locale writes them
//! (`[format]`: `USD 1,250.00` in English, `1.250,00 USD` in German).

use std::collections::HashMap;
use std::fmt::Display;

use crate::domain::money::Money;
use crate::domain::order::{Decline, OrderStatus};

const EMBEDDED: &[(&str, &str)] = &[
    ("en", include_str!("../prompts/en.toml")),
    ("de", include_str!("../prompts/de.toml")),
];
const FALLBACK: &str = "en";

#[derive(Debug, Clone)]
pub struct Prompts {
    locales: HashMap<String, HashMap<String, String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("prompts/{locale}.toml: {message}")]
pub(crate) struct PromptsError {
    locale: String,
    message: String,
}

impl Prompts {
    /// The texts shipped in `prompts/`.
    pub(crate) fn embedded() -> Result<Self, PromptsError> {
        let mut locales = HashMap::new();
        for (locale, source) in EMBEDDED {
            let table: toml::Table = toml::from_str(source).map_err(|e| PromptsError {
                locale: locale.to_string(),
                message: e.to_string(),
            })?;
            let mut flat = HashMap::new();
            flatten("", &table, &mut flat);
            locales.insert(locale.to_string(), flat);
        }
        Ok(Prompts { locales })
    }

    /// The text for `key` in `locale` (a platform's tag such as `de` or `en-GB`), else in
    /// its language (`en` for `en-GB`), else English, else the key itself (which a test
    /// rules out for every key the code uses).
    pub fn get<'a>(&'a self, locale: &str, key: &'a str) -> &'a str {
        let lookup = |l: &str| self.locales.get(l).and_then(|m| m.get(key));
        let language = locale.split(['-', '_']).next().unwrap_or(locale);
        match lookup(locale)
            .or_else(|| lookup(language))
            .or_else(|| lookup(FALLBACK))
        {
            Some(text) => text,
            None => {
                tracing::warn!(key, "missing prompt");
                key
            }
        }
    }

    pub(crate) fn lang<'a>(&'a self, locale: &'a str) -> Lang<'a> {
        Lang {
            prompts: self,
            locale,
        }
    }

    /// The shipped locale a browser asks for in its `Accept-Language` header (tags in
    /// order of their `q` weight; a regional tag matches its language), else `default`.
    pub(crate) fn negotiate(&self, accept_language: &str, default: &str) -> String {
        let mut asked: Vec<(f32, usize, &str)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (!tag.is_empty() && q > 0.0).then_some((q, i, tag))
            })
            .collect();
        asked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        asked
            .into_iter()
            .find_map(|(_, _, tag)| {
                let tag = tag.to_ascii_lowercase();
                let language = tag.split(['-', '_']).next().unwrap_or(&tag).to_string();
                [tag, language]
                    .into_iter()
                    .find(|t| self.locales.contains_key(t))
            })
            .unwrap_or_else(|| default.to_string())
    }

    /// The locales shipped, English first.
    pub(crate) fn locales(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.locales.keys().map(String::as_str).collect();
        all.sort_by_key(|l| (*l != FALLBACK, *l));
        all
    }

    /// Whether `locale` has its own text for `key`, not a fallback's.
    pub(crate) fn has(&self, locale: &str, key: &str) -> bool {
        self.locales
            .get(locale)
            .is_some_and(|m| m.contains_key(key))
    }

    #[cfg(test)]
    pub(crate) fn keys(&self, locale: &str) -> Vec<&str> {
        self.locales
            .get(locale)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

/// A value put into a text, written as the locale writes it.
pub(crate) trait Arg {
    fn show(&self, lang: &Lang<'_>) -> String;
}

impl<T: Display + ?Sized> Arg for T {
    fn show(&self, _: &Lang<'_>) -> String {
        self.to_string()
    }
}

impl Arg for Money {
    fn show(&self, lang: &Lang<'_>) -> String {
        lang.money(self)
    }
}

/// The prompts of one locale: what the engine renders with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lang<'a> {
    prompts: &'a Prompts,
    locale: &'a str,
}

impl<'a> Lang<'a> {
    /// The locale these prompts are in ("en", "de").
    pub(crate) fn locale(&self) -> &'a str {
        self.locale
    }

    /// A text with no placeholders.
    pub(crate) fn t(&self, key: &'a str) -> String {
        self.prompts.get(self.locale, key).to_string()
    }

    /// A text whose key is made at run time, if the locale (or English) has it.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        let lookup = |l: &str| self.prompts.locales.get(l).and_then(|m| m.get(key));
        let language = self.locale.split(['-', '_']).next().unwrap_or(self.locale);
        lookup(self.locale)
            .or_else(|| lookup(language))
            .or_else(|| lookup(FALLBACK))
            .cloned()
    }

    /// A text with its `{name}` placeholders filled; a plural text in the form its
    /// `count` asks for.
    pub(crate) fn f(&self, key: &'a str, args: &[(&str, &dyn Arg)]) -> String {
        let count = args
            .iter()
            .find(|(name, _)| *name == "count")
            .and_then(|(_, v)| v.show(self).parse::<u64>().ok());
        let text = match count.and_then(|n| self.plural(key, n)) {
            Some(form) => form,
            None => self.t(key),
        };
        let shown: Vec<(&str, String)> = args.iter().map(|(n, v)| (*n, v.show(self))).collect();
        let shown: Vec<(&str, &str)> = shown.iter().map(|(n, v)| (*n, v.as_str())).collect();
        fill(&text, &shown)
    }

    /// The plural form of `key` for `n`, where the text is a table of forms.
    fn plural(&self, key: &str, n: u64) -> Option<String> {
        let language = self.language();
        let category = unic_langid::LanguageIdentifier::from_bytes(language.as_bytes())
            .ok()
            .and_then(|id| {
                intl_pluralrules::PluralRules::create(
                    id,
                    intl_pluralrules::PluralRuleType::CARDINAL,
                )
                .ok()
            })
            .and_then(|rules| rules.select(n).ok())
            .map_or("other", category_name);
        self.text(&format!("{key}.{category}"))
            .or_else(|| self.text(&format!("{key}.other")))
    }

    /// The language of this locale (`de` for `de-AT`), if shipped, else English.
    fn language(&self) -> &str {
        let language = self.locale.split(['-', '_']).next().unwrap_or(self.locale);
        if self.prompts.locales.contains_key(language) {
            language
        } else {
            FALLBACK
        }
    }

    /// `amount` as this locale writes money: grouping, decimal mark and where the
    /// currency code goes.
    pub(crate) fn money(&self, amount: &Money) -> String {
        let digits = amount.written(&self.t("format.group"), &self.t("format.decimal"));
        self.t("format.money")
            .replace("{currency}", amount.currency.code())
            .replace("{amount}", &digits)
    }

    /// A day (unix milliseconds, UTC) as this locale writes dates.
    pub(crate) fn date(&self, ms: i64) -> String {
        self.at(ms, "format.date")
    }

    /// A moment (unix milliseconds, UTC) as this locale writes date and time.
    pub(crate) fn date_time(&self, ms: i64) -> String {
        self.at(ms, "format.date_time")
    }

    fn at(&self, ms: i64, key: &'a str) -> String {
        let at = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let pattern = self.t(key);
        time::format_description::parse_borrowed::<2>(&pattern)
            .ok()
            .and_then(|f| at.format(&f).ok())
            .unwrap_or_else(|| at.date().to_string())
    }

    /// A country's name, by its ISO code (`[country]`), else the code itself.
    pub(crate) fn country(&self, code: &str) -> String {
        self.text(&format!("country.{code}"))
            .unwrap_or_else(|| code.to_string())
    }

    /// An order's status, in words.
    pub(crate) fn status(&self, status: OrderStatus) -> String {
        self.t(match status {
            OrderStatus::Quote => "status.quote",
            OrderStatus::AwaitingPayment => "status.awaiting_payment",
            OrderStatus::Paid => "status.paid",
            OrderStatus::PaymentFailed => "status.payment_failed",
            OrderStatus::AwaitingApproval => "status.awaiting_approval",
            OrderStatus::Rejected => "status.rejected",
            OrderStatus::Expired => "status.expired",
            OrderStatus::Refunded => "status.refunded",
            OrderStatus::AwaitingAuthentication => "status.awaiting_authentication",
            OrderStatus::PaymentProcessing => "status.payment_processing",
        })
    }

    /// Why a payment failed, in words for the buyer.
    pub(crate) fn decline(&self, why: &Decline) -> String {
        match why {
            Decline::Issuer(reason) => reason.clone(),
            Decline::CardGone => self.t("payment.reason_card_gone"),
            Decline::Unavailable => self.t("payment.reason_unavailable"),
            Decline::Earlier => self.t("payment.reason_earlier"),
        }
    }
}

fn category_name(c: intl_pluralrules::PluralCategory) -> &'static str {
    use intl_pluralrules::PluralCategory::*;
    match c {
        ZERO => "zero",
        ONE => "one",
        TWO => "two",
        FEW => "few",
        MANY => "many",
        OTHER => "other",
    }
}

/// `template` with each `{name}` replaced by its value, in order. `Lang::f` fills its
/// texts with it; a text read ahead can be filled later, where nothing may wait (inside
/// a transaction).
pub(crate) fn fill(template: &str, args: &[(&str, &str)]) -> String {
    args.iter().fold(template.to_string(), |t, (name, value)| {
        t.replace(&format!("{{{name}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regional_tag_reads_its_language() {
        let mut p = Prompts::embedded().unwrap();
        let mut de = HashMap::new();
        de.insert("cart.title".to_string(), "Warenkorb".to_string());
        p.locales.insert("de".into(), de);
        assert_eq!(p.get("de-AT", "cart.title"), "Warenkorb");
        assert_eq!(p.get("de", "cart.title"), "Warenkorb");
        assert_eq!(p.get("en-GB", "cart.title"), p.get("en", "cart.title"));
        assert_ne!(p.get("fr", "cart.title"), "Warenkorb");
        assert_eq!(p.locales(), ["en", "de"]);
        assert!(p.has("de", "cart.title") && !p.has("de", "cart.empty"));
    }

    #[test]
    fn a_browser_gets_the_best_shipped_language_it_asks_for() {
        let mut p = Prompts::embedded().unwrap();
        p.locales.insert("de".into(), HashMap::new());
        assert_eq!(p.negotiate("de-AT,de;q=0.9,en;q=0.8", "en"), "de");
        assert_eq!(p.negotiate("fr-FR, en-GB;q=0.7, de;q=0.9", "en"), "de");
        assert_eq!(p.negotiate("fr, it;q=0.5", "en"), "en");
        assert_eq!(p.negotiate("de;q=0, en;q=0.1", "de"), "en");
        assert_eq!(p.negotiate("", "de"), "de");
        assert_eq!(p.negotiate("*", "en"), "en");
        assert_eq!(p.negotiate("de;q=abc, en", "de"), "en");
    }

    #[test]
    fn fills_placeholders_and_falls_back_to_english() {
        let p = Prompts::embedded().unwrap();
        let fr = p.lang("fr");
        let text = fr.f("cart.added", &[("qty", &3), ("name", &"Hourly Support")]);
        assert!(
            text.contains('3') && text.contains("Hourly Support"),
            "{text}"
        );
        assert!(!text.contains('{'), "{text}");
    }

    #[test]
    fn a_count_chooses_the_plural_form() {
        let p = Prompts::embedded().unwrap();
        let en = p.lang("en");
        assert!(en.f("cancel.done", &[("count", &1)]).contains("(1 line)"));
        assert!(en.f("cancel.done", &[("count", &3)]).contains("(3 lines)"));
        assert!(en.f("cancel.done", &[("count", &0)]).contains("(0 lines)"));
    }

    #[test]
    fn money_and_dates_are_written_as_the_locale_writes_them() {
        use rust_decimal::Decimal;
        let p = Prompts::embedded().unwrap();
        let amount = Money::new(
            Decimal::new(125_000, 2),
            crate::domain::money::Currency::usd(),
        );
        assert_eq!(p.lang("en").money(&amount), "USD 1,250.00");
        assert_eq!(p.lang("en").date(1_795_000_000_000), "2026-11-18");
        assert_eq!(
            p.lang("en")
                .f("cart.added", &[("qty", &amount), ("name", &"x")]),
            "Added USD 1,250.00 × x to your cart. Keep shopping, or view your cart to check out."
        );
    }

    /// Every shipped locale has exactly English's keys, each with the same placeholders,
    /// so no German user meets an English sentence or a raw `{name}`.
    #[test]
    fn every_locale_has_every_key_with_the_same_placeholders() {
        let p = Prompts::embedded().unwrap();
        let placeholder = regex::Regex::new(r"\{([a-z_]+)\}").unwrap();
        let names = |text: &str| -> std::collections::BTreeSet<String> {
            placeholder
                .captures_iter(text)
                .map(|c| c[1].to_string())
                .collect()
        };
        let mut english: Vec<&str> = p.keys("en");
        english.sort();
        assert!(p.locales().len() >= 2, "{:?}", p.locales());
        for locale in p.locales() {
            let mut keys = p.keys(locale);
            keys.sort();
            assert_eq!(keys, english, "{locale} has other keys than en");
            for key in &english {
                assert_eq!(
                    names(p.get(locale, key)),
                    names(p.get("en", key)),
                    "{locale}: {key}"
                );
            }
        }
    }

    #[test]
    fn german_writes_money_and_dates_its_way() {
        use rust_decimal::Decimal;
        let p = Prompts::embedded().unwrap();
        let amount = Money::new(
            Decimal::new(125_000, 2),
            crate::domain::money::Currency::usd(),
        );
        assert_eq!(p.lang("de").money(&amount), "1.250,00 USD");
        assert_eq!(p.lang("de-AT").money(&amount), "1.250,00 USD");
        assert_eq!(p.lang("de").date(1_795_000_000_000), "18.11.2026");
        assert!(
            p.lang("de")
                .f("cancel.done", &[("count", &1)])
                .contains("(1 Position)")
        );
        assert!(
            p.lang("de")
                .f("cancel.done", &[("count", &2)])
                .contains("(2 Positionen)")
        );
    }

    #[test]
    fn unknown_key_comes_back_as_itself() {
        let p = Prompts::embedded().unwrap();
        assert_eq!(p.get("en", "no.such.key"), "no.such.key");
    }

    /// Every key the code asks for exists in English, so no user ever sees a raw key.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let p = Prompts::embedded().unwrap();
        let keys: std::collections::HashSet<&str> = p.keys("en").into_iter().collect();
        // Keys passed to t()/f(), and any string literal that starts with a section name
        // (keys chosen in a match and passed on).
        let used = regex::Regex::new(r#""([a-z0-9_]+)\.([a-z0-9_]+)""#).unwrap();
        let sections: std::collections::HashSet<&str> =
            keys.iter().filter_map(|k| k.split('.').next()).collect();
        let mut missing = Vec::new();
        let mut count = 0;
        for file in rust_files(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))) {
            let source = std::fs::read_to_string(&file).unwrap();
            for cap in used.captures_iter(&source) {
                if !sections.contains(&cap[1]) {
                    continue;
                }
                count += 1;
                let key = format!("{}.{}", &cap[1], &cap[2]);
                let plural = format!("{key}.other");
                if !keys.contains(key.as_str()) && !keys.contains(plural.as_str()) {
                    missing.push(format!("{}: {key}", file.display()));
                }
            }
        }
        assert!(
            count > 20,
            "the scan found only {count} keys; is the pattern right?"
        );
        assert!(
            missing.is_empty(),
            "missing prompts:\n{}",
            missing.join("\n")
        );
    }

    fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out
    }
}
