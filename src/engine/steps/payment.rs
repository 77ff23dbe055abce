//! The payment method (seed step 11): a saved card, a new card, wire transfer, check, or
//! saving the order as a quote.

use super::checkout::{advance, checkout_mut};
use super::{Flow, Input, Outcome, Turn, choose_one, footer, not_here};
use crate::domain::order::Payment;
use crate::engine::action::Verb;
use crate::engine::backend::BackendError;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Choice, Notice, Style, View};

pub(crate) async fn choose(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    if s.step != Step::Payment {
        return Err(not_here(t).into());
    }
    let value = input.one_value().ok_or_else(|| choose_one(t))?;
    let (payment, notice) = match value {
        "wire" => (
            Payment::Wire,
            Some(Notice::info(t.lang.f(
                "payment.wire_chosen",
                &[("instructions", &t.settings.wire_instructions)],
            ))),
        ),
        "check" => (
            Payment::Check,
            Some(Notice::info(t.lang.f(
                "payment.check_chosen",
                &[("instructions", &t.settings.check_instructions)],
            ))),
        ),
        "quote" => (
            Payment::Quote,
            Some(Notice::info(t.lang.t("payment.quote_chosen"))),
        ),
        "new" => {
            let key = checkout_mut(s, t)?.link_key();
            let Some(url) = t
                .backend
                .card_link(t.who, t.account_id, &key, t.reply_handle)
                .await?
            else {
                return Err(Notice::warning(t.lang.t("payment.too_many_links")).into());
            };
            return Ok(Some(Notice::info(
                t.lang.f("payment.new_card_link", &[("url", &url)]),
            )));
        }
        other => {
            let id = other
                .strip_prefix("card:")
                .ok_or_else(|| Notice::error(t.lang.t("payment.unknown")))?;
            let (year, month) = crate::domain::card::year_month(t.now);
            let card = t
                .backend
                .saved_cards(t.account_id)
                .await?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| Notice::error(t.lang.t("payment.unknown")))?;
            if !card.valid_in(year, month) {
                return Err(
                    Notice::error(t.lang.f("payment.expired", &[("card", &card.label())])).into(),
                );
            }
            (
                Payment::Card {
                    card_id: card.id.clone(),
                    label: card.label(),
                },
                None,
            )
        }
    };
    checkout_mut(s, t)?.payment = Some(payment);
    let changed = advance(s, t).await?;
    Ok(changed.or(notice))
}

/// "Continue with Visa •••• 4242": the pre-selected method, chosen as if from the list.
pub(crate) async fn use_suggested(s: &mut Session, t: &Turn<'_>) -> Flow {
    let value = checkout_mut(s, t)?
        .suggested
        .as_ref()
        .map(value_of)
        .ok_or_else(|| not_here(t))?;
    choose(s, t, &Input::Values(vec![value])).await
}

/// The payment step's option value for a method: the one mapping both ways use.
fn value_of(p: &Payment) -> String {
    match p {
        Payment::Card { card_id, .. } => format!("card:{card_id}"),
        Payment::Wire => "wire".into(),
        Payment::Check => "check".into(),
        Payment::Quote => "quote".into(),
    }
}

/// The card page added a card for this checkout: it becomes the payment method.
pub(crate) async fn card_added(
    s: &mut Session,
    t: &Turn<'_>,
    checkout_key: &str,
    card_id: String,
    label: String,
) -> Flow {
    let Some(c) = s.checkout.as_mut().filter(|c| c.link_key() == checkout_key) else {
        // The checkout moved on (cancelled, expired, placed): the card stays saved if it
        // was meant to be, and this checkout is not touched.
        return Ok(None);
    };
    c.payment = Some(Payment::Card {
        card_id,
        label: label.clone(),
    });
    let changed = if s.step == Step::Payment {
        advance(s, t).await?
    } else {
        None
    };
    Ok(changed.or(Some(Notice::success(
        t.lang.f("payment.card_added", &[("card", &label)]),
    ))))
}

pub(crate) async fn render(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let rev = s.rev;
    let mut v = View::new("payment", t.lang.t("payment.title"));
    v.body = t.lang.t("payment.body");
    let c = s.checkout.as_ref();
    let suggested = c
        .filter(|c| c.payment.is_none())
        .and_then(|c| c.suggested.as_ref());
    let chosen = c.and_then(|c| c.payment.as_ref()).or(suggested);
    let (year, month) = crate::domain::card::year_month(t.now);
    let mut options: Vec<Choice> = t
        .backend
        .saved_cards(t.account_id)
        .await?
        .into_iter()
        .filter(|c| c.valid_in(year, month))
        .map(|c| {
            Choice::new(format!("card:{}", c.id), c.label())
                .describe(t.lang.t("payment.saved_card"))
        })
        .collect();
    options.push(Choice::new("new", t.lang.t("payment.new_card")));
    options.push(Choice::new("wire", t.lang.t("payment.wire")));
    options.push(Choice::new("check", t.lang.t("payment.check")));
    options.push(
        Choice::new("quote", t.lang.t("payment.quote")).describe(t.lang.t("payment.quote_note")),
    );
    let chosen = chosen.map(value_of);
    let suggested_value = suggested.map(value_of);
    for o in &mut options {
        o.selected = chosen.as_deref() == Some(o.value.as_str());
        if suggested_value.as_deref() == Some(o.value.as_str()) {
            o.description = Some(t.lang.t("payment.last_used"));
        }
    }
    v.select(
        Verb::PayWith.at(rev),
        t.lang.t("payment.method"),
        t.lang.t("payment.placeholder"),
        options,
    );
    if let Some(p) = suggested {
        let method = match p {
            Payment::Card { label, .. } => label.clone(),
            _ => t.lang.t("payment.wire"),
        };
        v.button(
            Verb::PaySuggested.at(rev),
            t.lang.f("payment.continue_with", &[("method", &method)]),
            Style::Success,
        );
    }
    footer(&mut v, s, t, false);
    Ok(v)
}

/// `/cards`: removes a saved card chosen from the list.
/// A saved card chosen for removal: asked first, since it cannot be undone.
pub(crate) async fn ask_remove_card(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    if s.step != Step::Cards {
        return Err(not_here(t).into());
    }
    let id = input.one_value().ok_or_else(|| choose_one(t))?;
    let cards = t.backend.saved_cards(t.account_id).await?;
    if !cards.iter().any(|c| c.id == id) {
        return Err(Notice::error(t.lang.t("payment.unknown")).into());
    }
    s.step = Step::ConfirmRemoveCard {
        card: id.to_string(),
    };
    Ok(None)
}

/// "Yes, remove it".
pub(crate) async fn remove_card(s: &mut Session, t: &Turn<'_>) -> Flow {
    let Step::ConfirmRemoveCard { card: id } = s.step.clone() else {
        return Err(not_here(t).into());
    };
    s.step = Step::Cards;
    let cards = t.backend.saved_cards(t.account_id).await?;
    let card = cards
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Notice::error(t.lang.t("payment.unknown")))?;
    if !t.backend.remove_card(t.account_id, &id).await? {
        return Err(Notice::error(t.lang.t("payment.unknown")).into());
    }
    // A checkout that was going to use it must ask again.
    if let Some(c) = s.checkout.as_mut()
        && matches!(&c.payment, Some(Payment::Card { card_id, .. }) if *card_id == id)
    {
        c.payment = None;
    }
    Ok(Some(Notice::success(
        t.lang.f("cards.removed", &[("card", &card.label())]),
    )))
}

/// "No, keep it".
pub(crate) fn keep_card(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if !matches!(s.step, Step::ConfirmRemoveCard { .. }) {
        return Err(not_here(t));
    }
    s.step = Step::Cards;
    Ok(Some(Notice::info(t.lang.t("cards.kept"))))
}

pub(crate) async fn render_remove_card(
    s: &Session,
    t: &Turn<'_>,
    id: &str,
) -> Result<View, BackendError> {
    let cards = t.backend.saved_cards(t.account_id).await?;
    let label = cards
        .iter()
        .find(|c| c.id == id)
        .map_or_else(String::new, |c| c.label());
    let mut v = View::new(
        "confirm_remove_card",
        t.lang.f("cards.confirm_title", &[("card", &label)]),
    );
    v.body = t.lang.t("cards.confirm_body");
    v.button(
        Verb::RemoveCardYes.at(s.rev),
        t.lang.t("cards.confirm_yes"),
        Style::Danger,
    );
    v.button(
        Verb::RemoveCardNo.at(s.rev),
        t.lang.t("cards.confirm_no"),
        Style::Secondary,
    );
    Ok(v)
}

pub(crate) async fn render_cards(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let mut v = View::new("cards", t.lang.t("cards.title"));
    let cards = t.backend.saved_cards(t.account_id).await?;
    if cards.is_empty() {
        v.body = t.lang.t("cards.none");
    } else {
        v.body = t.lang.t("cards.body");
        for c in &cards {
            v.field(c.label(), t.lang.t("payment.saved_card"));
        }
        let options = cards
            .iter()
            .map(|c| Choice::new(&c.id, c.label()))
            .collect();
        v.select(
            Verb::RemoveCard.at(s.rev),
            t.lang.t("cards.remove"),
            t.lang.t("cards.remove_placeholder"),
            options,
        );
    }
    footer(&mut v, s, t, true);
    Ok(v)
}
