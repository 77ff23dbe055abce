//! A stand-in for Discord's side of the interactions endpoint: payloads in Discord's own
//! shape, signed with a test key, posted to our server on 127.0.0.1.

use std::sync::Arc;

use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::http::AppState;
use checkout_bot::metrics::Metrics;
use checkout_bot::platforms::discord::config::DiscordConfig;
use checkout_bot::platforms::discord::http::Endpoint;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use serenity::interactions_endpoint::Verifier;

pub const APP_ID: &str = "1000000000000000001";
pub const GUILD_ID: &str = "1300000000000000001";
pub const CHANNEL_ID: &str = "1400000000000000001";

pub struct Server {
    pub url: String,
    pub key: SigningKey,
    pub client: reqwest::Client,
    pub bot: Arc<Bot>,
    _dir: tempfile::TempDir,
}

pub fn user(id: &str, name: &str) -> Value {
    json!({"id": id, "username": name, "discriminator": "0", "global_name": name, "avatar": null, "public_flags": 0})
}

fn now() -> i64 {
    checkout_bot::store::now_ms() / 1000
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// A server whose state `tune` may change before it starts.
    pub async fn start_with(tune: impl FnOnce(&mut Endpoint)) -> Server {
        Server::start_configured(|_, _| {}, tune).await
    }

    /// A server whose configuration (on a fresh SQLite file unless changed), Discord
    /// settings and endpoint may be changed before it starts.
    pub async fn start_configured(
        configure: impl FnOnce(&mut Config, &mut DiscordConfig),
        tune: impl FnOnce(&mut Endpoint),
    ) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut config = Config {
            database_url: super::sqlite_url(&dir),
            public_url: url.clone(),
            ..Config::default()
        };
        let mut discord = DiscordConfig::default();
        configure(&mut config, &mut discord);
        // As `main` does: Discord's outbound ports, as far as the configuration allows.
        let outbound = checkout_bot::platforms::discord::outbound::register(
            checkout_bot::services::outbound::Outbound::default(),
            &discord,
        )
        .unwrap();
        let bot = Arc::new(Bot::start_with(config, outbound).await.unwrap());
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let verifier = Verifier::try_new(key.verifying_key().to_bytes()).unwrap();
        let metrics = Arc::new(Metrics::new().unwrap());
        let mut endpoint = Endpoint::new(bot.clone(), verifier, metrics.clone());
        tune(&mut endpoint);
        let app = checkout_bot::http::router(
            Arc::new(AppState::new(bot.clone(), metrics)),
            vec![endpoint.router()],
        );
        tokio::spawn(checkout_bot::http::serve(
            app,
            listener,
            std::future::pending(),
        ));
        Server {
            url,
            key,
            client: reqwest::Client::new(),
            bot,
            _dir: dir,
        }
    }

    /// A server in another process at `url`, on `database_url`: requests are signed as
    /// for ours; `bot` opens the same database (sending nothing) for the test to read.
    pub async fn of_process(url: &str, database_url: &str) -> Server {
        let config = Config {
            database_url: database_url.to_string(),
            ..Config::default()
        };
        Server {
            url: url.to_string(),
            key: SigningKey::from_bytes(&[7u8; 32]),
            client: reqwest::Client::new(),
            bot: Arc::new(Bot::start(config).await.unwrap()),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The public key our requests are signed for, as `DISCORD_PUBLIC_KEY` takes it.
    pub fn public_key() -> String {
        hex::encode(
            SigningKey::from_bytes(&[7u8; 32])
                .verifying_key()
                .to_bytes(),
        )
    }

    /// Posts `body` with the headers Discord sends, signed at `timestamp`.
    pub async fn post_signed_at(&self, body: &str, timestamp: i64) -> reqwest::Response {
        let ts = timestamp.to_string();
        let signature = hex::encode(self.key.sign(format!("{ts}{body}").as_bytes()).to_bytes());
        self.client
            .post(format!("{}/discord/interactions", self.url))
            .header("x-signature-ed25519", signature)
            .header("x-signature-timestamp", ts)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, payload: &Value) -> (u16, Value) {
        let res = self.post_signed_at(&payload.to_string(), now()).await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Every byte of the database files (the SQLite file, its WAL and shared memory).
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self._dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("test.db"))
            {
                out.extend(std::fs::read(&path).unwrap());
            }
        }
        out
    }

    /// Puts `who` on the payment step with support credits in the cart: its reply.
    pub async fn reach_payment(
        &self,
        who: &checkout_bot::domain::account::Identity,
    ) -> checkout_bot::engine::view::Reply {
        use checkout_bot::engine::event::Event;
        let bot = &self.bot;
        let press = |reply: &checkout_bot::engine::view::Reply, label: &str| {
            reply
                .view
                .labelled(label)
                .unwrap_or_else(|| panic!("no {label}"))
                .id
                .clone()
        };
        let r = bot
            .respond(who, "en", Event::from_line("/buy support credits"))
            .await
            .unwrap();
        let r = bot
            .respond(
                who,
                "en",
                Event::Choose {
                    action: press(&r, "Details"),
                    values: vec!["p:SUP-CREDIT".into()],
                },
            )
            .await
            .unwrap();
        bot.respond(
            who,
            "en",
            Event::Click {
                action: press(&r, "Add to cart"),
            },
        )
        .await
        .unwrap();
        let r = bot
            .respond(who, "en", Event::from_line("/checkout"))
            .await
            .unwrap();
        let r = bot
            .respond(
                who,
                "en",
                Event::Click {
                    action: press(&r, "Continue"),
                },
            )
            .await
            .unwrap();
        assert_eq!(r.view.step, "payment");
        r
    }

    /// Chooses `value` (`new`, `card:ID`, …) of the payment step's select.
    pub async fn pay_with(
        &self,
        who: &checkout_bot::domain::account::Identity,
        value: &str,
    ) -> checkout_bot::engine::view::Reply {
        use checkout_bot::engine::event::Event;
        let r = self.reach_payment(who).await;
        let action = r
            .view
            .labelled("Payment method")
            .expect("a payment select")
            .id
            .clone();
        self.bot
            .respond(
                who,
                "en",
                Event::Choose {
                    action,
                    values: vec![value.into()],
                },
            )
            .await
            .unwrap()
    }

    /// Puts `who` on the payment step with support credits in the cart, asks for a new
    /// card, and returns the card page's path from the link the chat gave.
    pub async fn card_link_for(&self, who: &checkout_bot::domain::account::Identity) -> String {
        let r = self.pay_with(who, "new").await;
        let text = r.notice.expect("a link").text;
        let at = text.find("/pay/").expect("a link");
        text[at..].trim_end_matches('.').to_string()
    }

    /// From the PO question (after a card was added) to the placed order's reply.
    pub async fn place(
        &self,
        who: &checkout_bot::domain::account::Identity,
    ) -> checkout_bot::engine::view::Reply {
        use checkout_bot::engine::event::Event;
        let bot = &self.bot;
        let mut r = bot.respond(who, "en", Event::Start).await.unwrap();
        for label in ["No", "I agree to the terms", "Process order"] {
            let action = r
                .view
                .labelled(label)
                .unwrap_or_else(|| panic!("no {label} in {:?}", r.view))
                .id
                .clone();
            r = bot
                .respond(who, "en", Event::Click { action })
                .await
                .unwrap();
        }
        r
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

fn base(kind: u8, user: &Value) -> Value {
    json!({
        "id": format!("11{:017}", rand::random::<u32>()),
        "application_id": APP_ID,
        "type": kind,
        "guild_id": GUILD_ID,
        "channel_id": CHANNEL_ID,
        "channel": {"id": CHANNEL_ID, "type": 0, "name": "purchasing"},
        "member": {
            "user": user, "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "deaf": false, "mute": false, "flags": 0, "pending": false, "permissions": "2248473465835073",
            "nick": null, "avatar": null, "premium_since": null, "communication_disabled_until": null
        },
        "token": "interaction-token",
        "version": 1,
        "app_permissions": "2248473465835073",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0,
        "attachment_size_limit": 10485760
    })
}

pub fn ping() -> Value {
    json!({"id": "1100000000000000009", "application_id": APP_ID, "type": 1, "token": "t", "version": 1, "entitlements": [], "attachment_size_limit": 10485760, "locale": "en-US"})
}

pub fn command(user: &Value, name: &str, options: Value) -> Value {
    let mut p = base(2, user);
    p["data"] = json!({"id": "1200000000000000001", "name": name, "type": 1, "options": options});
    p
}

pub fn autocomplete(user: &Value, name: &str, option: &str, value: &str) -> Value {
    let mut p = base(4, user);
    p["data"] = json!({"id": "1200000000000000002", "name": name, "type": 1,
        "options": [{"name": option, "type": 3, "value": value, "focused": true}]});
    p
}

/// The message a component sits on, made for `owner`.
fn message(owner: &Value) -> Value {
    json!({
        "id": "1500000000000000001", "channel_id": CHANNEL_ID, "author": user(APP_ID, "checkout-bot"),
        "content": "", "timestamp": "2026-11-25T10:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 20, "flags": 64, "components": [],
        "application_id": APP_ID,
        "interaction_metadata": {"id": "1100000000000000001", "type": 2, "user": owner,
            "authorizing_integration_owners": {"0": GUILD_ID}, "name": "buy", "command_type": 1}
    })
}

pub fn button(user: &Value, owner: &Value, custom_id: &str) -> Value {
    let mut p = base(3, user);
    p["data"] = json!({"custom_id": custom_id, "component_type": 2});
    p["message"] = message(owner);
    p
}

pub fn select(user: &Value, owner: &Value, custom_id: &str, values: &[&str]) -> Value {
    let mut p = base(3, user);
    p["data"] = json!({"custom_id": custom_id, "component_type": 3, "values": values});
    p["message"] = message(owner);
    p
}

pub fn modal_submit(
    user: &Value,
    owner: &Value,
    custom_id: &str,
    fields: &[(&str, &str)],
) -> Value {
    let mut p = base(5, user);
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, v)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": v}]}))
        .collect();
    p["data"] = json!({"custom_id": custom_id, "components": rows});
    p["message"] = message(owner);
    p
}

/// Every component of a response, flattened: (type, label or placeholder, custom_id, the component).
pub fn components(response: &Value) -> Vec<Value> {
    response["data"]["components"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

/// One Discord user clicking through the bot's messages.
pub struct Player<'a> {
    pub server: &'a Server,
    pub user: Value,
    pub last: Value,
    pub modal: Option<Value>,
}

impl<'a> Player<'a> {
    pub fn new(server: &'a Server, id: &str) -> Self {
        Player {
            server,
            user: user(id, "dana"),
            last: Value::Null,
            modal: None,
        }
    }

    pub async fn send(&mut self, payload: Value) -> &Value {
        let (status, body) = self.server.post(&payload).await;
        assert_eq!(status, 200, "{body}");
        if body["type"] == 9 {
            self.modal = Some(body);
        } else {
            self.last = body;
        }
        &self.last
    }

    pub async fn command(&mut self, name: &str, options: Value) -> &Value {
        self.send(command(&self.user.clone(), name, options)).await
    }

    pub fn component(&self, label: &str) -> Value {
        components(&self.last)
            .into_iter()
            .find(|c| {
                c["label"] == label
                    || c["placeholder"]
                        .as_str()
                        .is_some_and(|p| p.starts_with(label))
            })
            .unwrap_or_else(|| panic!("no component '{label}' in {}", self.last))
    }

    pub async fn click(&mut self, label: &str) -> &Value {
        let id = self.component(label)["custom_id"]
            .as_str()
            .unwrap()
            .to_string();
        let user = self.user.clone();
        self.send(button(&user, &user, &id)).await
    }

    pub async fn choose(&mut self, label: &str, option: &str) -> &Value {
        let c = self.component(label);
        let value = c["options"]
            .as_array()
            .and_then(|o| {
                o.iter()
                    .find(|x| x["label"] == option || x["value"] == option)
            })
            .unwrap_or_else(|| panic!("no option '{option}' in {c}"))["value"]
            .as_str()
            .unwrap()
            .to_string();
        let user = self.user.clone();
        self.send(select(
            &user,
            &user,
            c["custom_id"].as_str().unwrap(),
            &[&value],
        ))
        .await
    }

    pub async fn submit(&mut self, fields: &[(&str, &str)]) -> &Value {
        let modal = self.modal.take().expect("a modal is open");
        let user = self.user.clone();
        self.send(modal_submit(
            &user,
            &user,
            modal["data"]["custom_id"].as_str().unwrap(),
            fields,
        ))
        .await
    }

    pub fn title(&self) -> String {
        self.last["data"]["embeds"][0]["title"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn content(&self) -> String {
        self.last["data"]["content"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn field(&self, name: &str) -> String {
        self.last["data"]["embeds"][0]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["name"] == name))
            .and_then(|x| x["value"].as_str())
            .unwrap_or_else(|| panic!("no field {name} in {}", self.last))
            .to_string()
    }
}
