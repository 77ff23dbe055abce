//! Fuzzy search over deployments (seed step 8): by id or name, tolerant of typos,
//! partial ids, transposed digits and word order.
//!
//! Scoring every deployment with strsim is accurate but slow at 100,000 and more. The
//! index keeps a trigram → deployments posting list; a query counts shared trigrams to
//! pick a few hundred candidates, and only those are scored with strsim. `naive_search`
//! scores everything with the same function, as the yardstick for the benchmark.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::domain::deployment::Deployment;

/// How many of the best trigram matches are scored with strsim.
const CANDIDATES: usize = 400;

struct Doc {
    deployment: Deployment,
    id_lower: String,
    tokens: Vec<String>,
}

/// A deployment and how well it matched, from 0 to 1.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    pub deployment: &'a Deployment,
    pub score: f64,
}

pub struct Index {
    docs: Vec<Doc>,
    grams: HashMap<[u8; 3], Vec<u32>>,
}

/// A query, normalized once.
pub struct Query {
    tokens: Vec<String>,
    /// The query with spaces and dashes removed, when it looks like an id.
    id: Option<String>,
}

/// Lower case, and anything but letters and digits becomes a word break.
pub fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The trigrams of each token, padded so that short words and word edges count.
fn trigrams(tokens: &[String], mut each: impl FnMut([u8; 3])) {
    for t in tokens {
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
    pub fn new(text: &str) -> Query {
        let tokens = tokens(text);
        let compact: String = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let digits = compact.chars().filter(char::is_ascii_digit).count();
        let id = (compact.len() >= 2 && digits * 2 >= compact.len()).then_some(compact);
        Query { tokens, id }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// How alike two words are: exact, a prefix (a partial word), or Jaro-Winkler. Numbers
/// are compared as ids, since Jaro-Winkler finds any two numbers half alike.
fn word_similarity(q: &str, d: &str) -> f64 {
    let numeric = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
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

/// Word-order-free similarity of two word lists: each query word against its best
/// match, plus a little for how much of the name the query covers.
pub fn name_similarity(query: &[String], name: &[String]) -> f64 {
    if query.is_empty() || name.is_empty() {
        return 0.0;
    }
    let best = |a: &String, others: &[String]| {
        others
            .iter()
            .map(|b| word_similarity(a, b))
            .fold(0.0, f64::max)
    };
    let forward: f64 = query.iter().map(|q| best(q, name)).sum::<f64>() / query.len() as f64;
    let backward: f64 = name.iter().map(|n| best(n, query)).sum::<f64>() / name.len() as f64;
    0.85 * forward + 0.15 * backward
}

/// Id similarity: exact, a prefix or part of the id, else edit distance with
/// transpositions counting as one edit.
fn id_similarity(q: &str, id: &str) -> f64 {
    if q == id {
        1.0
    } else if id.starts_with(q) {
        0.9 + 0.05 * (q.len() as f64 / id.len() as f64)
    } else if q.len() >= 3 && id.contains(q) {
        0.85
    } else {
        let d = strsim::damerau_levenshtein(q, id) as f64;
        let longest = q.len().max(id.len()) as f64;
        (1.0 - d / longest).max(0.0) * 0.9
    }
}

fn score(q: &Query, doc: &Doc) -> f64 {
    let by_name = name_similarity(&q.tokens, &doc.tokens);
    match &q.id {
        Some(id) => by_name.max(id_similarity(id, &doc.id_lower)),
        None => by_name,
    }
}

/// Best first; equal scores by id, so every search orders the same way.
fn rank(a: &Hit<'_>, b: &Hit<'_>) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.deployment.id.cmp(&b.deployment.id))
}

fn top<'a>(mut hits: Vec<Hit<'a>>, limit: usize) -> Vec<Hit<'a>> {
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit, rank);
        hits.truncate(limit);
    }
    hits.sort_by(rank);
    hits
}

impl Index {
    pub fn new(deployments: Vec<Deployment>) -> Index {
        let mut grams: HashMap<[u8; 3], Vec<u32>> = HashMap::new();
        let docs: Vec<Doc> = deployments
            .into_iter()
            .map(|d| {
                let mut tokens = tokens(&d.name);
                tokens.extend(self::tokens(&d.id));
                Doc {
                    id_lower: d.id.to_lowercase(),
                    deployment: d,
                    tokens,
                }
            })
            .collect();
        for (i, doc) in docs.iter().enumerate() {
            let i = i as u32;
            trigrams(&doc.tokens, |g| {
                let list = grams.entry(g).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            });
        }
        Index { docs, grams }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Deployment> {
        self.docs.iter().map(|d| &d.deployment).find(|d| d.id == id)
    }

    /// The best `limit` matches for `text`, best first.
    pub fn search(&self, text: &str, limit: usize) -> Vec<Hit<'_>> {
        let q = Query::new(text);
        if q.is_empty() || self.docs.is_empty() {
            return Vec::new();
        }
        let mut q_grams = Vec::new();
        trigrams(&q.tokens, |g| q_grams.push(g));
        if let Some(id) = &q.id {
            trigrams(std::slice::from_ref(id), |g| q_grams.push(g));
        }
        q_grams.sort_unstable();
        q_grams.dedup();

        let mut counts = vec![0u16; self.docs.len()];
        let mut touched: Vec<u32> = Vec::new();
        for g in &q_grams {
            for &doc in self.grams.get(g).map(Vec::as_slice).unwrap_or_default() {
                let c = &mut counts[doc as usize];
                if *c == 0 {
                    touched.push(doc);
                }
                *c = c.saturating_add(1);
            }
        }
        let by_count =
            |a: &u32, b: &u32| counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b));
        if touched.len() > CANDIDATES {
            touched.select_nth_unstable_by(CANDIDATES, by_count);
            touched.truncate(CANDIDATES);
        }
        let hits = touched
            .iter()
            .map(|&i| {
                let doc = &self.docs[i as usize];
                Hit {
                    deployment: &doc.deployment,
                    score: score(&q, doc),
                }
            })
            .collect();
        top(hits, limit)
    }

    /// Scores every deployment: exact, slow, and the yardstick for `search`.
    pub fn naive_search(&self, text: &str, limit: usize) -> Vec<Hit<'_>> {
        let q = Query::new(text);
        if q.is_empty() {
            return Vec::new();
        }
        let hits = self
            .docs
            .iter()
            .map(|doc| Hit {
                deployment: &doc.deployment,
                score: score(&q, doc),
            })
            .collect();
        top(hits, limit)
    }

    /// Deployments easily mistaken for `chosen`: the same or a near-identical name, or an
    /// id one edit or one transposition away, or the same digits in another order.
    pub fn look_alikes(&self, chosen: &Deployment) -> Vec<&Deployment> {
        let name = tokens(&chosen.name);
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
            let similar_name = name_similarity(&name, &tokens(&d.name)) >= 0.93;
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
