//! The operator commands of the `checkout-bot` binary that name no chat platform: the
//! database, orders, members and the outbox. Part of the binary, not of the library; `main.rs` keeps
//! the commands that register platforms.

pub(crate) mod chains;
pub(crate) mod db;
pub(crate) mod members;
pub(crate) mod orders;
pub(crate) mod outbox;

use anyhow::bail;

/// Names an operator types are shown to buyers: the same rules as chat text.
pub(crate) fn clean_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() {
        bail!("the name must not be empty");
    }
    if checkout_bot::domain::text::check(name).is_err() {
        bail!("the name contains control or text-direction characters; type it without them");
    }
    Ok(())
}

pub use checkout_bot::domain::text::utc_time;

/// Opens a database that must exist already, for the commands that read existing data:
/// a SQLite file that is not there is refused, naming it and how to name another.
pub async fn existing_store(url: &str) -> anyhow::Result<checkout_bot::store::Store> {
    checkout_bot::store::Store::connect_existing(url)
        .await
        .map_err(|e| {
            // Never the password: this goes to a terminal, a journal, a CI log.
            let url = checkout_bot::config::without_password(url);
            anyhow::anyhow!(
                "{e} (DATABASE_URL or --database-url is {url}). Name the database to use, such as \
                 --database-url sqlite:/var/lib/checkout-bot/checkout-bot.db or postgres://…; \
                 `checkout-bot migrate` creates a new one"
            )
        })
}
