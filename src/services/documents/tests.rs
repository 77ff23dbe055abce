//! Every document in both languages, its text read back out of the PDF with poppler's
//! `pdftotext` and compared with the order; the first page of each kind rendered with
//! `pdftoppm` into `target/artifacts/documents` for a person to look at. CI installs
//! poppler-utils; without it these tests say so and stop.

use std::io::Write;
use std::process::{Command, Stdio};

use super::*;
use crate::demo;
use crate::domain::money::Currency;
use crate::domain::order::{Named, NewOrder, OrderLine};

fn have_poppler() -> bool {
    let found = Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    if !found {
        eprintln!("SKIPPED: pdftotext (poppler-utils) is not installed; CI installs it");
    }
    found
}

fn text_of(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Keeps the first page as a PNG beside the build, for CI to keep.
fn keep_picture(name: &str, pdf: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artifacts/documents");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let made = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&file)
        .arg(dir.join(name))
        .status()
        .unwrap();
    assert!(made.success());
    assert!(dir.join(format!("{name}.png")).exists());
}

fn seller() -> Seller {
    Seller {
        name: "Example Vendor Inc.".into(),
        address: "100 Example Way\nSpringfield, IL 62701, USA".into(),
        tax_id: "US-12-3456789".into(),
        terms_url: "https://store.example.com/terms".into(),
        wire_instructions: "Demo Bank, account 000123456.".into(),
        check_instructions: "Payable to Example Vendor Inc.".into(),
        quote_valid_ms: 30 * 86_400_000,
    }
}

fn usd(n: &str) -> Money {
    Money::new(n.parse().unwrap(), Currency::usd())
}

async fn store() -> (Store, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite:{}", dir.path().join("d.db").display()))
        .await
        .unwrap();
    demo::seed_if_empty(&store).await.unwrap();
    let account = store
        .account_id_for(&crate::domain::account::Identity::new(
            "console", "local", "demo",
        ))
        .await
        .unwrap()
        .unwrap();
    (store, account, dir)
}

async fn stored(
    store: &Store,
    account: &str,
    number: &str,
    kind: OrderKind,
    status: OrderStatus,
    payment: Payment,
) -> Order {
    let order = Order {
        number: number.into(),
        kind,
        status,
        // 2026-12-07 12:00 UTC
        created_at: 1_796_644_800_000,
        details: NewOrder {
            key: format!("k-{number}"),
            account_id: account.into(),
            placed_by: "Demo Buyer".into(),
            placed_via: None,
            lines: vec![OrderLine {
                sku: "SUP-CREDIT".into(),
                name: "Support Credits".into(),
                qty: 25,
                unit_price: usd("100"),
                total: usd("2500"),
                deployment: Some(Named {
                    id: "104512".into(),
                    name: "Main Office PBX".into(),
                }),
                deployment_org: Some("ORG-ACME".into()),
                organization: Some(Named {
                    id: "ORG-ACME".into(),
                    name: "Acme Telecom".into(),
                }),
            }],
            delivery: None,
            payment,
            po_number: Some("PO-4711".into()),
            subtotal: usd("2500"),
            shipping: usd("0"),
            total: usd("2500"),
        },
    };
    assert!(store.insert_order(&order).await.unwrap());
    order
}

async fn read(store: &Store, order: &Order, kind: Kind, locale: &str) -> String {
    let prompts = Prompts::embedded().unwrap();
    let written = write(store, &prompts, &seller(), order, Some(kind), locale)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        written.file_name,
        format!("{}.pdf", kind.number(&order.number))
    );
    let again = write(store, &prompts, &seller(), order, Some(kind), locale)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(written.bytes, again.bytes, "the same order, the same bytes");
    keep_picture(
        &format!("{}-{locale}", kind.number(&order.number)),
        &written.bytes,
    );
    // Columns are laid out apart: compare words, not spacing.
    text_of(&written.bytes)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn every_document_reads_back_as_its_order_in_english_and_german() {
    if !have_poppler() {
        return;
    }
    let (store, account, _dir) = store().await;
    let quote = stored(
        &store,
        &account,
        "CB-1",
        OrderKind::Quote,
        OrderStatus::Quote,
        Payment::Quote,
    )
    .await;
    let wire = stored(
        &store,
        &account,
        "CB-2",
        OrderKind::Order,
        OrderStatus::AwaitingPayment,
        Payment::Wire,
    )
    .await;
    let card = stored(
        &store,
        &account,
        "CB-3",
        OrderKind::Order,
        OrderStatus::Paid,
        Payment::Card {
            card_id: "card_1".into(),
            label: "Visa ending 4242".into(),
        },
    )
    .await;
    store.record_charge("CB-3", "ch_test_123").await.unwrap();
    assert!(
        store
            .claim_refund("CB-3", 1, "400".parse().unwrap(), "operator")
            .await
            .unwrap()
    );
    assert!(
        store
            .complete_refund("CB-3", 1, "re_test_9", "USD 400.00", "operator")
            .await
            .unwrap()
    );

    for (locale, words) in [
        (
            "en",
            [
                "Quote",
                "Invoice",
                "Receipt",
                "Credit note",
                "Valid until",
                "Pay by wire transfer",
            ],
        ),
        (
            "de",
            [
                "Angebot",
                "Rechnung",
                "Quittung",
                "Gutschrift",
                "Gültig bis",
                "Zahlung per Überweisung",
            ],
        ),
    ] {
        let common = |t: &str| {
            for want in [
                "Example Vendor Inc.",
                "100 Example Way",
                "US-12-3456789",
                "Demo Buyer",
                "Acme Telecom",
                "Support Credits",
                "104512",
                "Main Office PBX",
                "25",
                "PO-4711",
                "https://store.example.com/terms",
            ] {
                assert!(t.contains(want), "{locale}: no {want:?} in {t}");
            }
        };
        let q = read(&store, &quote, Kind::Quote, locale).await;
        common(&q);
        assert!(q.contains(&format!("{} Q-CB-1", words[0])), "{q}");
        assert!(q.contains(words[4]), "{q}");
        assert!(
            q.contains("2026") && (q.contains("06.01.2027") || q.contains("2027")),
            "the validity date: {q}"
        );

        let i = read(&store, &wire, Kind::Invoice, locale).await;
        common(&i);
        assert!(i.contains(&format!("{} INV-CB-2", words[1])), "{i}");
        assert!(
            i.contains(words[5]) && i.contains("Demo Bank, account 000123456."),
            "{i}"
        );
        assert!(i.contains("CB-2"), "{i}");

        let r = read(&store, &card, Kind::Receipt, locale).await;
        common(&r);
        assert!(r.contains(&format!("{} R-CB-3", words[2])), "{r}");
        assert!(
            r.contains("Visa ending 4242") && r.contains("ch_test_123"),
            "{r}"
        );

        let c = read(&store, &card, Kind::CreditNote(1), locale).await;
        assert!(c.contains(&format!("{} CN-CB-3-1", words[3])), "{c}");
        assert!(c.contains("re_test_9"), "{c}");
        // Money in the reader's format: 2,500.00 / 2.500,00 and 400.00 / 400,00.
        let (total, credited) = if locale == "en" {
            ("2,500.00", "400.00")
        } else {
            ("2.500,00", "400,00")
        };
        for t in [&q, &i, &r] {
            assert!(t.contains(total), "{locale}: {t}");
        }
        assert!(c.contains(credited), "{c}");
    }
}

#[tokio::test]
async fn an_order_without_such_a_document_says_which_it_has() {
    let (store, account, _dir) = store().await;
    let wire = stored(
        &store,
        &account,
        "CB-5",
        OrderKind::Order,
        OrderStatus::AwaitingPayment,
        Payment::Wire,
    )
    .await;
    let prompts = Prompts::embedded().unwrap();
    let refused = write(
        &store,
        &prompts,
        &seller(),
        &wire,
        Some(Kind::Receipt),
        "en",
    )
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(refused, "CB-5 has no receipt: it has invoice");
    assert_eq!(available(&store, &wire).await.unwrap(), [Kind::Invoice]);
    let newest = write(&store, &prompts, &seller(), &wire, None, "en")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newest.file_name, "INV-CB-5.pdf");
    assert_eq!(Kind::parse("credit-note"), Some(Kind::CreditNote(0)));
    assert_eq!(Kind::parse("bill"), None);
}
