//! A local stand-in of Discord's REST API for the tests: it records what the bot sent
//! (messages, edits, threads, interaction follow-ups, with their files) and can be made
//! to fail, refuse or hang.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::discord as d;
use axum::extract::{Path, State};
use axum::routing::{patch, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// What the bot sent to Discord's REST API: (route, channel, body). Like Discord, a
/// post whose nonce was seen before with `enforce_nonce` is that same message. Calls
/// may be made to fail first (`faults`), to a channel that is gone, or to hang.
#[derive(Clone, Default)]
pub struct Rest {
    pub base: String,
    pub log: Arc<Mutex<Vec<(String, String, Value)>>>,
    pub next_id: Arc<AtomicU64>,
    pub faults: Arc<Mutex<std::collections::VecDeque<Fault>>>,
    pub gone: Arc<Mutex<Vec<String>>>,
    pub nonces: Arc<Mutex<std::collections::HashMap<String, Value>>>,
    /// Every call after this is taken (a post: created) and never answered.
    pub hang: Arc<std::sync::atomic::AtomicBool>,
    /// Calls answered with a fault, gone or not.
    pub refused: Arc<AtomicU64>,
    /// Files that came with messages and follow-ups.
    pub files: Arc<Mutex<Vec<Sent>>>,
}

/// A file the bot sent: with which call (`post` or `followup`), where (a channel, or
/// the interaction token of a follow-up) and under what name.
#[derive(Debug, Clone)]
pub struct Sent {
    pub route: String,
    pub to: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A message call's body, JSON or multipart (`payload_json` and `files[n]`), as Discord
/// takes both; the files as (name, bytes).
async fn body_of(req: axum::extract::Request) -> Result<(Value, Vec<(String, Vec<u8>)>), Reply> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if !multipart {
        let Json(body) = Json::<Value>::from_request(req, &()).await.map_err(|_| {
            answer(
                400,
                json!({"message": "400: Bad Request", "code": 50109}),
                &[],
            )
        })?;
        return Ok((body, Vec::new()));
    }
    let mut form = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|_| answer(400, json!({"message": "bad multipart", "code": 50035}), &[]))?;
    let (mut body, mut files) = (json!({}), Vec::new());
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let file = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.unwrap_or_default().to_vec();
        if name == "payload_json" {
            body = serde_json::from_slice(&bytes).unwrap_or(json!({}));
        } else if name.starts_with("files[") {
            files.push((file.unwrap_or(name), bytes));
        }
    }
    Ok((body, files))
}

/// How the stand-in answers the next message call.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// 429 with a retry time, as Discord sends it (header and body).
    TooMany(f64),
    /// 503, nothing done.
    Unavailable,
    /// The message is created, and then the answer is a 503: only the nonce keeps the
    /// next try from posting it twice.
    LostAnswer,
}

type Reply = axum::response::Response;

fn answer(status: u16, body: Value, headers: &[(&str, String)]) -> Reply {
    let mut r = axum::response::IntoResponse::into_response(Json(body));
    *r.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
    for (k, v) in headers {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    r
}

impl Rest {
    /// The answer to a call to `channel`, if it is not to be handled normally; and
    /// whether a `LostAnswer` fault is due.
    fn refuse(&self, channel: &str) -> (Option<Reply>, bool) {
        if self.gone.lock().unwrap().iter().any(|c| c == channel) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            let body = json!({"message": "Unknown Channel", "code": 10003});
            return (Some(answer(404, body, &[])), false);
        }
        let fault = self.faults.lock().unwrap().pop_front();
        if fault.is_some() {
            self.refused.fetch_add(1, Ordering::SeqCst);
        }
        match fault {
            Some(Fault::TooMany(after)) => {
                let body = json!({"message": "You are being rate limited.", "retry_after": after, "global": false});
                let headers = [
                    ("retry-after", format!("{after}")),
                    ("x-ratelimit-reset-after", format!("{after}")),
                    ("x-ratelimit-limit", "5".into()),
                    ("x-ratelimit-remaining", "0".into()),
                ];
                (Some(answer(429, body, &headers)), false)
            }
            Some(Fault::Unavailable) => (
                Some(answer(
                    503,
                    json!({"message": "upstream unavailable", "code": 0}),
                    &[],
                )),
                false,
            ),
            Some(Fault::LostAnswer) => (None, true),
            None => (None, false),
        }
    }

    async fn hang_if_asked(&self) {
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
    }
}

fn message(id: &str, channel: &str, body: &Value) -> Value {
    let list = |v: &Value| if v.is_array() { v.clone() } else { json!([]) };
    json!({
        "id": id, "channel_id": channel, "author": d::user(d::APP_ID, "checkout-bot"),
        "content": body["content"].as_str().unwrap_or(""), "timestamp": "2026-11-25T10:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": list(&body["embeds"]), "pinned": false,
        "type": 0, "flags": 0, "components": list(&body["components"])
    })
}

async fn create_message(
    State(r): State<Rest>,
    Path(channel): Path<String>,
    req: axum::extract::Request,
) -> Reply {
    let (body, files) = match body_of(req).await {
        Ok(b) => b,
        Err(bad) => return bad,
    };
    let (refused, lose_answer) = r.refuse(&channel);
    if let Some(refused) = refused {
        return refused;
    }
    let nonce = body["nonce"].as_str().map(str::to_string);
    if body["enforce_nonce"] == json!(true)
        && let Some(seen) = nonce
            .as_ref()
            .and_then(|n| r.nonces.lock().unwrap().get(n).cloned())
    {
        return answer(200, seen, &[]);
    }
    let id = format!("15{:017}", r.next_id.fetch_add(1, Ordering::SeqCst));
    r.keep_files("post", &channel, files);
    r.log
        .lock()
        .unwrap()
        .push(("post".into(), channel.clone(), body.clone()));
    let mut m = message(&id, &channel, &body);
    m["id"] = json!(id);
    if let Some(n) = nonce {
        r.nonces.lock().unwrap().insert(n, m.clone());
    }
    r.hang_if_asked().await;
    if lose_answer {
        return answer(
            503,
            json!({"message": "upstream unavailable", "code": 0}),
            &[],
        );
    }
    answer(200, m, &[])
}

async fn edit_message(
    State(r): State<Rest>,
    Path((channel, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Reply {
    let (refused, lose_answer) = r.refuse(&channel);
    if let Some(refused) = refused {
        return refused;
    }
    r.log
        .lock()
        .unwrap()
        .push((format!("edit {id}"), channel.clone(), body.clone()));
    r.hang_if_asked().await;
    if lose_answer {
        return answer(
            503,
            json!({"message": "upstream unavailable", "code": 0}),
            &[],
        );
    }
    answer(200, message(&id, &channel, &body), &[])
}

/// A thread started from a message: like Discord, it has the message's id, and starting
/// it again is refused with code 160004.
async fn start_thread(
    State(r): State<Rest>,
    Path((channel, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Reply {
    let route = format!("thread {id}");
    let again = r.log().iter().any(|(x, _, _)| *x == route);
    r.log
        .lock()
        .unwrap()
        .push((route, channel.clone(), body.clone()));
    if again {
        let body = json!({"message": "A thread has already been created for this message", "code": 160004});
        return answer(400, body, &[]);
    }
    let thread = json!({
        "id": id, "type": 11, "guild_id": d::GUILD_ID, "parent_id": channel,
        "name": body["name"], "owner_id": d::APP_ID, "flags": 0, "nsfw": false,
        "permission_overwrites": [], "position": 0, "rate_limit_per_user": 0,
        "message_count": 0, "member_count": 1, "last_message_id": null,
        "thread_metadata": {"archived": false, "auto_archive_duration": 1440,
            "archive_timestamp": "2026-11-25T10:00:00.000000+00:00", "locked": false}
    });
    answer(201, thread, &[])
}

/// An interaction's follow-up message (`POST /webhooks/{application}/{token}`).
async fn follow_up(
    State(r): State<Rest>,
    Path((_app, token)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Reply {
    let (body, files) = match body_of(req).await {
        Ok(b) => b,
        Err(bad) => return bad,
    };
    let id = format!("15{:017}", r.next_id.fetch_add(1, Ordering::SeqCst));
    r.keep_files("followup", &token, files);
    r.log
        .lock()
        .unwrap()
        .push(("followup".into(), token.clone(), body.clone()));
    answer(200, message(&id, d::CHANNEL_ID, &body), &[])
}

/// A DM channel's id is the recipient's user id, which keeps the log easy to read.
async fn open_dm(Json(body): Json<Value>) -> Json<Value> {
    let user = body["recipient_id"].as_str().unwrap_or("0").to_string();
    Json(
        json!({"id": user, "type": 1, "last_message_id": null, "recipients": [d::user(&user, "someone")]}),
    )
}

impl Rest {
    /// A stand-in whose message ids count from `first_id`: Discord's ids are unique, so
    /// two stand-ins behind one database must not hand out the same ones.
    pub async fn start(first_id: u64) -> Rest {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rest = Rest {
            base: format!("http://{}", listener.local_addr().unwrap()),
            next_id: Arc::new(AtomicU64::new(first_id)),
            ..Rest::default()
        };
        let app = Router::new()
            .route("/api/v10/channels/{channel}/messages", post(create_message))
            .route(
                "/api/v10/channels/{channel}/messages/{id}",
                patch(edit_message),
            )
            .route("/api/v10/users/@me/channels", post(open_dm))
            .route("/api/v10/webhooks/{app}/{token}", post(follow_up))
            .route(
                "/api/v10/channels/{channel}/messages/{id}/threads",
                post(start_thread),
            )
            .with_state(rest.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        rest
    }

    fn keep_files(&self, route: &str, to: &str, files: Vec<(String, Vec<u8>)>) {
        self.files
            .lock()
            .unwrap()
            .extend(files.into_iter().map(|(name, bytes)| Sent {
                route: route.to_string(),
                to: to.to_string(),
                name,
                bytes,
            }));
    }

    /// The files sent so far.
    pub fn files(&self) -> Vec<Sent> {
        self.files.lock().unwrap().clone()
    }

    pub fn log(&self) -> Vec<(String, String, Value)> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until `count` entries match, then returns them.
    pub async fn wait_for(
        &self,
        count: usize,
        what: impl Fn(&(String, String, Value)) -> bool,
    ) -> Vec<(String, String, Value)> {
        for _ in 0..200 {
            let found: Vec<_> = self.log().into_iter().filter(|e| what(e)).collect();
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "fewer than {count} matching REST calls in {:#?}",
            self.log()
        );
    }

    /// The id of the first message posted to `who`: the stand-in numbers messages in
    /// the order they were posted.
    pub fn message_of(&self, who: &str) -> String {
        let all = self.log();
        let i = all
            .iter()
            .position(|(r, c, _)| r == "post" && c == who)
            .unwrap();
        let posts_before = all[..i].iter().filter(|(r, _, _)| r == "post").count();
        format!("15{posts_before:017}")
    }

    /// Request messages posted so far: (channel, message id, body).
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.log()
            .into_iter()
            .filter(|(route, _, body)| {
                route == "post"
                    && body["embeds"][0]["title"].as_str().is_some_and(|t| {
                        t.contains("needs approval") || t.contains("Approval needed")
                    })
            })
            .map(|(_, channel, body)| (channel, body))
            .collect()
    }
}
