//! The Discord channel through our HTTP server: signed payloads of all five interaction
//! types, every refusal, and whole checkouts clicked through button by button.

use crate::common::discord::{self as d, Player, Server};
use serde_json::json;

#[tokio::test]
async fn ping_gets_pong() {
    let s = Server::start().await;
    let (status, body) = s.post(&d::ping()).await;
    assert_eq!((status, body), (200, json!({"type": 1})));
}

#[tokio::test]
async fn bad_signatures_and_old_timestamps_are_refused_and_change_nothing() {
    let s = Server::start().await;
    let user = d::user("9000000000000000001", "dana");
    let body = d::command(&user, "buy", json!([])).to_string();
    let now = checkout_bot::store::now_ms() / 1000;

    // Ten seconds past the window either way, so a slow machine cannot move the request back
    // inside it; the exact boundary is unit-tested in http.rs.
    let res = s.post_signed_at(&body, now - 310).await;
    assert_eq!(res.status().as_u16(), 401, "more than five minutes old");
    let res = s.post_signed_at(&body, now + 310).await;
    assert_eq!(res.status().as_u16(), 401, "from the future");

    let ts = now.to_string();
    let tampered = s
        .client
        .post(format!("{}/discord/interactions", s.url))
        .header("x-signature-ed25519", "00".repeat(64))
        .header("x-signature-timestamp", &ts)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status().as_u16(), 401, "a bad signature");
    let bare = s
        .client
        .post(format!("{}/discord/interactions", s.url))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 401, "no signature at all");

    let res = s.post_signed_at("{\"type\": 2, \"id\": ", now).await;
    assert_eq!(res.status().as_u16(), 400, "signed but malformed");

    let who =
        checkout_bot::domain::account::Identity::new("discord", "discord", "9000000000000000001");
    assert!(
        s.bot.store().load_session(&who).await.unwrap().is_none(),
        "nothing was processed"
    );
    assert!(s.bot.store().account_id_for(&who).await.unwrap().is_none());
}

/// A signed interaction captured on its way is still fresh for five minutes; sent a
/// second time, it is refused and does nothing.
#[tokio::test]
async fn a_replayed_interaction_is_handled_once() {
    let s = Server::start().await;
    let user = d::user("9000000000000000077", "rey");
    let cart = d::command(&user, "cart", json!([]));
    let (first, _) = s.post(&cart).await;
    assert_eq!(first, 200);
    let who =
        checkout_bot::domain::account::Identity::new("discord", "discord", "9000000000000000077");
    let rev = |s: &Server| {
        let store = s.bot.store().clone();
        let who = who.clone();
        async move {
            store
                .load_session(&who)
                .await
                .unwrap()
                .map(|x| x.session.rev)
        }
    };
    let before = rev(&s).await;
    let (again, body) = s.post(&cart).await;
    assert_eq!(again, 409, "{body}");
    assert_eq!(rev(&s).await, before, "the replay changed nothing");
    // A new interaction of the same person goes through.
    let (next, _) = s.post(&d::command(&user, "cart", json!([]))).await;
    assert_eq!(next, 200);
    // Pings carry no action and are always answered.
    assert_eq!(s.post(&d::ping()).await.0, 200);
    assert_eq!(s.post(&d::ping()).await.0, 200);
}

#[tokio::test]
async fn all_five_interaction_types_answer_in_discords_shapes() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "9000000000000000002");
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "support-credits"}]),
    )
    .await;
    assert_eq!(p.last["type"], 4);
    assert_eq!(p.last["data"]["flags"], 64, "ephemeral");
    assert!(p.title().contains("Support Credits"), "{}", p.title());

    p.choose("Details", "Support Credits").await;
    assert_eq!(p.last["type"], 7, "a click updates the same message");
    p.click("+").await;
    assert_eq!(p.field("Quantity"), "10");

    p.click("Type a quantity").await;
    let modal = p.modal.clone().unwrap();
    assert_eq!(modal["type"], 9);
    assert_eq!(
        modal["data"]["components"][0]["type"], 1,
        "modals are built from action rows"
    );
    assert_eq!(
        modal["data"]["components"][0]["components"][0]["value"], "10",
        "the current value is filled in"
    );
    p.submit(&[("quantity", "25")]).await;
    assert_eq!(p.field("Quantity"), "25");

    let (status, body) = s
        .post(&d::autocomplete(&p.user, "buy", "category", "cred"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], 8);
    assert_eq!(body["data"]["choices"][0]["value"], "support-credits");
}

#[tokio::test]
async fn deployment_autocomplete_offers_only_the_users_own() {
    let s = Server::start().await;
    let user = d::user("9000000000000000003", "sam");
    let (_, body) = s
        .post(&d::autocomplete(
            &user,
            "deployment",
            "query",
            "main office",
        ))
        .await;
    let values: Vec<&str> = body["data"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["value"].as_str())
        .collect();
    assert!(values.contains(&"104512"), "{values:?}");
    assert!(
        !values.contains(&"700100"),
        "another organization's deployment: {values:?}"
    );
    assert!(values.len() <= 25);
}

#[tokio::test]
async fn stale_forged_and_foreign_clicks_change_nothing() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "9000000000000000004");
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "support-credits"}]),
    )
    .await;
    p.choose("Details", "Support Credits").await;
    let old_plus = p.component("+")["custom_id"].as_str().unwrap().to_string();
    p.click("+").await;
    let user = p.user.clone();
    p.send(d::button(&user, &user, &old_plus)).await;
    assert!(p.content().contains("out of date"), "{}", p.content());
    assert_eq!(p.field("Quantity"), "10", "the stale + was not applied");

    p.send(d::button(&user, &user, "0:drop_tables")).await;
    assert!(p.content().contains("recognise"), "{}", p.content());
    p.send(d::button(&user, &user, &"9".repeat(150))).await;
    assert!(p.content().contains("recognise"), "{}", p.content());
    assert_eq!(p.field("Quantity"), "10");

    let current_plus = p.component("+")["custom_id"].as_str().unwrap().to_string();
    let stranger = d::user("9000000000000000005", "eve");
    let (_, body) = s.post(&d::button(&stranger, &user, &current_plus)).await;
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["flags"], 64);
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("someone else"),
        "{body}"
    );
    p.command("cart", json!([])).await;
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "support-credits"}]),
    )
    .await;
    p.choose("Details", "Support Credits").await;
    assert_eq!(
        p.field("Quantity"),
        "5",
        "the stranger's click did nothing to this session"
    );
}

/// From the payment step to the placed order.
async fn finish(p: &mut Player<'_>, method: &str, button: &str) {
    p.choose("Payment method", method).await;
    p.click("No").await;
    p.click("I agree to the terms").await;
    assert!(p.title().contains("Review"), "{}", p.title());
    p.click(button).await;
    assert!(p.title().contains("CB-"), "{}", p.last);
}

#[tokio::test]
async fn a_whole_checkout_for_each_payment_method() {
    let s = Server::start().await;
    for (n, (method, button, status)) in [
        ("Wire transfer", "Process order", "awaiting payment"),
        ("Check", "Process order", "awaiting payment"),
        ("Save as a quote", "Save quote", "quote"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = Player::new(&s, &format!("90000000000000001{n}"));
        p.command(
            "buy",
            json!([{"name": "category", "type": 3, "value": "modules"}]),
        )
        .await;
        p.choose("Details", "EndPoint Manager").await;
        p.click("Add to cart").await;
        p.click("View cart (1)").await;
        p.click("Checkout").await;
        assert!(p.title().starts_with("Deployment for"), "{}", p.title());
        p.click("Search").await;
        p.submit(&[("query", "Main Ofice PBX")]).await;
        p.choose("Choose a deployment", "104512").await;
        assert!(p.title().contains("right deployment"), "{}", p.title());
        p.click("Yes, use 104512").await;
        finish(&mut p, method, button).await;
        assert_eq!(p.field("Status"), status, "{method}");
    }
}

#[tokio::test]
async fn buy_with_a_sentence_proposes_and_asks_which_where_several_fit() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "9000000000000000031");
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "i need 2 phones pls"}]),
    )
    .await;
    assert_eq!(p.title(), "Which one do you mean?");
    p.click("P370 Executive Phone · USD 229.00").await;
    assert_eq!(p.title(), "Add to your cart?");
    p.click("Yes, add it").await;
    assert!(p.title().starts_with("Your cart"), "{}", p.title());
}

#[tokio::test]
async fn a_saved_card_checkout_with_shipping_via_slash_commands() {
    let s = Server::start().await;
    // The demo buyer's saved card belongs to the console identity; link this Discord user
    // to the same account, as `members add` would.
    let store = s.bot.store();
    let demo = store
        .account_id_for(&checkout_bot::domain::account::Identity::new(
            "console", "local", "demo",
        ))
        .await
        .unwrap()
        .unwrap();
    let who =
        checkout_bot::domain::account::Identity::new("discord", "discord", "9000000000000000020");
    store
        .link_identity(&who, &demo, checkout_bot::domain::account::LinkedVia::Cli)
        .await
        .unwrap();
    let mut p = Player::new(&s, "9000000000000000020");
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "phones"}]),
    )
    .await;
    p.choose("Details", "P310 Desk Phone").await;
    p.click("Add to cart").await;
    p.command("checkout", json!([])).await;
    assert_eq!(p.title(), "Shipping");
    p.click("Enter address").await;
    p.submit(&[
        ("name", "Dana Reyes"),
        ("street", "500 Main St"),
        ("city", "Austin"),
        ("region", "TX"),
        ("postal_code", "787"),
    ])
    .await;
    assert!(p.content().contains("Postal code"), "{}", p.content());
    p.click("Enter address").await;
    let modal = p.modal.clone().unwrap();
    assert_eq!(
        modal["data"]["components"][2]["components"][0]["value"], "Austin",
        "what was typed is kept"
    );
    p.submit(&[
        ("name", "Dana Reyes"),
        ("street", "500 Main St"),
        ("city", "Austin"),
        ("region", "TX"),
        ("postal_code", "78701"),
    ])
    .await;
    p.choose("Shipping rate", "ground").await;
    p.click("Continue").await;
    finish(&mut p, "Visa •••• 4242 (exp 12/30)", "Process order").await;
    assert_eq!(p.field("Status"), "paid");
}

#[tokio::test]
async fn slash_deployment_picks_one_directly() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "9000000000000000030");
    p.command(
        "deployment",
        json!([{"name": "query", "type": 3, "value": "104512"}]),
    )
    .await;
    assert!(
        p.content().contains("/checkout"),
        "nothing to choose yet: {}",
        p.content()
    );
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "modules"}]),
    )
    .await;
    p.choose("Details", "Park Pro").await;
    p.click("Add to cart").await;
    p.command("checkout", json!([])).await;
    p.command(
        "deployment",
        json!([{"name": "query", "type": 3, "value": "700101"}]),
    )
    .await;
    assert!(
        p.content().contains("not in any of your organizations"),
        "{}",
        p.content()
    );
    p.command(
        "deployment",
        json!([{"name": "query", "type": 3, "value": "radiology"}]),
    )
    .await;
    assert!(
        p.title().starts_with("Deployment for"),
        "typed text is searched, not guessed: {}",
        p.last
    );
    p.choose("Choose a deployment", "613773").await;
    assert!(p.title().contains("right deployment"), "{}", p.last);
    p.click("Choose another").await;
    p.command(
        "deployment",
        json!([{"name": "query", "type": 3, "value": "613773"}]),
    )
    .await;
    assert!(
        p.title().contains("right deployment"),
        "an exact id is chosen directly: {}",
        p.last
    );
}

#[tokio::test]
async fn health_and_metrics() {
    let s = Server::start().await;
    let (status, body) = s.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    s.post(&d::ping()).await;
    let (status, text) = s.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains(
            "checkout_bot_interactions_total{outcome=\"ok\",platform=\"discord\",type=\"ping\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("checkout_bot_interaction_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("# TYPE checkout_bot_orders gauge"), "{text}");
}

/// Regression: an interaction without `member` or `user` became user id 1 (and was
/// enrolled in demo mode); a modal submitted on another user's message was applied; a
/// select-shaped interaction on the Process button placed the order.
#[tokio::test]
async fn nameless_foreign_and_misshapen_interactions_are_refused() {
    let s = Server::start().await;
    let owner = d::user("9000000000000000031", "owner");
    for strip in [&["member", "user"][..], &["user"][..]] {
        let mut nameless = d::command(&owner, "cart", json!([]));
        for key in strip {
            if let Some(o) = nameless.as_object_mut() {
                o.remove(*key);
            }
        }
        let has_member = nameless.get("member").is_some();
        let (status, _) = s.post(&nameless).await;
        if has_member {
            assert_eq!(status, 200, "a guild interaction names its member's user");
        } else {
            assert_eq!(status, 400);
        }
    }
    for id in ["1", "0"] {
        assert!(
            s.bot
                .store()
                .account_id_for(&checkout_bot::domain::account::Identity::new(
                    "discord", "discord", id
                ))
                .await
                .unwrap()
                .is_none(),
            "no identity {id} was enrolled"
        );
    }

    let mut p = Player::new(&s, "9000000000000000031");
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "support-credits"}]),
    )
    .await;
    p.choose("Details", "Support Credits").await;
    let form = p.component("Type a quantity")["custom_id"]
        .as_str()
        .unwrap()
        .trim_start_matches(checkout_bot::platforms::discord::render::MODAL_PREFIX)
        .to_string();
    let eve = d::user("9000000000000000032", "eve");
    let (_, body) = s
        .post(&d::modal_submit(
            &eve,
            &p.user,
            &form,
            &[("quantity", "40")],
        ))
        .await;
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("someone else"),
        "{body}"
    );
    p.command("cart", json!([])).await;
    p.command(
        "buy",
        json!([{"name": "category", "type": 3, "value": "support-credits"}]),
    )
    .await;
    p.choose("Details", "Support Credits").await;
    assert_eq!(p.field("Quantity"), "5", "eve's form changed nothing");

    let add = p.component("Add to cart")["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let user = p.user.clone();
    p.send(d::select(&user, &user, &add, &["x"])).await;
    assert!(p.content().contains("recognise"), "{}", p.content());
    p.command("cart", json!([])).await;
    assert_eq!(
        p.last["data"]["embeds"][0]["description"], "Your cart is empty.",
        "{}",
        p.last
    );
}

/// `members add` without `--name` names the account by the user id; on first contact the
/// account takes the name Discord shows, so requests never read "Requested by 9000…".
#[tokio::test]
async fn a_member_added_without_a_name_is_named_on_first_contact() {
    let s = Server::start().await;
    let store = s.bot.store();
    let user = "9000000000000000031";
    let who = checkout_bot::domain::account::Identity::new("discord", "discord", user);
    let id = store.create_account(user, Some("ORG-ACME")).await.unwrap();
    assert!(
        store
            .link_identity(&who, &id, checkout_bot::domain::account::LinkedVia::Cli)
            .await
            .unwrap()
    );
    let mut p = Player::new(&s, user);
    p.command("cart", json!([])).await;
    let account = store.account(&id).await.unwrap().unwrap();
    assert_eq!(account.display_name, "dana");
    store
        .rename_account_if(&id, "dana", "Dana Reyes")
        .await
        .unwrap();
    p.command("cart", json!([])).await;
    let account = store.account(&id).await.unwrap().unwrap();
    assert_eq!(
        account.display_name, "Dana Reyes",
        "a name the account has is never overwritten"
    );
}

/// A Discord user whose client is set to German gets German answers, with money written
/// the German way: the interaction's `locale` decides.
#[tokio::test]
async fn a_german_discord_user_is_answered_in_german() {
    let s = Server::start().await;
    let user = d::user("9000000000000000041", "jonas");
    let mut payload = d::command(
        &user,
        "buy",
        json!([{"name": "category", "type": 3, "value": "support credits"}]),
    );
    payload["locale"] = json!("de");
    let (status, body) = s.post(&payload).await;
    assert_eq!(status, 200, "{body}");
    let shown = body.to_string();
    assert!(shown.contains("Shop · "), "{shown}");
    assert!(
        shown.contains("Warenkorb (0)") && shown.contains("Hilfe"),
        "{shown}"
    );
    assert!(shown.contains(",00 USD"), "German money: {shown}");
    assert!(!shown.contains("View cart"), "{shown}");
}

/// `/readyz` answers 200 once the database answers with this binary's schema; with
/// METRICS_TOKEN set, `/metrics` needs the bearer token and says so otherwise.
#[tokio::test]
async fn readiness_and_a_metrics_token() {
    let s = Server::start_configured(
        |config, _| {
            let token = checkout_bot::config::Config::from_lookup(|name| {
                (name == "METRICS_TOKEN").then(|| "metrics-secret-0123456789".to_string())
            })
            .unwrap()
            .metrics_token;
            config.metrics_token = token;
        },
        |_| {},
    )
    .await;
    let (status, body) = s.get("/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready"));
    let (status, _) = s.get("/metrics").await;
    assert_eq!(status, 401, "no token, no metrics");
    let with = |token: &str| {
        s.client
            .get(format!("{}/metrics", s.url))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(with("wrong-token-0123456789").await.unwrap().status(), 401);
    let ok = with("metrics-secret-0123456789").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("checkout_bot_"));
    let shown = format!("{:?}", s.bot.config());
    assert!(!shown.contains("metrics-secret"), "Debug hides the token");
}

#[tokio::test]
async fn whoami_answers_privately_with_the_account_and_its_link() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "9000000000000000090");
    p.command("whoami", json!([])).await;
    assert_eq!(p.last["type"], 4);
    assert_eq!(p.last["data"]["flags"], 64, "ephemeral");
    assert_eq!(p.title(), "Your account");
    assert!(p.field("Organizations").contains(" · buyer"), "{}", p.last);
    assert!(
        p.field("Linked").starts_with("as a demo buyer, on "),
        "{}",
        p.last
    );
    // In the person's own language.
    let mut payload = crate::common::discord::command(&p.user, "whoami", json!([]));
    payload["locale"] = json!("de");
    let (status, body) = s.post(&payload).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["embeds"][0]["title"], "Ihr Konto", "{body}");
}
