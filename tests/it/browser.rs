//! The card page in a real headless Chromium (Debian's `chromium`, driven through
//! `chromedriver` by WebDriver): Visa and American Express cards, a wrong CVV length, a
//! declined card, an expired link and a reused link.
//!
//! `.ci/run` installs Chromium. Elsewhere, without it, the test says so and skips.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::discord::Server;
use checkout_bot::domain::account::Identity;
use checkout_bot::engine::event::Event;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `name` as the shell would find it: the first directory of PATH that has it.
fn on_path(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// chromedriver through PATH; Debian also keeps it beside Chromium.
fn chromedriver() -> Option<std::path::PathBuf> {
    on_path("chromedriver").or_else(|| {
        let debian = std::path::PathBuf::from("/usr/lib/chromium/chromedriver");
        debian.is_file().then_some(debian)
    })
}

/// The Chromium binary chromedriver drives, through PATH.
fn chromium() -> String {
    on_path("chromium")
        .or_else(|| on_path("chromium-browser"))
        .map_or_else(|| "/usr/bin/chromium".into(), |p| p.display().to_string())
}

async fn browser() -> Option<(Client, Driver, tempfile::TempDir)> {
    let Some(path) = chromedriver() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromedriver must be installed in CI (.ci/run installs chromium-driver)"
        );
        eprintln!(
            "SKIPPED browser test: chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    // A port the OS says is free right now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
        Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium(), "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync",
            format!("--user-data-dir={}", profile.path().display())
        ]}),
    );
    for _ in 0..50 {
        if let Ok(c) = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            return Some((c, driver, profile));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start");
}

async fn fill(c: &Client, number: &str, cvv: &str) {
    for (id, value) in [
        ("number", number),
        ("expiry", "12 30"),
        ("cvv", cvv),
        ("name", "Dana Reyes"),
        ("address", "500 Main St"),
        ("city", "Austin"),
        ("postal_code", "78701"),
    ] {
        let field = c.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    c.find(Locator::Css("#country option[value='US']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits for the page whose heading is `text` (a submit navigates; the old page's
/// elements go stale meanwhile).
/// Presses the page's submit button.
async fn submit(c: &Client) {
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn expect_heading(c: &Client, text: &str) {
    let xpath = format!("//h1[normalize-space()='{text}']");
    let found = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await;
    if found.is_err() {
        panic!(
            "no page headed '{text}': {}",
            c.source().await.unwrap_or_default()
        );
    }
}

/// The page at a phone's width and a desktop's: nothing wider than the screen, the total
/// charged in view without scrolling sideways, and a screenshot of each kept in
/// `target/screenshots/` for a person to look at.
async fn screenshots(c: &Client) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, width, height) in [("phone", 390, 844), ("desktop", 1280, 900)] {
        c.set_window_size(width, height).await.unwrap();
        let fits = c
            .execute(
                "var t=document.getElementById('total').getBoundingClientRect();\
                 return [document.documentElement.scrollWidth <= window.innerWidth,\
                 t.right <= window.innerWidth, t.width > 0];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(fits, json!([true, true, true]), "{name}: {fits}");
        let png = c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 5_000, "{name}");
        std::fs::write(dir.join(format!("card-page-{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_page_in_headless_chromium() {
    let Some((c, _driver, _profile)) = browser().await else {
        return;
    };
    let s = Server::start().await;

    // Visa, with the brand shown as it is typed.
    let visa = Identity::new("console", "local", "visa");
    let path = s.card_link_for(&visa).await;
    c.goto(&format!("{}{path}", s.url)).await.unwrap();
    expect_heading(&c, "Add a card").await;
    screenshots(&c).await;
    fill(&c, "4242 4242 4242 4242", "123").await;
    assert_eq!(
        c.find(Locator::Id("brand"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "(Visa)"
    );
    submit(&c).await;
    expect_heading(&c, "Card added").await;
    assert!(c.source().await.unwrap().contains("Visa •••• 4242"));
    assert_eq!(
        s.bot
            .respond(&visa, "en", Event::Start)
            .await
            .unwrap()
            .view
            .step,
        "po"
    );

    // The same link again.
    c.goto(&format!("{}{path}", s.url)).await.unwrap();
    expect_heading(&c, "Link already used").await;

    // American Express: a 3-digit code is refused, then 4 digits go through.
    let amex = Identity::new("console", "local", "amex");
    let path = s.card_link_for(&amex).await;
    c.goto(&format!("{}{path}", s.url)).await.unwrap();
    fill(&c, "3782 822463 10005", "123").await;
    assert_eq!(
        c.find(Locator::Id("brand"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "(American Express)"
    );
    submit(&c).await;
    let error = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("4 digits"), "{error}");
    assert_eq!(
        c.find(Locator::Id("city"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Austin")
    );
    fill(&c, "3782 822463 10005", "1234").await;
    submit(&c).await;
    expect_heading(&c, "Card added").await;

    // A card the processor declines: accepted on the page, refused when the order is placed.
    let declined = Identity::new("console", "local", "declined");
    let path = s.card_link_for(&declined).await;
    c.goto(&format!("{}{path}", s.url)).await.unwrap();
    fill(&c, "4000 0000 0000 0002", "123").await;
    submit(&c).await;
    expect_heading(&c, "Card added").await;
    let r = s.place(&declined).await;
    assert_eq!(r.view.step, "payment");
    assert!(r.notice.unwrap().text.contains("declined"));

    // An expired link.
    let account = s.bot.store().account_id_for(&visa).await.unwrap().unwrap();
    s.bot
        .store()
        .create_card_link(&checkout_bot::store::card_links::NewCardLink {
            token: "expired-browser-token",
            who: &visa,
            account_id: &account,
            checkout_key: "k",
            csrf: "c",
            valid_ms: -1,
            reply_handle: None,
        })
        .await
        .unwrap();
    c.goto(&format!("{}/pay/expired-browser-token", s.url))
        .await
        .unwrap();
    expect_heading(&c, "Link expired").await;

    c.close().await.unwrap();
}

/// The whole OpenID Connect sign-in in the browser: the link from the chat, the
/// provider's own page (`oidc-provider-mock`, which `.ci/run` starts), and back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_through_the_provider_in_headless_chromium() {
    let Some(issuer) = crate::common::oidc::mock_issuer("browser sign-in") else {
        return;
    };
    let Some((c, _driver, _profile)) = browser().await else {
        return;
    };
    let sub = format!("browser-{:x}", rand::random::<u32>());
    crate::common::oidc::set_user(
        &issuer,
        &sub,
        json!({"name": "Robin Chromium", "orgs": ["ORG-COBALT"], "role": "buyer"}),
    )
    .await;
    let issuer_for_config = issuer.clone();
    let s = Server::start_configured(
        move |config, _| config.signin = crate::common::oidc::provider(&issuer_for_config),
        |_| {},
    )
    .await;
    let who = Identity::new("console", "local", "robin");
    let r = s
        .bot
        .respond(&who, "en", Event::from_line("/orders"))
        .await
        .unwrap();
    let link = crate::common::oidc::link_in(&serde_json::to_string(&r.view).unwrap());
    c.goto(&link).await.unwrap();
    // The link first says which chat account it links, and goes on only when asked.
    expect_heading(&c, "Link a chat account to your store account?").await;
    assert!(
        c.source()
            .await
            .unwrap()
            .contains("Console account “robin”")
    );
    submit(&c).await;
    expect_heading(&c, "Authorize Client").await;
    assert!(c.current_url().await.unwrap().as_str().starts_with(&issuer));
    c.find(Locator::Css("input[name=sub]"))
        .await
        .unwrap()
        .send_keys(&sub)
        .await
        .unwrap();
    c.find(Locator::XPath("//button[normalize-space()='Authorize']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_heading(&c, "Signed in").await;
    assert!(c.source().await.unwrap().contains("Robin Chromium"));
    let r = s.bot.respond(&who, "en", Event::Start).await.unwrap();
    assert_eq!(r.view.step, "orders", "the refused /orders carried on");
    let r = s
        .bot
        .respond(&who, "en", Event::from_line("/whoami"))
        .await
        .unwrap();
    assert!(
        r.view
            .fields
            .iter()
            .any(|f| f.value == "Cobalt Logistics · buyer"),
        "{:?}",
        r.view.fields
    );
    // Back in the browser, the link is spent.
    c.goto(&link).await.unwrap();
    expect_heading(&c, "Link already used").await;
    c.close().await.unwrap();
}

/// Types a card into localstripe's stand-in of Stripe's card Element.
async fn stripe_card(c: &Client, number: &str) {
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Dana Reyes")
        .await
        .unwrap();
    for (field, value) in [
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "78701"),
    ] {
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&format!(
                "#card-element input[placeholder={field}]"
            )))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
}

/// Asks for a new card for `who` and opens its Stripe page.
async fn open_stripe_page(c: &Client, s: &Server, who: &Identity) {
    let path = s.card_link_for(who).await;
    c.goto(&format!("{}{path}", s.url)).await.unwrap();
    expect_heading(c, "Add a card").await;
}

/// Presses the Stripe page's Add card button.
async fn add_card(c: &Client) {
    c.find(Locator::Id("add-card"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// With Stripe as the gateway (against `localstripe`, which `.ci/run` starts): the card
/// is typed into Stripe's Element, confirmed as a SetupIntent in the browser, read back
/// by the server, saved to the account's Stripe customer and charged for the order; a
/// card Stripe declines at set-up adds nothing. The card number is nowhere in the
/// database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_card_is_entered_in_stripes_fields_and_charged() {
    let Some((s, base)) = crate::common::stripe::server("Stripe card page").await else {
        return;
    };
    let Some((c, _driver, _profile)) = browser().await else {
        return;
    };
    let who = Identity::new("console", "local", "stripe-buyer");
    open_stripe_page(&c, &s, &who).await;
    let page = c.source().await.unwrap();
    assert!(page.contains("straight to Stripe"), "{page}");
    assert!(
        !page.contains("id=\"number\""),
        "no card number field of ours"
    );
    stripe_card(&c, "4242424242424242").await;
    c.find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    add_card(&c).await;
    expect_heading(&c, "Card added").await;
    assert!(c.source().await.unwrap().contains("Visa •••• 4242"));

    let store = s.bot.store();
    let account = store.account_id_for(&who).await.unwrap().unwrap();
    let customer = store
        .stripe_customer(&account)
        .await
        .unwrap()
        .expect("a customer");
    let cards = store.cards(&account).await.unwrap();
    assert_eq!(cards.len(), 1, "saved, as asked");
    let (card_customer, pm) = cards[0].token.split_once(':').unwrap();
    assert_eq!(card_customer, customer);
    let at_stripe = crate::common::stripe::get(&base, &format!("/v1/payment_methods/{pm}")).await;
    assert_eq!(at_stripe["customer"], customer.as_str(), "{at_stripe}");

    let r = s.place(&who).await;
    assert_eq!(r.view.step, "placed", "{:?}", r);
    let order = store.orders(&account, None, 1).await.unwrap().remove(0);
    assert_eq!(order.status, checkout_bot::domain::order::OrderStatus::Paid);
    let pi = store
        .charge_ref(&order.number)
        .await
        .unwrap()
        .expect("a charge");
    let intent = crate::common::stripe::get(&base, &format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(intent["status"], "succeeded", "{intent}");
    assert_eq!(intent["customer"], customer.as_str());
    assert_eq!(
        intent["amount"].as_i64().unwrap(),
        rust_decimal::prelude::ToPrimitive::to_i64(
            &(order.details.total.amount * rust_decimal::Decimal::ONE_HUNDRED)
        )
        .unwrap(),
        "the total shown is the total charged"
    );

    // Declined when Stripe sets it up: the page says so, and no card is added.
    let declined = Identity::new("console", "local", "stripe-declined");
    open_stripe_page(&c, &s, &declined).await;
    stripe_card(&c, "4000000000000002").await;
    add_card(&c).await;
    let said = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//p[@id='card-errors' and normalize-space()!='']",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(said.to_lowercase().contains("declined"), "{said}");
    let declined_account = store.account_id_for(&declined).await.unwrap().unwrap();
    assert!(store.cards(&declined_account).await.unwrap().is_empty());

    // Not saved: used for this order, then detached at Stripe.
    let once = Identity::new("console", "local", "stripe-once");
    open_stripe_page(&c, &s, &once).await;
    stripe_card(&c, "5555555555554444").await;
    add_card(&c).await;
    expect_heading(&c, "Card added").await;
    // localstripe calls every card a Visa; Stripe says the brand, and we show what it says.
    assert!(c.source().await.unwrap().contains("•••• 4444"));
    let r = s.place(&once).await;
    assert_eq!(r.view.step, "placed", "{:?}", r.notice);
    let account = store.account_id_for(&once).await.unwrap().unwrap();
    assert!(store.cards(&account).await.unwrap().is_empty(), "not saved");
    let order = store.orders(&account, None, 1).await.unwrap().remove(0);
    let checkout_bot::domain::order::Payment::Card { card_id, .. } = &order.details.payment else {
        panic!("paid by card: {:?}", order.details.payment)
    };
    let token = store.card(&account, card_id).await.unwrap().unwrap().token;
    let pm = token.split_once(':').unwrap().1;
    let at_stripe = crate::common::stripe::get(&base, &format!("/v1/payment_methods/{pm}")).await;
    assert!(
        at_stripe["customer"].is_null(),
        "detached after the order: {at_stripe}"
    );
    c.close().await.unwrap();

    assert!(
        !String::from_utf8_lossy(&s.database_bytes()).contains("4242424242424242"),
        "the card number is in the database"
    );
}

/// Clicks a button localstripe's stand-in of the bank's 3-D Secure check shows.
async fn bank_says(c: &Client, answer: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&format!(
            "//button[normalize-space()='{answer}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// 3-D Secure in the browser, against localstripe: the bank's check when the card is
/// set up, then again for the off-session charge, on our confirmation page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3d_secure_card_is_confirmed_in_the_browser() {
    let Some((s, _)) = crate::common::stripe::server("Stripe 3-D Secure in the browser").await
    else {
        return;
    };
    let Some((c, _driver, _profile)) = browser().await else {
        return;
    };
    let who = Identity::new("console", "local", "secure-browser");
    open_stripe_page(&c, &s, &who).await;
    stripe_card(&c, "4000002760003184").await;
    add_card(&c).await;
    bank_says(&c, "Complete authentication").await;
    expect_heading(&c, "Card added").await;

    let r = s.place(&who).await;
    let said = r.notice.expect("what to do").text;
    let at = said.find("http").expect("a link");
    let link = said[at..].split_whitespace().next().unwrap().to_string();
    c.goto(&link).await.unwrap();
    expect_heading(&c, "Confirm your payment").await;
    c.find(Locator::Id("confirm"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    bank_says(&c, "Complete authentication").await;
    expect_heading(&c, "Payment confirmed").await;
    let store = s.bot.store();
    let account = store.account_id_for(&who).await.unwrap().unwrap();
    let order = store.orders(&account, None, 1).await.unwrap().remove(0);
    assert_eq!(order.status, checkout_bot::domain::order::OrderStatus::Paid);
    let r = s
        .bot
        .respond(&who, "en", Event::from_line("/orders"))
        .await
        .unwrap();
    assert!(
        serde_json::to_string(&r.view).unwrap().contains("paid"),
        "{:?}",
        r.view
    );
    c.close().await.unwrap();
}
