//! A stand-in for Slack's side: requests in Slack's own shapes (form-encoded commands,
//! `payload` JSON for interactivity, JSON events), signed with a test secret as Slack
//! signs them, posted to our server on 127.0.0.1; and a stand-in of the Web API and of
//! response URLs that records every call and answers as Slack does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::http::AppState;
use checkout_bot::metrics::Metrics;
use checkout_bot::platforms::slack::Slack;
use checkout_bot::platforms::slack::config::SlackConfig;
use checkout_bot::platforms::slack::http::Endpoints;
use checkout_bot::platforms::slack::verify::Verifier;
use checkout_bot::platforms::slack::web::Web;
use serde_json::{Value, json};

pub const SECRET: &str = "test-signing-secret";
pub const TEAM: &str = "T0TEAM001";
pub const CHANNEL: &str = "C0BUYING01";

/// One call the bot made to Slack.
#[derive(Debug, Clone)]
pub struct Call {
    /// `chat.postMessage`, …, or `hook` for a response URL.
    pub method: String,
    /// Which response URL, for `hook`.
    pub hook: String,
    pub body: Value,
    pub authorized: bool,
}

/// The Web API, response URLs and Socket Mode's WebSocket, on 127.0.0.1.
#[derive(Clone, Default)]
pub struct StandIn {
    pub calls: Arc<Mutex<Vec<Call>>>,
    ts: Arc<Mutex<u64>>,
    pub url: String,
    /// Envelopes the socket sends, in order, each after the previous one's ack.
    pub script: Arc<Mutex<Vec<Value>>>,
    /// What the bot acknowledged on the socket.
    pub acks: Arc<Mutex<Vec<Value>>>,
    /// How the next `chat.*` calls fail, in turn, before they are served again.
    pub faults: Arc<Mutex<std::collections::VecDeque<Fault>>>,
    /// How the next response-URL calls fail, in turn.
    pub hook_faults: Arc<Mutex<std::collections::VecDeque<Fault>>>,
    /// Channels that are gone: `channel_not_found`.
    pub gone: Arc<Mutex<Vec<String>>>,
    /// When each `chat.*` call came, with its method, including the ones refused.
    pub arrivals: Arc<Mutex<Vec<(String, std::time::Instant)>>>,
    /// The bytes uploaded to each file's upload URL, by file id.
    pub uploads: Arc<Mutex<std::collections::HashMap<String, Vec<u8>>>>,
    /// Channels where `files.completeUploadExternal` answers `not_in_channel`.
    pub no_files: Arc<Mutex<Vec<String>>>,
}

/// A file the bot shared: `files.completeUploadExternal`'s channel, thread, title and
/// comment, with the bytes uploaded for it.
#[derive(Debug, Clone)]
pub struct Shared {
    pub channel: String,
    pub thread: Option<String>,
    pub title: String,
    pub comment: String,
    pub bytes: Vec<u8>,
}

/// How the stand-in answers the next `chat.*` call.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// HTTP 429 `ratelimited` with `Retry-After` in seconds, as Slack sends it.
    TooMany(u64),
    /// HTTP 503.
    Unavailable,
}

impl StandIn {
    pub async fn start() -> StandIn {
        let mut s = StandIn::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        s.url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/api/{method}", axum::routing::post(api).get(api_get))
            .route("/hooks/{id}", axum::routing::post(hook))
            .route("/upload/{file}", axum::routing::post(upload))
            .route("/link", axum::routing::get(socket))
            .with_state(s.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        s
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// The files shared so far, in order, with what was uploaded for each.
    pub fn shared(&self) -> Vec<Shared> {
        let uploads = self.uploads.lock().unwrap().clone();
        self.calls_to("files.completeUploadExternal")
            .into_iter()
            .filter(|c| c.body["_refused"].is_null())
            .flat_map(|c| {
                let files = shared_files(&c.body);
                let uploads = uploads.clone();
                files.into_iter().map(move |f| Shared {
                    channel: c.body["channel_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    thread: c.body["thread_ts"].as_str().map(str::to_string),
                    title: f["title"].as_str().unwrap_or_default().to_string(),
                    comment: c.body["initial_comment"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    bytes: uploads
                        .get(f["id"].as_str().unwrap_or_default())
                        .cloned()
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// A response URL of ours.
    pub fn response_url(&self, id: &str) -> String {
        format!("{}/hooks/{id}", self.url)
    }

    /// Waits until `n` calls matching `f` were made, and returns them: up to 10 s, as
    /// an answer the stand-in refused first is sent again after a backoff.
    pub async fn wait_for(&self, n: usize, f: impl Fn(&Call) -> bool) -> Vec<Call> {
        for _ in 0..500 {
            let found: Vec<Call> = self.calls().into_iter().filter(|c| f(c)).collect();
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("waited for {n} calls; have {:#?}", self.calls());
    }

    fn next_ts(&self) -> String {
        let mut t = self.ts.lock().unwrap();
        *t += 1;
        format!("1700000000.{:06}", *t)
    }
}

fn record(s: &StandIn, method: &str, hook: &str, headers: &HeaderMap, body: Value) {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "Bearer xoxb-test-token");
    s.calls.lock().unwrap().push(Call {
        method: method.to_string(),
        hook: hook.to_string(),
        body,
        authorized,
    });
}

async fn api(
    State(s): State<StandIn>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
        Value::Object(
            url::form_urlencoded::parse(&body)
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect(),
        )
    });
    if method.starts_with("chat.") {
        s.arrivals
            .lock()
            .unwrap()
            .push((method.clone(), std::time::Instant::now()));
        let fault = s.faults.lock().unwrap().pop_front();
        match fault {
            Some(Fault::TooMany(after)) => {
                return (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", after.to_string())],
                    Json(json!({"ok": false, "error": "ratelimited"})),
                )
                    .into_response();
            }
            Some(Fault::Unavailable) => {
                return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            None => {}
        }
        let channel = body["channel"].as_str().unwrap_or_default().to_string();
        if s.gone.lock().unwrap().contains(&channel) {
            return Json(json!({"ok": false, "error": "channel_not_found"})).into_response();
        }
    }
    let mut body = body;
    if method == "files.completeUploadExternal" {
        // As Slack does, only a file that was uploaded can be shared, and only where
        // the app is a member.
        let channel = body["channel_id"].as_str().unwrap_or_default().to_string();
        let files = shared_files(&body);
        let uploads = s.uploads.lock().unwrap().clone();
        let uploaded = files
            .iter()
            .all(|f| uploads.contains_key(f["id"].as_str().unwrap_or_default()));
        if s.no_files.lock().unwrap().contains(&channel) {
            body["_refused"] = json!("not_in_channel");
        } else if files.is_empty() || !uploaded {
            body["_refused"] = json!("file_not_found");
        }
    }
    record(&s, &method, "", &headers, body.clone());
    // As Slack does, a message posted to a user id lands in the app's DM with them.
    let channel = match body["channel"].as_str().unwrap_or("C0UNKNOWN") {
        u if u.starts_with('U') => format!("D{}", &u[1..]),
        c => c.to_string(),
    };
    Json(match method.as_str() {
        "chat.postMessage" => {
            let ts = s.next_ts();
            json!({"ok": true, "channel": channel, "ts": ts, "message": {"ts": ts, "text": body["text"]}})
        }
        "chat.update" => {
            json!({"ok": true, "channel": channel, "ts": body["ts"], "message": {"text": body["text"]}})
        }
        "chat.postEphemeral" => json!({"ok": true, "message_ts": s.next_ts()}),
        "files.completeUploadExternal" => match body["_refused"].as_str() {
            Some(error) => json!({"ok": false, "error": error}),
            None => json!({"ok": true, "files": shared_files(&body).iter().map(|f| json!({"id": f["id"], "title": f["title"]})).collect::<Vec<_>>()}),
        },
        "apps.connections.open" => {
            json!({"ok": true, "url": format!("{}/link", s.url.replace("http://", "ws://"))})
        }
        "views.open" | "views.publish" => {
            let mut view = body["view"].clone();
            view["id"] = "V0VIEW0001".into();
            view["team_id"] = TEAM.into();
            view["hash"] = "h1".into();
            json!({"ok": true, "view": view})
        }
        _ => json!({"ok": false, "error": "unknown_method"}),
    })
    .into_response()
}

async fn api_get(
    State(s): State<StandIn>,
    Path(method): Path<String>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Json<Value> {
    let q: Value = Value::Object(
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    );
    record(&s, &method, "", &headers, q.clone());
    Json(match method.as_str() {
        "files.getUploadURLExternal" => {
            let n =
                s.uploads.lock().unwrap().len() + s.calls_to("files.getUploadURLExternal").len();
            let id = format!("F0FILE{n:04}");
            json!({"ok": true, "upload_url": format!("{}/upload/{id}", s.url), "file_id": id})
        }
        "users.info" => {
            // Users whose id starts with UDE have their Slack set to German.
            let german = q["user"].as_str().is_some_and(|u| u.starts_with("UDE"));
            let locale = if german { "de-DE" } else { "en-US" };
            json!({"ok": true, "user": {"id": q["user"], "name": "dana", "locale": locale, "profile": {"display_name": "Dana R."}}})
        }
        _ => json!({"ok": false, "error": "unknown_method"}),
    })
}

/// Socket Mode as Slack speaks it: `hello`, then each scripted envelope, waiting for its
/// acknowledgement before the next.
async fn socket(
    State(s): State<StandIn>,
    ws: axum::extract::ws::WebSocketUpgrade,
) -> axum::response::Response {
    use axum::extract::ws::Message;
    ws.on_upgrade(move |mut socket| async move {
        let hello = json!({"type": "hello", "num_connections": 1,
            "debug_info": {"host": "applink-standin", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0APP00001"}});
        if socket
            .send(Message::Text(hello.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
        loop {
            let next = {
                let mut script = s.script.lock().unwrap();
                (!script.is_empty()).then(|| script.remove(0))
            };
            let Some(envelope) = next else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            if socket
                .send(Message::Text(envelope.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
            loop {
                match socket.recv().await {
                    Some(Ok(Message::Text(t))) => {
                        let ack: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                        s.acks.lock().unwrap().push(ack);
                        break;
                    }
                    Some(Ok(_)) => continue,
                    _ => return,
                }
            }
        }
    })
}

/// The `files` of a `files.completeUploadExternal` call: a JSON list, sent as a form
/// field's text or in a JSON body.
fn shared_files(body: &Value) -> Vec<Value> {
    match &body["files"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
        Value::Array(list) => list.clone(),
        _ => Vec::new(),
    }
}

/// An upload URL: takes the file's bytes, and answers as Slack does, in plain text.
async fn upload(
    State(s): State<StandIn>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> String {
    record(&s, "upload", &file, &headers, json!({"length": body.len()}));
    let n = body.len();
    s.uploads.lock().unwrap().insert(file, body.to_vec());
    format!("OK - {n}")
}

async fn hook(
    State(s): State<StandIn>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let fault = s.hook_faults.lock().unwrap().pop_front();
    match fault {
        Some(Fault::TooMany(after)) => (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", after.to_string())],
            "rate limited",
        )
            .into_response(),
        Some(Fault::Unavailable) => axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
        None => {
            record(&s, "hook", &id, &headers, body);
            Json(json!({"ok": true})).into_response()
        }
    }
}

pub struct Server {
    pub url: String,
    pub verifier: Verifier,
    pub client: reqwest::Client,
    pub bot: Arc<Bot>,
    pub slack: StandIn,
    _dir: tempfile::TempDir,
}

fn now() -> i64 {
    checkout_bot::store::now_ms() / 1000
}

impl Server {
    pub async fn start() -> Server {
        Server::start_configured(|_| {}, |o| o).await
    }

    /// A server on a fresh SQLite file, whose configuration may be changed first, with
    /// `more` outbound ports registered beside Slack's (another platform's).
    pub async fn start_configured(
        configure: impl FnOnce(&mut Config),
        more: impl FnOnce(
            checkout_bot::services::outbound::Outbound,
        ) -> checkout_bot::services::outbound::Outbound,
    ) -> Server {
        let slack = StandIn::start().await;
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut config = Config {
            database_url: super::sqlite_url(&dir),
            public_url: url.clone(),
            ..Config::default()
        };
        configure(&mut config);
        let settings = SlackConfig {
            signing_secret: Some(SECRET.into()),
            bot_token: Some("xoxb-test-token".into()),
            app_token: None,
            api_base: format!("{}/api", slack.url),
        };
        // As `main` does: each platform's outbound ports, as far as its configuration allows.
        let outbound = checkout_bot::platforms::slack::outbound::register(
            more(checkout_bot::services::outbound::Outbound::default()),
            &settings,
        )
        .unwrap();
        let bot = Arc::new(Bot::start_with(config, outbound).await.unwrap());
        let web = Web::new(&settings.api_base, settings.bot_token.as_deref()).unwrap();
        let metrics = Arc::new(Metrics::new().unwrap());
        let endpoints = Endpoints::new(
            Arc::new(Slack::new(bot.clone(), web)),
            Verifier::new(SECRET),
            metrics.clone(),
        );
        let app = checkout_bot::http::router(
            Arc::new(AppState::new(bot.clone(), metrics)),
            vec![endpoints.router()],
        );
        tokio::spawn(checkout_bot::http::serve(
            app,
            listener,
            std::future::pending(),
        ));
        Server {
            url,
            verifier: Verifier::new(SECRET),
            client: reqwest::Client::new(),
            bot,
            slack,
            _dir: dir,
        }
    }

    /// Posts `body` to `path` with the headers Slack sends, signed at `timestamp`.
    pub async fn post_signed_at(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        timestamp: i64,
    ) -> reqwest::Response {
        let ts = timestamp.to_string();
        let signature = self.verifier.sign(&ts, body.as_bytes());
        self.client
            .post(format!("{}{path}", self.url))
            .header("x-slack-signature", signature)
            .header("x-slack-request-timestamp", ts)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    async fn read(res: reqwest::Response) -> (u16, Value) {
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    /// A slash command, form-encoded as Slack sends it.
    pub async fn command(&self, user: &str, command: &str, text: &str, hook: &str) -> (u16, Value) {
        let body = serde_urlencoded::to_string([
            ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
            ("team_id", TEAM),
            ("team_domain", "acme"),
            ("channel_id", CHANNEL),
            ("channel_name", "buying"),
            ("user_id", user),
            ("user_name", "dana"),
            ("command", command),
            ("text", text),
            ("api_app_id", "A0APP00001"),
            ("is_enterprise_install", "false"),
            ("response_url", &self.slack.response_url(hook)),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
        ])
        .unwrap();
        let res = self
            .post_signed_at(
                "/slack/commands",
                "application/x-www-form-urlencoded",
                &body,
                now(),
            )
            .await;
        Server::read(res).await
    }

    /// An interactivity payload, form-encoded in its one `payload` field.
    pub async fn interact(&self, path: &str, payload: &Value) -> (u16, Value) {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        let res = self
            .post_signed_at(path, "application/x-www-form-urlencoded", &body, now())
            .await;
        Server::read(res).await
    }

    pub async fn event(&self, body: &Value, retry: Option<u32>) -> (u16, Value) {
        let ts = now().to_string();
        let raw = body.to_string();
        let mut req = self
            .client
            .post(format!("{}/slack/events", self.url))
            .header("x-slack-signature", self.verifier.sign(&ts, raw.as_bytes()))
            .header("x-slack-request-timestamp", ts)
            .header("content-type", "application/json")
            .body(raw);
        if let Some(n) = retry {
            req = req
                .header("x-slack-retry-num", n.to_string())
                .header("x-slack-retry-reason", "http_timeout");
        }
        Server::read(req.send().await.unwrap()).await
    }
}

pub fn user(id: &str) -> Value {
    json!({"id": id, "username": "dana", "name": "dana", "team_id": TEAM})
}

/// A click on an element of an ephemeral message, as Slack sends it.
pub fn block_actions(user_id: &str, hook: &str, action: Value, response_url: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": user(user_id),
        "api_app_id": "A0APP00001",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": CHANNEL, "is_ephemeral": true},
        "trigger_id": format!("trigger-{hook}"),
        "team": {"id": TEAM, "domain": "acme"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": CHANNEL, "name": "buying"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    })
}

/// All blocks' interactive elements: buttons of actions blocks, and section accessories,
/// each with the block id it came in.
pub fn elements(blocks: &Value) -> Vec<(Value, String, String)> {
    let mut out = Vec::new();
    for b in blocks.as_array().cloned().unwrap_or_default() {
        let block_id = b["block_id"].as_str().unwrap_or_default().to_string();
        if b["type"] == "actions" {
            for e in b["elements"].as_array().cloned().unwrap_or_default() {
                let label = e["text"]["text"].as_str().unwrap_or_default().to_string();
                out.push((e, block_id.clone(), label));
            }
        } else if b["accessory"].is_object() {
            let label = b["text"]["text"].as_str().unwrap_or_default().to_string();
            out.push((b["accessory"].clone(), block_id.clone(), label));
        }
    }
    out
}

/// One Slack user clicking through the bot's ephemeral messages.
pub struct Player<'a> {
    pub server: &'a Server,
    pub id: String,
    /// The message shown now: its blocks.
    pub blocks: Value,
    /// The modal last opened through views.open.
    pub modal: Option<Value>,
    hooks: usize,
    /// The response URL of the message shown now.
    pub hook: String,
}

impl<'a> Player<'a> {
    pub fn new(server: &'a Server, id: &str) -> Self {
        Player {
            server,
            id: id.into(),
            blocks: Value::Null,
            modal: None,
            hooks: 0,
            hook: String::new(),
        }
    }

    fn next_hook(&mut self) -> String {
        self.hooks += 1;
        format!("{}-{}", self.id, self.hooks)
    }

    pub async fn command(&mut self, command: &str, text: &str) -> &Value {
        let hook = self.next_hook();
        let (status, body) = self.server.command(&self.id, command, text, &hook).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["response_type"], "ephemeral", "{body}");
        self.blocks = body["blocks"].clone();
        self.hook = hook;
        &self.blocks
    }

    /// Waits for the answer to a click on the message from `hook`, and shows it.
    async fn answered(&mut self, before: usize) -> &Value {
        let hook = self.hook.clone();
        let calls = self
            .server
            .slack
            .wait_for(before + 1, |c| c.method == "hook" && c.hook == hook)
            .await;
        let last = calls.last().unwrap().body.clone();
        if last["replace_original"] == true {
            self.blocks = last["blocks"].clone();
        }
        &self.blocks
    }

    fn hook_calls(&self) -> usize {
        self.server
            .slack
            .calls()
            .iter()
            .filter(|c| c.method == "hook" && c.hook == self.hook)
            .count()
    }

    pub fn element(&self, label: &str) -> (Value, String) {
        elements(&self.blocks)
            .into_iter()
            .find(|(e, _, l)| {
                l == label
                    || e["placeholder"]["text"]
                        .as_str()
                        .is_some_and(|p| p.starts_with(label))
            })
            .map(|(e, b, _)| (e, b))
            .unwrap_or_else(|| panic!("no element '{label}' in {:#}", self.blocks))
    }

    pub async fn send(&mut self, action: Value) -> &Value {
        let before = self.hook_calls();
        let url = self.server.slack.response_url(&self.hook);
        let payload = block_actions(&self.id, &self.hook, action, &url);
        let (status, _) = self.server.interact("/slack/interactions", &payload).await;
        assert_eq!(status, 200);
        self.answered(before).await
    }

    pub async fn click(&mut self, label: &str) -> &Value {
        let (e, block) = self.element(label);
        let action = json!({
            "type": "button", "action_id": e["action_id"], "block_id": block,
            "text": e["text"], "action_ts": "1700000001.000001"
        });
        if e["action_id"].as_str().is_some_and(|a| a.starts_with("m:")) {
            let opened = self.server.slack.calls_to("views.open").len();
            let url = self.server.slack.response_url(&self.hook);
            let payload = block_actions(&self.id, &self.hook, action, &url);
            let (status, _) = self.server.interact("/slack/interactions", &payload).await;
            assert_eq!(status, 200);
            let calls = self
                .server
                .slack
                .wait_for(opened + 1, |c| c.method == "views.open")
                .await;
            self.modal = Some(calls.last().unwrap().body["view"].clone());
            return &self.blocks;
        }
        self.send(action).await
    }

    pub async fn choose(&mut self, label: &str, option: &str) -> &Value {
        let (e, block) = self.element(label);
        let o = e["options"]
            .as_array()
            .and_then(|o| {
                o.iter()
                    .find(|x| x["text"]["text"] == option || x["value"] == option)
            })
            .unwrap_or_else(|| panic!("no option '{option}' in {e}"))
            .clone();
        let action = json!({
            "type": "static_select", "action_id": e["action_id"], "block_id": block,
            "selected_option": {"text": o["text"], "value": o["value"]},
            "placeholder": e["placeholder"], "action_ts": "1700000001.000002"
        });
        self.send(action).await
    }

    /// Types `query` in the search box: the options Slack would show.
    pub async fn search(&self, label: &str, query: &str) -> Vec<Value> {
        let (e, block) = self.element(label);
        let payload = json!({
            "type": "block_suggestion",
            "user": user(&self.id),
            "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": CHANNEL, "is_ephemeral": true},
            "api_app_id": "A0APP00001", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "action_id": e["action_id"], "block_id": block, "value": query,
            "team": {"id": TEAM, "domain": "acme"},
            "channel": {"id": CHANNEL, "name": "buying"},
        });
        let (status, body) = self.server.interact("/slack/options", &payload).await;
        assert_eq!(status, 200, "{body}");
        body["options"].as_array().cloned().unwrap_or_default()
    }

    /// Picks `value` in the search box, as Slack sends an external select's choice.
    pub async fn pick(&mut self, label: &str, option: &Value) -> &Value {
        let (e, block) = self.element(label);
        let action = json!({
            "type": "external_select", "action_id": e["action_id"], "block_id": block,
            "selected_option": option, "action_ts": "1700000001.000003"
        });
        self.send(action).await
    }

    /// Submits the open modal with `fields`: the body Slack sends, and what it was answered.
    pub async fn submit(&mut self, fields: &[(&str, &str)]) -> Value {
        let mut view = self.modal.take().expect("a modal is open");
        let mut values = serde_json::Map::new();
        for (k, v) in fields {
            values.insert(
                k.to_string(),
                json!({ *k: {"type": "plain_text_input", "value": v} }),
            );
        }
        view["state"] = json!({"values": values});
        view["id"] = "V0VIEW0001".into();
        view["team_id"] = TEAM.into();
        view["hash"] = "h1".into();
        let payload = json!({
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "acme"},
            "user": user(&self.id),
            "api_app_id": "A0APP00001",
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "trigger_id": "12466734323.1395872398.abc",
            "view": view.clone(),
            "response_urls": [],
            "is_enterprise_install": false,
        });
        let before = self.hook_calls();
        let (status, body) = self.server.interact("/slack/interactions", &payload).await;
        assert_eq!(status, 200, "{body}");
        if body.is_null() {
            self.answered(before).await;
        } else {
            self.modal = Some(view);
        }
        body
    }

    /// All text of the message shown now.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for b in self.blocks.as_array().cloned().unwrap_or_default() {
            if let Some(t) = b["text"]["text"].as_str() {
                out.push_str(t);
                out.push('\n');
            }
            for f in b["fields"].as_array().cloned().unwrap_or_default() {
                out.push_str(f["text"].as_str().unwrap_or_default());
                out.push('\n');
            }
        }
        out
    }

    pub fn title(&self) -> String {
        self.blocks[0]["text"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A field's value, from its `*label*\nvalue` text.
    pub fn field(&self, label: &str) -> String {
        let head = format!("*{label}*\n");
        self.blocks
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|b| b["fields"].as_array().cloned().unwrap_or_default())
            .find_map(|f| {
                f["text"]
                    .as_str()
                    .and_then(|t| t.strip_prefix(&head))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no field {label} in {:#}", self.blocks))
    }
}

/// Acme asks approval for every order with a PO number, and `people` (Slack user id,
/// name) are its approvers.
pub async fn approvers(store: &checkout_bot::store::Store, people: &[(String, String)]) {
    super::approvals::require_po(store, "ORG-ACME").await;
    for (id, name) in people {
        let who = checkout_bot::domain::account::Identity::new("slack", TEAM, id);
        super::approvals::approver(store, "ORG-ACME", &who, name).await;
    }
}

/// `buyer` checks out a module license with PO number PO-4711, paying by wire; the
/// order's number.
pub async fn order_with_po(s: &Server, buyer: &str) -> String {
    let mut p = Player::new(s, buyer);
    p.command("/buy", "modules").await;
    p.choose("Details", "EndPoint Manager").await;
    p.click("Add to cart").await;
    p.click("View cart (1)").await;
    p.click("Checkout").await;
    let options = p.search("Search", "main office").await;
    let main = options
        .iter()
        .find(|o| o["value"] == "104512")
        .unwrap()
        .clone();
    p.pick("Search", &main).await;
    p.click("Yes, use 104512").await;
    p.choose("Payment method", "Wire transfer").await;
    p.click("Yes").await;
    p.click("Enter PO number").await;
    let answer = p.submit(&[("po", "PO-4711")]).await;
    assert!(answer.is_null(), "{answer}");
    p.click("I agree to the terms").await;
    assert!(p.title().contains("Review"), "{}", p.text());
    p.click("Process order").await;
    assert_eq!(p.field("Status"), "awaiting approval", "{}", p.text());
    assert!(
        p.title().ends_with("is waiting for approval"),
        "titled by its state: {}",
        p.title()
    );
    // The requests go out through the outbox, after the answer.
    super::drained(&s.bot.store().clone()).await;
    p.field("Number")
}
