//! The card page over HTTP on 127.0.0.1: one-time links, CSRF, security headers, the
//! server-side card rules, and the checkout moving on once a card is added.

use std::collections::HashMap;

use crate::common::discord::Server;
use checkout_bot::domain::account::Identity;
use checkout_bot::engine::event::Event;

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn get(s: &Server, path: &str) -> Page {
    let res = s
        .client
        .get(format!("{}{path}", s.url))
        .send()
        .await
        .unwrap();
    Page {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.text().await.unwrap(),
    }
}

async fn post(s: &Server, path: &str, form: &HashMap<&str, String>) -> Page {
    let res = s
        .client
        .post(format!("{}{path}", s.url))
        .form(form)
        .send()
        .await
        .unwrap();
    Page {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.text().await.unwrap(),
    }
}

fn csrf(body: &str) -> String {
    let at =
        body.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    body[at..].split('"').next().unwrap().to_string()
}

fn card(csrf: &str, number: &str, cvv: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("csrf", csrf.to_string()),
        ("number", number.to_string()),
        ("expiry", "12 30".to_string()),
        ("cvv", cvv.to_string()),
        ("name", "Dana Reyes".to_string()),
        ("address", "500 Main St".to_string()),
        ("city", "Austin".to_string()),
        ("postal_code", "78701".to_string()),
        ("country", "US".to_string()),
        ("save", "on".to_string()),
    ])
}

#[tokio::test]
async fn a_card_added_on_the_page_moves_the_checkout_on() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "dana");
    let path = s.card_link_for(&who).await;

    let page = get(&s, &path).await;
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(
        page.body.contains("<label for=\"number\">"),
        "labelled inputs"
    );
    let token = csrf(&page.body);
    assert!(
        page.body.contains("name=\"save\">") && !page.body.contains("name=\"save\" checked"),
        "saving the card is opt-in"
    );

    let bad = post(&s, &path, &card("wrong", "4242424242424242", "123")).await;
    assert_eq!(bad.status, 403, "CSRF");

    let luhn = post(&s, &path, &card(&token, "4242 4242 4242 4241", "123")).await;
    assert_eq!(luhn.status, 422);
    assert!(luhn.body.contains("not valid"), "{}", luhn.body);
    assert!(
        !luhn.body.contains("4242 4242 4242 4241") && !luhn.body.contains("4242424242424241"),
        "the number is not echoed"
    );
    assert!(
        luhn.body.contains("value=\"Austin\""),
        "other fields are kept"
    );

    let amex = post(&s, &path, &card(&token, "378282246310005", "123")).await;
    assert_eq!(amex.status, 422);
    assert!(amex.body.contains("4 digits"), "{}", amex.body);

    let ok = post(&s, &path, &card(&token, "4242 4242 4242 4242", "123")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Visa •••• 4242"), "{}", ok.body);

    let r = s.bot.respond(&who, "en", Event::Start).await.unwrap();
    assert_eq!(r.view.step, "po", "the checkout moved on");
    let account = s.bot.store().account_id_for(&who).await.unwrap().unwrap();
    let cards = s.bot.store().cards(&account).await.unwrap();
    assert_eq!(cards.len(), 1, "saved, as the box was ticked");
    assert_eq!(
        (cards[0].brand.as_str(), cards[0].last4.as_str()),
        ("Visa", "4242")
    );
    assert!(
        !cards[0].token.contains("4242424242"),
        "only a token is kept"
    );

    let again = get(&s, &path).await;
    assert_eq!(again.status, 410, "a link works once");
    assert!(again.body.contains("already used"));
}

#[tokio::test]
async fn unknown_expired_and_overused_links_get_a_clear_page() {
    let s = Server::start().await;
    assert_eq!(get(&s, "/pay/nonsense").await.status, 404);

    let who = Identity::new("console", "local", "kim");
    let path = s.card_link_for(&who).await;
    let token = csrf(&get(&s, &path).await.body);
    for _ in 0..5 {
        assert_eq!(
            post(&s, &path, &card(&token, "1111", "123")).await.status,
            422
        );
    }
    let blocked = post(&s, &path, &card(&token, "4242424242424242", "123")).await;
    assert_eq!(blocked.status, 429);
    assert!(blocked.body.contains("too many times"));

    let account = s.bot.store().account_id_for(&who).await.unwrap().unwrap();
    s.bot
        .store()
        .create_card_link(&checkout_bot::store::card_links::NewCardLink {
            token: "old-token",
            who: &who,
            account_id: &account,
            checkout_key: "k",
            csrf: "c",
            valid_ms: -1,
            reply_handle: None,
        })
        .await
        .unwrap();
    let expired = get(&s, "/pay/old-token").await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("expired"));
}

#[tokio::test]
async fn a_card_not_saved_pays_for_this_order_only() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "lee");
    let path = s.card_link_for(&who).await;
    let token = csrf(&get(&s, &path).await.body);
    let mut form = card(&token, "5555 5555 5555 4444", "321");
    form.remove("save");
    assert_eq!(post(&s, &path, &form).await.status, 200);
    let account = s.bot.store().account_id_for(&who).await.unwrap().unwrap();
    assert!(
        s.bot.store().cards(&account).await.unwrap().is_empty(),
        "not in the saved list"
    );
    let r = s.bot.respond(&who, "en", Event::Start).await.unwrap();
    assert_eq!(r.view.step, "po");
}

#[tokio::test]
async fn a_new_card_is_charged_and_a_declined_one_goes_back_to_payment() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "ana");
    let path = s.card_link_for(&who).await;
    let token = csrf(&get(&s, &path).await.body);
    assert_eq!(
        post(&s, &path, &card(&token, "4000 0000 0000 0002", "123"))
            .await
            .status,
        200
    );
    let r = s.place(&who).await;
    assert_eq!(r.view.step, "payment", "declined: {:?}", r.notice);
    assert!(r.notice.unwrap().text.contains("declined"));

    let pay = r.view.labelled("Payment method").unwrap().id.clone();
    let r = s
        .bot
        .respond(
            &who,
            "en",
            Event::Choose {
                action: pay,
                values: vec!["new".into()],
            },
        )
        .await
        .unwrap();
    let text = r.notice.unwrap().text;
    let path = text[text.find("/pay/").unwrap()..]
        .trim_end_matches('.')
        .to_string();
    let token = csrf(&get(&s, &path).await.body);
    assert_eq!(
        post(&s, &path, &card(&token, "378282246310005", "1234"))
            .await
            .status,
        200
    );
    let r = s.bot.respond(&who, "en", Event::Start).await.unwrap();
    assert_eq!(
        r.view.step, "summary",
        "PO and terms were kept from before the decline"
    );
    let process = r.view.labelled("Process order").unwrap().id.clone();
    let r = s
        .bot
        .respond(&who, "en", Event::Click { action: process })
        .await
        .unwrap();
    assert_eq!(r.view.step, "placed");
    let status = r.view.fields.iter().find(|f| f.label == "Status").unwrap();
    assert_eq!(status.value, "paid");
}

#[tokio::test]
async fn no_card_number_used_on_the_page_is_in_the_database() {
    let s = Server::start().await;
    let numbers = [
        "4242424242424242",
        "5555555555554444",
        "378282246310005",
        "4000000000000002",
    ];
    for (i, number) in numbers.iter().enumerate() {
        let who = Identity::new("console", "local", &format!("db{i}"));
        let path = s.card_link_for(&who).await;
        let token = csrf(&get(&s, &path).await.body);
        let cvv = if number.len() == 15 { "1234" } else { "123" };
        assert_eq!(
            post(&s, &path, &card(&token, number, cvv)).await.status,
            200
        );
    }
    let bytes = s.database_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.len() > 10_000 && text.contains("4242"),
        "the cards' last 4 are there, so the files were read"
    );
    for number in numbers {
        assert!(!text.contains(number), "{number} is in the database");
        assert!(
            !text.contains(&number[..12]),
            "the first 12 digits of {number} are in the database"
        );
    }
}

/// Regression: a link from a checkout that was then cancelled still accepted a card and
/// said it was ready for the order.
#[tokio::test]
async fn a_link_from_a_cancelled_checkout_no_longer_works() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "dana");
    let path = s.card_link_for(&who).await;
    let page = get(&s, &path).await;
    assert_eq!(page.status, 200);
    let token = csrf(&page.body);
    s.bot
        .respond(
            &who,
            "en",
            Event::Command(checkout_bot::engine::event::Command::Cancel),
        )
        .await
        .unwrap();
    let page = get(&s, &path).await;
    assert_eq!(page.status, 410, "{}", page.body);
    assert!(page.body.contains("no longer valid"), "{}", page.body);
    let page = post(&s, &path, &card(&token, "4242 4242 4242 4242", "123")).await;
    assert_eq!(page.status, 410, "{}", page.body);
    assert!(!page.body.contains("ready for your order"), "{}", page.body);
    let account = s.bot.store().account_id_for(&who).await.unwrap().unwrap();
    assert!(s.bot.store().cards(&account).await.unwrap().is_empty());
}

#[tokio::test]
async fn hostile_text_on_the_card_page_is_refused_and_not_echoed() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "dana");
    let path = s.card_link_for(&who).await;
    let page = get(&s, &path).await;
    let mut form = card(&csrf(&page.body), "4242 4242 4242 4242", "123");
    form.insert("city", "Aus\u{202E}tin".to_string());
    let page = post(&s, &path, &form).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("City contains characters"),
        "{}",
        page.body
    );
    assert!(!page.body.contains('\u{202E}'));
}

#[tokio::test]
async fn the_page_speaks_from_prompts_in_the_browsers_language_else_the_default() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "lena");
    let path = s.card_link_for(&who).await;
    let res = s
        .client
        .get(format!("{}{path}", s.url))
        .header("accept-language", "xx-YY, zz;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("<html lang=\"en\">"), "the default locale");
    let prompts = s.bot.prompts();
    for key in [
        "card_page.title",
        "card_page.number",
        "card_page.cvv_help",
        "card_page.save",
        "card_page.submit",
    ] {
        let said = html_escape::encode_text(prompts.get("en", key)).to_string();
        assert!(body.contains(&said), "{key}: {said}");
    }
}

#[tokio::test]
async fn a_failure_behind_the_page_shows_a_reference_and_no_detail() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "omar");
    let path = s.card_link_for(&who).await;
    s.bot.store().close().await;
    let page = get(&s, &path).await;
    assert_eq!(page.status, 503);
    let reference = regex::Regex::new(r"\(ref ([0-9a-f]{8})\)").unwrap();
    assert!(reference.is_match(&page.body), "{}", page.body);
    assert!(!page.body.to_lowercase().contains("pool"), "{}", page.body);
    assert_eq!(page.headers["cache-control"], "no-store");
}

/// The page says who is paid, for what and how much: the store's name, the lines, the
/// organization and the total that the summary shows and the charge takes.
#[tokio::test]
async fn the_page_shows_the_store_the_lines_and_the_total_charged() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "dana");
    let path = s.card_link_for(&who).await;
    let page = get(&s, &path).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    for shown in [
        "You are paying",
        "checkout-bot store",
        "Support Credits × 5",
        "<td class=\"amount\" id=\"total\">USD 500.00</td>",
        "<select id=\"country\"",
        "<option value=\"DE\">Germany</option>",
    ] {
        assert!(body.contains(shown), "{shown} missing: {body}");
    }
    assert!(
        body.contains("Acme Telecom") || body.contains("Borealis Health"),
        "the organization is named: {body}"
    );
    let mut form = card(&csrf(body), "4242 4242 4242 4242", "123");
    form.insert("country", "XX".to_string());
    let page = post(&s, &path, &form).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Choose the country from the list"),
        "{}",
        page.body
    );
}

/// What axum would answer in plain text (a body it cannot read, a method the route
/// does not take) is our page, with the same headers as every other.
#[tokio::test]
async fn refused_requests_get_the_same_page_and_headers_as_the_rest() {
    let s = Server::start().await;
    let who = Identity::new("console", "local", "lee");
    let path = s.card_link_for(&who).await;
    let url = format!("{}{path}", s.url);
    let not_a_form = s
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let wrong_method = s.client.put(&url).send().await.unwrap();
    let signin = s
        .client
        .post(format!("{}/signin/sometoken", s.url))
        .header("content-type", "text/plain")
        .body("confirm=x")
        .send()
        .await
        .unwrap();
    for res in [not_a_form, wrong_method, signin] {
        let status = res.status();
        assert!(status.is_client_error(), "{status}");
        let headers = res.headers().clone();
        let body = res.text().await.unwrap();
        assert_eq!(headers["cache-control"], "no-store", "{status}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'"),
            "{status}"
        );
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{status}"
        );
        assert!(body.contains("Request not accepted"), "{status}: {body}");
    }
}
