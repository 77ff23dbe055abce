//! Stripe as the gateway, against `localstripe` (`TEST_STRIPE_URL`, started by
//! `.ci/run`), without a browser: a saved card charged off-session for a chat checkout,
//! one customer per account, refunds through Stripe, a card Stripe declines when charged,
//! and a removed card detached at Stripe. (Entering a card in Stripe's fields is in
//! `tests/it/browser.rs`.)

use crate::common::discord::Server;
use crate::common::stripe;
use checkout_bot::domain::account::Identity;
use checkout_bot::domain::card::SavedCard;
use checkout_bot::domain::order::OrderStatus;
use checkout_bot::engine::event::Event;
use checkout_bot::engine::view::ActionKind;

/// A Stripe card of `who`'s account, saved as the card page would save it.
async fn saved_card(s: &Server, base: &str, who: &Identity, number: &str) -> (String, String) {
    // The first event enrols the demo buyer.
    s.bot.respond(who, "en", Event::Start).await.unwrap();
    let store = s.bot.store();
    let account = store.account_id_for(who).await.unwrap().unwrap();
    let gateway = s.bot.stripe().expect("stripe is the gateway");
    let customer = gateway.customer_for(store, &account, "Dana").await.unwrap();
    let again = gateway.customer_for(store, &account, "Dana").await.unwrap();
    assert_eq!(customer, again, "one customer per account");
    let pm = stripe::post(
        base,
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    let pm = pm["id"].as_str().expect("a payment method").to_string();
    stripe::post(
        base,
        &format!("/v1/payment_methods/{pm}/attach"),
        &[("customer", &customer)],
    )
    .await;
    let card = SavedCard {
        id: String::new(),
        brand: "Visa".into(),
        last4: number[number.len() - 4..].into(),
        exp_month: 12,
        exp_year: 2030,
        token: format!("{customer}:{pm}"),
    };
    let id = store.add_card(&account, &card).await.unwrap();
    (id, pm)
}

/// `who` checks out support credits with a saved Stripe card `number`: the reply to
/// Process order, and the order it placed.
async fn order_with(
    s: &Server,
    base: &str,
    who: &Identity,
    number: &str,
) -> (
    checkout_bot::engine::view::Reply,
    checkout_bot::domain::order::Order,
) {
    let (card, _) = saved_card(s, base, who, number).await;
    s.pay_with(who, &format!("card:{card}")).await;
    let r = s.place(who).await;
    let store = s.bot.store();
    let account = store.account_id_for(who).await.unwrap().unwrap();
    let order = store.orders(&account, None, 1).await.unwrap().remove(0);
    (r, order)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_stripe_card_pays_is_refunded_and_is_detached_when_removed() {
    let Some((s, base)) = stripe::server("Stripe saved card").await else {
        return;
    };
    let who = Identity::new("console", "local", "saved-stripe");
    let (card, pm) = saved_card(&s, &base, &who, "4242424242424242").await;
    let r = s.pay_with(&who, &format!("card:{card}")).await;
    assert_eq!(r.view.step, "po", "{:?}", r.notice);
    let r = s.place(&who).await;
    assert_eq!(r.view.step, "placed", "{:?}", r.notice);
    let store = s.bot.store();
    let account = store.account_id_for(&who).await.unwrap().unwrap();
    let order = store.orders(&account, None, 1).await.unwrap().remove(0);
    assert_eq!(order.status, OrderStatus::Paid);
    let pi = store.charge_ref(&order.number).await.unwrap().unwrap();
    assert!(pi.starts_with("pi_"), "{pi}");

    // Refunds go through Stripe, a part and then the rest.
    let refunds = checkout_bot::services::refunds::Refunds::new(store.clone(), s.bot.payments());
    let part = refunds
        .refund(
            &order.number,
            Some("100.00".parse().unwrap()),
            false,
            "operator",
        )
        .await
        .unwrap();
    assert!(part.gateway_ref.starts_with("re_"), "{}", part.gateway_ref);
    let rest = refunds
        .refund(&order.number, None, false, "operator")
        .await
        .unwrap();
    assert!(rest.left.amount.is_zero());
    let at_stripe = stripe::get(&base, &format!("/v1/refunds/{}", rest.gateway_ref)).await;
    assert_eq!(at_stripe["payment_intent"], pi.as_str(), "{at_stripe}");
    assert_eq!(
        store
            .order_by_number(&order.number)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Refunded
    );

    // Removing the card in /cards detaches it at Stripe.
    let r = s
        .bot
        .respond(&who, "en", Event::from_line("/cards"))
        .await
        .unwrap();
    let select = r
        .view
        .actions
        .iter()
        .find(|a| matches!(a.kind, ActionKind::Select { .. }))
        .expect("the cards select")
        .id
        .clone();
    let r = s
        .bot
        .respond(
            &who,
            "en",
            Event::Choose {
                action: select,
                values: vec![card.clone()],
            },
        )
        .await
        .unwrap();
    let yes = r
        .view
        .labelled("Yes, remove it")
        .expect("a confirmation")
        .id
        .clone();
    s.bot
        .respond(&who, "en", Event::Click { action: yes })
        .await
        .unwrap();
    assert!(store.cards(&account).await.unwrap().is_empty());
    let at_stripe = stripe::get(&base, &format!("/v1/payment_methods/{pm}")).await;
    assert!(at_stripe["customer"].is_null(), "detached: {at_stripe}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_stripe_declines_when_charged_brings_the_buyer_back_to_payment() {
    let Some((s, base)) = stripe::server("Stripe decline").await else {
        return;
    };
    let who = Identity::new("console", "local", "declined-stripe");
    let (r, order) = order_with(&s, &base, &who, "4000000000000341").await;
    assert_eq!(r.view.step, "payment", "{:?}", r.view);
    let said = r.notice.expect("why").text;
    assert!(said.to_lowercase().contains("declined"), "{said}");
    assert_eq!(order.status, OrderStatus::PaymentFailed);
}

/// Posts `body` to the webhook endpoint, signed at `t` with `secret`.
async fn deliver(s: &Server, secret: &str, t: i64, body: &str) -> u16 {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    s.client
        .post(format!("{}/stripe/webhook", s.url))
        .header("stripe-signature", format!("t={t},v1={signature}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn event(id: &str, kind: &str, object: serde_json::Value) -> String {
    serde_json::json!({"id": id, "object": "event", "type": kind, "data": {"object": object}})
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_verified_handled_once_and_safe_in_any_order() {
    let Some((s, base)) = stripe::server("Stripe webhooks").await else {
        return;
    };
    let secret = stripe::WEBHOOK_SECRET.to_string();
    let store = s.bot.store();
    let now = checkout_bot::store::now_ms() / 1000;

    let who = Identity::new("console", "local", "webhooked");
    let (_, paid) = order_with(&s, &base, &who, "4242424242424242").await;
    let pi = store.charge_ref(&paid.number).await.unwrap().unwrap();
    let cents = 50_000;
    let refunded = event(
        "evt_refunded_1",
        "charge.refunded",
        serde_json::json!({"id": "ch_x", "object": "charge", "payment_intent": pi, "amount": cents, "amount_refunded": cents}),
    );
    let status =
        |n: String| async move { store.order_by_number(&n).await.unwrap().unwrap().status };

    // Forged, stale, unsigned: refused and not read.
    assert_eq!(deliver(&s, "whsec_someone_else", now, &refunded).await, 400);
    assert_eq!(deliver(&s, &secret, now - 301, &refunded).await, 400);
    let unsigned = s
        .client
        .post(format!("{}/stripe/webhook", s.url))
        .body(refunded.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert_eq!(status(paid.number.clone()).await, OrderStatus::Paid);

    // A failure that arrives after the success leaves the order paid.
    let failed = event(
        "evt_failed_1",
        "payment_intent.payment_failed",
        serde_json::json!({"id": pi, "object": "payment_intent", "metadata": {"order_key": paid.details.key}}),
    );
    assert_eq!(deliver(&s, &secret, now, &failed).await, 200);
    assert_eq!(status(paid.number.clone()).await, OrderStatus::Paid);

    // Refunded at Stripe in full: the order follows, once, however often it comes.
    assert_eq!(deliver(&s, &secret, now, &refunded).await, 200);
    assert_eq!(status(paid.number.clone()).await, OrderStatus::Refunded);
    let trail = store.audit_for(&paid.number).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.actor == "stripe" && e.new_value.as_deref() == Some("refunded")),
        "{trail:?}"
    );
    assert_eq!(deliver(&s, &secret, now, &refunded).await, 200);
    assert_eq!(
        store.audit_for(&paid.number).await.unwrap().len(),
        trail.len()
    );

    // A success after a failure we recorded (our request timed out, Stripe charged).
    let late = Identity::new("console", "local", "webhook-late");
    let (_, failed_order) = order_with(&s, &base, &late, "4000000000000341").await;
    assert_eq!(failed_order.status, OrderStatus::PaymentFailed);
    let succeeded = event(
        "evt_succeeded_late",
        "payment_intent.succeeded",
        serde_json::json!({"id": "pi_late1", "object": "payment_intent", "metadata": {"order_key": failed_order.details.key}}),
    );
    assert_eq!(deliver(&s, &secret, now, &succeeded).await, 200);
    assert_eq!(status(failed_order.number.clone()).await, OrderStatus::Paid);
    assert_eq!(
        store
            .charge_ref(&failed_order.number)
            .await
            .unwrap()
            .as_deref(),
        Some("pi_late1")
    );
}

/// localstripe signs and sends its own events to the endpoint: the signature scheme is
/// Stripe's, not only ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localstripes_own_signed_events_are_accepted() {
    let Some((s, base)) = stripe::server("Stripe's own webhooks").await else {
        return;
    };
    let secret = stripe::WEBHOOK_SECRET.to_string();
    let hook = format!("checkout-bot-{:x}", rand::random::<u32>());
    let res = reqwest::Client::new()
        .post(format!("{base}/_config/webhooks/{hook}"))
        .form(&[
            ("url", format!("{}/stripe/webhook", s.url)),
            ("secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let who = Identity::new("console", "local", "webhook-live");
    let (_, order) = order_with(&s, &base, &who, "4242424242424242").await;
    let store = s.bot.store();
    let pi = store.charge_ref(&order.number).await.unwrap().unwrap();
    // A page holds at most 100 events, and the whole suite makes more: page through.
    let mut after = String::new();
    let mut found = None;
    for _ in 0..50 {
        let page = stripe::get(
            &base,
            &format!("/v1/events?type=payment_intent.succeeded&limit=100{after}"),
        )
        .await;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        found = data
            .iter()
            .find(|e| e["data"]["object"]["id"] == pi.as_str())
            .and_then(|e| e["id"].as_str())
            .map(String::from);
        match (&found, data.last().and_then(|e| e["id"].as_str())) {
            (None, Some(last)) if page["has_more"] == true => {
                after = format!("&starting_after={last}");
            }
            _ => break,
        }
    }
    let id = found.expect("localstripe made the event");
    let mut seen = false;
    for _ in 0..100 {
        if store.stripe_event_seen(&id).await.unwrap() {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "localstripe's signed event {id} was not accepted");
}

/// The card page with Stripe takes nothing from the browser but a SetupIntent id, and
/// only the one it made, once Stripe says it succeeded; its CSP lets in Stripe's script,
/// frames and API, and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stripe_card_page_believes_only_stripe() {
    let Some((s, base)) = stripe::server("Stripe card page checks").await else {
        return;
    };
    let who = Identity::new("console", "local", "forger");
    let path = s.card_link_for(&who).await;
    let res = s
        .client
        .get(format!("{}{path}", s.url))
        .send()
        .await
        .unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let page = res.text().await.unwrap();
    assert!(
        csp.contains("script-src 'nonce-") && csp.contains(&base),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("frame-src {base} https://hooks.stripe.com")),
        "{csp}"
    );
    assert!(csp.contains(&format!("connect-src {base}")), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let value = |name: &str| {
        let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        page[at..].split('"').next().unwrap().to_string()
    };
    let (csrf, setup_intent) = (value("csrf"), value("setup_intent"));
    assert!(setup_intent.starts_with("seti_"), "{setup_intent}");
    // A reload shows the link's SetupIntent again rather than making one per visit.
    for _ in 0..3 {
        let again = s
            .client
            .get(format!("{}{path}", s.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            again.contains(&format!("name=\"setup_intent\" value=\"{setup_intent}\"")),
            "a reload made another SetupIntent"
        );
    }
    let post = |si: String| {
        let form = [
            ("csrf", csrf.clone()),
            ("setup_intent", si),
            ("save", "on".into()),
        ];
        let url = format!("{}{path}", s.url);
        let client = s.client.clone();
        async move {
            let res = client.post(url).form(&form).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    // Another SetupIntent, even a succeeded one of another customer: refused.
    let other_customer = stripe::post(&base, "/v1/customers", &[("name", "Mallory")]).await;
    let other = stripe::post(
        &base,
        "/v1/setup_intents",
        &[("customer", other_customer["id"].as_str().unwrap())],
    )
    .await;
    let (status, body) = post(other["id"].as_str().unwrap().to_string()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("could not be confirmed"), "{body}");
    // The page's own SetupIntent, which the browser never confirmed: refused too.
    let (status, body) = post(setup_intent).await;
    assert_eq!(status, 422, "{body}");
    let account = s.bot.store().account_id_for(&who).await.unwrap().unwrap();
    assert!(s.bot.store().cards(&account).await.unwrap().is_empty());
    let r = s.bot.respond(&who, "en", Event::Start).await.unwrap();
    assert_eq!(r.view.step, "payment", "the checkout did not move on");
}

#[test]
fn serve_refuses_a_malformed_stripe_key_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .arg("serve")
        .env("DATABASE_URL", crate::common::sqlite_url(&dir))
        .env("HTTP_ADDR", "127.0.0.1:0")
        .env("PAYMENT_GATEWAY", "stripe")
        .env("STRIPE_SECRET_KEY", "pk_live_this_is_the_wrong_kind_of_key")
        .env("STRIPE_PUBLISHABLE_KEY", "pk_live_abcdefghijklmnop")
        .env("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghijklmnop")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("STRIPE_SECRET_KEY"), "{said}");
    assert!(!said.contains("wrong_kind"), "the key is shown: {said}");
}

/// A card whose bank asks for 3-D Secure: the order waits, the buyer gets a one-time
/// link, and Stripe, not the browser, says how it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3d_secure_payment_waits_for_the_buyer_and_stripe_decides() {
    let Some((s, base)) = stripe::server("Stripe 3-D Secure").await else {
        return;
    };
    let store = s.bot.store();
    for (user, confirmed) in [("secure-yes", true), ("secure-no", false)] {
        let who = Identity::new("console", "local", user);
        let (r, order) = order_with(&s, &base, &who, "4000002760003184").await;
        assert_eq!(r.view.step, "placed", "{:?}", r.notice);
        let said = r.notice.expect("what to do").text;
        assert!(said.contains("confirm the payment"), "{said}");
        let at = said.find("/pay/confirm/").expect("a link");
        let path = said[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches(';');
        assert_eq!(order.status, OrderStatus::AwaitingAuthentication);
        let pi = store.charge_ref(&order.number).await.unwrap().unwrap();

        let res = s
            .client
            .get(format!("{}{path}", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("Confirm the payment"), "{page}");
        let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
        let csrf = page[at..].split('"').next().unwrap().to_string();
        let at = page.find("data-secret=\"").unwrap() + 13;
        let secret = page[at..].split('"').next().unwrap().to_string();

        // What Stripe.js does with the bank, then the page posts back.
        stripe::post(
            &base,
            &format!("/v1/payment_intents/{pi}/_authenticate"),
            &[
                ("client_secret", &secret),
                ("success", if confirmed { "true" } else { "false" }),
            ],
        )
        .await;
        // Posting back before with a forged form changes nothing.
        let forged = s
            .client
            .post(format!("{}{path}", s.url))
            .form(&[("csrf", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        let res = s
            .client
            .post(format!("{}{path}", s.url))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let page = res.text().await.unwrap();
        let order = store.order_by_number(&order.number).await.unwrap().unwrap();
        if confirmed {
            assert_eq!(status, 200, "{page}");
            assert!(page.contains("Payment confirmed"), "{page}");
            assert_eq!(order.status, OrderStatus::Paid);
        } else {
            assert_eq!(status, 402, "{page}");
            assert!(page.contains("nothing was charged"), "{page}");
            assert_eq!(order.status, OrderStatus::PaymentFailed);
        }
        let again = s
            .client
            .get(format!("{}{path}", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 410, "a link works once");
    }
}
