//! Changing a placed order (an operator's change of a quantity, the catalog's new
//! prices) and starting its approvals again when that raises its total. A lower or
//! unchanged total leaves them as they are. The new request goes out from every
//! serving process's sweep, which posts requests nobody announced, and tells the
//! requester why.

use super::Approvals;
use crate::domain::order::{Order, OrderKind, OrderStatus, Payment};
use crate::domain::reprice::{QtyChange, reprice};
use crate::store::reprice::Change;
use crate::store::{Result, now_ms};

/// What changing an order came to.
#[derive(Debug)]
pub struct Repriced {
    pub order: Order,
    /// The total before the change.
    pub was: crate::domain::money::Money,
    /// How many approvals start again from their first step.
    pub restarted: usize,
}

impl Approvals {
    /// Prices order `number` at the catalog's current prices with `change` applied, as
    /// `actor` (an operator). `Ok(Err(why))` when it cannot be changed, saying why.
    pub async fn reprice(
        &self,
        number: &str,
        change: Option<QtyChange>,
        actor: &str,
    ) -> Result<std::result::Result<Repriced, String>> {
        let Some(order) = self.store.order_by_number(number).await? else {
            return Ok(Err(format!(
                "no order {number}: see `checkout-bot orders list`"
            )));
        };
        let waits = matches!(
            order.status,
            OrderStatus::AwaitingApproval | OrderStatus::AwaitingPayment
        );
        if order.kind != OrderKind::Order || !waits {
            return Ok(Err(format!(
                "{number} is {}: only an order waiting for approval or payment can change",
                order.status.as_str()
            )));
        }
        if matches!(order.details.payment, Payment::Card { .. })
            && order.status == OrderStatus::AwaitingPayment
        {
            return Ok(Err(format!(
                "{number} is being charged to a card: refund it and order again instead"
            )));
        }
        let Some((_, catalog)) = self.store.current_catalog().await? else {
            return Ok(Err(
                "no catalog is imported: `checkout-bot import catalog FILE`".into(),
            ));
        };
        let details = match reprice(&order.details, &catalog, change) {
            Ok(d) => d,
            Err(why) => return Ok(Err(why)),
        };
        let default_org = self
            .store
            .account(&details.account_id)
            .await?
            .and_then(|a| a.default_org);
        let shares = crate::services::owners::shares(
            &self.store,
            &details.lines,
            details.total.amount,
            default_org.as_deref(),
        )
        .await?;
        let was = order.details.total.clone();
        let mut restart = Vec::new();
        if details.total.amount > was.amount {
            for (org, share) in &shares {
                if let Some(w) = self.wanted(org, &details, *share, Some(number)).await? {
                    restart.push(w);
                }
            }
        }
        let l = self.lang();
        let reason = l.f(
            "approval.restart_reason",
            &[("was", &l.money(&was)), ("now", &l.money(&details.total))],
        );
        let news = |c: &crate::store::approvals::Changed| super::news::edits(c);
        let changed = self
            .store
            .reprice_order(&Change {
                number,
                details: &details,
                shares: &shares,
                restart: &restart,
                reason: &reason,
                actor,
                at: now_ms(),
                news: &news,
            })
            .await?;
        let Some(order) = changed else {
            return Ok(Err(format!(
                "{number} changed meanwhile: it no longer waits for approval or payment"
            )));
        };
        tracing::info!(number, restarted = restart.len(), "order repriced");
        Ok(Ok(Repriced {
            order,
            was,
            restarted: restart.len(),
        }))
    }
}
