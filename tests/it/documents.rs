//! Documents asked for in chat. The terminal writes the file and says where; Slack gets
//! it by the two-step external upload into the conversation, and the quote goes into
//! the approval request's thread; where a file cannot be attached, the person gets a
//! one-time link, which works once, within 15 minutes, while the order is still theirs.
//! (Discord's follow-ups and the quote on its requests are in `discord_approvals`.)

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::chat::Chat;
use crate::common::slack::{self as sl, Player, Server, approvers, order_with_po};
use checkout_bot::domain::account::Identity;
use serde_json::json;

/// The text of a PDF, by poppler's `pdftotext`; `None` (saying why) where it is not
/// installed. CI installs it.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let child = Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("SKIPPED reading the PDF's text: pdftotext (poppler-utils) is not installed");
        return None;
    };
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext could not read it");
    Some(String::from_utf8(out.stdout).unwrap())
}

/// A PDF whose text names `number` and says `says` (where it can be read).
fn assert_document(pdf: &[u8], number: &str, says: &[&str]) {
    assert!(
        pdf.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        &pdf[..pdf.len().min(16)]
    );
    if let Some(text) = pdf_text(pdf) {
        assert!(text.contains(number), "{number} not in:\n{text}");
        for s in says {
            assert!(text.contains(s), "{s:?} not in:\n{text}");
        }
    }
}

#[test]
fn the_terminal_writes_each_document_it_is_asked_for_and_says_where() {
    let db = tempfile::tempdir().unwrap();
    let url = crate::common::sqlite_url(&db);
    let mut chat = Chat::start(&url, "ann", &[]);
    chat.reach_the_po_question("Wire transfer");
    let number = chat.place_without_po();

    // From the list: the order's newest document, its invoice.
    chat.send("/orders");
    chat.choose("Document (PDF)", &number);
    let file = format!("INV-{number}.pdf");
    assert_eq!(chat.notice_kind(), "success", "{}", chat.last);
    assert!(
        chat.notice().starts_with(&format!("Saved {file} to ")),
        "{}",
        chat.notice()
    );
    let doc = chat.last["document"].clone();
    assert_eq!(doc["order"], number.as_str());
    assert_eq!(doc["kind"], "invoice");
    assert_eq!(doc["file_name"], file.as_str());
    let path = std::path::PathBuf::from(doc["path"].as_str().expect("the path"));
    assert_eq!(
        path,
        chat.documents.path().canonicalize().unwrap().join(&file)
    );
    let pdf = std::fs::read(&path).unwrap();
    assert_document(
        &pdf,
        &format!("INV-{number}"),
        &["Invoice", "Pay by wire transfer"],
    );
    assert_eq!(
        chat.step(),
        "orders",
        "asking changes nothing: {}",
        chat.last
    );

    // From the order itself: its one document is a button.
    chat.choose("View an order", &number);
    chat.click("Invoice (PDF)");
    assert_eq!(chat.last["document"]["kind"], "invoice", "{}", chat.last);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        pdf,
        "the same order, the same bytes"
    );

    // An order number forged into the select is nobody's document.
    chat.send("/orders");
    let select = chat.id("Document (PDF)");
    chat.send_json(json!({"choose": select, "values": ["CB-999999"]}));
    assert_eq!(chat.notice_kind(), "error", "{}", chat.last);
    assert!(chat.last["document"].is_null(), "{}", chat.last);

    // A saved quote has its quote at once.
    chat.send("/buy support credits");
    chat.choose("Details", "Support Credits");
    chat.click("Add to cart");
    chat.send("/checkout");
    chat.choose("Payment method", "Save as a quote");
    chat.click("No");
    chat.click("I agree to the terms");
    chat.click("Save quote");
    assert_eq!(chat.step(), "placed", "{}", chat.last);
    let quote = chat.field("Number");
    chat.send("/quotes");
    chat.choose("Document (PDF)", &quote);
    assert_eq!(chat.last["document"]["kind"], "quote", "{}", chat.last);
    let pdf = std::fs::read(chat.last["document"]["path"].as_str().unwrap()).unwrap();
    assert_document(&pdf, &format!("Q-{quote}"), &["Quote", "Valid until"]);
    chat.finish();
}

/// Waits until `n` files were shared matching `f`.
async fn shared(s: &Server, n: usize, f: impl Fn(&sl::Shared) -> bool) -> Vec<sl::Shared> {
    for _ in 0..500 {
        let found: Vec<sl::Shared> = s.slack.shared().into_iter().filter(|x| f(x)).collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("fewer than {n} files shared: {:#?}", s.slack.calls());
}

/// Asks for `number`'s document from `/orders` and returns the one-time link the
/// buyer is sent privately once the upload is refused.
async fn link_after_a_refused_upload(s: &Server, buyer: &str, number: &str) -> String {
    let before = s.slack.calls_to("chat.postMessage").len();
    let mut p = Player::new(s, buyer);
    p.command("/orders", "").await;
    p.choose("Document (PDF)", number).await;
    let told = s
        .slack
        .wait_for(before + 1, |c| c.method == "chat.postMessage")
        .await;
    let note = told.last().unwrap();
    assert_eq!(note.body["channel"], buyer, "privately: {:#?}", note.body);
    let text = note.body.to_string();
    let at = text
        .find("/documents/")
        .unwrap_or_else(|| panic!("no link in {text}"));
    let token: String = text[at + "/documents/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    format!("{}/documents/{token}", s.url)
}

async fn get(url: &str, agent: &str) -> (u16, String, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(url)
        .header("user-agent", agent)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, res.bytes().await.unwrap().to_vec())
}

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_uploads_documents_and_the_quote_and_a_refused_upload_gets_a_one_time_link() {
    const APPROVALS: &str = "C0APPROVE1";
    const BUYER: &str = "U0BUYER001";
    let s = Server::start().await;
    let store = s.bot.store().clone();
    approvers(&store, &[("U0APPR0001".into(), "Ann".into())]).await;
    store
        .set_approval_channel("ORG-ACME", "slack", Some(APPROVALS))
        .await
        .unwrap();
    let number = order_with_po(&s, BUYER).await;

    // The request is posted, and the quote the approver decides on goes into its thread.
    let request = s
        .slack
        .wait_for(1, |c| {
            c.method == "chat.postMessage" && c.body["channel"] == APPROVALS
        })
        .await;
    assert!(request[0].authorized);
    let quote = shared(&s, 1, |f| f.channel == APPROVALS).await;
    assert_eq!(quote[0].title, format!("Q-{number}.pdf"));
    assert_eq!(
        quote[0].thread.as_deref(),
        Some("1700000000.000001"),
        "{quote:#?}"
    );
    assert!(
        quote[0].comment.contains("The quote for this request"),
        "{quote:#?}"
    );
    assert_document(
        &quote[0].bytes,
        &format!("Q-{number}"),
        &["Quote", "PO-4711", "104512"],
    );
    let asked = s.slack.calls_to("files.getUploadURLExternal");
    assert_eq!(asked[0].body["filename"], format!("Q-{number}.pdf"));
    assert_eq!(asked[0].body["length"], quote[0].bytes.len().to_string());
    assert!(asked.iter().all(|c| c.authorized));

    // The buyer asks for it from /orders: uploaded to the conversation they asked in.
    let mut p = Player::new(&s, BUYER);
    p.command("/orders", "").await;
    p.choose("Document (PDF)", &number).await;
    assert!(
        p.text().contains(&format!("Here is Q-{number}.pdf")),
        "{}",
        p.text()
    );
    let mine = shared(&s, 1, |f| f.channel == sl::CHANNEL).await;
    assert_eq!(mine[0].title, format!("Q-{number}.pdf"));
    assert_eq!(mine[0].thread, None);
    assert_eq!(
        mine[0].bytes, quote[0].bytes,
        "the same order, the same bytes"
    );

    // Where the app may not share files, the buyer gets a private one-time link.
    s.slack.no_files.lock().unwrap().push(sl::CHANNEL.into());
    let link = link_after_a_refused_upload(&s, BUYER, &number).await;
    // A link preview neither gets the file nor uses the link up.
    let (status, kind, _) = get(
        &link,
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    )
    .await;
    assert_eq!((status, kind.starts_with("text/html")), (200, true));
    let (status, kind, pdf) = get(&link, BROWSER).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert_document(&pdf, &format!("Q-{number}"), &["Quote"]);
    // Used: once only.
    let (status, _, page) = get(&link, BROWSER).await;
    assert_eq!(status, 410);
    assert!(String::from_utf8_lossy(&page).contains("used already"));

    // Expired: 15 minutes after it was made.
    let link = link_after_a_refused_upload(&s, BUYER, &number).await;
    let token = link.rsplit('/').next().unwrap().to_string();
    let db = sqlx::SqlitePool::connect(&s.bot.config().database_url)
        .await
        .unwrap();
    let hash = checkout_bot::store::card_links::hash(&token);
    let made: (i64, i64) =
        sqlx::query_as("SELECT created_at, expires_at FROM document_links WHERE token_hash = $1")
            .bind(&hash)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(made.1 - made.0, 15 * 60_000, "valid for 15 minutes");
    sqlx::query("UPDATE document_links SET expires_at = $1 WHERE token_hash = $2")
        .bind(checkout_bot::store::now_ms() - 1)
        .bind(&hash)
        .execute(&db)
        .await
        .unwrap();
    let (status, _, page) = get(&link, BROWSER).await;
    assert_eq!(status, 410);
    assert!(String::from_utf8_lossy(&page).contains("expired"));

    // Another person's: once the buyer's chat account is no longer linked to the
    // account whose order it is, the link they were sent opens nothing.
    let link = link_after_a_refused_upload(&s, BUYER, &number).await;
    assert!(
        store
            .unlink_identity(&Identity::new("slack", sl::TEAM, BUYER))
            .await
            .unwrap()
    );
    let (status, kind, page) = get(&link, BROWSER).await;
    assert_eq!((status, kind.starts_with("text/html")), (403, true));
    assert!(!page.starts_with(b"%PDF"));

    // Forged: a token never made, or not one of ours at all.
    for forged in [
        "abcdefghijkmnpqrstuvwxyzabcdefgh",
        "CB-100001",
        "..%2F..%2Fetc%2Fpasswd",
    ] {
        let (status, kind, _) = get(&format!("{}/documents/{forged}", s.url), BROWSER).await;
        assert_eq!(
            (status, kind.starts_with("text/html")),
            (404, true),
            "{forged}"
        );
    }
    db.close().await;
}
