//! `checkout-bot orders` and `checkout-bot audit`: every account's orders for operators,
//! recording payments, refunds, and an order's audit trail.

use anyhow::bail;
use checkout_bot::store::Store;
use clap::Subcommand;

use super::utc_time;

#[derive(Subcommand)]
pub enum OrdersCommand {
    /// The newest orders and quotes.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One order in full.
    Show { order: String },
    /// Record the payment of an order awaiting one (wire transfer, check, invoice).
    MarkPaid { order: String },
    /// Give back a card payment through the payment gateway: everything left, or --amount.
    Refund {
        order: String,
        /// How much to give back, such as 49.50 (default: all that is left).
        #[arg(long)]
        amount: Option<String>,
    },
}

pub async fn run(
    store: &Store,
    cmd: OrdersCommand,
    gateway: &checkout_bot::services::stripe::config::Gateway,
) -> anyhow::Result<()> {
    match cmd {
        OrdersCommand::List { limit } => {
            for o in store.recent_orders(limit).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    o.number,
                    o.kind.as_str(),
                    o.status.as_str(),
                    o.details.total.plain(),
                    o.details.placed_by
                );
            }
        }
        OrdersCommand::Show { order } => {
            let Some(o) = store.order_by_number(&order).await? else {
                bail!("no order {order}");
            };
            println!("{}", serde_json::to_string_pretty(&o)?);
        }
        OrdersCommand::MarkPaid { order } => match store.mark_paid(&order, "operator").await? {
            Some(o) => println!("{} is paid ({})", o.number, o.details.total.plain()),
            None => bail!("{order} is not an order awaiting payment"),
        },
        OrdersCommand::Refund { order, amount } => {
            let amount = match amount {
                Some(text) => Some(text.trim().parse::<rust_decimal::Decimal>().map_err(|_| {
                    anyhow::anyhow!("--amount: '{text}' is not an amount such as 49.50")
                })?),
                None => None,
            };
            let payments = checkout_bot::services::payments::gateway(gateway)?.payments;
            let refunds = checkout_bot::services::refunds::Refunds::new(store.clone(), payments);
            let done = refunds.refund(&order, amount, "operator").await?;
            println!(
                "refunded {} of {order} ({}); {} left to refund",
                done.amount.plain(),
                done.gateway_ref,
                done.left.plain()
            );
        }
    }
    Ok(())
}

/// Prints `order`'s audit trail, one change per line, with names for account ids.
pub async fn audit(store: &Store, order: &str) -> anyhow::Result<()> {
    let trail = store.audit_for(order).await?;
    if trail.is_empty() {
        bail!("no audit trail for {order}");
    }
    let mut names = std::collections::HashMap::new();
    for e in trail {
        if !names.contains_key(&e.actor) {
            let name = match store.account(&e.actor).await? {
                Some(a) => format!("{} ({})", a.display_name, e.actor),
                None => e.actor.clone(),
            };
            names.insert(e.actor.clone(), name);
        }
        let at = utc_time(e.at);
        println!(
            "{at}\t{}\t{}\t{} -> {}",
            names.get(&e.actor).unwrap_or(&e.actor),
            e.action,
            e.old_value.as_deref().unwrap_or("-"),
            e.new_value.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
