//! Shipping, only when a line ships (seed step 10): a checked address, a rate from the
//! weight and the destination, and the totals with shipping.

use rust_decimal::Decimal;

use super::checkout::{advance, checkout_mut, lines_needing};
use super::{Flow, Input, Outcome, Turn, choose_one, footer, not_here};
use crate::domain::address::{self, COUNTRIES, FIELDS, Problem};
use crate::domain::bill;
use crate::domain::catalog::Requirement;
use crate::domain::shipping::Rate;
use crate::engine::action::Verb;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Choice, FormField, Notice, Style, View};

pub(crate) fn needed(s: &Session, t: &Turn<'_>) -> bool {
    bill::ships(&s.cart, t.catalog)
}

/// The rates to the entered address, if there is one.
pub(crate) fn available(s: &Session, t: &Turn<'_>) -> Vec<Rate> {
    match s.checkout.as_ref().and_then(|c| c.address.as_ref()) {
        Some(to) => bill::rates_for(&s.cart, t.catalog, to),
        None => Vec::new(),
    }
}

/// The chosen rate, priced for the cart as it is now; none when nothing ships.
pub(crate) fn current_rate(s: &Session, t: &Turn<'_>) -> Option<Rate> {
    super::checkout::bill(s, t).delivery.map(|d| d.rate)
}

fn in_step(s: &Session, t: &Turn<'_>) -> Result<(), Notice> {
    if s.step == Step::Shipping {
        Ok(())
    } else {
        Err(not_here(t))
    }
}

pub(crate) fn country(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    in_step(s, t)?;
    let code = input.one_value().ok_or_else(|| choose_one(t))?;
    if address::country(code).is_none() {
        return Err(Notice::error(t.lang.t("shipping.unknown_country")));
    }
    let c = checkout_mut(s, t)?;
    if c.country == code {
        return Ok(None);
    }
    c.country = code.to_string();
    c.rate = None;
    // The address typed so far is kept; it is checked again against the new country.
    c.address = address::validate(&c.address_draft, code).ok();
    Ok(None)
}

/// Address fields typed so far, before the form is sent: kept as typed, checked only
/// when the form is sent.
pub(crate) fn draft(
    s: &mut Session,
    t: &Turn<'_>,
    fields: &std::collections::BTreeMap<String, String>,
) -> Outcome {
    in_step(s, t)?;
    let c = checkout_mut(s, t)?;
    for f in FIELDS {
        if let Some(value) = fields.get(f as &str) {
            c.address_draft
                .insert(f.to_string(), value.chars().take(300).collect());
        }
    }
    Ok(None)
}

/// The address form. A bad field is named and the form keeps everything typed, so the
/// user fixes one field rather than typing them all again.
pub(crate) fn address(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    in_step(s, t)?;
    let Input::Fields(fields) = input else {
        return Err(not_here(t));
    };
    let c = checkout_mut(s, t)?;
    let kept: std::collections::BTreeMap<String, String> = FIELDS
        .iter()
        .map(|f| {
            (
                f.to_string(),
                fields
                    .get(*f)
                    .cloned()
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect(),
            )
        })
        .collect();
    c.address_draft = kept;
    match address::validate(&c.address_draft, &c.country) {
        Ok(a) => {
            c.address = Some(a);
            Ok(Some(Notice::success(t.lang.t("shipping.address_saved"))))
        }
        Err(e) => {
            // What was typed stays in the form to fix; the last valid address and its
            // rate stay in force, so a bad edit never undoes an earlier answer.
            let field = t.lang.t(field_key(e.field));
            let problem = match e.problem {
                Problem::Missing => t.lang.f("shipping.missing", &[("field", &field)]),
                Problem::TooLong => t.lang.f("shipping.too_long", &[("field", &field)]),
                Problem::TooManyLines => t.lang.t("shipping.too_many_lines"),
                Problem::UnknownRegion => {
                    t.lang.f("shipping.bad_region", &[("country", &c.country)])
                }
                Problem::BadPostalCode => {
                    t.lang.f("shipping.bad_postal", &[("country", &c.country)])
                }
                Problem::UnknownCountry => t.lang.t("shipping.unknown_country"),
            };
            Ok(Some(Notice::error(problem)))
        }
    }
}

fn field_key(field: &str) -> &'static str {
    match field {
        "name" => "shipping.field_name",
        "street" => "shipping.field_street",
        "city" => "shipping.field_city",
        "region" => "shipping.field_region",
        "postal_code" => "shipping.field_postal",
        _ => "shipping.field_country",
    }
}

pub(crate) fn rate(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    in_step(s, t)?;
    let id = input.one_value().ok_or_else(|| choose_one(t))?;
    if !available(s, t).iter().any(|r| r.id == id) {
        return Err(Notice::error(t.lang.t("shipping.unknown_rate")));
    }
    checkout_mut(s, t)?.rate = Some(id.to_string());
    Ok(None)
}

pub(crate) async fn done(s: &mut Session, t: &Turn<'_>) -> Flow {
    in_step(s, t)?;
    if s.checkout
        .as_ref()
        .and_then(|c| c.address.as_ref())
        .is_none()
    {
        return Err(Notice::error(t.lang.t("shipping.need_address")).into());
    }
    if current_rate(s, t).is_none() {
        return Err(Notice::error(t.lang.t("shipping.need_rate")).into());
    }
    advance(s, t).await
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let rev = s.rev;
    let mut v = View::new("shipping", t.lang.t("shipping.title"));
    v.body = t.lang.t("shipping.body");
    let Some(c) = &s.checkout else { return v };
    for (l, p) in lines_needing(s, t, Requirement::Shipping) {
        v.field(
            t.lang
                .f("cart.line_label", &[("name", &p.name), ("qty", &l.qty)]),
            format!(
                "{} kg",
                p.weight_kg.unwrap_or_default() * Decimal::from(l.qty)
            ),
        );
    }
    v.field(
        t.lang.t("shipping.address"),
        c.address
            .as_ref()
            .map_or(t.lang.t("shipping.no_address"), |a| a.one_line()),
    );
    let countries = COUNTRIES
        .iter()
        .map(|x| Choice::new(x.code, t.lang.country(x.code)).selected(x.code == c.country))
        .collect();
    v.select(
        Verb::Country.at(rev),
        t.lang.t("shipping.country"),
        t.lang.t("shipping.country_placeholder"),
        countries,
    );
    let fields = FIELDS
        .iter()
        .map(|f| FormField {
            id: f.to_string(),
            label: t.lang.t(field_key(f)),
            value: c.address_draft.get(*f).cloned().unwrap_or_default(),
            placeholder: String::new(),
            required: *f != "region",
            max_len: if *f == "street" { 200 } else { 100 },
        })
        .collect();
    let label = if c.address.is_some() {
        "shipping.change_address"
    } else {
        "shipping.enter_address"
    };
    v.form(
        Verb::Address.at(rev),
        t.lang.t(label),
        t.lang.t("shipping.form_title"),
        fields,
    );
    let options: Vec<Choice> = available(s, t)
        .into_iter()
        .map(|r| {
            let selected = c.rate.as_deref() == Some(r.id.as_str());
            Choice::new(&r.id, format!("{} · {}", r.name, t.lang.money(&r.price)))
                .describe(&r.days)
                .selected(selected)
        })
        .collect();
    if !options.is_empty() {
        v.select(
            Verb::Rate.at(rev),
            t.lang.t("shipping.rate"),
            t.lang.t("shipping.rate_placeholder"),
            options,
        );
    }
    let bill = super::checkout::bill(s, t);
    if let Some(d) = &bill.delivery {
        v.field(
            t.lang.f("summary.shipping", &[("rate", &d.rate.name)]),
            t.lang.money(&d.rate.price),
        );
    }
    v.field(t.lang.t("summary.total"), t.lang.money(&bill.total));
    if c.address.is_some() && bill.delivery.is_some() {
        v.button(
            Verb::ShippingDone.at(rev),
            t.lang.t("shipping.continue"),
            Style::Success,
        );
    }
    footer(&mut v, s, t, false);
    v
}
