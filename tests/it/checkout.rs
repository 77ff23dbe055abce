//! Whole checkouts through `checkout-bot chat --json`, with bad inputs along the way.

use crate::common::chat::Chat;
use serde_json::{Value, json};

fn fresh_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    (dir, url)
}

/// Buys each (category command, product label, quantity) from the store.
fn add(c: &mut Chat, items: &[(&str, &str, u32)]) {
    for (buy, label, qty) in items {
        c.send(buy);
        c.choose("Details", label);
        if *qty > 1 {
            c.send(&qty.to_string());
        }
        c.click("Add to cart");
        assert_eq!(c.notice_kind(), "success", "{}", c.last);
    }
}

fn option_values(c: &Chat, label: &str) -> Vec<String> {
    c.action(label)["options"]
        .as_array()
        .map(|o| {
            o.iter()
                .filter_map(|x| x["value"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn address() -> Value {
    json!({"name": "Dana Reyes", "street": "500 Main St\nSuite 2", "city": "Austin", "region": "TX", "postal_code": "78701"})
}

fn orders(c: &mut Chat) -> usize {
    c.send("/orders");
    c.last["view"]["fields"].as_array().map_or(0, Vec::len)
}

/// From the PO question to the placed order.
fn no_po_agree_and_process(c: &mut Chat, button: &str) {
    assert_eq!(c.step(), "po", "{}", c.last);
    c.click("No");
    c.click("I agree to the terms");
    assert_eq!(c.step(), "summary", "{}", c.last);
    c.click(button);
    assert_eq!(c.step(), "placed", "{}", c.last);
}

#[test]
fn saved_card_with_a_deployment_and_a_look_alike() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(&mut c, &[("/buy modules", "EndPoint Manager", 1)]);
    c.send("/checkout");
    assert_eq!(c.step(), "deployment");
    c.send("Main Ofice PBX");
    let found = option_values(&c, "Choose a deployment");
    assert!(
        found.contains(&"104512".into()) && found.contains(&"104521".into()),
        "{found:?}"
    );
    assert!(
        !found.contains(&"700100".into()),
        "another organization's deployment is never offered"
    );
    c.choose("Choose a deployment", "104512");
    assert_eq!(c.step(), "look_alike");
    assert!(
        c.last["view"]["body"]
            .as_str()
            .unwrap()
            .contains("cannot be moved")
    );
    c.click("Yes, use 104512");
    assert_eq!(c.step(), "payment");
    c.choose("Payment method", "New credit card");
    assert!(
        c.notice().contains("/pay/"),
        "a one-time link to the card page: {}",
        c.last
    );
    assert_eq!(c.step(), "payment");
    c.choose("Payment method", "Visa •••• 4242 (exp 12/30)");
    no_po_agree_and_process(&mut c, "Process order");
    assert_eq!(c.field("Status"), "paid");
    assert!(
        c.last["view"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["label"]
                .as_str()
                .unwrap()
                .contains("104512 · Main Office PBX"))
    );
    c.finish();
}

#[test]
fn wire_transfer_with_shipping_and_bad_addresses() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(
        &mut c,
        &[
            ("/buy phones", "P330 Desk Phone", 4),
            ("/buy support credits", "Support Credits", 10),
        ],
    );
    c.send("/checkout");
    assert_eq!(c.step(), "organizations");
    c.choose("Organization for all items", "Borealis Health");
    c.click("Continue");
    assert_eq!(c.step(), "shipping");
    let mut bad = address();
    bad["region"] = json!("Texas");
    c.submit("Enter address", bad);
    assert_eq!(c.notice_kind(), "error");
    assert!(c.notice().contains("State / province"), "{}", c.last);
    let form = c.action("Enter address").clone();
    let city = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "city")
        .unwrap();
    assert_eq!(city["value"], "Austin", "the other fields stay filled");
    c.submit("Enter address", address());
    c.choose("Shipping rate", "ground");
    assert_eq!(c.field("Shipping (Ground)"), "USD 17.45");
    assert_eq!(c.field("Total"), "USD 1,613.45");
    c.click("Continue");
    c.choose("Payment method", "Wire transfer");
    no_po_agree_and_process(&mut c, "Process order");
    assert_eq!(c.field("Status"), "awaiting payment");
    assert!(
        c.last["view"]["body"]
            .as_str()
            .unwrap()
            .contains("wire transfer"),
        "{}",
        c.last
    );
    assert_eq!(c.field("Total"), "USD 1,613.45");
    c.finish();
}

#[test]
fn check_with_a_po_number() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(&mut c, &[("/buy hourly support", "Hourly Support", 3)]);
    c.send("/checkout");
    c.click("Continue");
    c.choose("Payment method", "Check");
    c.click("Yes");
    c.send("PO 2026 #1");
    assert_eq!(c.notice_kind(), "error");
    assert_eq!(c.step(), "po_number");
    c.submit("Enter PO number", json!({"po": " PO-2026-0142 "}));
    assert_eq!(c.step(), "terms");
    c.click("I agree to the terms");
    assert_eq!(c.field("PO number"), "PO-2026-0142");
    c.click("Process order");
    assert_eq!(c.field("Status"), "awaiting payment");
    assert!(c.last["view"]["body"].as_str().unwrap().contains("check"));
    c.finish();
}

#[test]
fn a_quote_then_converted_to_an_invoice() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(&mut c, &[("/buy per-incident", "Single Incident", 2)]);
    c.send("/checkout");
    c.click("Continue");
    c.choose("Payment method", "Save as a quote");
    no_po_agree_and_process(&mut c, "Save quote");
    assert_eq!(c.field("Status"), "quote");
    let number = c.field("Number");
    c.send("/quotes");
    c.choose("View a quote", &number);
    c.click("Convert to invoice");
    assert_eq!(c.field("Status"), "awaiting payment");
    c.finish();
}

#[test]
fn several_deployment_lines_per_line_and_with_apply_to_all() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(
        &mut c,
        &[
            ("/buy modules", "Park Pro", 1),
            ("/buy modules", "System Admin Pro", 1),
            (
                "/buy peace of mind",
                "Peace of Mind Plan, Standard, 1 year",
                1,
            ),
        ],
    );
    c.send("/checkout");
    c.send("Denver Clinic");
    c.choose("Choose a deployment", "512300");
    c.click("Yes, use 512300");
    c.click("Next");
    c.send("Tucson");
    let tucson = option_values(&c, "Choose a deployment")[0].clone();
    c.choose("Choose a deployment", &tucson);
    if c.step() == "look_alike" {
        c.click(&format!("Yes, use {tucson}"));
    }
    c.choose("Choose for", "Peace of Mind Plan, Standard, 1 year × 1");
    c.send("512300");
    assert_eq!(
        c.step(),
        "deployment",
        "a confirmed deployment needs no second confirmation"
    );
    c.click("Next");
    assert_eq!(c.step(), "payment");
    c.choose("Payment method", "wire");
    c.click("No");
    c.click("I agree to the terms");
    let labels: Vec<String> = c.last["view"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap().to_string())
        .collect();
    assert!(labels.iter().any(|l| l.contains(&tucson)), "{labels:?}");
    c.click("Edit deployments");
    c.click("Apply 512300 to all");
    assert_eq!(c.step(), "summary");
    let labels: Vec<String> = c.last["view"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        labels.iter().filter(|l| l.contains("512300")).count(),
        3,
        "{labels:?}"
    );
    c.click("Process order");
    assert_eq!(c.step(), "placed");
    c.finish();
}

#[test]
fn a_forged_deployment_id_from_another_organization_is_refused() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(&mut c, &[("/buy modules", "Call Center Pro", 1)]);
    c.send("/checkout");
    let search = c.id("Search");
    let forged = search.replace("dsearch", "dchoose");
    c.send_json(json!({"choose": forged, "values": ["700100"]}));
    assert_eq!(c.notice_kind(), "error");
    assert!(
        c.notice().contains("not in any of your organizations"),
        "{}",
        c.last
    );
    assert_eq!(c.step(), "deployment");
    c.send("/cart");
    c.click("Checkout");
    assert!(
        c.last["view"]["fields"][0]["value"]
            .as_str()
            .unwrap()
            .contains("not chosen"),
        "nothing was assigned: {}",
        c.last
    );
    c.finish();
}

#[test]
fn editing_from_the_summary_keeps_every_other_answer() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(&mut c, &[("/buy support credits", "Support Credits", 20)]);
    c.send("/checkout");
    c.click("Continue");
    c.choose("Payment method", "check");
    c.click("Yes");
    c.send("PO-1");
    c.click("I agree to the terms");
    c.click("Edit payment");
    c.choose("Payment method", "wire");
    assert_eq!(c.step(), "summary");
    assert_eq!(c.field("PO number"), "PO-1");
    assert_eq!(c.field("Payment"), "Wire transfer");
    c.click("Edit organizations");
    c.choose("Organization for all items", "Borealis Health");
    c.click("Continue");
    assert_eq!(c.step(), "summary");
    assert_eq!(c.field("PO number"), "PO-1");
    c.finish();
}

/// A demo user at the summary of a wire-transfer order for support credits, and the
/// Process order button's id.
fn at_summary_paying_by_wire(url: &str) -> (Chat, String) {
    let mut c = Chat::start(url, "demo", &[]);
    add(&mut c, &[("/buy support credits", "Support Credits", 5)]);
    c.send("/checkout");
    c.click("Continue");
    c.choose("Payment method", "wire");
    c.click("No");
    c.click("I agree to the terms");
    let process = c.id("Process order");
    (c, process)
}

#[test]
fn a_duplicated_process_order_yields_one_order() {
    let (_dir, url) = fresh_db();
    let (mut c, process) = at_summary_paying_by_wire(&url);
    c.send_json(json!({"click": process}));
    assert_eq!(c.step(), "placed");
    c.send_json(json!({"click": process}));
    assert_eq!(c.notice_kind(), "warning");
    assert_eq!(orders(&mut c), 1);
    c.finish();
}

#[test]
fn two_processes_racing_on_process_order_yield_one_order() {
    let (_dir, url) = fresh_db();
    let (mut c, process) = at_summary_paying_by_wire(&url);
    let mut others: Vec<Chat> = (0..3).map(|_| Chat::start(&url, "demo", &[])).collect();
    let line = json!({"click": process}).to_string();
    let handles: Vec<_> = others
        .drain(..)
        .map(|mut o| {
            let line = line.clone();
            std::thread::spawn(move || {
                o.send(&line);
                o.finish();
            })
        })
        .collect();
    c.send(&line);
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(orders(&mut c), 1);
    c.finish();
}

#[test]
fn shortcuts_and_ticket_links() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    c.send("add 5 hours of hourly support");
    assert_eq!(c.step(), "confirm_shortcut");
    c.click("Yes, add it");
    assert_eq!(
        c.field("Hourly Support × 5"),
        "USD 625.00 (USD 125.00 each)"
    );
    c.send("gimme stuff");
    assert_eq!(c.notice_kind(), "info");
    c.send("/ticket");
    let links: Vec<&str> = c.last["view"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["url"].as_str())
        .collect();
    assert!(links.contains(&"https://support.example.com"), "{links:?}");
    c.finish();
}

/// A half-filled address form is kept in the stored session: after the process is
/// killed and started again, the form shows what was typed.
#[test]
fn a_half_filled_address_survives_a_restart() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[]);
    add(&mut c, &[("/buy phones", "P330 Desk Phone", 1)]);
    c.send("/checkout");
    assert_eq!(c.step(), "shipping", "{}", c.last);
    c.submit(
        "Enter address",
        json!({"name": "Dana Reyes", "street": "500 Main St", "city": "", "region": "", "postal_code": ""}),
    );
    assert_eq!(c.notice_kind(), "error");
    c.kill();
    let mut c = Chat::start(&url, "demo", &[]);
    c.send("/checkout");
    assert_eq!(c.step(), "shipping", "{}", c.last);
    let form = c.action("Enter address").clone();
    let value = |id: &str| {
        form["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["value"].clone())
            .unwrap()
    };
    assert_eq!(value("name"), "Dana Reyes");
    assert_eq!(value("street"), "500 Main St");
    c.finish();
}

/// A whole checkout in German: every view and notice in German, money and dates written
/// the German way, and the order placed and charged as in English.
#[test]
fn a_whole_checkout_in_german() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "demo", &[("DEFAULT_LOCALE", "de")]);
    assert_eq!(c.step(), "welcome");
    c.send("/buy phones");
    assert!(
        c.last["view"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Shop · "),
        "{}",
        c.last
    );
    c.choose("Details", "P330 Desk Phone");
    c.send("2");
    c.click("In den Warenkorb");
    assert_eq!(c.notice_kind(), "success");
    assert!(c.notice().contains("liegt im Warenkorb"), "{}", c.last);
    c.send("/buy support credits");
    c.choose("Details", "Support Credits");
    c.click("In den Warenkorb");
    c.send("/cart");
    assert!(c.field("Zwischensumme").ends_with(" USD"), "{}", c.last);
    c.click("Zur Kasse");
    assert_eq!(c.step(), "organizations", "{}", c.last);
    c.choose("Organisation für alle Artikel", "Borealis Health");
    c.click("Weiter");
    assert_eq!(c.step(), "shipping");
    c.submit("Adresse eingeben", address());
    assert!(c.notice().contains("Adresse gespeichert"), "{}", c.last);
    c.choose("Versandart", "ground");
    let total = c.field("Summe");
    assert!(
        total.ends_with(" USD") && total.contains(','),
        "German money: {total}"
    );
    c.click("Weiter");
    assert_eq!(c.step(), "payment");
    let card = option_values(&c, "Zahlungsart")[0].clone();
    c.choose("Zahlungsart", &card);
    assert_eq!(c.step(), "po");
    c.send("nein");
    assert_eq!(c.step(), "terms", "{}", c.last);
    c.send("ich stimme zu");
    assert_eq!(c.step(), "summary", "{}", c.last);
    assert_eq!(c.field("Summe"), total, "the review shows the same total");
    c.click("Bestellung aufgeben");
    assert_eq!(c.step(), "placed", "{}", c.last);
    let title = c.last["view"]["title"].as_str().unwrap().to_string();
    assert!(title.starts_with("Bestellung CB-"), "{title}");
    c.send("/orders");
    let listed = c.last["view"]["fields"][0]["label"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        regex_like_german_date(&listed),
        "dates as DD.MM.YYYY: {listed}"
    );
    let shown = c.last.to_string();
    for english in ["Your orders", "Continue shopping", "Help", "Cancel"] {
        assert!(!shown.contains(english), "{english} in {shown}");
    }
    c.finish();
}

fn regex_like_german_date(text: &str) -> bool {
    text.split(' ').any(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3 && parts[0].len() == 2 && parts[1].len() == 2 && parts[2].len() == 4
    })
}

fn operator(url: &str, args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run checkout-bot");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The review's reproduction: a buyer whose default is Acme orders a plan for a
/// Borealis deployment with a PO number. Borealis's policy wants an approver for that,
/// so the order waits for one, whatever the buyer's default organization says.
#[test]
fn a_plan_for_another_organizations_deployment_waits_for_that_organizations_approval() {
    let (_dir, url) = fresh_db();
    // The first chat seeds the demo data; the operator then sets Borealis's policy.
    Chat::start(&url, "demo", &[]).finish();
    operator(
        &url,
        &[
            "orgs",
            "set-approval",
            "ORG-BOREALIS",
            "--po-required",
            "true",
        ],
    );
    operator(
        &url,
        &[
            "members",
            "add",
            "--platform",
            "console",
            "--user",
            "boss",
            "--org",
            "ORG-BOREALIS",
            "--role",
            "approver",
            "--name",
            "Borealis Boss",
        ],
    );
    let mut c = Chat::start(&url, "demo", &[]);
    add(
        &mut c,
        &[(
            "/buy peace of mind",
            "Peace of Mind Plan, Standard, 1 year",
            1,
        )],
    );
    c.send("/checkout");
    c.send("512300");
    if c.step() == "look_alike" {
        c.click("Yes, use 512300");
    }
    if c.step() == "deployment" {
        c.click("Next");
    }
    assert_eq!(c.step(), "payment", "{}", c.last);
    c.choose("Payment method", "wire");
    c.click("Yes");
    c.send("PO-BOR-1");
    c.click("I agree to the terms");
    c.click("Process order");
    assert_eq!(c.step(), "placed", "{}", c.last);
    assert!(
        c.notice().contains("approv"),
        "the order waits for Borealis's approver: {}",
        c.last
    );
    c.send("/orders");
    let listed = c.last.to_string();
    assert!(listed.contains("awaiting approval"), "{listed}");
    c.finish();
}
