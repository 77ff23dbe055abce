//! What a verified sign-in says about a person, turned into what the store keeps: the
//! account's key and name, and the organizations and role it holds. Organizations come
//! from a configured claim of organization ids, or else from the verified email's
//! domain (`orgs set-domain`); only organizations the store knows count.

use serde_json::{Map, Value};

use crate::domain::account::{LinkedVia, Role};
use crate::store::signin::Vouched;
use crate::store::{Store, StoreError};

/// The claims of a verified ID token (or a verified email code).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Claims {
    pub(crate) issuer: String,
    pub(crate) subject: String,
    pub(crate) email: Option<String>,
    pub(crate) email_verified: bool,
    pub(crate) name: Option<String>,
    /// Every other claim, for the configured organization and role claims.
    pub(crate) extra: Map<String, Value>,
}

/// Where organizations and roles are read from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mapping<'a> {
    pub(crate) org_claim: Option<&'a str>,
    pub role_claim: Option<&'a str>,
}

/// A claim's values: a string, a space- or comma-separated string, or a list of strings.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => s
            .split([',', ' '])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The strongest known role the claim holds; unknown values are ignored.
pub(crate) fn role(extra: &Map<String, Value>, claim: &str) -> Option<Role> {
    strings(extra.get(claim))
        .iter()
        .filter_map(|r| r.to_ascii_lowercase().parse::<Role>().ok())
        .max_by_key(|r| match r {
            Role::Buyer => 0,
            Role::Approver => 1,
            Role::Admin => 2,
        })
}

/// How the person is shown: their name, else their email, else the subject; clean
/// text of at most 80 characters.
pub(crate) fn display_name(c: &Claims) -> String {
    let pick = [
        c.name.as_deref(),
        c.email.as_deref(),
        Some(c.subject.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(|s| crate::domain::text::scrub(s.trim()))
    .find(|s| !s.is_empty())
    .unwrap_or_default();
    pick.chars().take(80).collect()
}

/// Why a verified person cannot be let in.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("the sign-in names no organization the store knows")]
    NoOrganization,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to keep for `c`: its organizations (ids the store knows, from the claim, or
/// from the verified email's domain) and role (from the claim; `None` keeps the role an
/// operator gave, or makes a new member a buyer).
pub(crate) async fn vouched(
    store: &Store,
    c: &Claims,
    m: &Mapping<'_>,
    via: LinkedVia,
) -> Result<Vouched, Refused> {
    let known: Vec<String> = store.orgs().await?.into_iter().map(|o| o.id).collect();
    let named: Vec<String> = match m.org_claim {
        Some(claim) => strings(c.extra.get(claim)),
        None => match c.email.as_deref().filter(|_| c.email_verified) {
            Some(address) => match crate::domain::email_domain::of_address(address) {
                Some(domain) => store.org_for_domain(&domain).await?.into_iter().collect(),
                None => Vec::new(),
            },
            None => Vec::new(),
        },
    };
    let mut orgs: Vec<String> = Vec::new();
    for id in named {
        if known.contains(&id) && !orgs.contains(&id) {
            orgs.push(id);
        } else if !known.contains(&id) {
            tracing::info!(org = %id, "a sign-in named an organization the store does not know");
        }
    }
    if orgs.is_empty() {
        return Err(Refused::NoOrganization);
    }
    let role = m
        .role_claim
        .map(|claim| role(&c.extra, claim).unwrap_or(Role::Buyer));
    Ok(Vouched {
        issuer: c.issuer.clone(),
        subject: c.subject.clone(),
        email: c.email.clone().filter(|_| c.email_verified),
        name: display_name(c),
        orgs: orgs.into_iter().map(|o| (o, role)).collect(),
        via,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_read_as_strings_roles_and_names() {
        let extra =
            json!({"roles": ["buyer", "Approver", "owner"], "one": "admin", "orgs": "a, b"});
        let extra = extra.as_object().unwrap();
        assert_eq!(role(extra, "roles"), Some(Role::Approver));
        assert_eq!(role(extra, "one"), Some(Role::Admin));
        assert_eq!(role(extra, "missing"), None);
        assert_eq!(strings(extra.get("orgs")), ["a", "b"]);
        let mut c = Claims {
            subject: "sub-1".into(),
            ..Claims::default()
        };
        assert_eq!(display_name(&c), "sub-1");
        c.email = Some("pat@acme.com".into());
        assert_eq!(display_name(&c), "pat@acme.com");
        c.name = Some(" Pat\u{202e} Lee ".into());
        assert_eq!(display_name(&c), "Pat Lee");
    }
}
