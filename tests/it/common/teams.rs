//! Stand-ins for what Teams talks to, on 127.0.0.1: the Bot Framework's OpenID metadata
//! and keys (a test RSA key signs activities, as the Bot Framework does), Microsoft's
//! token endpoint, and the connector, which records every call and answers each with a
//! new activity id. Shared by the crate's own Teams tests (`src/platforms/teams/tests.rs`
//! includes this file) and the integration tests.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const APP_ID: &str = "00000000-0000-0000-0000-0000000a11ce";
pub const ISSUER: &str = "https://api.botframework.com";
pub const TEST_KEY: &[u8] = include_bytes!("../../data/teams/test-key.pem");
pub const OTHER_KEY: &[u8] = include_bytes!("../../data/teams/other-key.pem");
const JWKS: &str = include_str!("../../data/teams/jwks.json");

/// A call to the connector: method, path (as sent), authorization, body.
pub type Call = (String, String, String, Value);

/// What the stand-ins saw: calls to the connector, token requests and key fetches.
#[derive(Clone, Default)]
pub struct Seen {
    pub connector: Arc<Mutex<Vec<Call>>>,
    pub tokens: Arc<Mutex<usize>>,
    pub key_fetches: Arc<Mutex<usize>>,
    pub base: String,
}

async fn metadata(State(s): State<Seen>) -> axum::Json<Value> {
    axum::Json(
        json!({"issuer": ISSUER, "jwks_uri": format!("{}/keys", s.base),
        "id_token_signing_alg_values_supported": ["RS256"]}),
    )
}

async fn keys(State(s): State<Seen>) -> axum::Json<Value> {
    *s.key_fetches.lock().unwrap() += 1;
    axum::Json(serde_json::from_str(JWKS).unwrap())
}

async fn token(State(s): State<Seen>, body: String) -> axum::Json<Value> {
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains("client_secret=app-secret"), "{body}");
    assert!(
        body.contains("scope=https%3A%2F%2Fapi.botframework.com%2F.default"),
        "{body}"
    );
    *s.tokens.lock().unwrap() += 1;
    axum::Json(json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "bf-token-1"}))
}

async fn activity(
    State(s): State<Seen>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut log = s.connector.lock().unwrap();
    // The path as sent, percent-encoding and all.
    let rest = uri.path().trim_start_matches("/v3/").to_string();
    let id = if rest == "conversations" {
        // A personal chat opened: named after its member, as Teams keeps one per person.
        format!(
            "a:chat-{}",
            body["members"][0]["id"].as_str().unwrap_or("?")
        )
    } else {
        format!("act-{}", log.len() + 1)
    };
    log.push((method.to_string(), rest, auth, body));
    axum::Json(json!({"id": id}))
}

/// Starts the stand-ins on a port of their own.
pub async fn stand_in() -> Seen {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let seen = Seen {
        base: format!("http://{}", listener.local_addr().unwrap()),
        ..Seen::default()
    };
    let app = axum::Router::new()
        .route("/openid", get(metadata))
        .route("/keys", get(keys))
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/v3/{*rest}", post(activity).put(activity))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    seen
}

impl Seen {
    pub fn calls(&self) -> Vec<Call> {
        self.connector.lock().unwrap().clone()
    }

    /// Waits for `n` calls that `f` picks, up to a generous deadline.
    pub async fn wait_for(&self, n: usize, f: impl Fn(&Call) -> bool) -> Vec<Call> {
        for _ in 0..500 {
            let found: Vec<Call> = self.calls().into_iter().filter(|c| f(c)).collect();
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("fewer than {n} such connector calls: {:#?}", self.calls());
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The claims the Bot Framework signs, for `service_url`.
pub fn claims(service_url: &str) -> Value {
    json!({"iss": ISSUER, "aud": APP_ID, "exp": now() + 3600, "nbf": now() - 60,
           "serviceurl": service_url})
}

pub fn sign(claims: &Value, alg: Algorithm, kid: &str, key: &[u8]) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(key).unwrap()).unwrap()
}

/// The bearer token the Bot Framework sends with an activity from `service_url`.
pub fn bearer(service_url: &str) -> String {
    sign(&claims(service_url), Algorithm::RS256, "test-key", TEST_KEY)
}

/// The card of a connector call's message.
pub fn card_of(call: &Call) -> Value {
    call.3["attachments"][0]["content"].clone()
}

/// The verbs of a card's `Action.Execute`s, wherever they are.
pub fn verbs(card: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if m.get("type").and_then(Value::as_str) == Some("Action.Execute")
                    && let Some(verb) = m.get("verb").and_then(Value::as_str)
                {
                    out.push(verb.to_string());
                }
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    walk(card, &mut out);
    out
}
