//! Every store query, on SQLite and (with TEST_POSTGRES_URL) on PostgreSQL.

use std::sync::Arc;

use checkout_bot::demo;
use checkout_bot::domain::account::{Identity, Organization, Role};
use checkout_bot::domain::card::SavedCard;
use checkout_bot::domain::deployment::Deployment;
use checkout_bot::domain::money::{Currency, Money};
use checkout_bot::domain::order::{
    Named, NewOrder, Order, OrderKind, OrderLine, OrderStatus, Payment,
};
use checkout_bot::engine::session::{Session, Step};
use checkout_bot::import::catalog::demo_catalog;
use checkout_bot::store::Store;

use crate::common::org;

fn session(rev: u64, step: Step) -> Session {
    Session {
        rev,
        updated_at: 42,
        step,
        ..Session::default()
    }
}

on_both!(
    sessions_are_saved_with_a_revision_check,
    |store: Store| async move {
        org(&store, "O1").await;
        let account = store.create_account("A", Some("O1")).await.unwrap();
        let who = Identity::new("console", "local", "a");
        assert!(store.load_session(&who).await.unwrap().is_none());

        assert!(
            store
                .save_session(&who, &account, 0, &session(1, Step::Browse))
                .await
                .unwrap()
        );
        assert!(
            !store
                .save_session(&who, &account, 0, &session(1, Step::Cart { page: 0 }))
                .await
                .unwrap(),
            "a second insert loses"
        );
        let loaded = store.load_session(&who).await.unwrap().unwrap();
        assert_eq!(
            (loaded.session.rev, &loaded.session.step),
            (1, &Step::Browse)
        );
        assert_eq!(loaded.session.updated_at, 42);
        assert_eq!(loaded.account_id, None, "the identity is not linked yet");
        assert!(
            store
                .link_identity(
                    &who,
                    &account,
                    checkout_bot::domain::account::LinkedVia::Cli
                )
                .await
                .unwrap()
        );
        let loaded = store.load_session(&who).await.unwrap().unwrap();
        assert_eq!(loaded.account_id, Some(account.clone()));

        assert!(
            store
                .save_session(&who, &account, 1, &session(2, Step::ConfirmEmpty))
                .await
                .unwrap()
        );
        assert!(
            !store
                .save_session(&who, &account, 1, &session(2, Step::Summary))
                .await
                .unwrap(),
            "an update from an old revision loses"
        );
        let loaded = store.load_session(&who).await.unwrap().unwrap();
        assert_eq!(
            (loaded.session.rev, loaded.session.step),
            (2, Step::ConfirmEmpty)
        );

        let other = Identity::new("console", "local", "b");
        assert!(
            store.load_session(&other).await.unwrap().is_none(),
            "sessions are per user"
        );
    }
);

on_both!(
    racing_writers_of_one_revision_have_one_winner,
    |store: Store| async move {
        org(&store, "O1").await;
        let account = store.create_account("A", Some("O1")).await.unwrap();
        let who = Identity::new("console", "local", "a");
        store
            .save_session(&who, &account, 0, &session(1, Step::Browse))
            .await
            .unwrap();
        let store = Arc::new(store);
        let mut tasks = Vec::new();
        for i in 0..20u32 {
            let (store, who, account) = (store.clone(), who.clone(), account.clone());
            tasks.push(tokio::spawn(async move {
                let s = session(2, Step::Line { id: i });
                store.save_session(&who, &account, 1, &s).await.unwrap()
            }));
        }
        let mut wins = 0;
        for t in tasks {
            wins += usize::from(t.await.unwrap());
        }
        assert_eq!(wins, 1);
        assert_eq!(
            store.load_session(&who).await.unwrap().unwrap().session.rev,
            2
        );
    }
);

on_both!(catalogs_are_versioned, |store: Store| async move {
    assert_eq!(store.catalog_version().await.unwrap(), None);
    assert!(store.current_catalog().await.unwrap().is_none());
    let mut c = demo_catalog();
    assert_eq!(store.save_catalog(&c, "first").await.unwrap(), 1);
    c.products.truncate(3);
    assert_eq!(store.save_catalog(&c, "second").await.unwrap(), 2);
    let (v, current) = store.current_catalog().await.unwrap().unwrap();
    assert_eq!((v, current.products.len()), (2, 3));
    assert_eq!(
        current, c,
        "the catalog round-trips exactly, prices included"
    );
    assert_eq!(store.catalog_version().await.unwrap(), Some(2));
});

on_both!(
    accounts_memberships_and_identities,
    |store: Store| async move {
        org(&store, "B").await;
        org(&store, "A").await;
        store
            .upsert_org(&Organization {
                id: "A".into(),
                name: "Alpha".into(),
            })
            .await
            .unwrap();
        let orgs = store.orgs().await.unwrap();
        assert_eq!(
            orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            ["Alpha", "B Inc"]
        );

        let id = store.create_account("Dana", None).await.unwrap();
        store.set_membership(&id, "B", Role::Buyer).await.unwrap();
        store.set_membership(&id, "A", Role::Buyer).await.unwrap();
        store
            .set_membership(&id, "A", Role::Approver)
            .await
            .unwrap();
        store.default_org_if_unset(&id, "B").await.unwrap();
        store.default_org_if_unset(&id, "A").await.unwrap();
        let account = store.account(&id).await.unwrap().unwrap();
        assert_eq!(
            account.default_org.as_deref(),
            Some("B"),
            "the first default sticks"
        );
        let roles: Vec<_> = account
            .memberships
            .iter()
            .map(|m| (m.org.name.as_str(), m.role))
            .collect();
        assert_eq!(roles, [("Alpha", Role::Approver), ("B Inc", Role::Buyer)]);
        assert!(account.belongs_to("A") && !account.belongs_to("C"));
        let raw = store.create_account("U0RAW00001", None).await.unwrap();
        assert!(
            store
                .rename_account_if(&raw, "U0RAW00001", "Dana R.")
                .await
                .unwrap()
        );
        assert!(
            !store
                .rename_account_if(&raw, "U0RAW00001", "Other")
                .await
                .unwrap()
        );
        assert!(
            !store
                .rename_account_if(&id, "U0RAW00001", "Other")
                .await
                .unwrap()
        );
        assert_eq!(
            store.account(&raw).await.unwrap().unwrap().display_name,
            "Dana R."
        );
        assert_eq!(
            store.account(&id).await.unwrap().unwrap().display_name,
            "Dana"
        );

        let who = Identity::new("discord", "discord", "123");
        assert!(
            store
                .link_identity(&who, &id, checkout_bot::domain::account::LinkedVia::Cli)
                .await
                .unwrap()
        );
        assert!(
            !store
                .link_identity(&who, &id, checkout_bot::domain::account::LinkedVia::Cli)
                .await
                .unwrap(),
            "an identity links once"
        );
        assert_eq!(store.account_id_for(&who).await.unwrap(), Some(id.clone()));
        assert_eq!(
            store
                .account_id_for(&Identity::new("discord", "discord", "9"))
                .await
                .unwrap(),
            None
        );

        let listed = store.members(Some("A")).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].role.as_str(), listed[0].user_id.as_deref()),
            ("approver", Some("123"))
        );
        assert_eq!(store.members(None).await.unwrap().len(), 2);

        assert!(store.remove_membership(&id, "A").await.unwrap());
        assert!(!store.remove_membership(&id, "A").await.unwrap());
        assert_eq!(
            store.account(&id).await.unwrap().unwrap().memberships.len(),
            1
        );
        assert!(store.account("acct_missing").await.unwrap().is_none());
    }
);

on_both!(
    deployments_upsert_and_list_by_org,
    |store: Store| async move {
        org(&store, "A").await;
        org(&store, "B").await;
        let d = |id: &str, name: &str, org: &str| Deployment {
            id: id.into(),
            name: name.into(),
            org_id: org.into(),
        };
        store
            .upsert_deployments(&[
                d("2", "Zeta", "A"),
                d("1", "Alpha", "A"),
                d("3", "Other", "B"),
            ])
            .await
            .unwrap();
        store
            .upsert_deployments(&[d("2", "Beta", "A")])
            .await
            .unwrap();
        let names: Vec<_> = store
            .deployments_of("A")
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["Alpha", "Beta"]);
        assert_eq!(store.deployment_count().await.unwrap(), 3);
        assert!(
            store
                .upsert_deployments(&[d("4", "X", "NOPE")])
                .await
                .is_err(),
            "the organization must exist"
        );
        assert_eq!(
            store.deployment_count().await.unwrap(),
            3,
            "a failed import changes nothing"
        );
    }
);

on_both!(
    demo_data_loads_once_into_an_empty_database,
    |store: Store| async move {
        assert!(store.is_empty().await.unwrap());
        assert!(demo::seed_if_empty(&store).await.unwrap());
        assert!(!store.is_empty().await.unwrap());
        assert!(
            !demo::seed_if_empty(&store).await.unwrap(),
            "the second start loads nothing"
        );
        assert_eq!(store.orgs().await.unwrap().len(), 3);
        assert!(store.deployment_count().await.unwrap() >= 500);
        let demo_user = store
            .account_id_for(&Identity::new("console", "local", "demo"))
            .await
            .unwrap()
            .unwrap();
        let account = store.account(&demo_user).await.unwrap().unwrap();
        assert_eq!(account.memberships.len(), 2);
        assert_eq!(account.default_org.as_deref(), Some("ORG-ACME"));

        let who = Identity::new("discord", "discord", "555");
        let first = demo::enrol(&store, &who, "555").await.unwrap();
        let again = demo::enrol(&store, &who, "555").await.unwrap();
        assert_eq!(
            first, again,
            "a second enrolment of the same identity finds the first"
        );
        store.ping().await.unwrap();
    }
);

fn new_order(key: &str, account: &str, payment: Payment) -> NewOrder {
    let usd = |s: &str| Money::new(s.parse().unwrap(), Currency::usd());
    NewOrder {
        key: key.into(),
        account_id: account.into(),
        placed_by: "A".into(),
        placed_via: None,
        lines: vec![OrderLine {
            sku: "SUP-CREDIT".into(),
            name: "Support Credits".into(),
            qty: 5,
            unit_price: usd("100"),
            total: usd("500"),
            deployment: None,
            deployment_org: None,
            organization: Some(Named {
                id: "O1".into(),
                name: "O1 Inc".into(),
            }),
        }],
        delivery: None,
        payment,
        po_number: Some("PO-1".into()),
        subtotal: usd("500"),
        shipping: usd("0"),
        total: usd("500"),
    }
}

on_both!(
    orders_are_numbered_stored_once_and_listed,
    |store: Store| async move {
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        let b = store.create_account("B", Some("O1")).await.unwrap();
        let first = store.next_order_number().await.unwrap();
        let second = store.next_order_number().await.unwrap();
        assert_eq!(
            (first.as_str(), second.as_str()),
            ("CB-100001", "CB-100002")
        );

        let order = |number: &str, key: &str, account: &str, payment: Payment, at: i64| {
            let details = new_order(key, account, payment);
            Order {
                number: number.into(),
                kind: details.kind(),
                status: OrderStatus::AwaitingPayment,
                created_at: at,
                details,
            }
        };
        assert!(
            store
                .insert_order(&order("CB-1", "k1", &a, Payment::Wire, 10))
                .await
                .unwrap()
        );
        assert!(
            !store
                .insert_order(&order("CB-2", "k1", &a, Payment::Wire, 11))
                .await
                .unwrap(),
            "one order per key"
        );
        let mut quote = order("CB-3", "k3", &a, Payment::Quote, 12);
        quote.status = OrderStatus::Quote;
        assert!(store.insert_order(&quote).await.unwrap());
        assert!(
            store
                .insert_order(&order("CB-4", "k4", &b, Payment::Check, 13))
                .await
                .unwrap()
        );

        let by_key = store.order_by_key("k1").await.unwrap().unwrap();
        assert_eq!(by_key.number, "CB-1");
        assert_eq!(
            by_key.details,
            new_order("k1", &a, Payment::Wire),
            "the snapshot round-trips"
        );
        assert!(store.order_by_key("nope").await.unwrap().is_none());
        assert!(
            store.order(&a, "CB-4").await.unwrap().is_none(),
            "another account's order is not found"
        );

        let all: Vec<_> = store
            .orders(&a, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.number)
            .collect();
        assert_eq!(all, ["CB-3", "CB-1"], "newest first, own orders only");
        let quotes = store.orders(&a, Some(OrderKind::Quote), 10).await.unwrap();
        assert_eq!(quotes.len(), 1);
        assert_eq!(store.orders(&a, None, 1).await.unwrap().len(), 1);

        store
            .set_order_status("CB-1", OrderStatus::Paid, "system")
            .await
            .unwrap();
        assert_eq!(
            store.order(&a, "CB-1").await.unwrap().unwrap().status,
            OrderStatus::Paid
        );

        assert!(
            store.convert_quote(&b, "CB-3").await.unwrap().is_none(),
            "only the owner converts"
        );
        let converted = store.convert_quote(&a, "CB-3").await.unwrap().unwrap();
        assert_eq!(
            (converted.kind, converted.status),
            (OrderKind::Order, OrderStatus::AwaitingPayment)
        );
        assert!(
            store.convert_quote(&a, "CB-3").await.unwrap().is_none(),
            "converted once"
        );
        assert!(
            store.convert_quote(&a, "CB-1").await.unwrap().is_none(),
            "an order is not a quote"
        );
    }
);

on_both!(
    cards_keep_only_token_brand_last4_and_expiry,
    |store: Store| async move {
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        let card = SavedCard {
            id: String::new(),
            brand: "Visa".into(),
            last4: "4242".into(),
            exp_month: 3,
            exp_year: 2031,
            token: "tok_x".into(),
        };
        let id = store.add_card(&a, &card).await.unwrap();
        let cards = store.cards(&a).await.unwrap();
        assert_eq!(cards.len(), 1);
        assert_eq!(
            (
                cards[0].id.as_str(),
                cards[0].label().as_str(),
                cards[0].token.as_str()
            ),
            (id.as_str(), "Visa •••• 4242 (exp 03/31)", "tok_x")
        );
        let other = store.create_account("B", None).await.unwrap();
        assert!(store.cards(&other).await.unwrap().is_empty());
    }
);

on_both!(
    single_deployments_and_their_version,
    |store: Store| async move {
        org(&store, "A").await;
        let (n0, _) = store.deployments_version("A").await.unwrap();
        assert_eq!(n0, 0);
        let d = Deployment {
            id: "1".into(),
            name: "One".into(),
            org_id: "A".into(),
        };
        store
            .upsert_deployments(std::slice::from_ref(&d))
            .await
            .unwrap();
        let v1 = store.deployments_version("A").await.unwrap();
        assert_eq!(v1.0, 1);
        assert_eq!(store.deployment("1").await.unwrap(), Some(d));
        assert_eq!(store.deployment("2").await.unwrap(), None);
    }
);

on_both!(
    card_links_work_once_and_count_attempts,
    |store: Store| async move {
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        let who = Identity::new("console", "local", "a");
        store
            .create_card_link(&checkout_bot::store::card_links::NewCardLink {
                token: "secret-token",
                who: &who,
                account_id: &a,
                checkout_key: "ck1",
                csrf: "csrf1",
                valid_ms: 15 * 60 * 1000,
                reply_handle: None,
            })
            .await
            .unwrap();
        let link = store.card_link("secret-token").await.unwrap().unwrap();
        assert_eq!(
            (
                link.identity(),
                link.checkout_key.as_str(),
                link.csrf.as_str()
            ),
            (who, "ck1", "csrf1")
        );
        assert!(link.used_at.is_none() && link.expires_at > checkout_bot::store::now_ms());
        assert!(store.card_link("other-token").await.unwrap().is_none());
        assert_eq!(store.count_card_attempt("secret-token").await.unwrap(), 1);
        assert_eq!(store.count_card_attempt("secret-token").await.unwrap(), 2);
        assert!(store.use_card_link("secret-token").await.unwrap());
        assert!(
            !store.use_card_link("secret-token").await.unwrap(),
            "once only"
        );
        assert!(
            store
                .card_link("secret-token")
                .await
                .unwrap()
                .unwrap()
                .used_at
                .is_some()
        );
    }
);

on_both!(
    one_order_cards_are_usable_but_not_listed_and_cards_can_be_removed,
    |store: Store| async move {
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        let b = store.create_account("B", Some("O1")).await.unwrap();
        let card = SavedCard {
            id: String::new(),
            brand: "Visa".into(),
            last4: "4242".into(),
            exp_month: 1,
            exp_year: 2030,
            token: "tok".into(),
        };
        let once = store.add_card_kept(&a, &card, false).await.unwrap();
        let saved = store.add_card(&a, &card).await.unwrap();
        let listed: Vec<_> = store
            .cards(&a)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(listed, std::slice::from_ref(&saved));
        assert!(store.card(&a, &once).await.unwrap().is_some());
        assert!(
            store.card(&b, &once).await.unwrap().is_none(),
            "another account's card is not found"
        );
        assert!(!store.remove_card(&b, &saved).await.unwrap());
        assert!(store.remove_card(&a, &saved).await.unwrap());
        assert!(store.cards(&a).await.unwrap().is_empty());
    }
);

on_both!(
    operators_list_show_and_mark_orders_paid,
    |store: Store| async move {
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        let order = |number: &str, key: &str, payment: Payment, status: OrderStatus, at: i64| {
            let details = new_order(key, &a, payment);
            Order {
                number: number.into(),
                kind: details.kind(),
                status,
                created_at: at,
                details,
            }
        };
        store
            .insert_order(&order(
                "CB-1",
                "k1",
                Payment::Wire,
                OrderStatus::AwaitingPayment,
                10,
            ))
            .await
            .unwrap();
        store
            .insert_order(&order("CB-2", "k2", Payment::Quote, OrderStatus::Quote, 20))
            .await
            .unwrap();
        let listed: Vec<_> = store
            .recent_orders(10)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.number)
            .collect();
        assert_eq!(listed, ["CB-2", "CB-1"]);
        assert_eq!(
            store.order_by_number("CB-1").await.unwrap().unwrap().status,
            OrderStatus::AwaitingPayment
        );
        assert!(store.order_by_number("CB-9").await.unwrap().is_none());
        assert_eq!(
            store
                .mark_paid("CB-1", "operator")
                .await
                .unwrap()
                .unwrap()
                .status,
            OrderStatus::Paid
        );
        assert!(
            store.mark_paid("CB-1", "operator").await.unwrap().is_none(),
            "paid once"
        );
        assert!(
            store.mark_paid("CB-2", "operator").await.unwrap().is_none(),
            "a quote is not awaiting payment"
        );
    }
);

on_both!(
    every_order_state_change_is_audited_once_with_who_and_what,
    |store: Store| async move {
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        let quote = {
            let details = new_order("kq", &a, Payment::Quote);
            Order {
                number: "CB-7".into(),
                kind: OrderKind::Quote,
                status: OrderStatus::Quote,
                created_at: 1,
                details,
            }
        };
        assert!(store.insert_order(&quote).await.unwrap());
        assert!(
            !store.insert_order(&quote).await.unwrap(),
            "a repeat is neither stored nor audited"
        );
        assert!(store.convert_quote(&a, "CB-7").await.unwrap().is_some());
        assert!(
            store.convert_quote(&a, "CB-7").await.unwrap().is_none(),
            "no second conversion, no second row"
        );
        assert!(store.mark_paid("CB-7", "operator").await.unwrap().is_some());
        assert!(store.mark_paid("CB-7", "operator").await.unwrap().is_none());
        let trail: Vec<_> = store
            .audit_for("CB-7")
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.old_value, e.new_value))
            .collect();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            trail,
            [
                (a.clone(), "placed".to_string(), None, s("quote")),
                (
                    a.clone(),
                    "assignment line 1".to_string(),
                    None,
                    s("SUP-CREDIT: organization O1 (O1 Inc)")
                ),
                (
                    a.clone(),
                    "status".to_string(),
                    s("quote"),
                    s("awaiting_payment")
                ),
                (
                    "operator".to_string(),
                    "status".to_string(),
                    s("awaiting_payment"),
                    s("paid")
                ),
            ]
        );
        store
            .record_audit("CB-7", "system", "note", None, Some("checked"))
            .await
            .unwrap();
        assert_eq!(store.audit_for("CB-7").await.unwrap().len(), 5);
        assert!(store.audit_for("CB-8").await.unwrap().is_empty());
    }
);

on_both!(a_migrated_schema_is_current, |store: Store| async move {
    assert!(store.schema_current().await.unwrap());
});

#[tokio::test]
async fn an_older_binary_starts_on_a_schema_a_newer_one_migrated() {
    let (store, dir) = crate::common::sqlite().await;
    store.close().await;
    let url = crate::common::sqlite_url(&dir);
    let raw = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from a newer binary', TRUE, x'00', 1)",
    )
    .execute(&raw)
    .await
    .unwrap();
    raw.close().await;
    let store = Store::connect(&url)
        .await
        .expect("a migration this binary does not know is no reason to refuse to start");
    assert!(store.schema_current().await.unwrap());
}

on_both!(
    the_copy_knows_every_table_and_column,
    |store: Store| async move {
        use checkout_bot::store::copy::TABLES;
        let known: std::collections::BTreeMap<String, Vec<_>> = TABLES
            .iter()
            .map(|t| {
                let columns = t.columns.iter().map(|(c, k)| (c.to_string(), *k));
                (t.name.to_string(), columns.collect())
            })
            .collect();
        assert_eq!(
            store.described_tables().await.unwrap(),
            known,
            "a migration changed the schema: teach store/copy.rs's TABLES"
        );
    }
);

/// A card link (expired unless `valid_ms` is positive) for `who`.
async fn card_link(store: &Store, who: &Identity, account: &str, token: &str, valid_ms: i64) {
    store
        .create_card_link(&checkout_bot::store::card_links::NewCardLink {
            token,
            who,
            account_id: account,
            checkout_key: "ck",
            csrf: "csrf",
            valid_ms,
            reply_handle: None,
        })
        .await
        .unwrap();
}

on_both!(
    a_copy_keeps_every_value_and_refuses_a_filled_target,
    |target: Store| async move {
        use checkout_bot::store::copy::TABLES;
        let (source, _dir) = crate::common::sqlite().await;
        org(&source, "O1").await;
        let a = source.create_account("Ann", Some("O1")).await.unwrap();
        let who = Identity::new("console", "local", "ann");
        source
            .link_identity(&who, &a, checkout_bot::domain::account::LinkedVia::Cli)
            .await
            .unwrap();
        // NULLs in text and integer columns (no reply handle, never used).
        card_link(&source, &who, &a, "t1", 60_000).await;
        source
            .save_session(&who, &a, 0, &session(1, Step::Browse))
            .await
            .unwrap();
        let report = source.copy_to(&target).await.unwrap();
        assert!(report.matches(), "{report:?}");
        assert_eq!(
            report.tables.iter().find(|t| t.0 == "card_links"),
            Some(&("card_links", 1, 1))
        );
        for t in TABLES {
            assert_eq!(
                source.rows(t).await.unwrap(),
                target.rows(t).await.unwrap(),
                "{}",
                t.name
            );
        }
        let link = target.card_link("t1").await.unwrap().unwrap();
        assert_eq!(link.identity(), who);
        let err = source.copy_to(&target).await.unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        let (empty, _dir2) = crate::common::sqlite().await;
        let err = empty.copy_to(&target).await.unwrap_err();
        assert!(err.to_string().contains("no data"), "{err}");
    }
);

on_both!(
    the_clean_up_deletes_idle_sessions_expired_links_and_old_deliveries_only,
    |store: Store| async move {
        use checkout_bot::store::retention::{Collected, Retention};
        org(&store, "O1").await;
        let a = store.create_account("Ann", Some("O1")).await.unwrap();
        let now = checkout_bot::store::now_ms();
        let day = 24 * 3_600_000;
        let (old, fresh) = (
            Identity::new("console", "local", "old"),
            Identity::new("console", "local", "fresh"),
        );
        let mut idle = session(1, Step::Browse);
        idle.updated_at = now - 91 * day;
        store.save_session(&old, &a, 0, &idle).await.unwrap();
        let mut recent = session(1, Step::Browse);
        recent.updated_at = now - 89 * day;
        store.save_session(&fresh, &a, 0, &recent).await.unwrap();
        card_link(&store, &fresh, &a, "expired", -60_000).await;
        card_link(&store, &fresh, &a, "live", 60_000).await;
        store
            .first_delivery("discord", "old", now - 2 * day)
            .await
            .unwrap();
        store.first_delivery("discord", "new", now).await.unwrap();
        let orders_before = store.recent_orders(100).await.unwrap().len();

        let retention = Retention {
            sessions_ms: 90 * day,
            deliveries_ms: day,
            sign_ins_ms: None,
        };
        let c = store.collect_garbage(now, retention).await.unwrap();
        assert_eq!(
            c,
            Collected {
                sessions: 1,
                card_links: 1,
                document_links: 0,
                deliveries: 1,
                signins: 0,
                unlinked: 0,
                delivered: 0
            }
        );
        assert!(store.load_session(&old).await.unwrap().is_none());
        assert!(store.load_session(&fresh).await.unwrap().is_some());
        assert!(store.card_link("expired").await.unwrap().is_none());
        assert!(store.card_link("live").await.unwrap().is_some());
        assert!(!store.first_delivery("discord", "new", now).await.unwrap());
        assert_eq!(store.recent_orders(100).await.unwrap().len(), orders_before);
        assert_eq!(
            store.collect_garbage(now, retention).await.unwrap(),
            Collected::default(),
            "nothing left to delete"
        );
    }
);

on_both!(
    a_daily_chore_is_claimed_by_one_process_once_a_day,
    |store: Store| async move {
        let day = 24 * 3_600_000;
        let now = checkout_bot::store::now_ms();
        let claims =
            futures_util::future::join_all((0..4).map(|_| store.claim_chore("clean-up", now, day)))
                .await;
        let won = claims.into_iter().filter(|c| *c.as_ref().unwrap()).count();
        assert_eq!(won, 1, "one claimant of four");
        assert!(
            !store
                .claim_chore("clean-up", now + day - 1, day)
                .await
                .unwrap()
        );
        assert!(store.claim_chore("clean-up", now + day, day).await.unwrap());
        assert!(store.claim_chore("other", now, day).await.unwrap());
    }
);

on_both!(
    refunds_are_claimed_once_and_complete_with_their_audit_entry,
    |store: Store| async move {
        use checkout_bot::store::refunds::RefundStatus;
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        let details = new_order("k7", &a, Payment::Wire);
        let paid = Order {
            number: "CB-7".into(),
            kind: details.kind(),
            status: OrderStatus::Paid,
            created_at: 10,
            details,
        };
        assert!(store.insert_order(&paid).await.unwrap());
        assert_eq!(store.charge_ref("CB-7").await.unwrap(), None);
        store.record_charge("CB-7", "ch_7").await.unwrap();
        assert_eq!(
            store.charge_ref("CB-7").await.unwrap().as_deref(),
            Some("ch_7")
        );
        let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();

        // Two operators racing for the same refund number: one claim.
        let (x, y) = tokio::join!(
            store.claim_refund("CB-7", 1, d("100"), "operator"),
            store.claim_refund("CB-7", 1, d("200"), "operator")
        );
        assert!(x.unwrap() ^ y.unwrap(), "exactly one claim wins");
        assert!(
            store
                .complete_refund("CB-7", 1, "re_1", "USD 100.00", "operator")
                .await
                .unwrap()
        );
        assert!(
            !store
                .complete_refund("CB-7", 1, "re_1", "USD 100.00", "operator")
                .await
                .unwrap(),
            "recorded once"
        );
        assert_eq!(
            store.order_by_number("CB-7").await.unwrap().unwrap().status,
            OrderStatus::Paid,
            "100 of 500 given back"
        );
        assert!(
            store
                .claim_refund("CB-7", 2, d("50"), "operator")
                .await
                .unwrap()
        );
        store.fail_refund("CB-7", 2).await.unwrap();
        assert!(
            store
                .claim_refund("CB-7", 3, d("400"), "operator")
                .await
                .unwrap()
        );
        assert!(
            store
                .complete_refund("CB-7", 3, "re_3", "USD 400.00", "operator")
                .await
                .unwrap()
        );
        let refunds = store.refunds("CB-7").await.unwrap();
        let summary: Vec<_> = refunds
            .iter()
            .map(|r| (r.seq, r.amount, r.status, r.gateway_ref.clone()))
            .collect();
        assert_eq!(summary.len(), 3);
        assert_eq!(summary[0].2, RefundStatus::Done);
        assert_eq!(summary[0].3.as_deref(), Some("re_1"));
        assert_eq!(
            (summary[1].1, summary[1].2),
            (d("50"), RefundStatus::Failed)
        );
        assert_eq!(summary[2].1, d("400"));
        assert_eq!(
            store.order_by_number("CB-7").await.unwrap().unwrap().status,
            OrderStatus::Refunded
        );
        let actions: Vec<_> = store
            .audit_for("CB-7")
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.new_value.unwrap_or_default()))
            .collect();
        assert_eq!(actions.iter().filter(|(a, _)| a == "refunded").count(), 2);
        assert!(actions.iter().any(|(_, new)| new == "refunded"));
    }
);

on_both!(
    an_identity_link_says_how_and_when,
    |store: Store| async move {
        use checkout_bot::domain::account::LinkedVia;
        org(&store, "O1").await;
        let a = store.create_account("Ann", Some("O1")).await.unwrap();
        store.set_membership(&a, "O1", Role::Buyer).await.unwrap();
        let (cli, mail) = (
            Identity::new("console", "local", "ann"),
            Identity::new("slack", "T1", "U1"),
        );
        assert_eq!(store.identity_link(&cli).await.unwrap(), None);
        let before = checkout_bot::store::now_ms();
        assert!(store.link_identity(&cli, &a, LinkedVia::Cli).await.unwrap());
        assert!(
            store
                .link_identity(&mail, &a, LinkedVia::Email)
                .await
                .unwrap()
        );
        let link = store.identity_link(&mail).await.unwrap().unwrap();
        assert_eq!(link.via, LinkedVia::Email);
        assert!(link.at >= before);
        let listed: Vec<_> = store
            .members(Some("O1"))
            .await
            .unwrap()
            .into_iter()
            .map(|m| {
                (
                    m.user_id.unwrap_or_default(),
                    m.linked_via.unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("ann".to_string(), "cli".to_string()),
                ("U1".into(), "email".into())
            ]
        );
    }
);

on_both!(
    an_email_domain_belongs_to_one_organization,
    |store: Store| async move {
        org(&store, "O1").await;
        org(&store, "O2").await;
        assert_eq!(store.set_org_domain("acme.com", "O1").await.unwrap(), None);
        assert_eq!(store.set_org_domain("acme.de", "O1").await.unwrap(), None);
        assert_eq!(
            store.set_org_domain("acme.com", "O1").await.unwrap(),
            None,
            "setting it again changes nothing"
        );
        assert_eq!(
            store.org_domains("O1").await.unwrap(),
            ["acme.com", "acme.de"]
        );
        assert_eq!(
            store
                .set_org_domain("acme.de", "O2")
                .await
                .unwrap()
                .as_deref(),
            Some("O1"),
            "moving a domain says where it was"
        );
        assert_eq!(
            store.org_for_domain("acme.de").await.unwrap().as_deref(),
            Some("O2")
        );
        assert!(!store.remove_org_domain("acme.de", "O1").await.unwrap());
        assert!(store.remove_org_domain("acme.de", "O2").await.unwrap());
        assert_eq!(store.org_for_domain("acme.de").await.unwrap(), None);
        assert_eq!(store.org_domains("O1").await.unwrap(), ["acme.com"]);
    }
);

on_both!(
    stripe_customers_setups_events_and_webhook_transitions,
    |store: Store| async move {
        org(&store, "O1").await;
        let a = store.create_account("A", Some("O1")).await.unwrap();
        assert_eq!(store.stripe_customer(&a).await.unwrap(), None);
        assert_eq!(
            store.keep_stripe_customer(&a, "cus_1").await.unwrap(),
            "cus_1"
        );
        // A second one, from a page that raced the first, is not kept.
        assert_eq!(
            store.keep_stripe_customer(&a, "cus_2").await.unwrap(),
            "cus_1"
        );
        assert_eq!(
            store.stripe_customer(&a).await.unwrap().as_deref(),
            Some("cus_1")
        );

        let who = Identity::new("console", "local", "a");
        card_link(&store, &who, &a, "stripe-link", 60_000).await;
        store
            .set_card_link_setup("stripe-link", "seti_1")
            .await
            .unwrap();
        store
            .set_card_link_setup("stripe-link", "seti_2")
            .await
            .unwrap();
        let link = store.card_link("stripe-link").await.unwrap().unwrap();
        assert_eq!(link.setup_intent.as_deref(), Some("seti_2"));

        let card = SavedCard {
            id: String::new(),
            brand: "Visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2030,
            token: "cus_1:pm_1".into(),
        };
        let kept = store.add_card_kept(&a, &card, true).await.unwrap();
        let once = store.add_card_kept(&a, &card, false).await.unwrap();
        assert!(!store.card_is_one_time(&a, &kept).await.unwrap());
        assert!(store.card_is_one_time(&a, &once).await.unwrap());
        assert!(!store.card_is_one_time(&a, "card_none").await.unwrap());

        let details = new_order("k9", &a, Payment::Wire);
        let order = Order {
            number: "CB-9".into(),
            kind: details.kind(),
            status: OrderStatus::PaymentFailed,
            created_at: 10,
            details,
        };
        assert!(store.insert_order(&order).await.unwrap());
        store.record_charge("CB-9", "pi_9").await.unwrap();
        assert_eq!(
            store.order_by_charge_ref("pi_9").await.unwrap().as_deref(),
            Some("CB-9")
        );
        assert_eq!(store.order_by_charge_ref("pi_x").await.unwrap(), None);
        assert!(
            !store
                .set_order_status_from("CB-9", OrderStatus::Paid, OrderStatus::Refunded, "stripe")
                .await
                .unwrap()
        );
        assert!(
            store
                .set_order_status_from(
                    "CB-9",
                    OrderStatus::PaymentFailed,
                    OrderStatus::Paid,
                    "stripe"
                )
                .await
                .unwrap()
        );
        let changes: Vec<_> = store
            .audit_for("CB-9")
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "status")
            .collect();
        assert_eq!(
            changes.len(),
            1,
            "only the change that happened: {changes:?}"
        );
        assert_eq!(changes[0].actor, "stripe");
        assert_eq!(changes[0].new_value.as_deref(), Some("paid"));

        assert!(!store.stripe_event_seen("evt_1").await.unwrap());
        assert!(
            store
                .record_stripe_event("evt_1", "charge.refunded")
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_stripe_event("evt_1", "charge.refunded")
                .await
                .unwrap()
        );
        assert!(store.stripe_event_seen("evt_1").await.unwrap());
    }
);

on_both!(
    claims_made_together_each_learn_whether_theirs_was_first,
    |store: Store| async move {
        let now = checkout_bot::store::now_ms();
        // 300 claims at once (more than one statement's batch): 100 deliveries, each
        // claimed three times, and one delivery claimed before.
        assert!(store.first_delivery("discord", "d-7", now).await.unwrap());
        let mut claims = Vec::new();
        for round in 0..3 {
            for n in 0..100 {
                let store = store.clone();
                claims.push(tokio::spawn(async move {
                    let id = format!("d-{n}");
                    (
                        n,
                        round,
                        store.first_delivery("discord", &id, now).await.unwrap(),
                    )
                }));
            }
        }
        let mut wins = vec![0; 100];
        for c in claims {
            let (n, _, won) = c.await.unwrap();
            if won {
                wins[n] += 1;
            }
        }
        for (n, w) in wins.iter().enumerate() {
            let expected = if n == 7 { 0 } else { 1 };
            assert_eq!(*w, expected, "delivery d-{n} won {w} times");
        }
        // The same id on another platform is another delivery.
        assert!(store.first_delivery("slack", "d-1", now).await.unwrap());
    }
);
