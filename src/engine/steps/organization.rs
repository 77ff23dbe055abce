//! An organization for each organization-specific line (seed step 9): the default one
//! pre-selected, changeable by search when the user belongs to several.

use super::checkout::{advance, checkout_mut, line_choices, lines_needing};
use super::{Flow, Input, Turn, choose_one, footer, not_here};
use crate::domain::account::Account;
use crate::domain::catalog::Requirement;
use crate::domain::order::Named;
use crate::engine::action::Verb;
use crate::engine::backend::BackendError;
use crate::engine::session::{Session, Step};
use crate::engine::view::{Choice, FormField, Notice, PAGE_SIZE, Style, View};
use crate::search::text_similarity;

fn in_step(s: &Session, t: &Turn<'_>) -> Result<(), Notice> {
    match s.step {
        Step::Organizations | Step::OrganizationLine { .. } => Ok(()),
        _ => Err(not_here(t)),
    }
}

/// One of the user's own organizations, by id; anything else is refused.
async fn mine(t: &Turn<'_>, input: &Input) -> Result<Named, super::Fail> {
    let id = input.one_value().ok_or_else(|| choose_one(t))?;
    let account = t.backend.account(t.account_id).await?;
    account
        .memberships
        .into_iter()
        .find(|m| m.org.id == id)
        .map(|m| Named {
            id: m.org.id,
            name: m.org.name,
        })
        .ok_or_else(|| Notice::error(t.lang.t("organization.not_yours")).into())
}

pub(crate) async fn set_all(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    if s.step != Step::Organizations {
        return Err(not_here(t).into());
    }
    let org = mine(t, input).await?;
    let lines: Vec<u32> = lines_needing(s, t, Requirement::Organization)
        .iter()
        .map(|(l, _)| l.id)
        .collect();
    let c = checkout_mut(s, t)?;
    for l in lines {
        c.organizations.insert(l, org.clone());
    }
    Ok(Some(Notice::success(
        t.lang.f("organization.set_all", &[("name", &org.name)]),
    )))
}

pub(crate) async fn pick_line(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    if s.step != Step::Organizations {
        return Err(not_here(t).into());
    }
    let value = input.one_value().ok_or_else(|| choose_one(t))?;
    let line = lines_needing(s, t, Requirement::Organization)
        .iter()
        .find(|(l, _)| l.id.to_string() == value)
        .map(|(l, _)| l.id)
        .ok_or_else(|| Notice::warning(t.lang.t("cart.no_such_line")))?;
    s.step = Step::OrganizationLine { line };
    Ok(None)
}

pub(crate) async fn set_line(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    let Step::OrganizationLine { line } = s.step else {
        return Err(not_here(t).into());
    };
    let org = mine(t, input).await?;
    checkout_mut(s, t)?.organizations.insert(line, org.clone());
    s.step = Step::Organizations;
    Ok(Some(Notice::success(
        t.lang.f("organization.set_line", &[("name", &org.name)]),
    )))
}

/// Narrows the organizations offered, for users who belong to many.
/// Narrows the organizations to those matching `query`. A query that matches none is
/// refused, so the list never empties out from under the user.
pub(crate) async fn filter(s: &mut Session, t: &Turn<'_>, query: &str) -> Flow {
    in_step(s, t)?;
    let query = query.trim();
    if query.chars().count() > 100 {
        return Err(Notice::error(t.lang.t("deployment.long_query")).into());
    }
    let account = t.backend.account(t.account_id).await?;
    // The exact id of one of the user's organizations is a choice (a platform's search
    // box sends the id picked from its suggestions): for every line, or the one open.
    if account.memberships.iter().any(|m| m.org.id == query) {
        let pick = Input::Values(vec![query.to_string()]);
        return match s.step {
            Step::OrganizationLine { .. } => set_line(s, t, &pick).await,
            _ => set_all(s, t, &pick).await,
        };
    }
    if options(&account, query, None).is_empty() {
        return Err(
            Notice::warning(t.lang.f("organization.no_match", &[("query", &query)])).into(),
        );
    }
    checkout_mut(s, t)?.org_query = query.to_string();
    Ok(None)
}

pub(crate) async fn done(s: &mut Session, t: &Turn<'_>) -> Flow {
    if s.step != Step::Organizations {
        return Err(not_here(t).into());
    }
    checkout_mut(s, t)?.orgs_reviewed = true;
    advance(s, t).await
}

/// The user's organizations that match the filter, best first, one select's worth.
fn options(account: &Account, query: &str, selected: Option<&str>) -> Vec<Choice> {
    let mut orgs: Vec<(f64, &str, &str)> = account
        .memberships
        .iter()
        .map(|m| {
            let score = if query.is_empty() {
                1.0
            } else if m.org.name.to_lowercase().contains(&query.to_lowercase()) {
                0.99
            } else {
                text_similarity(query, &m.org.name)
            };
            (score, m.org.id.as_str(), m.org.name.as_str())
        })
        .filter(|(score, _, _)| *score >= 0.75)
        .collect();
    orgs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(b.2)));
    orgs.truncate(PAGE_SIZE);
    orgs.into_iter()
        .map(|(_, id, name)| Choice::new(id, name).selected(Some(id) == selected))
        .collect()
}

pub(crate) async fn render(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let rev = s.rev;
    let account = t.backend.account(t.account_id).await?;
    let lines = lines_needing(s, t, Requirement::Organization);
    let c = s.checkout.as_ref();
    let query = c.map_or("", |c| c.org_query.as_str());
    let org_of = |line: u32| c.and_then(|c| c.organizations.get(&line));

    if let Step::OrganizationLine { line } = s.step {
        let name = lines
            .iter()
            .find(|(l, _)| l.id == line)
            .map_or("", |(_, p)| p.name.as_str());
        let mut v = View::new(
            "organization_line",
            t.lang.f("organization.line_title", &[("name", &name)]),
        );
        v.body = t.lang.t("organization.body");
        let opts = options(&account, query, org_of(line).map(|o| o.id.as_str()));
        v.select(
            Verb::OrgForLine.at(rev),
            t.lang.t("organization.choose"),
            t.lang.t("organization.choose_placeholder"),
            opts,
        );
        search_form(&mut v, t, rev, query, account.memberships.len());
        v.button(
            Verb::Back.at(rev),
            t.lang.t("common.back"),
            Style::Secondary,
        );
        footer(&mut v, s, t, false);
        return Ok(v);
    }

    let mut v = View::new("organizations", t.lang.t("organization.title"));
    v.body = t.lang.t("organization.body");
    for (l, p) in &lines {
        let org = org_of(l.id).map_or(t.lang.t("organization.none_yet"), |o| o.name.clone());
        v.field(
            t.lang
                .f("cart.line_label", &[("name", &p.name), ("qty", &l.qty)]),
            org,
        );
    }
    let common = lines
        .first()
        .and_then(|(l, _)| org_of(l.id))
        .map(|o| o.id.as_str());
    let opts = options(&account, query, common);
    if !opts.is_empty() {
        v.select(
            Verb::OrgForAll.at(rev),
            t.lang.t("organization.for_all"),
            t.lang.t("organization.choose_placeholder"),
            opts,
        );
    }
    if lines.len() > 1 {
        let choices = line_choices(t, &lines, None);
        v.select(
            Verb::OrgLine.at(rev),
            t.lang.t("organization.change_one"),
            t.lang.t("organization.line_placeholder"),
            choices,
        );
    }
    search_form(&mut v, t, rev, query, account.memberships.len());
    v.button(
        Verb::OrgsDone.at(rev),
        t.lang.t("organization.continue"),
        Style::Success,
    );
    footer(&mut v, s, t, false);
    Ok(v)
}

/// A search box, worth having only when the list of organizations is long.
fn search_form(v: &mut View, t: &Turn<'_>, rev: u64, query: &str, count: usize) {
    if count <= 5 {
        return;
    }
    v.search(
        Verb::OrgSearch.at(rev),
        t.lang.t("organization.search"),
        t.lang.t("organization.search"),
        FormField {
            id: "query".into(),
            label: t.lang.t("organization.search_field"),
            value: query.to_string(),
            placeholder: String::new(),
            required: false,
            max_len: 100,
        },
    );
    v.input = Some(t.lang.t("organization.input"));
}
