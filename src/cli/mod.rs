//! The operator commands of the `checkout-bot` binary that name no chat platform: the
//! database, orders and members. Part of the binary, not of the library; `main.rs` keeps
//! the commands that register platforms.

pub mod db;
pub mod members;
pub mod orders;

use anyhow::bail;

/// Names an operator types are shown to buyers: the same rules as chat text.
pub fn clean_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() {
        bail!("the name must not be empty");
    }
    if checkout_bot::domain::text::check(name).is_err() {
        bail!("the name contains control or text-direction characters; type it without them");
    }
    Ok(())
}

/// Unix milliseconds, readable and sortable, to the second, in UTC:
/// 2026-11-26 22:34:12 UTC.
pub fn utc_time(ms: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}
