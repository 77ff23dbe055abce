//! `GET /documents/{token}`: the one-time link a person gets where a document could not
//! be attached in chat. It serves the PDF once, within 15 minutes, and only while the
//! order still belongs to the account of the person it was made for. A used, expired,
//! foreign or unknown link gets a page that says so and what to do, and serves nothing.
//!
//! Link previews (Slack's and Discord's unfurlers, HEAD requests) fetch without a person
//! behind them: they get a page and leave the link unused.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::bot::Bot;
use crate::card_page::html;
use crate::domain::document::Kind;
use crate::engine::view::Document;
use crate::store::now_ms;

pub(crate) fn router(bot: Arc<Bot>) -> axum::Router {
    axum::Router::new()
        .route("/documents/{token}", axum::routing::get(download))
        .layer(axum::middleware::from_fn_with_state(
            bot.clone(),
            html::pages_only,
        ))
        .with_state(bot)
}

/// The user agents of link previews, which must not use a link up.
const PREVIEWERS: &[&str] = &[
    "slackbot",
    "slack-imgproxy",
    "discordbot",
    "skypeuripreview",
    "microsoftpreview",
    "teamsbot",
    "twitterbot",
    "facebookexternalhit",
    "linkedinbot",
    "telegrambot",
    "whatsapp",
];

fn previewer(headers: &HeaderMap) -> bool {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    PREVIEWERS.iter().any(|p| agent.contains(p))
}

/// A token we could have made: 32 of our letters. Anything else is not looked up.
fn well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_lowercase())
}

enum Dead {
    Unknown,
    Used,
    Expired,
    NotYours,
}

fn dead(bot: &Bot, locale: &str, d: Dead) -> Response {
    let l = bot.prompts().lang(locale);
    let (status, key) = match d {
        Dead::Unknown => (StatusCode::NOT_FOUND, "document.page_unknown"),
        Dead::Used => (StatusCode::GONE, "document.page_used"),
        Dead::Expired => (StatusCode::GONE, "document.page_expired"),
        Dead::NotYours => (StatusCode::FORBIDDEN, "document.page_not_yours"),
    };
    html::message(status, locale, &l.t("document.page_title"), &l.t(key))
}

async fn download(
    State(bot): State<Arc<Bot>>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let asked = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let locale = bot.prompts().negotiate(asked, &bot.config().default_locale);
    if !well_formed(&token) {
        return dead(&bot, &locale, Dead::Unknown);
    }
    let link = match bot.store().document_link(&token).await {
        Ok(Some(link)) => link,
        Ok(None) => {
            tracing::info!("a document link that was never made");
            return dead(&bot, &locale, Dead::Unknown);
        }
        Err(e) => return failed(&bot, &locale, &e),
    };
    let now = now_ms();
    if link.used_at.is_some() {
        tracing::info!(who = %link.identity(), order = %link.order_number, "a used document link was opened again");
        return dead(&bot, &locale, Dead::Used);
    }
    if link.expires_at <= now {
        return dead(&bot, &locale, Dead::Expired);
    }
    if method == Method::HEAD || previewer(&headers) {
        let l = bot.prompts().lang(&locale);
        return html::message(
            StatusCode::OK,
            &locale,
            &l.t("document.page_title"),
            &l.t("document.page_preview"),
        );
    }
    // Still theirs: the person still belongs to the account the link was made for,
    // and the order is still that account's.
    let who = link.identity();
    let theirs = match (
        bot.store().account_id_for(&who).await,
        bot.store()
            .order(&link.account_id, &link.order_number)
            .await,
    ) {
        (Ok(account), Ok(order)) => {
            account.as_deref() == Some(link.account_id.as_str()) && order.is_some()
        }
        (Err(e), _) | (_, Err(e)) => return failed(&bot, &locale, &e),
    };
    if !theirs {
        tracing::warn!(%who, order = %link.order_number, "a document link for someone the order is no longer for");
        return dead(&bot, &locale, Dead::NotYours);
    }
    let Some(kind) = Kind::from_id(&link.kind) else {
        return dead(&bot, &locale, Dead::Unknown);
    };
    let doc = Document {
        order: link.order_number.clone(),
        kind: link.kind.clone(),
        file_name: kind.file_name(&link.order_number),
        locale: link.locale.clone(),
    };
    let file = match bot.write_document(&doc).await {
        Ok(Some(file)) => file,
        Ok(None) => return dead(&bot, &locale, Dead::NotYours),
        Err(e) => return failed(&bot, &locale, &e),
    };
    // Written before it is used up: a failure above leaves the link for another try.
    match bot.store().use_document_link(&token, now_ms()).await {
        Ok(true) => {}
        Ok(false) => return dead(&bot, &locale, Dead::Used),
        Err(e) => return failed(&bot, &locale, &e),
    }
    tracing::info!(%who, order = %link.order_number, kind = %link.kind, "a document was downloaded by its link");
    pdf(&file.file_name, file.bytes)
}

/// The PDF as a download, never cached or sniffed as anything else.
fn pdf(file_name: &str, bytes: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    // Our file names are letters, digits and dashes: nothing to quote or escape.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    html::private(h);
    res
}

fn failed(bot: &Bot, locale: &str, e: &dyn std::fmt::Display) -> Response {
    let reference = crate::failure::reference();
    tracing::error!(reference, error = %e, "a document link failed");
    let l = bot.prompts().lang(locale);
    html::message(
        StatusCode::SERVICE_UNAVAILABLE,
        locale,
        &l.t("document.page_title"),
        &l.f("error.internal", &[("reference", &reference)]),
    )
}
