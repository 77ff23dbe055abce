//! Platform addresses' SQL on SQLite and PostgreSQL: remembered per platform, kind and
//! name, replaced by the newest, and listed per kind.

use checkout_bot::store::Store;

on_both!(
    an_address_is_remembered_replaced_and_listed,
    |store: Store| async move {
        let now = checkout_bot::store::now_ms();
        assert_eq!(store.address("teams", "tenant", "t1").await.unwrap(), None);
        store
            .remember_address("teams", "tenant", "t1", "https://smba.one/emea/", now)
            .await
            .unwrap();
        store
            .remember_address("teams", "tenant", "t2", "https://smba.one/amer/", now)
            .await
            .unwrap();
        // The same name under another kind or platform is another address.
        store
            .remember_address("teams", "person", "t1", "29:abc", now)
            .await
            .unwrap();
        store
            .remember_address("other", "tenant", "t1", "elsewhere", now)
            .await
            .unwrap();
        assert_eq!(
            store.address("teams", "tenant", "t1").await.unwrap(),
            Some("https://smba.one/emea/".into())
        );
        // The newest wins.
        store
            .remember_address("teams", "tenant", "t1", "https://smba.two/emea/", now + 1)
            .await
            .unwrap();
        assert_eq!(
            store.address("teams", "tenant", "t1").await.unwrap(),
            Some("https://smba.two/emea/".into())
        );
        assert_eq!(
            store.addresses("teams", "tenant").await.unwrap(),
            vec![
                ("t1".to_string(), "https://smba.two/emea/".to_string()),
                ("t2".to_string(), "https://smba.one/amer/".to_string()),
            ]
        );
        assert_eq!(
            store.addresses("teams", "person").await.unwrap(),
            vec![("t1".to_string(), "29:abc".to_string())]
        );
        assert!(store.addresses("teams", "none").await.unwrap().is_empty());
    }
);
