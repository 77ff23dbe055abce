//! The operator's database commands, run as an operator would: `db copy` from SQLite to
//! PostgreSQL and back on a database filled by real checkouts, and `db backup` of a
//! SQLite file while `serve` takes traffic.

use std::process::{Command, Output};

use crate::common::chat::Chat;
use checkout_bot::store::Store;
use checkout_bot::store::copy::{TABLES, Table};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;

fn table(name: &str) -> &'static Table {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .expect("a copied table")
}

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run checkout-bot")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The URL of `schema` in the test database, as an operator would write it for a
/// dedicated schema: every connection sets its search path.
fn schema_url(schema: &str) -> String {
    let base = std::env::var("TEST_POSTGRES_URL").unwrap_or_default();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// Every table's rows on each side are the same.
async fn assert_same(a: &Store, b: &Store) {
    for t in TABLES {
        let (left, right) = (a.rows(t).await.unwrap(), b.rows(t).await.unwrap());
        assert_eq!(left, right, "table {}", t.name);
    }
}

#[test]
fn a_database_moves_to_postgres_and_back_and_open_checkouts_finish() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some((target, schema)) = rt.block_on(crate::common::postgres("db_copy")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = crate::common::sqlite_url(&dir);

    // Real checkouts: one placed order, one quote, one checkout left at the PO question.
    let mut demo = Chat::start(&sqlite, "demo", &[]);
    demo.reach_the_po_question("wire");
    demo.place_without_po();
    demo.send("/buy support credits");
    demo.choose("Details", "Support Credits");
    demo.click("Add to cart");
    demo.send("/checkout");
    assert_eq!(
        demo.step(),
        "payment",
        "the address is not asked again: {}",
        demo.last
    );
    demo.choose("Payment method", "Save as a quote");
    demo.click("No");
    demo.click("I agree to the terms");
    demo.click("Save quote");
    assert_eq!(demo.step(), "placed", "{}", demo.last);
    demo.finish();
    let mut pat = Chat::start(&sqlite, "pat", &[]);
    pat.reach_the_po_question("wire");
    pat.finish();

    let postgres = schema_url(&schema);
    let copied = cli(&["db", "copy", "--from", &sqlite, "--to", &postgres]);
    let text = out(&copied);
    assert!(copied.status.success(), "{text}");
    assert!(text.contains("counts and totals match"), "{text}");
    assert!(text.contains("audit_log"), "{text}");
    rt.block_on(async {
        let source = Store::connect(&sqlite).await.unwrap();
        assert_same(&source, &target).await;
        let orders = source.rows(table("orders")).await.unwrap();
        assert_eq!(orders.len(), 2, "an order and a quote");
        source.close().await;
    });

    // A second copy into the filled target is refused, and changes nothing.
    let again = cli(&["db", "copy", "--from", &sqlite, "--to", &postgres]);
    assert!(!again.status.success());
    assert!(out(&again).contains("not empty"), "{}", out(&again));

    // The checkout open before the copy finishes on PostgreSQL where it stopped.
    let mut pat = Chat::start(&postgres, "pat", &[]);
    pat.send("/checkout");
    assert_eq!(
        pat.step(),
        "po",
        "the answers survived the move: {}",
        pat.last
    );
    let number = pat.place_without_po();
    pat.finish();
    assert!(!number.is_empty());

    // And back to a new SQLite file, with the order placed on PostgreSQL.
    let back_dir = tempfile::tempdir().unwrap();
    let back = crate::common::sqlite_url(&back_dir);
    let copied = cli(&["db", "copy", "--from", &postgres, "--to", &back]);
    assert!(copied.status.success(), "{}", out(&copied));
    rt.block_on(async {
        let back = Store::connect(&back).await.unwrap();
        assert_same(&target, &back).await;
        assert_eq!(back.rows(table("orders")).await.unwrap().len(), 3);
        assert!(
            !back.audit_for(&number).await.unwrap().is_empty(),
            "the new order's audit trail came back"
        );
        back.close().await;
        target.close().await;
        crate::common::drop_schema(&schema).await;
    });
}

#[test]
fn a_copy_needs_a_source_with_data() {
    let dir = tempfile::tempdir().unwrap();
    let empty = format!("sqlite:{}", dir.path().join("empty.db").display());
    let to = format!("sqlite:{}", dir.path().join("to.db").display());
    let o = cli(&["db", "copy", "--from", &empty, "--to", &to]);
    assert!(!o.status.success());
    assert!(out(&o).contains("there is no database file"), "{}", out(&o));
    assert!(
        !dir.path().join("empty.db").exists(),
        "a mistyped source is not created"
    );
    assert!(cli(&["--database-url", &empty, "migrate"]).status.success());
    let o = cli(&["db", "copy", "--from", &empty, "--to", &to]);
    assert!(!o.status.success());
    assert!(out(&o).contains("holds no data"), "{}", out(&o));
    let o = cli(&["db", "copy", "--from", &empty, "--to", "mysql://x"]);
    assert!(
        out(&o).contains("opening --to: a database URL must start with"),
        "{}",
        out(&o)
    );
    let o = cli(&["db", "copy", "--from", &to, "--to", &to]);
    assert!(out(&o).contains("same database"), "{}", out(&o));
}

/// A child process killed when the test ends, however it ends.
/// A Discord slash command for user `n`, signed with `key`.
fn signed(key: &SigningKey, n: u32, name: &str) -> (String, String, String) {
    let user = crate::common::discord::user(&format!("90000000000000{n:04}"), &format!("buyer{n}"));
    let body = crate::common::discord::command(&user, name, json!([])).to_string();
    let ts = (checkout_bot::store::now_ms() / 1000).to_string();
    let signature = hex::encode(key.sign(format!("{ts}{body}").as_bytes()).to_bytes());
    (body, ts, signature)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serve_takes_traffic_restores() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    // One placed order before the load starts.
    let fill = url.clone();
    tokio::task::spawn_blocking(move || {
        let mut demo = Chat::start(&fill, "demo", &[]);
        demo.reach_the_po_question("wire");
        demo.place_without_po();
        demo.finish();
    })
    .await
    .unwrap();

    let key = SigningKey::from_bytes(&[7u8; 32]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let serve = Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "DISCORD_PUBLIC_KEY",
            hex::encode(key.verifying_key().to_bytes()),
        )
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let serve = crate::common::Killed(serve);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    assert!(
        crate::common::ready(&base).await,
        "serve never became ready"
    );

    // Buyers keep opening their carts (each a new account and session) during the backups.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (stop, client, base, key) = (stop.clone(), client.clone(), base.clone(), key.clone());
        tokio::spawn(async move {
            let mut answered = 0u32;
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let (body, ts, signature) = signed(&key, n, "cart");
                let r = client
                    .post(format!("{base}/discord/interactions"))
                    .header("x-signature-ed25519", signature)
                    .header("x-signature-timestamp", ts)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                answered += 1;
            }
            answered
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let backups: Vec<std::path::PathBuf> = (0..3)
        .map(|i| dir.path().join(format!("b{i}.db")))
        .collect();
    for file in &backups {
        let (url, file) = (url.clone(), file.display().to_string());
        let o = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
                .args(["--database-url", &url, "db", "backup", &file])
                .env("RUST_LOG", "warn")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(o.status.success(), "{}", out(&o));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered = load.await.unwrap();
    assert!(
        answered > 3,
        "the load ran during the backups ({answered} answers)"
    );
    let nowhere = cli(&[
        "--database-url",
        &url,
        "db",
        "backup",
        "/nonexistent/dir/b.db",
    ]);
    assert!(
        out(&nowhere).contains("there is no directory /nonexistent/dir"),
        "{}",
        out(&nowhere)
    );
    let again = cli(&[
        "--database-url",
        &url,
        "db",
        "backup",
        &backups[0].display().to_string(),
    ]);
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
    drop(serve);

    // Restore the last backup as a new database file, as docs/deploy.md says: it is sound,
    // holds the order, and serves a buyer.
    let restored_dir = tempfile::tempdir().unwrap();
    std::fs::copy(&backups[2], restored_dir.path().join("test.db")).unwrap();
    let restored_url = crate::common::sqlite_url(&restored_dir);
    let restored = Store::connect(&restored_url).await.unwrap();
    assert_eq!(restored.integrity().await.unwrap(), "ok");
    let sessions = restored.rows(table("sessions")).await.unwrap().len();
    assert!(
        sessions > 1,
        "buyers of the load are in it ({sessions} sessions)"
    );
    assert_eq!(restored.rows(table("orders")).await.unwrap().len(), 1);
    restored.close().await;
    let listed = tokio::task::spawn_blocking(move || {
        let mut demo = Chat::start(&restored_url, "demo", &[]);
        demo.send("/orders");
        let n = demo.last["view"]["fields"].as_array().map_or(0, Vec::len);
        demo.finish();
        n
    })
    .await
    .unwrap();
    assert_eq!(listed, 1, "the restored database shows the order");
}

#[test]
fn gc_keeps_what_is_recent() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&dir);
    let mut demo = Chat::start(&url, "demo", &[]);
    demo.send("/cart");
    demo.finish();
    let o = cli(&["--database-url", &url, "gc"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("deleted 0 idle sessions, 0 expired card links, 0 expired document links, 0 old delivery ids"),
        "{}",
        out(&o)
    );
    let o = Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(["--database-url", &url, "gc"])
        .env("SESSION_RETAIN_DAYS", "0")
        .output()
        .unwrap();
    assert!(!o.status.success(), "0 days is refused");
    assert!(out(&o).contains("SESSION_RETAIN_DAYS"), "{}", out(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(["--database-url", &url, "gc"])
        .env("SIGNIN_VALID_DAYS", "a month")
        .output()
        .unwrap();
    assert!(!o.status.success(), "a sign-in's days must be a number");
    assert!(out(&o).contains("SIGNIN_VALID_DAYS"), "{}", out(&o));
}

#[test]
fn logs_can_be_json_lines_for_log_shippers() {
    let dir = tempfile::tempdir().unwrap();
    let from = crate::common::sqlite_url(&dir);
    let mut demo = Chat::start(&from, "demo", &[]);
    demo.send("/cart");
    demo.finish();
    let to = format!("sqlite:{}", dir.path().join("copy.db").display());
    let o = Command::new(env!("CARGO_BIN_EXE_checkout-bot"))
        .args(["db", "copy", "--from", &from, "--to", &to])
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", out(&o));
    let log = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let copied = lines
        .iter()
        .find(|l| l["fields"]["table"] == "sessions")
        .unwrap_or_else(|| panic!("no line for the sessions table: {log}"));
    assert_eq!(copied["level"], "INFO");
    assert_eq!(copied["fields"]["message"], "copied");
    assert_eq!(copied["fields"]["rows"], 1);
}
