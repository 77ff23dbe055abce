//! Whole shopping sessions through `checkout-bot chat --json`, as a script drives it.

use crate::common::chat::Chat;
use serde_json::json;

fn fresh_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    (dir, url)
}

#[test]
fn browse_add_from_two_sections_edit_and_remove() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "dana", &[]);
    assert_eq!(c.step(), "welcome");

    c.send("/buy");
    assert_eq!(c.step(), "store");
    assert!(
        c.last["view"]["title"]
            .as_str()
            .unwrap()
            .contains("Hourly Support")
    );
    c.choose("Details", "Hourly Support");
    assert_eq!(c.field("Quantity"), "1");
    c.send("abc");
    assert_eq!(c.notice_kind(), "error", "{}", c.last);
    assert_eq!(c.step(), "product");
    c.send("999");
    assert!(c.notice().contains("1 to 200"), "{}", c.last);
    c.submit("Type a quantity", json!({"quantity": "4"}));
    assert_eq!(c.field("Quantity"), "4");
    c.click("+");
    c.click("Add to cart");
    assert_eq!(c.notice_kind(), "success");
    assert_eq!(c.step(), "store");

    c.choose("Section", "Hardware");
    assert!(c.last["view"]["title"].as_str().unwrap().contains("Phones"));
    c.choose("Details", "P370 Executive Phone");
    c.send("3");
    c.click("Add to cart");
    c.click("View cart (2)");
    assert_eq!(c.field("Subtotal"), "USD 1,312.00");

    c.choose("Change a line", "Hourly Support × 5");
    c.click("−");
    assert_eq!(c.field("Quantity"), "4");
    c.send("0");
    assert_eq!(c.notice_kind(), "error");
    assert_eq!(
        c.field("Quantity"),
        "4",
        "a bad input keeps the earlier answer"
    );
    c.click("Back to cart");
    assert_eq!(c.field("Subtotal"), "USD 1,187.00");
    c.choose("Change a line", "P370 Executive Phone × 3");
    c.click("Remove from cart");
    assert_eq!(c.field("Subtotal"), "USD 500.00");
    assert_eq!(c.last["view"]["fields"].as_array().unwrap().len(), 2);

    c.click("Checkout");
    assert_eq!(
        c.step(),
        "organizations",
        "hourly support needs an organization"
    );
    c.finish();
}

#[test]
fn a_stale_click_answers_with_the_current_view() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "sam", &[]);
    c.send("/buy support credits");
    c.choose("Details", "Support Credits");
    let old_plus = c.id("+");
    c.click("+");
    assert_eq!(c.field("Quantity"), "10");
    c.send_json(json!({"click": old_plus}));
    assert_eq!(c.notice_kind(), "warning");
    assert!(c.notice().contains("out of date"), "{}", c.last);
    assert_eq!(c.field("Quantity"), "10", "the stale + was not applied");
    assert_eq!(c.step(), "product");
    c.finish();
}

#[test]
fn a_restart_mid_shopping_keeps_the_cart_and_the_place() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "kim", &[]);
    c.send("/buy phones");
    c.choose("Details", "P330 Desk Phone");
    c.send("12");
    c.click("Add to cart");
    c.choose("Details", "P310 Desk Phone");
    c.send("7");
    c.kill();

    let mut c = Chat::start(&url, "kim", &[]);
    assert_eq!(
        c.step(),
        "product",
        "the restart resumes where the user was"
    );
    assert!(c.notice().contains("Welcome back"), "{}", c.last);
    assert_eq!(c.field("Quantity"), "7");
    c.send("/cart");
    assert_eq!(
        c.field("P330 Desk Phone × 12"),
        "USD 1,788.00 (USD 149.00 each)"
    );
    c.finish();
}

#[test]
fn users_have_their_own_carts() {
    let (_dir, url) = fresh_db();
    let mut a = Chat::start(&url, "a", &[]);
    a.send("/buy phones");
    a.choose("Details", "P310 Desk Phone");
    a.click("Add to cart");
    a.finish();
    let mut b = Chat::start(&url, "b", &[]);
    b.send("/cart");
    assert!(
        b.last["view"]["body"].as_str().unwrap().contains("empty"),
        "{}",
        b.last
    );
    b.finish();
}

#[test]
fn bad_lines_get_a_clear_error_and_the_chat_goes_on() {
    let (_dir, url) = fresh_db();
    let mut c = Chat::start(&url, "lee", &[]);
    c.send("{not json");
    assert!(
        c.last["error"]["text"]
            .as_str()
            .unwrap()
            .contains("not a valid event")
    );
    c.send_json(json!({"click": "1:emptyok"}));
    assert_eq!(c.notice_kind(), "warning", "{}", c.last);
    c.send_json(json!({"click": "0:drop"}));
    assert_eq!(c.notice_kind(), "error", "{}", c.last);
    c.send("what can you do?");
    assert!(c.notice().contains("/help"), "{}", c.last);
    c.send("/help");
    assert!(c.notice().contains("/buy"), "{}", c.last);
    c.finish();
}

#[test]
fn without_demo_mode_unknown_users_are_told_what_to_do() {
    let (_dir, url) = fresh_db();
    // First start in demo mode loads the catalog; then demo mode goes off.
    Chat::start(&url, "demo", &[]).finish();
    let mut c = Chat::start(&url, "stranger", &[("DEMO_MODE", "false")]);
    let text = c.last["error"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(text.contains("members add"), "{}", c.last);
    c.send("/buy");
    assert!(c.last["error"].is_object());
    c.finish();
    let mut linked = Chat::start(&url, "demo", &[("DEMO_MODE", "false")]);
    assert_eq!(linked.step(), "welcome", "a linked user still gets in");
    linked.send("/buy");
    assert_eq!(linked.step(), "store");
    linked.finish();
}

/// Text mode, piped: numbers that answer the step are not taken for action numbers
/// (regression: `6 hours` opened the cart, `5` on a phone page went Back, and `4 5001`
/// at the PO step cancelled the checkout).
#[test]
fn text_mode_reads_quantities_and_po_numbers_as_what_they_are() {
    let (_dir, url) = fresh_db();
    let input = "/buy\n3 1\n6 hours\n#4\n/buy phones\n3 1\n5\nAdd to cart\n/checkout\nContinue\n";
    let address = "Enter address\nDana\n1 Main St\nAustin\nTX\n78701\n";
    let rest = "Shipping rate\n1\nContinue\nPayment method\n3\nYes\n4 5001\nI agree to the terms\n";
    let text = text_chat(
        &url,
        &["--user", "tina"],
        &format!("{input}{address}{rest}"),
    );
    assert!(text.contains("Added 6 × Hourly Support"), "{text}");
    assert!(text.contains("Added 5 × P310 Desk Phone"), "{text}");
    let summary = text
        .rfind("── Review your order")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        text[summary..].contains("PO number: 4 5001"),
        "{}",
        &text[summary..]
    );
    assert!(!text.contains("[error]"), "{text}");
}

/// Text mode lists a deployment search's best matches at once, each pickable as `N M`;
/// an exact name is chosen without a list (and still meets the look-alike check).
#[test]
fn text_mode_lists_deployment_matches_at_once() {
    let (_dir, url) = fresh_db();
    let input =
        "buy 1 endpoint manager\nyes\n/checkout\nradiology\n/cancel\n/checkout\nRadiology Lab B\n";
    let text = text_chat(&url, &["--user", "lena"], input);
    let listed = text
        .find("Choose a deployment ▾")
        .unwrap_or_else(|| panic!("{text}"));
    let after = &text[listed..];
    assert!(
        after.contains(" 1. 613"),
        "matches listed under the select: {after}"
    );
    assert!(
        text.contains("Is this the right deployment?") && text.contains("613773 · Radiology Lab B"),
        "the exact name was chosen and its look-alikes shown: {text}"
    );
}

/// `chat --locale de` answers in German, text mode's own words included.
#[test]
fn the_locale_flag_chooses_german() {
    let (_dir, url) = fresh_db();
    let text = text_chat(
        &url,
        &["--user", "jonas", "--locale", "de"],
        "/help\n/buy support credits\n",
    );
    assert!(text.contains("[Hinweis] Befehle:"), "{text}");
    assert!(
        text.contains("── Shop · "),
        "the store, titled in German: {text}"
    );
    assert!(!text.contains("Open the store"), "{text}");
}

/// Runs `checkout-bot chat ARGS` in text mode on `url` with `input` piped in, and
/// returns what it printed.
fn text_chat(url: &str, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .arg("chat")
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("DEMO_MODE")
        .env_remove("DEFAULT_LOCALE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
