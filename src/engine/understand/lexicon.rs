//! The catalog's words: every way the catalog names a product, a configurable family or
//! a category (names, SKUs, aliases), read into tokens the same way a sentence is, with
//! an index from each word to the names that hold it. Built once per catalog.

use std::collections::HashMap;

use super::words::{First, Token, tokens};
use crate::domain::catalog::Catalog;

/// What a name names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum What {
    Product(String),
    Family(String),
    Category(String),
}

/// One way of naming something: its words, in their one form.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub(crate) what: What,
    pub(crate) words: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Lexicon {
    pub(crate) names: Vec<Name>,
    /// Word → the names (indexes into `names`) that hold it.
    index: HashMap<String, Vec<usize>>,
    /// Word → how many products are named with it: the fewer, the more it tells.
    products_with: HashMap<String, u32>,
    /// Category → the products it lists (families' variants included).
    pub(crate) listed: HashMap<String, Vec<String>>,
    /// Family → its variants.
    pub(crate) variants: HashMap<String, Vec<String>>,
}

impl Lexicon {
    /// The catalog's words, built on first use and kept with the catalog.
    pub(crate) fn of(catalog: &Catalog) -> std::sync::Arc<Lexicon> {
        catalog.derived(Lexicon::build)
    }

    pub fn build(catalog: &Catalog) -> Lexicon {
        let mut lex = Lexicon::default();
        let sku_parts = unique_sku_parts(catalog);
        for p in &catalog.products {
            let what = What::Product(p.sku.clone());
            let mut said = vec![p.name.clone(), p.sku.clone()];
            said.extend(p.aliases.iter().cloned());
            said.extend(
                p.sku
                    .split('-')
                    .filter(|part| sku_parts.get(&part.to_lowercase()) == Some(&1))
                    // "P330", "D10M": letters and digits; a bare "1" is a quantity.
                    .filter(|part| part.chars().any(|c| c.is_ascii_digit()))
                    .filter(|part| part.chars().any(|c| c.is_ascii_alphabetic()))
                    .map(str::to_string),
            );
            for s in said {
                lex.add(what.clone(), &s);
            }
            lex.listed
                .entry(p.category.clone())
                .or_default()
                .push(p.sku.clone());
            if let Some(f) = &p.family {
                lex.variants
                    .entry(f.clone())
                    .or_default()
                    .push(p.sku.clone());
            }
        }
        for f in &catalog.families {
            lex.add(What::Family(f.id.clone()), &f.name);
        }
        for c in &catalog.categories {
            lex.add(What::Category(c.id.clone()), &c.name);
        }
        let mut seen = std::collections::HashSet::new();
        let mut counts: HashMap<String, u32> = HashMap::new();
        for name in &lex.names {
            if let What::Product(_) = name.what {
                for w in &name.words {
                    if seen.insert((w.as_str(), &name.what)) {
                        *counts.entry(w.clone()).or_default() += 1;
                    }
                }
            }
        }
        lex.products_with = counts;
        lex
    }

    fn add(&mut self, what: What, said: &str) {
        let mut words: Vec<String> = Vec::new();
        // A word said twice in a name ("PBXact POMP, PBXact 40") is looked for once.
        for w in tokens(said, First::English).iter().filter_map(Token::key) {
            let filler = matches!(
                w.as_str(),
                "of" | "the" | "for" | "und" | "and" | "der" | "die" | "das"
            );
            if !filler && !words.contains(&w) {
                words.push(w);
            }
        }
        if words.is_empty()
            || self
                .names
                .iter()
                .any(|n| n.what == what && n.words == words)
        {
            return;
        }
        let at = self.names.len();
        for w in &words {
            let list = self.index.entry(w.clone()).or_default();
            if list.last() != Some(&at) {
                list.push(at);
            }
        }
        self.names.push(Name { what, words });
    }

    /// The names that hold `word`.
    pub(crate) fn holding(&self, word: &str) -> &[usize] {
        self.index.get(word).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn knows(&self, word: &str) -> bool {
        self.index.contains_key(word)
    }

    /// How much a word tells about which product is meant: 1 for a word one product
    /// holds, less for words many hold, and a little for words only categories hold.
    pub(crate) fn weight(&self, word: &str) -> f64 {
        match self.products_with.get(word) {
            Some(&n) if n > 0 => 1.0 / f64::from(n),
            _ => 0.25,
        }
    }

    /// How many products are named with `word`.
    pub(crate) fn products_with(&self, word: &str) -> u32 {
        self.products_with.get(word).copied().unwrap_or(0)
    }

    /// The catalog word a mistyped `word` stands for: one edit away (two for long
    /// words), and only when exactly one word is that close. Digits never bend: P310
    /// is not P330.
    pub(crate) fn correct(&self, word: &str) -> Option<&str> {
        let len = word.chars().count();
        if len < 5 || word.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let allowed = if len >= 7 { 2 } else { 1 };
        let mut best: Option<(&str, usize)> = None;
        let mut tied = false;
        for known in self.index.keys() {
            let klen = known.chars().count();
            if klen.abs_diff(len) > allowed || known.chars().any(|c| c.is_ascii_digit()) || klen < 4
            {
                continue;
            }
            let d = strsim::damerau_levenshtein(word, known);
            if d > allowed {
                continue;
            }
            match best {
                Some((_, bd)) if d > bd => {}
                Some((_, bd)) if d == bd => tied = true,
                _ => {
                    best = Some((known.as_str(), d));
                    tied = false;
                }
            }
        }
        if tied { None } else { best.map(|(w, _)| w) }
    }
}

/// How many products' SKUs hold each dash-separated part: "P330" names one product.
fn unique_sku_parts(catalog: &Catalog) -> HashMap<String, u32> {
    let mut parts: HashMap<String, u32> = HashMap::new();
    for p in &catalog.products {
        for part in p.sku.split('-') {
            *parts.entry(part.to_lowercase()).or_default() += 1;
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::catalog::demo_catalog;

    #[test]
    fn names_skus_and_aliases_name_products() {
        let lex = Lexicon::build(&demo_catalog());
        let named = |words: &[&str]| {
            lex.names
                .iter()
                .filter(|n| n.words == words)
                .map(|n| n.what.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(named(&["p330"]), vec![What::Product("PHN-P330".into())]);
        assert_eq!(
            named(&["system", "admin", "pro"]),
            vec![What::Product("MOD-SYSADMIN-PRO".into())]
        );
        assert!(named(&["phone"]).contains(&What::Category("phones".into())));
        assert!(lex.weight("p330") > lex.weight("phone"));
        assert_eq!(lex.correct("suport"), Some("support"));
        assert_eq!(lex.correct("p320"), None, "digits never bend");
    }
}
