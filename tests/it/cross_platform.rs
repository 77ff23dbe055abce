//! One order's approvers split between Slack and Discord: the request reaches both
//! platforms' channels, one decision is recorded whichever platform it comes from, and the
//! other platform's copy is edited once to show it.

use crate::common::approvals;
use crate::common::discord_rest::Rest;
use crate::common::slack::{self as sl, Server, order_with_po};
use checkout_bot::domain::account::Identity;
use checkout_bot::domain::approval::{Posted, Verdict};
use checkout_bot::platforms::discord::config::DiscordConfig;
use checkout_bot::services::approvals::{Decided, Target};
use serde_json::json;

const ACME: &str = "ORG-ACME";
const DISCORD_CHANNEL: &str = "1400000000000000099";
const SLACK_CHANNEL: &str = "C0APPROVE1";
const ANN: &str = "9100000000000000011";

#[tokio::test]
async fn approvers_on_slack_and_discord_share_one_request_and_one_decision() {
    // Its first message is 1500000000000000001.
    let discord_rest = Rest::start(1).await;
    let discord = DiscordConfig {
        token: Some("test-token".into()),
        api_base: Some(discord_rest.base.clone()),
        application_id: Some(1000000000000000001),
        ..DiscordConfig::default()
    };
    let s = Server::start_configured(
        |_| {},
        move |o| checkout_bot::platforms::discord::outbound::register(o, &discord).unwrap(),
    )
    .await;
    let store = s.bot.store().clone();
    approvals::require_po(&store, ACME).await;
    for (platform, workspace, user, name) in [
        ("discord", "discord", ANN, "Ann"),
        ("slack", sl::TEAM, "U0BO000001", "Bo"),
    ] {
        approvals::approver(
            &store,
            ACME,
            &Identity::new(platform, workspace, user),
            name,
        )
        .await;
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
        if !discord_rest.log().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        discord_rest
            .log()
            .into_iter()
            .map(|(route, channel, _)| (route, channel))
            .collect::<Vec<_>>(),
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
            .log()
            .iter()
            .all(|(route, _, _)| !route.starts_with("edit")),
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
