//! Finding the things a sentence names, and how many of each.
//!
//! A name counts in full when all its words stand close together, in any order; the
//! longest full name wins, and a product beats the category it is listed in. What no
//! full name covers may still name one product in part ("admin pro"), but only through
//! words that few products share. Each thing then takes the number before it, or failing
//! that the one right after it ("credits x 15"), within its part of the sentence.

use std::collections::HashMap;

use super::lexicon::{Lexicon, What};
use super::phrases::PHRASES_READ;
use super::words::Token;

/// More choices than this open the category's page instead of a row of buttons.
pub(crate) const MAX_CHOICES: usize = 5;

/// Part of a name, at least, must be this share of the name's weight.
const PART: f64 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mention {
    /// The first and last token it covers.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// What the sentence named: a product, or a family or category.
    pub(crate) source: What,
    /// Which products could be meant (or the group, when there are too many).
    pub(crate) what: Vec<What>,
    pub(crate) qty: Option<u32>,
    /// A quantity that no product can have, as typed.
    pub(crate) bad: Option<String>,
}

/// A name placed on the sentence: which name, on which tokens.
#[derive(Debug, Clone)]
struct Placed {
    name: usize,
    at: Vec<usize>,
    score: f64,
}

pub(crate) fn find(tokens: &[Token], lex: &Lexicon) -> Vec<Mention> {
    let part = parts(tokens);
    let said = catalog_words(tokens, lex);
    let mut touched: Vec<usize> = said
        .iter()
        .flatten()
        .flat_map(|w| lex.holding(w).iter().copied())
        .collect();
    touched.sort_unstable();
    touched.dedup();
    if touched.is_empty() {
        return Vec::new();
    }

    let mut full: Vec<Placed> = touched
        .iter()
        .flat_map(|&n| place_full(lex, n, &said, &part))
        .collect();
    full.sort_by(|a, b| {
        b.at.len()
            .cmp(&a.at.len())
            .then(rank(&lex.names[a.name].what).cmp(&rank(&lex.names[b.name].what)))
            .then(span(&a.at).cmp(&span(&b.at)))
    });
    let mut chosen: Vec<(Vec<usize>, Vec<usize>)> = Vec::new(); // (tokens, names)
    for p in &full {
        let what = &lex.names[p.name].what;
        if let Some(same) = chosen.iter_mut().find(|(at, names)| {
            sorted(at) == sorted(&p.at)
                && names
                    .first()
                    .is_some_and(|&n| rank(&lex.names[n].what) == rank(what))
        }) {
            if !same.1.iter().any(|&n| lex.names[n].what == *what) {
                same.1.push(p.name);
            }
            continue;
        }
        if chosen
            .iter()
            .any(|(at, _)| at.iter().any(|i| p.at.contains(i)))
        {
            continue;
        }
        chosen.push((p.at.clone(), vec![p.name]));
    }

    let mut found: Vec<Mention> = chosen
        .into_iter()
        .map(|(at, names)| mention(lex, &at, &names, &said))
        .collect();
    absorb(lex, &mut found, &part);

    let covered: Vec<bool> = (0..tokens.len())
        .map(|i| found.iter().any(|m| m.start <= i && i <= m.end))
        .collect();
    found.extend(partial(lex, tokens, &touched, &said, &part, &covered));
    found.sort_by_key(|m| m.start);
    absorb(lex, &mut found, &part);
    count(tokens, &part, &mut found);
    found
}

/// Which part of the sentence ("and", "und" split it) each token is in.
fn parts(tokens: &[Token]) -> Vec<usize> {
    let mut n = 0;
    tokens
        .iter()
        .map(|t| {
            if *t == Token::Sep {
                n += 1;
            }
            n
        })
        .collect()
}

/// Each token as the catalog word it is, or a mistyped one stands for; words of the
/// phrases ("please", "want") are never bent into catalog words.
fn catalog_words(tokens: &[Token], lex: &Lexicon) -> Vec<Option<String>> {
    tokens
        .iter()
        .map(|t| {
            let key = t.key()?;
            if lex.knows(&key) {
                return Some(key);
            }
            match t {
                Token::Word(w) if !PHRASES_READ.holds(w) => lex.correct(w).map(str::to_string),
                _ => None,
            }
        })
        .collect()
}

/// Products first, then families, then categories.
fn rank(what: &What) -> u8 {
    match what {
        What::Product(_) => 0,
        What::Family(_) => 1,
        What::Category(_) => 2,
    }
}

fn span(at: &[usize]) -> usize {
    let (lo, hi) = bounds(at);
    hi - lo
}

fn bounds(at: &[usize]) -> (usize, usize) {
    let lo = at.iter().copied().min().unwrap_or(0);
    let hi = at.iter().copied().max().unwrap_or(0);
    (lo, hi)
}

fn sorted(at: &[usize]) -> Vec<usize> {
    let mut v = at.to_vec();
    v.sort_unstable();
    v
}

/// Every place where all of a name's words stand close together in one part.
fn place_full(lex: &Lexicon, n: usize, said: &[Option<String>], part: &[usize]) -> Vec<Placed> {
    let words = &lex.names[n].words;
    let anchor_word = words
        .iter()
        .max_by(|a, b| lex.weight(a).total_cmp(&lex.weight(b)))
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<Placed> = Vec::new();
    for (a, _) in said
        .iter()
        .enumerate()
        .filter(|(_, w)| w.as_deref() == Some(anchor_word.as_str()))
    {
        let mut at: Vec<usize> = Vec::with_capacity(words.len());
        for w in words {
            let nearest = said
                .iter()
                .enumerate()
                .filter(|(i, s)| {
                    s.as_deref() == Some(w.as_str()) && part[*i] == part[a] && !at.contains(i)
                })
                .min_by_key(|(i, _)| i.abs_diff(a))
                .map(|(i, _)| i);
            match nearest {
                Some(i) => at.push(i),
                None => break,
            }
        }
        if at.len() == words.len() && span(&at) < words.len() + 2 {
            if out.iter().any(|p| sorted(&p.at) == sorted(&at)) {
                continue;
            }
            out.push(Placed {
                name: n,
                at,
                score: 1.0,
            });
        }
    }
    out
}

/// Names that uncovered tokens name in part: enough of the name's weight, through at
/// least one word that at most two products share.
fn partial(
    lex: &Lexicon,
    tokens: &[Token],
    touched: &[usize],
    said: &[Option<String>],
    part: &[usize],
    covered: &[bool],
) -> Vec<Mention> {
    let mut best: HashMap<&What, Placed> = HashMap::new();
    for &n in touched {
        let name = &lex.names[n];
        if !matches!(name.what, What::Product(_)) {
            continue;
        }
        let total: f64 = name.words.iter().map(|w| lex.weight(w)).sum();
        // Each part of the sentence is tried on its own.
        let mut by_part: HashMap<usize, Vec<(usize, &String)>> = HashMap::new();
        for (i, s) in said.iter().enumerate() {
            // A number alone never names a thing in part: it is a quantity.
            if let Some(w) = s
                && !covered[i]
                && !matches!(tokens[i], Token::Number(_))
                && name.words.contains(w)
            {
                by_part.entry(part[i]).or_default().push((i, w));
            }
        }
        for hits in by_part.values() {
            let mut seen: Vec<&String> = Vec::new();
            let mut at = Vec::new();
            for (i, w) in hits {
                if !seen.contains(w) {
                    seen.push(w);
                    at.push(*i);
                }
            }
            if span(&at) >= name.words.len() + 2 {
                continue;
            }
            let got: f64 = seen.iter().map(|w| lex.weight(w)).sum();
            // A short word bent into a catalog word ("enter" read as "center") names
            // nothing in part: the telling word is as typed, or a long word mistyped
            // ("emergancy").
            let telling = hits.iter().any(|(i, w)| {
                let typed = tokens[*i].key().unwrap_or_default();
                lex.products_with(w) <= 2 && (typed == **w || typed.chars().count() >= 7)
            });
            let score = got / total;
            if score >= PART && telling {
                let entry = best.entry(&name.what).or_insert(Placed {
                    name: n,
                    at: at.clone(),
                    score,
                });
                if score > entry.score {
                    *entry = Placed { name: n, at, score };
                }
            }
        }
    }
    // Names on overlapping tokens are one mention; the best of them are its choices.
    let mut placed: Vec<Placed> = best.into_values().collect();
    placed.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.name.cmp(&b.name)));
    let mut groups: Vec<(Vec<usize>, Vec<usize>, f64)> = Vec::new();
    for p in placed {
        let (lo, hi) = bounds(&p.at);
        match groups.iter_mut().find(|(at, _, _)| {
            let (glo, ghi) = bounds(at);
            lo <= ghi && glo <= hi
        }) {
            Some((at, names, top)) => {
                if p.score + 0.1 >= *top {
                    names.push(p.name);
                    at.extend(p.at);
                }
            }
            None => groups.push((p.at, vec![p.name], p.score)),
        }
    }
    groups
        .into_iter()
        .map(|(at, names, _)| mention(lex, &at, &names, said))
        .collect()
}

/// A mention of names on tokens `at`: its products, or its group when too many.
/// Catalog words just before a category narrow it: "desk phones" are the phones
/// called desk phones.
fn mention(lex: &Lexicon, at: &[usize], names: &[usize], said: &[Option<String>]) -> Mention {
    let (start, end) = bounds(at);
    let beside: Vec<String> = (start.saturating_sub(2)..start)
        .filter_map(|i| said[i].clone())
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let mut what: Vec<What> = Vec::new();
    for &n in names {
        let name = &lex.names[n];
        match &name.what {
            What::Product(_) => what.push(name.what.clone()),
            What::Family(_) => what.push(name.what.clone()),
            What::Category(id) => {
                let mut narrowed = name.words.clone();
                narrowed.extend(beside.iter().cloned());
                // The narrowest that names any: with the words beside, the category's
                // own words ("phones" are the products called phones), or all it lists.
                let mut offered = listed(lex, id, &narrowed);
                if offered.is_empty() && !beside.is_empty() {
                    // "DECT phones": the DECT ones, though none is called a phone.
                    offered = listed(lex, id, &beside);
                }
                if offered.is_empty() {
                    offered = listed(lex, id, &name.words);
                }
                if offered.is_empty() {
                    offered = lex
                        .listed
                        .get(id)
                        .map(|all| all.iter().map(|sku| What::Product(sku.clone())).collect())
                        .unwrap_or_default();
                }
                what.extend(offered);
            }
        }
    }
    what.dedup();
    let source = match (names, what.as_slice()) {
        (_, [one @ What::Product(_)]) => one.clone(),
        ([n], _) => lex.names[*n].what.clone(),
        _ => what
            .first()
            .cloned()
            .unwrap_or(What::Category(String::new())),
    };
    if what.len() > MAX_CHOICES {
        what = vec![source.clone()];
    }
    Mention {
        start,
        end,
        source,
        what,
        qty: None,
        bad: None,
    }
}

/// The products a category lists whose own names hold all of `words`.
fn listed(lex: &Lexicon, category: &str, words: &[String]) -> Vec<What> {
    let all = lex.listed.get(category).map_or(&[][..], Vec::as_slice);
    let named: Vec<What> = all
        .iter()
        .filter(|sku| {
            lex.names.iter().any(|n| {
                n.what == What::Product((*sku).clone()) && words.iter().all(|w| n.words.contains(w))
            })
        })
        .map(|sku| What::Product(sku.clone()))
        .collect();
    named
}

/// A category, family or other name right beside a product that it holds is that
/// product: "P330 phones", "System Admin Pro module", "D10M DECT handsets".
fn absorb(lex: &Lexicon, found: &mut Vec<Mention>, part: &[usize]) {
    let mut i = 0;
    while i < found.len() {
        let other = &found[i];
        let members: Vec<&String> = match &other.source {
            What::Category(id) => lex
                .listed
                .get(id)
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
            What::Family(id) => lex
                .variants
                .get(id)
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
            What::Product(_) => Vec::new(),
        };
        let holds = |sku: &String| {
            members.contains(&sku) || other.what.contains(&What::Product(sku.clone()))
        };
        let beside = found.iter().enumerate().position(|(j, m)| {
            j != i
                && matches!(&m.what[..], [What::Product(sku)] if holds(sku))
                && (other.what.len() > 1 || other.source != m.source || j < i)
                && part[m.start] == part[other.start]
                && m.end + 2 >= other.start
                && other.end + 2 >= m.start
        });
        match beside {
            Some(j) => {
                let (start, end) = (other.start, other.end);
                found[j].start = found[j].start.min(start);
                found[j].end = found[j].end.max(end);
                found.remove(i);
                i = 0;
            }
            None => i += 1,
        }
    }
}

/// Gives each mention its quantity: the number before it in its part of the sentence,
/// or else the one just after it. "a"/"ein" counts as one only right before it.
fn count(tokens: &[Token], part: &[usize], found: &mut [Mention]) {
    let inside = |i: usize, found: &[Mention]| found.iter().any(|m| m.start <= i && i <= m.end);
    let mut used = vec![false; tokens.len()];
    for k in 0..found.len() {
        let start = found[k].start;
        let floor = if k == 0 { 0 } else { found[k - 1].end + 1 };
        let before = (floor..start).rev().find(|&i| {
            part[i] == part[start] && !inside(i, found) && is_count(&tokens[i], start - i)
        });
        if let Some(i) = before {
            used[i] = true;
            set(&mut found[k], &tokens[i]);
        }
    }
    for k in 0..found.len() {
        if found[k].qty.is_some() || found[k].bad.is_some() {
            continue;
        }
        let end = found[k].end;
        let ceiling = found.get(k + 1).map_or(tokens.len(), |m| m.start);
        let after = (end + 1..ceiling.min(end + 4)).find(|&i| {
            part[i] == part[end]
                && !used[i]
                && matches!(tokens[i], Token::Number(_) | Token::BadNumber(_))
        });
        if let Some(i) = after {
            used[i] = true;
            set(&mut found[k], &tokens[i]);
        }
    }
}

fn is_count(t: &Token, distance: usize) -> bool {
    match t {
        Token::Number(_) | Token::BadNumber(_) => true,
        Token::Article => distance <= 2,
        _ => false,
    }
}

fn set(m: &mut Mention, t: &Token) {
    match t {
        Token::Number(n) => match u32::try_from(*n) {
            Ok(n) => m.qty = Some(n),
            Err(_) => m.bad = Some(n.to_string()),
        },
        Token::Article => m.qty = Some(1),
        Token::BadNumber(b) => m.bad = Some(b.clone()),
        _ => {}
    }
}
