//! What a typed sentence leads to (`understand`), and the proposal it may make: "Add
//! 3 × P330 Desk Phone and 2 × D10M DECT Handset?", asked after "Which phone?" for each
//! thing several products fit. Nothing is added before the person says yes.

use super::{Flow, Outcome, Turn, echo, footer, not_here};
use crate::domain::cart::Cart;
use crate::domain::catalog::{Catalog, Product, Requirement};
use crate::domain::order::Named;
use crate::engine::action::Verb;
use crate::engine::event::Command;
use crate::engine::session::{Assigned, ForWhom, Proposed, Session, Step};
use crate::engine::understand::{Lexicon, Meaning, Place, Wanted, What, understand};
use crate::engine::view::{Notice, Style, View};

/// What `text` means, read in the chat's language against the catalog.
pub(crate) fn read(t: &Turn<'_>, text: &str) -> Meaning {
    understand(text, &Lexicon::of(t.catalog), t.lang.locale())
}

/// Typed text no step took: what it means, done.
pub(crate) async fn understood(s: &mut Session, t: &Turn<'_>, text: &str) -> Flow {
    act(s, t, read(t, text)).await
}

/// Does what a sentence means.
pub(crate) async fn act(s: &mut Session, t: &Turn<'_>, meaning: Meaning) -> Flow {
    // At "Which one?", naming one of the choices picks it.
    if let Step::Proposal { lines, .. } = &s.step
        && let Some(open) = lines.iter().find(|l| l.skus.len() > 1)
        && let Some(n) = named_one(&meaning).and_then(|sku| open.skus.iter().position(|c| c == sku))
    {
        return pick(s, t, u32::try_from(n).unwrap_or(u32::MAX)).map_err(Into::into);
    }
    match meaning {
        Meaning::Unknown => Err(Notice::info(t.lang.t("unknown.text")).into()),
        Meaning::NotSold(name) => {
            Err(Notice::info(t.lang.f("shortcut.unknown", &[("text", &echo(&name))])).into())
        }
        Meaning::Declined => Ok(Some(Notice::info(t.lang.t("understand.declined")))),
        Meaning::Hello => Ok(Some(Notice::info(t.lang.t("understand.hello")))),
        Meaning::Thanks => Ok(Some(Notice::info(t.lang.t("understand.thanks")))),
        Meaning::Impossible(typed) => {
            Err(Notice::error(t.lang.f("shortcut.not_whole", &[("text", &echo(&typed))])).into())
        }
        Meaning::Go(place) => go(s, t, place).await,
        Meaning::Show { what, qty } => show(s, t, &what, qty).map_err(Into::into),
        Meaning::Order(number) => match t.backend.order(t.account_id, &number).await? {
            Some(o) => {
                s.step = Step::Order { number: o.number };
                Ok(None)
            }
            None => {
                Err(Notice::info(t.lang.f("understand.no_order", &[("number", &number)])).into())
            }
        },
        Meaning::Add { lines, for_whom } => propose(s, t, lines, for_whom.as_deref()).await,
    }
}

/// The one product a meaning names, if it names exactly one.
fn named_one(meaning: &Meaning) -> Option<&str> {
    match meaning {
        Meaning::Show {
            what: What::Product(sku),
            ..
        } => Some(sku),
        Meaning::Add { lines, .. } => match lines.as_slice() {
            [Wanted { what, .. }] => match what.as_slice() {
                [What::Product(sku)] => Some(sku),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// A place named without a slash: what its command does.
async fn go(s: &mut Session, t: &Turn<'_>, place: Place) -> Flow {
    let command = match place {
        Place::Store => Command::Buy(None),
        Place::Cart => Command::Cart,
        Place::Checkout => Command::Checkout,
        Place::Orders => Command::Orders,
        Place::Quotes => Command::Quotes,
        Place::Cards => Command::Cards,
        Place::WhoAmI => Command::WhoAmI,
        Place::Help => Command::Help,
        Place::Cancel => Command::Cancel,
        Place::Ticket => Command::Ticket,
        Place::EmptyCart => {
            if s.cart.is_empty() {
                return Ok(Some(Notice::info(t.lang.t("cart.empty"))));
            }
            s.step = Step::ConfirmEmpty;
            return Ok(None);
        }
        Place::StartOver => {
            if s.checkout.is_none() {
                return Ok(Some(Notice::info(
                    t.lang.t("understand.nothing_to_start_over"),
                )));
            }
            s.step = Step::ConfirmStartOver;
            return Ok(None);
        }
    };
    super::general::command(s, t, command).await
}

/// A product's page (with the quantity asked about), a family's questions, or a
/// category's listing.
fn show(s: &mut Session, t: &Turn<'_>, what: &What, qty: Option<u32>) -> Outcome {
    match what {
        What::Product(sku) => {
            let p = t
                .catalog
                .product(sku)
                .ok_or_else(|| Notice::error(t.lang.t("store.unknown_item")))?;
            if let Some(family) = &p.family {
                return show(s, t, &What::Family(family.clone()), qty);
            }
            s.browse.category.clone_from(&p.category);
            s.step = Step::Product {
                sku: p.sku.clone(),
                qty: qty.filter(|q| p.accepts_quantity(*q)).unwrap_or(p.min_qty),
                family: None,
            };
            Ok(None)
        }
        What::Family(id) => {
            let f = t
                .catalog
                .family(id)
                .ok_or_else(|| Notice::error(t.lang.t("store.unknown_item")))?;
            s.browse.category.clone_from(&f.category);
            s.step = Step::Wizard {
                family: f.id.clone(),
                answers: Vec::new(),
            };
            Ok(None)
        }
        What::Category(id) => super::browse::open(s, t, Some(id)),
    }
}

/// What a sentence's wanted lines come to against the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Planned {
    /// Lines to propose (some perhaps still to choose among).
    Lines(Vec<Proposed>),
    /// A page to open instead, and the prompt key of why: a whole family or a category
    /// with too many to ask about, or a product whose quantity must be chosen there.
    Show(What, Option<u32>, &'static str),
    /// A quantity this product cannot have.
    OutOfRange(String),
    Nothing,
}

/// Checks every line against the catalog, so that a proposal never offers what cannot
/// be bought. Pure: the corpus tests score sentences through it.
pub(crate) fn plan(catalog: &Catalog, lines: Vec<Wanted>) -> Planned {
    let mut proposed = Vec::with_capacity(lines.len());
    for wanted in lines {
        let skus: Vec<String> = wanted
            .what
            .iter()
            .filter_map(|w| match w {
                What::Product(sku) if catalog.product(sku).is_some() => Some(sku.clone()),
                _ => None,
            })
            .collect();
        if skus.len() != wanted.what.len() || skus.is_empty() {
            return match wanted.what.first() {
                Some(what) => Planned::Show(what.clone(), wanted.qty, "understand.choose_here"),
                None => Planned::Nothing,
            };
        }
        if let [sku] = skus.as_slice()
            && let Some(p) = catalog.product(sku)
        {
            match wanted.qty {
                Some(q) if !p.accepts_quantity(q) => return Planned::OutOfRange(sku.clone()),
                // "buy support credits" with no number, where one alone is not allowed.
                None if !p.accepts_quantity(1) => {
                    return Planned::Show(What::Product(sku.clone()), None, "understand.how_many");
                }
                _ => {}
            }
        }
        proposed.push(Proposed {
            qty: wanted.qty,
            skus,
        });
    }
    Planned::Lines(proposed)
}

/// Proposes what the sentence asked for: every line with its quantity, or first the
/// question of which product was meant.
async fn propose(
    s: &mut Session,
    t: &Turn<'_>,
    lines: Vec<Wanted>,
    for_whom: Option<&str>,
) -> Flow {
    let proposed = match plan(t.catalog, lines) {
        Planned::Lines(lines) => lines,
        Planned::Show(what, qty, why) => {
            show(s, t, &what, qty)?;
            return Ok(Some(Notice::info(t.lang.t(why))));
        }
        Planned::OutOfRange(sku) => {
            let p = product(t, &sku)?;
            return Err(super::product::out_of_range(t, p).into());
        }
        Planned::Nothing => return Err(Notice::info(t.lang.t("unknown.text")).into()),
    };
    let (for_whom, note) = match for_whom {
        Some(name) => resolve(t, name).await?,
        None => (None, None),
    };
    s.step = Step::Proposal {
        lines: proposed,
        for_whom,
    };
    Ok(note)
}

fn product<'c>(t: &Turn<'c>, sku: &str) -> Result<&'c Product, Notice> {
    t.catalog
        .product(sku)
        .ok_or_else(|| Notice::error(t.lang.t("store.unknown_item")))
}

/// "for Acme", "for deployment 104521": one of the person's own organizations (by its
/// name, the start of its name, or its id) or deployments (by id, or by a name only one
/// of them has), or a note that it is none of them.
async fn resolve(
    t: &Turn<'_>,
    name: &str,
) -> Result<(Option<ForWhom>, Option<Notice>), super::Fail> {
    let account = t.backend.account(t.account_id).await?;
    let wanted = name.trim().to_lowercase();
    let orgs: Vec<_> = account
        .memberships
        .iter()
        .filter(|m| {
            let org_name = m.org.name.to_lowercase();
            let id = m.org.id.to_lowercase();
            org_name == wanted
                || org_name.starts_with(&format!("{wanted} "))
                || id == wanted
                || id.ends_with(&format!("-{wanted}"))
        })
        .collect();
    if let [m] = orgs.as_slice() {
        let named = Named {
            id: m.org.id.clone(),
            name: m.org.name.clone(),
        };
        return Ok((Some(ForWhom::Organization(named)), None));
    }
    let mine: Vec<String> = account
        .memberships
        .iter()
        .map(|m| m.org.id.clone())
        .collect();
    let found = if mine.is_empty() {
        Vec::new()
    } else {
        t.backend.search_deployments(&mine, name.trim(), 10).await?
    };
    let by_id: Vec<_> = found
        .iter()
        .filter(|d| d.id.to_lowercase() == wanted)
        .collect();
    let by_name: Vec<_> = found
        .iter()
        .filter(|d| d.name.to_lowercase() == wanted)
        .collect();
    let chosen = match (by_id.as_slice(), by_name.as_slice()) {
        ([d], _) | ([], [d]) => Some(*d),
        ([], [_, _, ..]) => {
            let note = t.lang.f("understand.for_several", &[("name", &echo(name))]);
            return Ok((None, Some(Notice::info(note))));
        }
        _ => None,
    };
    let Some(d) = chosen else {
        let note = t.lang.f("understand.for_unknown", &[("name", &echo(name))]);
        return Ok((None, Some(Notice::warning(note))));
    };
    let look_alikes = t
        .backend
        .look_alikes(&mine, d)
        .await?
        .iter()
        .map(|l| format!("{} {}", l.id, l.name))
        .collect();
    let deployment = Assigned {
        id: d.id.clone(),
        name: d.name.clone(),
        org_id: d.org_id.clone(),
    };
    Ok((
        Some(ForWhom::Deployment {
            deployment,
            look_alikes,
        }),
        None,
    ))
}

/// "Which one?" for the first line several products fit.
pub(crate) fn pick(s: &mut Session, t: &Turn<'_>, n: u32) -> Outcome {
    let Step::Proposal { lines, for_whom } = &s.step else {
        return Err(not_here(t));
    };
    let mut lines = lines.clone();
    let for_whom = for_whom.clone();
    let line = lines
        .iter_mut()
        .find(|l| l.skus.len() > 1)
        .ok_or_else(|| not_here(t))?;
    let sku = line
        .skus
        .get(n as usize)
        .cloned()
        .ok_or_else(|| not_here(t))?;
    let p = product(t, &sku)?;
    match line.qty {
        Some(q) if !p.accepts_quantity(q) => return Err(super::product::out_of_range(t, p)),
        None if !p.accepts_quantity(1) => {
            show(s, t, &What::Product(sku), None)?;
            return Ok(Some(Notice::info(t.lang.t("understand.how_many"))));
        }
        _ => {}
    }
    line.skus = vec![sku];
    s.step = Step::Proposal { lines, for_whom };
    Ok(None)
}

/// The proposal a step holds: its lines and whom they are for. A session stored before
/// sentences were understood holds a one-line `ConfirmShortcut`.
fn pending(step: &Step) -> Option<(Vec<Proposed>, Option<ForWhom>)> {
    match step {
        Step::Proposal { lines, for_whom } => Some((lines.clone(), for_whom.clone())),
        Step::ConfirmShortcut { sku, qty } => Some((
            vec![Proposed {
                qty: Some(*qty),
                skus: vec![sku.clone()],
            }],
            None,
        )),
        _ => None,
    }
}

/// "Yes, add them": every line goes into the cart, with the organization or
/// deployment the sentence named pre-filled for the checkout.
pub(crate) async fn accept(s: &mut Session, t: &Turn<'_>) -> Flow {
    let Some((lines, for_whom)) = pending(&s.step) else {
        return Err(not_here(t).into());
    };
    if lines.iter().any(|l| l.skus.len() != 1) {
        return Err(Notice::info(t.lang.t("understand.choose_first")).into());
    }
    let mut added = Vec::new();
    for line in &lines {
        let p = product(t, &line.skus[0])?;
        let qty = line.qty.unwrap_or(1);
        let id = s
            .cart
            .add(p, qty)
            .map_err(|_| super::product::out_of_range(t, p))?;
        added.push((id, p));
    }
    if let Some(whom) = for_whom {
        let account = t.backend.account(t.account_id).await?;
        if s.checkout.is_none() {
            s.checkout = Some(super::checkout::prefilled(s, t, &account).await?);
        }
        if let Some(c) = s.checkout.as_mut() {
            for (id, p) in &added {
                match &whom {
                    ForWhom::Organization(org) if p.requires(Requirement::Organization) => {
                        c.organizations.insert(*id, org.clone());
                    }
                    ForWhom::Deployment { deployment, .. }
                        if p.requires(Requirement::Deployment) =>
                    {
                        c.deployments.insert(*id, deployment.clone());
                        // The look-alikes were shown with the proposal this yes answered.
                        c.confirmed.insert(deployment.id.clone());
                    }
                    _ => {}
                }
            }
        }
    }
    s.step = Step::Cart { page: 0 };
    let said: Vec<String> = lines
        .iter()
        .zip(&added)
        .map(|(l, (_, p))| format!("{} × {}", l.qty.unwrap_or(1), p.name))
        .collect();
    Ok(Some(Notice::success(
        t.lang.f("understand.added", &[("lines", &said.join(", "))]),
    )))
}

pub(crate) fn decline(s: &mut Session, t: &Turn<'_>) -> Outcome {
    if !matches!(s.step, Step::Proposal { .. } | Step::ConfirmShortcut { .. }) {
        return Err(not_here(t));
    }
    s.step = Step::Idle;
    Ok(Some(Notice::info(t.lang.t("shortcut.declined"))))
}

pub(crate) fn render(s: &Session, t: &Turn<'_>) -> View {
    let (lines, for_whom) = pending(&s.step).unwrap_or_default();
    if let Some(open) = lines.iter().find(|l| l.skus.len() > 1) {
        return render_which(s, t, open);
    }
    let mut v = View::new("confirm_shortcut", t.lang.t("shortcut.title"));
    // Priced as a cart would price them, by the same function as the cart and the bill.
    let mut preview = Cart::default();
    for line in &lines {
        if let Some(p) = line.skus.first().and_then(|sku| t.catalog.product(sku)) {
            // A proposal only holds quantities the product accepts.
            let _ = preview.add(p, line.qty.unwrap_or(1));
        }
    }
    let totals = preview.totals(t.catalog);
    let mut said = Vec::new();
    for pl in &totals.lines {
        let p = pl.product;
        said.push(t.lang.f(
            "understand.line",
            &[
                ("qty", &pl.line.qty),
                ("name", &p.name),
                ("total", &pl.total),
            ],
        ));
        v.field(
            p.name.clone(),
            t.lang.f(
                "understand.line_detail",
                &[
                    ("qty", &pl.line.qty),
                    ("price", &pl.unit_price),
                    ("unit", &p.unit),
                    ("requires", &super::product::requirements(t, p)),
                ],
            ),
        );
    }
    let total = totals.total;
    v.body = if said.len() == 1 {
        t.lang.f("understand.body_one", &[("line", &said.join(""))])
    } else {
        t.lang.f(
            "understand.body_many",
            &[("lines", &said.join("\n")), ("total", &total)],
        )
    };
    match &for_whom {
        Some(ForWhom::Organization(o)) => v.field(t.lang.t("understand.for_org"), o.name.clone()),
        Some(ForWhom::Deployment {
            deployment,
            look_alikes,
        }) => {
            v.field(
                t.lang.t("understand.for_deployment"),
                format!("{} {}", deployment.id, deployment.name),
            );
            if !look_alikes.is_empty() {
                v.field(
                    t.lang.t("understand.look_alikes"),
                    t.lang.f(
                        "understand.look_alikes_body",
                        &[("id", &deployment.id), ("others", &look_alikes.join(", "))],
                    ),
                );
            }
        }
        None => {}
    }
    v.button(
        Verb::ShortcutYes.at(s.rev),
        t.lang.t(if said.len() == 1 {
            "shortcut.yes"
        } else {
            "understand.yes_many"
        }),
        Style::Success,
    );
    v.button(
        Verb::ShortcutNo.at(s.rev),
        t.lang.t("shortcut.no"),
        Style::Secondary,
    );
    footer(&mut v, s, t, true);
    v
}

/// "Which one did you mean?", with each product that fits as a button.
fn render_which(s: &Session, t: &Turn<'_>, line: &Proposed) -> View {
    let mut v = View::new("choose_product", t.lang.t("understand.which_title"));
    v.body = match line.qty {
        Some(q) => t.lang.f("understand.which_qty", &[("qty", &q)]),
        None => t.lang.t("understand.which"),
    };
    for (i, sku) in line.skus.iter().enumerate() {
        let Some(p) = t.catalog.product(sku) else {
            continue;
        };
        let price = p.unit_price(&t.catalog.currency);
        let label = t.lang.f(
            "understand.which_button",
            &[("name", &p.name), ("price", &price)],
        );
        let n = u32::try_from(i).unwrap_or(u32::MAX);
        v.button(Verb::Which(n).at(s.rev), label, Style::Primary);
    }
    v.button(
        Verb::ShortcutNo.at(s.rev),
        t.lang.t("understand.none_of_these"),
        Style::Secondary,
    );
    footer(&mut v, s, t, true);
    v
}
