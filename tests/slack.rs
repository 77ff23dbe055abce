//! The Slack channel through our HTTP server: commands, clicks, modals, the options
//! endpoint and events in Slack's own shapes, signed as Slack signs them; what the bot
//! sends back through response URLs and the Web API, recorded by a stand-in.

mod common;

use checkout_bot::domain::account::Identity;
use common::slack::{self as sl, Player, Server};
use serde_json::json;

#[tokio::test]
async fn bad_signatures_and_old_timestamps_are_refused_and_change_nothing() {
    let s = Server::start().await;
    let body = serde_urlencoded::to_string([
        ("team_id", sl::TEAM),
        ("channel_id", sl::CHANNEL),
        ("user_id", "U0REFUSED1"),
        ("command", "/buy"),
        ("text", ""),
        ("response_url", "http://127.0.0.1:9/hooks/x"),
        ("trigger_id", "1.2.3"),
    ])
    .unwrap();
    let form = "application/x-www-form-urlencoded";
    let now = checkout_bot::store::now_ms() / 1000;
    for (when, why) in [(now - 310, "too old"), (now + 310, "from the future")] {
        let res = s.post_signed_at("/slack/commands", form, &body, when).await;
        assert_eq!(res.status().as_u16(), 401, "{why}");
    }
    let forged = s
        .client
        .post(format!("{}/slack/commands", s.url))
        .header("x-slack-signature", format!("v0={}", "0".repeat(64)))
        .header("x-slack-request-timestamp", now.to_string())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401, "a bad signature");
    let bare = s
        .client
        .post(format!("{}/slack/interactions", s.url))
        .body("payload=%7B%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 401, "no signature at all");
    let events = s
        .client
        .post(format!("{}/slack/events", s.url))
        .body(r#"{"type":"url_verification","challenge":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status().as_u16(), 401, "events are checked too");

    let ssl = s
        .client
        .post(format!("{}/slack/commands", s.url))
        .body("ssl_check=1&token=abc")
        .send()
        .await
        .unwrap();
    assert_eq!(ssl.status().as_u16(), 200, "Slack's SSL check");

    let who = Identity::new("slack", sl::TEAM, "U0REFUSED1");
    assert!(s.bot.store().load_session(&who).await.unwrap().is_none());
    assert!(s.bot.store().account_id_for(&who).await.unwrap().is_none());
    assert!(s.slack.calls().is_empty(), "nothing was sent to Slack");
}

#[tokio::test]
async fn a_whole_checkout_in_block_kit() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "U0DANA0001");
    p.command("/buy", "modules").await;
    assert!(p.title().contains("Modules"), "{}", p.title());
    p.choose("Details", "EndPoint Manager").await;
    p.click("Add to cart").await;
    p.click("View cart (1)").await;
    p.click("Checkout").await;
    assert!(p.title().starts_with("Deployment for"), "{}", p.title());

    let options = p.search("Search", "main office").await;
    assert!(!options.is_empty() && options.len() <= 100);
    assert!(
        options.iter().all(|o| o["value"] != "700100"),
        "only the user's own deployments: {options:?}"
    );
    let main = options
        .iter()
        .find(|o| o["value"] == "104512")
        .unwrap_or_else(|| panic!("{options:?}"))
        .clone();
    p.pick("Search", &main).await;
    assert!(p.title().contains("right deployment"), "{}", p.title());
    p.click("Yes, use 104512").await;

    p.choose("Payment method", "Wire transfer").await;
    p.click("No").await;
    p.click("I agree to the terms").await;
    assert!(p.title().contains("Review"), "{}", p.title());
    p.click("Process order").await;
    assert!(p.title().contains("CB-"), "{}", p.text());
    assert_eq!(p.field("Status"), "awaiting payment");
    let hooks = s.slack.calls_to("hook");
    assert!(
        hooks.iter().all(|c| c.body["replace_original"] == true),
        "every click replaced its message"
    );
    assert!(
        hooks.iter().all(|c| !c.authorized),
        "response URLs need no token"
    );
}

#[tokio::test]
async fn a_refused_form_field_gets_its_error_beside_it() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "U0DANA0002");
    p.command("/buy", "phones").await;
    p.choose("Details", "P310 Desk Phone").await;
    p.click("Add to cart").await;
    p.command("/checkout", "").await;
    assert_eq!(p.title(), "Shipping");
    p.click("Enter address").await;
    let modal = p.modal.clone().unwrap();
    assert_eq!(modal["type"], "modal");
    assert!(modal["title"]["text"].as_str().unwrap().chars().count() <= 24);
    let answer = p
        .submit(&[
            ("name", "Dana Reyes"),
            ("street", "500 Main St"),
            ("city", "Austin"),
            ("region", "TX"),
            ("postal_code", "787"),
        ])
        .await;
    assert_eq!(answer["response_action"], "errors", "{answer}");
    assert!(
        answer["errors"]["postal_code"].is_string(),
        "beside the postal code: {answer}"
    );
    let answer = p
        .submit(&[
            ("name", "Dana Reyes"),
            ("street", "500 Main St"),
            ("city", "Austin"),
            ("region", "TX"),
            ("postal_code", "78701"),
        ])
        .await;
    assert!(answer.is_null(), "an accepted form closes: {answer}");
    p.choose("Shipping rate", "ground").await;
    assert!(p.text().contains("Ground"), "{}", p.text());
}

#[tokio::test]
async fn forged_and_foreign_clicks_change_nothing() {
    let s = Server::start().await;
    let mut p = Player::new(&s, "U0DANA0003");
    p.command("/buy", "support-credits").await;
    p.choose("Details", "Support Credits").await;
    let (plus, block) = p.element("+");
    // Eve clicks a button of Dana's message (its block names Dana).
    let url = s.slack.response_url("eve-1");
    let payload = sl::block_actions(
        "U0EVE00001",
        "eve-1",
        json!({"type": "button", "action_id": plus["action_id"], "block_id": block, "action_ts": "1"}),
        &url,
    );
    let (status, _) = s.interact("/slack/interactions", &payload).await;
    assert_eq!(status, 200);
    let said = s
        .slack
        .wait_for(1, |c| c.method == "hook" && c.hook == "eve-1")
        .await;
    assert_eq!(said[0].body["replace_original"], false, "a private note");
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap()
            .contains("someone else"),
        "{:?}",
        said[0].body
    );
    // A forged action id.
    p.send(
        json!({"type": "button", "action_id": "9:nonsense", "block_id": block, "action_ts": "1"}),
    )
    .await;
    assert!(p.text().contains("Support Credits"), "{}", p.text());
    assert_eq!(p.field("Quantity"), "5", "nothing changed");
    let (status, _) = s
        .interact("/slack/interactions", &json!({"type": "block_actions"}))
        .await;
    assert_eq!(status, 400, "signed but malformed");
}

#[tokio::test]
async fn events_url_check_tickets_card_numbers_and_retries() {
    let s = Server::start().await;
    let (status, body) = s
        .event(
            &json!({"token": "x", "challenge": "3eZbrw1aB", "type": "url_verification"}),
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({"challenge": "3eZbrw1aB"})));

    let mention = json!({
        "token": "x", "team_id": sl::TEAM, "api_app_id": "A0APP00001", "type": "event_callback",
        "event_id": "Ev0TICKET01", "event_time": 1700000000,
        "authorizations": [{"team_id": sl::TEAM, "user_id": "U0BOT00001", "is_bot": true}],
        "event": {"type": "app_mention", "user": "U0DANA0004", "text": "<@U0BOT00001> help, how do I open a ticket?",
                  "ts": "1700000100.000100", "channel": sl::CHANNEL, "event_ts": "1700000100.000100"},
    });
    let (status, _) = s.event(&mention, None).await;
    assert_eq!(status, 200);
    let (status, _) = s.event(&mention, Some(1)).await;
    assert_eq!(status, 200, "a retry is acknowledged");
    let posted = s
        .slack
        .wait_for(1, |c| c.method == "chat.postMessage")
        .await;
    assert_eq!(
        posted[0].body["thread_ts"], "1700000100.000100",
        "a thread reply"
    );
    assert!(posted[0].authorized);
    let links = posted[0].body["blocks"].to_string();
    assert!(links.contains("\"url\""), "{links}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        s.slack.calls_to("chat.postMessage").len(),
        1,
        "the retry was not handled again"
    );

    let card = json!({
        "token": "x", "team_id": sl::TEAM, "api_app_id": "A0APP00001", "type": "event_callback",
        "event_id": "Ev0CARD0001", "event_time": 1700000000,
        "authorizations": [{"team_id": sl::TEAM, "user_id": "U0BOT00001", "is_bot": true}],
        "event": {"type": "message", "channel_type": "channel", "user": "U0DANA0004",
                  "text": "my card is 4242 4242 4242 4242 exp 12/30", "ts": "1700000200.000100",
                  "channel": sl::CHANNEL, "event_ts": "1700000200.000100"},
    });
    s.event(&card, None).await;
    let warned = s
        .slack
        .wait_for(1, |c| c.method == "chat.postEphemeral")
        .await;
    assert_eq!(warned[0].body["user"], "U0DANA0004");
    let said = warned[0].body.to_string();
    assert!(
        said.contains("card number") && !said.contains("4242"),
        "{said}"
    );
}
