//! The load the endpoint benches put on `serve`: 64 concurrent keep-alive connections
//! (2 client threads), each posting its own signed requests in turn. Criterion times it;
//! the rate and latency percentiles are printed with the rate's ratio to the floor
//! measured in the same run.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

pub const CONCURRENCY: usize = 64;

/// A request as its platform sends it, signed before the clock starts.
pub struct Signed {
    pub body: String,
    pub signature: String,
    pub timestamp: String,
    /// The signature header's name, the timestamp header's, and the content type.
    pub names: (&'static str, &'static str, &'static str),
}

/// Where a body has this, each send puts in a number no send used before: a platform
/// that processes each delivery once (Teams' activity ids) must see every send as new.
pub const FRESH: &str = "@@fresh@@";
static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

async fn post(client: &reqwest::Client, url: &str, s: &Signed) -> Duration {
    let body = if s.body.contains(FRESH) {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        s.body.replace(FRESH, &n.to_string())
    } else {
        s.body.clone()
    };
    let start = Instant::now();
    let (signature, timestamp, content_type) = s.names;
    let res = client
        .post(url)
        .header(signature, &s.signature)
        .header(timestamp, &s.timestamp)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let _ = res.bytes().await.unwrap();
    start.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

pub fn run(
    c: &mut Criterion,
    group_name: &str,
    name: &str,
    requests: Arc<Vec<Vec<Signed>>>,
    urls: Vec<String>,
    floor: f64,
) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    // Where each connection is in its list of requests, across all of criterion's batches:
    // a request is sent once, as a platform sends each interaction once.
    let cursors: Arc<Vec<std::sync::atomic::AtomicUsize>> = Arc::new(
        (0..CONCURRENCY)
            .map(|_| std::sync::atomic::AtomicUsize::new(0))
            .collect(),
    );
    let totals = Arc::new(Mutex::new((0u64, Duration::ZERO)));
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function(name, |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (client, urls, requests, latencies, totals, cursors) = (
                client.clone(),
                urls.clone(),
                requests.clone(),
                latencies.clone(),
                totals.clone(),
                cursors.clone(),
            );
            async move {
                let per_task = iters.div_ceil(CONCURRENCY as u64);
                let start = Instant::now();
                let mut tasks = Vec::new();
                for t in 0..CONCURRENCY {
                    // Connections are spread over the servers in turn, as a load balancer would.
                    let url = urls[t % urls.len()].clone();
                    let (client, requests, cursors) =
                        (client.clone(), requests.clone(), cursors.clone());
                    tasks.push(tokio::spawn(async move {
                        let mine = &requests[t % requests.len()];
                        let mut out = Vec::with_capacity(per_task as usize);
                        for _ in 0..per_task as usize {
                            let i = cursors[t].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            out.push(post(&client, &url, &mine[i % mine.len()]).await);
                        }
                        out
                    }));
                }
                let mut all = Vec::new();
                for task in tasks {
                    all.extend(task.await.unwrap());
                }
                let elapsed = start.elapsed();
                let mut tot = totals.lock().unwrap();
                tot.0 += all.len() as u64;
                tot.1 += elapsed;
                latencies.lock().unwrap().extend(all);
                elapsed.mul_f64(iters as f64 / (per_task * CONCURRENCY as u64) as f64)
            }
        })
    });
    group.finish();
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let (n, time) = *totals.lock().unwrap();
    let rate = n as f64 / time.as_secs_f64();
    println!(
        "{name}: {n} requests, {rate:.0} req/s ({:.3} of the floor), p50 {:.2} ms, p99 {:.2} ms",
        rate / floor,
        percentile(&l, 0.5),
        percentile(&l, 0.99)
    );
    rate
}
