//! Fuzzy search over deployments (seed step 8): by id or name, tolerant of typos,
//! partial ids, transposed digits and word order.
//!
//! Scoring every deployment with strsim is accurate but slow at 100,000 and more. The
//! index keeps a trigram → deployments posting list; a query sums the weights of the
//! trigrams it shares with each deployment (rarer trigrams weigh more) to pick a couple of
//! thousand candidates, and only those are scored. Names are made of a small vocabulary,
//! so words are interned and each (query word, name word) similarity is computed once per
//! search. `naive_search` scores every deployment with the same function and no index:
//! the yardstick for the benchmark.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use crate::domain::deployment::Deployment;

/// The least score of a match worth showing. Measured on the demo deployments: typos and
/// partial names or ids of a real deployment score 0.8 and up ("Main Ofice PBX" 0.985,
/// "70010" 0.942, "tucson stor" 0.982), while text that names none ("apply to all",
/// "buy 1 system admin pro") tops out near 0.74.
pub(crate) const RELEVANT: f64 = 0.8;

/// How many of the best trigram matches are scored with strsim.
const CANDIDATES: usize = 2_000;

/// The most of a query that is read: deployment ids and names are short, and a search's
/// memory grows with the query's words times the vocabulary, so a 9 KB autocomplete must
/// cost what a sensible query costs.
pub(crate) const QUERY_CHARS: usize = 100;
/// The most words of a query that are read.
pub(crate) const QUERY_WORDS: usize = 8;

/// `text` cut to what a search reads: at most `QUERY_CHARS` characters, on a character
/// boundary. Every path that searches with text a person typed goes through it.
pub(crate) fn bounded(text: &str) -> &str {
    match text.char_indices().nth(QUERY_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

struct Doc {
    deployment: Deployment,
    id_lower: String,
    /// The name's words, as vocabulary indexes.
    words: Vec<u32>,
}

/// A deployment and how well it matched, from 0 to 1.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    pub deployment: &'a Deployment,
    pub score: f64,
}

pub struct Index {
    docs: Vec<Doc>,
    vocabulary: Vec<String>,
    /// Each trigram's weight (rarer weighs more) and the deployments that have it.
    grams: HashMap<[u8; 3], (f32, Vec<u32>)>,
}

/// A query, normalized once.
struct Query {
    tokens: Vec<String>,
    /// The query with everything but letters and digits removed, when it looks like an id.
    id: Option<String>,
}

/// Lower case, and anything but letters and digits becomes a word break.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The trigrams of each word, padded so that short words and word edges count.
fn trigrams<'a>(words: impl IntoIterator<Item = &'a String>, mut each: impl FnMut([u8; 3])) {
    for t in words {
        let padded: Vec<u8> = std::iter::once(b' ')
            .chain(t.bytes())
            .chain(std::iter::once(b' '))
            .collect();
        for w in padded.windows(3) {
            each([w[0], w[1], w[2]]);
        }
    }
}

impl Query {
    fn new(text: &str) -> Query {
        let text = bounded(text);
        let mut tokens = tokens(text);
        tokens.truncate(QUERY_WORDS);
        let compact: String = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let digits = compact.chars().filter(char::is_ascii_digit).count();
        let id = (compact.len() >= 2 && digits * 2 >= compact.len()).then_some(compact);
        Query { tokens, id }
    }
}

fn numeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// How alike two words are: exact, a prefix (a partial word), or Jaro-Winkler. Numbers
/// are compared as ids, since Jaro-Winkler finds any two numbers half alike.
fn word_similarity(q: &str, d: &str) -> f64 {
    if q == d {
        1.0
    } else if numeric(q) && numeric(d) {
        id_similarity(q, d)
    } else if q.len() >= 2 && d.starts_with(q) {
        0.9 + 0.08 * (q.len() as f64 / d.len() as f64)
    } else {
        strsim::jaro_winkler(q, d)
    }
}

/// Id similarity: exact, a prefix, part of the id, or else the closest stretch of the id
/// by edit distance, where a transposition counts as one edit.
fn id_similarity(q: &str, id: &str) -> f64 {
    if q == id {
        return 1.0;
    }
    if id.starts_with(q) {
        return 0.9 + 0.05 * (q.len() as f64 / id.len() as f64);
    }
    if q.len() >= 3 && id.contains(q) {
        return 0.85;
    }
    // Optimal string alignment: Damerau-Levenshtein for adjacent transpositions, without
    // the general version's per-call table.
    let edits = |a: &str, b: &str| strsim::osa_distance(a, b) as f64;
    let whole = (1.0 - edits(q, id) / q.len().max(id.len()) as f64).max(0.0) * 0.9;
    // A partial id with a slip: compare it with each stretch of the id of its length.
    let partial = if q.len() >= 3 && q.len() < id.len() && id.is_ascii() {
        (0..=id.len() - q.len())
            .map(|at| (1.0 - edits(q, &id[at..at + q.len()]) / q.len() as f64) * 0.8)
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    whole.max(partial)
}

/// Word-order-free similarity of a query to a name: each query word against its best
/// match, plus a little for how much of the name the query covers. `sim(i, j)` is the
/// similarity of query word `i` and name word `j`.
fn name_similarity(
    query_len: usize,
    name_len: usize,
    mut sim: impl FnMut(usize, usize) -> f64,
) -> f64 {
    if query_len == 0 || name_len == 0 {
        return 0.0;
    }
    let mut name_best = [0.0f64; 16];
    let mut forward = 0.0;
    for i in 0..query_len {
        let mut best = 0.0f64;
        for j in 0..name_len {
            let s = sim(i, j);
            best = best.max(s);
            if let Some(b) = name_best.get_mut(j) {
                *b = b.max(s);
            }
        }
        forward += best;
    }
    let counted = name_len.min(name_best.len());
    let backward: f64 = name_best[..counted].iter().sum::<f64>() / counted as f64;
    0.85 * forward / query_len as f64 + 0.15 * backward
}

/// Similarity of two free texts, by the same rule the search uses for names.
pub(crate) fn text_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (tokens(a), tokens(b));
    name_similarity(a.len(), b.len(), |i, j| word_similarity(&a[i], &b[j]))
}

/// Best first; equal scores by id, so every search orders the same way.
fn rank(a: &Hit<'_>, b: &Hit<'_>) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.deployment.id.cmp(&b.deployment.id))
}

fn top(mut hits: Vec<Hit<'_>>, limit: usize) -> Vec<Hit<'_>> {
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit, rank);
        hits.truncate(limit);
    }
    hits.sort_by(rank);
    hits
}

impl Index {
    pub fn new(deployments: Vec<Deployment>) -> Index {
        let mut lookup: HashMap<String, u32> = HashMap::new();
        let mut vocabulary: Vec<String> = Vec::new();
        let mut intern = |w: String| -> u32 {
            if let Some(&i) = lookup.get(&w) {
                return i;
            }
            let i = vocabulary.len() as u32;
            vocabulary.push(w.clone());
            lookup.insert(w, i);
            i
        };
        let docs: Vec<Doc> = deployments
            .into_iter()
            .map(|d| {
                let words: Vec<u32> = tokens(&d.name).into_iter().map(&mut intern).collect();
                Doc {
                    id_lower: d.id.to_lowercase(),
                    deployment: d,
                    words,
                }
            })
            .collect();
        let mut grams: HashMap<[u8; 3], (f32, Vec<u32>)> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            let i = i as u32;
            let words = doc.words.iter().map(|w| &vocabulary[*w as usize]);
            trigrams(words.chain(std::iter::once(&doc.id_lower)), |g| {
                let (_, list) = grams.entry(g).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            });
        }
        let n = docs.len() as f32;
        for (weight, list) in grams.values_mut() {
            *weight = (1.0 + n / list.len() as f32).ln();
        }
        Index {
            docs,
            vocabulary,
            grams,
        }
    }

    #[cfg(test)]
    pub(crate) fn get(&self, id: &str) -> Option<&Deployment> {
        self.docs.iter().map(|d| &d.deployment).find(|d| d.id == id)
    }

    /// A scorer for one query: word similarities are memoized by vocabulary index.
    fn scorer<'q>(&'q self, q: &'q Query) -> impl Fn(&Doc) -> f64 + 'q {
        let width = self.vocabulary.len();
        let memo = RefCell::new(vec![f64::NAN; q.tokens.len() * width]);
        move |doc: &Doc| {
            let by_name = name_similarity(q.tokens.len(), doc.words.len(), |i, j| {
                let word = doc.words[j] as usize;
                let mut memo = memo.borrow_mut();
                let slot = &mut memo[i * width + word];
                if slot.is_nan() {
                    *slot = word_similarity(&q.tokens[i], &self.vocabulary[word]);
                }
                *slot
            });
            match &q.id {
                Some(id) => by_name.max(id_similarity(id, &doc.id_lower)),
                None => by_name,
            }
        }
    }

    /// The best `limit` matches for `text`, best first.
    pub fn search(&self, text: &str, limit: usize) -> Vec<Hit<'_>> {
        let q = Query::new(text);
        if q.tokens.is_empty() || self.docs.is_empty() {
            return Vec::new();
        }
        let mut q_grams = Vec::new();
        trigrams(q.tokens.iter().chain(q.id.iter()), |g| q_grams.push(g));
        q_grams.sort_unstable();
        q_grams.dedup();

        let mut weights = vec![0f32; self.docs.len()];
        let mut touched: Vec<u32> = Vec::new();
        for g in &q_grams {
            let Some((weight, list)) = self.grams.get(g) else {
                continue;
            };
            for &doc in list {
                let w = &mut weights[doc as usize];
                if *w == 0.0 {
                    touched.push(doc);
                }
                *w += weight;
            }
        }
        let by_weight = |a: &u32, b: &u32| {
            weights[*b as usize]
                .total_cmp(&weights[*a as usize])
                .then(a.cmp(b))
        };
        if touched.len() > CANDIDATES {
            touched.select_nth_unstable_by(CANDIDATES, by_weight);
            touched.truncate(CANDIDATES);
        }
        let score = self.scorer(&q);
        let hits = touched
            .iter()
            .map(|&i| {
                let doc = &self.docs[i as usize];
                Hit {
                    deployment: &doc.deployment,
                    score: score(doc),
                }
            })
            .collect();
        top(hits, limit)
    }

    /// Scores every deployment with strsim, one by one: exact, slow, and the yardstick
    /// for `search`.
    pub fn naive_search(&self, text: &str, limit: usize) -> Vec<Hit<'_>> {
        let q = Query::new(text);
        if q.tokens.is_empty() {
            return Vec::new();
        }
        let hits = self
            .docs
            .iter()
            .map(|doc| {
                let by_name = name_similarity(q.tokens.len(), doc.words.len(), |i, j| {
                    word_similarity(&q.tokens[i], &self.vocabulary[doc.words[j] as usize])
                });
                let score = match &q.id {
                    Some(id) => by_name.max(id_similarity(id, &doc.id_lower)),
                    None => by_name,
                };
                Hit {
                    deployment: &doc.deployment,
                    score,
                }
            })
            .collect();
        top(hits, limit)
    }

    /// Deployments easily mistaken for `chosen`: the same or a near-identical name, or an
    /// id one edit or one transposition away, or the same digits in another order.
    pub(crate) fn look_alikes(&self, chosen: &Deployment) -> Vec<&Deployment> {
        let mut sorted_id: Vec<char> = chosen.id.chars().collect();
        sorted_id.sort_unstable();
        let mut out: Vec<&Deployment> = Vec::new();
        for hit in self
            .search(&chosen.name, 25)
            .into_iter()
            .chain(self.search(&chosen.id, 25))
        {
            let d = hit.deployment;
            if d.id == chosen.id || out.iter().any(|f| f.id == d.id) {
                continue;
            }
            let mut digits: Vec<char> = d.id.chars().collect();
            digits.sort_unstable();
            let similar_name = text_similarity(&chosen.name, &d.name) >= 0.93;
            let similar_id =
                strsim::damerau_levenshtein(&d.id, &chosen.id) <= 1 || digits == sorted_id;
            if similar_name || similar_id {
                out.push(d);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::deployments::{DEMO_DEPLOYMENTS, parse};

    fn demo() -> Index {
        let orgs = ["ORG-ACME", "ORG-BOREALIS", "ORG-COBALT"]
            .map(String::from)
            .into();
        Index::new(parse(DEMO_DEPLOYMENTS, &orgs).unwrap())
    }

    fn first(index: &Index, q: &str) -> String {
        index
            .search(q, 25)
            .first()
            .map(|h| h.deployment.id.clone())
            .unwrap_or_default()
    }

    fn ids(index: &Index, q: &str, n: usize) -> Vec<String> {
        index
            .search(q, n)
            .into_iter()
            .map(|h| h.deployment.id.clone())
            .collect()
    }

    #[test]
    fn a_long_query_is_read_only_as_far_as_a_sensible_one() {
        let index = demo();
        // A signed 9 KB autocomplete of many distinct words, as the review sent.
        let hostile: String = (0..1_500).map(|i| format!("w{i}x ")).collect();
        assert!(hostile.len() > 9_000);
        let q = Query::new(&hostile);
        assert_eq!(q.tokens.len(), QUERY_WORDS);
        assert!(q.tokens.iter().map(String::len).sum::<usize>() <= QUERY_CHARS);
        let with_tail = format!("Main Office PBX {}", "zz ".repeat(4_000));
        assert_eq!(first(&index, &with_tail), first(&index, "Main Office PBX"));
        assert_eq!(
            bounded("ü".repeat(500).as_str()).chars().count(),
            QUERY_CHARS
        );
        assert_eq!(bounded("short"), "short");
    }

    #[test]
    fn exact_ids_and_names_come_first() {
        let i = demo();
        assert_eq!(first(&i, "104512"), "104512");
        assert_eq!(first(&i, "Warehouse North"), "233415");
        assert_eq!(first(&i, "cobalt dispatch"), "700101");
    }

    #[test]
    fn tolerates_typos_word_order_and_partial_ids() {
        let i = demo();
        assert_eq!(first(&i, "Wrehouse Nroth"), "233415", "typos");
        assert_eq!(first(&i, "North Warehouse"), "233415", "word order");
        assert_eq!(first(&i, "70010"), "700100", "a partial id");
        assert_eq!(first(&i, "radiology"), "613377", "one word of the name");
        let transposed = ids(&i, "233541", 3);
        assert!(
            transposed.contains(&"233451".to_string()),
            "transposed digits: {transposed:?}"
        );
        let both = ids(&i, "main office pbx", 4);
        for id in ["104512", "104521", "700100"] {
            assert!(both.contains(&id.to_string()), "{id} in {both:?}");
        }
    }

    #[test]
    fn the_index_agrees_with_a_full_scan() {
        let i = demo();
        // Every good match of the full scan is found, in the same order; below that the
        // order of weak matches is noise either way.
        for q in [
            "Main Ofice",
            "Denvr Clinic",
            "1045",
            "Call Center",
            "Branch 21",
            "Tampa Lab",
            "512300",
        ] {
            let naive: Vec<_> = i
                .naive_search(q, 5)
                .iter()
                .filter(|h| h.score >= 0.75)
                .map(|h| h.deployment.id.clone())
                .collect();
            assert!(!naive.is_empty(), "{q}");
            assert_eq!(ids(&i, q, naive.len()), naive, "{q}");
        }
        assert!(i.search("", 5).is_empty() && i.search("!!!", 5).is_empty());
    }

    #[test]
    fn look_alikes_cover_names_ids_and_transpositions() {
        let i = demo();
        let main = i.get("104512").unwrap().clone();
        let alikes: Vec<_> = i
            .look_alikes(&main)
            .into_iter()
            .map(|d| d.id.clone())
            .collect();
        for id in ["104521", "140512", "700100"] {
            assert!(alikes.contains(&id.to_string()), "{id} in {alikes:?}");
        }
        assert!(!alikes.contains(&"104512".to_string()));
        let nort = i.get("233451").unwrap().clone();
        let alikes: Vec<_> = i
            .look_alikes(&nort)
            .into_iter()
            .map(|d| d.id.clone())
            .collect();
        assert!(alikes.contains(&"233415".to_string()), "{alikes:?}");
        let dispatch = i.get("700101").unwrap().clone();
        let alikes: Vec<_> = i
            .look_alikes(&dispatch)
            .into_iter()
            .map(|d| d.id.clone())
            .collect();
        assert_eq!(
            alikes,
            ["700100"],
            "one digit apart, though the names differ"
        );
        let d = |id: &str, name: &str| Deployment {
            id: id.into(),
            name: name.into(),
            org_id: "O".into(),
        };
        let small = Index::new(vec![d("111111", "Alpha Office"), d("987654", "Harbor Lab")]);
        assert!(
            small
                .look_alikes(&small.get("111111").unwrap().clone())
                .is_empty()
        );
    }
}
