//! Property test through the bot, the store and the payment processor: for random carts
//! and checkouts by a returning buyer (whose address and card are remembered), the
//! total the review shows is the total the stored order carries and the amount the
//! payments is asked to charge. (The engine's own property test runs 10,000 cases of the
//! arithmetic; this one follows each amount out to the payments.)

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::domain::account::Identity;
use checkout_bot::domain::card::CardInput;
use checkout_bot::domain::money::Money;
use checkout_bot::engine::event::Event;
use checkout_bot::engine::view::{ActionKind, Reply};
use checkout_bot::services::payments::{Charge, PaymentError, Payments, Refund, SandboxPayments};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// The sandbox, recording every amount it is asked to charge, by idempotency key.
#[derive(Default)]
struct Recording {
    inner: SandboxPayments,
    charged: Mutex<Vec<(String, Money)>>,
}

#[async_trait]
impl Payments for Recording {
    async fn tokenize(&self, card: &CardInput) -> Result<String, PaymentError> {
        self.inner.tokenize(card).await
    }
    async fn refund(
        &self,
        charge_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<Refund, PaymentError> {
        self.inner.refund(charge_id, amount, idempotency_key).await
    }
    async fn charge(&self, token: &str, amount: &Money, key: &str) -> Result<Charge, PaymentError> {
        if let Ok(mut c) = self.charged.lock() {
            c.push((key.to_string(), amount.clone()));
        }
        self.inner.charge(token, amount, key).await
    }
}

const PRODUCTS: [&str; 6] = [
    "Hourly Support",
    "Support Credits",
    "P310 Desk Phone",
    "P370 Executive Phone",
    "DB20 DECT Base Station",
    "Emergency Hourly Support",
];

fn action(r: &Reply, verb: &str) -> Option<(String, Vec<String>)> {
    r.view
        .actions
        .iter()
        .find(|a| a.id.split(':').nth(1) == Some(verb))
        .map(|a| {
            let values = match &a.kind {
                ActionKind::Select { options, .. } => {
                    options.iter().map(|o| o.value.clone()).collect()
                }
                _ => Vec::new(),
            };
            (a.id.clone(), values)
        })
}

fn amount(shown: &str) -> Decimal {
    let digits: String = shown
        .trim_start_matches("USD ")
        .chars()
        .filter(|c| *c != ',')
        .collect();
    Decimal::from_str(&digits).unwrap_or_else(|e| panic!("{shown}: {e}"))
}

struct Run {
    bot: Arc<Bot>,
    payments: Arc<Recording>,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Run {
    fn send(&self, e: Event) -> Reply {
        let who = Identity::new("console", "local", "demo");
        self.rt
            .block_on(self.bot.respond(&who, "en", e))
            .unwrap_or_else(|f| panic!("{}", f.text))
    }

    fn press(&self, r: &Reply, verb: &str) -> Reply {
        let (id, _) = action(r, verb).unwrap_or_else(|| panic!("no {verb} on {}", r.view.step));
        self.send(Event::Click { action: id })
    }

    fn pick(&self, r: &Reply, verb: &str, which: usize) -> Reply {
        let (id, values) =
            action(r, verb).unwrap_or_else(|| panic!("no {verb} on {}", r.view.step));
        let value = values[which % values.len()].clone();
        self.send(Event::Choose {
            action: id,
            values: vec![value],
        })
    }
}

fn setup() -> Run {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let payments = Arc::new(Recording::default());
    let bot = rt.block_on(async {
        let store = checkout_bot::store::Store::connect(&url).await.unwrap();
        checkout_bot::demo::seed_if_empty(&store).await.unwrap();
        Bot::with_payments(store, Config::default(), payments.clone()).unwrap()
    });
    Run {
        bot: Arc::new(bot),
        payments,
        rt,
        _dir: dir,
    }
}

thread_local! {
    static RUN: Run = setup();
}

/// A product's quantity rule, read from the catalog's fields: the oracle does not ask
/// the engine what it accepts.
fn accepts(p: &checkout_bot::domain::catalog::Product, qty: u32) -> bool {
    qty >= p.min_qty && qty <= p.max_qty && (qty - p.min_qty).is_multiple_of(p.step_qty.max(1))
}

/// What the cart must hold after `lines` are bought and the first line is edited to
/// `edit`, by SKU, worked out from the catalog alone, in the order first added.
fn expected_lines(
    catalog: &checkout_bot::domain::catalog::Catalog,
    asked: &[(usize, u32)],
    edit: Option<u32>,
) -> Vec<(String, u32, Decimal)> {
    let mut cart: Vec<(String, u32, Decimal)> = Vec::new();
    for (product, qty) in asked {
        let p = catalog
            .products
            .iter()
            .find(|p| p.name == PRODUCTS[*product])
            .expect("a demo product");
        match cart.iter_mut().find(|(sku, _, _)| *sku == p.sku) {
            Some(line) if accepts(p, line.1 + qty) => line.1 += qty,
            Some(_) => {}
            None if accepts(p, *qty) => cart.push((p.sku.clone(), *qty, p.price)),
            None => {}
        }
    }
    if let (Some(q), Some(first)) = (edit, cart.first_mut()) {
        let p = catalog
            .products
            .iter()
            .find(|p| p.sku == first.0)
            .expect("a product in the cart");
        if accepts(p, q) {
            first.1 = q;
        }
    }
    cart
}

/// Runs one checkout; false when nothing could be added, so there was nothing to check.
fn checkout(lines: &[(usize, u32)], rate: usize, edit: Option<u32>) -> bool {
    RUN.with(|run| {
        let cart = run.send(Event::from_line("/cart"));
        if action(&cart, "empty").is_some() {
            let confirm = run.press(&cart, "empty");
            run.press(&confirm, "emptyok");
        }
        let mut r;
        let mut asked = Vec::new();
        for (product, qty) in lines {
            let qty = if PRODUCTS[*product] == "Support Credits" {
                qty * 5
            } else {
                *qty
            }
            .max(2);
            asked.push((*product, qty));
            r = run.send(Event::from_line(&format!(
                "buy {qty} {}",
                PRODUCTS[*product]
            )));
            if r.view.step == "confirm_shortcut" {
                run.press(&r, "scyes");
            }
        }
        r = run.send(Event::from_line("/checkout"));
        if r.view.step == "cart" {
            return false; // nothing could be added (a quantity over a product's limit)
        }
        let mut edited = false;
        for _ in 0..30 {
            r = match r.view.step {
                "organizations" => run.press(&r, "odone"),
                "shipping" if action(&r, "rate").is_none() => {
                    let (form, _) = action(&r, "addr").expect("an address form");
                    let fields = [
                        ("name", "Dana Reyes"),
                        ("street", "500 Main St"),
                        ("city", "Austin"),
                        ("region", "TX"),
                        ("postal_code", "78701"),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                    run.send(Event::Submit {
                        action: form,
                        fields,
                    })
                }
                "shipping" => {
                    let rr = run.pick(&r, "rate", rate);
                    run.press(&rr, "sdone")
                }
                "payment" => run.pick(&r, "pay", 0),
                "po" => run.press(&r, "pono"),
                "terms" => run.press(&r, "agree"),
                "cart" => run.press(&r, "checkout"),
                "line" => {
                    let rr = run.send(Event::from_line(&edit.unwrap_or(3).to_string()));
                    run.press(&rr, "cart")
                }
                "summary" if !edited && edit.is_some() => {
                    edited = true;
                    let rr = run.press(&r, "edit");
                    run.pick(&rr, "line", 0)
                }
                "summary" => break,
                other => panic!("unexpected step {other}: {:?}", r.notice),
            };
        }
        assert_eq!(r.view.step, "summary", "{:?}", r.notice);
        let field = |label: &str| {
            r.view
                .fields
                .iter()
                .find(|f| f.label == label)
                .map(|f| amount(&f.value))
        };
        let reviewed = field("Total").expect("a total");
        let placed = run.press(&r, "process");
        assert_eq!(placed.view.step, "placed", "{:?}", placed.notice);
        let number = placed
            .view
            .title
            .split_whitespace()
            .find(|w| w.starts_with("CB-"))
            .expect("an order number")
            .to_string();
        let order = run
            .rt
            .block_on(run.bot.store().order_by_number(&number))
            .unwrap()
            .unwrap();
        assert_eq!(order.details.total.amount, reviewed, "stored total");
        // The oracle: the lines and their totals from the catalog's prices and the
        // quantities asked for, not from the engine's own lines.
        let (_, catalog) = run
            .rt
            .block_on(run.bot.store().current_catalog())
            .unwrap()
            .expect("the demo catalog");
        let want = expected_lines(&catalog, &asked, edit);
        let got: Vec<(String, u32, Decimal)> = order
            .details
            .lines
            .iter()
            .map(|l| (l.sku.clone(), l.qty, l.unit_price.amount))
            .collect();
        assert_eq!(got, want, "lines, quantities and unit prices");
        let from_catalog: Decimal = want
            .iter()
            .map(|(_, qty, price)| price * Decimal::from(*qty))
            .sum();
        assert_eq!(
            order.details.subtotal.amount, from_catalog,
            "the subtotal is the catalog's prices times the quantities"
        );
        for l in &order.details.lines {
            assert_eq!(l.total.amount, l.unit_price.amount * Decimal::from(l.qty));
        }
        let lines: Decimal = order.details.lines.iter().map(|l| l.total.amount).sum();
        assert_eq!(
            order.details.total.amount,
            lines + order.details.shipping.amount
        );
        let charged = run.payments.charged.lock().unwrap();
        let (_, paid) = charged
            .iter()
            .find(|(key, _)| *key == order.details.key)
            .expect("the card was charged");
        assert_eq!(paid.amount, reviewed, "charged amount");
        assert_eq!(
            charged
                .iter()
                .filter(|(key, _)| *key == order.details.key)
                .count(),
            1,
            "charged once"
        );
        true
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1_000,
        // Saved failures in tests/totals.proptest-regressions run first, every time.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions")
        )),
        // A case where nothing could be added checks nothing: it is rejected and
        // replaced, and too many rejections fail the test instead of passing it.
        max_global_rejects: 200,
        ..ProptestConfig::default()
    })]
    #[test]
    fn reviewed_placed_and_charged_totals_agree(
        lines in prop::collection::vec((0..PRODUCTS.len(), 1u32..12), 1..4),
        rate in 0usize..3,
        edit in prop::option::of(2u32..40),
    ) {
        prop_assume!(checkout(&lines, rate, edit), "nothing could be added");
    }
}
