//! Documents (issue 28): writing an order's invoice as PDF, from the stored order, in
//! English and German. Target: at most 50 ms a document. The floor, measured in the same
//! run, is reading that order from the same SQLite file (`Store::order_by_number`): the
//! least a document costs is the order it is written from.

use std::time::{Duration, Instant};

use checkout_bot::config::Config;
use checkout_bot::domain::money::{Currency, Money};
use checkout_bot::domain::order::{
    Named, NewOrder, Order, OrderKind, OrderLine, OrderStatus, Payment,
};
use checkout_bot::services::documents::Kind;
use checkout_bot::store::Store;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

fn order(account: &str) -> Order {
    let usd = |n: i64| Money::new(Decimal::from(n), Currency::usd());
    let lines = (0..12)
        .map(|i| OrderLine {
            sku: "SUP-CREDIT".into(),
            name: "Support Credits".into(),
            qty: 5,
            unit_price: usd(100),
            total: usd(500),
            deployment: Some(Named {
                id: format!("10{i:04}"),
                name: format!("Branch office PBX {i}"),
            }),
            deployment_org: Some("ORG-ACME".into()),
            organization: Some(Named {
                id: "ORG-ACME".into(),
                name: "Acme Telecom".into(),
            }),
        })
        .collect();
    Order {
        number: "CB-900001".into(),
        kind: OrderKind::Order,
        status: OrderStatus::AwaitingPayment,
        created_at: 1_796_644_800_000,
        details: NewOrder {
            key: "bench".into(),
            account_id: account.into(),
            placed_by: "Bench Buyer".into(),
            placed_via: None,
            lines,
            delivery: None,
            payment: Payment::Wire,
            po_number: Some("PO-4711".into()),
            subtotal: usd(6000),
            shipping: usd(0),
            total: usd(6000),
        },
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt.block_on(async {
        let store = Store::connect(&format!("sqlite:{}", dir.path().join("d.db").display()))
            .await
            .unwrap();
        checkout_bot::demo::seed_if_empty(&store).await.unwrap();
        let account = store
            .create_account("Bench Buyer", Some("ORG-ACME"))
            .await
            .unwrap();
        assert!(store.insert_order(&order(&account)).await.unwrap());
        store
    });
    let config = Config::default();
    let stored = rt
        .block_on(store.order_by_number("CB-900001"))
        .unwrap()
        .unwrap();
    let mut g = c.benchmark_group("documents");
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("floor: read the order", |b| {
        b.iter(|| rt.block_on(store.order_by_number("CB-900001")).unwrap())
    });
    for locale in ["en", "de"] {
        g.bench_function(format!("invoice of 12 lines, {locale}"), |b| {
            b.iter(|| {
                rt.block_on(config.document(&store, &stored, Some(Kind::Invoice), locale))
                    .unwrap()
                    .unwrap()
            })
        });
    }
    g.finish();
    // The figures as one line each, with the ratio to the floor, for docs/performance.md.
    let time = |f: &mut dyn FnMut()| {
        let n = 50;
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed() / n
    };
    let floor = time(&mut || {
        rt.block_on(store.order_by_number("CB-900001")).unwrap();
    });
    let doc = time(&mut || {
        rt.block_on(config.document(&store, &stored, Some(Kind::Invoice), "de"))
            .unwrap()
            .unwrap();
    });
    println!(
        "documents: invoice {:.2} ms (target 50 ms), floor {:.3} ms, ratio {:.0}x",
        doc.as_secs_f64() * 1e3,
        floor.as_secs_f64() * 1e3,
        doc.as_secs_f64() / floor.as_secs_f64()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
