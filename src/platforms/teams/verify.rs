//! Checks that an inbound activity comes from the Bot Framework, as its documentation
//! asks: a JWT in `Authorization: Bearer`, signed (RS256, RS384 or RS512) by a key the
//! OpenID metadata publishes, issued by `https://api.botframework.com` for our app id,
//! inside its `exp`/`nbf` with 5 minutes of skew, by a key endorsed for the activity's
//! channel (`msteams`), and naming the activity's `serviceUrl`. The keys are fetched
//! through the metadata's `jwks_uri`, kept a day, and fetched again at most hourly when
//! a token names a key we do not know.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;

/// Who issues the Bot Framework's tokens.
pub(crate) const ISSUER: &str = "https://api.botframework.com";
const SKEW_SECS: i64 = 5 * 60;
const KEEP_KEYS_MS: i64 = 24 * 3_600_000;
const REFETCH_ON_UNKNOWN_MS: i64 = 3_600_000;

/// Why an activity is refused: 401, or 403 when the key is not endorsed for its channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
}

fn no(why: impl Into<String>) -> Refused {
    Refused::Unauthorized(why.into())
}

/// What a verified token says that we use.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Claims {
    #[serde(default)]
    pub(crate) serviceurl: Option<String>,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
}

#[derive(Clone)]
struct Key {
    decoding: DecodingKey,
    endorsements: Vec<String>,
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, Key>,
    /// When the keys were fetched (unix ms); 0 never.
    fetched_at: i64,
}

/// The published keys, fetched when needed.
pub(crate) struct Keys {
    metadata_url: String,
    http: reqwest::Client,
    cached: Mutex<Cached>,
}

#[derive(Deserialize)]
struct Metadata {
    jwks_uri: String,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    n: Option<String>,
    e: Option<String>,
    #[serde(default)]
    endorsements: Vec<String>,
}

impl Keys {
    pub(crate) fn new(metadata_url: &str) -> Keys {
        Keys {
            metadata_url: metadata_url.to_string(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            cached: Mutex::new(Cached::default()),
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        what: &str,
    ) -> Result<T, String> {
        self.http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("{what}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{what}: {e}"))
    }

    async fn fetch(&self) -> Result<HashMap<String, Key>, String> {
        let meta: Metadata = self.json(&self.metadata_url, "OpenID metadata").await?;
        let jwks: Jwks = self.json(&meta.jwks_uri, "keys").await?;
        let mut keys = HashMap::new();
        for k in jwks.keys {
            let (Some(kid), Some(n), Some(e), "RSA") = (k.kid, k.n, k.e, k.kty.as_str()) else {
                continue;
            };
            if let Ok(decoding) = DecodingKey::from_rsa_components(&n, &e) {
                keys.insert(
                    kid,
                    Key {
                        decoding,
                        endorsements: k.endorsements,
                    },
                );
            }
        }
        Ok(keys)
    }

    /// The key `kid`: from the keys kept, fetched again once they are a day old, or
    /// when `kid` is unknown and the last fetch is an hour old.
    async fn key(&self, kid: &str, now_ms: i64) -> Result<Key, Refused> {
        let mut cached = self.cached.lock().await;
        let stale = now_ms - cached.fetched_at >= KEEP_KEYS_MS;
        let unknown = !cached.keys.contains_key(kid);
        if stale || (unknown && now_ms - cached.fetched_at >= REFETCH_ON_UNKNOWN_MS) {
            match self.fetch().await {
                Ok(keys) => {
                    cached.keys = keys;
                    cached.fetched_at = now_ms;
                }
                // Keys kept from before still serve; without any, nothing can be checked.
                Err(e) => tracing::warn!(error = %e, "could not fetch the Bot Framework's keys"),
            }
        }
        cached
            .keys
            .get(kid)
            .cloned()
            .ok_or_else(|| no(format!("no published key {kid}")))
    }

    /// Checks `authorization` (the header's value) for an activity of `channel_id`
    /// from `service_url`, addressed to `app_id`, at `now_ms`.
    pub(crate) async fn verify(
        &self,
        authorization: Option<&str>,
        app_id: &str,
        channel_id: &str,
        service_url: &str,
        now_ms: i64,
    ) -> Result<Claims, Refused> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| no("no bearer token"))?;
        let header = jsonwebtoken::decode_header(token).map_err(|e| no(format!("header: {e}")))?;
        if !matches!(
            header.alg,
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512
        ) {
            return Err(no(format!("algorithm {:?}", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| no("no key id"))?;
        let key = self.key(&kid, now_ms).await?;
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[app_id]);
        // Time is checked below against the clock given, with the documented skew.
        v.validate_exp = false;
        v.validate_nbf = false;
        v.required_spec_claims = ["exp", "iss", "aud"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, &v)
            .map_err(|e| no(format!("token: {e}")))?
            .claims;
        let now = now_ms / 1000;
        if claims.exp.is_none_or(|exp| now > exp + SKEW_SECS) {
            return Err(no("expired"));
        }
        if claims.nbf.is_some_and(|nbf| now + SKEW_SECS < nbf) {
            return Err(no("not valid yet"));
        }
        if !key.endorsements.iter().any(|e| e == channel_id) {
            return Err(Refused::Forbidden(format!(
                "key {kid} is not endorsed for {channel_id}"
            )));
        }
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        match &claims.serviceurl {
            Some(claimed) if same(claimed, service_url) => Ok(claims),
            _ => Err(no("the token's serviceurl is not the activity's")),
        }
    }
}
