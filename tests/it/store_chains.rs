//! Approval chains and budgets in the store, on SQLite and (with TEST_POSTGRES_URL) on
//! PostgreSQL: steps decided once under racing clicks, one vote per approver at an
//! `all` step, a rejection that ends the chain, forged and stale steps, escalation
//! claimed once, reminders per step, and what an organization's orders of a period
//! add up to across the period's boundary.

use std::sync::Arc;

use checkout_bot::domain::account::Role;
use checkout_bot::domain::approval::{Status, Verdict, Why};
use checkout_bot::domain::approval_chain::{
    Applies, Approvers, Chain, Rule, StepPlan, StepRule, StepStatus, StepWhy, Wanted,
};
use checkout_bot::domain::budget::{Budget, Period};
use checkout_bot::domain::money::{Currency, Money};
use checkout_bot::domain::order::{
    Named, NewOrder, Order, OrderKind, OrderLine, OrderStatus, Payment,
};
use checkout_bot::store::Store;
use checkout_bot::store::approvals::{Decision, Recorded};
use rust_decimal::Decimal;

use crate::common::org;

fn order(number: &str, account: &str, created_at: i64, total: i64) -> Order {
    let usd = |n: i64| Money::new(Decimal::from(n), Currency::usd());
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
                qty: 1,
                unit_price: usd(total),
                total: usd(total),
                deployment: None,
                deployment_org: None,
                organization: Some(Named {
                    id: "O1".into(),
                    name: "O1 Inc".into(),
                }),
            }],
            delivery: None,
            payment: Payment::Wire,
            po_number: None,
            subtotal: usd(total),
            shipping: usd(0),
            total: usd(total),
        },
    }
}

fn step(name: &str, approvers: Approvers, rule: Rule) -> StepPlan {
    StepPlan {
        name: name.into(),
        approvers,
        rule,
        why: StepWhy::Always,
    }
}

/// O1 with a buyer, a team lead, two finance people and two directors, and an order
/// of the buyer's waiting for the three-step chain: any team lead, any of finance,
/// all directors.
struct World {
    buyer: String,
    lead: String,
    finance: [String; 2],
    directors: [String; 2],
    approval: String,
}

async fn world(store: &Store, number: &str) -> World {
    org(store, "O1").await;
    let buyer = store.create_account("Buyer", Some("O1")).await.unwrap();
    let member = async |name: &str, role: Role| {
        let id = store.create_account(name, Some("O1")).await.unwrap();
        store.set_membership(&id, "O1", role).await.unwrap();
        id
    };
    let lead = member("Lead", Role::Approver).await;
    let finance = [
        member("Fin A", Role::Buyer).await,
        member("Fin B", Role::Buyer).await,
    ];
    let directors = [
        member("Dir A", Role::Admin).await,
        member("Dir B", Role::Admin).await,
    ];
    let wanted = Wanted {
        org: "O1".into(),
        why: Why::Chain,
        steps: vec![
            step("Team lead", Approvers::Role(Role::Approver), Rule::Any),
            step("Finance", Approvers::People(finance.to_vec()), Rule::Any),
            step("Directors", Approvers::Role(Role::Admin), Rule::All),
        ],
    };
    let o = order(number, &buyer, checkout_bot::store::now_ms(), 9000);
    assert!(
        store
            .insert_order_for_approval(&o, &[wanted])
            .await
            .unwrap()
    );
    let approval = store.approvals_of(number).await.unwrap()[0].id.clone();
    World {
        buyer,
        lead,
        finance,
        directors,
        approval,
    }
}

fn click<'a>(
    id: &'a str,
    step: i64,
    verdict: &'a Verdict,
    actor: &'a str,
    needed: &'a [String],
) -> Decision<'a> {
    Decision {
        approval_id: id,
        verdict,
        actor,
        on_behalf_of: None,
        described: actor,
        at: checkout_bot::store::now_ms(),
        clicked: None,
        news: None,
        step: Some(step),
        needed,
        decides_alone: false,
    }
}

/// Everyone in `actors` clicks Approve at `step` `times` times each, at once.
async fn race(
    store: &Arc<Store>,
    id: &str,
    step: i64,
    actors: &[String],
    needed: &[String],
    times: usize,
) -> Vec<Recorded> {
    let mut tasks = Vec::new();
    for actor in actors {
        for _ in 0..times {
            let (store, id, actor, needed) = (
                store.clone(),
                id.to_string(),
                actor.clone(),
                needed.to_vec(),
            );
            tasks.push(tokio::spawn(async move {
                let ok = Verdict::Approve;
                store
                    .decide(&click(&id, step, &ok, &actor, &needed))
                    .await
                    .unwrap()
            }));
        }
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn statuses(steps: &[checkout_bot::domain::approval_chain::Step]) -> Vec<StepStatus> {
    steps.iter().map(|s| s.status).collect()
}

on_both!(
    a_three_step_chain_is_decided_once_per_step_under_racing_clicks,
    |store: Store| async move {
        let w = world(&store, "CB-31").await;
        let store = Arc::new(store);
        let id = w.approval.clone();
        assert_eq!(
            statuses(&store.approval_steps(&id).await.unwrap()),
            [
                StepStatus::Pending,
                StepStatus::Waiting,
                StepStatus::Waiting
            ]
        );

        // A forged step and a step that is not open yet change nothing.
        let ok = Verdict::Approve;
        assert_eq!(
            store
                .decide(&click(&id, 7, &ok, &w.lead, &[]))
                .await
                .unwrap(),
            Recorded::Unknown
        );
        assert!(matches!(
            store
                .decide(&click(&id, 2, &ok, &w.finance[0], &[]))
                .await
                .unwrap(),
            Recorded::TooLate(_)
        ));

        // Step 1: the lead and both directors (admins count as approvers) race.
        let racers = [
            w.lead.clone(),
            w.directors[0].clone(),
            w.directors[1].clone(),
        ];
        let results = race(&store, &id, 1, &racers, &[], 4).await;
        let done: Vec<_> = results
            .iter()
            .filter(|r| matches!(r, Recorded::Done { .. }))
            .collect();
        assert_eq!(done.len(), 1, "{results:?}");
        assert!(matches!(
            done[0],
            Recorded::Done {
                step: 1,
                opened: Some(2),
                voted: false,
                order_status: OrderStatus::AwaitingApproval,
                ..
            }
        ));
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Recorded::Done { .. } | Recorded::TooLate(_)))
        );

        // A click on a copy still drawn for step 1 is too late, never counted at step 2.
        assert!(matches!(
            store.decide(&click(&id, 1, &ok, &w.lead, &[])).await.unwrap(),
            Recorded::TooLate(a) if a.status == Status::Pending
        ));

        // Step 2: both finance people race.
        let results = race(&store, &id, 2, &w.finance, &[], 6).await;
        assert_eq!(
            results
                .iter()
                .filter(|r| matches!(r, Recorded::Done { .. }))
                .count(),
            1
        );

        // Step 3, all of two directors: each clicks six times at once; one vote each,
        // and the step is decided exactly once, by the second vote.
        let needed = w.directors.to_vec();
        let results = race(&store, &id, 3, &w.directors, &needed, 6).await;
        let votes = results
            .iter()
            .filter(|r| matches!(r, Recorded::Done { voted: true, .. }))
            .count();
        let decided: Vec<_> = results
            .iter()
            .filter(|r| matches!(r, Recorded::Done { voted: false, .. }))
            .collect();
        assert_eq!((votes, decided.len()), (1, 1), "{results:?}");
        assert!(matches!(
            decided[0],
            Recorded::Done {
                order_status: OrderStatus::AwaitingPayment,
                opened: None,
                ..
            }
        ));
        let steps = store.approval_steps(&id).await.unwrap();
        assert_eq!(
            statuses(&steps),
            [
                StepStatus::Approved,
                StepStatus::Approved,
                StepStatus::Approved
            ]
        );
        let mut voters: Vec<_> = steps[2].votes.iter().map(|v| v.voter.clone()).collect();
        voters.sort();
        let mut expected = w.directors.to_vec();
        expected.sort();
        assert_eq!(voters, expected);
        let a = store.approval(&id).await.unwrap().unwrap();
        assert_eq!(a.status, Status::Approved);
        // Every change moved the request on once: three steps and one lone vote.
        assert_eq!(a.revision, 4);
        let trail: Vec<String> = store
            .audit_for("CB-31")
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "approval O1")
            .filter_map(|e| e.new_value)
            .collect();
        assert_eq!(trail.len(), 5, "{trail:?}");
        assert!(
            trail[1].starts_with("step 1 of 3 (Team lead): approved by"),
            "{trail:?}"
        );
        assert!(
            trail[3].starts_with("step 3 of 3 (Directors): vote by"),
            "{trail:?}"
        );
        assert!(
            trail[4].starts_with("step 3 of 3 (Directors): approved by"),
            "{trail:?}"
        );
        let _ = w.buyer;
    }
);

on_both!(
    a_second_vote_by_the_same_approver_is_refused_and_a_rejection_ends_the_chain,
    |store: Store| async move {
        let w = world(&store, "CB-32").await;
        let id = w.approval.clone();
        let ok = Verdict::Approve;
        store
            .decide(&click(&id, 1, &ok, &w.lead, &[]))
            .await
            .unwrap();
        let no = Verdict::Reject {
            reason: "not this quarter".into(),
        };
        let Recorded::Done { order_status, .. } = store
            .decide(&click(&id, 2, &no, &w.finance[1], &[]))
            .await
            .unwrap()
        else {
            panic!("the rejection was not recorded");
        };
        assert_eq!(order_status, OrderStatus::Rejected);
        let steps = store.approval_steps(&id).await.unwrap();
        assert_eq!(
            statuses(&steps),
            [
                StepStatus::Approved,
                StepStatus::Rejected,
                StepStatus::Rejected
            ]
        );
        assert_eq!(steps[1].reason.as_deref(), Some("not this quarter"));
        assert_eq!(steps[2].decided_by, None, "a later step was never decided");
        let a = store.approval(&id).await.unwrap().unwrap();
        assert_eq!(a.status, Status::Rejected);
        assert!(matches!(
            store
                .decide(&click(&id, 3, &ok, &w.directors[0], &[]))
                .await
                .unwrap(),
            Recorded::TooLate(_)
        ));

        // One vote per approver: a delegate voting for a director who already voted
        // counts nothing.
        let w = {
            let o = order("CB-33", &w.buyer, checkout_bot::store::now_ms(), 9000);
            let wanted = Wanted {
                org: "O1".into(),
                why: Why::Chain,
                steps: vec![step("Directors", Approvers::Role(Role::Admin), Rule::All)],
            };
            assert!(
                store
                    .insert_order_for_approval(&o, &[wanted])
                    .await
                    .unwrap()
            );
            World {
                approval: store.approvals_of("CB-33").await.unwrap()[0].id.clone(),
                ..w
            }
        };
        let needed = w.directors.to_vec();
        let first = store
            .decide(&click(&w.approval, 1, &ok, &w.directors[0], &needed))
            .await
            .unwrap();
        assert!(matches!(first, Recorded::Done { voted: true, .. }));
        let mut for_them = click(&w.approval, 1, &ok, &w.lead, &needed);
        for_them.on_behalf_of = Some(&w.directors[0]);
        assert!(matches!(
            store.decide(&for_them).await.unwrap(),
            Recorded::AlreadyVoted(_)
        ));
        let steps = store.approval_steps(&w.approval).await.unwrap();
        assert_eq!(steps[0].votes.len(), 1);
        assert_eq!(steps[0].status, StepStatus::Pending);
    }
);

on_both!(
    escalation_is_claimed_once_and_reminders_come_once_per_step,
    |store: Store| async move {
        let w = world(&store, "CB-34").await;
        let id = w.approval.clone();
        let now = checkout_bot::store::now_ms();
        let due = store.steps_to_escalate(now + 1, 10).await.unwrap();
        assert_eq!(due, [(id.clone(), 1)]);
        assert!(
            store
                .steps_to_escalate(now - 60_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let none = |_: &checkout_bot::store::approvals::Changed| Vec::new();
        assert!(store.escalate_with(&id, 1, now, &none).await.unwrap());
        assert!(!store.escalate_with(&id, 1, now, &none).await.unwrap());
        assert!(
            store
                .steps_to_escalate(now + 1, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let steps = store.approval_steps(&id).await.unwrap();
        assert_eq!(steps[0].escalated_at, Some(now));

        assert_eq!(
            store.steps_to_remind(now + 1, 10).await.unwrap(),
            [(id.clone(), 1)]
        );
        assert!(store.claim_reminder(&id, now).await.unwrap());
        assert!(!store.claim_reminder(&id, now).await.unwrap());
        assert!(store.steps_to_remind(now + 1, 10).await.unwrap().is_empty());
        // The next step gets its own reminder.
        let ok = Verdict::Approve;
        store
            .decide(&click(&id, 1, &ok, &w.lead, &[]))
            .await
            .unwrap();
        let later = checkout_bot::store::now_ms() + 1;
        assert_eq!(
            store.steps_to_remind(later, 10).await.unwrap(),
            [(id.clone(), 2)]
        );
        assert!(store.claim_reminder(&id, later).await.unwrap());
    }
);

on_both!(
    chains_and_budgets_are_kept_and_spending_is_counted_per_period,
    |store: Store| async move {
        org(&store, "O1").await;
        org(&store, "O2").await;
        let chain = Chain {
            steps: vec![
                StepRule {
                    name: "Lead".into(),
                    applies: Applies::Always,
                    approvers: Approvers::Role(Role::Approver),
                    rule: Rule::Any,
                },
                StepRule {
                    name: "Finance".into(),
                    applies: Applies::Above("5000.50".parse().unwrap()),
                    approvers: Approvers::People(vec!["acct_a".into(), "acct_b".into()]),
                    rule: Rule::All,
                },
                StepRule {
                    name: "PO desk".into(),
                    applies: Applies::Po,
                    approvers: Approvers::Role(Role::Admin),
                    rule: Rule::Any,
                },
            ],
        };
        store.set_approval_chain("O1", &chain).await.unwrap();
        assert_eq!(store.approval_chain("O1").await.unwrap(), chain);
        assert!(store.approval_chain("O2").await.unwrap().steps.is_empty());
        store
            .set_approval_chain("O1", &Chain::default())
            .await
            .unwrap();
        assert!(store.approval_chain("O1").await.unwrap().steps.is_empty());

        let budget = Budget {
            period: Period::Quarter,
            amount: Decimal::from(20000),
        };
        store.set_budget("O1", Some(&budget)).await.unwrap();
        assert_eq!(store.budget("O1").await.unwrap(), Some(budget));
        store.set_budget("O2", None).await.unwrap();
        assert_eq!(store.budget("O2").await.unwrap(), None);

        // Q2 runs from 1 April to 1 July (UTC); orders on either side of its end.
        let ms = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let (q2, q3) = (ms("2026-04-01T00:00:00Z"), ms("2026-07-01T00:00:00Z"));
        let buyer = store.create_account("Buyer", Some("O1")).await.unwrap();
        let place = async |number: &str, at: i64, total: i64, status: OrderStatus| {
            let mut o = order(number, &buyer, at, total);
            o.status = status;
            let share = [("O1".to_string(), Decimal::from(total))];
            assert!(store.insert_order_with(&o, &[], &share).await.unwrap());
        };
        place("CB-41", q3 - 1, 1000, OrderStatus::Paid).await;
        place("CB-42", q3 - 2, 2000, OrderStatus::AwaitingPayment).await;
        place("CB-43", q3 - 3, 4000, OrderStatus::AwaitingApproval).await;
        place("CB-44", q3, 8000, OrderStatus::Paid).await;
        place("CB-45", q2 - 1, 16000, OrderStatus::Paid).await;
        place("CB-46", q2, 300, OrderStatus::Rejected).await;
        place("CB-47", q2 + 5, 500, OrderStatus::PaymentFailed).await;
        assert_eq!(
            store.org_spending("O1", q2, q3, None).await.unwrap(),
            (Decimal::from(3000), Decimal::from(4000))
        );
        assert_eq!(
            store
                .org_spending("O1", q2, q3, Some("CB-43"))
                .await
                .unwrap(),
            (Decimal::from(3000), Decimal::ZERO)
        );
        assert_eq!(
            store
                .org_spending("O1", q3, q3 + 86_400_000, None)
                .await
                .unwrap(),
            (Decimal::from(8000), Decimal::ZERO)
        );
        assert_eq!(
            store.org_spending("O2", q2, q3, None).await.unwrap(),
            (Decimal::ZERO, Decimal::ZERO)
        );
        assert_eq!(
            store.order_share("CB-41", "O1").await.unwrap(),
            Some(Decimal::from(1000))
        );
        store
            .set_membership(&buyer, "O1", Role::Buyer)
            .await
            .unwrap();
        assert_eq!(
            store.role_in("O1", &buyer).await.unwrap(),
            Some(Role::Buyer)
        );
        assert_eq!(
            store.members_with("O1", Role::Admin).await.unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            store.members_with("O1", Role::Buyer).await.unwrap(),
            vec![buyer.clone()]
        );
        assert_eq!(store.role_in("O2", &buyer).await.unwrap(), None);
    }
);

on_both!(
    a_repriced_order_starts_its_approvals_again_in_one_transaction,
    |store: Store| async move {
        let w = world(&store, "CB-61").await;
        let id = w.approval.clone();
        let ok = Verdict::Approve;
        store
            .decide(&click(&id, 1, &ok, &w.lead, &[]))
            .await
            .unwrap();
        store
            .decide(&click(&id, 2, &ok, &w.finance[0], &[]))
            .await
            .unwrap();
        let needed = w.directors.to_vec();
        store
            .decide(&click(&id, 3, &ok, &w.directors[0], &needed))
            .await
            .unwrap();
        store
            .decide(&click(&id, 3, &ok, &w.directors[1], &needed))
            .await
            .unwrap();
        let before = store.order_by_number("CB-61").await.unwrap().unwrap();
        assert_eq!(before.status, OrderStatus::AwaitingPayment);

        let mut details = before.details.clone();
        details.total = Money::new(Decimal::from(12000), Currency::usd());
        let restart = [Wanted {
            org: "O1".into(),
            why: Why::Chain,
            steps: vec![
                step("Team lead", Approvers::Role(Role::Approver), Rule::Any),
                step("Directors", Approvers::Role(Role::Admin), Rule::All),
            ],
        }];
        let shares = [("O1".to_string(), Decimal::from(12000))];
        let none = |_: &checkout_bot::store::approvals::Changed| Vec::new();
        let change = checkout_bot::store::reprice::Change {
            number: "CB-61",
            details: &details,
            shares: &shares,
            restart: &restart,
            reason: "the total rose",
            actor: "operator",
            at: checkout_bot::store::now_ms(),
            news: &none,
        };
        let after = store.reprice_order(&change).await.unwrap().unwrap();
        assert_eq!(after.status, OrderStatus::AwaitingApproval);
        assert_eq!(after.details.total.amount, Decimal::from(12000));
        let a = store.approval(&id).await.unwrap().unwrap();
        assert_eq!(a.status, Status::Pending);
        assert_eq!(a.decided_by, None);
        assert_eq!(
            a.restarted.as_ref().map(|r| r.1.as_str()),
            Some("the total rose")
        );
        let steps = store.approval_steps(&id).await.unwrap();
        assert_eq!(statuses(&steps), [StepStatus::Pending, StepStatus::Waiting]);
        assert!(
            steps.iter().all(|s| s.votes.is_empty()),
            "the votes are gone"
        );
        assert_eq!(
            store.order_share("CB-61", "O1").await.unwrap(),
            Some(Decimal::from(12000))
        );
        assert!(
            store
                .unannounced_approvals(checkout_bot::store::now_ms() + 1)
                .await
                .unwrap()
                .iter()
                .any(|x| x.id == id)
        );
        // The restarted request is decided again, once.
        assert!(matches!(
            store
                .decide(&click(&id, 1, &ok, &w.lead, &[]))
                .await
                .unwrap(),
            Recorded::Done {
                opened: Some(2),
                ..
            }
        ));
        let trail: Vec<(String, Option<String>)> = store
            .audit_for("CB-61")
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.new_value))
            .collect();
        assert!(
            trail.contains(&("total".into(), Some("12000.00".into()))),
            "{trail:?}"
        );
        assert!(trail.contains(&("status".into(), Some("awaiting_approval".into()))));

        // An order that no longer waits is left alone.
        for d in &w.directors {
            store.decide(&click(&id, 2, &ok, d, &needed)).await.unwrap();
        }
        assert!(
            store
                .mark_paid("CB-61", "operator")
                .await
                .unwrap()
                .is_some()
        );
        assert!(store.reprice_order(&change).await.unwrap().is_none());
    }
);

on_both!(
    a_question_is_asked_at_the_open_step_and_answered_once,
    |store: Store| async move {
        let w = world(&store, "CB-62").await;
        let id = w.approval.clone();
        let none = |_: &checkout_bot::store::approvals::Changed| Vec::new();
        let now = checkout_bot::store::now_ms();
        assert!(
            store
                .ask(&id, 2, &w.lead, "too early?", now, &none)
                .await
                .unwrap()
                .is_none(),
            "step 2 is not open"
        );
        let q = store
            .ask(&id, 1, &w.lead, "Which site?", now, &none)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(store.approval(&id).await.unwrap().unwrap().revision, 1);
        assert!(store.steps_to_remind(now + 1, 10).await.unwrap().is_empty());
        let store = Arc::new(store);
        let mut tasks = Vec::new();
        for i in 0..6 {
            let (store, qid, buyer) = (store.clone(), q.id.clone(), w.buyer.clone());
            tasks.push(tokio::spawn(async move {
                let none = |_: &checkout_bot::store::approvals::Changed| Vec::new();
                store
                    .answer(&qid, &buyer, &format!("answer {i}"), now + 5, &none)
                    .await
                    .unwrap()
            }));
        }
        let mut taken = 0;
        for t in tasks {
            taken += usize::from(t.await.unwrap().is_some());
        }
        assert_eq!(taken, 1, "answered once");
        let listed = store.questions(&id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].answered_by.as_deref(), Some(w.buyer.as_str()));
        assert_eq!(listed[0].answered_at, Some(now + 5));
        assert_eq!(
            store.question(&q.id).await.unwrap(),
            Some(listed[0].clone())
        );
        assert_eq!(
            store.steps_to_remind(now + 6, 10).await.unwrap(),
            [(id.clone(), 1)]
        );
        let trail: Vec<String> = store
            .audit_for("CB-62")
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(
            trail.contains(&"question O1".to_string()) && trail.contains(&"answer O1".to_string())
        );
    }
);
