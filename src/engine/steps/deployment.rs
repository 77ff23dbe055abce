//! A deployment for each deployment-specific line (seed step 8): search by id or name,
//! a look-alike check before anything is assigned, and Apply to All.

use super::checkout::{advance, checkout_mut, line_choices, lines_needing};
use super::{Flow, Input, Outcome, Turn, choose_one, footer, not_here};
use crate::domain::catalog::Requirement;
use crate::domain::deployment::Deployment;
use crate::engine::action::Verb;
use crate::engine::backend::BackendError;
use crate::engine::session::{Assigned, Search, Session, Step};
use crate::engine::view::{Choice, FormField, Notice, Style, View};

/// The most a search returns: one select's worth.
const RESULTS: usize = 25;

fn current_line(s: &Session, t: &Turn<'_>) -> Result<u32, Notice> {
    match s.step {
        Step::Deployment { line } => Ok(line),
        _ => Err(not_here(t)),
    }
}

fn assigned(d: &Deployment) -> Assigned {
    Assigned {
        id: d.id.clone(),
        name: d.name.clone(),
        org_id: d.org_id.clone(),
    }
}

async fn my_orgs(t: &Turn<'_>) -> Result<Vec<String>, BackendError> {
    let account = t.backend.account(t.account_id).await?;
    Ok(account.memberships.into_iter().map(|m| m.org.id).collect())
}

/// A deployment by id, only if it belongs to one of the user's organizations (returned
/// too, for what comes next): ids from payloads are untrusted, and a forged one gets the
/// same answer as an unknown one.
async fn mine(t: &Turn<'_>, id: &str) -> Result<(Deployment, Vec<String>), super::Fail> {
    let orgs = my_orgs(t).await?;
    match t.backend.deployment(id).await? {
        Some(d) if orgs.contains(&d.org_id) => Ok((d, orgs)),
        Some(d) => {
            tracing::warn!(account = t.account_id, deployment = %d.id, "refused a deployment of another organization");
            Err(Notice::error(t.lang.t("deployment.not_yours")).into())
        }
        // The same words as another organization's: an answer must not tell which
        // deployment numbers exist.
        None => Err(Notice::error(t.lang.t("deployment.not_yours")).into()),
    }
}

pub(crate) async fn search(s: &mut Session, t: &Turn<'_>, query: &str) -> Flow {
    current_line(s, t)?;
    let query = query.trim();
    if query.is_empty() {
        return Err(Notice::error(t.lang.t("deployment.empty_query")).into());
    }
    if query.chars().count() > 100 {
        return Err(Notice::error(t.lang.t("deployment.long_query")).into());
    }
    let orgs = my_orgs(t).await?;
    let found = t.backend.search_deployments(&orgs, query, RESULTS).await?;
    // An exact id, or a name that only one deployment has, is what the user meant: it
    // is chosen at once, still through the look-alike check.
    let mut exact = found
        .iter()
        .filter(|d| d.id == query || d.name.trim().eq_ignore_ascii_case(query));
    if let (Some(d), None) = (exact.next(), exact.next()) {
        let id = d.id.clone();
        return choose(s, t, &Input::Values(vec![id])).await;
    }
    let none = found.is_empty();
    checkout_mut(s, t)?.search = Some(Search {
        query: query.to_string(),
        results: found.iter().map(assigned).collect(),
    });
    Ok(none.then(|| Notice::warning(t.lang.f("deployment.no_match", &[("query", &query)]))))
}

/// `/deployment QUERY`: the id of one of the user's deployments is chosen, as the
/// select would; anything else is searched, never guessed, since a license cannot be
/// moved and the user picks from the matches.
pub(crate) async fn command(s: &mut Session, t: &Turn<'_>, query: &str) -> Flow {
    if !matches!(s.step, Step::Deployment { .. }) {
        return Err(Notice::info(t.lang.t("deployment.not_choosing")).into());
    }
    let query = query.trim();
    if t.backend.deployment(query).await?.is_some() {
        return choose(s, t, &Input::Values(vec![query.to_string()])).await;
    }
    search(s, t, query).await
}

pub(crate) async fn choose(s: &mut Session, t: &Turn<'_>, input: &Input) -> Flow {
    let line = current_line(s, t)?;
    let id = input.one_value().ok_or_else(|| choose_one(t))?;
    let (d, orgs) = mine(t, id).await?;
    let confirmed = checkout_mut(s, t)?.confirmed.contains(&d.id);
    if !confirmed && !t.backend.look_alikes(&orgs, &d).await?.is_empty() {
        s.step = Step::LookAlike {
            line,
            deployment: d.id,
        };
        return Ok(None);
    }
    assign(s, t, line, &d).await
}

/// "Yes, this one": the look-alikes were seen side by side.
pub(crate) async fn confirm(s: &mut Session, t: &Turn<'_>) -> Flow {
    let Step::LookAlike { line, deployment } = s.step.clone() else {
        return Err(not_here(t).into());
    };
    let (d, _) = mine(t, &deployment).await?;
    checkout_mut(s, t)?.confirmed.insert(d.id.clone());
    assign(s, t, line, &d).await
}

async fn assign(s: &mut Session, t: &Turn<'_>, line: u32, d: &Deployment) -> Flow {
    let c = checkout_mut(s, t)?;
    c.deployments.insert(line, assigned(d));
    c.search = None;
    let notice = Notice::success(
        t.lang
            .f("deployment.assigned", &[("id", &d.id), ("name", &d.name)]),
    );
    let lines = lines_needing(s, t, Requirement::Deployment);
    // Several lines: stay so that Apply to All is one click away.
    if lines.len() > 1 {
        s.step = Step::Deployment { line };
        return Ok(Some(notice));
    }
    let changed = advance(s, t).await?;
    Ok(changed.or(Some(notice)))
}

/// Apply to All: the current line's deployment for every deployment-specific line.
pub(crate) async fn apply_to_all(s: &mut Session, t: &Turn<'_>) -> Flow {
    let line = current_line(s, t)?;
    let lines: Vec<u32> = lines_needing(s, t, Requirement::Deployment)
        .iter()
        .map(|(l, _)| l.id)
        .collect();
    let c = checkout_mut(s, t)?;
    let Some(chosen) = c.deployments.get(&line).cloned() else {
        return Err(Notice::error(t.lang.t("deployment.choose_first")).into());
    };
    for l in &lines {
        c.deployments.insert(*l, chosen.clone());
    }
    let changed = advance(s, t).await?;
    Ok(changed.or(Some(Notice::success(t.lang.f(
        "deployment.applied_all",
        &[
            ("count", &lines.len()),
            ("id", &chosen.id),
            ("name", &chosen.name),
        ],
    )))))
}

/// On to the next line without a deployment, or to the next step.
pub(crate) async fn next(s: &mut Session, t: &Turn<'_>) -> Flow {
    let line = current_line(s, t)?;
    if !checkout_mut(s, t)?.deployments.contains_key(&line) {
        return Err(Notice::error(t.lang.t("deployment.choose_first")).into());
    }
    advance(s, t).await
}

pub(crate) fn switch_line(s: &mut Session, t: &Turn<'_>, input: &Input) -> Outcome {
    current_line(s, t)?;
    let value = input.one_value().ok_or_else(|| choose_one(t))?;
    let lines = lines_needing(s, t, Requirement::Deployment);
    let line = lines
        .iter()
        .find(|(l, _)| l.id.to_string() == value)
        .map(|(l, _)| l.id)
        .ok_or_else(|| Notice::warning(t.lang.t("cart.no_such_line")))?;
    let c = checkout_mut(s, t)?;
    c.search = None;
    s.step = Step::Deployment { line };
    Ok(None)
}

fn option(d: &Assigned, org_name: &str) -> Choice {
    Choice::new(&d.id, format!("{} · {}", d.id, d.name)).describe(org_name)
}

pub(crate) async fn render(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let rev = s.rev;
    let Step::Deployment { line } = s.step else {
        return Ok(View::new("deployment", String::new()));
    };
    let lines = lines_needing(s, t, Requirement::Deployment);
    let account = t.backend.account(t.account_id).await?;
    let org_name = |id: &str| {
        account
            .memberships
            .iter()
            .find(|m| m.org.id == id)
            .map_or(id.to_string(), |m| m.org.name.clone())
    };
    let c = s.checkout.as_ref();
    let position = lines.iter().position(|(l, _)| l.id == line).unwrap_or(0);
    let name = lines.get(position).map_or("", |(_, p)| p.name.as_str());
    let mut v = View::new(
        "deployment",
        t.lang.f(
            "deployment.title",
            &[
                ("name", &name),
                ("n", &(position + 1)),
                ("total", &lines.len()),
            ],
        ),
    );
    v.body = t.lang.t("deployment.body");
    for (l, p) in &lines {
        let value = c
            .and_then(|c| c.deployments.get(&l.id))
            .map_or(t.lang.t("deployment.none_yet"), |d| {
                format!("{} · {}", d.id, d.name)
            });
        v.field(
            t.lang
                .f("cart.line_label", &[("name", &p.name), ("qty", &l.qty)]),
            value,
        );
    }
    v.search(
        Verb::DeploymentSearch.at(rev),
        t.lang.t("deployment.search"),
        t.lang.t("deployment.search_title"),
        FormField {
            id: "query".into(),
            label: t.lang.t("deployment.search_field"),
            value: c
                .and_then(|c| c.search.as_ref())
                .map_or(String::new(), |s| s.query.clone()),
            placeholder: t.lang.t("deployment.search_placeholder"),
            required: true,
            max_len: 100,
        },
    );
    let options: Vec<Choice> = match c.and_then(|c| c.search.as_ref()) {
        Some(search) => {
            v.field(
                t.lang.f("deployment.matches", &[("query", &search.query)]),
                search.results.len().to_string(),
            );
            search
                .results
                .iter()
                .map(|d| option(d, &org_name(&d.org_id)))
                .collect()
        }
        None => recent(t)
            .await?
            .iter()
            .map(|d| option(d, &org_name(&d.org_id)))
            .collect(),
    };
    if !options.is_empty() {
        v.select(
            Verb::ChooseDeployment.at(rev),
            t.lang.t("deployment.choose"),
            t.lang.t("deployment.choose_placeholder"),
            options,
        );
    }
    let current = c.and_then(|c| c.deployments.get(&line));
    if lines.len() > 1 {
        let choices = line_choices(t, &lines, Some(line));
        v.select(
            Verb::DeploymentLine.at(rev),
            t.lang.t("deployment.line"),
            t.lang.t("deployment.line_placeholder"),
            choices,
        );
        if let Some(d) = current {
            v.button(
                Verb::ApplyToAll.at(rev),
                t.lang.f("deployment.apply_all", &[("id", &d.id)]),
                Style::Primary,
            );
        }
    }
    if current.is_some() {
        v.button(
            Verb::NextLine.at(rev),
            t.lang.t("deployment.next"),
            Style::Success,
        );
    }
    v.button(Verb::Cart.at(rev), t.lang.t("line.back"), Style::Secondary);
    v.input = Some(t.lang.t("deployment.input"));
    footer(&mut v, s, t, false);
    Ok(v)
}

/// The deployments the user bought for lately, newest first: the likely choices.
async fn recent(t: &Turn<'_>) -> Result<Vec<Assigned>, BackendError> {
    let account = t.backend.account(t.account_id).await?;
    let mut out: Vec<Assigned> = Vec::new();
    for order in t.backend.orders(t.account_id, None, 10).await? {
        for line in &order.details.lines {
            let Some(d) = &line.deployment else { continue };
            if out.iter().any(|x| x.id == d.id) {
                continue;
            }
            if let Some(dep) = t.backend.deployment(&d.id).await?
                && account.belongs_to(&dep.org_id)
            {
                out.push(assigned(&dep));
            }
        }
    }
    out.truncate(RESULTS);
    Ok(out)
}

pub(crate) async fn render_look_alike(s: &Session, t: &Turn<'_>) -> Result<View, BackendError> {
    let rev = s.rev;
    let Step::LookAlike { deployment, .. } = &s.step else {
        return Ok(View::new("look_alike", String::new()));
    };
    let account = t.backend.account(t.account_id).await?;
    let orgs: Vec<String> = account
        .memberships
        .iter()
        .map(|m| m.org.id.clone())
        .collect();
    let org_name = |id: &str| {
        account
            .memberships
            .iter()
            .find(|m| m.org.id == id)
            .map_or(id.to_string(), |m| m.org.name.clone())
    };
    let mut v = View::new("look_alike", t.lang.t("lookalike.title"));
    v.body = t.lang.t("lookalike.body");
    if let Some(d) = t.backend.deployment(deployment).await? {
        v.field(
            t.lang.t("lookalike.chosen"),
            format!("{} · {} ({})", d.id, d.name, org_name(&d.org_id)),
        );
        for other in t.backend.look_alikes(&orgs, &d).await? {
            v.field(
                t.lang.t("lookalike.other"),
                format!(
                    "{} · {} ({})",
                    other.id,
                    other.name,
                    org_name(&other.org_id)
                ),
            );
        }
        v.button(
            Verb::ConfirmDeployment.at(rev),
            t.lang.f("lookalike.yes", &[("id", &d.id)]),
            Style::Success,
        );
    }
    v.button(
        Verb::Back.at(rev),
        t.lang.t("lookalike.no"),
        Style::Secondary,
    );
    footer(&mut v, s, t, false);
    Ok(v)
}
