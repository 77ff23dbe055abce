//! Approvals in Teams, by wire: activities signed as the Bot Framework signs them, the
//! connector a stand-in that records every call. One order's approvers sit on Teams,
//! Slack and Discord and race; a request in a Teams channel shows its buttons only to
//! those who may decide (`refresh.userIds`); without a channel each approver gets it in
//! their personal chat, where a rejection's reason is asked on the card; and a card
//! number typed in a channel is answered privately.

use std::sync::Arc;

use crate::common::approvals;
use crate::common::discord_rest::Rest;
use crate::common::slack::{self as sl, Server, order_with_po};
use crate::common::teams::{self as tm, APP_ID, Seen, bearer, card_of, verbs};
use checkout_bot::domain::account::Identity;
use checkout_bot::domain::approval::Verdict;
use checkout_bot::domain::order::OrderStatus;
use checkout_bot::platforms::Platform;
use checkout_bot::platforms::discord::config::DiscordConfig;
use checkout_bot::platforms::teams::cli::TeamsPlatform;
use checkout_bot::platforms::teams::config::TeamsConfig;
use checkout_bot::services::approvals::{Decided, Target};
use serde_json::{Value, json};

const ACME: &str = "ORG-ACME";
const TENANT: &str = "72f988bf-0000-0000-0000-00000000te01";
const TEAMS_CHANNEL: &str = "19:approvals0001@thread.tacv2";
const SLACK_CHANNEL: &str = "C0APPROVE1";
const DISCORD_CHANNEL: &str = "1400000000000000099";
const ANN: &str = "9100000000000000011";
const BO: &str = "U0BO000001";
const CY: &str = "aad-cy-0001";
const EVE: &str = "aad-eve-0001";

/// Slack's server with Discord's and Teams' outbound ports, and Teams' endpoint.
struct Three {
    s: Server,
    teams: Seen,
    teams_url: String,
    discord: Rest,
    http: reqwest::Client,
}

async fn three() -> Three {
    let teams = tm::stand_in().await;
    let discord = Rest::start(1).await;
    let platform = Arc::new(TeamsPlatform::new(TeamsConfig {
        app_id: Some(APP_ID.into()),
        app_password: Some("app-secret".into()),
        openid_metadata: format!("{}/openid", teams.base),
        login_base: teams.base.clone(),
        ..TeamsConfig::default()
    }));
    let discord_config = DiscordConfig {
        token: Some("test-token".into()),
        api_base: Some(discord.base.clone()),
        application_id: Some(1000000000000000001),
        ..DiscordConfig::default()
    };
    let ports = platform.clone();
    let s = Server::start_configured(
        |_| {},
        move |o| {
            let o =
                checkout_bot::platforms::discord::outbound::register(o, &discord_config).unwrap();
            ports.outbound(o).unwrap()
        },
    )
    .await;
    let metrics = Arc::new(checkout_bot::metrics::Metrics::new().unwrap());
    let routes = platform
        .routes(s.bot.clone(), metrics.clone())
        .unwrap()
        .expect("Teams' route with TEAMS_APP_ID set");
    let app = checkout_bot::http::router(
        Arc::new(checkout_bot::http::AppState::new(s.bot.clone(), metrics)),
        vec![routes],
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let teams_url = format!("http://{}/teams/messages", listener.local_addr().unwrap());
    tokio::spawn(checkout_bot::http::serve(
        app,
        listener,
        std::future::pending(),
    ));
    Three {
        s,
        teams,
        teams_url,
        discord,
        http: reqwest::Client::new(),
    }
}

fn person(oid: &str) -> (String, String) {
    (format!("29:{oid}"), oid.to_string())
}

impl Three {
    /// A signed activity from `oid` in `conversation` (`personal` or `channel`).
    fn activity(&self, id: &str, oid: &str, conversation: &str, kind: &str) -> Value {
        let (user_id, oid) = person(oid);
        json!({
            "type": "message", "id": id, "timestamp": "2026-12-07T10:00:00.000Z",
            "serviceUrl": self.teams.base, "channelId": "msteams",
            "from": {"id": user_id, "name": format!("Person {oid}"), "aadObjectId": oid},
            "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT},
            "recipient": {"id": format!("28:{APP_ID}"), "name": "checkout-bot"},
            "locale": "en-US", "channelData": {"tenant": {"id": TENANT}}
        })
    }

    async fn send(&self, activity: &Value) -> (u16, Value) {
        let res = self
            .http
            .post(&self.teams_url)
            .bearer_auth(bearer(&self.teams.base))
            .json(activity)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn say(&self, id: &str, oid: &str, conversation: &str, kind: &str, text: &str) {
        let mut a = self.activity(id, oid, conversation, kind);
        a["text"] = json!(text);
        assert_eq!(self.send(&a).await.0, 200);
    }

    /// An `Action.Execute` by `oid` on a card in `conversation`: the invoke's answer.
    async fn execute(
        &self,
        id: &str,
        oid: &str,
        conversation: &str,
        verb: &str,
        data: Value,
    ) -> Value {
        let mut a = self.activity(id, oid, conversation, "channel");
        a["type"] = json!("invoke");
        a["name"] = json!("adaptiveCard/action");
        a["value"] = json!({"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"});
        let (status, answer) = self.send(&a).await;
        assert_eq!(status, 200, "{answer}");
        answer
    }
}

async fn approver(store: &checkout_bot::store::Store, who: Identity, name: &str) {
    approvals::approver(store, ACME, &who, name).await;
}

fn text_of(card: &Value) -> String {
    card.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approvers_on_teams_slack_and_discord_race_and_one_decision_is_recorded() {
    let t = three().await;
    let store = t.s.bot.store().clone();
    approvals::require_po(&store, ACME).await;
    approver(&store, Identity::new("discord", "discord", ANN), "Ann").await;
    approver(&store, Identity::new("slack", sl::TEAM, BO), "Bo").await;
    approver(&store, Identity::new("teams", TENANT, CY), "Cy").await;
    for (platform, channel) in [
        ("discord", DISCORD_CHANNEL),
        ("slack", SLACK_CHANNEL),
        ("teams", TEAMS_CHANNEL),
    ] {
        store
            .set_approval_channel(ACME, platform, Some(channel))
            .await
            .unwrap();
    }
    // The bot hears from the approvals channel (it was added to the team, people talk).
    t.say(
        "c-1",
        CY,
        TEAMS_CHANNEL,
        "channel",
        "<at>checkout-bot</at> hello",
    )
    .await;
    t.say(
        "c-2",
        EVE,
        TEAMS_CHANNEL,
        "channel",
        "<at>checkout-bot</at> hi",
    )
    .await;

    let number = order_with_po(&t.s, "U0BUYER009").await;

    // Teams: one base card in the channel, no buttons, refreshed for Cy alone.
    let posts = t
        .teams
        .wait_for(1, |c| {
            c.0 == "POST" && c.1 == "conversations/19%3Aapprovals0001%40thread.tacv2/activities"
        })
        .await;
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert_eq!(posts[0].2, "Bearer bf-token-1");
    let base = card_of(&posts[0]);
    assert!(text_of(&base).contains(&number), "{base:#}");
    assert_eq!(verbs(&base), ["apv-view"], "only the refresh: {base:#}");
    assert_eq!(base["refresh"]["userIds"], json!(["29:aad-cy-0001"]));
    let refresh = base["refresh"]["action"]["data"].clone();

    // Eve refreshes: the state. Cy refreshes: Approve, Reject, Ask and Details.
    let eve = t
        .execute("r-1", EVE, TEAMS_CHANNEL, "apv-view", refresh.clone())
        .await;
    assert_eq!(eve["type"], "application/vnd.microsoft.card.adaptive");
    assert!(
        !verbs(&eve["value"]).iter().any(|v| v.starts_with("apv:")),
        "{eve:#}"
    );
    let cy = t
        .execute("r-2", CY, TEAMS_CHANNEL, "apv-view", refresh.clone())
        .await;
    let approve = verbs(&cy["value"])
        .into_iter()
        .find(|v| v.starts_with("apv:ok:"))
        .unwrap_or_else(|| panic!("no Approve for Cy: {cy:#}"));
    // Eve cannot decide by sending Cy's verb.
    let forged = t
        .execute("r-3", EVE, TEAMS_CHANNEL, &approve, json!({}))
        .await;
    assert_eq!(forged["type"], "application/vnd.microsoft.activity.message");
    assert!(
        forged["value"].as_str().unwrap().contains("approver"),
        "{forged}"
    );

    // The race: Cy on Teams, Bo on Slack, Ann on Discord, at once.
    let target = Target::parse(approve.trim_start_matches("apv:ok:")).unwrap();
    let bo_click = json!({
        "type": "block_actions", "user": sl::user(BO), "api_app_id": "A0APP00001", "token": "x",
        "container": {"type": "message", "message_ts": "1700000000.000009", "channel_id": SLACK_CHANNEL, "is_ephemeral": false},
        "trigger_id": "1.2.3.teams", "team": {"id": sl::TEAM, "domain": "acme"},
        "channel": {"id": SLACK_CHANNEL, "name": "approvals"},
        "response_url": t.s.slack.response_url("bo"),
        "actions": [{"type": "button", "action_id": approve, "block_id": "apv:x", "action_ts": "1"}],
    });
    let ann = Identity::new("discord", "discord", ANN);
    let (teams_answer, slack_ack, discord_decided) = tokio::join!(
        t.execute("x-1", CY, TEAMS_CHANNEL, &approve, json!({})),
        t.s.interact("/slack/interactions", &bo_click),
        t.s.bot
            .approvals()
            .decide(&ann, &target, Verdict::Approve, None),
    );
    assert_eq!(slack_ack.0, 200);
    let decided = approvals::decisions(&store, &number).await;
    assert_eq!(decided.len(), 1, "exactly one decision: {decided:?}");
    let winner = ["Ann", "Bo", "Cy"]
        .into_iter()
        .find(|name| decided[0].starts_with(&format!("approved by {name} ")))
        .unwrap_or_else(|| panic!("{decided:?}"));
    // Each other click is told it came too late, on its own platform.
    let discord_decided = discord_decided.unwrap();
    assert_eq!(
        matches!(discord_decided, Decided::Done(_)),
        winner == "Ann",
        "{discord_decided:?}"
    );
    let teams_said = text_of(&teams_answer);
    if winner == "Cy" {
        assert!(teams_said.contains("Recorded"), "{teams_answer:#}");
    } else {
        assert!(teams_said.contains("already decided"), "{teams_answer:#}");
    }
    if winner != "Bo" {
        let bo_said =
            t.s.slack
                .wait_for(1, |c| c.method == "hook" && c.hook == "bo")
                .await;
        assert!(
            bo_said[0].body["text"]
                .as_str()
                .unwrap_or_default()
                .contains("already decided"),
            "{:?}",
            bo_said[0].body
        );
    }
    assert_eq!(
        approvals::status(&store, &number).await,
        OrderStatus::AwaitingPayment
    );

    // Teams' copy is drawn again for everyone: how it ended, nothing left to refresh.
    let put = t
        .teams
        .wait_for(1, |c| {
            c.0 == "PUT"
                && c.1
                    .starts_with("conversations/19%3Aapprovals0001%40thread.tacv2/activities/")
        })
        .await;
    let drawn = card_of(&put[0]);
    assert!(text_of(&drawn).contains("Approved by"), "{drawn:#}");
    assert!(drawn.get("refresh").is_none(), "{drawn:#}");
    assert!(verbs(&drawn).is_empty());
    // The stand-in names each activity by its place in the log.
    let at = t.teams.calls().iter().position(|c| *c == posts[0]).unwrap();
    assert_eq!(
        put[0].1,
        format!(
            "conversations/19%3Aapprovals0001%40thread.tacv2/activities/act-{}",
            at + 1
        ),
        "the posted copy itself"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let puts = t.teams.calls().into_iter().filter(|c| c.0 == "PUT").count();
    assert_eq!(puts, 1, "drawn again once");
    assert!(
        !t.discord.log().is_empty(),
        "the request reached Discord's channel too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_channel_a_teams_approver_decides_in_a_personal_chat_and_card_numbers_are_warned_privately()
 {
    let t = three().await;
    let store = t.s.bot.store().clone();
    approvals::require_po(&store, ACME).await;
    let cy = approvals::approver(&store, ACME, &Identity::new("teams", TENANT, CY), "Cy").await;
    // Cy once wrote in a channel: the bot answers in a personal chat, which it opens.
    t.say(
        "c-1",
        CY,
        "19:general@thread.tacv2",
        "channel",
        "<at>checkout-bot</at> hello",
    )
    .await;

    let number = order_with_po(&t.s, "U0BUYER009").await;

    // A personal chat is opened with Cy, and the request goes there with its buttons.
    let opened = t
        .teams
        .wait_for(1, |c| c.0 == "POST" && c.1 == "conversations")
        .await;
    assert_eq!(opened[0].3["members"], json!([{"id": "29:aad-cy-0001"}]));
    assert_eq!(opened[0].3["tenantId"], TENANT);
    assert_eq!(opened[0].3["bot"]["id"], format!("28:{APP_ID}"));
    let chat = "a:chat-29:aad-cy-0001";
    let posted = t
        .teams
        .wait_for(1, |c| {
            c.0 == "POST"
                && c.1 == "conversations/a%3Achat-29%3Aaad-cy-0001/activities"
                && c.3.to_string().contains(&number)
        })
        .await;
    let card = card_of(&posted[0]);
    let reject = verbs(&card)
        .into_iter()
        .find(|v| v.starts_with("apv:no:"))
        .unwrap_or_else(|| panic!("no Reject in the personal chat: {card:#}"));

    // `approvals` lists it, with its buttons, as a reply in the chat.
    t.say("c-2", CY, chat, "personal", "approvals").await;
    let listed = t
        .teams
        .wait_for(1, |c| {
            c.0 == "POST" && c.1 == "conversations/a%3Achat-29%3Aaad-cy-0001/activities/c-2"
        })
        .await;
    let cards = listed[0].3["attachments"].as_array().unwrap().clone();
    assert_eq!(cards.len(), 1, "{:#}", listed[0].3);
    assert!(verbs(&cards[0]["content"]).contains(&reject));

    // Reject opens the reason on Cy's card; an empty reason is refused beside the field.
    let form = t.execute("x-1", CY, chat, &reject, json!({})).await;
    let form = &form["value"];
    let submit = verbs(form)
        .into_iter()
        .find(|v| v.starts_with("apv:why:"))
        .unwrap_or_else(|| panic!("no reason form: {form:#}"));
    assert!(text_of(form).contains("\"Input.Text\""), "{form:#}");
    let refused = t
        .execute("x-2", CY, chat, &submit, json!({"reason": "  "}))
        .await;
    let body = refused["value"]["body"].as_array().unwrap().clone();
    let field = body
        .iter()
        .position(|b| b["id"] == "reason")
        .unwrap_or_else(|| panic!("the form stays: {refused:#}"));
    assert_eq!(body[field + 1]["color"], "attention", "{refused:#}");
    let done = t
        .execute(
            "x-3",
            CY,
            chat,
            &submit,
            json!({"reason": "Not this quarter"}),
        )
        .await;
    assert!(text_of(&done).contains("Rejected by"), "{done:#}");
    assert_eq!(
        approvals::status(&store, &number).await,
        OrderStatus::Rejected
    );
    let put = t
        .teams
        .wait_for(1, |c| {
            c.0 == "PUT"
                && c.1
                    .starts_with("conversations/a%3Achat-29%3Aaad-cy-0001/activities/")
        })
        .await;
    assert!(text_of(&card_of(&put[0])).contains("Not this quarter"));

    // Asked in a channel, what waits for Cy goes to Cy's personal chat, not the channel.
    let to_chat =
        |c: &tm::Call| c.0 == "POST" && c.1 == "conversations/a%3Achat-29%3Aaad-cy-0001/activities";
    let before = t.teams.calls().iter().filter(|c| to_chat(c)).count();
    t.say(
        "c-6",
        CY,
        "19:general@thread.tacv2",
        "channel",
        "<at>checkout-bot</at> approvals",
    )
    .await;
    let private = t.teams.wait_for(before + 1, to_chat).await;
    assert!(
        t.teams
            .calls()
            .iter()
            .all(|c| !c.1.ends_with("/activities/c-6")),
        "nothing said in the channel"
    );
    assert!(
        private[before].3["text"].as_str().is_some(),
        "{:#}",
        private[before].3
    );

    // Cy lets Eve (who once wrote to the bot) decide for a month, by mention.
    t.say(
        "c-3",
        EVE,
        "19:general@thread.tacv2",
        "channel",
        "<at>checkout-bot</at> hi",
    )
    .await;
    let mut delegate = t.activity("c-4", CY, chat, "personal");
    let until = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap();
    delegate["text"] = json!(format!("approvals delegate <at>Eve</at> {until}"));
    delegate["entities"] = json!([{"type": "mention", "text": "<at>Eve</at>",
        "mentioned": {"id": "29:aad-eve-0001", "name": "Eve"}}]);
    assert_eq!(t.send(&delegate).await.0, 200);
    let said = t
        .teams
        .wait_for(1, |c| c.1.ends_with("/activities/c-4"))
        .await;
    let said = said[0].3["text"].as_str().unwrap_or_default().to_string();
    assert!(said.contains("decides for you"), "{said}");
    let running = store
        .delegations_from(&cy, checkout_bot::store::now_ms())
        .await
        .unwrap();
    assert_eq!(running.len(), 1, "{said}");
    t.say("c-5", CY, chat, "personal", "approvals end").await;
    t.teams
        .wait_for(1, |c| c.1.ends_with("/activities/c-5"))
        .await;
    let now = checkout_bot::store::now_ms();
    let running = store.delegations_from(&cy, now).await.unwrap();
    assert!(
        running.iter().all(|d| d.ends_at <= now + 1),
        "ended: {running:?}"
    );

    // A card number typed in a channel: nothing said there, a warning in the personal chat.
    let before = t.teams.calls().len();
    t.say(
        "c-9",
        CY,
        "19:general@thread.tacv2",
        "channel",
        "<at>checkout-bot</at> use 4242 4242 4242 4242",
    )
    .await;
    let warned = t
        .teams
        .wait_for(1, |c| {
            c.0 == "POST"
                && c.1 == "conversations/a%3Achat-29%3Aaad-cy-0001/activities"
                && c.3["text"]
                    .as_str()
                    .is_some_and(|s| s.contains("card number"))
        })
        .await;
    assert_eq!(warned.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let after: Vec<_> = t.teams.calls().into_iter().skip(before).collect();
    assert!(
        after.iter().all(|c| !c.1.contains("general")),
        "nothing is said in the channel: {after:#?}"
    );
    assert!(
        after.iter().all(|c| !c.3.to_string().contains("4242")),
        "the number is never echoed"
    );
    assert_eq!(
        t.teams
            .calls()
            .iter()
            .filter(|c| c.1 == "conversations" && c.3["members"][0]["id"] == "29:aad-cy-0001")
            .count(),
        1,
        "Cy's personal chat is opened once and remembered"
    );
}
