//! Document links' SQL on SQLite and PostgreSQL: made for one person and document,
//! used once, never after they expire, and kept a day past expiry.

use checkout_bot::store::Store;

on_both!(
    a_document_link_opens_once_before_it_expires,
    |store: Store| async move {
        use checkout_bot::domain::account::Identity;
        use checkout_bot::store::document_links::NewDocumentLink;
        let who = Identity::new("slack", "T1", "U1");
        let now = checkout_bot::store::now_ms();
        let link = |token| NewDocumentLink {
            token,
            who: &who,
            account_id: "acct_1",
            order_number: "CB-100001",
            kind: "invoice",
            locale: "de",
            now,
            valid_ms: 15 * 60_000,
        };
        store.create_document_link(&link("live")).await.unwrap();
        store.create_document_link(&link("late")).await.unwrap();
        let got = store
            .document_link("live")
            .await
            .unwrap()
            .expect("the link");
        assert_eq!(got.identity(), who);
        assert_eq!(
            (
                got.account_id.as_str(),
                got.order_number.as_str(),
                got.kind.as_str(),
                got.locale.as_str()
            ),
            ("acct_1", "CB-100001", "invoice", "de")
        );
        assert_eq!((got.expires_at, got.used_at), (now + 15 * 60_000, None));
        assert!(store.document_link("never").await.unwrap().is_none());
        // Once: of two uses, one.
        assert!(store.use_document_link("live", now + 1).await.unwrap());
        assert!(!store.use_document_link("live", now + 2).await.unwrap());
        assert_eq!(
            store.document_link("live").await.unwrap().unwrap().used_at,
            Some(now + 1)
        );
        // Never after it expires.
        assert!(
            !store
                .use_document_link("late", now + 15 * 60_000)
                .await
                .unwrap()
        );
        // Expired links are kept a day, so a late click is told it expired.
        let keep = checkout_bot::store::retention::Retention {
            sessions_ms: 90 * 86_400_000,
            deliveries_ms: 86_400_000,
            sign_ins_ms: None,
        };
        let c = store
            .collect_garbage(now + 16 * 60_000, keep)
            .await
            .unwrap();
        assert_eq!(c.document_links, 0);
        let c = store
            .collect_garbage(now + 25 * 3_600_000, keep)
            .await
            .unwrap();
        assert_eq!(c.document_links, 2);
        assert!(store.document_link("late").await.unwrap().is_none());
    }
);
