//! Typed sentences through the whole engine: what each leads to, and that nothing is
//! added before a yes.

use super::session::{ForWhom, Step};
use super::tests::Harness;
use super::view::NoticeKind;

fn lines(h: &Harness) -> Vec<(String, u32)> {
    h.s.cart
        .lines
        .iter()
        .map(|l| (l.sku.clone(), l.qty))
        .collect()
}

#[test]
fn several_items_in_one_sentence_are_confirmed_together() {
    let mut h = Harness::new();
    h.line("3 P330 phones and 2 D10M handsets");
    assert_eq!(h.step(), "confirm_shortcut", "{:?}", h.last.notice);
    let body = h.last.view.body.clone();
    assert!(body.contains("3 × P330 Desk Phone (USD 447.00)"), "{body}");
    assert!(
        body.contains("2 × D10M DECT Handset (USD 258.00)"),
        "{body}"
    );
    assert!(body.contains("USD 705.00"), "the total: {body}");
    assert!(h.s.cart.is_empty(), "nothing is added before the yes");
    h.click("Yes, add them");
    assert_eq!(
        lines(&h),
        vec![("PHN-P330".into(), 3), ("PHN-D10M".into(), 2)]
    );
    assert_eq!(h.step(), "cart");
    assert_eq!(h.notice().0, NoticeKind::Success);
}

#[test]
fn where_several_products_fit_the_person_chooses_with_buttons() {
    let mut h = Harness::new();
    h.line("buy 3 phones");
    assert_eq!(h.step(), "choose_product");
    let labels: Vec<&str> = h
        .last
        .view
        .actions
        .iter()
        .map(|a| a.label.as_str())
        .collect();
    for name in ["P310 Desk Phone", "P330 Desk Phone", "P370 Executive Phone"] {
        assert!(labels.iter().any(|l| l.starts_with(name)), "{labels:?}");
    }
    assert!(!labels.iter().any(|l| l.contains("D10M")), "{labels:?}");
    let p330 = h
        .last
        .view
        .actions
        .iter()
        .find(|a| a.label.starts_with("P330"))
        .map(|a| a.label.clone())
        .unwrap();
    h.click(&p330);
    assert_eq!(h.step(), "confirm_shortcut");
    assert!(h.last.view.body.contains("3 × P330 Desk Phone"));
    h.line("yes");
    assert_eq!(lines(&h), vec![("PHN-P330".into(), 3)]);

    // Naming one of the choices picks it too, and "none of these" adds nothing.
    h.line("i need 2 phones");
    h.line("the P370");
    assert!(
        h.last.view.body.contains("2 × P370 Executive Phone"),
        "{:?}",
        h.last
    );
    h.click("No");
    h.line("buy a phone");
    h.click("None of these");
    assert_eq!(lines(&h), vec![("PHN-P330".into(), 3)]);
}

#[test]
fn an_organization_or_deployment_named_is_pre_filled_and_shown() {
    let mut h = Harness::new();
    h.line("buy 20 support credits for Borealis");
    assert_eq!(h.field("For organization"), "Borealis Health");
    h.click("Yes, add it");
    let line = h.s.cart.lines[0].id;
    let checkout = h.s.checkout.clone().expect("the checkout holds the answer");
    assert_eq!(checkout.organizations[&line].id, "ORG-BOREALIS");

    h.line("buy endpoint manager for deployment 104521");
    assert_eq!(h.field("For deployment"), "104521 Main Office PBX");
    assert!(
        h.field("Check the ID").contains("104512"),
        "look-alikes are shown"
    );
    h.click("Yes, add it");
    let epm =
        h.s.cart
            .lines
            .iter()
            .find(|l| l.sku == "MOD-EPM")
            .unwrap()
            .id;
    let checkout = h.s.checkout.clone().unwrap();
    assert_eq!(checkout.deployments[&epm].id, "104521");
    assert!(checkout.confirmed.contains("104521"));

    // Only the person's own: Cobalt is not theirs, so nothing is pre-filled.
    h.line("buy 10 support credits for Cobalt");
    assert!(
        matches!(&h.s.step, Step::Proposal { for_whom: None, .. }),
        "{:?}",
        h.s.step
    );
    assert_eq!(h.notice().0, NoticeKind::Warning);
    assert!(h.notice().1.contains("Cobalt"));
    assert!(!matches!(
        &h.s.step,
        Step::Proposal {
            for_whom: Some(ForWhom::Organization(_)),
            ..
        }
    ));
}

#[test]
fn refusals_questions_and_small_talk_add_nothing() {
    let mut h = Harness::new();
    let before = h.s.clone();
    h.line("I don't want phones");
    assert_eq!(h.s, before);
    assert_eq!(h.notice().0, NoticeKind::Info);
    h.line("hi there 👋");
    assert!(h.notice().1.starts_with("Hello!"), "{:?}", h.notice());
    h.line("thanks!");
    assert!(h.notice().1.contains("welcome"), "{:?}", h.notice());
    assert!(h.s.cart.is_empty());

    h.line("how much are support credits?");
    assert_eq!(h.step(), "product");
    assert!(matches!(&h.s.step, Step::Product { sku, .. } if sku == "SUP-CREDIT"));
    h.line("what is a peace of mind plan?");
    assert_eq!(h.step(), "store");
    assert_eq!(h.s.browse.category, "pomps");

    let msg = h.refused(|h| {
        h.line("buy 5e30 support credits");
    });
    assert!(msg.contains("“5e30” is not a whole number"), "{msg}");
    let msg = h.refused(|h| {
        h.line("buy 600 support credits");
    });
    assert!(msg.contains("5 to 500"), "{msg}");
}

#[test]
fn places_are_reached_without_a_slash() {
    let mut h = Harness::new();
    for (typed, step) in [
        ("cart", "cart"),
        ("my orders", "orders"),
        ("show my saved quotes", "quotes"),
        ("saved cards", "cards"),
        ("who am i", "whoami"),
        ("i need to open a ticket", "ticket"),
        ("our phones are down, how do I reach support?", "ticket"),
        ("shop", "store"),
        ("cancel", "welcome"),
    ] {
        h.line(typed);
        assert_eq!(h.step(), step, "{typed}: {:?}", h.last.notice);
    }
    h.line("what can you do?");
    assert!(
        h.notice().1.contains("/checkout"),
        "help lists the commands"
    );
    h.line("where is CB-999999?");
    assert!(h.notice().1.contains("CB-999999"), "{:?}", h.notice());
}

#[test]
fn a_sentence_on_a_quantity_prompt_is_read_as_a_sentence() {
    let mut h = Harness::new();
    h.open_product("support-credits", "SUP-CREDIT");
    h.line("buy 1 system admin pro");
    assert_eq!(h.step(), "confirm_shortcut", "{:?}", h.last.notice);
    assert!(h.last.view.body.contains("1 × System Admin Pro"));
    h.click("No");
    h.open_product("support-credits", "SUP-CREDIT");
    let msg = h.refused(|h| {
        h.line("12");
    });
    assert!(
        msg.contains("5 to 500"),
        "a number is still the quantity: {msg}"
    );
    h.line("15");
    assert!(matches!(h.s.step, Step::Product { qty: 15, .. }));
}

#[test]
fn buy_with_a_sentence_proposes_and_with_a_category_opens_it() {
    let mut h = Harness::new();
    h.line("/buy 3 P330 phones");
    assert_eq!(h.step(), "confirm_shortcut");
    h.click("No");
    h.line("/buy phones");
    assert_eq!(h.step(), "store");
    assert_eq!(h.s.browse.category, "phones");
}

#[test]
fn no_at_empty_your_cart_keeps_it() {
    let mut h = Harness::new();
    h.line("buy 10 support credits");
    h.line("yes");
    h.line("empty my cart");
    assert_eq!(h.step(), "confirm_empty");
    h.line("no");
    assert_eq!(h.step(), "cart");
    assert_eq!(lines(&h), vec![("SUP-CREDIT".into(), 10)]);
}
