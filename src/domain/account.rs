//! Who is buying: chat identities, the accounts they link to, and their roles in
//! organizations (DESIGN.md §4).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A person on a chat platform: (platform, workspace or guild, user id). `name` is how
/// the platform showed them in the event at hand, when it said; it is not part of who
/// they are, so two identities that differ only in it are the same person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    pub(crate) platform: String,
    pub(crate) workspace: String,
    pub(crate) user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
}

impl PartialEq for Identity {
    fn eq(&self, other: &Self) -> bool {
        (&self.platform, &self.workspace, &self.user)
            == (&other.platform, &other.workspace, &other.user)
    }
}

impl Eq for Identity {}

impl std::hash::Hash for Identity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (&self.platform, &self.workspace, &self.user).hash(state);
    }
}

impl Identity {
    pub fn new(platform: &str, workspace: &str, user: &str) -> Self {
        Identity {
            platform: platform.into(),
            workspace: workspace.into(),
            user: user.into(),
            name: None,
        }
    }

    /// The same person, with the name the platform shows (blank names are none).
    pub fn named(mut self, name: Option<&str>) -> Self {
        self.name = name
            .map(|n| crate::domain::text::cut(&crate::domain::text::scrub(n.trim()), 80))
            .filter(|n| !n.is_empty());
        self
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.platform, self.workspace, self.user)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Buyer,
    Approver,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }
}

/// How a chat identity came to be linked to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkedVia {
    /// An operator ran `members add`.
    Cli,
    /// Demo mode enrolled the person on first contact.
    Demo,
    /// The person signed in with the organization's identity provider.
    Oidc,
    /// The person signed in with a code sent to their email address.
    Email,
}

impl LinkedVia {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LinkedVia::Cli => "cli",
            LinkedVia::Demo => "demo",
            LinkedVia::Oidc => "oidc",
            LinkedVia::Email => "email",
        }
    }

    /// A stored value; anything unknown reads as the operator's, the column's default.
    pub(crate) fn parse(text: &str) -> LinkedVia {
        match text {
            "demo" => LinkedVia::Demo,
            "oidc" => LinkedVia::Oidc,
            "email" => LinkedVia::Email,
            _ => LinkedVia::Cli,
        }
    }
}

/// When and how an identity was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityLink {
    pub via: LinkedVia,
    /// Unix milliseconds.
    pub at: i64,
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "buyer" => Ok(Role::Buyer),
            "approver" => Ok(Role::Approver),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "'{other}' is not a role: use buyer, approver or admin"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub org: Organization,
    pub role: Role,
}

/// An account and the organizations it may buy for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub display_name: String,
    pub default_org: Option<String>,
    pub memberships: Vec<Membership>,
}

impl Account {
    pub fn belongs_to(&self, org_id: &str) -> bool {
        self.memberships.iter().any(|m| m.org.id == org_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_case_insensitively_and_reject_others() {
        assert_eq!("Approver".parse::<Role>(), Ok(Role::Approver));
        assert!(
            "owner"
                .parse::<Role>()
                .unwrap_err()
                .contains("buyer, approver or admin")
        );
        for r in [Role::Buyer, Role::Approver, Role::Admin] {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
    }
}
