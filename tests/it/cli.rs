//! The admin commands as an operator runs them: imports, organizations and members.

use std::process::{Command, Output};

fn run(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run checkout-bot")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn catalog_import_reports_line_and_field_then_accepts_a_fixed_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let demo = include_str!("../../data/demo/catalog.toml");
    let bad = demo.replacen("max_qty = 200", "max_qty = 0", 1);
    let path = dir.path().join("catalog.toml");
    std::fs::write(&path, &bad).unwrap();
    let out = run(&url, &["import", "catalog", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let line = bad
        .lines()
        .position(|l| l == "sku = \"SUP-HOURLY\"")
        .unwrap()
        + 1;
    assert!(
        text(&out).contains(&format!("line {line}: products[0].max_qty")),
        "{}",
        text(&out)
    );

    std::fs::write(&path, demo).unwrap();
    let out = run(&url, &["import", "catalog", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("as catalog version 1"),
        "{}",
        text(&out)
    );
}

#[test]
fn organizations_deployments_and_members() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    assert!(run(&url, &["migrate"]).status.success());
    assert!(
        run(&url, &["orgs", "add", "ORG-X", "--name", "Example Ltd"])
            .status
            .success()
    );
    assert!(text(&run(&url, &["orgs", "list"])).contains("ORG-X\tExample Ltd"));

    let csv = dir.path().join("d.csv");
    std::fs::write(
        &csv,
        "id,name,organization\n1001,Head Office,ORG-X\n1002,Lab,ORG-NOPE\n",
    )
    .unwrap();
    let out = run(&url, &["import", "deployments", csv.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("line 3: organization"),
        "{}",
        text(&out)
    );
    std::fs::write(
        &csv,
        "id,name,organization\n1001,Head Office,ORG-X\n1002,Lab,ORG-X\n",
    )
    .unwrap();
    assert!(
        text(&run(
            &url,
            &["import", "deployments", csv.to_str().unwrap()]
        ))
        .contains("imported 2 deployments")
    );

    let add = [
        "members",
        "add",
        "--org",
        "ORG-X",
        "--platform",
        "discord",
        "--user",
        "123",
        "--role",
        "approver",
    ];
    let out = run(&url, &add);
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&run(&url, &["members", "list", "--org", "ORG-X"]));
    assert!(
        listed.contains("ORG-X\tapprover\tdiscord:discord:123"),
        "{listed}"
    );
    let out = run(
        &url,
        &[
            "members",
            "add",
            "--org",
            "ORG-Y",
            "--platform",
            "discord",
            "--user",
            "1",
            "--role",
            "buyer",
        ],
    );
    assert!(
        !out.status.success() && text(&out).contains("orgs add ORG-Y"),
        "{}",
        text(&out)
    );
    let out = run(
        &url,
        &[
            "members",
            "add",
            "--org",
            "ORG-X",
            "--platform",
            "discord",
            "--user",
            "1",
            "--role",
            "owner",
        ],
    );
    assert!(
        !out.status.success() && text(&out).contains("buyer, approver or admin"),
        "{}",
        text(&out)
    );

    let remove = [
        "members",
        "remove",
        "--org",
        "ORG-X",
        "--platform",
        "discord",
        "--user",
        "123",
    ];
    assert!(run(&url, &remove).status.success());
    assert!(
        !text(&run(&url, &["members", "list", "--org", "ORG-X"])).contains("discord:discord:123")
    );
    assert!(
        !run(&url, &remove).status.success(),
        "removing twice is an error"
    );
}

#[test]
fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    // A port the OS says is free right now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "DISCORD_PUBLIC_KEY",
            "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c",
        )
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let health = |port: u16| -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    };
    let mut answer = None;
    // Up to 30 s: on a loaded 2-core CI machine, migrating and loading the demo data is slow.
    for _ in 0..300 {
        answer = health(port);
        if answer.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let answer = answer.expect("serve never answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit after SIGTERM: {status}");
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("stopped"), "{log}");
    assert!(
        !log.contains("ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"),
        "the key is never logged"
    );
}

/// A database where the demo buyer placed a USD 500 order by wire in the chat: it, its
/// URL and the order's number.
fn wire_order() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let mut c = crate::common::chat::Chat::start(&url, "demo", &[]);
    c.reach_the_po_question("Wire transfer");
    let number = c.place_without_po();
    c.finish();
    (dir, url, number)
}

#[test]
fn orders_are_listed_shown_and_marked_paid() {
    let (_dir, url, number) = wire_order();

    let listed = text(&run(&url, &["orders", "list"]));
    assert!(
        listed.contains(&format!("{number}\torder\tawaiting_payment\tUSD 500.00")),
        "{listed}"
    );
    let shown = text(&run(&url, &["orders", "show", &number]));
    assert!(
        shown.contains("line: SUP-CREDIT Support Credits x 5 at USD 100.00 = USD 500.00")
            && shown.contains("status: awaiting_payment")
            && regex::Regex::new(r"placed: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC by Demo Buyer")
                .unwrap()
                .is_match(&shown),
        "readable, with a UTC time: {shown}"
    );
    let json = text(&run(&url, &["orders", "show", &number, "--json"]));
    assert!(json.contains("\"sku\": \"SUP-CREDIT\""), "{json}");
    assert!(!run(&url, &["orders", "show", "CB-1"]).status.success());
    let paid = run(&url, &["orders", "mark-paid", &number]);
    assert!(paid.status.success(), "{}", text(&paid));
    assert!(text(&run(&url, &["orders", "list"])).contains(&format!("{number}\torder\tpaid")));
    let again = run(&url, &["orders", "mark-paid", &number]);
    assert!(!again.status.success() && text(&again).contains("not an order awaiting payment"));
    let audit = text(&run(&url, &["audit", &number]));
    let stamp = regex::Regex::new(r"(?m)^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\t").unwrap();
    assert_eq!(
        stamp.find_iter(&audit).count(),
        audit.lines().count(),
        "every line starts with a readable UTC time: {audit}"
    );
    assert!(audit.contains("\tplaced\t- -> awaiting_payment"), "{audit}");
    assert!(
        audit.contains("\toperator\tstatus\tawaiting_payment -> paid"),
        "{audit}"
    );
    assert!(!run(&url, &["audit", "CB-1"]).status.success());
}

#[test]
fn a_card_payment_is_refunded_in_part_then_in_full_and_never_more() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let mut c = crate::common::chat::Chat::start(&url, "demo", &[]);
    c.reach_the_po_question("Visa •••• 4242 (exp 12/30)");
    let number = c.place_without_po();
    assert_eq!(c.field("Status"), "paid", "{}", c.last);

    let part = run(&url, &["orders", "refund", &number, "--amount", "120.50"]);
    assert!(part.status.success(), "{}", text(&part));
    assert!(
        text(&part).contains(&format!("refunded USD 120.50 of {number}"))
            && text(&part).contains("USD 379.50 left to refund"),
        "{}",
        text(&part)
    );
    // The same command run twice is refused, naming the refund that went through.
    let twice = run(&url, &["orders", "refund", &number, "--amount", "120.50"]);
    assert!(!twice.status.success());
    assert!(
        text(&twice).contains("already had a refund of USD 120.50")
            && text(&twice).contains("--again"),
        "{}",
        text(&twice)
    );
    assert!(
        text(&run(&url, &["orders", "list"])).contains(&format!(
            "{number}\torder\tpartly refunded (USD 120.50 of USD 500.00)"
        )),
        "{}",
        text(&run(&url, &["orders", "list"]))
    );
    let shown = text(&run(&url, &["orders", "show", &number]));
    assert!(
        shown.contains("status: partly refunded")
            && shown.contains("refund 1: USD 120.50 done on 20"),
        "{shown}"
    );
    assert!(
        !shown.contains("created_at"),
        "readable, not the stored JSON: {shown}"
    );
    let too_much = run(&url, &["orders", "refund", &number, "--amount", "400"]);
    assert!(!too_much.status.success());
    assert!(
        text(&too_much).contains("up to USD 379.50"),
        "{}",
        text(&too_much)
    );
    let bad = run(&url, &["orders", "refund", &number, "--amount", "ten"]);
    assert!(!bad.status.success() && text(&bad).contains("not an amount"));
    let rest = run(&url, &["orders", "refund", &number]);
    assert!(rest.status.success(), "{}", text(&rest));
    assert!(
        text(&rest).contains("refunded USD 379.50"),
        "{}",
        text(&rest)
    );
    let again = run(&url, &["orders", "refund", &number]);
    assert!(!again.status.success());
    assert!(
        text(&again).contains("nothing is left to refund"),
        "{}",
        text(&again)
    );

    assert!(text(&run(&url, &["orders", "list"])).contains(&format!("{number}\torder\trefunded")));
    let audit = text(&run(&url, &["audit", &number]));
    assert!(
        audit.contains("\toperator\trefunded\t- -> USD 120.50"),
        "{audit}"
    );
    assert!(
        audit.contains("\toperator\tstatus\tpaid -> refunded"),
        "{audit}"
    );
    // The buyer sees it too.
    c.send("/orders");
    assert!(c.last.to_string().contains("refunded"), "{}", c.last);
    c.finish();
}

#[test]
fn approval_policy_is_set_and_shown_and_an_order_over_the_buyer_limit_waits() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    // The chat loads the demo data; the operator sets the policy while it runs.
    let mut c = crate::common::chat::Chat::start(&url, "demo", &[]);
    c.send("/buy support credits");

    let shown = text(&run(&url, &["orgs", "show", "ORG-ACME"]));
    assert!(
        shown.contains("approval for orders with a PO number: no")
            && shown.contains("approval for orders above: no limit")
            && shown.contains("requests go to: each approver, privately")
            && shown.contains("approvers: 1"),
        "{shown}"
    );
    let set = run(
        &url,
        &[
            "orgs",
            "set-approval",
            "ORG-ACME",
            "--po-required",
            "true",
            "--limit",
            "2,500",
        ],
    );
    assert!(set.status.success(), "{}", text(&set));
    let bad = run(
        &url,
        &["orgs", "set-approval", "ORG-ACME", "--limit", "lots"],
    );
    assert!(!bad.status.success() && text(&bad).contains("'lots' is not an amount"));
    let unknown = run(&url, &["orgs", "set-approval", "ORG-NONE", "--limit", "5"]);
    assert!(!unknown.status.success() && text(&unknown).contains("no organization ORG-NONE"));
    let own = run(
        &url,
        &[
            "orgs",
            "set-approval",
            "ORG-ACME",
            "--platform",
            "console",
            "--user",
            "demo",
            "--limit",
            "100",
        ],
    );
    assert!(own.status.success(), "{}", text(&own));
    let channel = run(
        &url,
        &[
            "orgs",
            "set-approval-channel",
            "ORG-ACME",
            "--discord",
            "1400000000000000099",
        ],
    );
    assert!(channel.status.success(), "{}", text(&channel));
    let not_id = run(
        &url,
        &[
            "orgs",
            "set-approval-channel",
            "ORG-ACME",
            "--discord",
            "#buying",
        ],
    );
    assert!(!not_id.status.success() && text(&not_id).contains("not a Discord channel id"));
    let slack = run(
        &url,
        &[
            "orgs",
            "set-approval-channel",
            "ORG-ACME",
            "--slack",
            "C0BUYING01",
        ],
    );
    assert!(slack.status.success(), "{}", text(&slack));
    let not_slack = run(
        &url,
        &[
            "orgs",
            "set-approval-channel",
            "ORG-ACME",
            "--slack",
            "#buying",
        ],
    );
    assert!(!not_slack.status.success() && text(&not_slack).contains("not a Slack channel id"));
    let no_platform = run(&url, &["orgs", "set-approval-channel", "ORG-ACME"]);
    assert!(
        !no_platform.status.success() && text(&no_platform).contains("give a platform's channel"),
        "{}",
        text(&no_platform)
    );
    let shown = text(&run(&url, &["orgs", "show", "ORG-ACME"]));
    assert!(
        shown.contains("approval for orders with a PO number: yes")
            && shown.contains("approval for orders above: USD 2,500.00")
            && shown.contains("buyer limit: Demo Buyer (")
            && shown.contains(") above USD 100.00")
            && shown.contains("requests go to: discord channel 1400000000000000099")
            && shown.contains("requests go to: slack channel C0BUYING01"),
        "{shown}"
    );

    // USD 500 of support credits is over the demo buyer's own limit of 100.
    c.choose("Details", "Support Credits");
    c.click("Add to cart");
    c.send("/checkout");
    c.click("Continue");
    c.choose("Payment method", "Wire transfer");
    c.click("No");
    c.click("I agree to the terms");
    c.click("Process order");
    assert_eq!(c.field("Status"), "awaiting approval");
    let number = c.field("Number");
    c.finish();
    let audit = text(&run(&url, &["audit", &number]));
    let stamp = regex::Regex::new(r"(?m)^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\t").unwrap();
    assert_eq!(
        stamp.find_iter(&audit).count(),
        audit.lines().count(),
        "every line starts with a readable UTC time: {audit}"
    );
    assert!(
        audit.contains("Demo Buyer (acct_") && audit.contains("\tapproval ORG-ACME\t- -> pending"),
        "{audit}"
    );
    let listed = text(&run(&url, &["orders", "list"]));
    assert!(
        listed.contains(&format!("{number}\torder\tawaiting_approval")),
        "{listed}"
    );
}

/// Regression: with demo mode off, a buyer removed from their only organization could
/// still buy hardware, and an order was placed for an account with no membership.
#[test]
fn a_buyer_removed_from_their_last_organization_can_no_longer_order() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let off = [("DEMO_MODE", "false")];
    // Demo data first (an empty database in demo mode), then run as a real deployment.
    crate::common::chat::Chat::start(&url, "demo", &[]).finish();
    let add = run(
        &url,
        &[
            "members",
            "add",
            "--org",
            "ORG-ACME",
            "--platform",
            "console",
            "--user",
            "alice",
            "--role",
            "buyer",
        ],
    );
    assert!(add.status.success(), "{}", text(&add));

    let mut c = crate::common::chat::Chat::start(&url, "alice", &off);
    c.send("/buy phones");
    c.choose("Details", "P310 Desk Phone");
    c.click("Add to cart");
    c.send("/checkout");
    assert_eq!(c.step(), "shipping", "{}", c.last);
    c.submit(
        "Enter address",
        json!({"name": "Alice", "street": "1 Main St", "city": "Austin", "region": "TX", "postal_code": "78701"}),
    );
    c.choose("Shipping rate", "Ground · USD 11.45");
    c.click("Continue");
    c.choose("Payment method", "Wire transfer");
    c.click("No");
    c.click("I agree to the terms");
    assert_eq!(c.step(), "summary", "{}", c.last);

    let removed = run(
        &url,
        &[
            "members",
            "remove",
            "--org",
            "ORG-ACME",
            "--platform",
            "console",
            "--user",
            "alice",
        ],
    );
    assert!(removed.status.success(), "{}", text(&removed));
    assert!(
        text(&removed).contains("last organization") && text(&removed).contains("no longer"),
        "{}",
        text(&removed)
    );

    c.click("Process order");
    assert_eq!(c.notice_kind(), "error", "{}", c.last);
    assert!(c.notice().contains("no longer belongs"), "{}", c.last);
    assert_eq!(c.step(), "summary");
    c.send("/cart");
    c.click("Checkout");
    assert_eq!(c.notice_kind(), "error", "{}", c.last);
    c.finish();
    let orders = run(&url, &["orders", "list"]);
    assert!(!text(&orders).contains("alice"), "{}", text(&orders));
    assert!(!text(&orders).contains("Alice"), "{}", text(&orders));
}

#[test]
fn whoami_says_how_each_person_was_linked() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let mut demo = crate::common::chat::Chat::start(&url, "demo", &[]);
    demo.send("/whoami");
    assert_eq!(demo.step(), "whoami", "{}", demo.last);
    assert!(
        demo.field("Linked").starts_with("as a demo buyer, on "),
        "{}",
        demo.last
    );
    demo.finish();

    assert!(
        run(&url, &["orgs", "add", "ORG-X", "--name", "Example Ltd"])
            .status
            .success()
    );
    let added = run(
        &url,
        &[
            "members",
            "add",
            "--org",
            "ORG-X",
            "--platform",
            "console",
            "--user",
            "alice",
            "--role",
            "approver",
            "--name",
            "Alice Adams",
        ],
    );
    assert!(added.status.success(), "{}", text(&added));
    let mut alice = crate::common::chat::Chat::start(&url, "alice", &[("DEMO_MODE", "false")]);
    alice.send("/whoami");
    assert_eq!(alice.field("Account"), "Alice Adams");
    assert_eq!(alice.field("Organizations"), "Example Ltd · approver");
    let today = text(&run(&url, &["members", "list", "--org", "ORG-X"]));
    assert!(
        today.contains("console:local:alice\tAlice Adams\tlinked by cli 20"),
        "{today}"
    );
    assert!(
        alice
            .field("Linked")
            .starts_with("by an admin of the store, on 20"),
        "{}",
        alice.last
    );
    alice.finish();
}

#[test]
fn email_domains_are_given_to_organizations_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    assert!(run(&url, &["migrate"]).status.success());
    assert!(
        run(&url, &["orgs", "add", "ORG-X", "--name", "Example Ltd"])
            .status
            .success()
    );
    assert!(
        run(&url, &["orgs", "add", "ORG-Y", "--name", "Why Inc"])
            .status
            .success()
    );
    let set = run(&url, &["orgs", "set-domain", "ORG-X", "@Example.COM"]);
    assert!(set.status.success(), "{}", text(&set));
    assert!(
        text(&set).contains("example.com belongs to ORG-X"),
        "{}",
        text(&set)
    );
    let moved = run(&url, &["orgs", "set-domain", "ORG-Y", "example.com"]);
    assert!(
        text(&moved).contains("(it belonged to ORG-X)"),
        "{}",
        text(&moved)
    );
    let bad = run(&url, &["orgs", "set-domain", "ORG-X", "not a domain"]);
    assert!(
        !bad.status.success() && text(&bad).contains("is not a domain"),
        "{}",
        text(&bad)
    );
    let unknown = run(&url, &["orgs", "set-domain", "ORG-Z", "z.com"]);
    assert!(!unknown.status.success());
    assert!(text(&run(&url, &["orgs", "show", "ORG-Y"])).contains("email domains: example.com"));
    assert!(text(&run(&url, &["orgs", "show", "ORG-X"])).contains("email domains: none"));
    let removed = run(
        &url,
        &["orgs", "set-domain", "ORG-Y", "example.com", "--remove"],
    );
    assert!(removed.status.success(), "{}", text(&removed));
    let again = run(
        &url,
        &["orgs", "set-domain", "ORG-Y", "example.com", "--remove"],
    );
    assert!(!again.status.success() && text(&again).contains("is not a domain of ORG-Y"));
}

/// `checkout-bot` run in `dir` with no DATABASE_URL, as an operator in a fresh directory.
fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("DEMO_MODE")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run checkout-bot")
}

#[test]
fn a_dotenv_that_cannot_be_read_stops_the_program_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "# shop\nDEMO_MODE=true\nSTORE_NAME=checkout-bot store\nPUBLIC_URL=https://shop.example.com\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["orgs", "list"]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains(".env: line 3 (STORE_NAME) cannot be read") && said.contains("quote"),
        "{said}"
    );
    // The value itself may be a secret, so it is not repeated.
    assert!(!said.contains("checkout-bot store"), "{said}");
}

#[test]
fn the_example_env_file_is_read_to_its_last_line() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example");
    let names: Vec<String> = std::fs::read_to_string(example)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| l.split('=').next().unwrap().to_string())
        .collect();
    let read: Vec<String> = dotenvy::from_path_iter(example)
        .unwrap()
        .map(|item| item.expect("every line of .env.example parses").0)
        .collect();
    assert_eq!(read, names);
    assert!(read.contains(&"RUST_LOG".to_string()), "{read:?}");
    // Inline comments would become part of a value under systemd's EnvironmentFile.
    for (name, value) in dotenvy::from_path_iter(example).unwrap().flatten() {
        assert!(!value.contains('#'), "{name}={value}: no inline comments");
    }
}

#[test]
fn reading_commands_refuse_a_database_that_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("b.db");
    for args in [
        vec!["db", "backup", backup.to_str().unwrap()],
        vec!["orgs", "list"],
        vec!["orgs", "add", "ORG-X", "--name", "X"],
        vec!["members", "list"],
        vec!["orders", "list"],
        vec!["audit", "CB-100001"],
        vec!["gc"],
    ] {
        let out = run_in(dir.path(), &args);
        assert!(!out.status.success(), "{args:?}");
        let said = text(&out);
        assert!(
            said.contains("there is no database file checkout-bot.db")
                && said.contains("--database-url"),
            "{args:?}: {said}"
        );
    }
    assert!(
        !dir.path().join("checkout-bot.db").exists(),
        "nothing was created"
    );
    assert!(!backup.exists());
    let from = run_in(
        dir.path(),
        &[
            "db",
            "copy",
            "--from",
            "sqlite:nope.db",
            "--to",
            "sqlite:copy.db",
        ],
    );
    assert!(!from.status.success() && text(&from).contains("there is no database file nope.db"));
    // A database that cannot be reached is named without its password.
    let unreachable = run_in(
        dir.path(),
        &[
            "orgs",
            "list",
            "--database-url",
            "postgres://shop:s3cr3t-pw@127.0.0.1:1/x",
        ],
    );
    assert!(!unreachable.status.success());
    assert!(
        !text(&unreachable).contains("s3cr3t-pw") && text(&unreachable).contains("shop:***@"),
        "{}",
        text(&unreachable)
    );
    // migrate creates it, and then the same commands work.
    assert!(run_in(dir.path(), &["migrate"]).status.success());
    assert!(run_in(dir.path(), &["orgs", "list"]).status.success());
}

#[test]
fn demo_mode_leaves_an_operators_own_data_alone() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    assert!(run(&url, &["migrate"]).status.success());
    assert!(
        run(&url, &["orgs", "add", "ORG-OWN", "--name", "Own Co"])
            .status
            .success()
    );
    let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/catalog.toml");
    assert!(run(&url, &["import", "catalog", catalog]).status.success());
    // DEMO_MODE is at its default (true): no demo data, and nobody enrolled into the
    // demo organizations the database does not have.
    let mut c = crate::common::chat::Chat::start(&url, "stranger", &[]);
    c.send("/buy");
    let said = c.last.to_string();
    assert!(
        c.last["error"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("not set up to buy here")),
        "told what to do, not that something went wrong: {said}"
    );
    assert!(!said.contains("went wrong"), "{said}");
    c.finish();
    let orgs = text(&run(&url, &["orgs", "list"]));
    assert_eq!(
        orgs.trim(),
        "ORG-OWN\tOwn Co",
        "no demo organizations: {orgs}"
    );
}

#[test]
fn members_are_added_only_on_platforms_the_bot_serves() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    assert!(run(&url, &["migrate"]).status.success());
    assert!(
        run(&url, &["orgs", "add", "ORG-X", "--name", "X Ltd"])
            .status
            .success()
    );
    let add = |extra: &[&str]| {
        let mut args = vec!["members", "add", "--org", "ORG-X", "--role", "buyer"];
        args.extend_from_slice(extra);
        run(&url, &args)
    };
    let typo = add(&["--platform", "slak", "--user", "U1"]);
    assert!(!typo.status.success());
    assert!(
        text(&typo).contains("not a platform this bot serves: use one of console, discord, slack"),
        "{}",
        text(&typo)
    );
    let no_team = add(&["--platform", "slack", "--user", "U0ABC"]);
    assert!(!no_team.status.success());
    assert!(
        text(&no_team).contains("needs --workspace"),
        "{}",
        text(&no_team)
    );
    let listed = text(&run(&url, &["members", "list"]));
    assert!(
        !listed.contains("U0ABC") && !listed.contains("U1"),
        "nothing stored: {listed}"
    );
    let ok = add(&[
        "--platform",
        "slack",
        "--workspace",
        "T0TEAM",
        "--user",
        "U0ABC",
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    let ok = add(&["--platform", "discord", "--user", "9000000000000000123"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let listed = text(&run(&url, &["members", "list", "--org", "ORG-X"]));
    assert!(
        listed.contains("slack:T0TEAM:U0ABC")
            && listed.contains("discord:discord:9000000000000000123"),
        "{listed}"
    );
    let unknown = run(&url, &["members", "list", "--org", "ORG-NOPE"]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("no organization ORG-NOPE"),
        "{}",
        text(&unknown)
    );
}

#[test]
fn an_approval_chain_and_a_budget_are_set_shown_and_refused_when_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let mut c = crate::common::chat::Chat::start(&url, "demo", &[]);
    c.send("/help");
    let add = run(
        &url,
        &[
            "members",
            "add",
            "--org",
            "ORG-ACME",
            "--platform",
            "console",
            "--user",
            "fin",
            "--role",
            "buyer",
            "--name",
            "Fin Person",
        ],
    );
    assert!(add.status.success(), "{}", text(&add));
    let chain = dir.path().join("chain.toml");
    std::fs::write(
        &chain,
        "[[step]]\nname = \"Team lead\"\nrole = \"approver\"\n\n\
         [[step]]\nname = \"Finance\"\nabove = 5000\napprovers = [\"console:fin\"]\n\n\
         [[step]]\nname = \"Directors\"\nabove = \"20000\"\nrole = \"admin\"\nrule = \"all\"\n",
    )
    .unwrap();
    let chain = chain.to_str().unwrap();
    let set = run(&url, &["orgs", "set-approval-chain", "ORG-ACME", chain]);
    assert!(
        set.status.success() && text(&set).contains("3 steps"),
        "{}",
        text(&set)
    );
    let budget = run(
        &url,
        &[
            "orgs",
            "set-budget",
            "ORG-ACME",
            "--per",
            "quarter",
            "--amount",
            "20000",
        ],
    );
    assert!(budget.status.success(), "{}", text(&budget));
    let shown = text(&run(&url, &["orgs", "show", "ORG-ACME"]));
    for line in [
        "approval chain: 3 steps, in place of the policy above",
        "approval step 1: Team lead — every order, decided by any one of the approvers and admins",
        "approval step 2: Finance — orders above USD 5,000.00, decided by any one of Fin Person (acct_",
        "approval step 3: Directors — orders above USD 20,000.00, decided by all of the admins",
        "budget: USD 20,000.00 per quarter",
    ] {
        assert!(shown.contains(line), "{line}\n{shown}");
    }

    // Someone who is not a member, a bad rule, a bad period: refused, nothing changed.
    let stranger = dir.path().join("stranger.toml");
    std::fs::write(
        &stranger,
        "[[step]]\nname = \"X\"\napprovers = [\"console:demo\", \"console:nobody\"]\n",
    )
    .unwrap();
    let refused = run(
        &url,
        &[
            "orgs",
            "set-approval-chain",
            "ORG-ACME",
            stranger.to_str().unwrap(),
        ],
    );
    assert!(
        !refused.status.success()
            && text(&refused).contains("step 1: console:local:nobody has no account"),
        "{}",
        text(&refused)
    );
    std::fs::write(
        &stranger,
        "[[step]]\nname = \"X\"\nrole = \"admin\"\nrule = \"most\"\n",
    )
    .unwrap();
    let refused = run(
        &url,
        &[
            "orgs",
            "set-approval-chain",
            "ORG-ACME",
            stranger.to_str().unwrap(),
        ],
    );
    assert!(
        text(&refused).contains("rule = \"most\" is not a rule"),
        "{}",
        text(&refused)
    );
    let week = run(
        &url,
        &[
            "orgs",
            "set-budget",
            "ORG-ACME",
            "--per",
            "week",
            "--amount",
            "5",
        ],
    );
    assert!(!week.status.success() && text(&week).contains("use month, quarter or year"));
    assert!(text(&run(&url, &["orgs", "show", "ORG-ACME"])).contains("3 steps"));

    // set-approval makes it one step again; --amount none removes the budget.
    let one = run(
        &url,
        &["orgs", "set-approval", "ORG-ACME", "--limit", "100"],
    );
    assert!(text(&one).contains("one step again"), "{}", text(&one));
    let none = run(
        &url,
        &["orgs", "set-budget", "ORG-ACME", "--amount", "none"],
    );
    assert!(none.status.success());
    let shown = text(&run(&url, &["orgs", "show", "ORG-ACME"]));
    assert!(
        shown.contains("approval chain: none") && shown.contains("budget: none"),
        "{shown}"
    );
}

#[test]
fn an_operator_writes_an_orders_invoice_and_receipt_as_pdf() {
    let (dir, url, number) = wire_order();
    let out = dir.path().join("invoice.pdf");
    let out = out.to_str().unwrap();
    let none = run(
        &url,
        &[
            "orders", "document", &number, "--kind", "receipt", "--out", out,
        ],
    );
    assert!(
        !none.status.success() && text(&none).contains("has no receipt: it has invoice"),
        "{}",
        text(&none)
    );
    let bad = run(
        &url,
        &[
            "orders", "document", &number, "--kind", "bill", "--out", out,
        ],
    );
    assert!(text(&bad).contains("use quote, invoice, receipt or credit-note"));
    let made = run(
        &url,
        &[
            "orders", "document", &number, "--locale", "de", "--out", out,
        ],
    );
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains(&format!("INV-{number} written to")));
    let pdf = std::fs::read(out).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        run(&url, &["orders", "mark-paid", &number])
            .status
            .success()
    );
    let receipt = dir.path().join("receipt.pdf");
    let made = run(
        &url,
        &[
            "orders",
            "document",
            &number,
            "--out",
            receipt.to_str().unwrap(),
        ],
    );
    assert!(
        text(&made).contains(&format!("R-{number} written to")),
        "{}",
        text(&made)
    );
    let Ok(read) = Command::new("pdftotext").arg(out).arg("-").output() else {
        eprintln!(
            "SKIPPED reading the PDF back: pdftotext (poppler-utils) is not installed; CI installs it"
        );
        return;
    };
    let words = String::from_utf8_lossy(&read.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for want in [
        &format!("Rechnung INV-{number}") as &str,
        "Support Credits",
        "500,00 USD",
        "Zahlung per Überweisung",
        "Demo Bank",
    ] {
        assert!(words.contains(want), "no {want:?} in {words}");
    }
}

/// `checkout-bot orgs list | head`: a reader that stops early ends the listing quietly,
/// as with any Unix tool, not with a panic and a backtrace.
#[cfg(unix)]
#[test]
fn a_listing_whose_reader_goes_away_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    for args in [
        &["migrate"][..],
        &["orgs", "add", "ORG-X", "--name", "Example Ltd"],
    ] {
        let done = run(&url, args);
        assert!(done.status.success(), "{}", text(&done));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(["orgs", "list"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run checkout-bot");
    // The reader is gone before the first line is written.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "{:?}: {err}",
        out.status
    );
}
