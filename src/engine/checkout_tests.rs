//! Unit tests of the checkout steps (seed steps 8–14) and what follows an order.

use super::event::Event;
use super::fake::FakeBackend;
use super::tests::Harness;
use super::view::{ActionKind, NoticeKind};
use crate::import::catalog::demo_catalog;

/// Adds each (category, sku, qty) through the store, then opens the checkout.
fn checkout_with(h: &mut Harness, items: &[(&str, &str, u32)]) {
    for (category, sku, qty) in items {
        h.open_product(category, sku);
        if *qty > 1 {
            h.line(&qty.to_string());
        }
        h.click("Add to cart");
        assert_eq!(h.notice().0, NoticeKind::Success, "{:?}", h.last.notice);
    }
    h.line("/checkout");
}

fn options(h: &Harness, label: &str) -> Vec<String> {
    match &h
        .last
        .view
        .actions
        .iter()
        .find(|a| a.label == label)
        .map(|a| &a.kind)
    {
        Some(ActionKind::Select { options, .. }) => {
            options.iter().map(|o| o.value.clone()).collect()
        }
        _ => Vec::new(),
    }
}

/// Straight through the remaining steps with no PO number, agreeing to the terms.
fn finish_to_summary(h: &mut Harness) {
    if h.step() == "payment" {
        h.choose("Payment method", "card:card_ok");
    }
    h.click("No");
    h.click("I agree to the terms");
    assert_eq!(h.step(), "summary", "{:?}", h.last.notice);
}

#[test]
fn ordinary_typed_replies_answer_confirmations_and_the_terms() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    if h.step() == "organizations" {
        h.click("Continue");
    }
    if h.step() == "payment" {
        h.choose("Payment method", "card:card_ok");
    }
    assert_eq!(h.step(), "po", "{:?}", h.last.view.title);
    h.send(Event::Text("n".into()));
    assert_eq!(h.step(), "terms", "{:?}", h.last.notice);
    h.send(Event::Text("I agree.".into()));
    assert_eq!(h.step(), "summary", "{:?}", h.last.notice);
}

#[test]
fn deployment_search_tolerates_typos_and_partial_ids() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("modules", "MOD-EPM", 1)]);
    assert_eq!(h.step(), "deployment");
    h.line("Wrehouse Nroth");
    assert_eq!(
        options(&h, "Choose a deployment")
            .first()
            .map(String::as_str),
        Some("233415")
    );
    h.submit("Search", "query", "70010");
    assert!(
        !options(&h, "Choose a deployment").contains(&"700100".to_string()),
        "Cobalt's deployments are never offered"
    );
    h.line("10451");
    assert_eq!(options(&h, "Choose a deployment")[0], "104512");
    let msg = h.refused(|h| {
        h.line("   ");
    });
    assert!(msg.contains("Type part"), "{msg}");
    h.line("zzqqxx");
    assert_eq!(h.notice().0, NoticeKind::Warning);
    assert!(h.notice().1.contains("zzqqxx"));
}

#[test]
fn a_look_alike_needs_an_explicit_confirmation() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("modules", "MOD-EPM", 1)]);
    h.line("main office pbx");
    h.choose("Choose a deployment", "104512");
    assert_eq!(h.step(), "look_alike");
    let shown: Vec<_> = h.last.view.fields.iter().map(|f| f.value.clone()).collect();
    assert!(shown.iter().any(|v| v.starts_with("104521")), "{shown:?}");
    assert!(
        shown.iter().all(|v| !v.starts_with("700100")),
        "another org's look-alike is not shown: {shown:?}"
    );
    assert!(h.last.view.body.contains("cannot be moved"));
    h.click("Choose another");
    assert_eq!(h.step(), "deployment");
    assert!(h.s.checkout.as_ref().unwrap().deployments.is_empty());
    h.line("104512");
    h.click("Yes, use 104512");
    assert_eq!(
        h.s.checkout
            .as_ref()
            .unwrap()
            .deployments
            .values()
            .next()
            .unwrap()
            .id,
        "104512"
    );
    assert_eq!(
        h.step(),
        "payment",
        "one org line-free module: on to payment"
    );
}

#[test]
fn forged_or_unknown_deployment_ids_are_refused() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("modules", "MOD-EPM", 1)]);
    let choose = h.id("Search");
    let forged = choose.replace("dsearch", "dchoose");
    let msg = h.refused(|h| {
        h.send(Event::Choose {
            action: forged.clone(),
            values: vec!["700101".into()],
        });
    });
    assert!(msg.contains("not in any of your organizations"), "{msg}");
    let msg = h.refused(|h| {
        h.send(Event::Choose {
            action: forged.clone(),
            values: vec!["999999999".into()],
        });
    });
    let another_orgs = h.refused(|h| {
        h.send(Event::Choose {
            action: forged.clone(),
            values: vec!["700101".into()],
        });
    });
    assert_eq!(
        msg, another_orgs,
        "an unknown deployment is answered as another organization's"
    );
}

#[test]
fn apply_to_all_assigns_every_license_line() {
    let mut h = Harness::new();
    checkout_with(
        &mut h,
        &[
            ("modules", "MOD-EPM", 1),
            ("modules", "MOD-PARKPRO", 1),
            ("pomps", "POMP-STD-1Y", 1),
        ],
    );
    h.line("Cobalt");
    h.line("Radiology Lab B");
    h.click("Yes, use 613773");
    assert_eq!(
        h.step(),
        "deployment",
        "with several lines, stays for Apply to all"
    );
    h.click("Apply 613773 to all");
    let c = h.s.checkout.as_ref().unwrap();
    assert_eq!(c.deployments.len(), 3);
    assert!(c.deployments.values().all(|d| d.id == "613773"));
    assert_eq!(h.step(), "payment");
}

#[test]
fn each_line_can_get_its_own_deployment() {
    let mut h = Harness::new();
    checkout_with(
        &mut h,
        &[("modules", "MOD-EPM", 1), ("modules", "MOD-PARKPRO", 1)],
    );
    let msg = h.refused(|h| {
        let rev = h.s.rev;
        h.send(Event::Click {
            action: format!("{rev}:dnext"),
        });
    });
    assert!(msg.contains("first"), "{msg}");
    h.line("cobalt dispatch");
    assert!(!options(&h, "Choose a deployment").contains(&"700101".to_string()));
    h.line("Tampa");
    let first = options(&h, "Choose a deployment")[0].clone();
    h.choose("Choose a deployment", &first);
    if h.step() == "look_alike" {
        h.click(&format!("Yes, use {first}"));
    }
    h.click("Next");
    assert_eq!(h.step(), "deployment");
    h.line("Denver Clinic");
    h.choose("Choose a deployment", "512300");
    h.click("Yes, use 512300");
    h.click("Next");
    let c = h.s.checkout.as_ref().unwrap();
    let ids: Vec<_> = c.deployments.values().map(|d| d.id.clone()).collect();
    assert_eq!(ids, [first, "512300".to_string()]);
    assert_eq!(h.step(), "payment");
}

#[test]
fn organizations_default_and_can_change_but_only_to_the_users_own() {
    let mut h = Harness::new();
    checkout_with(
        &mut h,
        &[
            ("support-credits", "SUP-CREDIT", 5),
            ("hourly-support", "SUP-HOURLY", 2),
        ],
    );
    assert_eq!(h.step(), "organizations");
    assert!(
        h.last.view.fields.iter().all(|f| f.value == "Acme Telecom"),
        "{:?}",
        h.last.view.fields
    );
    h.choose("Organization for all items", "ORG-BOREALIS");
    assert!(
        h.last
            .view
            .fields
            .iter()
            .all(|f| f.value == "Borealis Health")
    );
    let line = h.s.cart.lines[0].id.to_string();
    h.choose("Change one item", &line);
    assert_eq!(h.step(), "organization_line");
    let msg = h.refused(|h| {
        h.choose("Organization", "ORG-COBALT");
    });
    assert!(msg.contains("not one of yours"), "{msg}");
    h.choose("Organization", "ORG-ACME");
    assert_eq!(h.last.view.fields[0].value, "Acme Telecom");
    assert_eq!(h.last.view.fields[1].value, "Borealis Health");
    h.click("Continue");
    assert_eq!(h.step(), "payment");
}

#[test]
fn a_single_organization_is_assigned_without_asking() {
    let mut h = Harness::with(demo_catalog(), FakeBackend::new().with_one_org());
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    assert_eq!(h.step(), "payment");
    assert_eq!(
        h.s.checkout
            .as_ref()
            .unwrap()
            .organizations
            .values()
            .next()
            .unwrap()
            .name,
        "Acme Telecom"
    );
}

#[test]
fn shipping_validates_each_field_and_keeps_what_was_typed() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("phones", "PHN-P310", 3)]);
    assert_eq!(h.step(), "shipping");
    assert!(
        options(&h, "Shipping rate").is_empty(),
        "no rates before an address"
    );
    let form = h.id("Enter address");
    let mut fields: std::collections::BTreeMap<String, String> = [
        ("name", "Dana Reyes"),
        ("street", "500 Main St"),
        ("city", "Austin"),
        ("region", "TX"),
        ("postal_code", "7870"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    h.send(Event::Submit {
        action: form,
        fields: fields.clone(),
    });
    assert_eq!(h.notice().0, NoticeKind::Error);
    assert!(h.notice().1.contains("Postal code"), "{}", h.notice().1);
    assert_eq!(h.step(), "shipping");
    let ActionKind::Form { fields: shown, .. } = &h
        .last
        .view
        .actions
        .iter()
        .find(|a| a.label == "Enter address")
        .unwrap()
        .kind
    else {
        panic!("no form");
    };
    assert_eq!(
        shown.iter().find(|f| f.id == "city").unwrap().value,
        "Austin",
        "the other fields stay filled"
    );
    let msg = h.refused(|h| {
        h.click("Help");
        let rev = h.s.rev;
        h.send(Event::Click {
            action: format!("{rev}:sdone"),
        });
    });
    assert!(msg.contains("address"), "{msg}");
    fields.insert("postal_code".into(), "78701".into());
    h.submit_fields("Enter address", &fields);
    assert_eq!(h.notice().0, NoticeKind::Success);
    let rates = options(&h, "Shipping rate");
    assert_eq!(rates, ["ground", "express", "overnight"]);
    h.choose("Shipping rate", "express");
    assert_eq!(
        h.field("Shipping (Express)"),
        "USD 28.95",
        "3 × 0.9 kg: 3 started kg at 3.00 + 19.95"
    );
    assert_eq!(h.field("Total"), "USD 295.95");
    h.choose("Country", "CA");
    assert!(
        h.s.checkout.as_ref().unwrap().address.is_none(),
        "a US address is not valid in Canada"
    );
    h.choose("Country", "US");
    h.choose("Shipping rate", "ground");
    h.click("Continue");
    assert_eq!(h.step(), "payment");
}

#[test]
fn payment_methods_and_the_new_card_placeholder() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("modules", "MOD-SYSADMIN-PRO", 1)]);
    h.line("Cobalt Dispatch");
    h.line("Radiology Lab B");
    h.click("Yes, use 613773");
    assert_eq!(h.step(), "payment");
    let opts = options(&h, "Payment method");
    assert_eq!(
        opts,
        [
            "card:card_ok",
            "card:card_decline",
            "new",
            "wire",
            "check",
            "quote"
        ]
    );
    let msg = h.refused(|h| {
        h.choose("Payment method", "card:someone_elses");
    });
    assert!(msg.contains("not available"), "{msg}");
    let rev = h.s.rev;
    h.choose("Payment method", "new");
    assert_eq!(
        h.s.rev, rev,
        "a card link changes nothing until the card is added"
    );
    let key = h.s.checkout.as_ref().unwrap().key.clone();
    assert!(
        h.notice()
            .1
            .contains(&format!("https://pay.test/pay/{key}")),
        "{:?}",
        h.last.notice
    );
    h.send(Event::CardAdded {
        checkout_key: "another".into(),
        card_id: "card_x".into(),
        label: "Visa •••• 1111".into(),
    });
    assert_eq!(
        h.step(),
        "payment",
        "a card for another checkout is not used"
    );
    h.send(Event::CardAdded {
        checkout_key: key,
        card_id: "card_new".into(),
        label: "Visa •••• 1111".into(),
    });
    assert_eq!(h.step(), "po", "the card page moves the checkout on");
    assert!(h.notice().1.contains("Visa •••• 1111 added"));
}

#[test]
fn po_numbers_are_validated_and_terms_must_be_agreed() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("phones", "PHN-P310", 1)]);
    ship_by_ground(&mut h);
    h.choose("Payment method", "check");
    h.click("Yes");
    assert_eq!(h.step(), "po_number");
    for bad in ["", "PO\t12", &"x".repeat(65), "#7"] {
        let msg = h.refused(|h| {
            h.line(bad);
        });
        assert!(msg.contains("PO number"), "{bad:?}: {msg}");
    }
    h.submit("Enter PO number", "po", "  PO-2026/11_a.7 ");
    assert_eq!(h.step(), "terms");
    let url = h.last.view.actions.iter().find_map(|a| match &a.kind {
        ActionKind::Link { url } => Some(url.clone()),
        _ => None,
    });
    assert_eq!(url.as_deref(), Some("https://example.com/terms"));
    let rev = h.s.rev;
    h.refused(|h| {
        h.send(Event::Click {
            action: format!("{rev}:process"),
        });
    });
    h.click("I agree to the terms");
    assert_eq!(h.step(), "summary");
    assert_eq!(h.field("PO number"), "PO-2026/11_a.7");
}

/// The shipping step answered: the test address, Ground, Continue.
fn ship_by_ground(h: &mut Harness) {
    h.submit_fields("Enter address", &address());
    h.choose("Shipping rate", "ground");
    h.click("Continue");
}

fn address() -> std::collections::BTreeMap<String, String> {
    [
        ("name", "Dana Reyes"),
        ("street", "500 Main St"),
        ("city", "Austin"),
        ("region", "TX"),
        ("postal_code", "78701"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn the_summary_edits_one_part_and_keeps_the_rest() {
    let mut h = Harness::new();
    checkout_with(
        &mut h,
        &[
            ("support-credits", "SUP-CREDIT", 10),
            ("phones", "PHN-P330", 2),
        ],
    );
    h.click("Continue");
    ship_by_ground(&mut h);
    finish_to_summary(&mut h);
    let before = h.s.checkout.clone().unwrap();
    assert_eq!(
        h.field("Total"),
        "USD 1,312.45",
        "1,000 + 2 × 149 + ground for 3 started kg"
    );
    h.click("Edit payment");
    assert_eq!(h.step(), "payment");
    h.choose("Payment method", "quote");
    assert_eq!(
        h.step(),
        "summary",
        "back to the summary, nothing else asked again"
    );
    let after = h.s.checkout.clone().unwrap();
    assert_eq!(
        (after.address, after.organizations, after.po),
        (before.address, before.organizations, before.po)
    );
    assert!(h.id("Save quote").ends_with(":process"));
    h.click("Edit shipping");
    h.choose("Shipping rate", "overnight");
    h.click("Continue");
    assert_eq!(h.field("Shipping (Overnight)"), "USD 54.95");
    h.click("Edit PO number");
    h.click("Yes");
    h.line("PO-9");
    assert_eq!(h.step(), "summary");
    h.click("Edit cart");
    assert_eq!(h.step(), "cart");
    h.click("Checkout");
    assert_eq!(
        h.step(),
        "summary",
        "a complete checkout resumes at the summary"
    );
}

#[test]
fn process_places_exactly_one_order_and_confirms_it() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    finish_to_summary(&mut h);
    let process = h.id("Process order");
    h.click("Process order");
    assert_eq!(h.step(), "placed");
    assert_eq!(h.backend.order_count(), 1);
    assert!(
        h.last.view.title.contains("CB-100001"),
        "{}",
        h.last.view.title
    );
    assert_eq!(h.field("Status"), "paid");
    assert_eq!(h.field("Total"), "USD 500.00");
    assert!(
        h.last
            .view
            .fields
            .iter()
            .any(|f| f.label.contains("→ Acme Telecom"))
    );
    assert!(h.s.cart.is_empty() && h.s.checkout.is_none());
    h.send(Event::Click { action: process });
    assert!(h.notice().1.contains("out of date"));
    assert_eq!(
        h.backend.order_count(),
        1,
        "the repeated click placed nothing"
    );
}

#[test]
fn a_declined_card_goes_back_to_payment_with_everything_else_kept() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    h.choose("Payment method", "card:card_decline");
    h.click("No");
    h.click("I agree to the terms");
    h.click("Process order");
    assert_eq!(h.step(), "payment");
    assert_eq!(h.notice().0, NoticeKind::Error);
    assert!(h.notice().1.contains("declined"));
    let c = h.s.checkout.as_ref().unwrap();
    assert!(c.terms && c.po == Some(crate::engine::session::PoAnswer::No) && c.payment.is_none());
    assert_eq!(h.s.cart.lines.len(), 1);
    h.choose("Payment method", "card:card_ok");
    assert_eq!(h.step(), "summary");
    h.click("Process order");
    assert_eq!(h.field("Status"), "paid");
}

#[test]
fn wire_check_and_quote_orders_say_what_happens_next() {
    for (method, status, words) in [
        ("wire", "awaiting payment", "Bank 123."),
        ("check", "awaiting payment", "1 Example Way"),
        ("quote", "quote", "/quotes"),
    ] {
        let mut h = Harness::new();
        checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
        h.click("Continue");
        h.choose("Payment method", method);
        h.click("No");
        h.click("I agree to the terms");
        let button = if method == "quote" {
            "Save quote"
        } else {
            "Process order"
        };
        h.click(button);
        assert_eq!(h.field("Status"), status, "{method}");
        assert!(
            h.last.view.body.contains(words),
            "{method}: {}",
            h.last.view.body
        );
    }
}

#[test]
fn quotes_convert_to_invoices_once() {
    let mut h = Harness::new();
    save_a_quote(&mut h);
    h.line("/quotes");
    assert_eq!(h.step(), "quotes");
    h.choose("View a quote", "CB-100001");
    assert_eq!(
        h.last.view.title, "Quote CB-100001",
        "a quote is titled as one"
    );
    h.click("Convert to invoice");
    let said = h.notice().1;
    assert!(said.contains("invoice"), "{said}");
    assert!(
        said.contains("Bank 123.") && said.contains("Mail to 1 Example Way."),
        "complete instructions for each method: {said}"
    );
    assert_eq!(h.field("Status"), "awaiting payment");
    assert!(
        h.last
            .view
            .actions
            .iter()
            .all(|a| a.label != "Convert to invoice")
    );
    let rev = h.s.rev;
    let msg = h.refused(|h| {
        h.send(Event::Click {
            action: format!("{rev}:convert"),
        });
    });
    assert!(msg.contains("not an open quote"), "{msg}");
}

#[test]
fn a_returning_buyer_repeats_an_order_in_six_interactions() {
    let mut h = Harness::new();
    checkout_with(
        &mut h,
        &[
            ("hourly-support", "SUP-HOURLY", 2),
            ("support-credits", "SUP-CREDIT", 5),
        ],
    );
    h.choose("Organization for all items", "ORG-BOREALIS");
    h.click("Continue");
    finish_to_summary(&mut h);
    h.click("Process order");
    assert_eq!(h.backend.order_count(), 1);

    let mut interactions = 0;
    let mut step = |h: &mut Harness, f: &dyn Fn(&mut Harness)| {
        interactions += 1;
        f(h);
    };
    step(&mut h, &|h| {
        h.line("/orders");
    });
    step(&mut h, &|h| {
        h.choose("Buy again", "CB-100001");
    });
    assert_eq!(
        h.step(),
        "payment",
        "the payment step is shown, not skipped"
    );
    let picked = match &h
        .last
        .view
        .actions
        .iter()
        .find(|a| a.label == "Payment method")
        .unwrap()
        .kind
    {
        ActionKind::Select { options, .. } => options
            .iter()
            .filter(|o| o.selected)
            .map(|o| (o.value.clone(), o.description.clone()))
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    assert_eq!(
        picked,
        [(
            "card:card_ok".to_string(),
            Some("Used last time".to_string())
        )],
        "the last card is pre-selected and marked"
    );
    step(&mut h, &|h| {
        h.click("Continue with Visa •••• 4242 (exp 12/99)");
    });
    step(&mut h, &|h| {
        h.send(Event::Text("no".into()));
    });
    step(&mut h, &|h| {
        h.send(Event::Text("i agree".into()));
    });
    assert_eq!(h.field("Payment"), "Visa •••• 4242 (exp 12/99)");
    assert!(
        h.last
            .view
            .fields
            .iter()
            .any(|f| f.label.contains("→ Borealis Health")),
        "{:?}",
        h.last.view.fields
    );
    step(&mut h, &|h| {
        h.click("Process order");
    });
    assert_eq!(h.step(), "placed");
    assert_eq!(h.backend.order_count(), 2);
    assert!(interactions <= 6, "{interactions} interactions");
}

#[test]
fn buying_a_license_again_for_its_deployment_asks_first() {
    let mut h = Harness::new();
    checkout_with(
        &mut h,
        &[
            ("modules", "MOD-EPM", 1),
            ("support-credits", "SUP-CREDIT", 5),
        ],
    );
    h.line("Radiology Lab B");
    h.click("Yes, use 613773");
    h.choose("Organization for all items", "ORG-BOREALIS");
    h.click("Continue");
    finish_to_summary(&mut h);
    h.click("Process order");
    h.line("/orders");
    h.choose("View an order", "CB-100001");
    h.click("Buy again");
    assert_eq!(h.step(), "confirm_buy_again");
    assert!(
        h.last.view.body.contains("613773") && h.last.view.body.contains("CB-100001"),
        "{}",
        h.last.view.body
    );
    assert!(h.s.cart.is_empty(), "nothing is added before the answer");
    h.send(Event::Text("no".into()));
    assert_eq!(h.step(), "order");
    assert!(h.s.cart.is_empty());
    h.click("Buy again");
    h.click("Leave those out");
    assert_eq!(
        h.s.cart
            .lines
            .iter()
            .map(|l| l.sku.as_str())
            .collect::<Vec<_>>(),
        ["SUP-CREDIT"],
        "only what the deployment does not have"
    );
    h.line("/orders");
    h.choose("Buy again", "CB-100001");
    h.click("Buy them again anyway");
    assert!(h.s.cart.lines.iter().any(|l| l.sku == "MOD-EPM"));
}

#[test]
fn whoami_shows_the_account_its_organizations_roles_and_link() {
    let mut h = Harness::new();
    h.line("/whoami");
    assert_eq!(h.step(), "whoami");
    assert_eq!(h.field("Account"), "Tess");
    let orgs = h.field("Organizations");
    assert!(orgs.contains("Acme Telecom · buyer"), "{orgs}");
    assert_eq!(h.field("Linked"), "by an admin of the store, on 2025-12-04");
    h.line("/me");
    assert_eq!(h.step(), "whoami", "an alias");
}

#[test]
fn ticket_shows_the_links_and_recent_orders() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    finish_to_summary(&mut h);
    h.click("Process order");
    h.line("/ticket");
    assert_eq!(h.step(), "ticket");
    assert_eq!(h.field("Your recent orders"), "CB-100001");
    let urls: Vec<_> = h
        .last
        .view
        .actions
        .iter()
        .filter_map(|a| match &a.kind {
            ActionKind::Link { url } => Some(url.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        urls,
        [
            "https://support.example.com",
            "https://support.example.com/howto"
        ]
    );
}

#[test]
fn typed_shortcuts_ask_before_adding() {
    let mut h = Harness::new();
    h.line("add 5 hours of hourly support");
    assert_eq!(h.step(), "confirm_shortcut");
    assert!(
        h.last.view.body.contains("5 × Hourly Support (USD 625.00)"),
        "{}",
        h.last.view.body
    );
    assert!(
        h.s.cart.is_empty(),
        "nothing changes before the user confirms"
    );
    h.click("Yes, add it");
    assert_eq!(h.s.cart.lines[0].qty, 5);
    h.line("buy 3 support credits");
    assert!(h.notice().1.contains("5 to 500"), "{:?}", h.last.notice);
    h.line("please buy 10 Support Credits.");
    h.click("No");
    assert_eq!(h.s.cart.lines.len(), 1);
    let msg = h.refused(|h| {
        h.line("buy 2 flux capacitors");
    });
    assert!(msg.contains("flux capacitors"), "{msg}");
    let msg = h.refused(|h| {
        h.line("what's the weather");
    });
    assert!(msg.contains("/help"), "{msg}");
    assert_eq!(
        h.notice().0,
        NoticeKind::Info,
        "not understood gets help, not an error"
    );
}

#[test]
fn an_idle_checkout_restarts_at_the_cart() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    assert_eq!(h.step(), "payment");
    h.now += 25 * 3600 * 1000;
    h.send(Event::Start);
    assert_eq!(h.step(), "cart");
    assert!(h.s.checkout.is_none());
    assert_eq!(h.s.cart.lines.len(), 1);
}

#[test]
fn saved_cards_are_listed_by_brand_and_last4_and_can_be_removed() {
    let mut h = Harness::new();
    h.line("/cards");
    assert_eq!(h.step(), "cards");
    assert!(
        h.last
            .view
            .fields
            .iter()
            .any(|f| f.label == "Visa •••• 4242 (exp 12/99)")
    );
    assert!(
        !serde_json::to_string(&h.last).unwrap().contains("tok_"),
        "tokens are never shown"
    );
    h.choose("Remove a card", "card_ok");
    assert_eq!(h.step(), "confirm_remove_card", "asked first");
    assert_eq!(h.last.view.title, "Remove Visa •••• 4242 (exp 12/99)?");
    h.click("No, keep it");
    assert_eq!(h.step(), "cards");
    assert_eq!(h.notice().1, "Nothing was removed.");
    h.choose("Remove a card", "card_ok");
    h.send(Event::Text("yes".into()));
    assert!(
        h.notice()
            .1
            .contains("Visa •••• 4242 (exp 12/99) was removed")
    );
    assert_eq!(h.step(), "cards");
    let msg = h.refused(|h| {
        h.choose("Remove a card", "card_not_mine");
    });
    assert!(msg.contains("not available"), "{msg}");
}

#[test]
fn an_expired_quote_is_not_converted_and_buy_again_is_offered() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    h.choose("Payment method", "quote");
    h.click("Yes");
    h.line("EXPIRED");
    h.click("I agree to the terms");
    h.click("Save quote");
    h.line("/quotes");
    h.choose("View a quote", "CB-100001");
    let msg = h.refused(|h| {
        h.click("Convert to invoice");
    });
    assert!(
        msg.contains("expired") && msg.contains("Buy again"),
        "{msg}"
    );
    h.click("Buy again");
    assert_eq!(
        h.step(),
        "payment",
        "a fresh checkout with the same lines; a quote is not remembered as the payment"
    );
    assert!(
        !h.last
            .view
            .actions
            .iter()
            .any(|a| a.label.starts_with("Continue with")),
        "nothing is pre-selected"
    );
    assert_eq!(h.s.cart.lines[0].sku, "SUP-CREDIT");
}

/// Regression: a remembered address priced shipping into the review of a cart that ships
/// nothing, while the placed order (rightly) had none.
#[test]
fn a_remembered_address_adds_no_shipping_to_a_cart_that_ships_nothing() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("phones", "PHN-P310", 1)]);
    ship_by_ground(&mut h);
    finish_to_summary(&mut h);
    h.click("Process order");
    assert_eq!(h.step(), "placed");

    h.line("buy 10 hours of hourly support");
    h.click("Yes, add it");
    h.click("Checkout");
    h.click("Continue");
    finish_to_summary(&mut h);
    assert!(
        !h.last
            .view
            .fields
            .iter()
            .any(|f| f.label.contains("Shipping")),
        "{:?}",
        h.last.view.fields
    );
    assert_eq!(h.field("Total"), "USD 1,250.00");
    h.click("Process order");
    let orders = h.backend.orders.lock().unwrap();
    let placed = &orders.last().unwrap().details;
    assert_eq!(placed.total.plain(), "USD 1,250.00");
    assert_eq!(placed.delivery, None);
}

#[test]
fn a_cart_change_after_the_review_tells_the_old_and_new_totals() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("phones", "PHN-P310", 1)]);
    ship_by_ground(&mut h);
    finish_to_summary(&mut h);
    let reviewed = h.field("Total").to_string();
    h.click("Edit cart");
    h.choose("Change a line", "1");
    h.line("5");
    h.click("Back to cart");
    h.click("Checkout");
    assert_eq!(h.step(), "summary");
    let (kind, text) = h.notice();
    assert_eq!(kind, NoticeKind::Warning);
    let now = h.field("Total").to_string();
    assert_ne!(reviewed, now);
    assert!(text.contains(&reviewed) && text.contains(&now), "{text}");
    h.click("Process order");
    assert_eq!(h.step(), "placed");
    let orders = h.backend.orders.lock().unwrap();
    assert_eq!(orders[0].details.total.plain(), now);
}

/// A total that moved between the summary and the click (a catalog import) is shown
/// and must be agreed to with another click; nothing is placed at the old price.
#[test]
fn process_refuses_a_total_the_buyer_has_not_seen() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    finish_to_summary(&mut h);
    assert_eq!(h.field("Total"), "USD 500.00");
    let sku = h
        .catalog
        .products
        .iter_mut()
        .find(|p| p.sku == "SUP-CREDIT")
        .unwrap();
    sku.price += rust_decimal::Decimal::ONE;
    h.click("Process order");
    assert_eq!(h.step(), "summary");
    assert_eq!(h.backend.order_count(), 0);
    let text = h.notice().1.to_string();
    assert!(
        text.contains("USD 500.00") && text.contains("USD 505.00"),
        "{text}"
    );
    h.click("Process order");
    assert_eq!(h.step(), "placed");
    assert_eq!(
        h.backend.orders.lock().unwrap()[0].details.total.plain(),
        "USD 505.00"
    );
}

/// Regression: a click from the old view after SESSION_TTL was answered "that action
/// doesn't belong to this step", although the checkout had been reset.
#[test]
fn the_first_event_after_the_idle_limit_shows_the_notice_and_the_cart() {
    for late in ["click", "choose", "text", "command"] {
        let mut h = Harness::new();
        checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
        h.click("Continue");
        assert_eq!(h.step(), "payment");
        let pay = h.id("Payment method");
        let help = h.id("Help");
        h.now += 25 * 3600 * 1000;
        match late {
            "click" => h.send(Event::Click { action: help }),
            "choose" => h.send(Event::Choose {
                action: pay,
                values: vec!["wire".into()],
            }),
            "text" => h.line("hello"),
            _ => h.line("/orders"),
        };
        assert_eq!(h.step(), "cart", "{late}");
        let (kind, text) = h.notice();
        assert_eq!(kind, NoticeKind::Warning, "{late}");
        assert!(text.contains("idle"), "{late}: {text}");
        assert!(h.s.checkout.is_none());
    }
}

/// Hostile text in every field of the checkout: NUL, other control characters and
/// direction overrides are refused with a message, and nothing changes.
#[test]
fn control_and_bidi_characters_are_refused_in_every_field() {
    const HOSTILE: [&str; 4] = ["\0", "Austin\u{0}", "ab\u{7}c", "Main\u{202E}St"];
    let mut h = Harness::new();
    for bad in HOSTILE {
        h.refused(|h| {
            h.line(&format!("buy 5 support credits{bad}"));
        });
        h.refused(|h| {
            h.line(&format!("/buy hard{bad}ware"));
        });
    }
    h.open_product("phones", "PHN-P310");
    for bad in HOSTILE {
        let msg = h.refused(|h| {
            h.submit("Type a quantity", "quantity", &format!("3{bad}"));
        });
        assert!(msg.contains("can't be accepted"), "{msg}");
    }
    h.click("Add to cart");
    checkout_with(&mut h, &[("modules", "MOD-EPM", 1)]);
    assert_eq!(h.step(), "deployment");
    for bad in HOSTILE {
        h.refused(|h| {
            h.submit("Search", "query", &format!("main{bad}"));
        });
        h.refused(|h| {
            h.line(&format!("1045{bad}"));
        });
    }
    h.line("104521");
    h.click("Yes, use 104521");
    assert_eq!(h.step(), "shipping");
    for field in ["name", "street", "city", "region", "postal_code"] {
        for bad in HOSTILE {
            let mut fields = address();
            fields.insert(field.to_string(), format!("{}{bad}", fields[field]));
            let msg = h.refused(|h| {
                h.submit_fields("Enter address", &fields);
            });
            assert!(msg.contains("can't be accepted"), "{field}: {msg}");
        }
    }
    ship_by_ground(&mut h);
    h.choose("Payment method", "wire");
    h.click("Yes");
    for bad in HOSTILE {
        h.refused(|h| {
            h.submit("Enter PO number", "po", &format!("PO-1{bad}"));
        });
        h.refused(|h| {
            h.line(&format!("PO-1{bad}"));
        });
    }
    h.line("PO-1");
    assert_eq!(h.step(), "terms");
}

/// Regression: a bad postal code on "Change address" cleared the saved address and the
/// shipping rate.
#[test]
fn a_refused_address_change_keeps_the_saved_address_and_rate() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("phones", "PHN-P310", 1)]);
    h.submit_fields("Enter address", &address());
    h.choose("Shipping rate", "express");
    let before = h.s.checkout.clone().unwrap();
    let mut fields = address();
    fields.insert("postal_code".into(), "ABCDE".into());
    h.submit_fields("Change address", &fields);
    assert_eq!(h.notice().0, NoticeKind::Error);
    let after = h.s.checkout.clone().unwrap();
    assert_eq!(after.address, before.address);
    assert_eq!(after.rate.as_deref(), Some("express"));
    assert_eq!(
        after.address_draft.get("postal_code").map(String::as_str),
        Some("ABCDE"),
        "what was typed stays in the form to fix"
    );
    h.click("Continue");
    assert_eq!(h.step(), "payment");
}

/// Regression: `buy 5e30 support credits` offered 5 credits and `buy 10,5 support
/// credits` offered the Five-Incident Pack.
#[test]
fn a_shortcut_quantity_must_stand_alone_as_a_whole_number() {
    let mut h = Harness::new();
    for typed in ["5e30", "10,5", "1,5", "1.5", "-5", "5x5", "12345678901"] {
        let msg = h.refused(|h| {
            h.line(&format!("buy {typed} support credits"));
        });
        assert!(
            msg.contains(&format!("“{typed}” is not a whole number")),
            "{typed}: {msg}"
        );
        assert_eq!(h.notice().0, NoticeKind::Error);
    }
    // "1,000" is one thousand, written as people write it: more than can be bought.
    let msg = h.refused(|h| {
        h.line("buy 1,000 support credits");
    });
    assert!(msg.contains("5 to 500"), "{msg}");
    for (typed, qty) in [
        ("buy 10 support credits", 10),
        ("buy 10x support credits", 10),
        ("buy 10 x support credits", 10),
        ("buy 10× support credits", 10),
    ] {
        h.line(typed);
        assert_eq!(h.step(), "confirm_shortcut", "{typed}: {:?}", h.last.notice);
        assert_eq!(
            h.s.step,
            crate::engine::session::Step::Proposal {
                lines: vec![crate::engine::session::Proposed {
                    qty: Some(qty),
                    skus: vec!["SUP-CREDIT".into()]
                }],
                for_whom: None
            },
            "{typed}"
        );
        h.click("No");
    }
}

#[test]
fn a_po_number_typed_at_the_question_answers_it() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    h.choose("Payment method", "wire");
    assert_eq!(h.step(), "po");
    h.refused(|h| {
        h.line("PO#1");
    });
    assert_eq!(h.step(), "po", "a refused number stays at the question");
    h.line("4 5001");
    assert_eq!(h.step(), "terms");
    assert_eq!(
        h.s.checkout.as_ref().unwrap().po,
        Some(crate::engine::session::PoAnswer::Number("4 5001".into()))
    );
    h.click("Back");
    h.line("no");
    assert_eq!(h.step(), "terms");
    assert_eq!(
        h.s.checkout.as_ref().unwrap().po,
        Some(crate::engine::session::PoAnswer::No)
    );
}

/// `/deployment` is the engine's: an id of the user's picks it (look-alikes still
/// confirmed), anything else searches, and outside the step it says what to do.
#[test]
fn the_deployment_command_picks_an_id_or_searches() {
    let mut h = Harness::new();
    h.line("/deployment 104512");
    assert_eq!(h.notice().0, NoticeKind::Info, "{:?}", h.last.notice);
    assert!(h.notice().1.contains("/checkout"));
    checkout_with(&mut h, &[("modules", "MOD-EPM", 1)]);
    h.line("/deployment 700100");
    assert!(
        h.notice().1.contains("not in any of your"),
        "{:?}",
        h.last.notice
    );
    h.line("/deployment warehouse");
    assert_eq!(h.step(), "deployment");
    assert!(!options(&h, "Choose a deployment").is_empty());
    h.line("/deployment 104521");
    assert_ne!(h.step(), "deployment", "{:?}", h.last.notice);
}

#[test]
fn buy_with_a_section_name_opens_that_section() {
    let mut h = Harness::new();
    h.line("/buy hardware");
    assert_eq!(h.step(), "store");
    assert!(
        h.last.view.title.contains("Hardware"),
        "{}",
        h.last.view.title
    );
    assert!(
        h.last.notice.is_none(),
        "found, not a fallback: {:?}",
        h.last.notice
    );
}

#[test]
fn help_explains_the_current_step_and_every_step_has_its_help() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("modules", "MOD-EPM", 1)]);
    assert_eq!(h.step(), "deployment");
    h.click("Help");
    let (_, said) = h.notice();
    assert!(
        said.contains("search") && said.contains("Apply to all"),
        "{said}"
    );
    assert_eq!(h.step(), "deployment", "help changes nothing");

    let prompts = crate::prompts::Prompts::embedded().unwrap();
    let steps = regex::Regex::new(r#"View::new\(\s*(?:if [^{]+\{\s*)?"([a-z_]+)""#).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine/steps");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let code = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for c in steps.captures_iter(&code) {
            seen += 1;
            let key = format!("help.step.{}", &c[1]);
            assert!(prompts.has("en", &key), "no {key} in prompts/en.toml");
        }
    }
    assert!(seen >= 15, "found only {seen} steps");
}

#[test]
fn a_search_that_names_no_deployment_says_so_instead_of_listing_unrelated_ones() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("modules", "MOD-EPM", 1)]);
    h.send(Event::Text("buy 1 system admin pro".into()));
    assert_eq!(h.step(), "deployment");
    assert_eq!(h.notice().0, NoticeKind::Warning);
    assert!(
        h.notice().1.contains("No deployment of yours matches"),
        "{:?}",
        h.last.notice
    );
    assert!(
        options(&h, "Choose a deployment").is_empty(),
        "no unrelated matches"
    );
    h.send(Event::Text("Main Ofice PBX".into()));
    assert_eq!(options(&h, "Choose a deployment")[0], "104512");
}

#[test]
fn cancel_leaves_the_checkout_with_its_answers_and_start_over_asks_first() {
    let mut h = Harness::new();
    checkout_with(&mut h, &[("support-credits", "SUP-CREDIT", 5)]);
    if h.step() == "organizations" {
        h.click("Continue");
    }
    finish_to_summary(&mut h);
    let key = h.s.checkout.as_ref().unwrap().link_key();
    h.line("/cancel");
    assert_eq!(h.step(), "welcome");
    assert!(
        h.notice().1.contains("answers are kept"),
        "{:?}",
        h.last.notice
    );
    h.send(Event::CardAdded {
        checkout_key: key,
        card_id: "card_new".into(),
        label: "Visa •••• 1111".into(),
    });
    assert!(
        h.last.notice.is_none(),
        "a payment page opened before leaving no longer reaches the checkout"
    );
    h.line("/checkout");
    assert_eq!(h.step(), "summary", "every answer was kept");

    h.line("/cart");
    h.click("Start over");
    assert_eq!(h.step(), "confirm_start_over");
    h.send(Event::Text("no".into()));
    assert_eq!(h.step(), "cart");
    assert!(h.s.checkout.as_ref().is_some_and(|c| c.terms));
    h.click("Start over");
    h.send(Event::Text("yes".into()));
    let c = h.s.checkout.as_ref().unwrap();
    assert!(!c.terms && c.po.is_none(), "the answers are cleared");
    assert_ne!(h.step(), "summary");
    assert_eq!(h.s.cart.lines[0].qty, 5, "the cart stays");
}

#[test]
fn help_lists_every_command() {
    let mut h = Harness::new();
    h.line("/help");
    let said = h.notice().1;
    for c in crate::engine::commands::COMMANDS {
        assert!(
            said.contains(&format!("/{} ", c.name)),
            "/{}: {said}",
            c.name
        );
    }
    h.line("/approvals");
    assert!(
        h.notice().1.contains("where your organization posts them"),
        "{:?}",
        h.last.notice
    );
}

/// The terminal asks a form field by field; what was typed before the chat ended is in
/// the form when it is opened again.
#[test]
fn an_address_typed_part_way_is_in_the_form_next_time() {
    use std::collections::BTreeMap;
    let mut h = Harness::new();
    checkout_with(&mut h, &[("phones", "PHN-P310", 1)]);
    let form = h.id("Enter address");
    let typed = BTreeMap::from([
        ("name".to_string(), "Dana Reyes".to_string()),
        ("street".to_string(), "500 Main St".to_string()),
    ]);
    h.send(Event::Draft {
        action: form.clone(),
        fields: typed,
    });
    assert_eq!(h.step(), "shipping");
    assert!(h.last.notice.is_none(), "kept quietly");
    let c = h.s.checkout.clone().unwrap();
    assert_eq!(c.address, None, "a draft is not an address");
    let fields = match &h
        .last
        .view
        .actions
        .iter()
        .find(|a| a.label == "Enter address")
        .unwrap()
        .kind
    {
        ActionKind::Form { fields, .. } => fields.clone(),
        other => panic!("{other:?}"),
    };
    let value = |id: &str| fields.iter().find(|f| f.id == id).unwrap().value.clone();
    assert_eq!(value("name"), "Dana Reyes");
    assert_eq!(value("street"), "500 Main St");
    assert_eq!(value("city"), "");

    // A draft on a stale view, or for another form, changes nothing.
    let before = h.s.clone();
    h.send(Event::Draft {
        action: form,
        fields: BTreeMap::from([("city".to_string(), "Austin".to_string())]),
    });
    assert_eq!(h.s.checkout, before.checkout);
}

#[test]
fn documents_are_handed_over_for_the_buyers_own_orders_only() {
    let mut h = Harness::new();
    save_a_quote(&mut h);
    assert!(h.last.document.is_none(), "nothing is handed over unasked");
    h.line("/quotes");
    let rev = h.s.rev;
    h.choose("Document (PDF)", "CB-100001");
    let doc = h.last.document.clone().expect("the quote");
    assert_eq!(
        (
            doc.order.as_str(),
            doc.kind.as_str(),
            doc.file_name.as_str()
        ),
        ("CB-100001", "quote", "Q-CB-100001.pdf")
    );
    assert_eq!(doc.locale, "en");
    assert_eq!(
        h.notice(),
        (NoticeKind::Success, "Here is Q-CB-100001.pdf.")
    );
    assert_eq!(h.s.rev, rev, "asking for a document changes nothing");
    assert_eq!(h.step(), "quotes");

    // The order's view has a button for its one document.
    h.choose("View a quote", "CB-100001");
    h.click("Quote (PDF)");
    assert_eq!(
        h.last.document.as_ref().map(|d| d.kind.as_str()),
        Some("quote")
    );

    // Forged: a kind the order does not have, an order of nobody's, a stale click.
    let rev = h.s.rev;
    let msg = h.refused(|h| {
        h.send(Event::Choose {
            action: format!("{rev}:dockind"),
            values: vec!["invoice".into()],
        });
    });
    assert!(msg.contains("no such document"), "{msg}");
    assert!(h.last.document.is_none());
    h.line("/quotes");
    let rev = h.s.rev;
    let msg = h.refused(|h| {
        h.send(Event::Choose {
            action: format!("{rev}:docof"),
            values: vec!["CB-999999".into()],
        });
    });
    assert!(msg.contains("not one of yours"), "{msg}");
    assert!(h.last.document.is_none());
    let msg = h.refused(|h| {
        h.send(Event::Choose {
            action: format!("{}:docof", rev - 1),
            values: vec!["CB-100001".into()],
        });
    });
    assert!(
        h.last.document.is_none(),
        "a stale select hands nothing over: {msg}"
    );
}

/// Support credits (5) saved as quote CB-100001, without a PO number.
fn save_a_quote(h: &mut Harness) {
    checkout_with(h, &[("support-credits", "SUP-CREDIT", 5)]);
    h.click("Continue");
    h.choose("Payment method", "quote");
    h.click("No");
    h.click("I agree to the terms");
    h.click("Save quote");
}
