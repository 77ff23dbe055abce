//! Teams against stand-ins on 127.0.0.1: the Bot Framework's OpenID metadata and keys
//! (a test RSA key signs the activities, as the Bot Framework does), Microsoft's token
//! endpoint and the connector, which records every reply. Activities go through `serve`'s
//! router over HTTP.

use std::sync::Arc;

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use super::cli::TeamsPlatform;
use super::config::TeamsConfig;
use crate::bot::Bot;
use crate::config::Config;
use crate::platforms::Platform;

#[path = "../../../tests/it/common/teams.rs"]
mod standin;

use standin::{APP_ID, Call, OTHER_KEY, Seen, TEST_KEY, claims, now, sign, stand_in};

const TENANT: &str = "72f988bf-0000-0000-0000-00000000te01";
const DANA: &str = "aad-dana-0001";
const CONVERSATION: &str = "a:1personal-chat-with-dana";

struct Teams {
    url: String,
    seen: Seen,
    bot: Arc<Bot>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn teams() -> Teams {
    let seen = stand_in().await;
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = Config {
        database_url: format!("sqlite:{}", dir.path().join("t.db").display()),
        public_url: url.clone(),
        ..Config::default()
    };
    let platform = TeamsPlatform::new(TeamsConfig {
        app_id: Some(APP_ID.into()),
        app_password: Some("app-secret".into()),
        openid_metadata: format!("{}/openid", seen.base),
        login_base: seen.base.clone(),
        ..TeamsConfig::default()
    });
    let outbound = platform
        .outbound(crate::services::outbound::Outbound::default())
        .unwrap();
    let bot = Arc::new(Bot::start_with(config, outbound).await.unwrap());
    let metrics = Arc::new(crate::metrics::Metrics::new().unwrap());
    let routes = platform
        .routes(bot.clone(), metrics.clone())
        .unwrap()
        .unwrap();
    let app = crate::http::router(
        Arc::new(crate::http::AppState::new(bot.clone(), metrics)),
        vec![routes],
    );
    tokio::spawn(crate::http::serve(app, listener, std::future::pending()));
    Teams {
        url,
        seen,
        bot,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

fn message(t: &Teams, id: &str, text: &str) -> Value {
    json!({
        "type": "message", "id": id, "timestamp": "2026-12-07T10:00:00.000Z",
        "serviceUrl": t.seen.base, "channelId": "msteams",
        "from": {"id": "29:1dana", "name": "Dana Reyes", "aadObjectId": DANA},
        "conversation": {"id": CONVERSATION, "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": format!("28:{APP_ID}"), "name": "checkout-bot"},
        "text": text, "locale": "en-US", "channelData": {"tenant": {"id": TENANT}}
    })
}

fn execute(t: &Teams, id: &str, verb: &str, data: Value) -> Value {
    let mut a = message(t, id, "");
    a["type"] = json!("invoke");
    a["name"] = json!("adaptiveCard/action");
    a["value"] = json!({"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"});
    a
}

impl Teams {
    async fn post_with(&self, activity: &Value, token: Option<String>) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}/teams/messages", self.url))
            .json(activity);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Sends `activity` signed as the Bot Framework signs it.
    async fn post(&self, activity: &Value) -> (u16, Value) {
        let token = sign(
            &claims(&self.seen.base),
            Algorithm::RS256,
            "test-key",
            TEST_KEY,
        );
        self.post_with(activity, Some(token)).await
    }

    fn replies(&self) -> Vec<Call> {
        self.seen.connector.lock().unwrap().clone()
    }

    async fn wait_replies(&self, n: usize) -> Vec<Call> {
        for _ in 0..250 {
            if self.replies().len() >= n {
                return self.replies();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("fewer than {n} replies: {:#?}", self.replies());
    }
}

/// The card's `Action.Execute` titled `title`, or its choice set labelled so: its verb.
fn verb(card: &Value, title: &str) -> String {
    let mut found = None;
    for b in card["body"].as_array().unwrap() {
        if b["type"] == "Input.ChoiceSet" && b["label"] == title {
            found = b["id"].as_str().map(str::to_string);
        }
        for a in b["actions"].as_array().into_iter().flatten() {
            if a["title"] == title && found.is_none() {
                found = a["verb"].as_str().map(str::to_string);
            }
        }
    }
    found.unwrap_or_else(|| panic!("no {title} in {card:#}"))
}

/// The value of the choice titled `title` (or starting so) in the choice set `label`.
fn choice(card: &Value, label: &str, title: &str) -> String {
    card["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "Input.ChoiceSet" && b["label"] == label)
        .flat_map(|b| b["choices"].as_array().unwrap())
        .find(|c| c["title"].as_str().unwrap_or_default().starts_with(title))
        .and_then(|c| c["value"].as_str())
        .unwrap_or_else(|| panic!("no {title} in {label} of {card:#}"))
        .to_string()
}

fn title(card: &Value) -> String {
    card["body"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["size"] == "medium")
        .and_then(|b| b["text"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// From the first card to the PO question: support credits added, checked out, paid
/// by wire transfer; each click answered in place by the invoke's response.
async fn wire_transfer(t: &Teams, card: Value) -> Value {
    let details = verb(&card, "Details");
    let credits = choice(&card, "Details", "Support Credits");
    let (status, answer) = t
        .post(&execute(
            t,
            "i-1",
            &details,
            json!({details.clone(): credits}),
        ))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["type"], "application/vnd.microsoft.card.adaptive");
    let mut card = answer["value"].clone();
    for (i, step) in ["Add to cart", "View cart (1)", "Checkout"]
        .iter()
        .enumerate()
    {
        let v = verb(&card, step);
        let (_, answer) = t.post(&execute(t, &format!("i-2{i}"), &v, json!({}))).await;
        card = answer["value"].clone();
    }
    if title(&card).starts_with("Organization") || card.to_string().contains("\"Continue\"") {
        let v = verb(&card, "Continue");
        card = t.post(&execute(t, "i-30", &v, json!({}))).await.1["value"].clone();
    }
    let pay = verb(&card, "Payment method");
    let wire = choice(&card, "Payment method", "Wire transfer");
    t.post(&execute(t, "i-31", &pay, json!({pay.clone(): wire})))
        .await
        .1["value"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_buyer_checks_out_with_cards_answered_in_place() {
    let t = teams().await;
    let (status, _) = t
        .post(&message(
            &t,
            "m-1",
            "<at>checkout-bot</at> buy support credits",
        ))
        .await;
    assert_eq!(status, 200);
    let replies = t.wait_replies(1).await;
    let (method, path, auth, body) = &replies[0];
    assert_eq!(method, "POST");
    assert_eq!(
        path, "conversations/a%3A1personal-chat-with-dana/activities/m-1",
        "a reply to the message"
    );
    assert_eq!(auth, "Bearer bf-token-1");
    let card = body["attachments"][0]["content"].clone();
    assert_eq!(
        body["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["version"], "1.5");

    let mut card = wire_transfer(&t, card).await;
    for (i, step) in ["No", "I agree to the terms", "Process order"]
        .iter()
        .enumerate()
    {
        let v = verb(&card, step);
        card = t
            .post(&execute(&t, &format!("i-4{i}"), &v, json!({})))
            .await
            .1["value"]
            .clone();
    }
    assert!(title(&card).contains("waiting for payment"), "{card:#}");
    let number = card.to_string();
    assert!(number.contains("CB-100001"), "{card:#}");
    let orders = t.bot.store().recent_orders(10).await.unwrap();
    assert_eq!(orders.len(), 1, "one order placed");

    // Its invoice: a card cannot carry a file, so it carries a one-time link.
    let doc = verb(&card, "Your orders");
    card = t.post(&execute(&t, "i-50", &doc, json!({}))).await.1["value"].clone();
    let pick = verb(&card, "Document (PDF)");
    card = t
        .post(&execute(
            &t,
            "i-51",
            &pick,
            json!({pick.clone(): "CB-100001"}),
        ))
        .await
        .1["value"]
        .clone();
    let link = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["actions"].as_array().cloned().unwrap_or_default())
        .find(|a| a["type"] == "Action.OpenUrl" && a["title"] == "Download INV-CB-100001.pdf")
        .and_then(|a| a["url"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no link in {card:#}"));
    assert!(link.starts_with(&format!("{}/documents/", t.url)), "{link}");
    let pdf = t.http.get(&link).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(
        t.http.get(&link).send().await.unwrap().status(),
        410,
        "once"
    );

    // In a channel, where everyone sees what the bot says, Dana's things go to her
    // personal chat.
    let in_channel = |mut a: Value| {
        a["conversation"] = json!({"id": "19:team@thread.tacv2", "conversationType": "channel", "tenantId": TENANT});
        a
    };
    let before = t.replies().len();
    t.post(&in_channel(message(
        &t,
        "m-ch",
        "<at>checkout-bot</at> orders",
    )))
    .await;
    // A checkout's answers are the person's own: asked in a channel, they come in the
    // personal chat, and the channel is told where.
    let calls: Vec<Call> = t.wait_replies(before + 2).await[before..].to_vec();
    let told = calls
        .iter()
        .find(|c| c.1.starts_with("conversations/19%3Ateam%40thread.tacv2/"))
        .unwrap_or_else(|| panic!("{calls:#?}"));
    assert!(
        told.3["text"].as_str().unwrap().contains("personal chat"),
        "{told:?}"
    );
    let posted = calls
        .iter()
        .find(|c| c.1 == "conversations/a%3A1personal-chat-with-dana/activities")
        .unwrap_or_else(|| panic!("{calls:#?}"));
    let listed = posted.3["attachments"][0]["content"].clone();
    assert_eq!(title(&listed), "Your orders");
    // A card clicked where everyone sees it (posted there before) hands no link there.
    let before = t.replies().len();
    let pick = verb(&listed, "Document (PDF)");
    let answer = t
        .post(&in_channel(execute(
            &t,
            "i-ch",
            &pick,
            json!({pick.clone(): "CB-100001"}),
        )))
        .await
        .1["value"]
        .clone();
    assert!(
        !answer.to_string().contains("/documents/"),
        "no link on a shared card: {answer:#}"
    );
    assert!(answer.to_string().contains("personal chat"), "{answer:#}");
    let sent = t.wait_replies(before + 1).await[before].clone();
    assert_eq!(
        sent.1, "conversations/a%3A1personal-chat-with-dana/activities",
        "privately"
    );
    assert!(
        sent.3["text"]
            .as_str()
            .unwrap()
            .contains(&format!("{}/documents/", t.url))
    );

    // A repeated delivery of an activity is processed once.
    let before = t.replies().len();
    t.post(&message(&t, "m-2", "orders")).await;
    t.post(&message(&t, "m-2", "orders")).await;
    let replies = t.wait_replies(before + 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(t.replies().len(), before + 1, "{replies:#?}");
    let orders_card = &t.replies()[before].3["attachments"][0]["content"];
    assert_eq!(
        title(orders_card),
        "Your orders",
        "a command picked from the list"
    );
    assert_eq!(
        *t.seen.tokens.lock().unwrap(),
        1,
        "the token is kept until it expires"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_without_a_valid_bot_framework_token_are_refused_and_not_processed() {
    let t = teams().await;
    let a = message(&t, "m-bad", "buy support credits");
    let signed = |c: &Value| Some(sign(c, Algorithm::RS256, "test-key", TEST_KEY));
    let mut wrong_iss = claims(&t.seen.base);
    wrong_iss["iss"] = json!("https://sts.windows.net/evil/");
    let mut wrong_aud = claims(&t.seen.base);
    wrong_aud["aud"] = json!("someone-else");
    let mut expired = claims(&t.seen.base);
    expired["exp"] = json!(now() - 301);
    let mut early = claims(&t.seen.base);
    early["nbf"] = json!(now() + 301);
    let mut skewed = claims(&t.seen.base);
    skewed["exp"] = json!(now() - 200);
    let other_url = claims("https://smba.trafficmanager.net/evil/");
    let none = {
        use base64::Engine;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b.encode(br#"{"alg":"none","typ":"JWT","kid":"test-key"}"#),
            b.encode(claims(&t.seen.base).to_string())
        )
    };
    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("no token", None, 401),
        ("wrong issuer", signed(&wrong_iss), 401),
        ("wrong audience", signed(&wrong_aud), 401),
        ("expired past the skew", signed(&expired), 401),
        ("not valid yet", signed(&early), 401),
        ("service URL of another", signed(&other_url), 401),
        ("alg none", Some(none), 401),
        (
            "forged with another key under test-key's id",
            Some(sign(
                &claims(&t.seen.base),
                Algorithm::RS256,
                "test-key",
                OTHER_KEY,
            )),
            401,
        ),
        (
            "a key nobody published",
            Some(sign(
                &claims(&t.seen.base),
                Algorithm::RS256,
                "nobody",
                TEST_KEY,
            )),
            401,
        ),
        (
            "a key not endorsed for msteams",
            Some(sign(
                &claims(&t.seen.base),
                Algorithm::RS256,
                "other-key",
                OTHER_KEY,
            )),
            403,
        ),
    ];
    for (what, token, expected) in cases {
        let (status, _) = t.post_with(&a, token).await;
        assert_eq!(status, expected, "{what}");
    }
    // An unreadable body is refused as unauthorized too, before anything is read of it.
    let garbage = t
        .http
        .post(format!("{}/teams/messages", t.url))
        .body("not an activity")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 401);
    // Inside the 5 minutes of skew, and with RS384 and RS512, it is accepted.
    for (i, alg) in [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512]
        .into_iter()
        .enumerate()
    {
        let token = sign(&skewed, alg, "test-key", TEST_KEY);
        let (status, _) = t
            .post_with(&message(&t, &format!("m-ok{i}"), "help"), Some(token))
            .await;
        assert_eq!(status, 200, "{alg:?}");
    }
    t.wait_replies(3).await;
    assert!(
        t.replies()
            .iter()
            .all(|(_, path, _, _)| !path.ends_with("m-bad")),
        "nothing refused was answered"
    );
    assert_eq!(
        *t.seen.key_fetches.lock().unwrap(),
        1,
        "an unknown key id fetches the keys at most hourly"
    );
}

#[tokio::test]
async fn the_token_goes_only_to_service_urls_of_verified_activities() {
    use super::connector::{Connector, Tokens};
    use super::directory::Directory;
    let seen = stand_in().await;
    let urls = Arc::new(Directory::default());
    let connector = Connector::new(
        Tokens::new(
            &format!("{}/botframework.com/oauth2/v2.0/token", seen.base),
            APP_ID,
            "app-secret",
        ),
        urls.clone(),
    );
    let sent = connector
        .send(
            &seen.base,
            CONVERSATION,
            None,
            &json!({"type": "message", "text": "hi"}),
        )
        .await;
    assert!(
        matches!(
            sent,
            Err(crate::services::notifier::NotifyError::BadAddress(_))
        ),
        "{sent:?}"
    );
    assert_eq!(
        *seen.tokens.lock().unwrap(),
        0,
        "no token was even asked for"
    );
    assert!(seen.connector.lock().unwrap().is_empty());
    urls.heard(
        &format!("{}/", seen.base),
        None,
        "19:abc@thread.tacv2",
        None,
    )
    .await;
    let id = connector
        .send(
            &seen.base,
            "19:abc@thread.tacv2;messageid=1",
            None,
            &json!({"type": "message", "text": "hi"}),
        )
        .await
        .unwrap();
    assert_eq!(id.as_deref(), Some("act-1"));
    let log = seen.connector.lock().unwrap().clone();
    assert_eq!(
        log[0].1, "conversations/19%3Aabc%40thread.tacv2%3Bmessageid%3D1/activities",
        "an id is one path component, encoded as the Bot Framework's clients encode it"
    );
}

#[tokio::test]
async fn keys_are_fetched_again_after_a_day_or_for_an_unknown_key_after_an_hour() {
    let seen = stand_in().await;
    let keys = super::verify::Keys::new(&format!("{}/openid", seen.base));
    let at = crate::store::now_ms();
    let good = sign(
        &claims("https://svc.example/"),
        Algorithm::RS256,
        "test-key",
        TEST_KEY,
    );
    let unknown = sign(
        &claims("https://svc.example/"),
        Algorithm::RS256,
        "nobody",
        TEST_KEY,
    );
    let check = |token: &str, when: i64| {
        let keys = &keys;
        let token = format!("Bearer {token}");
        async move {
            keys.verify(Some(&token), APP_ID, "msteams", "https://svc.example", when)
                .await
        }
    };
    assert!(check(&good, at).await.is_ok());
    assert!(check(&unknown, at + 60_000).await.is_err());
    assert!(check(&good, at + 120_000).await.is_ok());
    assert_eq!(*seen.key_fetches.lock().unwrap(), 1);
    assert!(check(&unknown, at + 3_600_001).await.is_err());
    assert_eq!(
        *seen.key_fetches.lock().unwrap(),
        2,
        "an unknown key, an hour later"
    );
    assert!(
        check(&good, at + 3_600_001 + 24 * 3_600_000).await.is_err(),
        "the token itself has expired by then"
    );
    assert_eq!(
        *seen.key_fetches.lock().unwrap(),
        3,
        "a day later, in any case"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deployment_search_is_typeahead_fed_by_search_invokes() {
    let t = teams().await;
    t.post(&message(&t, "m-1", "buy modules")).await;
    let mut card = t.wait_replies(1).await[0].3["attachments"][0]["content"].clone();
    let details = verb(&card, "Details");
    let module = choice(&card, "Details", "EndPoint Manager");
    card = t
        .post(&execute(
            &t,
            "i-1",
            &details,
            json!({details.clone(): module}),
        ))
        .await
        .1["value"]
        .clone();
    for (i, step) in ["Add to cart", "View cart (1)", "Checkout"]
        .iter()
        .enumerate()
    {
        let v = verb(&card, step);
        card = t
            .post(&execute(&t, &format!("i-2{i}"), &v, json!({})))
            .await
            .1["value"]
            .clone();
    }
    let search = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["choices.data"]["type"] == "Data.Query")
        .unwrap_or_else(|| panic!("no typeahead in {card:#}"))
        .clone();
    let dataset = search["choices.data"]["dataset"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ask = message(&t, "s-1", "");
    ask["type"] = json!("invoke");
    ask["name"] = json!("application/search");
    ask["value"] = json!({"queryText": "main ofice", "dataset": dataset,
                          "queryOptions": {"skip": 0, "top": 15}});
    let (status, found) = t.post(&ask).await;
    assert_eq!(status, 200);
    assert_eq!(
        found["type"],
        "application/vnd.microsoft.search.searchResponse"
    );
    let results = found["value"]["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 15, "{found:#}");
    assert!(
        results.iter().any(|r| r["value"] == "104512"),
        "typo-tolerant, the person's own deployments: {found:#}"
    );
    let id = search["id"].as_str().unwrap().to_string();
    let (_, answer) = t
        .post(&execute(&t, "i-3", &dataset, json!({id: "104512"})))
        .await;
    assert!(
        answer["value"].to_string().contains("Yes, use 104512"),
        "{:#}",
        answer["value"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_stale_and_forged_clicks_change_nothing() {
    let t = teams().await;
    t.post(&message(&t, "m-1", "buy support credits")).await;
    let card = t.wait_replies(1).await[0].3["attachments"][0]["content"].clone();
    let details = verb(&card, "Details");
    let credits = choice(&card, "Details", "Support Credits");
    let dana = crate::platforms::teams::identity(TENANT, DANA);
    let rev = |s: Option<crate::store::StoredSession>| s.map(|s| s.session.rev);
    let before = rev(t.bot.store().load_session(&dana).await.unwrap());

    // Someone else in the channel clicks Dana's card: the card says whose it is.
    let mut bob = execute(
        &t,
        "i-bob",
        &details,
        json!({"owner": DANA, details.clone(): credits}),
    );
    bob["from"] = json!({"id": "29:1bob", "name": "Bob", "aadObjectId": "aad-bob-0002"});
    let (status, answer) = t.post(&bob).await;
    assert_eq!(status, 200);
    assert_eq!(answer["type"], "application/vnd.microsoft.activity.message");
    assert!(
        answer["value"].as_str().unwrap().contains("someone else's"),
        "{answer}"
    );
    assert!(
        t.bot
            .store()
            .load_session(&crate::platforms::teams::identity(TENANT, "aad-bob-0002"))
            .await
            .unwrap()
            .is_none()
    );

    // A forged verb, and one from an older card, are refused by the engine.
    let (_, forged) = t
        .post(&execute(&t, "i-f", "1:nosuchverb", json!({"owner": DANA})))
        .await;
    assert!(
        forged["value"].to_string().contains("attention"),
        "{forged:#}"
    );
    let (_, ok) = t
        .post(&execute(
            &t,
            "i-ok",
            &details,
            json!({"owner": DANA, details.clone(): credits}),
        ))
        .await;
    assert_eq!(ok["statusCode"], 200);
    let (_, stale) = t
        .post(&execute(
            &t,
            "i-stale",
            &details,
            json!({"owner": DANA, details.clone(): credits}),
        ))
        .await;
    assert!(
        stale["value"].to_string().contains("\"color\":\"warning\""),
        "{stale:#}"
    );
    let after = rev(t.bot.store().load_session(&dana).await.unwrap());
    assert_eq!(
        after,
        before.map(|r| r + 1),
        "Dana's own click counted, once"
    );
}

/// A `task/fetch` or `task/submit` invoke by Dana, from the card of message `card`.
fn dialog(t: &Teams, id: &str, name: &str, card: &str, data: Value) -> Value {
    let mut a = message(t, id, "");
    a["type"] = json!("invoke");
    a["name"] = json!(name);
    a["replyToId"] = json!(card);
    a["value"] = json!({"data": data, "context": {"theme": "default"}});
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_is_a_dialog_that_stays_open_with_a_refusal_and_closes_on_the_next_step() {
    let t = teams().await;
    t.post(&message(&t, "m-1", "buy support credits")).await;
    let first = t.wait_replies(1).await[0].3["attachments"][0]["content"].clone();
    let card = wire_transfer(&t, first).await;
    let yes = verb(&card, "Yes");
    let card = t.post(&execute(&t, "i-40", &yes, json!({}))).await.1["value"].clone();
    // The form's button opens a dialog; its data is all the dialog needs.
    let mut owned = render_message(&card);
    super::render::own(&mut owned, DANA);
    let button = owned["attachments"][0]["content"]["body"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["actions"].as_array().cloned().unwrap_or_default())
        .find(|a| a["title"] == "Enter PO number")
        .unwrap_or_else(|| panic!("no PO button in {card:#}"));
    assert_eq!(button["type"], "Action.Submit");
    let data = button["data"].clone();
    assert_eq!(data["msteams"]["type"], "task/fetch");
    assert_eq!(data["owner"], DANA);

    let (status, opened) = t
        .post(&dialog(&t, "d-1", "task/fetch", "act-card", data.clone()))
        .await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["task"]["type"], "continue");
    let form = opened["task"]["value"]["card"]["content"].clone();
    assert_eq!(form["body"][0]["id"], "po");

    // Someone else's dialog changes nothing.
    let mut eve = dialog(&t, "d-0", "task/submit", "act-card", data.clone());
    eve["from"] = json!({"id": "29:eve", "name": "Eve", "aadObjectId": "aad-eve"});
    let (_, told) = t.post(&eve).await;
    assert_eq!(told["task"]["type"], "message", "{told}");

    // A refused number keeps the dialog open, with what was typed and why beside it.
    let mut submitted = form["actions"][0]["data"].clone();
    submitted["owner"] = json!(DANA);
    submitted["po"] = json!("PO 4711 \u{7}");
    let (_, again) = t
        .post(&dialog(
            &t,
            "d-2",
            "task/submit",
            "act-card",
            submitted.clone(),
        ))
        .await;
    assert_eq!(again["task"]["type"], "continue", "{again}");
    let form = again["task"]["value"]["card"]["content"].clone();
    assert_eq!(form["body"][0]["value"], "PO 4711 \u{7}");
    assert_eq!(form["body"][1]["color"], "attention", "{form:#}");
    let before = t.replies().len();

    // Accepted: the dialog closes, and the card it came from shows the terms.
    let mut submitted = form["actions"][0]["data"].clone();
    submitted["owner"] = json!(DANA);
    submitted["po"] = json!("PO-4711");
    let (status, closed) = t
        .post(&dialog(&t, "d-3", "task/submit", "act-card", submitted))
        .await;
    assert_eq!((status, closed), (200, Value::Null));
    let calls = t.wait_replies(before + 1).await;
    let (method, path, _, body) = &calls[before];
    assert_eq!(method, "PUT");
    assert_eq!(
        path,
        "conversations/a%3A1personal-chat-with-dana/activities/act-card"
    );
    let next = &body["attachments"][0]["content"];
    assert!(
        next.to_string().contains("I agree to the terms"),
        "{next:#}"
    );
    let agree = verb(next, "I agree to the terms");
    let review = t.post(&execute(&t, "i-41", &agree, json!({}))).await.1["value"].clone();
    assert!(review.to_string().contains("PO-4711"), "{review:#}");
}

/// An answer's card as the message it would be sent in.
fn render_message(card: &Value) -> Value {
    json!({"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]})
}
