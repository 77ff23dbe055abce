//! Purchase-order approvals in Slack: a buyer checks out with a PO number, the request is
//! posted to the organization's Slack channel through the Web API stand-in, and approvers
//! click its buttons as signed `block_actions`, racing.

use std::sync::Arc;

use crate::common::slack::{self as sl, Server, approvers, order_with_po};
use checkout_bot::domain::order::OrderStatus;
use serde_json::{Value, json};

const ACME: &str = "ORG-ACME";
const APPROVALS: &str = "C0APPROVE1";

/// A click on the shared request message in the approval channel.
fn click(user: &str, ts: &str, action_id: &str, hook: &str, s: &Server) -> Value {
    json!({
        "type": "block_actions",
        "user": sl::user(user),
        "api_app_id": "A0APP00001",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": ts, "channel_id": APPROVALS, "is_ephemeral": false},
        "trigger_id": format!("trigger-{hook}"),
        "team": {"id": sl::TEAM, "domain": "acme"},
        "channel": {"id": APPROVALS, "name": "approvals"},
        "message": {"type": "message", "ts": ts, "text": "Approval needed", "user": "U0BOT00001"},
        "response_url": s.slack.response_url(hook),
        "actions": [{"type": "button", "action_id": action_id, "block_id": "apv:x",
                     "text": {"type": "plain_text", "text": "Approve"}, "action_ts": "1700000500.000001"}],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_four_approvers_racing_in_slack_record_exactly_one_decision() {
    let s = Arc::new(Server::start().await);
    let store = s.bot.store().clone();
    let people: Vec<(String, String)> = (0..24)
        .map(|i| (format!("U0APPR{i:04}"), format!("Approver {i}")))
        .collect();
    approvers(&store, &people).await;
    store
        .set_approval_channel(ACME, "slack", Some(APPROVALS))
        .await
        .unwrap();
    let number = order_with_po(&s, "U0BUYER001").await;

    let posted = s
        .slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage" && c.body["channel"] == APPROVALS
        })
        .await;
    assert_eq!(posted.len(), 1, "one request, in the channel");
    let request = &posted[0].body;
    assert!(posted[0].authorized);
    let approve = sl::elements(&request["blocks"])
        .into_iter()
        .find(|(_, _, label)| label == "Approve")
        .map(|(e, _, _)| e["action_id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{request:#}"));
    let ts = "1700000000.000001";

    let mut clicks = Vec::new();
    for (i, (id, _)) in people.iter().enumerate() {
        let payload = click(id, ts, &approve, &format!("apv-{i}"), &s);
        let s = s.clone();
        clicks.push(tokio::spawn(async move {
            s.interact("/slack/interactions", &payload).await
        }));
    }
    for c in clicks {
        assert_eq!(c.await.unwrap().0, 200, "each click is acknowledged");
    }
    let notes = s
        .slack
        .wait_for(23, |c| c.method == "hook" && c.hook.starts_with("apv-"))
        .await;
    assert_eq!(notes.len(), 23, "every late click is told privately");
    for n in &notes {
        assert_eq!(n.body["replace_original"], false);
        let said = n.body["text"].as_str().unwrap_or_default();
        assert!(said.contains("already decided"), "{said}");
    }
    let told = s
        .slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage" && c.body["channel"] == "U0BUYER001"
        })
        .await;
    assert!(
        told[0].body["text"].as_str().unwrap().contains("approved"),
        "the requester is told privately: {:?}",
        told[0].body
    );
    // The edit happens in the background: wait for it, then make sure no second one
    // follows the requester's message.
    s.slack.wait_for(1, |c| c.method == "chat.update").await;
    let updates = s.slack.calls_to("chat.update");
    assert_eq!(updates.len(), 1, "the request is edited once: {updates:#?}");
    assert_eq!(updates[0].body["ts"], ts);
    assert_eq!(updates[0].body["channel"], APPROVALS);
    assert!(
        !updates[0].body["blocks"].to_string().contains("apv:ok:"),
        "a decided request has no buttons"
    );
    let decided = crate::common::approvals::decisions(&store, &number).await;
    assert_eq!(decided.len(), 1, "{decided:?}");
    assert!(
        decided[0].starts_with("approved by Approver"),
        "{decided:?}"
    );
    let status = store
        .order_by_number(&number)
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(status, OrderStatus::AwaitingPayment);
}

#[tokio::test]
async fn the_requester_and_a_stranger_are_refused_and_details_are_private() {
    let s = Server::start().await;
    let store = s.bot.store().clone();
    approvers(&store, &[("U0ANN00001".into(), "Ann".into())]).await;
    let number = order_with_po(&s, "U0BUYER002").await;
    // No channel set: Ann gets the request by direct message.
    let dm = s
        .slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage" && c.body["channel"] == "U0ANN00001"
        })
        .await;
    let approve = sl::elements(&dm[0].body["blocks"])
        .into_iter()
        .find(|(_, _, label)| label == "Approve")
        .map(|(e, _, _)| e["action_id"].as_str().unwrap().to_string())
        .unwrap();
    let details = approve.replace("apv:ok:", "apv:info:");
    for (who, hook, expect) in [
        ("U0BUYER002", "own", "You requested this order"),
        ("U0STRANGE1", "stranger", "Only approvers of Acme Telecom"),
    ] {
        s.interact(
            "/slack/interactions",
            &click(who, "1700000000.000009", &approve, hook, &s),
        )
        .await;
        let said = s
            .slack
            .wait_for(1, |c| c.method == "hook" && c.hook == hook)
            .await;
        let text = said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(text.contains(expect), "{who}: {text}");
    }
    s.interact(
        "/slack/interactions",
        &click("U0ANN00001", "1700000000.000009", &details, "details", &s),
    )
    .await;
    let said = s
        .slack
        .wait_for(1, |c| c.method == "hook" && c.hook == "details")
        .await;
    assert_eq!(
        said[0].body["replace_original"], false,
        "details are private"
    );
    let details = said[0].body["text"].as_str().unwrap();
    assert!(details.contains(&number), "{details}");
    assert!(
        details.contains("Approval by Acme Telecom") && details.contains("awaiting approval"),
        "states and organizations by name: {details}"
    );
    for internal in ["awaiting_approval", "ORG-ACME", "acct_", "approval ORG"] {
        assert!(!details.contains(internal), "{internal} in {details}");
    }
    assert_eq!(
        store
            .order_by_number(&number)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::AwaitingApproval,
        "nothing was decided"
    );
}

/// Slack answering 429 (with `Retry-After`) and 503 first: the request is posted once,
/// each try no sooner than Slack said; after the decision the copy is edited once, and
/// a note to a person Slack says is not there is stopped after one try, not retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_rate_limits_are_waited_out_and_a_missing_channel_is_not_retried() {
    let s = Arc::new(Server::start().await);
    let store = s.bot.store().clone();
    approvers(&store, &[("U0APPR0001".into(), "Ann".into())]).await;
    store
        .set_approval_channel(ACME, "slack", Some(APPROVALS))
        .await
        .unwrap();
    s.slack.faults.lock().unwrap().extend([
        sl::Fault::TooMany(1),
        sl::Fault::Unavailable,
        sl::Fault::TooMany(2),
    ]);
    s.slack.gone.lock().unwrap().push("U0BUYER001".into());
    let number = order_with_po(&s, "U0BUYER001").await;

    let posts = s.slack.calls_to("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert_eq!(posts[0].body["channel"], APPROVALS);
    let tries: Vec<std::time::Instant> = s
        .slack
        .arrivals
        .lock()
        .unwrap()
        .iter()
        .map(|(_, at)| *at)
        .collect();
    assert_eq!(tries.len(), 4, "three refusals, then the post");
    assert!(tries[1] - tries[0] >= std::time::Duration::from_secs(1));
    assert!(tries[3] - tries[2] >= std::time::Duration::from_secs(2));

    let approve = sl::elements(&posts[0].body["blocks"])
        .into_iter()
        .find(|(_, _, label)| label == "Approve")
        .map(|(e, _, _)| e["action_id"].as_str().unwrap().to_string())
        .unwrap();
    let (status, _) = s
        .interact(
            "/slack/interactions",
            &click("U0APPR0001", "1700000000.000001", &approve, "apv-1", &s),
        )
        .await;
    assert_eq!(status, 200);
    s.slack.wait_for(1, |c| c.method == "chat.update").await;
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert_eq!(s.slack.calls_to("chat.update").len(), 1);
    let calls = s.slack.arrivals.lock().unwrap().len();
    assert_eq!(
        calls, 6,
        "the post's four tries, the edit, one try of the note"
    );
    let failed = store.outbox_list(&["failed"], 10).await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].kind, "note");
    assert_eq!(failed[0].subject, number);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("channel_not_found")),
        "{failed:#?}"
    );
    assert!(
        store
            .outbox_list(&["pending"], 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A checkout in Slack whose response URLs fail first (503, 429 with `Retry-After`):
/// every answer still arrives, once and in order, and the order is placed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_goes_on_when_response_urls_fail_first() {
    let s = Arc::new(Server::start().await);
    let store = s.bot.store().clone();
    approvers(&store, &[("U0APPR0001".into(), "Ann".into())]).await;
    s.slack.hook_faults.lock().unwrap().extend([
        sl::Fault::Unavailable,
        sl::Fault::TooMany(1),
        sl::Fault::Unavailable,
    ]);
    let number = order_with_po(&s, "U0BUYER001").await;
    assert!(
        s.slack.hook_faults.lock().unwrap().is_empty(),
        "every fault was met"
    );
    let order = store.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingApproval);
    assert!(
        store
            .outbox_list(&["pending", "failed"], 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The form a click opened (views.open), submitted by `user` with `text`.
fn submission(s: &Server, user: &str, text: &str) -> Value {
    let opened = s.slack.calls_to("views.open");
    let mut view = opened.last().expect("a form was opened").body["view"].clone();
    view["state"] =
        json!({"values": {"reason": {"reason": {"type": "plain_text_input", "value": text}}}});
    view["id"] = "V0VIEW0001".into();
    view["team_id"] = sl::TEAM.into();
    view["hash"] = "h1".into();
    json!({
        "type": "view_submission",
        "team": {"id": sl::TEAM, "domain": "acme"},
        "user": sl::user(user),
        "api_app_id": "A0APP00001",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        // Slack's trigger ids are unique; a repeated one is a retried delivery.
        "trigger_id": format!("12466734323.1395872398.{}", rand::random::<u32>()),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": false,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_step_chain_with_a_question_and_racing_directors_in_slack() {
    use checkout_bot::domain::account::{Identity, Role};
    use checkout_bot::domain::approval_chain::{Applies, Approvers, Chain, Rule, StepRule};
    let s = Arc::new(Server::start().await);
    let store = s.bot.store().clone();
    approvers(
        &store,
        &[
            ("U0ANN00001".into(), "Ann".into()),
            ("U0BEN00001".into(), "Ben".into()),
        ],
    )
    .await;
    for (id, name) in [("U0CAT00001", "Cat"), ("U0DAN00001", "Dan")] {
        let account = store.create_account(name, Some(ACME)).await.unwrap();
        store
            .set_membership(&account, ACME, Role::Admin)
            .await
            .unwrap();
        store
            .link_identity(
                &Identity::new("slack", sl::TEAM, id),
                &account,
                checkout_bot::domain::account::LinkedVia::Cli,
            )
            .await
            .unwrap();
    }
    let ben = store
        .account_id_for(&Identity::new("slack", sl::TEAM, "U0BEN00001"))
        .await
        .unwrap()
        .unwrap();
    let step = |name: &str, approvers, rule| StepRule {
        name: name.into(),
        applies: Applies::Always,
        approvers,
        rule,
    };
    store
        .set_approval_chain(
            ACME,
            &Chain {
                steps: vec![
                    step("Team lead", Approvers::Role(Role::Approver), Rule::Any),
                    step("Finance", Approvers::People(vec![ben]), Rule::Any),
                    step("Directors", Approvers::Role(Role::Admin), Rule::All),
                ],
            },
        )
        .await
        .unwrap();
    store
        .set_approval_channel(ACME, "slack", Some(APPROVALS))
        .await
        .unwrap();
    let number = order_with_po(&s, "U0BUYER001").await;
    let posted = s
        .slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage" && c.body["channel"] == APPROVALS
        })
        .await;
    let blocks = posted[0].body["blocks"].to_string();
    assert!(blocks.contains("1. Team lead: waiting"), "{blocks}");
    let action = |body: &Value, label: &str| {
        sl::elements(&body["blocks"])
            .into_iter()
            .find(|(_, _, l)| l == label)
            .map(|(e, _, _)| e["action_id"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {label} in {body:#}"))
    };
    let ts = "1700000000.000001";
    let ask = action(&posted[0].body, "Ask a question");

    // Ann asks; the buyer gets it privately with an Answer button, and the thread too.
    let before = s.slack.calls_to("views.open").len();
    let (status, _) = s
        .interact(
            "/slack/interactions",
            &click("U0ANN00001", ts, &ask, "ask", &s),
        )
        .await;
    assert_eq!(status, 200);
    s.slack
        .wait_for(before + 1, |c| c.method == "views.open")
        .await;
    let (status, ack) = s
        .interact(
            "/slack/interactions",
            &submission(&s, "U0ANN00001", "For which site?"),
        )
        .await;
    assert_eq!(status, 200, "{ack}");
    assert!(ack.is_null(), "the question is taken: {ack}");

    let dm = s
        .slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage"
                && c.body["channel"] == "U0BUYER001"
                && c.body.to_string().contains("apv:ans:")
        })
        .await;
    let answer = action(&dm[0].body, "Answer");
    s.slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage"
                && c.body["channel"] == APPROVALS
                && c.body["thread_ts"] == ts
                && c.body["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("For which site?"))
        })
        .await;
    s.slack
        .wait_for(1, |c| {
            c.method == "chat.update" && c.body.to_string().contains("Ann asked: For which site?")
        })
        .await;

    // The buyer answers in a form of their own; Ann hears it.
    let mut dm_click = click("U0BUYER001", "1700000000.000009", &answer, "ans", &s);
    dm_click["container"]["channel_id"] = json!("D0BUYER001");
    dm_click["channel"]["id"] = json!("D0BUYER001");
    let opened = s.slack.calls_to("views.open").len();
    s.interact("/slack/interactions", &dm_click).await;
    s.slack
        .wait_for(opened + 1, |c| c.method == "views.open")
        .await;
    s.interact(
        "/slack/interactions",
        &submission(&s, "U0BUYER001", "The Berlin office."),
    )
    .await;
    s.slack
        .wait_for(1, |c| {
            c.method == "hook"
                && c.hook == "ans"
                && c.body.to_string().contains("Your answer was sent")
        })
        .await;
    s.slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage"
                && c.body["channel"] == "U0ANN00001"
                && c.body.to_string().contains("The Berlin office.")
        })
        .await;

    // Step 1 by Ann; the buyer is refused; step 2 only by Ben.
    let approve1 = action(&posted[0].body, "Approve");
    s.interact(
        "/slack/interactions",
        &click("U0BUYER001", ts, &approve1, "own", &s),
    )
    .await;
    s.slack
        .wait_for(1, |c| {
            c.method == "hook"
                && c.hook == "own"
                && c.body.to_string().contains("You requested this order")
        })
        .await;
    s.interact(
        "/slack/interactions",
        &click("U0ANN00001", ts, &approve1, "a1", &s),
    )
    .await;
    let second = s
        .slack
        .wait_for(2, |c| {
            c.method == "chat.postMessage"
                && c.body["channel"] == APPROVALS
                && c.body["thread_ts"].is_null()
        })
        .await;
    let approve2 = action(&second[1].body, "Approve");
    assert!(approve2.ends_with(":2"), "{approve2}");
    s.interact(
        "/slack/interactions",
        &click("U0CAT00001", ts, &approve1, "late", &s),
    )
    .await;
    s.slack
        .wait_for(1, |c| {
            c.method == "hook" && c.hook == "late" && c.body.to_string().contains("already decided")
        })
        .await;
    s.interact(
        "/slack/interactions",
        &click("U0ANN00001", ts, &approve2, "notfin", &s),
    )
    .await;
    s.slack
        .wait_for(1, |c| {
            c.method == "hook" && c.hook == "notfin" && c.body.to_string().contains("Finance")
        })
        .await;
    s.interact(
        "/slack/interactions",
        &click("U0BEN00001", ts, &approve2, "b2", &s),
    )
    .await;
    let third = s
        .slack
        .wait_for(3, |c| {
            c.method == "chat.postMessage"
                && c.body["channel"] == APPROVALS
                && c.body["thread_ts"].is_null()
        })
        .await;
    let approve3 = action(&third[2].body, "Approve");

    // Cat and Dan, all needed, race.
    let mut clicks = Vec::new();
    for (i, id) in ["U0CAT00001", "U0DAN00001"]
        .into_iter()
        .cycle()
        .take(12)
        .enumerate()
    {
        let payload = click(id, ts, &approve3, &format!("d{i}"), &s);
        let s = s.clone();
        clicks.push(tokio::spawn(async move {
            s.interact("/slack/interactions", &payload).await
        }));
    }
    for c in clicks {
        assert_eq!(c.await.unwrap().0, 200);
    }
    // Clicks are acknowledged first and decided in the background.
    for _ in 0..200 {
        let o = store.order_by_number(&number).await.unwrap().unwrap();
        if o.status == OrderStatus::AwaitingPayment {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    crate::common::drained(&store).await;
    let trail: Vec<String> = store
        .audit_for(&number)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.new_value)
        .collect();
    let votes = trail
        .iter()
        .filter(|t| t.contains("(Directors): vote by"))
        .count();
    let decided = trail
        .iter()
        .filter(|t| t.contains("(Directors): approved by"))
        .count();
    assert_eq!((votes, decided), (1, 1), "{trail:?}");
    let order = store.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
}
