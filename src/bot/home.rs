//! A person's home, whatever the platform shows it in (an app's home tab): where they left
//! off with their cart, their recent orders and quotes, and the requests that wait for
//! their decision. Reading it changes nothing.

use crate::bot::{Bot, Failure};
use crate::domain::account::Identity;
use crate::engine::event::Event;
use crate::engine::view::Reply;
use crate::services::approvals::{ApprovalsAnswer, ApprovalsRequest};
use crate::services::notifier::RequestView;

/// How many orders and quotes, and requests, a home lists.
const ORDERS: usize = 5;
const REQUESTS: usize = 8;

/// A home, in words of the person's locale.
#[derive(Debug, Clone)]
pub(crate) struct Home {
    pub title: String,
    /// Where the user left off: the view they would see now.
    pub current: Reply,
    /// "You left off at …", or "nothing in progress".
    pub left_off: String,
    /// The cart, when it holds anything: "2 items in your cart", each line with its
    /// total, and the subtotal.
    pub cart: Option<String>,
    pub resume: String,
    pub orders_title: String,
    /// One line per recent order or quote, newest first; a note when there are none.
    pub orders: Vec<String>,
    pub requests_title: String,
    pub requests: Vec<RequestView>,
    /// Said when nothing waits for a decision.
    pub no_requests: String,
}

impl Bot {
    /// `who`'s home, in `locale`.
    pub(crate) async fn home(&self, who: &Identity, locale: &str) -> Result<Home, Failure> {
        let current = self.respond(who, locale, Event::Start).await?;
        let l = self.prompts().lang(locale);
        let failed =
            |e: &dyn std::fmt::Display| Failure::internal(self.prompts(), locale, "a home", e);
        let stored = self
            .store()
            .load_session(who)
            .await
            .map_err(|e| failed(&e))?;
        // The cart's lines priced by the same function as the cart view and the bill.
        let catalog = self.catalog().await.map_err(|e| failed(&e))?;
        let cart = stored.as_ref().and_then(|s| {
            let totals = s.session.cart.totals(&catalog);
            if totals.lines.is_empty() {
                return None;
            }
            let mut said = vec![l.f("home.cart", &[("count", &s.session.cart.item_count())])];
            for pl in &totals.lines {
                said.push(l.f(
                    "home.cart_line",
                    &[
                        ("qty", &pl.line.qty),
                        ("name", &pl.product.name),
                        ("total", &pl.total),
                    ],
                ));
            }
            said.push(l.f("home.cart_subtotal", &[("subtotal", &totals.subtotal)]));
            Some(said.join("\n"))
        });
        let in_progress = current.view.step != "welcome";
        let left_off = if in_progress {
            l.f("home.left_off", &[("where", &current.view.title)])
        } else {
            l.t("home.nothing_started")
        };
        let mut orders = Vec::new();
        if let Some(account) = stored.as_ref().and_then(|s| s.account_id.clone()) {
            for o in self
                .store()
                .orders(&account, None, ORDERS)
                .await
                .map_err(|e| failed(&e))?
            {
                orders.push(l.f(
                    "home.order_line",
                    &[
                        ("number", &o.number),
                        ("status", &l.status(o.status)),
                        ("total", &o.details.total),
                        ("date", &l.date(o.created_at)),
                    ],
                ));
            }
        }
        if orders.is_empty() {
            orders.push(l.t("home.no_orders"));
        }
        let requests = match self
            .approvals()
            .command(who, locale, ApprovalsRequest::List, REQUESTS)
            .await
            .map_err(|e| failed(&e))?
        {
            ApprovalsAnswer::Pending { requests, .. } => requests,
            ApprovalsAnswer::Note { .. } => Vec::new(),
        };
        Ok(Home {
            title: l.t("home.title"),
            current,
            left_off,
            cart,
            resume: l.t("home.resume"),
            orders_title: l.t("home.orders_title"),
            orders,
            requests_title: l.t("home.requests_title"),
            requests,
            no_requests: l.t("home.no_requests"),
        })
    }
}
