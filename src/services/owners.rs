//! Which organizations an order's lines belong to. A line for an organization belongs
//! to it; a line for a deployment belongs to the deployment's organization, whoever
//! placed it and whatever their default is. Approvals, budgets, membership checks and
//! documents all ask here, so no line can slip under the buyer's default organization.

use crate::domain::order::OrderLine;
use crate::store::{Store, StoreError};

/// The organizations of an order's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Owners {
    /// Each organization a line belongs to, once, sorted.
    pub(crate) orgs: Vec<String>,
    /// Deployments the store no longer knows and whose organization the line did not
    /// record: nobody can say whose they are.
    pub(crate) unknown: Vec<String>,
    /// Lines that belong to no organization (hardware, hourly support).
    pub unowned: usize,
}

/// The organization of one line, as recorded when it was placed, else as the store
/// knows its deployment now; `Err` names a deployment nobody knows.
async fn owner(store: &Store, line: &OrderLine) -> Result<Option<String>, OwnerError> {
    if let Some(o) = &line.organization {
        return Ok(Some(o.id.clone()));
    }
    let Some(d) = &line.deployment else {
        return Ok(None);
    };
    if let Some(org) = &line.deployment_org {
        return Ok(Some(org.clone()));
    }
    match store.deployment(&d.id).await? {
        Some(known) => Ok(Some(known.org_id)),
        None => Err(OwnerError::Unknown(d.id.clone())),
    }
}

enum OwnerError {
    Unknown(String),
    Store(StoreError),
}

impl From<StoreError> for OwnerError {
    fn from(e: StoreError) -> Self {
        OwnerError::Store(e)
    }
}

/// The organizations `lines` belong to.
pub(crate) async fn owners(store: &Store, lines: &[OrderLine]) -> Result<Owners, StoreError> {
    let mut out = Owners::default();
    for line in lines {
        match owner(store, line).await {
            Ok(Some(org)) => out.orgs.push(org),
            Ok(None) => out.unowned += 1,
            Err(OwnerError::Unknown(id)) => out.unknown.push(id),
            Err(OwnerError::Store(e)) => return Err(e),
        }
    }
    out.orgs.sort();
    out.orgs.dedup();
    Ok(out)
}

/// What an order counts against each organization's budget: its whole total when its
/// lines belong to one organization (or none, then the buyer's default), else each
/// organization's own lines.
pub(crate) async fn shares(
    store: &Store,
    lines: &[OrderLine],
    total: rust_decimal::Decimal,
    default_org: Option<&str>,
) -> Result<Vec<(String, rust_decimal::Decimal)>, StoreError> {
    let mut per: Vec<(String, rust_decimal::Decimal)> = Vec::new();
    for line in lines {
        let org = match owner(store, line).await {
            Ok(Some(org)) => org,
            Ok(None) | Err(OwnerError::Unknown(_)) => continue,
            Err(OwnerError::Store(e)) => return Err(e),
        };
        match per.iter_mut().find(|(o, _)| *o == org) {
            Some((_, sum)) => *sum += line.total.amount,
            None => per.push((org, line.total.amount)),
        }
    }
    Ok(match per.len() {
        0 => default_org
            .map(|o| vec![(o.to_string(), total)])
            .unwrap_or_default(),
        1 => per.into_iter().map(|(o, _)| (o, total)).collect(),
        _ => {
            per.sort();
            per
        }
    })
}
