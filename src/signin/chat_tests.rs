//! The email-code sign-in in chat, with a stand-in mailer: what a person sees, the code
//! rules (one use, five tries, ten minutes), the rate limits, and signing out.

use std::sync::{Arc, Mutex};

use crate::bot::Bot;
use crate::config::Config;
use crate::domain::account::{Identity, LinkedVia};
use crate::engine::event::{Command, Event};
use crate::engine::view::{NoticeKind, Reply};
use crate::signin::SignIn;
use crate::signin::config::{EmailSettings, Provider};
use crate::signin::email::MockMailer;
use crate::store::Store;

struct Case {
    bot: Bot,
    sent: Arc<Mutex<Vec<(String, String)>>>,
    who: Identity,
    _dir: tempfile::TempDir,
}

async fn case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    crate::demo::seed_if_empty(&store).await.unwrap();
    store.set_org_domain("acme.com", "ORG-ACME").await.unwrap();
    let provider = Provider::Email(EmailSettings {
        smtp_url: "smtp://127.0.0.1:9".into(),
        mail_from: "Store <no-reply@example.com>".into(),
    });
    let config = Config {
        database_url: url,
        demo_mode: false,
        signin: provider.clone(),
        ..Config::default()
    };
    let sent = Arc::new(Mutex::new(Vec::new()));
    let mut mailer = MockMailer::new();
    let log = sent.clone();
    mailer.expect_send().returning(move |to, _subject, body| {
        log.lock().unwrap().push((to.to_string(), body.to_string()));
        Ok(())
    });
    let signin = SignIn::new(&provider, &config.public_url)
        .unwrap()
        .with_mailer(Arc::new(mailer));
    let bot = Bot::new(store, config).unwrap().with_signin(signin);
    Case {
        bot,
        sent,
        who: Identity::new("console", "local", "pat"),
        _dir: dir,
    }
}

impl Case {
    async fn say(&self, line: &str) -> Reply {
        self.bot
            .respond(&self.who, "en", Event::from_line(line))
            .await
            .unwrap()
    }

    fn last_code(&self) -> String {
        let sent = self.sent.lock().unwrap();
        let (_, body) = sent.last().expect("a mail");
        let at = body.find("code is ").expect("the code") + 8;
        body[at..at + 6].to_string()
    }

    /// The account `who` is linked to now, if any.
    async fn account(&self) -> Option<String> {
        self.bot.store().account_id_for(&self.who).await.unwrap()
    }

    fn mails(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

fn error(r: &Reply) -> String {
    let n = r.notice.as_ref().expect("a notice");
    assert_eq!(n.kind, NoticeKind::Error, "{}", n.text);
    n.text.clone()
}

#[tokio::test]
async fn a_code_signs_in_once_after_wrong_ones_and_signing_out_unlinks() {
    let c = case().await;
    let r = c.say("/buy").await;
    assert_eq!(r.view.step, "signin");
    assert!(
        r.view.body.contains("/signin you@company.com"),
        "{}",
        r.view.body
    );
    assert!(c.account().await.is_none());

    assert!(error(&c.say("/signin pat").await).contains("not an email address"));
    let r = c.say("/signin pat@elsewhere.org").await;
    assert!(error(&r).contains("elsewhere.org is not an address of a customer"));
    assert!(error(&r).contains("support"));
    assert_eq!(c.mails(), 0);

    let r = c.say("/signin Pat@Acme.com").await;
    assert!(r.notice.is_none());
    assert!(r.view.body.contains("pat@acme.com"), "{}", r.view.body);
    assert_eq!(c.sent.lock().unwrap()[0].0, "pat@acme.com");
    let code = c.last_code();
    let stored = c.bot.store().signin_code(&c.who).await.unwrap().unwrap();
    assert!(!stored.code_hash.contains(&code) && !stored.salt.contains(&code));

    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in [4, 3, 2, 1] {
        let r = c.say(wrong).await;
        assert!(
            error(&r).contains(&format!("Attempts left: {left}")),
            "{r:?}"
        );
    }
    assert!(error(&c.say(wrong).await).contains("Too many wrong codes"));
    // The right code is no use now: the code is gone.
    assert!(error(&c.say(&code).await).contains("no code"));

    c.say("pat@acme.com").await;
    let code = c.last_code();
    let r = c.say(&format!("{} {}", &code[..3], &code[3..])).await;
    let n = r.notice.as_ref().unwrap();
    assert_eq!(n.kind, NoticeKind::Success, "{}", n.text);
    assert_eq!(n.text, "Signed in as pat@acme.com.");
    let link = c.bot.store().identity_link(&c.who).await.unwrap().unwrap();
    assert_eq!(link.via, LinkedVia::Email);
    let r = c.say("/whoami").await;
    assert!(
        r.view
            .fields
            .iter()
            .any(|f| f.value.contains("Acme Telecom · buyer")),
        "{:?}",
        r.view.fields
    );
    let renew = r.view.fields.iter().find(|f| f.label == "Sign in again by");
    let in_30_days = c
        .bot
        .prompts()
        .lang("en")
        .date(crate::store::now_ms() + 30 * 86_400_000);
    assert_eq!(renew.map(|f| f.value.as_str()), Some(in_30_days.as_str()));
    // Once in, a typed code is only text to the engine: nothing changes.
    let account = c.account().await;
    assert_eq!(c.say(&code).await.view.step, "whoami");
    assert_eq!(c.account().await, account);

    let r = c.say("/signout").await;
    assert_eq!(r.notice.unwrap().kind, NoticeKind::Success);
    assert_eq!(r.view.step, "signin");
    assert!(c.account().await.is_none());
    assert_eq!(c.say("/cart").await.view.step, "signin");
}

#[tokio::test]
async fn codes_expire_and_sending_is_rate_limited() {
    let c = case().await;
    c.say("/signin pat@acme.com").await;
    let code = c.last_code();
    let mut stored = c.bot.store().signin_code(&c.who).await.unwrap().unwrap();
    stored.expires_at = crate::store::now_ms() - 1;
    c.bot
        .store()
        .put_signin_code(&c.who, &stored)
        .await
        .unwrap();
    assert!(error(&c.say(&code).await).contains("expired"));
    assert!(c.account().await.is_none());

    for _ in 0..4 {
        assert!(c.say("/signin pat@acme.com").await.notice.is_none());
    }
    assert_eq!(c.mails(), 5);
    assert!(error(&c.say("/signin pat@acme.com").await).contains("Too many codes"));
    // The address is limited too, from another chat identity.
    let other = Identity::new("console", "local", "kim");
    let r = c
        .bot
        .respond(&other, "en", Event::from_line("/signin pat@acme.com"))
        .await
        .unwrap();
    assert!(error(&r).contains("Too many codes"));
    assert_eq!(c.mails(), 5);
}

#[tokio::test]
async fn without_sign_in_signing_out_is_refused_and_nobody_is_enrolled() {
    let mut c = case().await;
    let store = c.bot.store().clone();
    let config = Config {
        demo_mode: false,
        ..c.bot.config().clone()
    };
    let mut plain = config.clone();
    plain.signin = Provider::None;
    c.bot = Bot::new(store.clone(), plain).unwrap();
    let failed = c
        .bot
        .respond(&c.who, "en", Event::from_line("/buy"))
        .await
        .unwrap_err();
    assert!(
        failed.text.contains("not set up to buy here"),
        "{}",
        failed.text
    );
    let account = store.create_account("Pat", Some("ORG-ACME")).await.unwrap();
    store
        .link_identity(&c.who, &account, LinkedVia::Cli)
        .await
        .unwrap();
    let r = c.say("/signout").await;
    assert_eq!(r.notice.unwrap().kind, NoticeKind::Warning);
    let r = c.say("/signin").await;
    assert!(r.notice.unwrap().text.contains("not set up in this store"));
    assert!(store.account_id_for(&c.who).await.unwrap().is_some());
    // Where people sign in, demo mode does not enrol strangers.
    let mut both = config;
    both.demo_mode = true;
    c.bot = Bot::new(store.clone(), both).unwrap();
    let stranger = Identity::new("console", "local", "stranger");
    let r = c.bot.respond(&stranger, "en", Event::Start).await.unwrap();
    assert_eq!(r.view.step, "signin");
    assert!(store.account_id_for(&stranger).await.unwrap().is_none());
}

#[tokio::test]
async fn the_last_command_refused_runs_once_the_code_is_right() {
    let c = case().await;
    let signed_in = |r: &Reply| {
        r.notice
            .as_ref()
            .is_some_and(|n| n.kind == NoticeKind::Success && n.text.starts_with("Signed in"))
    };
    // The later command wins; help and sign-in's own commands are not carried over.
    assert_eq!(c.say("/buy").await.view.step, "signin");
    assert_eq!(c.say("/cart").await.view.step, "signin");
    c.say("/help").await;
    c.say("/signin pat@acme.com").await;
    let r = c.say(&c.last_code()).await;
    assert!(signed_in(&r), "{r:?}");
    assert_eq!(r.view.step, "cart");
    assert_eq!(
        c.bot.store().take_signin_waiting(&c.who).await.unwrap(),
        None
    );

    // Once carried out, it is gone: the next sign-in starts at home.
    c.say("/signout").await;
    c.say("/signin pat@acme.com").await;
    let r = c.say(&c.last_code()).await;
    assert!(signed_in(&r), "{r:?}");
    let home = c.say("/start").await.view.step;
    assert_eq!(r.view.step, home);

    // Nor does a command refused too long ago run.
    c.say("/signout").await;
    c.say("/cart").await;
    let cart = serde_json::to_string(&Event::Command(Command::Cart)).unwrap();
    c.bot
        .store()
        .wait_for_signin(&c.who, &cart, crate::store::now_ms() - 1)
        .await
        .unwrap();
    c.say("/signin pat@acme.com").await;
    let r = c.say(&c.last_code()).await;
    assert!(signed_in(&r), "{r:?}");
    assert_eq!(r.view.step, home);
}

/// Moves `c`'s sign-in `days` into the past. The store rightly has no way to backdate
/// one, so this goes to the database file itself.
async fn age_sign_in(c: &Case, days: i64) {
    let pool = sqlx::SqlitePool::connect(&c.bot.config().database_url)
        .await
        .unwrap();
    sqlx::query("UPDATE identities SET created_at = created_at - $1")
        .bind(days * 86_400_000)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn a_sign_in_older_than_its_days_is_renewed_and_the_chat_goes_on() {
    let c = case().await;
    c.say("/signin pat@acme.com").await;
    c.say(&c.last_code()).await;
    let account = c.account().await;
    assert!(account.is_some());
    age_sign_in(&c, 29).await;
    assert_eq!(c.say("/cart").await.view.step, "cart", "29 days is in time");

    age_sign_in(&c, 2).await;
    let r = c.say("/cart").await;
    assert_eq!(r.view.step, "signin");
    let n = r.notice.as_ref().expect("why");
    assert_eq!(n.kind, NoticeKind::Info);
    assert!(n.text.contains("more than 30 days old"), "{}", n.text);
    assert_eq!(c.account().await, None);
    assert!(c.bot.store().load_session(&c.who).await.unwrap().is_some());

    c.say("/signin pat@acme.com").await;
    let r = c.say(&c.last_code()).await;
    assert_eq!(r.view.step, "cart", "the refused /cart runs");
    assert_eq!(c.account().await, account);

    // What was wrong with the message itself is said before why sign-in is asked again.
    age_sign_in(&c, 31).await;
    assert!(error(&c.say("/signin pat@elsewhere.org").await).contains("elsewhere.org"));
    assert_eq!(c.account().await, None);

    // Someone an operator linked does not sign in, so nothing of theirs expires.
    let ops = Identity::new("console", "local", "ops");
    let store = c.bot.store();
    let id = store.create_account("Ops", Some("ORG-ACME")).await.unwrap();
    store
        .link_identity(&ops, &id, LinkedVia::Cli)
        .await
        .unwrap();
    age_sign_in(&c, 400).await;
    let r = c
        .bot
        .respond(&ops, "en", Event::from_line("/whoami"))
        .await
        .unwrap();
    assert_eq!(r.view.step, "whoami");
    assert!(r.view.fields.iter().all(|f| f.label != "Sign in again by"));
}

/// Each event of someone not signed in answers with a link; an hour gives one chat
/// identity at most LINKS_PER_HOUR of them, then the view says so and makes none.
#[tokio::test]
async fn sign_in_links_are_limited_per_person() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("l.db").display());
    let store = Store::connect(&url).await.unwrap();
    crate::demo::seed_if_empty(&store).await.unwrap();
    let provider = Provider::Oidc(crate::signin::config::OidcSettings {
        issuer: "http://127.0.0.1:9".into(),
        client_id: "checkout-bot".into(),
        client_secret: "secret".into(),
        org_claim: None,
        role_claim: None,
        scopes: vec!["openid".into()],
    });
    let config = Config {
        database_url: url,
        demo_mode: false,
        signin: provider.clone(),
        ..Config::default()
    };
    let signin = SignIn::new(&provider, &config.public_url).unwrap();
    let bot = Bot::new(store, config).unwrap().with_signin(signin);
    let who = Identity::new("console", "local", "flood");
    let has_link = |r: &Reply| serde_json::to_string(&r.view).unwrap().contains("/signin/");
    for n in 0..super::LINKS_PER_HOUR {
        let r = bot
            .respond(&who, "en", Event::from_line("/cart"))
            .await
            .unwrap();
        assert!(has_link(&r), "link {n}");
    }
    let r = bot
        .respond(&who, "en", Event::from_line("/cart"))
        .await
        .unwrap();
    assert!(!has_link(&r), "{:?}", r.view);
    assert!(
        r.view.body.contains("many sign-in links"),
        "{}",
        r.view.body
    );
    // Someone else is not held back by it.
    let other = Identity::new("console", "local", "calm");
    let r = bot
        .respond(&other, "en", Event::from_line("/cart"))
        .await
        .unwrap();
    assert!(has_link(&r));
}
