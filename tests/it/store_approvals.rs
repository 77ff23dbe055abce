//! The approval queries, on SQLite and (with TEST_POSTGRES_URL) on PostgreSQL: policies,
//! channels, exactly-once decisions, reminders, expiry, announcements, messages and
//! delegations.

use std::sync::Arc;

use checkout_bot::domain::account::{Identity, Role};
use checkout_bot::domain::approval::{Policy, Posted, Status, Verdict, Why};
use checkout_bot::domain::approval_chain::Wanted;
use checkout_bot::domain::money::{Currency, Money};
use checkout_bot::domain::order::{
    Named, NewOrder, Order, OrderKind, OrderLine, OrderStatus, Payment,
};
use checkout_bot::store::Store;
use checkout_bot::store::approvals::{Decision, Recorded};
use rust_decimal::Decimal;

use crate::common::org;

fn order(number: &str, account: &str, created_at: i64) -> Order {
    let usd = |s: &str| Money::new(s.parse().unwrap(), Currency::usd());
    Order {
        number: number.into(),
        kind: OrderKind::Order,
        status: OrderStatus::AwaitingApproval,
        created_at,
        details: NewOrder {
            key: format!("key-{number}"),
            account_id: account.into(),
            placed_by: "Buyer".into(),
            placed_via: None,
            lines: vec![OrderLine {
                sku: "SUP-CREDIT".into(),
                name: "Support Credits".into(),
                qty: 5,
                unit_price: usd("100"),
                total: usd("500"),
                deployment: Some(Named {
                    id: "104512".into(),
                    name: "Main Office PBX".into(),
                }),
                deployment_org: None,
                organization: Some(Named {
                    id: "O1".into(),
                    name: "O1 Inc".into(),
                }),
            }],
            delivery: None,
            payment: Payment::Wire,
            po_number: Some("PO-7".into()),
            subtotal: usd("500"),
            shipping: usd("0"),
            total: usd("500"),
        },
    }
}

/// Two organizations, a buyer in O1, and an order of theirs waiting for O1's approval.
async fn waiting(store: &Store, number: &str, orgs: &[&str]) -> (String, Order) {
    org(store, "O1").await;
    org(store, "O2").await;
    let buyer = store.create_account("Buyer", Some("O1")).await.unwrap();
    let o = order(number, &buyer, checkout_bot::store::now_ms());
    let wants: Vec<Wanted> = orgs
        .iter()
        .map(|o| Wanted::one_step(o, Why::PoNumber))
        .collect();
    assert!(store.insert_order_for_approval(&o, &wants).await.unwrap());
    (buyer, o)
}

fn at(platform: &str, channel: &str, message: &str) -> Posted {
    Posted {
        platform: platform.into(),
        channel_id: channel.into(),
        message_id: message.into(),
    }
}

fn decision<'a>(id: &'a str, verdict: &'a Verdict, actor: &'a str) -> Decision<'a> {
    Decision {
        approval_id: id,
        verdict,
        actor,
        on_behalf_of: None,
        described: actor,
        at: checkout_bot::store::now_ms(),
        clicked: None,
        news: None,
        step: None,
        needed: &[],
        decides_alone: false,
    }
}

on_both!(
    policies_limits_and_channels_are_kept_per_organization,
    |store: Store| async move {
        org(&store, "O1").await;
        org(&store, "O2").await;
        assert_eq!(store.policy("O1").await.unwrap(), Policy::default());
        let p = Policy {
            po_required: true,
            limit: Some("2500.50".parse().unwrap()),
        };
        store.set_policy("O1", &p).await.unwrap();
        assert_eq!(store.policy("O1").await.unwrap(), p);
        let off = Policy {
            po_required: false,
            limit: None,
        };
        store.set_policy("O1", &off).await.unwrap();
        assert_eq!(store.policy("O1").await.unwrap(), off);
        assert_eq!(store.policy("O2").await.unwrap(), Policy::default());

        let buyer = store.create_account("B", Some("O1")).await.unwrap();
        store
            .set_buyer_limit("O1", &buyer, Some(Decimal::from(100)))
            .await
            .unwrap();
        store
            .set_buyer_limit("O1", &buyer, Some(Decimal::from(200)))
            .await
            .unwrap();
        assert_eq!(
            store.buyer_limits("O1").await.unwrap(),
            vec![(buyer.clone(), Decimal::from(200))]
        );
        store.set_buyer_limit("O1", &buyer, None).await.unwrap();
        assert!(store.buyer_limits("O1").await.unwrap().is_empty());

        assert_eq!(store.approval_channel("O1", "discord").await.unwrap(), None);
        store
            .set_approval_channel("O1", "discord", Some("111"))
            .await
            .unwrap();
        store
            .set_approval_channel("O1", "discord", Some("222"))
            .await
            .unwrap();
        assert_eq!(
            store.approval_channel("O1", "discord").await.unwrap(),
            Some("222".into())
        );
        assert_eq!(store.approval_channel("O2", "discord").await.unwrap(), None);
        store
            .set_approval_channel("O1", "slack", Some("C123"))
            .await
            .unwrap();
        assert_eq!(
            store.approval_channels("O1").await.unwrap(),
            vec![
                ("discord".to_string(), "222".to_string()),
                ("slack".to_string(), "C123".to_string())
            ]
        );
        assert!(store.approval_channels("O2").await.unwrap().is_empty());
        store
            .set_approval_channel("O1", "discord", None)
            .await
            .unwrap();
        assert_eq!(store.approval_channel("O1", "discord").await.unwrap(), None);
    }
);

on_both!(
    approvers_and_their_identities_are_found,
    |store: Store| async move {
        org(&store, "O1").await;
        let approver = store.create_account("Ann", Some("O1")).await.unwrap();
        let admin = store.create_account("Ad", Some("O1")).await.unwrap();
        let buyer = store.create_account("Bo", Some("O1")).await.unwrap();
        store
            .set_membership(&approver, "O1", Role::Approver)
            .await
            .unwrap();
        store
            .set_membership(&admin, "O1", Role::Admin)
            .await
            .unwrap();
        store
            .set_membership(&buyer, "O1", Role::Buyer)
            .await
            .unwrap();
        let mut expected = vec![approver.clone(), admin.clone()];
        expected.sort();
        assert_eq!(store.approvers_of("O1").await.unwrap(), expected);
        let who = Identity::new("discord", "discord", "42");
        store
            .link_identity(
                &who,
                &approver,
                checkout_bot::domain::account::LinkedVia::Cli,
            )
            .await
            .unwrap();
        store
            .link_identity(
                &Identity::new("console", "local", "ann"),
                &approver,
                checkout_bot::domain::account::LinkedVia::Cli,
            )
            .await
            .unwrap();
        assert_eq!(
            store.identities_of(&approver, "discord").await.unwrap(),
            vec![who]
        );
    }
);

on_both!(
    an_order_waits_for_its_approval_and_is_decided_once,
    |store: Store| async move {
        let (buyer, o) = waiting(&store, "CB-1", &["O1"]).await;
        let approvals = store.approvals_of("CB-1").await.unwrap();
        assert_eq!(approvals.len(), 1);
        let a = &approvals[0];
        assert_eq!(
            (a.status, a.org_id.as_str(), a.requested_by.as_str()),
            (Status::Pending, "O1", buyer.as_str())
        );
        assert_eq!(a.why, Some(Why::PoNumber));
        assert_eq!(store.pending_approvals("O1").await.unwrap().len(), 1);
        assert!(store.pending_approvals("O2").await.unwrap().is_empty());

        let ok = Verdict::Approve;
        let Recorded::Done {
            approval,
            order_status,
            ..
        } = store
            .decide(&decision(&a.id, &ok, "acc_ann"))
            .await
            .unwrap()
        else {
            panic!("not recorded")
        };
        assert_eq!(approval.status, Status::Approved);
        assert_eq!(approval.decided_by.as_deref(), Some("acc_ann"));
        assert_eq!(order_status, OrderStatus::AwaitingPayment);
        let no = Verdict::Reject {
            reason: "late".into(),
        };
        assert!(matches!(
            store.decide(&decision(&a.id, &no, "acc_other")).await.unwrap(),
            Recorded::TooLate(x) if x.status == Status::Approved
        ));
        assert_eq!(
            store.decide(&decision("apv_nope", &ok, "x")).await.unwrap(),
            Recorded::Unknown
        );
        let stored = store.order_by_number(&o.number).await.unwrap().unwrap();
        assert_eq!(stored.status, OrderStatus::AwaitingPayment);
        assert!(store.pending_approvals("O1").await.unwrap().is_empty());

        let trail: Vec<(String, Option<String>)> = store
            .audit_for("CB-1")
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.new_value))
            .collect();
        assert_eq!(
            trail,
            vec![
                ("placed".into(), Some("awaiting_approval".into())),
                (
                    "assignment line 1".into(),
                    Some(
                        "SUP-CREDIT: deployment 104512 (Main Office PBX), organization O1 (O1 Inc)"
                            .into()
                    )
                ),
                ("approval O1".into(), Some("pending".into())),
                ("approval O1".into(), Some("approved by acc_ann".into())),
                ("status".into(), Some("awaiting_payment".into())),
            ]
        );
    }
);

on_both!(
    twenty_four_racing_decisions_record_exactly_one,
    |store: Store| async move {
        waiting(&store, "CB-2", &["O1"]).await;
        let id = store.approvals_of("CB-2").await.unwrap()[0].id.clone();
        let store = Arc::new(store);
        let mut tasks = Vec::new();
        for i in 0..24 {
            let (store, id) = (store.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                let verdict = if i % 2 == 0 {
                    Verdict::Approve
                } else {
                    Verdict::Reject {
                        reason: format!("no {i}"),
                    }
                };
                let actor = format!("acc_{i}");
                store
                    .decide(&decision(&id, &verdict, &actor))
                    .await
                    .unwrap()
            }));
        }
        let mut done = 0;
        for t in tasks {
            match t.await.unwrap() {
                Recorded::Done { .. } => done += 1,
                Recorded::AlreadyVoted(_) => panic!("no vote at an `any` step"),
                Recorded::TooLate(a) => assert_ne!(a.status, Status::Pending),
                Recorded::Unknown => panic!("the approval vanished"),
            }
        }
        assert_eq!(done, 1);
        let decisions = store
            .audit_for("CB-2")
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "approval O1" && e.old_value.is_some())
            .count();
        assert_eq!(decisions, 1, "one decision in the audit trail");
        let status = store.order_by_number("CB-2").await.unwrap().unwrap().status;
        assert!(matches!(
            status,
            OrderStatus::AwaitingPayment | OrderStatus::Rejected
        ));
    }
);

on_both!(
    an_order_needing_two_organizations_waits_for_both_and_a_rejection_ends_it,
    |store: Store| async move {
        waiting(&store, "CB-3", &["O1", "O2"]).await;
        let both = store.approvals_of("CB-3").await.unwrap();
        let ok = Verdict::Approve;
        let Recorded::Done { order_status, .. } = store
            .decide(&decision(&both[0].id, &ok, "a1"))
            .await
            .unwrap()
        else {
            panic!("not recorded")
        };
        assert_eq!(order_status, OrderStatus::AwaitingApproval);
        let Recorded::Done { order_status, .. } = store
            .decide(&decision(&both[1].id, &ok, "a2"))
            .await
            .unwrap()
        else {
            panic!("not recorded")
        };
        assert_eq!(order_status, OrderStatus::AwaitingPayment);

        waiting_again(&store).await;
    }
);

/// A second order of two organizations: one rejects, the other can no longer decide.
async fn waiting_again(store: &Store) {
    let buyer = store.create_account("Buyer 2", Some("O1")).await.unwrap();
    let o = order("CB-4", &buyer, checkout_bot::store::now_ms());
    let wants = vec![
        Wanted::one_step("O1", Why::PoNumber),
        Wanted::one_step("O2", Why::OverLimit(Decimal::from(100))),
    ];
    store.insert_order_for_approval(&o, &wants).await.unwrap();
    let both = store.approvals_of("CB-4").await.unwrap();
    assert_eq!(both[1].why, Some(Why::OverLimit(Decimal::from(100))));
    let no = Verdict::Reject {
        reason: "over budget".into(),
    };
    let Recorded::Done {
        order_status,
        approval,
        ..
    } = store
        .decide(&decision(&both[0].id, &no, "a1"))
        .await
        .unwrap()
    else {
        panic!("not recorded")
    };
    assert_eq!(order_status, OrderStatus::Rejected);
    assert_eq!(approval.reason.as_deref(), Some("over budget"));
    assert!(matches!(
        store.decide(&decision(&both[1].id, &Verdict::Approve, "a2")).await.unwrap(),
        Recorded::TooLate(a) if a.status == Status::Pending
    ));
    assert!(store.pending_approvals("O2").await.unwrap().is_empty());
}

on_both!(
    reminders_are_claimed_once_and_expiry_ends_the_order,
    |store: Store| async move {
        waiting(&store, "CB-5", &["O1", "O2"]).await;
        let now = checkout_bot::store::now_ms();
        assert!(
            store
                .approvals_older_than(now - 60_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let old = store.approvals_older_than(now + 1, 10).await.unwrap();
        assert_eq!(old.len(), 2);
        let store = Arc::new(store);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (store, id) = (store.clone(), old[0].id.clone());
            tasks.push(tokio::spawn(async move {
                store.claim_reminder(&id, now).await.unwrap()
            }));
        }
        let mut claimed = 0;
        for t in tasks {
            claimed += usize::from(t.await.unwrap());
        }
        assert_eq!(claimed, 1);
        assert_eq!(
            store
                .approval(&old[0].id)
                .await
                .unwrap()
                .unwrap()
                .reminded_at,
            Some(now)
        );

        let expired = store.expire_approval(&old[0].id, now).await.unwrap();
        assert_eq!(expired.map(|a| a.status), Some(Status::Expired));
        assert_eq!(
            store.approval(&old[1].id).await.unwrap().unwrap().status,
            Status::Expired,
            "the order's other approval expires with it"
        );
        assert_eq!(store.expire_approval(&old[0].id, now).await.unwrap(), None);
        assert_eq!(
            store.order_by_number("CB-5").await.unwrap().unwrap().status,
            OrderStatus::Expired
        );
        assert!(!store.claim_reminder(&old[1].id, now).await.unwrap());
    }
);

on_both!(
    announcements_are_claimed_once_and_their_messages_kept,
    |store: Store| async move {
        waiting(&store, "CB-6", &["O1"]).await;
        let id = store.approvals_of("CB-6").await.unwrap()[0].id.clone();
        let later = checkout_bot::store::now_ms() + 1;
        assert_eq!(store.unannounced_approvals(later).await.unwrap().len(), 1);
        assert!(store.claim_announcement(&id, later).await.unwrap());
        assert!(!store.claim_announcement(&id, later).await.unwrap());
        assert!(store.unannounced_approvals(later).await.unwrap().is_empty());

        store
            .add_approval_message(&id, &at("p2", "c2", "m2"), None)
            .await
            .unwrap();
        store
            .add_approval_message(&id, &at("p1", "c1", "m1"), None)
            .await
            .unwrap();
        store
            .add_approval_message(&id, &at("p1", "c1", "m1"), None)
            .await
            .unwrap();
        assert_eq!(
            store.approval_messages(&id).await.unwrap(),
            vec![at("p1", "c1", "m1"), at("p2", "c2", "m2")],
            "each copy once, with its platform"
        );
    }
);

on_both!(
    each_copy_of_a_request_is_repainted_once_per_decision,
    |store: Store| async move {
        waiting(&store, "CB-7", &["O1"]).await;
        let id = store.approvals_of("CB-7").await.unwrap()[0].id.clone();
        let (c1, c2) = (at("p1", "c1", "m1"), at("p2", "c2", "m2"));
        store.add_approval_message(&id, &c1, None).await.unwrap();
        store.add_approval_message(&id, &c2, None).await.unwrap();
        let approver = store.create_account("Ann", Some("O1")).await.unwrap();
        let mut d = decision(&id, &Verdict::Approve, &approver);
        d.clicked = Some(&c1);
        assert!(matches!(
            store.decide(&d).await.unwrap(),
            Recorded::Done { .. }
        ));
        let shown = store.approval(&id).await.unwrap().unwrap().shown_key();
        assert!(
            !store
                .claim_approval_repaint(&id, &c1, &shown)
                .await
                .unwrap(),
            "the clicked copy shows the decision already"
        );
        assert!(
            store
                .claim_approval_repaint(&id, &c2, &shown)
                .await
                .unwrap()
        );
        assert!(
            !store
                .claim_approval_repaint(&id, &c2, &shown)
                .await
                .unwrap()
        );
        store
            .release_approval_repaint(&id, &c2, &shown)
            .await
            .unwrap();
        assert!(
            store
                .claim_approval_repaint(&id, &c2, &shown)
                .await
                .unwrap(),
            "a failed edit, released, is tried again"
        );
        assert!(
            !store
                .claim_approval_repaint(&id, &at("p1", "c9", "m9"), &shown)
                .await
                .unwrap()
        );
    }
);

on_both!(
    delegations_run_for_their_range_and_a_new_one_replaces_the_old,
    |store: Store| async move {
        org(&store, "O1").await;
        let ann = store.create_account("Ann", Some("O1")).await.unwrap();
        let bo = store.create_account("Bo", Some("O1")).await.unwrap();
        let cy = store.create_account("Cy", Some("O1")).await.unwrap();
        let first = store.delegate(&ann, &bo, 1_000, 5_000).await.unwrap();
        assert_eq!(store.delegations_to(&bo).await.unwrap(), vec![first]);
        let second = store.delegate(&ann, &cy, 2_000, 9_000).await.unwrap();
        let bo_now = store.delegations_to(&bo).await.unwrap();
        assert_eq!(bo_now[0].ends_at, 2_000, "the earlier one ends");
        assert_eq!(
            store.delegations_from(&ann, 2_500).await.unwrap(),
            vec![second.clone()]
        );
        assert_eq!(store.end_delegations(&ann, 3_000).await.unwrap(), 1);
        assert!(
            store
                .delegations_from(&ann, 3_000)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.delegations_to(&cy).await.unwrap()[0].ends_at, 3_000);
    }
);

on_both!(
    a_quote_converted_under_a_policy_waits_for_approval_from_now,
    |store: Store| async move {
        org(&store, "O1").await;
        let buyer = store.create_account("Buyer", Some("O1")).await.unwrap();
        let mut quote = order("CB-7", &buyer, 1_000);
        quote.kind = OrderKind::Quote;
        quote.status = OrderStatus::Quote;
        quote.details.payment = Payment::Quote;
        assert!(store.insert_order(&quote).await.unwrap());
        let wants = vec![Wanted::one_step("O1", Why::PoNumber)];
        let before = checkout_bot::store::now_ms();
        let converted = store
            .convert_quote_for_approval(&buyer, "CB-7", &wants)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (converted.kind, converted.status),
            (OrderKind::Order, OrderStatus::AwaitingApproval)
        );
        let approvals = store.approvals_of("CB-7").await.unwrap();
        assert_eq!(approvals.len(), 1);
        assert!(
            approvals[0].created_at >= before,
            "the request is as old as the conversion, not the quote"
        );
        assert!(
            store
                .convert_quote_for_approval(&buyer, "CB-7", &wants)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.approvals_of("CB-7").await.unwrap().len(), 1);
        let actions: Vec<String> = store
            .audit_for("CB-7")
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {}", e.action, e.new_value.unwrap_or_default()))
            .collect();
        assert!(
            actions.ends_with(&[
                "status awaiting_approval".to_string(),
                "approval O1 pending".to_string()
            ]),
            "{actions:?}"
        );
    }
);

fn post_entry(approval: &str, channel: &str, which: &str) -> checkout_bot::store::outbox::NewEntry {
    checkout_bot::store::outbox::NewEntry {
        platform: "discord".into(),
        destination: format!("channel:{channel}"),
        kind: "post".into(),
        subject: approval.into(),
        body: "{}".into(),
        dedup_key: format!("post:{approval}:{channel}:{which}"),
    }
}

/// What was changed, as the news of a change saw it inside its transaction.
type Seen = Arc<std::sync::Mutex<Vec<checkout_bot::store::approvals::Changed>>>;

fn news(
    seen: &Seen,
    key: &str,
) -> impl Fn(&checkout_bot::store::approvals::Changed) -> Vec<checkout_bot::store::outbox::NewEntry>
+ Send
+ Sync
+ use<> {
    let (seen, key) = (seen.clone(), key.to_string());
    move |c| {
        seen.lock().unwrap().push(c.clone());
        vec![checkout_bot::store::outbox::NewEntry {
            platform: "discord".into(),
            destination: "person:discord:buyer".into(),
            kind: "note".into(),
            subject: c.approvals[0].order_number.clone(),
            body: "{}".into(),
            dedup_key: key.clone(),
        }]
    }
}

on_both!(
    announcements_reminders_decisions_and_expiry_write_their_messages_with_them,
    |store: Store| async move {
        use checkout_bot::store::approvals::CopyOf;
        let now = checkout_bot::store::now_ms();
        waiting(&store, "CB-7", &["O1"]).await;
        let id = store.approvals_of("CB-7").await.unwrap()[0].id.clone();
        let request = post_entry(&id, "C1", "request");
        assert!(
            store
                .claim_announcement_with(&id, now, std::slice::from_ref(&request))
                .await
                .unwrap()
        );
        assert!(
            !store
                .claim_announcement_with(&id, now, &[post_entry(&id, "C2", "request")])
                .await
                .unwrap()
        );
        assert!(
            store
                .claim_reminder_with(&id, now, &[post_entry(&id, "C1", "reminder")])
                .await
                .unwrap()
        );
        let written = store.outbox_list(&["pending"], 10).await.unwrap();
        let keys: Vec<&str> = written.iter().map(|e| e.dedup_key.as_str()).collect();
        assert_eq!(
            keys,
            [
                request.dedup_key.as_str(),
                &format!("post:{id}:C1:reminder")
            ]
        );

        // The decision reads every copy inside its transaction and writes its news there.
        let seen: Seen = Default::default();
        let told = news(&seen, "note:decided");
        let mut d = decision(&id, &Verdict::Approve, "acct_approver");
        d.news = Some(&told);
        assert!(matches!(
            store.decide(&d).await.unwrap(),
            Recorded::Done { .. }
        ));
        let changed = seen.lock().unwrap().remove(0);
        assert_eq!(changed.order_status, OrderStatus::AwaitingPayment);
        assert_eq!(changed.approvals[0].status, Status::Approved);
        assert_eq!(
            changed.copies,
            written
                .iter()
                .map(|e| CopyOf::Entry {
                    approval_id: id.clone(),
                    entry: e.id.clone(),
                    platform: "discord".into(),
                    destination: "channel:C1".into(),
                })
                .collect::<Vec<_>>()
        );
        assert_eq!(store.outbox_list(&["pending"], 10).await.unwrap().len(), 3);
        // A decision that is too late writes nothing.
        let late = news(&seen, "note:late");
        let mut d = decision(&id, &Verdict::Approve, "acct_other");
        d.news = Some(&late);
        assert!(matches!(
            store.decide(&d).await.unwrap(),
            Recorded::TooLate(_)
        ));
        assert!(seen.lock().unwrap().is_empty());
        assert_eq!(store.outbox_list(&["pending"], 10).await.unwrap().len(), 3);

        // A copy posted before the outbox is found through its message.
        waiting_again_for_expiry(&store).await;
        let old = store.approvals_of("CB-8").await.unwrap()[0].id.clone();
        let at = Posted {
            platform: "discord".into(),
            channel_id: "C9".into(),
            message_id: "M9".into(),
        };
        store.add_approval_message(&old, &at, None).await.unwrap();
        assert_eq!(store.approval_copy_shows(&old, &at).await.unwrap(), None);
        let expiry = news(&seen, "note:expired");
        assert!(
            store
                .expire_approval_with(&old, now, Some(&expiry))
                .await
                .unwrap()
                .is_some()
        );
        let changed = seen.lock().unwrap().remove(0);
        assert_eq!(changed.order_status, OrderStatus::Expired);
        assert_eq!(
            changed.copies,
            [CopyOf::Posted {
                approval_id: old.clone(),
                at: at.clone()
            }]
        );
        store
            .approval_copy_shown(&old, &at, "expired@1")
            .await
            .unwrap();
        assert_eq!(
            store
                .approval_copy_shows(&old, &at)
                .await
                .unwrap()
                .as_deref(),
            Some("expired@1")
        );
    }
);

async fn waiting_again_for_expiry(store: &Store) {
    let buyer = store.create_account("Buyer 3", Some("O1")).await.unwrap();
    let o = order("CB-8", &buyer, checkout_bot::store::now_ms());
    assert!(
        store
            .insert_order_for_approval(&o, &[Wanted::one_step("O1", Why::PoNumber)])
            .await
            .unwrap()
    );
}
