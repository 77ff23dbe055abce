//! `checkout-bot orders` and `checkout-bot audit`: every account's orders for operators,
//! recording payments, refunds, and an order's audit trail.

use anyhow::bail;
use checkout_bot::domain::money::Money;
use checkout_bot::domain::order::{Order, OrderStatus, Payment};
use checkout_bot::store::Store;
use checkout_bot::store::refunds::{RefundStatus, StoredRefund};
use clap::Subcommand;

use super::utc_time;

#[derive(Subcommand)]
pub enum OrdersCommand {
    /// The newest orders and quotes.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One order in full: lines, payment, status, refunds.
    Show {
        order: String,
        /// The order as JSON, as it is stored, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Record the payment of an order awaiting one (wire transfer, check, invoice).
    MarkPaid { order: String },
    /// Price an order waiting for approval or payment again at the catalog's current
    /// prices, with one line's quantity changed (--line N --qty Q, lines numbered as
    /// `orders show` shows them). If its total rises, its approvals start again from the
    /// first step and the requester and approvers are told why; a lower total does not.
    Reprice {
        order: String,
        #[arg(long, requires = "qty")]
        line: Option<usize>,
        #[arg(long, requires = "line")]
        qty: Option<u32>,
    },
    /// Write an order's document as PDF: its quote, invoice (wire or check), receipt
    /// (paid) or credit note (a refund; the newest unless --refund names one).
    Document {
        order: String,
        /// quote, invoice, receipt or credit-note (default: the newest it has).
        #[arg(long)]
        kind: Option<String>,
        /// The credit note of this refund (1 for the first).
        #[arg(long)]
        refund: Option<i64>,
        /// en or de (default: DEFAULT_LOCALE).
        #[arg(long)]
        locale: Option<String>,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Give back a card payment through the payment gateway: everything left, or --amount.
    Refund {
        order: String,
        /// How much to give back, such as 49.50 (default: all that is left).
        #[arg(long)]
        amount: Option<String>,
        /// Give back an amount that was already refunded once more. Without it, a refund
        /// of the same amount is taken for the same command run twice and refused.
        #[arg(long)]
        again: bool,
    },
}

pub(crate) async fn run(
    store: &Store,
    cmd: OrdersCommand,
    config: &checkout_bot::config::Config,
) -> anyhow::Result<()> {
    let gateway = &config.payments;
    match cmd {
        OrdersCommand::List { limit } => {
            for o in store.recent_orders(limit).await? {
                let refunded = refunded(store, &o).await?;
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    o.number,
                    o.kind.as_str(),
                    state(&o, &refunded),
                    o.details.total.plain(),
                    o.details.placed_by
                );
            }
        }
        OrdersCommand::Show { order, json } => {
            let Some(o) = store.order_by_number(&order).await? else {
                bail!("no order {order}: see `checkout-bot orders list`");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&o)?);
            } else {
                show(store, &o).await?;
            }
        }
        OrdersCommand::MarkPaid { order } => match store.mark_paid(&order, "operator").await? {
            Some(o) => println!("{} is paid ({})", o.number, o.details.total.plain()),
            None => bail!("{order} is not an order awaiting payment"),
        },
        OrdersCommand::Document {
            order,
            kind,
            refund,
            locale,
            out,
        } => {
            use checkout_bot::services::documents::Kind;
            let Some(o) = store.order_by_number(&order).await? else {
                bail!("no order {order}: see `checkout-bot orders list`");
            };
            let kind = match (kind.as_deref(), refund) {
                (_, Some(seq)) => Some(Kind::CreditNote(seq)),
                (Some(k), None) => Some(Kind::parse(k).ok_or_else(|| {
                    anyhow::anyhow!("--kind {k}: use quote, invoice, receipt or credit-note")
                })?),
                (None, None) => None,
            };
            let locale = locale.unwrap_or_else(|| config.default_locale.clone());
            let written = config
                .document(store, &o, kind, &locale)
                .await?
                .map_err(anyhow::Error::msg)?;
            std::fs::write(&out, &written.bytes)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
            println!(
                "{} written to {} ({} bytes)",
                written.file_name.trim_end_matches(".pdf"),
                out.display(),
                written.bytes.len()
            );
        }
        OrdersCommand::Reprice { order, line, qty } => {
            let change = line
                .zip(qty)
                .map(|(line, qty)| checkout_bot::domain::reprice::QtyChange { line, qty });
            let approvals = config.operator_approvals(store.clone())?;
            let done = approvals
                .reprice(&order, change, "operator")
                .await?
                .map_err(anyhow::Error::msg)?;
            let now = &done.order.details.total;
            println!("{order}: total {} → {}", done.was.plain(), now.plain());
            if done.restarted > 0 {
                println!(
                    "the total rose: {} approval request(s) start again from the first step; a serving process posts them and tells the requester",
                    done.restarted
                );
            }
        }
        OrdersCommand::Refund {
            order,
            amount,
            again,
        } => {
            let amount = match amount {
                Some(text) => Some(text.trim().parse::<rust_decimal::Decimal>().map_err(|_| {
                    anyhow::anyhow!("--amount: '{text}' is not an amount such as 49.50")
                })?),
                None => None,
            };
            let payments = checkout_bot::services::gateway::gateway(gateway)?.payments;
            let refunds = checkout_bot::services::refunds::Refunds::new(store.clone(), payments);
            let done = refunds.refund(&order, amount, again, "operator").await?;
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

/// The refunds given back on `o`, and their sum.
async fn refunded(
    store: &Store,
    o: &Order,
) -> anyhow::Result<(Vec<StoredRefund>, rust_decimal::Decimal)> {
    let refunds = store.refunds(&o.number).await?;
    let done = refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Done)
        .map(|r| r.amount)
        .sum();
    Ok((refunds, done))
}

/// The status, with what was given back of a paid order that is not fully refunded.
fn state(o: &Order, (_, done): &(Vec<StoredRefund>, rust_decimal::Decimal)) -> String {
    if o.status == OrderStatus::Paid && !done.is_zero() {
        let money = Money::new(*done, o.details.total.currency.clone());
        format!(
            "partly refunded ({} of {})",
            money.plain(),
            o.details.total.plain()
        )
    } else {
        o.status.as_str().to_string()
    }
}

/// One order as an operator reads it.
async fn show(store: &Store, o: &Order) -> anyhow::Result<()> {
    let d = &o.details;
    let refunded = refunded(store, o).await?;
    println!("{}\t{}", o.number, o.kind.as_str());
    println!("status: {}", state(o, &refunded));
    println!(
        "placed: {} by {} ({})",
        utc_time(o.created_at),
        d.placed_by,
        d.account_id
    );
    for l in &d.lines {
        let mut assigned = Vec::new();
        if let Some(dep) = &l.deployment {
            assigned.push(format!("deployment {} ({})", dep.id, dep.name));
        }
        if let Some(org) = &l.organization {
            assigned.push(format!("organization {} ({})", org.id, org.name));
        }
        let assigned = if assigned.is_empty() {
            String::new()
        } else {
            format!(", for {}", assigned.join(", "))
        };
        println!(
            "line: {} {} x {} at {} = {}{assigned}",
            l.sku,
            l.name,
            l.qty,
            l.unit_price.plain(),
            l.total.plain()
        );
    }
    if let Some(delivery) = &d.delivery {
        println!(
            "ship to: {}, {} ({})",
            delivery.address.name, delivery.address.city, delivery.rate.name
        );
    }
    let payment = match &d.payment {
        Payment::Card { label, .. } => format!("card {label}"),
        Payment::Wire => "wire transfer".into(),
        Payment::Check => "check".into(),
        Payment::Quote => "quote".into(),
    };
    println!("payment: {payment}");
    println!("PO number: {}", d.po_number.as_deref().unwrap_or("none"));
    println!(
        "subtotal: {}  shipping: {}  total: {}",
        d.subtotal.plain(),
        d.shipping.plain(),
        d.total.plain()
    );
    for r in &refunded.0 {
        println!(
            "refund {}: {} {} on {}{}",
            r.seq,
            Money::new(r.amount, d.total.currency.clone()).plain(),
            r.status.as_str(),
            utc_time(r.created_at),
            r.gateway_ref
                .as_deref()
                .map(|g| format!(" ({g})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// Prints `order`'s audit trail, one change per line, with names for account ids.
pub(crate) async fn audit(store: &Store, order: &str) -> anyhow::Result<()> {
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
