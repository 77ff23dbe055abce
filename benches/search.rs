//! Deployment search at scale (issue 3): a typo'd name or a partial id, top 25.
//!
//! Targets: 100,000 deployments at most 2 ms median and 5 ms p99; 1,000,000 at most
//! 30 ms median. The same run times a naive scan that scores every deployment with
//! strsim, and reports the speed ratio and the overlap of the top 5 (at least 95%).

use std::time::{Duration, Instant};

use checkout_bot::domain::deployment::Deployment;
use checkout_bot::search::Index;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

const CITIES: &[&str] = &[
    "Austin",
    "Boston",
    "Chicago",
    "Denver",
    "El Paso",
    "Fresno",
    "Glendale",
    "Houston",
    "Irvine",
    "Jackson",
    "Kansas City",
    "Lansing",
    "Madison",
    "Nashville",
    "Omaha",
    "Phoenix",
    "Quincy",
    "Raleigh",
    "Salem",
    "Tampa",
    "Tucson",
    "Utica",
    "Vallejo",
    "Wichita",
    "Yonkers",
    "Akron",
    "Boise",
    "Camden",
    "Dayton",
    "Eugene",
    "Fargo",
    "Gary",
    "Helena",
    "Ithaca",
    "Juneau",
    "Keene",
    "Laredo",
    "Macon",
    "Newark",
    "Ogden",
];
const KINDS: &[&str] = &[
    "PBX",
    "Branch",
    "Office",
    "Clinic",
    "Warehouse",
    "Call Center",
    "Lab",
    "Store",
    "Depot",
    "Campus",
    "Plant",
    "Studio",
    "Hub",
    "Annex",
    "Tower",
    "Hospital",
    "School",
    "Library",
    "Garage",
    "Hangar",
];
const STREETS: &[&str] = &[
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Lake", "Hill", "Park", "River", "Sunset",
    "Harbor", "Mill", "Bridge", "Spring", "Forest", "Meadow", "Church", "Market", "Union",
];

fn deployments(n: usize) -> Vec<Deployment> {
    let mut rng = StdRng::seed_from_u64(7);
    let mut ids = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let id = rng.random_range(1_000_000..9_999_999u32).to_string();
        if !ids.insert(id.clone()) {
            continue;
        }
        let name = format!(
            "{} {} {} {}",
            CITIES.choose(&mut rng).unwrap(),
            STREETS.choose(&mut rng).unwrap(),
            KINDS.choose(&mut rng).unwrap(),
            rng.random_range(1..400)
        );
        out.push(Deployment {
            id,
            name,
            org_id: "ORG".into(),
        });
    }
    out
}

/// Typo'd names (a letter dropped, two swapped, word order changed) and partial ids,
/// made from real entries.
fn queries(all: &[Deployment], n: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(11);
    (0..n)
        .map(|i| {
            let d = all.choose(&mut rng).unwrap();
            match i % 4 {
                0 => {
                    let mut c: Vec<char> = d.name.chars().collect();
                    let at = rng.random_range(1..c.len() - 1);
                    c.remove(at);
                    c.into_iter().collect()
                }
                1 => {
                    let mut c: Vec<char> = d.name.chars().collect();
                    let at = rng.random_range(1..c.len() - 2);
                    c.swap(at, at + 1);
                    c.into_iter().collect()
                }
                2 => {
                    let words: Vec<&str> = d.name.split(' ').collect();
                    format!("{} {} {}", words[2], words[0], words[3])
                }
                _ => d.id[..5].to_string(),
            }
        })
        .collect()
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("deployment_search");
    group.sample_size(20);
    for n in [100_000usize, 1_000_000] {
        let all = deployments(n);
        let started = Instant::now();
        let index = Index::new(all.clone());
        let built = started.elapsed();
        let qs = queries(&all, 200);

        let mut i = 0;
        group.bench_with_input(BenchmarkId::new("index_top25", n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % qs.len();
                index.search(&qs[i], 25)
            })
        });

        // Percentiles, the naive scan and the agreement, measured outside criterion.
        let mut fast = Vec::new();
        for q in &qs {
            let t = Instant::now();
            std::hint::black_box(index.search(q, 25));
            fast.push(t.elapsed());
        }
        let naive_queries = if n > 100_000 { 20 } else { 100 };
        let mut slow = Vec::new();
        let mut overlap = 0usize;
        for q in qs.iter().take(naive_queries) {
            let t = Instant::now();
            let truth: Vec<String> = index
                .naive_search(q, 5)
                .iter()
                .map(|h| h.deployment.id.clone())
                .collect();
            slow.push(t.elapsed());
            let got: Vec<String> = index
                .search(q, 5)
                .iter()
                .map(|h| h.deployment.id.clone())
                .collect();
            overlap += truth.iter().filter(|id| got.contains(id)).count();
        }
        let fast_median = percentile(fast.clone(), 0.5);
        let slow_median = percentile(slow, 0.5);
        println!(
            "{n} deployments: index built in {:.0} ms; search p50 {:.3} ms, p99 {:.3} ms; \
             naive scan p50 {:.1} ms ({:.0}x slower); top-5 overlap {:.1}% over {naive_queries} queries",
            ms(built),
            ms(fast_median),
            ms(percentile(fast, 0.99)),
            ms(slow_median),
            slow_median.as_secs_f64() / fast_median.as_secs_f64(),
            100.0 * overlap as f64 / (5 * naive_queries) as f64,
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
