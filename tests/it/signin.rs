//! Sign-in from chat against real protocol partners that `.ci/run` starts: the OpenID
//! Connect provider `oidc-provider-mock` (`TEST_OIDC_ISSUER`) and the SMTP sink
//! `aiosmtpd` (`TEST_SMTP_URL`, its maildir in `TEST_MAILDIR`). From Discord through
//! signed interactions (the link's message updated through Discord's REST stand-in),
//! from the terminal chat, membership refresh when the claims change, and every refusal
//! of the sign-in pages.

use std::time::Duration;

use crate::common::discord::{self as d, Server};
use crate::common::oidc;
use axum::Json;
use axum::extract::{Path, State};
use checkout_bot::domain::account::{Identity, Role};
use checkout_bot::engine::event::Event;
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
            config.signin = oidc::provider(&issuer);
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
    assert!(
        page.contains("linked to the Discord account “pat” (user id 9000000000000000901)"),
        "the page names the chat account too: {page}"
    );
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
    let server =
        Server::start_configured(|config, _| config.signin = oidc::provider(&issuer), |_| {}).await;
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

    // A link opened by someone else, in another browser: the page names the chat
    // account it links and calls no provider; only its own form, posted from the
    // browser that opened it, goes on.
    let named = Identity::new("console", "local", "asker").named(Some("Mallory Asker"));
    let r = server
        .bot
        .respond(&named, "en", Event::from_line("/cart"))
        .await
        .unwrap();
    let url = oidc::link_in(&serde_json::to_string(&r.view).unwrap());
    let shown = oidc::confirmation(&url).await;
    assert!(
        shown
            .html
            .contains("Console account “Mallory Asker” (user id asker)")
            && shown
                .html
                .contains("Continue only if you asked for this link yourself"),
        "{}",
        shown.html
    );
    assert!(
        !shown.html.contains(&issuer),
        "showing the page asks no provider: {}",
        shown.html
    );
    let forbidden = |res: reqwest::Response| async move {
        assert_eq!(res.status(), 403);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body = res.text().await.unwrap();
        assert!(body.contains("nothing was linked"), "{body}");
    };
    // Another site's form posts without the page's Strict cookie, or from its origin.
    forbidden(
        oidc::client()
            .post(&url)
            .form(&[("confirm", shown.token.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    forbidden(
        oidc::client()
            .post(&url)
            .header("cookie", "checkout_bot_signin_confirm=forged")
            .form(&[("confirm", "forged-too")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    forbidden(oidc::continue_from(&url, &shown, Some("https://evil.example")).await).await;
    let asker_link = store
        .signin_link(url.rsplit('/').next().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(asker_link.nonce.is_none(), "no sign-in was started");
    let same_origin = url::Url::parse(&server.url)
        .unwrap()
        .origin()
        .ascii_serialization();
    let started = oidc::continue_from(&url, &shown, Some(&same_origin)).await;
    assert_eq!(started.status(), 303);
    assert!(oidc::location(&started).starts_with(&issuer));

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

/// The newest message in the SMTP sink's maildir addressed to `to`, waiting for it.
fn mail_to(maildir: &str, to: &str, after: std::time::SystemTime) -> String {
    for _ in 0..100 {
        let mut found: Vec<(std::time::SystemTime, String)> =
            std::fs::read_dir(format!("{maildir}/new"))
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let modified = e.metadata().ok()?.modified().ok()?;
                    let text = std::fs::read_to_string(e.path()).ok()?;
                    (modified >= after && text.contains(&format!("To: {to}")))
                        .then_some((modified, text))
                })
                .collect();
        found.sort();
        if let Some((_, text)) = found.pop() {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no mail to {to} in {maildir}");
}

fn code_in(mail: &str) -> String {
    let at = mail.find("code is ").expect("a code") + 8;
    mail[at..at + 6].to_string()
}

/// The SMTP sink `.ci/run` starts and its maildir, or `None` (with the reason printed).
fn smtp_sink(test: &str) -> Option<(String, String)> {
    if let (Ok(smtp), Ok(maildir)) = (
        std::env::var("TEST_SMTP_URL"),
        std::env::var("TEST_MAILDIR"),
    ) {
        return Some((smtp, maildir));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "TEST_SMTP_URL and TEST_MAILDIR must be set in CI (.ci/run starts aiosmtpd)"
    );
    eprintln!(
        "SKIPPED {test}: TEST_SMTP_URL and TEST_MAILDIR are not set \
         (python -m aiosmtpd -n -l 127.0.0.1:8025 -c aiosmtpd.handlers.Mailbox DIR)"
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_users_enter_the_emailed_code_in_a_modal() {
    let Some((smtp, maildir)) = smtp_sink("discord email sign-in") else {
        return;
    };
    let server = Server::start_configured(
        |config, _| {
            config.signin = checkout_bot::signin::config::Provider::Email(
                checkout_bot::signin::config::EmailSettings {
                    smtp_url: smtp.clone(),
                    mail_from: "store@example.com".into(),
                },
            );
        },
        |_| {},
    )
    .await;
    server
        .bot
        .store()
        .set_org_domain("borealis.example", "ORG-BOREALIS")
        .await
        .unwrap();
    let address = format!("d{:x}@borealis.example", rand::random::<u32>());
    let mut p = d::Player::new(&server, "9000000000000000902");
    p.command("cart", json!([])).await;
    assert_eq!(p.title(), "Sign in to checkout-bot store");
    // The address through the form, as the button offers it.
    p.click("Sign in with email").await;
    let before = std::time::SystemTime::now() - Duration::from_secs(1);
    p.submit(&[("email", &address)]).await;
    let said = p.last["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or("");
    assert!(said.contains(&address), "{}", p.last);
    let code = code_in(&mail_to(&maildir, &address, before));
    p.click("Enter the code").await;
    let modal = p.modal.clone().expect("the code is asked for in a modal");
    assert_eq!(modal["data"]["title"], "Your sign-in code");
    p.submit(&[("code", "000000")]).await;
    if code != "000000" {
        assert!(p.content().contains("Attempts left: 4"), "{}", p.last);
        p.click("Enter the code").await;
        p.submit(&[("code", &code)]).await;
    }
    assert!(
        p.content().contains(&format!("Signed in as {address}")),
        "{}",
        p.last
    );
    assert_eq!(p.title(), "Your cart", "the /cart refused before runs now");
    p.command("whoami", json!([])).await;
    assert_eq!(p.field("Organizations"), "Borealis Health · buyer");
}

#[test]
fn the_terminal_chat_signs_in_with_an_emailed_code() {
    let Some((smtp, maildir)) = smtp_sink("terminal email sign-in") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    cli(&["migrate"]);
    // Demo data first (the catalog and organizations), then sign-in takes over.
    drop(crate::common::chat::Chat::start(&url, "seed", &[]));
    cli(&["orgs", "set-domain", "ORG-ACME", "acme.com"]);
    let log = dir.path().join("chat.log");
    let user = format!("u{:x}", rand::random::<u32>());
    let address = format!("{user}@acme.com");
    let env = [
        ("DEMO_MODE", "false"),
        ("IDENTITY_PROVIDER", "email"),
        ("SMTP_URL", smtp.as_str()),
        ("MAIL_FROM", "Store <no-reply@store.example.com>"),
        ("RUST_LOG", "checkout_bot=debug"),
    ];
    let mut chat = crate::common::chat::Chat::start_logging_to(&url, &user, &env, Some(&log));
    assert_eq!(chat.step(), "signin");
    chat.send("/cart");
    assert_eq!(chat.step(), "signin");
    chat.send("/signin someone@unknown-customer.org");
    assert_eq!(chat.notice_kind(), "error");
    assert!(
        chat.notice().contains("unknown-customer.org"),
        "{}",
        chat.notice()
    );

    let before = std::time::SystemTime::now() - Duration::from_secs(1);
    chat.send(&format!("/signin {address}"));
    assert!(
        chat.last["view"]["body"]
            .as_str()
            .unwrap()
            .contains(&address),
        "{}",
        chat.last
    );
    let mail = mail_to(&maildir, &address, before);
    assert!(
        mail.contains("From: Store <no-reply@store.example.com>"),
        "{mail}"
    );
    assert!(mail.contains("sign-in code"), "{mail}");
    let code = code_in(&mail);
    let wrong = if code == "999999" { "000000" } else { "999999" };
    chat.send(wrong);
    assert!(
        chat.notice().contains("Attempts left: 4"),
        "{}",
        chat.notice()
    );
    // The code form, as a client would fill it.
    chat.submit("Enter the code", json!({"code": code}));
    assert_eq!(chat.notice_kind(), "success", "{}", chat.notice());
    assert_eq!(chat.notice(), format!("Signed in as {address}."));
    assert_eq!(chat.step(), "cart", "the /cart refused before runs now");
    chat.send("/whoami");
    assert_eq!(chat.field("Organizations"), "Acme Telecom · buyer");
    assert!(chat.field("Linked").contains("code sent to your email"));
    chat.send("/buy support credits");
    assert_eq!(chat.step(), "store");
    drop(chat);

    // Neither the code nor the SMTP URL is in the log, nor the code in the database
    // (as a number of its own: timestamps hold digit runs of every kind).
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("a sign-in code was mailed"), "{logged}");
    assert!(
        !alone(logged.as_bytes(), &code) && !logged.contains(&smtp),
        "{logged}"
    );
    let mut stored = Vec::new();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().contains("test.db") {
            stored.extend(std::fs::read(p).unwrap());
        }
    }
    assert!(!alone(&stored, &code), "the code is in the database");
}

/// Whether `code` occurs in `hay` with no digit right before or after it.
fn alone(hay: &[u8], code: &str) -> bool {
    let n = code.len();
    (0..hay.len().saturating_sub(n - 1)).any(|i| {
        &hay[i..i + n] == code.as_bytes()
            && (i == 0 || !hay[i - 1].is_ascii_digit())
            && hay.get(i + n).is_none_or(|b| !b.is_ascii_digit())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_users_sign_in_and_the_message_moves_on() {
    let Some(issuer) = oidc::mock_issuer("slack sign-in") else {
        return;
    };
    let sub = format!("sam-{:x}", rand::random::<u32>());
    oidc::set_user(
        &issuer,
        &sub,
        json!({"name": "Sam Okafor", "orgs": ["ORG-COBALT"], "role": "admin"}),
    )
    .await;
    let server = crate::common::slack::Server::start_configured(
        |config| config.signin = oidc::provider(&issuer),
        |o| o,
    )
    .await;
    let mut p = crate::common::slack::Player::new(&server, "U0SAM00001");
    p.command("/orders", "").await;
    assert_eq!(p.title(), "Sign in to checkout-bot store");
    let (button, _) = p.element("Sign in");
    let link = button["url"].as_str().expect("a link button").to_string();
    let hook = p.hook.clone();
    let (status, page) = sign_in(&link, &sub).await;
    assert_eq!(status, 200, "{page}");
    // The message with the link shows the orders /orders asked for.
    let calls = server
        .slack
        .wait_for(1, |c| c.method == "hook" && c.hook == hook)
        .await;
    let updated = &calls.last().unwrap().body;
    assert_eq!(updated["replace_original"], true, "{updated}");
    assert!(
        updated.to_string().contains("Signed in as Sam Okafor"),
        "{updated}"
    );
    assert!(updated.to_string().contains("Your orders"), "{updated}");
    p.command("/whoami", "").await;
    assert_eq!(p.field("Organizations"), "Cobalt Logistics · admin");
}

/// `serve` as an operator runs it, with every log level on: after a sign-in its log holds
/// neither the client secret (plain or as HTTP Basic), nor the link token, the state, the
/// code or the ID token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_of_a_sign_in_holds_no_secret() {
    let Some(issuer) = oidc::mock_issuer("sign-in log") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log = dir.path().join("serve.log");
    let secret = "a-client-secret-to-look-for";
    let serve = std::process::Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", &base)
        .env("IDENTITY_PROVIDER", "oidc")
        .env("OIDC_ISSUER", &issuer)
        .env("OIDC_CLIENT_ID", oidc::CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", secret)
        .env("OIDC_ORG_CLAIM", "orgs")
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let _serve = crate::common::Killed(serve);
    assert!(crate::common::ready(&base).await, "serve did not start");
    let sub = format!("logged-{:x}", rand::random::<u32>());
    oidc::set_user(&issuer, &sub, json!({"name": "Lou", "orgs": ["ORG-ACME"]})).await;
    // The link as the terminal chat shows it, on the same database.
    let mut chat = crate::common::chat::Chat::start(
        &url,
        "lou",
        &[
            ("IDENTITY_PROVIDER", "oidc"),
            ("OIDC_ISSUER", issuer.as_str()),
            ("OIDC_CLIENT_ID", oidc::CLIENT_ID),
            ("OIDC_CLIENT_SECRET", secret),
            ("PUBLIC_URL", base.as_str()),
        ],
    );
    chat.send("/buy");
    let link = oidc::link_in(&chat.last.to_string());
    let v = oidc::visit(&link).await;
    let callback = oidc::authorize_at_mock(&v.authorize, &sub).await;
    let (status, page, _) = oidc::get_with(&callback, Some(&v.cookie)).await;
    assert_eq!(status, 200, "{page}");
    chat.send("/whoami");
    assert_eq!(chat.field("Account"), "Lou");
    drop(chat);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("signed in"), "{logged}");
    use base64::Engine;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", oidc::CLIENT_ID));
    for (what, value) in [
        ("the client secret", secret.to_string()),
        ("the client secret as HTTP Basic", basic),
        (
            "the link token",
            link.rsplit('/').next().unwrap().to_string(),
        ),
        ("the state", oidc::param(&callback, "state")),
        ("the code", oidc::param(&callback, "code")),
        (
            "the browser cookie",
            v.cookie.split('=').nth(1).unwrap().to_string(),
        ),
        ("an ID token", "eyJ".to_string()),
    ] {
        assert!(!logged.contains(&value), "{what} is in the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_users_enter_the_emailed_code_in_a_modal() {
    let Some((smtp, maildir)) = smtp_sink("slack email sign-in") else {
        return;
    };
    let server = crate::common::slack::Server::start_configured(
        |config| {
            config.signin = checkout_bot::signin::config::Provider::Email(
                checkout_bot::signin::config::EmailSettings {
                    smtp_url: smtp.clone(),
                    mail_from: "store@example.com".into(),
                },
            );
        },
        |o| o,
    )
    .await;
    server
        .bot
        .store()
        .set_org_domain("cobalt.example", "ORG-COBALT")
        .await
        .unwrap();
    let address = format!("s{:x}@cobalt.example", rand::random::<u32>());
    let mut p = crate::common::slack::Player::new(&server, "U0CODE0001");
    let before = std::time::SystemTime::now() - Duration::from_secs(1);
    p.command("/signin", &address).await;
    assert!(p.text().contains(&address), "{}", p.text());
    let code = code_in(&mail_to(&maildir, &address, before));
    p.click("Enter the code").await;
    let modal = p.modal.clone().expect("the code is asked for in a modal");
    assert_eq!(modal["title"]["text"], "Your sign-in code", "{modal}");
    p.submit(&[("code", &code)]).await;
    assert!(
        p.text().contains(&format!("Signed in as {address}")),
        "{}",
        p.text()
    );
    p.command("/whoami", "").await;
    assert_eq!(p.field("Organizations"), "Cobalt Logistics · buyer");
}
