//! Sign-in helpers: a browser's part of the OpenID Connect flow done with plain HTTP
//! (no redirects followed, the sign-in cookie carried by hand), the local provider
//! `oidc-provider-mock` that `.ci/run` starts (`TEST_OIDC_ISSUER`), and a forging
//! provider of our own that signs whatever ID token a test asks for.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use checkout_bot::signin::config::{OidcSettings, Provider};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "checkout-bot-test";

/// The provider `.ci/run` starts, or `None` (with the reason printed) when it is not
/// running here. In CI a missing provider is a failure, not a skip.
pub fn mock_issuer(test: &str) -> Option<String> {
    match std::env::var("TEST_OIDC_ISSUER") {
        Ok(url) => Some(url.trim_end_matches('/').to_string()),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "TEST_OIDC_ISSUER must be set in CI (.ci/run starts oidc-provider-mock)"
            );
            eprintln!(
                "SKIPPED {test}: TEST_OIDC_ISSUER is not set (pip install oidc-provider-mock; \
                 oidc-provider-mock -p 9400 -n true; TEST_OIDC_ISSUER=http://127.0.0.1:9400)"
            );
            None
        }
    }
}

/// Sign-in through `issuer`, organizations from the `orgs` claim, roles from `role`.
pub fn provider(issuer: &str) -> Provider {
    Provider::Oidc(OidcSettings {
        issuer: issuer.to_string(),
        client_id: CLIENT_ID.into(),
        client_secret: "test-client-secret-not-logged".into(),
        org_claim: Some("orgs".into()),
        role_claim: Some("role".into()),
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
    })
}

/// Sets the claims `oidc-provider-mock` gives `sub`.
pub async fn set_user(issuer: &str, sub: &str, claims: Value) {
    let res = reqwest::Client::new()
        .put(format!("{issuer}/users/{sub}"))
        .json(&claims)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
}

/// An HTTP client that follows no redirects, as the steps of the flow are checked one
/// at a time.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location in {res:?}"))
        .to_string()
}

/// The `checkout_bot_signin=…` pair from a response's Set-Cookie.
pub fn cookie(res: &reqwest::Response) -> String {
    cookie_named(res, "checkout_bot_signin")
}

/// The `{name}=…` pair from a response's Set-Cookie.
fn cookie_named(res: &reqwest::Response, name: &str) -> String {
    let prefix = format!("{name}=");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie in {res:?}"))
        .to_string()
}

/// A query parameter of a URL.
pub fn param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

/// What visiting a sign-in link started: the provider URL and the browser's cookie.
pub struct Visit {
    pub authorize: String,
    pub cookie: String,
}

pub async fn visit(link: &str) -> Visit {
    let page = confirmation(link).await;
    let res = continue_from(link, &page, None).await;
    assert_eq!(res.status(), 303, "{link}: {:?}", res.text().await);
    Visit {
        authorize: location(&res),
        cookie: cookie(&res),
    }
}

/// The confirmation page a sign-in link opens: the page, and the cookie and form token
/// its button needs.
pub struct Confirmation {
    pub html: String,
    pub cookie: String,
    pub token: String,
}

pub async fn confirmation(link: &str) -> Confirmation {
    let res = client().get(link).send().await.unwrap();
    assert_eq!(res.status(), 200, "{link}");
    let cookie = cookie_named(&res, "checkout_bot_signin_confirm");
    let html = res.text().await.unwrap();
    let token = regex::Regex::new(r#"name="confirm" value="([^"]+)""#)
        .unwrap()
        .captures(&html)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no confirm field in {html}"));
    Confirmation {
        html,
        cookie,
        token,
    }
}

/// Presses the page's button, from the browser that has its cookie, with `origin` as
/// the request's Origin if given.
pub async fn continue_from(
    link: &str,
    page: &Confirmation,
    origin: Option<&str>,
) -> reqwest::Response {
    let mut req = client()
        .post(link)
        .header("cookie", &page.cookie)
        .form(&[("confirm", page.token.as_str())]);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    req.send().await.unwrap()
}

/// Signs in as `sub` at `oidc-provider-mock`, as the person would on its form; the
/// callback URL it sends the browser to.
pub async fn authorize_at_mock(authorize: &str, sub: &str) -> String {
    let res = client()
        .post(authorize)
        .form(&[("sub", sub)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    location(&res)
}

/// GETs `url` with `cookie`: the status and the page.
pub async fn get_with(
    url: &str,
    cookie: Option<&str>,
) -> (u16, String, reqwest::header::HeaderMap) {
    let mut req = client().get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, res.text().await.unwrap(), headers)
}

/// The first sign-in link in a reply rendered anywhere (a view's Link action, a
/// Discord button's url, a JSON line).
pub fn link_in(text: &str) -> String {
    let at = text.find("/signin/").expect("a sign-in link");
    let start = text[..at].rfind("http").expect("a sign-in URL");
    text[start..]
        .split(|c: char| c == '"' || c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

/// A provider of our own that signs, with its published ES256 key, whatever ID token
/// the test sets next; or with another key, or none.
#[derive(Clone)]
pub struct Forger {
    pub issuer: String,
    key: Arc<SigningKey>,
    next: Arc<Mutex<Option<String>>>,
}

async fn discovery(State(f): State<Forger>) -> Json<Value> {
    Json(json!({
        "issuer": f.issuer,
        "authorization_endpoint": format!("{}/authorize", f.issuer),
        "token_endpoint": format!("{}/token", f.issuer),
        "jwks_uri": format!("{}/jwks", f.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

async fn jwks(State(f): State<Forger>) -> Json<Value> {
    let point = f.key.verifying_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        panic!("an uncompressed point")
    };
    Json(json!({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig", "alg": "ES256",
        "x": B64.encode(x), "y": B64.encode(y),
    }]}))
}

async fn token(State(f): State<Forger>) -> Json<Value> {
    let id_token = f.next.lock().unwrap().take().unwrap_or_default();
    Json(
        json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}),
    )
}

impl Forger {
    pub async fn start() -> Forger {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let f = Forger {
            issuer,
            key: Arc::new(SigningKey::random(
                &mut p256::elliptic_curve::rand_core::OsRng,
            )),
            next: Arc::new(Mutex::new(None)),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(f.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        f
    }

    /// The claims of a token that should pass, for `nonce`.
    pub fn claims(&self, nonce: &str, sub: &str) -> Value {
        let now = checkout_bot::store::now_ms() / 1000;
        json!({
            "iss": self.issuer, "sub": sub, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
            "nonce": nonce, "email": format!("{sub}@acme.com"), "email_verified": true,
            "name": "Forged Person", "orgs": ["ORG-ACME"], "role": "admin",
        })
    }

    /// `claims` signed with the published key, or with `other` when given.
    pub fn sign(&self, claims: &Value, other: Option<&SigningKey>) -> String {
        let header = B64.encode(json!({"alg": "ES256", "typ": "JWT", "kid": "k1"}).to_string());
        let body = B64.encode(claims.to_string());
        let input = format!("{header}.{body}");
        let key = other.unwrap_or(&self.key);
        let signature: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", B64.encode(signature.to_bytes()))
    }

    /// `claims` with `alg: none` and no signature.
    pub fn unsigned(claims: &Value) -> String {
        let header = B64.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
        format!("{header}.{}.", B64.encode(claims.to_string()))
    }

    /// The token endpoint's next answer.
    pub fn answer_next(&self, id_token: String) {
        *self.next.lock().unwrap() = Some(id_token);
    }
}
