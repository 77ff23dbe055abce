//! Sign-in from chat against real protocol partners that `.ci/run` starts: the OpenID
//! Connect provider `oidc-provider-mock` (`TEST_OIDC_ISSUER`) and the SMTP sink
//! `aiosmtpd` (`TEST_SMTP_URL`, its maildir in `TEST_MAILDIR`). From Discord through
//! signed interactions (the link's message updated through Discord's REST stand-in),
//! from the terminal chat, membership refresh when the claims change, and every refusal
//! of the sign-in pages.

mod common;

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use checkout_bot::domain::account::{Identity, Role};
use checkout_bot::engine::event::Event;
use common::discord::{self as d, Server};
use common::oidc;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// A stand-in for Discord's "edit original response" route: what the bot sends there.
async fn discord_rest() -> (String, mpsc::UnboundedReceiver<(String, Value)>) {
    async fn edit(
        State(tx): State<mpsc::UnboundedSender<(String, Value)>>,
        Path((_app, token)): Path<(String, String)>,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        let _ = tx.send((token, body));
        Json(json!({
            "id": "1600000000000000001", "channel_id": d::CHANNEL_ID, "author": d::user(d::APP_ID, "bot"),
            "content": "", "timestamp": "2026-11-27T10:00:00.000000+00:00", "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": false, "type": 0, "flags": 0, "components": []
        }))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route(
            "/api/v10/webhooks/{app}/{token}/messages/@original",
            axum::routing::patch(edit),
        )
        .with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, rx)
}

fn link_button(response: &Value) -> String {
    d::components(response)
        .into_iter()
        .find_map(|c| c["url"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no link button in {response}"))
}

fn field(response: &Value, name: &str) -> String {
    response["data"]["embeds"][0]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {response}"))
        .to_string()
}

/// Opens the sign-in link and signs in as `sub` at the provider; the callback's page.
async fn sign_in(link: &str, sub: &str) -> (u16, String) {
    let v = oidc::visit(link).await;
    let callback = oidc::authorize_at_mock(&v.authorize, sub).await;
    let (status, page, _) = oidc::get_with(&callback, Some(&v.cookie)).await;
    (status, page)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_users_sign_in_and_their_claims_decide_their_organizations() {
    let Some(issuer) = oidc::mock_issuer("discord sign-in") else {
        return;
    };
    let sub = format!("pat-{:x}", rand::random::<u32>());
    oidc::set_user(
        &issuer,
        &sub,
        json!({"email": "pat@acme.com", "email_verified": true, "name": "Pat Lee",
               "orgs": ["ORG-ACME", "ORG-UNKNOWN"], "role": "approver"}),
    )
    .await;
    let (rest, mut edits) = discord_rest().await;
    let server = Server::start_configured(
        |config, discord| {
            config.identity = oidc::provider(&issuer);
            discord.application_id = Some(d::APP_ID.parse().unwrap());
            discord.api_base = Some(rest);
        },
        |_| {},
    )
    .await;
    let user = d::user("9000000000000000901", "pat");
    // Discord user ids are global: the identity's workspace is the platform.
    let who = Identity::new("discord", "discord", "9000000000000000901");

    let mut buy = d::command(
        &user,
        "buy",
        json!([{"name": "category", "type": 3, "value": "support-credits"}]),
    );
    buy["token"] = json!("signin-message-token");
    let (status, r) = server.post(&buy).await;
    assert_eq!(status, 200);
    assert_eq!(r["data"]["flags"], 64, "private: {r}");
    assert_eq!(
        r["data"]["embeds"][0]["title"],
        "Sign in to checkout-bot store"
    );
    let link = link_button(&r);
    assert!(
        link.starts_with(&format!("{}/signin/", server.url)),
        "{link}"
    );
    assert!(
        server
            .bot
            .store()
            .account_id_for(&who)
            .await
            .unwrap()
            .is_none()
    );

    let (status, page) = sign_in(&link, &sub).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You are signed in as Pat Lee"), "{page}");
    // The message with the link now shows what /buy asked for.
    let (token, edited) = tokio::time::timeout(Duration::from_secs(10), edits.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(token, "signin-message-token");
    assert!(
        edited["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .contains("Support Credits"),
        "{edited}"
    );
    assert!(
        edited["content"]
            .as_str()
            .unwrap()
            .contains("Signed in as Pat Lee")
    );

    let (_, r) = server.post(&d::command(&user, "whoami", json!([]))).await;
    assert_eq!(field(&r, "Account"), "Pat Lee");
    assert_eq!(field(&r, "Organizations"), "Acme Telecom · approver");
    assert!(field(&r, "Linked").contains("company account"));

    // The provider moves Pat to Borealis as a buyer; the next sign-in follows.
    oidc::set_user(
        &issuer,
        &sub,
        json!({"email": "pat@acme.com", "email_verified": true, "name": "Pat Lee",
               "orgs": ["ORG-BOREALIS"], "role": "buyer"}),
    )
    .await;
    let (_, r) = server.post(&d::command(&user, "signout", json!([]))).await;
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Signed out"),
        "{r}"
    );
    assert!(
        server
            .bot
            .store()
            .account_id_for(&who)
            .await
            .unwrap()
            .is_none()
    );
    let (status, page) = sign_in(&link_button(&r), &sub).await;
    assert_eq!(status, 200, "{page}");
    let account = server
        .bot
        .store()
        .account_id_for(&who)
        .await
        .unwrap()
        .unwrap();
    let account = server.bot.store().account(&account).await.unwrap().unwrap();
    let held: Vec<(String, Role)> = account
        .memberships
        .iter()
        .map(|m| (m.org.id.clone(), m.role))
        .collect();
    assert_eq!(held, [("ORG-BOREALIS".to_string(), Role::Buyer)]);
    assert_eq!(account.default_org.as_deref(), Some("ORG-BOREALIS"));

    // /signin once in says who you are.
    let (_, r) = server.post(&d::command(&user, "signin", json!([]))).await;
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("signed in as Pat Lee"),
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_pages_refuse_and_link_nobody() {
    let Some(issuer) = oidc::mock_issuer("sign-in refusals") else {
        return;
    };
    let server = Server::start_configured(
        |config, _| config.identity = oidc::provider(&issuer),
        |_| {},
    )
    .await;
    let store = server.bot.store();
    let who = Identity::new("console", "local", "refused");
    let link = || async {
        let r = server
            .bot
            .respond(&who, "en", Event::from_line("/cart"))
            .await
            .unwrap();
        oidc::link_in(&serde_json::to_string(&r.view).unwrap())
    };
    let page = |url: String, cookie: Option<String>| async move {
        oidc::get_with(&url, cookie.as_deref()).await
    };
    let refused = |(status, body, headers): (u16, String, reqwest::header::HeaderMap)| {
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("Sign-in refused"), "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
    };
    let cb = format!("{}/signin/callback", server.url);

    // A callback with no pending sign-in: no state, an unknown one.
    refused(page(cb.clone(), None).await);
    refused(page(format!("{cb}?code=x&state=forged"), None).await);

    // The right state from another browser (no cookie, or another one's).
    let v = oidc::visit(&link().await).await;
    let callback = oidc::authorize_at_mock(&v.authorize, "refused-person").await;
    refused(page(callback.clone(), None).await);
    refused(
        page(
            callback.clone(),
            Some("checkout_bot_signin=someone-else".into()),
        )
        .await,
    );
    assert!(store.account_id_for(&who).await.unwrap().is_none());

    // Cancelled at the provider.
    let v = oidc::visit(&link().await).await;
    let state = oidc::param(&v.authorize, "state");
    let (status, body, _) = page(
        format!("{cb}?error=access_denied&state={state}"),
        Some(v.cookie.clone()),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("Sign-in cancelled"), "{body}");

    // A person no organization of the store vouches for.
    oidc::set_user(&issuer, "nobody-here", json!({"orgs": ["ORG-ELSEWHERE"]})).await;
    let url = link().await;
    let v = oidc::visit(&url).await;
    let callback = oidc::authorize_at_mock(&v.authorize, "nobody-here").await;
    let (status, body, _) = page(callback, Some(v.cookie.clone())).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("not in an organization"), "{body}");
    assert!(store.account_id_for(&who).await.unwrap().is_none());
    // That link is used now.
    let (status, body, _) = page(url, None).await;
    assert_eq!(status, 410);
    assert!(body.contains("Link already used"), "{body}");

    // A replayed state, after a sign-in that worked.
    oidc::set_user(&issuer, "refused-person", json!({"orgs": ["ORG-ACME"]})).await;
    let v = oidc::visit(&link().await).await;
    let callback = oidc::authorize_at_mock(&v.authorize, "refused-person").await;
    let (status, body, _) = page(callback.clone(), Some(v.cookie.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert!(store.account_id_for(&who).await.unwrap().is_some());
    refused(page(callback, Some(v.cookie)).await);

    // Unknown and expired links.
    let (status, body, _) = page(format!("{}/signin/nosuchlink", server.url), None).await;
    assert_eq!(status, 404);
    assert!(body.contains("Link not found"));
    let late = Identity::new("console", "local", "late");
    store
        .create_signin_link(&checkout_bot::store::signin::NewSigninLink {
            token: "expiredtoken",
            who: &late,
            locale: "de",
            pending: None,
            reply_handle: None,
            valid_ms: -1,
        })
        .await
        .unwrap();
    let (status, body, _) = page(format!("{}/signin/expiredtoken", server.url), None).await;
    assert_eq!(status, 410);
    assert!(
        body.contains("Link abgelaufen"),
        "in the chat's language: {body}"
    );
}
