//! The Bot Framework connector: replies and updates of activities in a conversation,
//! at the service URL the conversation's activities came from. Its bearer token is
//! obtained by client credentials and kept until shortly before it expires, and it is
//! sent only to service URLs learned from activities whose token was verified, so a
//! forged or stale address never receives it.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use super::directory::Directory;
use crate::services::notifier::NotifyError;

/// What the token is for.
const SCOPE: &str = "https://api.botframework.com/.default";
/// A token is fetched again this long before it expires.
const RENEW_BEFORE_MS: i64 = 5 * 60_000;

/// `text` as one URL path component: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`
/// percent-encoded, as JavaScript's `encodeURIComponent` does.
fn component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Deserialize)]
struct Issued {
    access_token: String,
    expires_in: i64,
}

/// The app's credentials and its current token.
pub(crate) struct Tokens {
    url: String,
    app_id: String,
    password: String,
    current: Mutex<Option<(String, i64)>>,
}

impl Tokens {
    pub(crate) fn new(url: &str, app_id: &str, password: &str) -> Tokens {
        Tokens {
            url: url.to_string(),
            app_id: app_id.to_string(),
            password: password.to_string(),
            current: Mutex::new(None),
        }
    }

    async fn token(&self, http: &reqwest::Client, now_ms: i64) -> Result<String, NotifyError> {
        let mut current = self.current.lock().await;
        if let Some((token, expires)) = current.as_ref()
            && now_ms < expires - RENEW_BEFORE_MS
        {
            return Ok(token.clone());
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.app_id.as_str()),
            ("client_secret", self.password.as_str()),
            ("scope", SCOPE),
        ];
        let res = http
            .post(&self.url)
            .form(&form)
            .send()
            .await
            .map_err(|e| NotifyError::Platform(Box::new(e)))?;
        if !res.status().is_success() {
            // A wrong secret is an operator's to fix: worth trying again later.
            return Err(NotifyError::Platform(
                format!("the token endpoint answered {}", res.status()).into(),
            ));
        }
        let issued: Issued = res
            .json()
            .await
            .map_err(|e| NotifyError::Platform(Box::new(e)))?;
        let expires = now_ms + issued.expires_in.max(0) * 1000;
        *current = Some((issued.access_token.clone(), expires));
        Ok(issued.access_token)
    }
}

/// Sends activities through the connector.
pub(crate) struct Connector {
    http: reqwest::Client,
    tokens: Tokens,
    pub(crate) directory: Arc<Directory>,
}

#[derive(Deserialize)]
struct Created {
    #[serde(default)]
    id: Option<String>,
}

impl Connector {
    pub(crate) fn new(tokens: Tokens, directory: Arc<Directory>) -> Connector {
        Connector {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            tokens,
            directory,
        }
    }

    /// `{service_url}/v3/conversations/{conversation}/activities[/{activity}]`, with the
    /// ids encoded as the Bot Framework's own clients encode them (`encodeURIComponent`):
    /// a channel thread's id carries `;messageid=…`, which must stay part of the id.
    async fn address(
        &self,
        service_url: &str,
        conversation: Option<&str>,
        activity: Option<&str>,
    ) -> Result<url::Url, NotifyError> {
        if !self.directory.allows(service_url).await {
            return Err(NotifyError::BadAddress(format!(
                "{service_url} (no verified activity came from it)"
            )));
        }
        let mut text = format!("{}/v3/conversations", service_url.trim_end_matches('/'));
        if let Some(c) = conversation {
            text.push('/');
            text.push_str(&component(c));
            text.push_str("/activities");
        }
        if let Some(a) = activity {
            text.push('/');
            text.push_str(&component(a));
        }
        url::Url::parse(&text).map_err(|_| NotifyError::BadAddress(service_url.to_string()))
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: url::Url,
        activity: &Value,
    ) -> Result<Option<String>, NotifyError> {
        let token = self
            .tokens
            .token(&self.http, crate::store::now_ms())
            .await?;
        let res = self
            .http
            .request(method, url)
            .bearer_auth(token)
            .json(activity)
            .send()
            .await
            .map_err(|e| NotifyError::Platform(Box::new(e)))?;
        let status = res.status();
        if status.as_u16() == 429 {
            let after = res
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .map(std::time::Duration::from_secs);
            return Err(NotifyError::RateLimited(after));
        }
        if status.is_client_error() && status.as_u16() != 408 {
            return Err(NotifyError::Refused(format!(
                "the connector answered {status}"
            )));
        }
        if !status.is_success() {
            return Err(NotifyError::Platform(
                format!("the connector answered {status}").into(),
            ));
        }
        Ok(res.json::<Created>().await.ok().and_then(|c| c.id))
    }

    /// Sends `activity` to `conversation`, in reply to `reply_to` where given; the new
    /// activity's id.
    pub(crate) async fn send(
        &self,
        service_url: &str,
        conversation: &str,
        reply_to: Option<&str>,
        activity: &Value,
    ) -> Result<Option<String>, NotifyError> {
        let url = self
            .address(service_url, Some(conversation), reply_to)
            .await?;
        self.call(reqwest::Method::POST, url, activity).await
    }

    /// Replaces activity `id` of `conversation` with `activity` (a card drawn again).
    pub(crate) async fn update(
        &self,
        service_url: &str,
        conversation: &str,
        id: &str,
        activity: &Value,
    ) -> Result<(), NotifyError> {
        let url = self
            .address(service_url, Some(conversation), Some(id))
            .await?;
        let mut activity = activity.clone();
        activity["id"] = Value::String(id.to_string());
        self.call(reqwest::Method::PUT, url, &activity).await?;
        Ok(())
    }

    /// Opens (or finds again: Teams answers the same id) the personal chat of the bot
    /// with `member` (a Teams user id or an Entra object id) in `tenant`; its id.
    pub(crate) async fn open_chat(
        &self,
        service_url: &str,
        tenant: &str,
        member: &str,
    ) -> Result<String, NotifyError> {
        let url = self.address(service_url, None, None).await?;
        let body = serde_json::json!({
            "bot": {"id": format!("28:{}", self.tokens.app_id)},
            "members": [{"id": member}],
            "isGroup": false,
            "tenantId": tenant,
            "channelData": {"tenant": {"id": tenant}},
        });
        self.call(reqwest::Method::POST, url, &body)
            .await?
            .ok_or_else(|| NotifyError::Platform("the connector named no conversation".into()))
    }
}
