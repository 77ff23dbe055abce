//! Sign-in's SQL on SQLite and PostgreSQL: links and their one use, email codes and
//! their attempts, the send counts for rate limits, and the transaction that links an
//! identity and makes its memberships what the provider says.

use crate::common::org;
use checkout_bot::domain::account::{Identity, LinkedVia, Role};
use checkout_bot::engine::session::Session;
use checkout_bot::store::Store;
use checkout_bot::store::signin::{NewSigninLink, SigninCode, Started, Vouched};

fn vouched(orgs: &[(&str, Option<Role>)]) -> Vouched {
    Vouched {
        issuer: "https://id.example.com".into(),
        subject: "sub-pat".into(),
        email: Some("pat@acme.com".into()),
        name: "Pat Lee".into(),
        orgs: orgs.iter().map(|(o, r)| (o.to_string(), *r)).collect(),
        via: LinkedVia::Oidc,
    }
}

on_both!(
    a_sign_in_link_starts_many_times_and_is_used_once,
    |store: Store| async move {
        let who = Identity::new("discord", "g1", "u1");
        store
            .create_signin_link(&NewSigninLink {
                token: "tok",
                who: &who,
                locale: "de",
                pending: Some("\"Start\""),
                reply_handle: Some("handle"),
                valid_ms: 60_000,
            })
            .await
            .unwrap();
        let link = store.signin_link("tok").await.unwrap().unwrap();
        assert_eq!(link.identity(), who);
        assert_eq!(link.locale, "de");
        assert_eq!(link.pending.as_deref(), Some("\"Start\""));
        assert!(link.nonce.is_none() && link.used_at.is_none());
        assert!(store.signin_link("other").await.unwrap().is_none());
        let start = |state: &'static str| Started {
            state,
            browser: "browser",
            nonce: "nonce",
            pkce_verifier: "verifier",
        };
        assert!(store.start_signin("tok", &start("s1")).await.unwrap());
        // A second visit replaces the first one's request.
        assert!(store.start_signin("tok", &start("s2")).await.unwrap());
        assert!(store.signin_by_state("s1").await.unwrap().is_none());
        let by_state = store.signin_by_state("s2").await.unwrap().unwrap();
        assert_eq!(by_state.nonce.as_deref(), Some("nonce"));
        assert_eq!(by_state.pkce_verifier.as_deref(), Some("verifier"));
        assert_eq!(
            by_state.browser_hash.as_deref(),
            Some(checkout_bot::store::card_links::hash("browser").as_str())
        );
        assert!(store.use_signin("s2").await.unwrap());
        assert!(!store.use_signin("s2").await.unwrap());
        let used = store.signin_by_state("s2").await.unwrap().unwrap();
        assert!(used.used_at.is_some());
        assert!(used.nonce.is_none() && used.pkce_verifier.is_none());
        assert!(!store.start_signin("tok", &start("s3")).await.unwrap());

        store
            .create_signin_link(&NewSigninLink {
                token: "old",
                who: &who,
                locale: "en",
                pending: None,
                reply_handle: None,
                valid_ms: -1,
            })
            .await
            .unwrap();
        assert!(!store.start_signin("old", &start("s4")).await.unwrap());
        let now = checkout_bot::store::now_ms();
        let c = store
            .collect_garbage(
                now,
                checkout_bot::store::retention::Retention {
                    sessions_ms: 1,
                    deliveries_ms: 1,
                    sign_ins_ms: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(c.signins, 1);
        assert!(store.signin_link("old").await.unwrap().is_none());
        assert!(store.signin_link("tok").await.unwrap().is_some());
    }
);

on_both!(
    an_email_code_counts_attempts_and_is_taken_once,
    |store: Store| async move {
        let who = Identity::new("console", "local", "pat");
        assert!(store.signin_code(&who).await.unwrap().is_none());
        assert_eq!(store.count_code_attempt(&who).await.unwrap(), None);
        let code = SigninCode {
            address: "pat@acme.com".into(),
            code_hash: "h1".into(),
            salt: "s1".into(),
            expires_at: i64::MAX,
            attempts: 0,
            pending: None,
        };
        store.put_signin_code(&who, &code).await.unwrap();
        assert_eq!(store.count_code_attempt(&who).await.unwrap(), Some(1));
        assert_eq!(store.count_code_attempt(&who).await.unwrap(), Some(2));
        // A new code replaces the old one, attempts and all.
        let newer = SigninCode {
            code_hash: "h2".into(),
            ..code.clone()
        };
        store.put_signin_code(&who, &newer).await.unwrap();
        assert_eq!(store.signin_code(&who).await.unwrap(), Some(newer));
        assert!(store.take_signin_code(&who).await.unwrap());
        assert!(!store.take_signin_code(&who).await.unwrap());

        // What a person waits to do: the latest wins, it is taken once, and an expired
        // one is gone without running.
        assert_eq!(store.take_signin_waiting(&who).await.unwrap(), None);
        store
            .wait_for_signin(&who, "\"Start\"", i64::MAX)
            .await
            .unwrap();
        store
            .wait_for_signin(&who, "later", i64::MAX)
            .await
            .unwrap();
        let other = Identity::new("console", "local", "kim");
        store.wait_for_signin(&other, "kim's", 1).await.unwrap();
        assert_eq!(
            store.take_signin_waiting(&who).await.unwrap().as_deref(),
            Some("later")
        );
        assert_eq!(store.take_signin_waiting(&who).await.unwrap(), None);
        let retention = checkout_bot::store::retention::Retention {
            sessions_ms: 1,
            deliveries_ms: 1,
            sign_ins_ms: None,
        };
        let now = checkout_bot::store::now_ms();
        let c = store.collect_garbage(now, retention).await.unwrap();
        assert_eq!(c.signins, 1, "kim's expired wait");
        store.wait_for_signin(&other, "kim's", 1).await.unwrap();
        assert_eq!(store.take_signin_waiting(&other).await.unwrap(), None);

        for at in [100, 200, 300] {
            store
                .record_signin_send("address", "pat@acme.com", at)
                .await
                .unwrap();
        }
        store
            .record_signin_send("identity", "pat@acme.com", 300)
            .await
            .unwrap();
        assert_eq!(
            store
                .signin_sends_since("address", "pat@acme.com", 200)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .signin_sends_since("address", "kim@acme.com", 0)
                .await
                .unwrap(),
            0
        );
    }
);

on_both!(
    signing_in_makes_memberships_what_the_provider_says,
    |store: Store| async move {
        org(&store, "ORG-A").await;
        org(&store, "ORG-B").await;
        org(&store, "ORG-C").await;
        let who = Identity::new("discord", "g1", "u1");
        let id = store
            .sign_in(
                &who,
                &vouched(&[("ORG-A", None), ("ORG-B", Some(Role::Approver))]),
            )
            .await
            .unwrap();
        assert_eq!(store.account_id_for(&who).await.unwrap(), Some(id.clone()));
        assert_eq!(
            store.identity_link(&who).await.unwrap().unwrap().via,
            LinkedVia::Oidc
        );
        assert_eq!(
            store.account_email(&id).await.unwrap().as_deref(),
            Some("pat@acme.com")
        );
        let account = store.account(&id).await.unwrap().unwrap();
        assert_eq!(account.display_name, "Pat Lee");
        assert_eq!(account.default_org.as_deref(), Some("ORG-A"));
        let roles = |a: &checkout_bot::domain::account::Account| {
            let mut r: Vec<(String, Role)> = a
                .memberships
                .iter()
                .map(|m| (m.org.id.clone(), m.role))
                .collect();
            r.sort_by(|x, y| x.0.cmp(&y.0));
            r
        };
        assert_eq!(
            roles(&account),
            [
                ("ORG-A".into(), Role::Buyer),
                ("ORG-B".into(), Role::Approver)
            ]
        );
        // An operator's role is kept where the provider says nothing about roles.
        store
            .set_membership(&id, "ORG-A", Role::Admin)
            .await
            .unwrap();
        store
            .save_session(&who, &id, 0, &Session::default())
            .await
            .unwrap();

        // The next sign-in, from another chat, without ORG-A: the same account, ORG-A
        // left, ORG-C joined, the default moved.
        let other = Identity::new("slack", "T1", "U1");
        let mut again = vouched(&[("ORG-B", None), ("ORG-C", None)]);
        again.name = "Pat Lee-Smith".into();
        assert_eq!(store.sign_in(&other, &again).await.unwrap(), id);
        let account = store.account(&id).await.unwrap().unwrap();
        assert_eq!(account.display_name, "Pat Lee-Smith");
        assert_eq!(account.default_org.as_deref(), Some("ORG-B"));
        assert_eq!(
            roles(&account),
            [
                ("ORG-B".into(), Role::Approver),
                ("ORG-C".into(), Role::Buyer)
            ]
        );

        // Another person signing in on the first chat identity takes it over; the old
        // account's session there goes.
        let mut kim = vouched(&[("ORG-A", Some(Role::Buyer))]);
        kim.subject = "sub-kim".into();
        kim.via = LinkedVia::Email;
        let kim_id = store.sign_in(&who, &kim).await.unwrap();
        assert_ne!(kim_id, id);
        assert_eq!(store.account_id_for(&who).await.unwrap(), Some(kim_id));
        assert!(store.load_session(&who).await.unwrap().is_none());

        assert!(store.unlink_identity(&other).await.unwrap());
        assert!(!store.unlink_identity(&other).await.unwrap());
        assert_eq!(store.account_id_for(&other).await.unwrap(), None);
        // The account stays, with its orders and memberships, for the next sign-in.
        assert!(store.account(&id).await.unwrap().is_some());
    }
);

on_both!(
    a_sign_in_expires_keeping_the_cart_and_an_operators_link_does_not,
    |store: Store| async move {
        use checkout_bot::store::retention::Retention;
        org(&store, "ORG-A").await;
        let who = Identity::new("slack", "T1", "U1");
        let id = store
            .sign_in(&who, &vouched(&[("ORG-A", None)]))
            .await
            .unwrap();
        let now = checkout_bot::store::now_ms();
        let session = Session {
            updated_at: now,
            ..Session::default()
        };
        store.save_session(&who, &id, 0, &session).await.unwrap();
        let cli = Identity::new("console", "local", "ops");
        let ops = store.create_account("Ops", Some("ORG-A")).await.unwrap();
        store
            .link_identity(&cli, &ops, LinkedVia::Cli)
            .await
            .unwrap();

        // Signed in after the cut-off: kept.
        assert!(!store.expire_sign_in(&who, now - 60_000).await.unwrap());
        assert!(store.expire_sign_in(&who, now + 60_000).await.unwrap());
        assert!(!store.expire_sign_in(&who, now + 60_000).await.unwrap());
        assert_eq!(store.account_id_for(&who).await.unwrap(), None);
        let kept = store.load_session(&who).await.unwrap().unwrap();
        assert_eq!(kept.account_id, None, "the session is no way in");
        assert!(!store.expire_sign_in(&cli, now + 60_000).await.unwrap());
        assert_eq!(store.account_id_for(&cli).await.unwrap(), Some(ops.clone()));

        // The clean-up unlinks old sign-ins where a provider is set, and nothing else.
        store
            .sign_in(&who, &vouched(&[("ORG-A", None)]))
            .await
            .unwrap();
        let day = 86_400_000;
        let later = now + 2 * day;
        let keep = Retention {
            sessions_ms: 90 * day,
            deliveries_ms: day,
            sign_ins_ms: None,
        };
        assert_eq!(
            store.collect_garbage(later, keep).await.unwrap().unlinked,
            0
        );
        assert!(store.account_id_for(&who).await.unwrap().is_some());
        let expire = Retention {
            sign_ins_ms: Some(day),
            ..keep
        };
        assert_eq!(
            store.collect_garbage(later, expire).await.unwrap().unlinked,
            1
        );
        assert_eq!(store.account_id_for(&who).await.unwrap(), None);
        assert_eq!(store.account_id_for(&cli).await.unwrap(), Some(ops));
        assert!(store.load_session(&who).await.unwrap().is_some());
    }
);
