//! Gateway mode against a local stand-in of Discord: REST through `DISCORD_API_BASE`
//! (serenity's proxy, rate limiter off) and a websocket gateway that sends HELLO, READY
//! and then an INTERACTION_CREATE and a MESSAGE_CREATE. The bot's answers must reach the
//! stand-in's REST routes.

use std::sync::Arc;
use std::time::Duration;

use crate::common::discord as d;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::platforms::discord::config::DiscordConfig;
use serde_json::{Value, json};
use tokio::sync::mpsc;

#[derive(Clone)]
struct StandIn {
    base: String,
    posted: mpsc::UnboundedSender<(String, Value)>,
    events: Arc<Vec<Value>>,
}

async fn gateway_info(State(s): State<StandIn>) -> Json<Value> {
    Json(json!({"url": format!("{}/gateway", s.base.replace("http://", "ws://"))}))
}

async fn callback(
    State(s): State<StandIn>,
    Path((id, token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> axum::http::StatusCode {
    let _ = s.posted.send((format!("callback {id} {token}"), body));
    axum::http::StatusCode::NO_CONTENT
}

async fn channel_message(
    State(s): State<StandIn>,
    Path(channel): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let _ = s.posted.send((format!("message {channel}"), body.clone()));
    Json(message(
        &channel,
        body["content"].as_str().unwrap_or(""),
        &d::user(d::APP_ID, "checkout-bot"),
    ))
}

async fn edit_original(
    State(s): State<StandIn>,
    Path((app, token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let _ = s.posted.send((format!("followup {app} {token}"), body));
    Json(message(
        d::CHANNEL_ID,
        "",
        &d::user(d::APP_ID, "checkout-bot"),
    ))
}

async fn delete_message(
    State(s): State<StandIn>,
    Path((channel, id)): Path<(String, String)>,
) -> axum::http::StatusCode {
    let _ = s
        .posted
        .send((format!("delete {channel} {id}"), Value::Null));
    axum::http::StatusCode::NO_CONTENT
}

async fn open_dm(State(s): State<StandIn>, Json(body): Json<Value>) -> Json<Value> {
    let _ = s.posted.send(("dm channel".into(), body.clone()));
    Json(
        json!({"id": "1700000000000000001", "type": 1, "last_message_id": null, "recipients": [d::user("9000000000000000040", "dana")]}),
    )
}

async fn ws(State(s): State<StandIn>, upgrade: WebSocketUpgrade) -> axum::response::Response {
    upgrade.on_upgrade(move |socket| session(socket, s))
}

fn message(channel: &str, content: &str, author: &Value) -> Value {
    json!({
        "id": "1600000000000000001", "channel_id": channel, "guild_id": d::GUILD_ID, "author": author,
        "content": content, "timestamp": "2026-11-25T10:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0, "flags": 0, "components": []
    })
}

/// HELLO, then READY once IDENTIFY arrives, then the scripted events; heartbeats are acked.
async fn session(mut socket: WebSocket, s: StandIn) {
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut seq = 0;
    while let Some(Ok(msg)) = socket.recv().await {
        let Message::Text(text) = msg else { continue };
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match frame["op"].as_u64() {
            Some(1) => {
                let _ = socket
                    .send(Message::Text(json!({"op": 11}).to_string().into()))
                    .await;
            }
            Some(2) => {
                let _ = s
                    .posted
                    .send(("identify".into(), frame["d"]["shard"].clone()));
                seq += 1;
                let ready = json!({"op": 0, "t": "READY", "s": seq, "d": {
                    "v": 10, "user": {"id": d::APP_ID, "username": "checkout-bot", "discriminator": "0", "global_name": null, "avatar": null, "bot": true},
                    "guilds": [], "session_id": "standin-session", "resume_gateway_url": s.base.replace("http://", "ws://"),
                    "application": {"id": d::APP_ID, "flags": 0}, "shard": [0, 1]
                }});
                let _ = socket.send(Message::Text(ready.to_string().into())).await;
                for event in s.events.iter() {
                    seq += 1;
                    let mut e = event.clone();
                    e["s"] = json!(seq);
                    let _ = socket.send(Message::Text(e.to_string().into())).await;
                }
            }
            _ => {}
        }
    }
}

/// Serves the stand-in's REST routes and gateway on `listener`.
fn serve_stand_in(
    listener: tokio::net::TcpListener,
    base: String,
    posted: mpsc::UnboundedSender<(String, Value)>,
    events: Vec<Value>,
) {
    let stand_in = StandIn {
        base,
        posted,
        events: Arc::new(events),
    };
    let app = Router::new()
        .route("/api/v10/gateway", get(gateway_info))
        .route("/api/v10/gateway/bot", get(gateway_info))
        .route("/gateway", get(ws))
        .route(
            "/api/v10/interactions/{id}/{token}/callback",
            post(callback),
        )
        .route(
            "/api/v10/channels/{channel}/messages",
            post(channel_message),
        )
        .route(
            "/api/v10/channels/{channel}/messages/{id}",
            axum::routing::delete(delete_message),
        )
        .route("/api/v10/users/@me/channels", post(open_dm))
        .with_state(stand_in);
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// A bot on a fresh SQLite file, its gateway client connected to the stand-in at `base`
/// (one shard). Keep the directory while the client runs.
async fn run_gateway(
    base: String,
) -> (
    tokio::task::JoinHandle<anyhow::Result<()>>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: crate::common::sqlite_url(&dir),
        ..Config::default()
    };
    let discord = DiscordConfig {
        token: Some("standin-token".into()),
        application_id: Some(d::APP_ID.parse().unwrap()),
        api_base: Some(base),
        shards: Some(1),
        shard_range: None,
        public_key: None,
    };
    // As `main` does: Discord's outbound ports, through which replies go.
    let outbound = checkout_bot::platforms::discord::outbound::register(
        checkout_bot::services::outbound::Outbound::default(),
        &discord,
    )
    .unwrap();
    let bot = Arc::new(Bot::start_with(config, outbound).await.unwrap());
    let client =
        tokio::spawn(
            async move { checkout_bot::platforms::discord::gateway::run(bot, &discord).await },
        );
    (client, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_connects_only_the_shards_of_its_range() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (posted, mut answers) = mpsc::unbounded_channel();
    serve_stand_in(listener, base.clone(), posted, Vec::new());
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: crate::common::sqlite_url(&dir),
        ..Config::default()
    };
    let discord = DiscordConfig::from_lookup(|name| {
        [
            ("DISCORD_TOKEN", "standin-token"),
            ("DISCORD_APPLICATION_ID", d::APP_ID),
            ("DISCORD_API_BASE", base.as_str()),
            ("DISCORD_SHARDS", "4"),
            ("DISCORD_SHARD_RANGE", "2-3"),
        ]
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
    })
    .unwrap();
    let bot = Arc::new(Bot::start(config).await.unwrap());
    let client =
        tokio::spawn(
            async move { checkout_bot::platforms::discord::gateway::run(bot, &discord).await },
        );
    let mut shards = Vec::new();
    // Shards start a few seconds apart (Discord's identify rate limit).
    while shards.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(20), answers.recv()).await {
            Ok(Some((route, shard))) if route == "identify" => shards.push(shard),
            Ok(Some(_)) => {}
            _ => panic!("identified only {shards:?}"),
        }
    }
    let late = tokio::time::timeout(Duration::from_secs(7), answers.recv()).await;
    client.abort();
    shards.sort_by_key(|s| s[0].as_u64());
    assert_eq!(shards, vec![json!([2, 4]), json!([3, 4])]);
    assert!(
        !matches!(late, Ok(Some((ref r, _))) if r == "identify"),
        "no shard outside the range: {late:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_interactions_and_ticket_messages_are_answered_through_rest() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("checkout_bot=debug,serenity=warn")
        .try_init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (posted, mut answers) = mpsc::unbounded_channel();
    let buyer = d::user("9000000000000000040", "dana");
    let mut interaction = d::command(
        &buyer,
        "buy",
        json!([{"name": "category", "type": 3, "value": "phones"}]),
    );
    interaction["id"] = json!("1100000000000000777");
    interaction["token"] = json!("gateway-token");
    let events = vec![
        json!({"op": 0, "t": "INTERACTION_CREATE", "d": interaction}),
        json!({"op": 0, "t": "MESSAGE_CREATE", "d": message(d::CHANNEL_ID, "how do I open a support ticket?", &buyer)}),
        json!({"op": 0, "t": "MESSAGE_CREATE", "d": message(d::CHANNEL_ID, "here you go: 4242 4242 4242 4242 exp 12/30", &buyer)}),
    ];
    serve_stand_in(listener, base.clone(), posted, events);

    let (client, _dir) = run_gateway(base).await;

    let mut seen = Vec::new();
    while seen.len() < 5 {
        match tokio::time::timeout(Duration::from_secs(20), answers.recv()).await {
            Ok(Some((route, _))) if route == "identify" => {}
            Ok(Some(answer)) => seen.push(answer),
            _ => panic!("the stand-in got only {seen:?}"),
        }
    }
    client.abort();
    let (route, body) = seen
        .iter()
        .find(|(r, _)| r.starts_with("callback"))
        .expect("an interaction callback");
    assert_eq!(route, "callback 1100000000000000777 gateway-token");
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["flags"], 64);
    assert!(
        body["data"]["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .contains("Phones"),
        "{body}"
    );
    let ticket_route = format!("message {}", d::CHANNEL_ID);
    let (_, ticket) = seen
        .iter()
        .find(|(r, b)| *r == ticket_route && b["components"][0]["components"].is_array())
        .expect("a ticket reply");
    let links: Vec<&str> = ticket["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["url"].as_str())
        .collect();
    assert!(links.contains(&"https://support.example.com"), "{ticket}");
    let deleted = format!("delete {} 1600000000000000001", d::CHANNEL_ID);
    assert!(
        seen.iter().any(|(r, _)| *r == deleted),
        "the card number was deleted: {seen:?}"
    );
    let (_, dm) = seen
        .iter()
        .find(|(r, _)| r == "message 1700000000000000001")
        .expect("a private warning");
    assert!(
        dm["content"].as_str().unwrap().contains("card number"),
        "{dm}"
    );
    assert!(
        !format!("{seen:?}").contains("4242 4242"),
        "the number is repeated nowhere"
    );
}

/// A stand-in for Discord's follow-up route alone: its base URL, and what it was sent.
async fn followup_stand_in_at() -> (String, mpsc::UnboundedReceiver<(String, Value)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (posted, answers) = mpsc::unbounded_channel();
    let stand_in = StandIn {
        base: base.clone(),
        posted,
        events: Arc::new(Vec::new()),
    };
    let app = Router::new()
        .route(
            "/api/v10/webhooks/{app}/{token}/messages/@original",
            axum::routing::patch(edit_original),
        )
        .with_state(stand_in);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, answers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_is_deferred_and_followed_up() {
    let (base, mut answers) = followup_stand_in_at().await;
    // Follow-ups go through Discord's reply updater, as `main` registers it.
    let server = d::Server::start_configured(
        |_, discord| {
            discord.application_id = Some(d::APP_ID.parse().unwrap());
            discord.api_base = Some(base);
        },
        |state| {
            // Every answer counts as too slow, so the deferral path is the one taken.
            state.deadline = Duration::ZERO;
        },
    )
    .await;
    let user = d::user("9000000000000000050", "dana");
    let mut payload = d::command(&user, "cart", json!([]));
    payload["token"] = json!("slow-token");
    let (status, body) = server.post(&payload).await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], 5, "deferred: {body}");
    assert_eq!(body["data"]["flags"], 64);
    let (route, followup) = tokio::time::timeout(Duration::from_secs(10), answers.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(route, format!("followup {} slow-token", d::APP_ID));
    assert_eq!(followup["embeds"][0]["title"], "Your cart", "{followup}");
}

fn find(response: &Value, label: &str) -> Value {
    d::components(response)
        .into_iter()
        .find(|c| {
            c["label"] == label
                || c["placeholder"]
                    .as_str()
                    .is_some_and(|p| p.starts_with(label))
        })
        .unwrap_or_else(|| panic!("no '{label}' in {response}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_added_on_the_page_updates_the_discord_message() {
    let (base, mut answers) = followup_stand_in_at().await;
    // The card page moves the chat on through Discord's registered reply updater.
    let server = d::Server::start_configured(
        |_, discord| {
            discord.application_id = Some(d::APP_ID.parse().unwrap());
            discord.api_base = Some(base);
        },
        |_| {},
    )
    .await;

    let user = d::user("9000000000000000060", "dana");
    let (_, r) = server
        .post(&d::command(
            &user,
            "buy",
            json!([{"name": "category", "type": 3, "value": "support-credits"}]),
        ))
        .await;
    let details = find(&r, "Details")["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, r) = server
        .post(&d::select(&user, &user, &details, &["p:SUP-CREDIT"]))
        .await;
    let add = find(&r, "Add to cart")["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    server.post(&d::button(&user, &user, &add)).await;
    let (_, r) = server.post(&d::command(&user, "checkout", json!([]))).await;
    let cont = find(&r, "Continue")["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, r) = server.post(&d::button(&user, &user, &cont)).await;
    let pay = find(&r, "Payment method")["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut choose = d::select(&user, &user, &pay, &["new"]);
    choose["token"] = json!("payment-message-token");
    let (_, r) = server.post(&choose).await;
    let content = r["data"]["content"].as_str().unwrap().to_string();
    let path = content[content.find("/pay/").expect("a link")..]
        .trim_end_matches('.')
        .to_string();

    let page = server
        .client
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page[at..].split('"').next().unwrap().to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("number", "4242424242424242"),
        ("expiry", "12 30"),
        ("cvv", "123"),
        ("name", "Dana"),
        ("address", "1 Main St"),
        ("city", "Austin"),
        ("postal_code", "78701"),
        ("country", "US"),
    ];
    let res = server
        .client
        .post(format!("{}{path}", server.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (route, body) = tokio::time::timeout(Duration::from_secs(10), answers.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        route,
        format!("followup {} payment-message-token", d::APP_ID)
    );
    assert_eq!(
        body["embeds"][0]["title"], "Reference or PO number",
        "{body}"
    );
    assert!(
        body["content"].as_str().unwrap().contains("Visa •••• 4242"),
        "{body}"
    );
}

async fn put_commands(
    State(s): State<StandIn>,
    Path((app, guild)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let _ = s
        .posted
        .send((format!("register {app} {guild}"), body.clone()));
    let echoed: Vec<Value> = body
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.clone();
            c["id"] = json!(format!("18000000000000000{i:02}"));
            c["application_id"] = json!(d::APP_ID);
            c["version"] = json!("1");
            c["default_member_permissions"] = Value::Null;
            c["type"] = json!(1);
            c
        })
        .collect();
    Json(Value::Array(echoed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_puts_the_slash_commands_in_a_guild() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (posted, mut answers) = mpsc::unbounded_channel();
    let stand_in = StandIn {
        base: base.clone(),
        posted,
        events: Arc::new(Vec::new()),
    };
    let app = Router::new()
        .route(
            "/api/v10/applications/{app}/guilds/{guild}/commands",
            axum::routing::put(put_commands),
        )
        .with_state(stand_in);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = DiscordConfig {
        token: Some("standin-token".into()),
        application_id: Some(d::APP_ID.parse().unwrap()),
        api_base: Some(base),
        shards: None,
        shard_range: None,
        public_key: None,
    };
    let n = checkout_bot::platforms::discord::gateway::register(
        &config,
        Some(d::GUILD_ID.parse().unwrap()),
    )
    .await
    .unwrap();
    let (route, body) = answers.recv().await.unwrap();
    assert_eq!(route, format!("register {} {}", d::APP_ID, d::GUILD_ID));
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(n, names.len());
    for name in [
        "buy",
        "cart",
        "checkout",
        "deployment",
        "orders",
        "quotes",
        "ticket",
        "cards",
        "help",
        "cancel",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let deployment = body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "deployment")
        .unwrap();
    assert_eq!(deployment["options"][0]["autocomplete"], true);
}

/// A log sink the test can read: what `checkout-bot` would write to stderr.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Regression: serenity logged interaction tokens at debug. At RUST_LOG=trace, through a
/// deferred answer and its follow-up (the token is in the request path), no log line
/// holds the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_tokens_never_reach_the_log_even_at_trace() {
    // The logger is global to the process, and so is RUST_LOG. Under nextest every test
    // is a process of its own, so this one cannot change another's logging (the reason
    // it may live in the one test binary); under `cargo test` it would share a process.
    assert!(
        std::env::var_os("NEXTEST_RUN_ID").is_some(),
        "run the tests with `cargo nextest run` (README): this test installs a global logger"
    );
    let log = Captured::default();
    // SAFETY: set before any thread of this test process reads the environment.
    unsafe { std::env::set_var("RUST_LOG", "trace") };
    assert!(checkout_bot::logging::init(
        "trace",
        checkout_bot::logging::LogFormat::Text,
        log.clone()
    ));
    let (base, mut answers) = followup_stand_in_at().await;
    let server = d::Server::start_configured(
        |_, discord| {
            discord.application_id = Some(d::APP_ID.parse().unwrap());
            discord.api_base = Some(base);
        },
        |state| state.deadline = Duration::ZERO,
    )
    .await;
    let token = "aW50ZXJhY3Rpb246MTEwMDAwMDAwMDAwMDAwMDc3NzpzZWNyZXQtdG9rZW4";
    let user = d::user("9000000000000000070", "dana");
    let mut payload = d::command(&user, "cart", json!([]));
    payload["token"] = json!(token);
    let (status, _) = server.post(&payload).await;
    assert_eq!(status, 200);
    let (route, _) = tokio::time::timeout(Duration::from_secs(10), answers.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        route.ends_with(token),
        "the follow-up used the token: {route}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).to_string();
    assert!(text.len() > 2_000, "trace logging was captured: {text}");
    assert!(!text.contains(token), "a token reached the log");
    assert!(text.contains("[redacted]"), "something was redacted");
    assert!(
        !text.contains(&token[..24]),
        "part of a token reached the log"
    );
}

/// A direct message to the bot is a conversation: a sentence gets its proposal, with
/// the buttons that answer it, in the same direct-message channel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_is_understood_and_answered_in_its_channel() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (posted, mut answers) = mpsc::unbounded_channel();
    let buyer = d::user("9000000000000000041", "erin");
    let dm = "1700000000000000009";
    let mut said = message(
        dm,
        "hi! I'd like 3 P330 phones and 2 D10M handsets pls",
        &buyer,
    );
    said.as_object_mut().unwrap().remove("guild_id");
    let events = vec![json!({"op": 0, "t": "MESSAGE_CREATE", "d": said})];
    serve_stand_in(listener, base.clone(), posted, events);

    let (client, _dir) = run_gateway(base).await;
    let answer = loop {
        match tokio::time::timeout(Duration::from_secs(20), answers.recv()).await {
            Ok(Some((route, body))) if route == format!("message {dm}") => break body,
            Ok(Some(_)) => {}
            _ => panic!("no answer in the direct-message channel"),
        }
    };
    client.abort();
    let description = answer["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(description.contains("3 × P330 Desk Phone"), "{answer}");
    assert!(description.contains("2 × D10M DECT Handset"), "{answer}");
    let labels: Vec<&str> = answer["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().unwrap())
        .filter_map(|b| b["label"].as_str())
        .collect();
    assert!(labels.contains(&"Yes, add them"), "{labels:?}");
}
