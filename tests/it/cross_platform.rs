//! One order's approvers split between Slack and Discord: the request reaches both
//! platforms' channels, one decision is recorded whichever platform it comes from, and the
//! other platform's copy is edited once to show it.

use std::sync::{Arc, Mutex};

use crate::common::slack::{self as sl, Server, order_with_po};
use axum::extract::{Path, State};
use axum::routing::{patch, post};
use axum::{Json, Router};
use checkout_bot::domain::account::{Identity, Role};
use checkout_bot::domain::approval::{Policy, Posted, Verdict};
use checkout_bot::platforms::discord::config::DiscordConfig;
use checkout_bot::services::approvals::{Decided, Target};
use serde_json::{Value, json};

const ACME: &str = "ORG-ACME";
const DISCORD_CHANNEL: &str = "1400000000000000099";
const SLACK_CHANNEL: &str = "C0APPROVE1";
const ANN: &str = "9100000000000000011";

/// Discord's REST API, enough for requests: post, edit, and DMs. Logs (route, channel).
#[derive(Clone, Default)]
struct Rest {
    log: Arc<Mutex<Vec<(String, String)>>>,
}

async fn rest(base: &mut String) -> Rest {
    let r = Rest::default();
    async fn create(
        State(r): State<Rest>,
        Path(c): Path<String>,
        Json(b): Json<Value>,
    ) -> Json<Value> {
        r.log.lock().unwrap().push(("post".into(), c.clone()));
        Json(message("1500000000000000001", &c, &b))
    }
    async fn edit(
        State(r): State<Rest>,
        Path((c, id)): Path<(String, String)>,
        Json(b): Json<Value>,
    ) -> Json<Value> {
        r.log
            .lock()
            .unwrap()
            .push((format!("edit {id}"), c.clone()));
        Json(message(&id, &c, &b))
    }
    async fn dm(Json(b): Json<Value>) -> Json<Value> {
        let user = b["recipient_id"].as_str().unwrap_or("0").to_string();
        Json(json!({"id": user, "type": 1, "last_message_id": null, "recipients": []}))
    }
    let app = Router::new()
        .route("/api/v10/channels/{channel}/messages", post(create))
        .route("/api/v10/channels/{channel}/messages/{id}", patch(edit))
        .route("/api/v10/users/@me/channels", post(dm))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    *base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    r
}

fn message(id: &str, channel: &str, body: &Value) -> Value {
    json!({
        "id": id, "channel_id": channel,
        "author": {"id": "1000000000000000001", "username": "checkout-bot", "discriminator": "0", "global_name": null, "avatar": null},
        "content": body["content"].as_str().unwrap_or(""), "timestamp": "2026-11-25T10:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": body["embeds"].clone(), "pinned": false,
        "type": 0, "flags": 0, "components": body["components"].clone()
    })
}

#[tokio::test]
async fn approvers_on_slack_and_discord_share_one_request_and_one_decision() {
    let mut base = String::new();
    let discord_rest = rest(&mut base).await;
    let discord = DiscordConfig {
        token: Some("test-token".into()),
        api_base: Some(base),
        application_id: Some(1000000000000000001),
        ..DiscordConfig::default()
    };
    let s = Server::start_configured(
        |_| {},
        move |o| checkout_bot::platforms::discord::outbound::register(o, &discord).unwrap(),
    )
    .await;
    let store = s.bot.store().clone();
    store
        .set_policy(
            ACME,
            &Policy {
                po_required: true,
                limit: None,
            },
        )
        .await
        .unwrap();
    for (platform, workspace, user, name) in [
        ("discord", "discord", ANN, "Ann"),
        ("slack", sl::TEAM, "U0BO000001", "Bo"),
    ] {
        let account = store.create_account(name, Some(ACME)).await.unwrap();
        store
            .set_membership(&account, ACME, Role::Approver)
            .await
            .unwrap();
        store
            .link_identity(
                &Identity::new(platform, workspace, user),
                &account,
                checkout_bot::domain::account::LinkedVia::Cli,
            )
            .await
            .unwrap();
    }
    store
        .set_approval_channel(ACME, "discord", Some(DISCORD_CHANNEL))
        .await
        .unwrap();
    store
        .set_approval_channel(ACME, "slack", Some(SLACK_CHANNEL))
        .await
        .unwrap();

    // The buyer orders from Slack with a PO number.
    order_with_po(&s, "U0BUYER009").await;

    let slack_post = s
        .slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage" && c.body["channel"] == SLACK_CHANNEL
        })
        .await;
    for _ in 0..100 {
        if !discord_rest.log.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        discord_rest.log.lock().unwrap().clone(),
        [("post".to_string(), DISCORD_CHANNEL.to_string())],
        "the request reached Discord's channel too"
    );
    let approve = sl::elements(&slack_post[0].body["blocks"])
        .into_iter()
        .find(|(_, _, l)| l == "Approve")
        .map(|(e, _, _)| e["action_id"].as_str().unwrap().to_string())
        .unwrap();
    let approval = Target::parse(approve.trim_start_matches("apv:ok:")).unwrap();

    // Ann decides on Discord (the call the Discord channel makes for her click).
    let ann = Identity::new("discord", "discord", ANN);
    let clicked = Posted {
        platform: "discord".into(),
        channel_id: DISCORD_CHANNEL.into(),
        message_id: "1500000000000000001".into(),
    };
    let decided = s
        .bot
        .approvals()
        .decide(&ann, &approval, Verdict::Approve, Some(clicked))
        .await
        .unwrap();
    assert!(matches!(decided, Decided::Done(_)), "{decided:?}");

    // The Slack copy is edited once to show it; Discord's was answered in place.
    let updated = s.slack.wait_for(1, |c| c.method == "chat.update").await;
    assert_eq!(updated[0].body["channel"], SLACK_CHANNEL);
    assert!(
        updated[0].body["text"]
            .as_str()
            .unwrap()
            .contains("Approved by Ann")
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(s.slack.calls_to("chat.update").len(), 1);
    assert!(
        discord_rest
            .log
            .lock()
            .unwrap()
            .iter()
            .all(|(route, _)| !route.starts_with("edit")),
        "no edit of the copy the click already answered"
    );

    // Bo, on Slack, is too late.
    let bo_click = json!({
        "type": "block_actions", "user": sl::user("U0BO000001"), "api_app_id": "A0APP00001", "token": "x",
        "container": {"type": "message", "message_ts": "1700000000.000009", "channel_id": SLACK_CHANNEL, "is_ephemeral": false},
        "trigger_id": "1.2.3", "team": {"id": sl::TEAM, "domain": "acme"},
        "channel": {"id": SLACK_CHANNEL, "name": "approvals"},
        "response_url": s.slack.response_url("bo"),
        "actions": [{"type": "button", "action_id": approve, "block_id": "apv:x", "action_ts": "1"}],
    });
    s.interact("/slack/interactions", &bo_click).await;
    let said = s
        .slack
        .wait_for(1, |c| c.method == "hook" && c.hook == "bo")
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap()
            .contains("already decided"),
        "{:?}",
        said[0].body
    );
}
