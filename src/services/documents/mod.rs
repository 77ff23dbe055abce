//! The documents procurement needs, as PDF: a quote to raise a PO, an invoice for a wire
//! or check order, a receipt for a paid order, a credit note for each refund. Each is
//! written from the placed order, whose amounts came from the checkout's one bill, in
//! the reader's language; `pdf` lays it out.

pub(crate) mod handover;
pub(crate) mod pdf;

use rust_decimal::Decimal;

use crate::domain::money::Money;
use crate::domain::order::{Order, OrderKind, OrderStatus, Payment};
use crate::prompts::{Lang, Prompts};
use crate::store::refunds::RefundStatus;
use crate::store::{Result, Store};
use pdf::Block;

pub use crate::domain::document::Kind;

/// Who sells, and what the documents repeat from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Seller {
    /// STORE_NAME.
    pub name: String,
    /// STORE_ADDRESS.
    pub address: String,
    /// STORE_TAX_ID.
    pub tax_id: String,
    pub terms_url: String,
    pub wire_instructions: String,
    pub check_instructions: String,
    /// QUOTE_VALID_DAYS, in milliseconds.
    pub quote_valid_ms: i64,
}

/// A document ready to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Such as `INV-CB-100001.pdf`.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The documents an order has now, newest state last: a quote (of a saved quote, or of
/// an order awaiting approval); an invoice once it
/// waits for payment by wire or check (and after it is paid that way); a receipt once
/// paid; a credit note per refund given back.
pub async fn available(store: &Store, order: &Order) -> Result<Vec<Kind>> {
    let mut out = Vec::new();
    if order.kind == OrderKind::Quote {
        out.push(Kind::Quote);
        return Ok(out);
    }
    // What an approver decides on is a quote of the order as it stands.
    if order.status == OrderStatus::AwaitingApproval {
        out.push(Kind::Quote);
    }
    let by_invoice = matches!(order.details.payment, Payment::Wire | Payment::Check);
    let paid = matches!(order.status, OrderStatus::Paid | OrderStatus::Refunded);
    if by_invoice && (order.status == OrderStatus::AwaitingPayment || paid) {
        out.push(Kind::Invoice);
    }
    if paid {
        out.push(Kind::Receipt);
    }
    for r in store.refunds(&order.number).await? {
        if r.status == RefundStatus::Done {
            out.push(Kind::CreditNote(r.seq));
        }
    }
    Ok(out)
}

/// `kind` of `order` in `locale`; `Ok(Err(why))` when the order has no such document.
/// A credit note without a sequence number is the newest.
pub async fn write(
    store: &Store,
    prompts: &Prompts,
    seller: &Seller,
    order: &Order,
    kind: Option<Kind>,
    locale: &str,
) -> Result<std::result::Result<Written, String>> {
    let have = available(store, order).await?;
    let chosen = match kind {
        None => have.last().copied(),
        Some(Kind::CreditNote(0)) => have
            .iter()
            .rev()
            .find(|k| matches!(k, Kind::CreditNote(_)))
            .copied(),
        Some(k) => have.iter().find(|h| **h == k).copied(),
    };
    let Some(kind) = chosen else {
        let names: Vec<&str> = have.iter().map(|k| k.key()).collect();
        return Ok(Err(format!(
            "{} has no {}: it has {}",
            order.number,
            kind.map_or("document", |k| k.key()).replace('_', " "),
            if names.is_empty() {
                "none yet".to_string()
            } else {
                names.join(", ").replace('_', "-")
            }
        )));
    };
    let l = prompts.lang(locale);
    let blocks = blocks(store, &l, seller, order, kind).await?;
    match pdf::render(&blocks) {
        Ok(bytes) => Ok(Ok(Written {
            file_name: kind.file_name(&order.number),
            bytes,
        })),
        Err(e) => Err(crate::store::StoreError::Invalid(format!(
            "document {}: {e}",
            kind.number(&order.number)
        ))),
    }
}

/// What the document says, from the order as stored.
async fn blocks(
    store: &Store,
    l: &Lang<'_>,
    seller: &Seller,
    order: &Order,
    kind: Kind,
) -> Result<Vec<Block>> {
    let d = &order.details;
    let money = |m: &Money| l.money(m);
    let title = l.t(&format!("document.{}", kind.key()));
    let mut out = vec![Block::Title(format!(
        "{title} {}",
        kind.number(&order.number)
    ))];
    let date = match kind {
        Kind::CreditNote(seq) => store
            .refunds(&order.number)
            .await?
            .into_iter()
            .find(|r| r.seq == seq)
            .map_or(order.created_at, |r| r.created_at),
        _ => order.created_at,
    };
    out.push(Block::Pair(l.t("document.date"), l.date(date)));
    out.push(Block::Pair(l.t("document.order"), order.number.clone()));
    if let Some(po) = &d.po_number {
        out.push(Block::Pair(l.t("document.po"), po.clone()));
    }
    if kind == Kind::Quote {
        out.push(Block::Pair(
            l.t("document.valid_until"),
            l.date(order.created_at.saturating_add(seller.quote_valid_ms)),
        ));
    }
    out.push(Block::Heading(l.t("document.seller")));
    let mut seller_text = vec![seller.name.clone()];
    seller_text.extend(seller.address.lines().map(str::to_string));
    if !seller.tax_id.is_empty() {
        seller_text.push(l.f("document.tax_id", &[("id", &seller.tax_id)]));
    }
    out.push(Block::Text(seller_text.join("\n")));
    out.push(Block::Heading(l.t("document.buyer")));
    let mut buyer = vec![d.placed_by.clone()];
    let mut orgs: Vec<String> = d
        .lines
        .iter()
        .filter_map(|x| x.organization.as_ref().map(|o| o.name.clone()))
        .collect();
    orgs.sort();
    orgs.dedup();
    buyer.extend(orgs);
    if let Some(delivery) = &d.delivery {
        buyer.push(delivery.address.one_line());
    }
    out.push(Block::Text(buyer.join("\n")));
    out.push(Block::Heading(l.t("document.lines")));
    let rows = d
        .lines
        .iter()
        .map(|x| {
            let mut item = x.name.clone();
            if let Some(dep) = &x.deployment {
                item.push_str(&l.f(
                    "summary.for_deployment",
                    &[("id", &dep.id), ("name", &dep.name)],
                ));
            }
            if let Some(o) = &x.organization {
                item.push_str(&l.f("summary.for_org", &[("name", &o.name)]));
            }
            vec![
                item,
                x.qty.to_string(),
                money(&x.unit_price),
                money(&x.total),
            ]
        })
        .collect();
    out.push(Block::Table {
        header: vec![
            l.t("document.item"),
            l.t("document.qty"),
            l.t("document.unit_price"),
            l.t("document.line_total"),
        ],
        rows,
        columns: vec![0.0, 300.0, 340.0, 420.0],
    });
    out.push(Block::Gap);
    out.push(Block::Pair(l.t("document.subtotal"), money(&d.subtotal)));
    if d.delivery.is_some() {
        out.push(Block::Pair(l.t("document.shipping"), money(&d.shipping)));
    }
    out.push(Block::Pair(
        l.f("document.total", &[("currency", &d.total.currency.code())]),
        money(&d.total),
    ));
    match kind {
        Kind::Invoice => {
            let (label, text) = match d.payment {
                Payment::Check => ("document.pay_by_check", &seller.check_instructions),
                _ => ("document.pay_by_wire", &seller.wire_instructions),
            };
            out.push(Block::Heading(l.t(label)));
            out.push(Block::Text(format!(
                "{text}\n{}",
                l.f("document.reference", &[("number", &order.number)])
            )));
        }
        Kind::Receipt => {
            let paid_with = match &d.payment {
                Payment::Card { label, .. } => label.clone(),
                Payment::Wire => l.t("payment.wire"),
                Payment::Check => l.t("payment.check"),
                Payment::Quote => l.t("payment.quote"),
            };
            out.push(Block::Pair(l.t("document.paid_with"), paid_with));
            if let Some(reference) = store.charge_ref(&order.number).await? {
                out.push(Block::Pair(l.t("document.payment_ref"), reference));
            }
        }
        Kind::CreditNote(seq) => {
            let refund = store
                .refunds(&order.number)
                .await?
                .into_iter()
                .find(|r| r.seq == seq);
            let amount = refund.as_ref().map_or(Decimal::ZERO, |r| r.amount);
            out.push(Block::Pair(
                l.t("document.credited"),
                money(&Money::new(amount, d.total.currency.clone())),
            ));
            if let Some(reference) = refund.and_then(|r| r.gateway_ref) {
                out.push(Block::Pair(l.t("document.payment_ref"), reference));
            }
        }
        Kind::Quote => {}
    }
    out.push(Block::Gap);
    out.push(Block::Text(
        l.f("document.terms", &[("url", &seller.terms_url)]),
    ));
    Ok(out)
}

#[cfg(test)]
mod tests;
