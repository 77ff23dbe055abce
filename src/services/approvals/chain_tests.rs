//! Approval chains through the service, on SQLite: what an order needs (its chain's
//! steps, the admins' step over budget), the requester refused at every step, steps
//! decided in order with their buttons, the request showing the chain and the budget,
//! and escalation with the clock moved by the sweep.

use std::sync::Arc;

use super::*;
use crate::demo;
use crate::domain::account::LinkedVia;
use crate::domain::approval_chain::{Applies, Chain, StepRule, StepWhy};
use crate::domain::budget::{Budget, Period};
use crate::domain::money::{Currency, Money};
use crate::domain::order::{Named, OrderKind, OrderLine};
use crate::services::outbound::Outbound;
use crate::services::payments::MockPayments;

struct World {
    store: Store,
    approvals: Arc<Approvals>,
    _dir: tempfile::TempDir,
}

/// Acme with the demo buyer and approver, a finance person and two directors (admins),
/// and the three-step chain: any approver; finance above 1,000; all admins above 5,000.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite:{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    demo::seed_if_empty(&store).await.unwrap();
    for (user, role) in [
        ("fin", Role::Buyer),
        ("dir1", Role::Admin),
        ("dir2", Role::Admin),
    ] {
        let id = store.create_account(user, Some("ORG-ACME")).await.unwrap();
        store.set_membership(&id, "ORG-ACME", role).await.unwrap();
        store
            .link_identity(&who(user), &id, LinkedVia::Cli)
            .await
            .unwrap();
    }
    let fin = store.account_id_for(&who("fin")).await.unwrap().unwrap();
    let step = |name: &str, applies, approvers, rule| StepRule {
        name: name.into(),
        applies,
        approvers,
        rule,
    };
    let chain = Chain {
        steps: vec![
            step(
                "Team lead",
                Applies::Always,
                Approvers::Role(Role::Approver),
                Rule::Any,
            ),
            step(
                "Finance",
                Applies::Above(Decimal::from(1000)),
                Approvers::People(vec![fin]),
                Rule::Any,
            ),
            step(
                "Directors",
                Applies::Above(Decimal::from(5000)),
                Approvers::Role(Role::Admin),
                Rule::All,
            ),
        ],
    };
    store.set_approval_chain("ORG-ACME", &chain).await.unwrap();
    let approvals = Arc::new(Approvals::new(
        store.clone(),
        Arc::new(MockPayments::new()),
        Outbound::default(),
        Arc::new(Prompts::embedded().unwrap()),
        Settings::default(),
    ));
    World {
        store,
        approvals,
        _dir: dir,
    }
}

fn who(user: &str) -> Identity {
    Identity::new("console", "local", user)
}

fn new_order(buyer: &str, total: i64) -> NewOrder {
    let usd = Money::new(Decimal::from(total), Currency::usd());
    NewOrder {
        key: format!("k{total}"),
        account_id: buyer.into(),
        placed_by: "Demo Buyer".into(),
        placed_via: None,
        lines: vec![OrderLine {
            sku: "SUP-CREDIT".into(),
            name: "Support Credits".into(),
            qty: 1,
            unit_price: usd.clone(),
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
        po_number: None,
        subtotal: usd.clone(),
        shipping: Money::zero(Currency::usd()),
        total: usd,
    }
}

/// Places `total` for the demo buyer as the shop does; the approval's id.
async fn place(w: &World, number: &str, total: i64) -> String {
    let buyer = w.store.account_id_for(&who("demo")).await.unwrap().unwrap();
    let new = new_order(&buyer, total);
    let needed = w.approvals.needed(&new, Some("ORG-ACME")).await.unwrap();
    let order = Order {
        number: number.into(),
        kind: OrderKind::Order,
        status: OrderStatus::AwaitingApproval,
        created_at: now_ms(),
        details: new,
    };
    assert!(
        w.store
            .insert_order_with(&order, &needed.wanted, &needed.shares)
            .await
            .unwrap()
    );
    w.store.approvals_of(number).await.unwrap()[0].id.clone()
}

async fn click(w: &World, user: &str, id: &str, step: i64) -> Decided {
    let target = Target {
        approval: id.into(),
        step: Some(step),
    };
    w.approvals
        .decide(&who(user), &target, Verdict::Approve, None)
        .await
        .unwrap()
}

fn field<'a>(view: &'a RequestView, label: &str) -> &'a str {
    view.fields
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_order_gets_the_steps_its_total_meets_and_they_run_in_order() {
    let w = world().await;
    let buyer = w.store.account_id_for(&who("demo")).await.unwrap().unwrap();
    let small = w
        .approvals
        .needed(&new_order(&buyer, 500), None)
        .await
        .unwrap();
    assert_eq!(small.wanted[0].steps.len(), 1);
    assert_eq!(small.shares, [("ORG-ACME".to_string(), Decimal::from(500))]);

    let id = place(&w, "CB-51", 6000).await;
    // The approver (step 1) and an admin both decide nothing at step 2 before it opens.
    let Decided::TooLate { note, .. } = click(&w, "fin", &id, 2).await else {
        panic!("a step that is not open was decided");
    };
    assert_eq!(
        note,
        Refusal::StepDecided {
            number: "CB-51".into()
        }
    );
    let Decided::Refused(Refusal::NotAtStep { step, .. }) = click(&w, "fin", &id, 1).await else {
        panic!("finance decided the team lead's step");
    };
    assert_eq!(step, "Team lead");

    let Decided::Done(view) = click(&w, "approver", &id, 1).await else {
        panic!("the team lead could not decide");
    };
    assert_eq!(view.step, Some(2), "the buttons now decide step 2");
    assert!(view.open());
    let chain = field(&view, "Steps");
    assert!(
        chain.contains("1. Team lead: approved by Demo Approver"),
        "{chain}"
    );
    assert!(chain.contains("2. Finance: waiting (any of 1)"), "{chain}");
    assert!(chain.contains("3. Directors: all of 2 needed"), "{chain}");

    // A click on a copy drawn for step 1 is told it was decided, and counts nothing.
    assert!(matches!(
        click(&w, "dir1", &id, 1).await,
        Decided::TooLate {
            note: Refusal::StepDecided { .. },
            ..
        }
    ));
    assert!(matches!(click(&w, "fin", &id, 2).await, Decided::Done(_)));
    let Decided::Done(view) = click(&w, "dir1", &id, 3).await else {
        panic!("the first director's vote was not taken");
    };
    assert!(
        field(&view, "Steps").contains("1 of 2 approved"),
        "{view:?}"
    );
    assert!(matches!(
        click(&w, "dir1", &id, 3).await,
        Decided::Refused(Refusal::AlreadyVoted { step: 3 })
    ));
    let Decided::Done(view) = click(&w, "dir2", &id, 3).await else {
        panic!("the second director's vote was not taken");
    };
    assert!(!view.open(), "all three steps approved: {view:?}");
    let order = w.store.order_by_number("CB-51").await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
}

#[tokio::test]
async fn the_requester_is_refused_at_every_step() {
    let w = world().await;
    // The order is placed by dir1, an admin: approver at step 1 and voter at step 3.
    let dir1 = w.store.account_id_for(&who("dir1")).await.unwrap().unwrap();
    let mut new = new_order(&dir1, 7000);
    new.key = "dir1".into();
    let needed = w.approvals.needed(&new, None).await.unwrap();
    let order = Order {
        number: "CB-52".into(),
        kind: OrderKind::Order,
        status: OrderStatus::AwaitingApproval,
        created_at: now_ms(),
        details: new,
    };
    w.store
        .insert_order_with(&order, &needed.wanted, &needed.shares)
        .await
        .unwrap();
    let id = w.store.approvals_of("CB-52").await.unwrap()[0].id.clone();
    let own = |d: &Decided| matches!(d, Decided::Refused(Refusal::OwnOrder { .. }));
    assert!(own(&click(&w, "dir1", &id, 1).await));
    assert!(matches!(
        click(&w, "approver", &id, 1).await,
        Decided::Done(_)
    ));
    assert!(own(&click(&w, "dir1", &id, 2).await));
    assert!(matches!(click(&w, "fin", &id, 2).await, Decided::Done(_)));
    assert!(own(&click(&w, "dir1", &id, 3).await));
    // All of the admins but the requester: dir2 alone completes it.
    let Decided::Done(view) = click(&w, "dir2", &id, 3).await else {
        panic!("dir2 could not decide");
    };
    assert!(!view.open());
    // A stranger and a forged step are refused too.
    let target = Target {
        approval: id.clone(),
        step: Some(3),
    };
    let stranger = w
        .approvals
        .decide(&who("nobody"), &target, Verdict::Approve, None)
        .await;
    assert!(matches!(
        stranger.unwrap(),
        Decided::Refused(Refusal::NotApprover { .. })
    ));
    assert!(matches!(
        click(&w, "dir2", &id, 9).await,
        Decided::Refused(Refusal::Unknown)
    ));
}

#[tokio::test]
async fn an_order_over_budget_needs_the_admins_and_the_request_shows_the_budget() {
    let w = world().await;
    w.store
        .set_budget(
            "ORG-ACME",
            Some(&Budget {
                period: Period::Quarter,
                amount: Decimal::from(1000),
            }),
        )
        .await
        .unwrap();
    let first = place(&w, "CB-53", 600).await;
    let steps = w.store.approval_steps(&first).await.unwrap();
    assert_eq!(steps.len(), 1, "within budget: the chain alone");
    // 600 waits for approval: 500 more goes over the 1,000.
    let second = place(&w, "CB-54", 500).await;
    let steps = w.store.approval_steps(&second).await.unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1].why, Some(StepWhy::OverBudget));
    assert_eq!(steps[1].approvers, Approvers::Role(Role::Admin));
    let a = w.store.approval(&second).await.unwrap().unwrap();
    let order = w.store.order_by_number("CB-54").await.unwrap().unwrap();
    let view = w.approvals.request_view(&a, &order, false).await.unwrap();
    let budget = field(&view, "Budget (this quarter)");
    assert!(budget.contains("USD 1,000.00 budget"), "{budget}");
    assert!(
        budget.contains("USD 600.00 waiting for approval"),
        "{budget}"
    );
    assert!(budget.contains("this order USD 500.00"), "{budget}");
    assert!(
        budget.contains("-USD 100.00 left") || budget.contains("USD -100.00"),
        "{budget}"
    );
    assert!(budget.contains("admins approve it as well"), "{budget}");
}

#[tokio::test]
async fn a_step_nobody_decides_is_offered_to_the_admins_once() {
    let w = world().await;
    let id = place(&w, "CB-55", 500).await;
    let now = now_ms();
    // Not yet: 47 hours on.
    let swept = w.approvals.sweep(now + 47 * HOUR_MS).await.unwrap();
    assert_eq!(swept.escalated, 0);
    // An admin who is not an approver of step 1... is one (admins count): make the step
    // named people's, so the admins are not in it until escalated.
    w.store
        .set_approval_chain(
            "ORG-ACME",
            &Chain {
                steps: vec![StepRule {
                    name: "Finance".into(),
                    applies: Applies::Always,
                    approvers: Approvers::People(vec![
                        w.store.account_id_for(&who("fin")).await.unwrap().unwrap(),
                    ]),
                    rule: Rule::Any,
                }],
            },
        )
        .await
        .unwrap();
    let id2 = place(&w, "CB-56", 501).await;
    assert!(matches!(
        click(&w, "dir1", &id2, 1).await,
        Decided::Refused(Refusal::NotAtStep { .. })
    ));
    let swept = w.approvals.sweep(now + 49 * HOUR_MS).await.unwrap();
    assert_eq!(swept.escalated, 2, "both requests' open steps");
    let again = w.approvals.sweep(now + 50 * HOUR_MS).await.unwrap();
    assert_eq!(again.escalated, 0, "once");
    let a = w.store.approval(&id2).await.unwrap().unwrap();
    let order = w.store.order_by_number("CB-56").await.unwrap().unwrap();
    let view = w.approvals.request_view(&a, &order, false).await.unwrap();
    assert!(
        field(&view, "Steps").contains("offered to the admins as well"),
        "{view:?}"
    );
    assert!(matches!(click(&w, "dir1", &id2, 1).await, Decided::Done(_)));
    let trail = w.store.audit_for("CB-56").await.unwrap();
    assert!(trail.iter().any(|e| e.action == "escalation ORG-ACME"));
    let _ = id;
}

#[tokio::test]
async fn a_price_rise_after_approval_starts_the_steps_again_and_a_fall_does_not() {
    let w = world().await;
    // 1,000: the team lead alone. Approved, it waits for payment by wire.
    let id = place(&w, "CB-57", 1000).await;
    assert!(matches!(
        click(&w, "approver", &id, 1).await,
        Decided::Done(_)
    ));
    let order = w.store.order_by_number("CB-57").await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingPayment);

    // An operator makes it 70 credits: 7,000 needs all three steps, from the first.
    let change = crate::domain::reprice::QtyChange { line: 1, qty: 70 };
    let done = w
        .approvals
        .reprice("CB-57", Some(change), "operator")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.restarted, 1);
    assert_eq!(done.order.status, OrderStatus::AwaitingApproval);
    assert_eq!(done.order.details.total.amount, Decimal::from(7000));
    let a = w.store.approval(&id).await.unwrap().unwrap();
    assert_eq!(a.status, Status::Pending);
    assert_eq!(a.decided_by, None);
    let (_, why) = a.restarted.clone().unwrap();
    assert_eq!(why, "the total rose from USD 1,000.00 to USD 7,000.00");
    let steps = w.store.approval_steps(&id).await.unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0].status, StepStatus::Pending);
    assert_eq!(
        steps[0].decided_by, None,
        "the earlier approval no longer counts"
    );
    let view = w
        .approvals
        .request_view(&a, &done.order, false)
        .await
        .unwrap();
    assert!(
        field(&view, "Started again").contains("the total rose"),
        "{view:?}"
    );
    assert_eq!(view.step, Some(1));
    // Unannounced again: the sweep of a serving process posts it.
    assert!(
        w.store
            .unannounced_approvals(now_ms() + 1)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == id)
    );

    // Back down to 20 credits: nothing starts again.
    let revision = a.revision;
    let lower = crate::domain::reprice::QtyChange { line: 1, qty: 20 };
    let done = w
        .approvals
        .reprice("CB-57", Some(lower), "operator")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.restarted, 0);
    assert_eq!(done.order.status, OrderStatus::AwaitingApproval);
    let a = w.store.approval(&id).await.unwrap().unwrap();
    assert_eq!(a.revision, revision);
    assert_eq!(w.store.approval_steps(&id).await.unwrap().len(), 3);

    // A paid order, a quote and a bad line are refused with what to do.
    let refused = w
        .approvals
        .reprice(
            "CB-57",
            Some(crate::domain::reprice::QtyChange { line: 2, qty: 5 }),
            "operator",
        )
        .await
        .unwrap()
        .unwrap_err();
    assert!(refused.contains("line 2 is not a line"), "{refused}");
    assert!(
        w.approvals
            .reprice("CB-404", None, "operator")
            .await
            .unwrap()
            .unwrap_err()
            .contains("no order CB-404")
    );
}

#[tokio::test]
async fn an_approver_asks_the_requester_and_the_answer_comes_back() {
    let w = world().await;
    let mut notifier = crate::services::notifier::MockNotifier::new();
    // Slack and Discord draw no per-person views.
    notifier.expect_shows_own_views().return_const(false);
    notifier
        .expect_platform()
        .return_const("console".to_string());
    let approvals = Arc::new(Approvals::new(
        w.store.clone(),
        Arc::new(MockPayments::new()),
        Outbound::default().with_notifier(Arc::new(notifier)),
        Arc::new(Prompts::embedded().unwrap()),
        Settings::default(),
    ));
    let id = place(&w, "CB-58", 500).await;
    let form = |clicked: Clicked| match clicked {
        Clicked::Form(f) => f,
        other => panic!("no form: {other:?}"),
    };
    let ask = ApprovalAction::Ask.id(&format!("{id}:1"));
    let opened = form(
        approvals
            .click(&who("approver"), "en", &ask, None)
            .await
            .unwrap(),
    );
    assert_eq!(opened.id, format!("apv:q:{id}:1"));
    assert_eq!(opened.title, "Ask the requester");
    // The requester, a stranger and an empty question are refused.
    for (user, text) in [("demo", "why?"), ("nobody", "why?"), ("approver", "   ")] {
        let d = approvals
            .reason(&who(user), &opened.id, text.into(), None)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(d, Decided::Refused(_)), "{user}: {d:?}");
    }
    let Some(Decided::Done(view)) = approvals
        .reason(
            &who("approver"),
            &opened.id,
            "Which site is this for?".into(),
            None,
        )
        .await
        .unwrap()
    else {
        panic!("the question was not taken");
    };
    let exchange = field(&view, "Questions");
    assert!(
        exchange.contains("Demo Approver asked: Which site is this for?"),
        "{exchange}"
    );
    assert!(
        exchange.contains("waiting for the requester's answer"),
        "{exchange}"
    );
    assert_eq!(view.step, Some(1), "the step still waits");

    // The requester hears of it privately, with an Answer button.
    let q = w.store.questions(&id).await.unwrap().remove(0);
    let pending = w.store.outbox_list(&["pending"], 50).await.unwrap();
    let to_requester = pending
        .iter()
        .find(|e| e.destination == "person:local:demo")
        .expect("a note to the requester");
    assert!(
        to_requester.body.contains(&format!("apv:ans:{}", q.id)),
        "{to_requester:?}"
    );
    assert!(to_requester.body.contains("Which site is this for?"));
    // No reminder while the question is open.
    let later = now_ms() + 100 * HOUR_MS;
    assert!(w.store.steps_to_remind(later, 10).await.unwrap().is_empty());

    // Only the requester may answer, once.
    let answer = ApprovalAction::Answer.id(&q.id);
    assert!(matches!(
        approvals.click(&who("approver"), "en", &answer, None).await.unwrap(),
        Clicked::Decided(d) if matches!(*d, Decided::Refused(Refusal::NotRequester))
    ));
    let opened = form(
        approvals
            .click(&who("demo"), "en", &answer, None)
            .await
            .unwrap(),
    );
    assert_eq!(opened.id, format!("apv:ansd:{}", q.id));
    let d = approvals
        .reason(&who("demo"), &opened.id, "The main office.".into(), None)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(d, Decided::Noted(_)), "{d:?}");
    let again = approvals
        .reason(&who("demo"), &opened.id, "Another.".into(), None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(again, Decided::Refused(Refusal::Answered)),
        "{again:?}"
    );
    let pending = w.store.outbox_list(&["pending"], 50).await.unwrap();
    assert!(
        pending.iter().any(
            |e| e.destination == "person:local:approver" && e.body.contains("The main office.")
        ),
        "the approver hears the answer"
    );
    let a = w.store.approval(&id).await.unwrap().unwrap();
    let order = w.store.order_by_number("CB-58").await.unwrap().unwrap();
    let view = approvals.request_view(&a, &order, false).await.unwrap();
    assert!(field(&view, "Questions").contains("Demo Buyer answered: The main office."));
    // Reminders count from the answer.
    let answered = w
        .store
        .question(&q.id)
        .await
        .unwrap()
        .unwrap()
        .answered_at
        .unwrap();
    assert!(
        w.store
            .steps_to_remind(answered - 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.store.steps_to_remind(answered + 1, 10).await.unwrap(),
        [(id.clone(), 1)]
    );
    // The exchange is in Details and the trail.
    let (_, lines) = approvals
        .details(&who("approver"), "en", &id)
        .await
        .unwrap();
    let all = lines.join("\n");
    assert!(
        all.contains("Question to the requester (Acme Telecom): Which site is this for?"),
        "{all}"
    );
    assert!(
        all.contains("Answer of the requester (Acme Telecom): The main office."),
        "{all}"
    );
}

#[tokio::test]
async fn a_step_is_decided_by_a_delegate_and_steps_on_different_platforms() {
    let w = world().await;
    let id = place(&w, "CB-59", 2000).await;
    // Step 1 on the terminal chat; step 2 (Finance) by fin's delegate, on Discord.
    assert!(matches!(
        click(&w, "approver", &id, 1).await,
        Decided::Done(_)
    ));
    let fin = w.store.account_id_for(&who("fin")).await.unwrap().unwrap();
    let helper = w
        .store
        .create_account("Helper", Some("ORG-ACME"))
        .await
        .unwrap();
    let on_discord = Identity::new("discord", "discord", "9300000000000000001");
    w.store
        .link_identity(&on_discord, &helper, LinkedVia::Cli)
        .await
        .unwrap();
    let target = Target {
        approval: id.clone(),
        step: Some(2),
    };
    let refused = w
        .approvals
        .decide(&on_discord, &target, Verdict::Approve, None)
        .await
        .unwrap();
    assert!(
        matches!(refused, Decided::Refused(_)),
        "no delegation yet: {refused:?}"
    );
    let now = now_ms();
    w.store
        .delegate(&fin, &helper, now - 1000, now + DAY_MS)
        .await
        .unwrap();
    let Decided::Done(view) = w
        .approvals
        .decide(&on_discord, &target, Verdict::Approve, None)
        .await
        .unwrap()
    else {
        panic!("the delegate could not decide");
    };
    assert!(!view.open(), "two steps approved: {view:?}");
    let steps = w.store.approval_steps(&id).await.unwrap();
    assert_eq!(steps[1].decided_by.as_deref(), Some(helper.as_str()));
    assert_eq!(steps[1].on_behalf_of.as_deref(), Some(fin.as_str()));
    let trail = w.store.audit_for("CB-59").await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e
                .new_value
                .as_deref()
                .is_some_and(|v| v.contains("(Finance): approved by Helper")
                    && v.contains("on behalf of fin"))),
        "{trail:?}"
    );
}
