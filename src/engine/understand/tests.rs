//! The corpus of ordinary sentences (`tests/data/understanding*.tsv`), scored whole.

use super::*;
use crate::engine::steps::proposal::{Planned, plan};
use crate::import::catalog::demo_catalog;

/// What a sentence led to, written as the corpus writes it.
fn outcome(text: &str, lex: &Lexicon, catalog: &crate::domain::catalog::Catalog) -> String {
    let show = |what: &What| match what {
        What::Product(sku) => format!("show product:{sku}"),
        What::Family(id) => format!("show family:{id}"),
        What::Category(id) => format!("show category:{id}"),
    };
    match understand(text, lex, "en") {
        Meaning::Unknown | Meaning::Declined | Meaning::NotSold(_) => "nothing".into(),
        Meaning::Impossible(_) => "impossible".into(),
        Meaning::Hello => "hello".into(),
        Meaning::Thanks => "thanks".into(),
        Meaning::Order(n) => format!("order {n}"),
        Meaning::Show { what, .. } => show(&what),
        Meaning::Go(place) => format!("go {}", place_name(place)),
        Meaning::Add { lines, for_whom } => match plan(catalog, lines) {
            Planned::Nothing => "nothing".into(),
            Planned::OutOfRange(_) => "impossible".into(),
            Planned::Show(what, _, _) => show(&what),
            Planned::Lines(lines) => {
                if let Some(open) = lines.iter().find(|l| l.skus.len() > 1) {
                    let qty = open.qty.map(|q| format!("×{q}")).unwrap_or_default();
                    return format!("ask {}{qty}", open.skus.join(","));
                }
                let mut said = format!(
                    "add {}",
                    lines
                        .iter()
                        .map(|l| format!("{}×{}", l.skus[0], l.qty.unwrap_or(1)))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                if let Some(whom) = for_whom {
                    said.push_str(&format!(" for={whom}"));
                }
                said
            }
        },
    }
}

fn place_name(place: Place) -> &'static str {
    match place {
        Place::Store => "store",
        Place::Cart => "cart",
        Place::EmptyCart => "empty-cart",
        Place::Checkout => "checkout",
        Place::Orders => "orders",
        Place::Quotes => "quotes",
        Place::Cards => "cards",
        Place::WhoAmI => "whoami",
        Place::Help => "help",
        Place::Cancel => "cancel",
        Place::StartOver => "start-over",
        Place::Ticket => "ticket",
    }
}

struct Score {
    total: usize,
    right: usize,
    /// A proposal (`add` or `ask`) where another outcome, or other products, were expected.
    wrong_proposals: Vec<String>,
    misses: Vec<String>,
}

fn score(file: &str) -> Score {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let corpus = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let catalog = demo_catalog();
    let lex = Lexicon::build(&catalog);
    let mut s = Score {
        total: 0,
        right: 0,
        wrong_proposals: Vec::new(),
        misses: Vec::new(),
    };
    for line in corpus.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (text, expected) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("{file}: no tab in {line:?}"));
        s.total += 1;
        let got = outcome(text, &lex, &catalog);
        if got.eq_ignore_ascii_case(expected.trim()) {
            s.right += 1;
            continue;
        }
        let proposal = got.starts_with("add ") || got.starts_with("ask ");
        let said = format!("{text:?}: expected {expected}, got {got}");
        if proposal && !same_products(&got, expected) {
            s.wrong_proposals.push(said);
        } else {
            s.misses.push(said);
        }
    }
    s
}

/// Whether a proposal named the products expected (a quantity or a "for" may differ,
/// and is a miss, not a wrong proposal).
fn same_products(got: &str, expected: &str) -> bool {
    let skus = |s: &str| -> Vec<String> {
        let mut v: Vec<String> = s
            .split_whitespace()
            .skip(1)
            .filter(|w| !w.starts_with("for="))
            .flat_map(|w| w.split(','))
            .map(|w| w.split('×').next().unwrap_or_default().to_string())
            .collect();
        v.sort();
        v
    };
    let kind = |s: &str| s.split_whitespace().next().unwrap_or_default().to_string();
    kind(got) == kind(expected) && skus(got) == skus(expected)
}

fn report(name: &str, s: &Score) -> f64 {
    let share = s.right as f64 / s.total.max(1) as f64;
    println!(
        "{name}: {} of {} understood ({:.1}%), {} wrong proposals",
        s.right,
        s.total,
        share * 100.0,
        s.wrong_proposals.len()
    );
    for m in s.wrong_proposals.iter().chain(&s.misses) {
        println!("  {m}");
    }
    share
}

#[test]
fn the_corpus_is_understood_and_no_proposal_is_wrong() {
    let s = score("understanding.tsv");
    let share = report("corpus", &s);
    assert!(s.total >= 400, "the corpus holds {} sentences", s.total);
    assert!(s.wrong_proposals.is_empty(), "{:#?}", s.wrong_proposals);
    assert!(share >= 0.97, "{:.1}% understood", share * 100.0);
}

#[test]
fn the_held_out_sentences_are_understood_and_no_proposal_is_wrong() {
    let s = score("understanding-holdout.tsv");
    let share = report("held out", &s);
    assert!(
        s.total >= 40,
        "the held-out set holds {} sentences",
        s.total
    );
    assert!(s.wrong_proposals.is_empty(), "{:#?}", s.wrong_proposals);
    assert!(share >= 0.97, "{:.1}% understood", share * 100.0);
}

#[test]
fn the_locale_reads_its_number_words_first_and_the_other_too() {
    let catalog = demo_catalog();
    let lex = Lexicon::build(&catalog);
    for locale in ["en", "de"] {
        assert_eq!(
            understand("zwei P310 Telefone", &lex, locale),
            Meaning::Add {
                lines: vec![Wanted {
                    qty: Some(2),
                    what: vec![What::Product("PHN-P310".into())]
                }],
                for_whom: None
            },
            "{locale}"
        );
        assert_eq!(
            understand("buy two P310", &lex, locale),
            understand("buy 2 P310", &lex, locale),
            "{locale}"
        );
    }
}
