//! The outbox's SQL on SQLite and PostgreSQL: entries written once per key, claimed by
//! one worker at a time, in order per destination, retried, failed, retried by an
//! operator, counted, and forgotten once delivered.

use checkout_bot::store::Store;
use checkout_bot::store::outbox::NewEntry;

fn entry(platform: &str, destination: &str, key: &str) -> NewEntry {
    NewEntry {
        platform: platform.into(),
        destination: destination.into(),
        kind: "note".into(),
        subject: "CB-1".into(),
        body: format!("{{\"key\":\"{key}\"}}"),
        dedup_key: key.into(),
    }
}

fn keys(entries: &[checkout_bot::store::outbox::Entry]) -> Vec<String> {
    entries.iter().map(|e| e.dedup_key.clone()).collect()
}

const LEASE: i64 = 60_000;

on_both!(
    each_destination_goes_in_order_and_one_claim_at_a_time,
    |store: Store| async move {
        let now = checkout_bot::store::now_ms();
        let platforms = vec!["discord".to_string(), "slack".to_string()];
        let written = store
            .enqueue(
                &[
                    entry("discord", "channel:1", "a1"),
                    entry("discord", "channel:1", "a2"),
                    entry("discord", "channel:2", "b1"),
                    entry("slack", "channel:1", "c1"),
                    entry("teams", "channel:9", "t1"),
                ],
                now,
            )
            .await
            .unwrap();
        assert_eq!(written, 5);
        // The same key again is the same entry.
        assert_eq!(
            store
                .enqueue(&[entry("discord", "channel:1", "a1")], now)
                .await
                .unwrap(),
            0
        );
        assert_eq!(store.outbox_next_due(&platforms).await.unwrap(), Some(now));

        // Only each destination's first entry, and only on the platforms asked for.
        let first = store
            .claim_outbox(&platforms, "w1", now, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(keys(&first), ["a1", "b1", "c1"]);
        assert!(first.iter().all(|e| e.attempts == 1));
        // Another worker finds nothing while those claims hold.
        assert!(
            store
                .claim_outbox(&platforms, "w2", now, LEASE, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // a1 went out: a2 is next on its channel; only the claimer may record it.
        let a1 = &first[0];
        assert!(!store.outbox_sent(&a1.id, "w2", None, now).await.unwrap());
        assert!(
            store
                .outbox_sent(&a1.id, "w1", Some("1 900"), now)
                .await
                .unwrap()
        );
        let sent = store.outbox_entry(&a1.id).await.unwrap().unwrap();
        assert_eq!(
            (
                sent.state.as_str(),
                sent.sent_ref.as_deref(),
                sent.body.as_str()
            ),
            ("sent", Some("1 900"), "")
        );
        let next = store
            .claim_outbox(&platforms, "w2", now, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(keys(&next), ["a2"]);

        // b1 must wait; nothing behind it on its channel may pass it.
        let b1 = &first[1];
        store
            .enqueue(&[entry("discord", "channel:2", "b2")], now)
            .await
            .unwrap();
        assert!(
            store
                .outbox_later(&b1.id, "w1", now + 5_000, "503")
                .await
                .unwrap()
        );
        assert!(
            store
                .claim_outbox(&platforms, "w2", now + 1_000, LEASE, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // Nothing is due before b1 is: b2 behind it does not make an idle worker spin.
        // (a2 and c1 are claimed until now + LEASE.)
        assert_eq!(
            store.outbox_next_due(&platforms).await.unwrap(),
            Some(now + 5_000)
        );
        let due = store
            .claim_outbox(&platforms, "w2", now + 5_000, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(keys(&due), ["b1"]);
        assert_eq!(due[0].attempts, 2);
        assert_eq!(due[0].last_error.as_deref(), Some("503"));

        // A worker that died: its claim runs out and another takes the entry up.
        let c1 = &first[2];
        let taken = store
            .claim_outbox(&platforms, "w3", now + LEASE + 1, LEASE, 10)
            .await
            .unwrap();
        assert!(keys(&taken).contains(&"c1".to_string()), "{taken:?}");
        assert!(!store.outbox_sent(&c1.id, "w1", None, now).await.unwrap());

        // Refused for good: it stops, b2 goes on, and an operator may send it again.
        assert!(
            store
                .outbox_failed(&b1.id, "w2", "404 Unknown Channel", now)
                .await
                .unwrap()
        );
        let depth = store.outbox_depth(now + 10).await.unwrap();
        assert_eq!((depth.failed, depth.oldest_ms), (1, 10));
        let listed = store.outbox_list(&["failed"], 10).await.unwrap();
        assert_eq!(keys(&listed), ["b1"]);
        assert!(store.outbox_retry(&b1.id, now).await.unwrap());
        assert!(
            !store.outbox_retry(&b1.id, now).await.unwrap(),
            "pending now"
        );
        assert!(
            !store.outbox_retry(&a1.id, now).await.unwrap(),
            "sent, not failed"
        );

        // Delivered entries are forgotten after the retention; the rest stay.
        assert_eq!(store.forget_delivered_before(now + 1).await.unwrap(), 1);
        assert!(store.outbox_entry(&a1.id).await.unwrap().is_none());
        assert!(store.outbox_entry(&b1.id).await.unwrap().is_some());
    }
);

on_both!(
    two_workers_claiming_at_once_never_share_an_entry,
    |store: Store| async move {
        let now = checkout_bot::store::now_ms();
        let entries: Vec<NewEntry> = (0..60)
            .map(|i| entry("slack", &format!("channel:{i}"), &format!("k{i}")))
            .collect();
        store.enqueue(&entries, now).await.unwrap();
        let platforms = vec!["slack".to_string()];
        let mut tasks = Vec::new();
        for w in 0..6 {
            let store = store.clone();
            let platforms = platforms.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = store
                        .claim_outbox(&platforms, &format!("w{w}"), now, LEASE, 7)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|e| e.dedup_key));
                }
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort();
        let mut unique = all.clone();
        unique.dedup();
        assert_eq!(all.len(), 60, "every entry claimed");
        assert_eq!(unique.len(), 60, "none claimed twice");
    }
);

on_both!(
    an_entry_written_to_wait_is_not_due_before_its_time,
    |store: Store| async move {
        let now = checkout_bot::store::now_ms();
        let platforms = vec!["discord".to_string()];
        store
            .enqueue_after(&[entry("discord", "person:1", "later")], now, 1_000)
            .await
            .unwrap();
        assert_eq!(
            store.outbox_next_due(&platforms).await.unwrap(),
            Some(now + 1_000)
        );
        let early = store
            .claim_outbox(&platforms, "w1", now, LEASE, 10)
            .await
            .unwrap();
        assert!(
            early.is_empty(),
            "claimed before its time: {:?}",
            keys(&early)
        );
        let due = store
            .claim_outbox(&platforms, "w1", now + 1_000, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(keys(&due), ["later"]);
    }
);

on_both!(
    replies_written_together_share_a_batch_and_keep_their_order_and_keys,
    |store: Store| async move {
        let now = checkout_bot::store::now_ms();
        // 200 writers at once, four to each of 50 destinations, one key written twice.
        let mut writes = Vec::new();
        for i in 0..200 {
            let store = store.clone();
            writes.push(tokio::spawn(async move {
                let e = entry("teams", &format!("chat:{}", i % 50), &format!("k{i}"));
                store.enqueue(&[e], now).await.unwrap()
            }));
        }
        let again = {
            let store = store.clone();
            tokio::spawn(async move { store.enqueue(&[entry("teams", "chat:0", "k0")], now).await })
        };
        let mut added = 0;
        for w in writes {
            added += w.await.unwrap();
        }
        added += again.await.unwrap().unwrap();
        assert_eq!(added, 200, "each key is one entry, whoever wrote it first");
        let depth = store.outbox_depth(now).await.unwrap();
        assert_eq!(depth.pending, 200);
        // One writer's entries of one destination come out in the order written.
        store
            .enqueue(
                &[
                    entry("teams", "chat:x", "x1"),
                    entry("teams", "chat:x", "x2"),
                    entry("teams", "chat:x", "x3"),
                ],
                now,
            )
            .await
            .unwrap();
        let platforms = vec!["teams".to_string()];
        let mut order = Vec::new();
        for _ in 0..3 {
            let claimed = store
                .claim_outbox(&platforms, "w1", now, LEASE, 100)
                .await
                .unwrap();
            let x: Vec<_> = claimed
                .iter()
                .filter(|e| e.destination == "chat:x")
                .collect();
            assert_eq!(x.len(), 1, "one at a time on a destination");
            order.push(x[0].dedup_key.clone());
            // Everything claimed is recorded in one statement.
            let sent: Vec<(String, Option<String>)> = claimed
                .iter()
                .map(|e| (e.id.clone(), Some(format!("ref-{}", e.dedup_key))))
                .collect();
            let recorded = store.outbox_sent_all("w1", &sent, now).await.unwrap();
            assert_eq!(recorded.len(), sent.len());
        }
        assert_eq!(order, ["x1", "x2", "x3"]);
        let x1 = store
            .outbox_list(&["sent"], 1_000)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.dedup_key == "x1")
            .unwrap();
        assert_eq!(x1.sent_ref.as_deref(), Some("ref-x1"));
        assert_eq!(x1.body, "", "the content is let go once sent");
        // Only the claimer records, and only while its claim holds.
        let claimed = store
            .claim_outbox(&platforms, "w2", now, LEASE, 1)
            .await
            .unwrap();
        let one = vec![(claimed[0].id.clone(), None)];
        assert!(
            store
                .outbox_sent_all("w1", &one, now)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.outbox_sent_all("w2", &one, now).await.unwrap(),
            [claimed[0].id.clone()]
        );
        assert!(
            store
                .outbox_sent_all("w2", &[], now)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

on_both!(
    a_destination_s_next_entry_follows_its_last_whatever_state_it_is_in,
    |store: Store| async move {
        let now = checkout_bot::store::now_ms();
        let platforms = vec!["teams".to_string()];
        // Three delivered to chat:1, one pending to chat:2, then one more each.
        let mut last_sent = 0;
        for key in ["s1", "s2", "s3"] {
            store
                .enqueue(&[entry("teams", "chat:1", key)], now)
                .await
                .unwrap();
            let claimed = store
                .claim_outbox(&platforms, "w1", now, LEASE, 10)
                .await
                .unwrap();
            assert_eq!(keys(&claimed), [key]);
            assert!(claimed[0].seq > last_sent);
            last_sent = claimed[0].seq;
            assert!(
                store
                    .outbox_sent(&claimed[0].id, "w1", None, now)
                    .await
                    .unwrap()
            );
        }
        store
            .enqueue(&[entry("teams", "chat:2", "other")], now)
            .await
            .unwrap();
        store
            .enqueue(
                &[
                    entry("teams", "chat:1", "next"),
                    entry("teams", "chat:2", "other2"),
                ],
                now,
            )
            .await
            .unwrap();
        let claimed = store
            .claim_outbox(&platforms, "w2", now, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(keys(&claimed), ["other", "next"]);
        let next = claimed.iter().find(|e| e.dedup_key == "next").unwrap();
        let other = claimed.iter().find(|e| e.dedup_key == "other").unwrap();
        // Sequence numbers are per destination and follow the last one, sent or not.
        assert!(next.seq > last_sent, "{} after {last_sent}", next.seq);
        let later = store
            .claim_outbox(&platforms, "w2", now, LEASE, 10)
            .await
            .unwrap();
        assert!(later.is_empty(), "other2 waits behind other");
        assert!(store.outbox_sent(&other.id, "w2", None, now).await.unwrap());
        let last = store
            .claim_outbox(&platforms, "w3", now, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(keys(&last), ["other2"]);
        assert!(last[0].seq > other.seq);
    }
);
