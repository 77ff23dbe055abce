//! `checkout-bot outbox`: what waits to be sent and what a platform refused, and sending
//! a refused entry again once its cause is fixed (the app re-added to a channel).

use checkout_bot::store::Store;
use checkout_bot::store::outbox::Entry;
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum OutboxCommand {
    /// Entries waiting to be sent and entries refused for good, oldest first.
    List {
        /// Delivered ones too, until `gc` deletes them.
        #[arg(long)]
        all: bool,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Send a refused entry again.
    Retry { id: String },
}

pub(crate) async fn run(store: &Store, cmd: OutboxCommand) -> anyhow::Result<()> {
    match cmd {
        OutboxCommand::List { all, limit } => {
            let states: &[&str] = if all { &[] } else { &["pending", "failed"] };
            let entries = store.outbox_list(states, limit.max(1)).await?;
            if entries.is_empty() {
                println!("the outbox is empty: everything was sent");
            }
            for e in entries {
                println!("{}", line(&e));
            }
        }
        OutboxCommand::Retry { id } => {
            if store
                .outbox_retry(id.trim(), checkout_bot::store::now_ms())
                .await?
            {
                println!("entry {id} will be sent again");
            } else {
                match store.outbox_entry(id.trim()).await? {
                    Some(e) => anyhow::bail!(
                        "entry {id} is {}, not failed: only a refused entry is retried",
                        e.state
                    ),
                    None => anyhow::bail!("no outbox entry {id}: see `checkout-bot outbox list`"),
                }
            }
        }
    }
    Ok(())
}

/// One entry on one line: id, state, platform, kind, destination, when, tries, error.
fn line(e: &Entry) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{} tries\t{}",
        e.id,
        e.state,
        e.platform,
        e.kind,
        e.destination,
        super::utc_time(e.created_at),
        e.attempts,
        e.last_error.as_deref().unwrap_or("")
    )
}
