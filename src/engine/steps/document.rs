//! Documents from `/orders` and `/quotes`: the quote, invoice, receipt or credit note of
//! one of the person's orders, handed over with the reply (`view::Document`). The
//! engine only says which; the platform uploads it, or writes it to a file.

use super::{Flow, Input, Turn, choose_one, not_here};
use crate::domain::document::Kind;
use crate::engine::backend::BackendError;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Choice, Document, Notice, Style, View};

/// The shown order's newest document.
pub(crate) async fn newest(s: &mut Session, t: &Turn<'_>) -> Flow {
    let Step::Order { number } = &s.step else {
        return Err(not_here(t).into());
    };
    let number = number.clone();
    let have = documents_of(t, &number).await?;
    match have.last() {
        Some(kind) => hand(t, &number, *kind),
        None => Err(Notice::info(t.lang.t("document.none_yet")).into()),
    }
}

/// One of the shown order's documents, by `Kind::id`.
pub(crate) async fn chosen(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    let Step::Order { number } = &s.step else {
        return Err(not_here(t).into());
    };
    let number = number.clone();
    let value = input.one_value().ok_or_else(|| choose_one(t))?;
    let have = documents_of(t, &number).await?;
    // Only a kind the order has now: an id forged in a payload names nothing else.
    match Kind::from_id(value).filter(|k| have.contains(k)) {
        Some(kind) => hand(t, &number, kind),
        None => Err(Notice::error(t.lang.t("document.unknown")).into()),
    }
}

/// The newest document of an order chosen from `/orders` or `/quotes`.
pub(crate) async fn of_listed(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    if !matches!(s.step, Step::Orders { .. }) {
        return Err(not_here(t).into());
    }
    let number = input.one_value().ok_or_else(|| choose_one(t))?;
    // The backend answers for the account's own orders only, so a number forged in a
    // payload has no documents.
    let Some(order) = t.backend.order(t.account_id, number).await? else {
        return Err(Notice::error(t.lang.t("orders.unknown")).into());
    };
    let have = t.backend.documents(&order).await?;
    match have.last() {
        Some(kind) => hand(t, number, *kind),
        None => Err(Notice::info(t.lang.t("document.none_yet")).into()),
    }
}

/// The documents of the account's order `number`; none for a number not the account's.
async fn documents_of(t: &Turn<'_>, number: &str) -> Result<Vec<Kind>, BackendError> {
    match t.backend.order(t.account_id, number).await? {
        Some(order) => t.backend.documents(&order).await,
        None => Ok(Vec::new()),
    }
}

fn hand(t: &Turn<'_>, number: &str, kind: Kind) -> Flow {
    let file_name = kind.file_name(number);
    let notice = Notice::success(t.lang.f("document.handed", &[("file", &file_name)]));
    let doc = Document {
        order: number.to_string(),
        kind: kind.id(),
        file_name,
        locale: t.lang.locale().to_string(),
    };
    match t.document.lock() {
        Ok(mut slot) => *slot = Some(doc),
        Err(poisoned) => *poisoned.into_inner() = Some(doc),
    }
    Ok(Some(notice))
}

/// The order view's document control: a button for its one document, a select when
/// it has several (an invoice, a receipt and credit notes), nothing before it has one.
pub(crate) fn controls(v: &mut View, t: &Turn<'_>, rev: u64, number: &str, have: &[Kind]) {
    use crate::engine::action::Verb;
    match have {
        [] => {}
        [one] => v.button(
            Verb::Document.at(rev),
            t.lang.f("document.button", &[("kind", &name(t, *one))]),
            Style::Secondary,
        ),
        several => {
            let options = several
                .iter()
                .rev()
                .map(|k| Choice::new(k.id(), name(t, *k)).describe(k.file_name(number)))
                .collect();
            v.select(
                Verb::DocumentKind.at(rev),
                t.lang.t("document.choose"),
                t.lang.t("document.choose_placeholder"),
                options,
            );
        }
    }
}

/// The kind's name in the person's language ("Invoice", "Rechnung").
fn name(t: &Turn<'_>, kind: Kind) -> String {
    t.lang
        .text(&format!("document.{}", kind.key()))
        .unwrap_or_else(|| kind.key().to_string())
}
