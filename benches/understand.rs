//! Understanding a typed sentence (issue 25): every sentence of the corpus in
//! `tests/data/understanding.tsv`, read against the demo catalog.
//!
//! Target: at most 50 µs per sentence at p50. The same run times a naive scan, the
//! floor: the sentence lowercased and compared with every product's name by strsim's
//! Jaro-Winkler (what the one-pattern shortcut did for its product), and reports the
//! ratio of the two.

use std::hint::black_box;
use std::time::Instant;

use checkout_bot::engine::understand::{Lexicon, understand};
use checkout_bot::import::catalog::demo_catalog;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn sentences() -> Vec<String> {
    let corpus = include_str!("../tests/data/understanding.tsv");
    corpus
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t').map(|(s, _)| s.to_string()))
        .collect()
}

/// The floor: every product name compared with the whole sentence.
fn naive(sentence: &str, names: &[String]) -> f64 {
    let lower = sentence.to_lowercase();
    names
        .iter()
        .map(|n| strsim::jaro_winkler(&lower, n))
        .fold(0.0, f64::max)
}

/// Per-sentence times over `rounds` passes: (p50, p99) in microseconds.
fn percentiles(sentences: &[String], rounds: usize, f: impl Fn(&str)) -> (f64, f64) {
    let mut times = Vec::with_capacity(sentences.len() * rounds);
    for _ in 0..rounds {
        for s in sentences {
            let start = Instant::now();
            f(s);
            times.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99))
}

fn bench(c: &mut Criterion) {
    let catalog = demo_catalog();
    let lex = Lexicon::build(&catalog);
    let names: Vec<String> = catalog
        .products
        .iter()
        .map(|p| p.name.to_lowercase())
        .collect();
    let sentences = sentences();

    let (p50, p99) = percentiles(&sentences, 50, |s| {
        black_box(understand(black_box(s), &lex, "en"));
    });
    let (floor50, floor99) = percentiles(&sentences, 50, |s| {
        black_box(naive(black_box(s), &names));
    });
    println!(
        "understand: {} sentences, p50 {p50:.1} µs, p99 {p99:.1} µs (target p50 ≤ 50 µs); \
         naive scan p50 {floor50:.1} µs, p99 {floor99:.1} µs; ratio at p50 {:.1}×",
        sentences.len(),
        p50 / floor50
    );

    let mut g = c.benchmark_group("understand");
    g.throughput(Throughput::Elements(sentences.len() as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| {
            for s in &sentences {
                black_box(understand(black_box(s), &lex, "en"));
            }
        })
    });
    g.bench_function("naive_scan", |b| {
        b.iter(|| {
            for s in &sentences {
                black_box(naive(black_box(s), &names));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
