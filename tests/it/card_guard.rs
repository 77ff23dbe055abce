//! Card numbers pasted into chat are refused, never echoed, and never reach the
//! database or the log, wherever in the conversation they are typed.

use crate::common::chat::Chat;
use serde_json::json;

/// Test numbers of each brand, and how they might be typed.
const CARDS: [&str; 4] = [
    "4242424242424242",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
];

fn typed(card: &str) -> Vec<String> {
    let grouped: String = card
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    vec![card.to_string(), grouped.clone(), grouped.replace(' ', "-")]
}

fn assert_refused(c: &Chat, card: &str) {
    assert_eq!(c.notice_kind(), "error", "{}", c.last);
    assert!(c.notice().contains("card number"), "{}", c.last);
    let out = c.last.to_string();
    for form in typed(card) {
        assert!(!out.contains(&form), "the reply echoed {form}: {out}");
    }
}

#[test]
fn card_numbers_are_refused_everywhere_and_found_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let log = dir.path().join("chat.log");
    let mut c = Chat::start_logging_to(&url, "demo", &[("RUST_LOG", "trace")], Some(&log));
    for (i, card) in CARDS.iter().enumerate() {
        let forms = typed(card);
        let form = &forms[i % forms.len()];
        c.send(&format!("my card is {form}"));
        assert_refused(&c, card);
        c.send(&format!("/buy {form}"));
        assert_refused(&c, card);
    }
    // A number with its expiry or CVV after it is one longer run of digits.
    for typed_with_more in ["4242 4242 4242 4242 12/30", "4242424242424242 1230"] {
        c.send(typed_with_more);
        assert_refused(&c, CARDS[0]);
    }
    c.send("/buy modules");
    c.choose("Details", "EndPoint Manager");
    c.click("Add to cart");
    c.send("/checkout");
    c.submit("Search", json!({"query": "4242 4242 4242 4242"}));
    assert_refused(&c, CARDS[0]);
    assert_eq!(c.step(), "deployment", "the user stays where they were");
    c.send("104521");
    c.click("Yes, use 104521");
    c.choose("Payment method", "Wire transfer");
    c.click("Yes");
    c.send("5555-5555-5555-4444");
    assert_refused(&c, CARDS[1]);
    c.submit("Enter PO number", json!({"po": "378282246310005"}));
    assert_refused(&c, CARDS[2]);
    c.send("4242 4242 4242 4242 12/30");
    assert_refused(&c, CARDS[0]);
    c.submit("Enter PO number", json!({"po": "4242 4242 4242 4242 123"}));
    assert_refused(&c, CARDS[0]);
    c.submit("Enter PO number", json!({"po": "PO-77"}));
    assert_eq!(c.step(), "terms", "{}", c.last);
    c.finish();

    let mut haystack = std::fs::read(&log).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("test.db"))
        {
            haystack.extend(std::fs::read(&path).unwrap());
        }
    }
    let text = String::from_utf8_lossy(&haystack);
    assert!(text.len() > 10_000, "the database and log were read");
    assert!(
        text.contains("refused an event that contained a card number"),
        "the refusal is logged, without the number"
    );
    for card in CARDS {
        for form in typed(card) {
            assert!(
                !text.contains(&form),
                "{form} found in the database or the log"
            );
        }
    }
}
