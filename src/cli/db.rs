//! `checkout-bot db` and `checkout-bot gc`: moving and backing up the database, and
//! deleting what no one needs.

use anyhow::{Context, bail};
use checkout_bot::config::Config;
use checkout_bot::store::Store;
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum DbCommand {
    /// Copy every table to another, empty database (SQLite to PostgreSQL or back),
    /// then check row counts and order totals on both sides.
    Copy {
        /// The database to copy (default: DATABASE_URL).
        #[arg(long)]
        from: Option<String>,
        /// The database to fill; it is migrated first and must hold no data.
        #[arg(long)]
        to: String,
    },
    /// Write a consistent copy of the SQLite database to FILE while it stays in use.
    Backup { file: std::path::PathBuf },
}

pub(crate) async fn run(config: &Config, cmd: DbCommand) -> anyhow::Result<()> {
    match cmd {
        DbCommand::Copy { from, to } => {
            let from = from.unwrap_or_else(|| config.database_url.clone());
            if checkout_bot::store::normalize_url(&from) == checkout_bot::store::normalize_url(&to)
            {
                bail!("--from and --to name the same database");
            }
            let source = super::existing_store(&from)
                .await
                .context("opening --from")?;
            let target = Store::connect(&to).await.context("opening --to")?;
            let report = source.copy_to(&target).await;
            source.close().await;
            target.close().await;
            let report = report?;
            println!("{:<20} {:>10} {:>10}", "table", "source", "target");
            for (table, in_source, in_target) in &report.tables {
                println!("{table:<20} {in_source:>10} {in_target:>10}");
            }
            for (currency, (in_source, in_target)) in &report.totals {
                let label = format!("order totals {currency}");
                println!("{label:<20} {in_source:>10} {in_target:>10}");
            }
            if !report.matches() {
                bail!("the target differs from the source (above); do not switch to it");
            }
            let rows: u64 = report.tables.iter().map(|(_, n, _)| n).sum();
            println!(
                "copied {rows} rows in {} tables; counts and totals match",
                report.tables.len()
            );
        }
        DbCommand::Backup { file } => {
            let store = super::existing_store(&config.database_url).await?;
            let done = store.backup_to(&file).await;
            store.close().await;
            done?;
            println!("backup written to {}", file.display());
        }
    }
    Ok(())
}

/// Deletes what the retention settings no longer keep, and says how much.
pub(crate) async fn gc(config: &Config) -> anyhow::Result<()> {
    let store = super::existing_store(&config.database_url).await?;
    let c = store
        .collect_garbage(checkout_bot::store::now_ms(), config.retention())
        .await?;
    println!(
        "deleted {} idle sessions, {} expired card links, {} expired document links, {} old delivery ids, \
         {} expired sign-ins, {} delivered outbox entries; ended {} sign-ins from chat older than SIGNIN_VALID_DAYS",
        c.sessions,
        c.card_links,
        c.document_links,
        c.deliveries,
        c.signins,
        c.delivered,
        c.unlinked
    );
    store.close().await;
    Ok(())
}
