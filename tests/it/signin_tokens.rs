//! The sign-in callback refuses every ID token that does not prove who the person is,
//! and links nobody: `alg: none`, another key's signature, another issuer or audience,
//! an expired token, another nonce. A provider of our own signs what each case needs;
//! the same provider's honest token signs in, so each refusal is the token's fault.

use crate::common::discord::Server;
use crate::common::oidc::{self, Forger};
use checkout_bot::domain::account::Identity;
use checkout_bot::engine::event::Event;
use serde_json::{Value, json};

struct Started {
    who: Identity,
    callback: String,
    nonce: String,
    cookie: String,
}

/// `user` asks to buy, gets a sign-in link, and opens it: the callback URL the provider
/// would send them back to (with a code), the nonce it was asked for and the cookie.
async fn start(server: &Server, user: &str) -> Started {
    let who = Identity::new("console", "local", user);
    let reply = server
        .bot
        .respond(&who, "en", Event::from_line("/buy"))
        .await
        .unwrap();
    assert_eq!(reply.view.step, "signin");
    let link = oidc::link_in(&serde_json::to_string(&reply.view).unwrap());
    let v = oidc::visit(&link).await;
    let state = oidc::param(&v.authorize, "state");
    assert_eq!(oidc::param(&v.authorize, "code_challenge_method"), "S256");
    Started {
        who,
        callback: format!("{}/signin/callback?code=c0de&state={state}", server.url),
        nonce: oidc::param(&v.authorize, "nonce"),
        cookie: v.cookie,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_id_tokens_link_nobody() {
    let forger = Forger::start().await;
    let issuer = forger.issuer.clone();
    let server =
        Server::start_configured(|config, _| config.signin = oidc::provider(&issuer), |_| {}).await;
    let stranger = p256::ecdsa::SigningKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    type Forge = Box<dyn Fn(&Forger, Value) -> String>;
    let cases: Vec<(&str, Forge)> = vec![
        ("alg none", Box::new(|_, c| Forger::unsigned(&c))),
        (
            "another key",
            Box::new(move |f, c| f.sign(&c, Some(&stranger))),
        ),
        (
            "another issuer",
            Box::new(|f, mut c| {
                c["iss"] = json!("https://evil.example.com");
                f.sign(&c, None)
            }),
        ),
        (
            "another audience",
            Box::new(|f, mut c| {
                c["aud"] = json!("someone-else");
                f.sign(&c, None)
            }),
        ),
        (
            "expired",
            Box::new(|f, mut c| {
                let now = checkout_bot::store::now_ms() / 1000;
                c["iat"] = json!(now - 7200);
                c["exp"] = json!(now - 3600);
                f.sign(&c, None)
            }),
        ),
        (
            "another nonce",
            Box::new(|f, mut c| {
                c["nonce"] = json!("not-the-one-asked-for");
                f.sign(&c, None)
            }),
        ),
    ];
    for (i, (case, forge)) in cases.iter().enumerate() {
        let s = start(&server, &format!("forged{i}")).await;
        forger.answer_next(forge(&forger, forger.claims(&s.nonce, "mallory")));
        let (status, page, headers) = oidc::get_with(&s.callback, Some(&s.cookie)).await;
        assert_eq!(status, 400, "{case}: {page}");
        assert!(page.contains("Sign-in refused"), "{case}: {page}");
        assert!(page.contains("nothing was linked"), "{case}");
        assert_eq!(headers["cache-control"], "no-store", "{case}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{case}"
        );
        assert!(
            server
                .bot
                .store()
                .account_id_for(&s.who)
                .await
                .unwrap()
                .is_none(),
            "{case} linked someone"
        );
    }

    // The honest token from the same provider signs in, with the claims' organization
    // and role.
    let s = start(&server, "honest").await;
    forger.answer_next(forger.sign(&forger.claims(&s.nonce, "mallory"), None));
    let (status, page, _) = oidc::get_with(&s.callback, Some(&s.cookie)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed in as Forged Person"), "{page}");
    let account = server
        .bot
        .store()
        .account_id_for(&s.who)
        .await
        .unwrap()
        .unwrap();
    let account = server.bot.store().account(&account).await.unwrap().unwrap();
    assert_eq!(account.memberships.len(), 1);
    assert_eq!(account.memberships[0].org.id, "ORG-ACME");
    assert_eq!(
        account.memberships[0].role,
        checkout_bot::domain::account::Role::Admin
    );
}
