//! The approvals service against a store on SQLite and a mocked notifier, its messages
//! sent by an outbox worker: who hears of a request, and what happens when the platform
//! could not take it.

use std::sync::Arc;

use super::*;
use crate::demo;
use crate::domain::money::{Currency, Money};
use crate::domain::order::{Named, OrderKind, OrderLine};
use crate::services::notifier::{MockNotifier, NotifyError};
use crate::services::outbound::Outbound;
use crate::services::payments::MockPayments;

async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite:{}", dir.path().join("a.db").display()))
        .await
        .unwrap();
    demo::seed_if_empty(&store).await.unwrap();
    (store, dir)
}

async fn account(store: &Store, user: &str) -> String {
    store
        .account_id_for(&Identity::new("console", "local", user))
        .await
        .unwrap()
        .unwrap()
}

/// An order of `buyer` for Acme with a PO number, waiting for Acme's approval.
async fn waiting_order(store: &Store, buyer: &str) -> Order {
    let usd = Money::new(Decimal::from(500), Currency::usd());
    let order = Order {
        number: "CB-9".into(),
        kind: OrderKind::Order,
        status: OrderStatus::AwaitingApproval,
        created_at: now_ms(),
        details: NewOrder {
            key: "k9".into(),
            account_id: buyer.into(),
            placed_by: "Demo Buyer".into(),
            placed_via: None,
            lines: vec![OrderLine {
                sku: "SUP-CREDIT".into(),
                name: "Support Credits".into(),
                qty: 5,
                unit_price: Money::new(Decimal::from(100), Currency::usd()),
                total: usd.clone(),
                deployment: None,
                deployment_org: None,
                organization: Some(Named {
                    id: "ORG-ACME".into(),
                    name: "Acme Telecom".into(),
                }),
            }],
            delivery: None,
            payment: Payment::Wire,
            po_number: Some("PO-1".into()),
            subtotal: usd.clone(),
            shipping: Money::zero(Currency::usd()),
            total: usd,
        },
    };
    store
        .insert_order_for_approval(&order, &[("ORG-ACME".to_string(), Why::PoNumber).into()])
        .await
        .unwrap();
    order
}

/// Sends what the outbox holds, as the worker in a serving process does, until nothing
/// is due.
async fn deliver(approvals: &Arc<Approvals>) {
    let worker = crate::services::outbox::Worker::new(
        approvals.store.clone(),
        approvals.outbound.clone(),
        approvals.clone(),
    );
    let platforms = approvals.outbound.platforms();
    while worker.round(&platforms).await.unwrap() > 0 {}
}

fn service(store: &Store, notifier: MockNotifier) -> Approvals {
    Approvals::new(
        store.clone(),
        Arc::new(MockPayments::new()),
        Outbound::default().with_notifier(Arc::new(notifier)),
        Arc::new(Prompts::embedded().unwrap()),
        Settings::default(),
    )
}

#[tokio::test]
async fn a_request_the_platform_could_not_take_is_sent_again_once() {
    let (store, _dir) = store().await;
    let buyer = account(&store, "demo").await;
    waiting_order(&store, &buyer).await;
    let approver = Recipient::Person(Identity::new("console", "local", "approver"));

    let tries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = tries.clone();
    let mut notifier = MockNotifier::new();
    // Slack and Discord draw no per-person views.
    notifier.expect_shows_own_views().return_const(false);
    notifier
        .expect_platform()
        .return_const("console".to_string());
    let to = approver.clone();
    notifier
        .expect_post()
        .withf(move |r, request, key| {
            *r == to
                && request.title == "Approval needed: order CB-9"
                && request.open()
                && key.starts_with("out_")
        })
        .times(2)
        .returning(move |_, _, _| {
            if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                return Err(NotifyError::Platform("503 Service Unavailable".into()));
            }
            Ok(Posted {
                platform: "console".into(),
                channel_id: "c1".into(),
                message_id: "m1".into(),
            })
        });
    let approvals = Arc::new(service(&store, notifier));
    assert_eq!(approvals.announce("CB-9").await.unwrap(), 1);
    assert_eq!(
        approvals.announce("CB-9").await.unwrap(),
        0,
        "announced once"
    );
    deliver(&approvals).await;
    assert_eq!(tries.load(std::sync::atomic::Ordering::SeqCst), 1);
    let waiting = store.outbox_list(&["pending"], 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert!(
        waiting[0].not_before > now_ms(),
        "it waits before the next try"
    );
    let id = store.approvals_of("CB-9").await.unwrap().remove(0).id;
    assert!(store.approval_messages(&id).await.unwrap().is_empty());

    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    deliver(&approvals).await;
    assert_eq!(tries.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(
        store.approval_messages(&id).await.unwrap(),
        vec![Posted {
            platform: "console".into(),
            channel_id: "c1".into(),
            message_id: "m1".into(),
        }]
    );
    let sent = store.outbox_list(&["sent"], 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].sent_ref.as_deref(), Some("c1 m1"));
    assert_eq!(sent[0].body, "", "what was sent is not kept");
    assert!(
        store
            .outbox_list(&["pending"], 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A quote that cannot be written (a broken store, a font gone) never holds a request
/// back: it goes out without one; one that can is carried on the post.
#[tokio::test]
async fn a_request_carries_its_quote_and_goes_out_without_one_that_cannot_be_written() {
    use crate::services::documents::Written;
    use crate::services::documents::handover::MockPapers;
    for broken in [true, false] {
        let (store, _dir) = store().await;
        let buyer = account(&store, "demo").await;
        waiting_order(&store, &buyer).await;
        let mut notifier = MockNotifier::new();
        // Slack and Discord draw no per-person views.
        notifier.expect_shows_own_views().return_const(false);
        notifier
            .expect_platform()
            .return_const("console".to_string());
        notifier
            .expect_post()
            .withf(move |_, request, _| request.quote.is_some() != broken)
            .times(1)
            .returning(|_, _, _| {
                Ok(Posted {
                    platform: "console".into(),
                    channel_id: "c1".into(),
                    message_id: "m1".into(),
                })
            });
        notifier.expect_quote_apart().return_const(false);
        let approvals = Arc::new(service(&store, notifier));
        let mut papers = MockPapers::new();
        papers.expect_quote_for_approval().returning(move |_| {
            if broken {
                return Err(crate::store::StoreError::Invalid("no font".into()));
            }
            let doc = crate::engine::view::Document {
                order: "CB-9".into(),
                kind: "quote".into(),
                file_name: "Q-CB-9.pdf".into(),
                locale: "en".into(),
            };
            let file = Written {
                file_name: "Q-CB-9.pdf".into(),
                bytes: b"%PDF-".to_vec(),
            };
            Ok(Some((doc, file)))
        });
        assert_eq!(approvals.announce("CB-9").await.unwrap(), 1);
        let worker = crate::services::outbox::Worker::new(
            approvals.store.clone(),
            approvals.outbound.clone(),
            approvals.clone(),
        )
        .with_papers(Arc::new(papers));
        let platforms = approvals.outbound.platforms();
        while worker.round(&platforms).await.unwrap() > 0 {}
        let sent = store.outbox_list(&["sent"], 10).await.unwrap();
        assert_eq!(sent.len(), 1, "broken: {broken}");
    }
}

#[tokio::test]
async fn a_requester_who_is_an_approver_is_not_asked_and_cannot_decide() {
    let (store, _dir) = store().await;
    let approver = account(&store, "approver").await;
    waiting_order(&store, &approver).await;

    let mut notifier = MockNotifier::new();

    // Slack and Discord draw no per-person views.

    notifier.expect_shows_own_views().return_const(false);
    notifier
        .expect_platform()
        .return_const("console".to_string());
    // The only approver of Acme placed the order: nobody else to ask.
    notifier.expect_post().times(0);
    let approvals = Arc::new(service(&store, notifier));
    assert_eq!(approvals.announce("CB-9").await.unwrap(), 0);
    let id = store.approvals_of("CB-9").await.unwrap().remove(0).id;
    let me = Identity::new("console", "local", "approver");
    let decided = approvals
        .decide(
            &me,
            &Target {
                approval: id.clone(),
                step: None,
            },
            Verdict::Approve,
            None,
        )
        .await
        .unwrap();
    let Decided::Refused(why @ Refusal::OwnOrder { .. }) = &decided else {
        panic!("{decided:?}");
    };
    let prompts = crate::prompts::Prompts::embedded().unwrap();
    let told = why.text(&prompts.lang("en-GB"));
    assert!(told.contains("You requested this order"), "{told}");
    assert!(approvals.pending_for(&approver).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_approved_card_order_is_charged_once_and_the_requester_told() {
    let (store, _dir) = store().await;
    let buyer = account(&store, "demo").await;
    let card = store.cards(&buyer).await.unwrap().remove(0);
    let mut order = waiting_order(&store, &buyer).await;
    // Place a second, card-paid order the same way.
    order.number = "CB-10".into();
    order.details.key = "k10".into();
    order.details.payment = Payment::Card {
        card_id: card.id.clone(),
        label: "Visa •••• 4242".into(),
    };
    store
        .insert_order_for_approval(&order, &[("ORG-ACME".to_string(), Why::PoNumber).into()])
        .await
        .unwrap();

    let mut payments = MockPayments::new();
    payments
        .expect_charge()
        .withf(|token, amount, key| {
            token == "tok_sandbox_visa" && amount.plain() == "USD 500.00" && key == "k10"
        })
        .times(1)
        .returning(|_, _, _| Ok(crate::services::payments::Charge { id: "ch_1".into() }));
    let (told, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let mut notifier = MockNotifier::new();
    // Slack and Discord draw no per-person views.
    notifier.expect_shows_own_views().return_const(false);
    notifier
        .expect_platform()
        .return_const("console".to_string());
    notifier.expect_update().returning(|_, _| Ok(()));
    notifier.expect_tell().returning(move |who, text, _| {
        let _ = told.send((who.user.clone(), text.to_string()));
        Ok(())
    });
    let approvals = Arc::new(Approvals::new(
        store.clone(),
        Arc::new(payments),
        Outbound::default().with_notifier(Arc::new(notifier)),
        Arc::new(Prompts::embedded().unwrap()),
        Settings::default(),
    ));
    let id = store.approvals_of("CB-10").await.unwrap().remove(0).id;
    let approver = Identity::new("console", "local", "approver");
    let Decided::Done(request) = approvals
        .decide(
            &approver,
            &Target {
                approval: id.clone(),
                step: None,
            },
            Verdict::Approve,
            None,
        )
        .await
        .unwrap()
    else {
        panic!("not decided")
    };
    assert!(
        request
            .outcome
            .unwrap()
            .starts_with("Approved by Demo Approver at ")
    );
    assert!(!request.fields.is_empty());
    let again = approvals
        .decide(
            &approver,
            &Target {
                approval: id.clone(),
                step: None,
            },
            Verdict::Approve,
            None,
        )
        .await
        .unwrap();
    assert!(matches!(again, Decided::TooLate { .. }), "{again:?}");
    assert_eq!(
        store
            .order_by_number("CB-10")
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Paid
    );
    deliver(&approvals).await;
    let (to, text) = tokio::time::timeout(std::time::Duration::from_secs(5), heard.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(to, "demo");
    assert!(
        text.contains("CB-10 was approved by Demo Approver")
            && text.contains("Your card was charged USD 500.00"),
        "{text}"
    );
}

/// One order's approver reachable on two platforms: the request goes out on both, and
/// the decision edits each copy once, through the platform it was posted on.
#[tokio::test]
async fn a_request_reaches_approvers_on_every_platform_and_each_copy_is_edited_there() {
    let (store, _dir) = store().await;
    let buyer = account(&store, "demo").await;
    waiting_order(&store, &buyer).await;
    let approver = account(&store, "approver").await;
    let elsewhere = Identity::new("other", "w1", "u-approver");
    store
        .link_identity(
            &elsewhere,
            &approver,
            crate::domain::account::LinkedVia::Cli,
        )
        .await
        .unwrap();

    let edits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let notifier = |platform: &'static str, user: &'static str| {
        let edited = edits.clone();
        let mut n = MockNotifier::new();
        // Slack and Discord draw no per-person views.
        n.expect_shows_own_views().return_const(false);
        n.expect_platform().return_const(platform.to_string());
        n.expect_post()
            .withf(move |to, _, _| matches!(to, Recipient::Person(who) if who.platform == platform && who.user == user))
            .times(1)
            .returning(move |_, _, _| {
                Ok(Posted {
                    platform: platform.into(),
                    channel_id: format!("{platform}-dm"),
                    message_id: "m1".into(),
                })
            });
        n.expect_update()
            .withf(move |at, request| at.platform == platform && !request.open())
            .times(1)
            .returning(move |_, _| {
                edited.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            });
        n.expect_tell().returning(|_, _, _| Ok(()));
        Arc::new(n)
    };
    let approvals = Arc::new(Approvals::new(
        store.clone(),
        Arc::new(MockPayments::new()),
        Outbound::default()
            .with_notifier(notifier("console", "approver"))
            .with_notifier(notifier("other", "u-approver")),
        Arc::new(Prompts::embedded().unwrap()),
        Settings::default(),
    ));
    assert_eq!(approvals.announce("CB-9").await.unwrap(), 1);
    deliver(&approvals).await;
    let id = store.approvals_of("CB-9").await.unwrap().remove(0).id;
    assert_eq!(store.approval_messages(&id).await.unwrap().len(), 2);
    let decided = approvals
        .decide(
            &elsewhere,
            &Target {
                approval: id.clone(),
                step: None,
            },
            Verdict::Approve,
            None,
        )
        .await
        .unwrap();
    assert!(matches!(decided, Decided::Done(_)), "{decided:?}");
    deliver(&approvals).await;
    assert_eq!(edits.load(std::sync::atomic::Ordering::SeqCst), 2);
    let a = store.approval(&id).await.unwrap().unwrap();
    for at in store.approval_messages(&id).await.unwrap() {
        assert!(
            !store
                .claim_approval_repaint(&id, &at, &a.shown_key())
                .await
                .unwrap()
        );
    }
}
