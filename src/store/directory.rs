//! Organizations, accounts, memberships, chat identities and deployments.

use sqlx::FromRow;

use super::{Result, Store, StoreError, now_ms};
use crate::domain::account::{
    Account, Identity, IdentityLink, LinkedVia, Membership, Organization, Role,
};
use crate::domain::deployment::Deployment;

#[derive(FromRow)]
struct AccountRow {
    id: String,
    display_name: String,
    default_org: Option<String>,
}

#[derive(FromRow)]
struct MembershipRow {
    org_id: String,
    org_name: String,
    role: String,
}

#[derive(FromRow)]
struct OrgRow {
    id: String,
    name: String,
}

pub(crate) use crate::domain::ids::new_id;

impl Store {
    pub async fn is_empty(&self) -> Result<bool> {
        let (orgs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organizations")
            .fetch_one(&self.read)
            .await?;
        Ok(orgs == 0 && self.catalog_version().await?.is_none())
    }

    pub async fn upsert_org(&self, org: &Organization) -> Result<()> {
        sqlx::query(
            "INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(now_ms())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn orgs(&self) -> Result<Vec<Organization>> {
        let rows: Vec<OrgRow> = sqlx::query_as("SELECT id, name FROM organizations ORDER BY name")
            .fetch_all(&self.read)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Organization {
                id: r.id,
                name: r.name,
            })
            .collect())
    }

    pub async fn create_account(
        &self,
        display_name: &str,
        default_org: Option<&str>,
    ) -> Result<String> {
        let id = new_id("acct");
        sqlx::query("INSERT INTO accounts (id, display_name, default_org, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(display_name)
            .bind(default_org)
            .bind(now_ms())
            .execute(&self.write)
            .await?;
        Ok(id)
    }

    /// Renames an account that is still called `from` (the chat user id it was enrolled
    /// with); a name someone gave it is kept. Whether it was renamed.
    pub async fn rename_account_if(&self, account_id: &str, from: &str, to: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET display_name = $1 WHERE id = $2 AND display_name = $3",
        )
        .bind(to)
        .bind(account_id)
        .bind(from)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds or changes a membership.
    pub async fn set_membership(&self, account_id: &str, org_id: &str, role: Role) -> Result<()> {
        sqlx::query(
            "INSERT INTO memberships (account_id, org_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, org_id) DO UPDATE SET role = excluded.role",
        )
        .bind(account_id)
        .bind(org_id)
        .bind(role.as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn remove_membership(&self, account_id: &str, org_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND org_id = $2")
            .bind(account_id)
            .bind(org_id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Links a chat identity to an account. False if the identity was already linked.
    pub async fn link_identity(
        &self,
        who: &Identity,
        account_id: &str,
        via: LinkedVia,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO identities (platform, workspace, user_id, account_id, created_at, linked_via) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, workspace, user_id) DO NOTHING",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(account_id)
        .bind(now_ms())
        .bind(via.as_str())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How and when `who` was linked to its account, if it is.
    pub async fn identity_link(&self, who: &Identity) -> Result<Option<IdentityLink>> {
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT linked_via, created_at FROM identities \
             WHERE platform = $1 AND workspace = $2 AND user_id = $3",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .fetch_optional(&self.read)
        .await?;
        Ok(found.map(|(via, at)| IdentityLink {
            via: LinkedVia::parse(&via),
            at,
        }))
    }

    pub async fn account_id_for(&self, who: &Identity) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT account_id FROM identities WHERE platform = $1 AND workspace = $2 AND user_id = $3",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    /// An account with its memberships.
    pub async fn account(&self, id: &str) -> Result<Option<Account>> {
        let row: Option<AccountRow> =
            sqlx::query_as("SELECT id, display_name, default_org FROM accounts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let members: Vec<MembershipRow> = sqlx::query_as(
            "SELECT m.org_id AS org_id, o.name AS org_name, m.role AS role \
             FROM memberships m JOIN organizations o ON o.id = m.org_id \
             WHERE m.account_id = $1 ORDER BY o.name",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        let memberships = members
            .into_iter()
            .map(|m| {
                let role = m.role.parse().map_err(StoreError::Corrupt)?;
                Ok(Membership {
                    org: Organization {
                        id: m.org_id,
                        name: m.org_name,
                    },
                    role,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Account {
            id: row.id,
            display_name: row.display_name,
            default_org: row.default_org,
            memberships,
        }))
    }

    /// Inserts or renames deployments, in one transaction.
    pub async fn upsert_deployments(&self, deployments: &[Deployment]) -> Result<usize> {
        let now = now_ms();
        let mut tx = self.write.begin().await?;
        for d in deployments {
            sqlx::query(
                "INSERT INTO deployments (id, name, org_id, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, org_id = excluded.org_id, \
                 updated_at = excluded.updated_at",
            )
            .bind(&d.id)
            .bind(&d.name)
            .bind(&d.org_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(deployments.len())
    }

    /// The deployments of one organization, by name.
    pub async fn deployments_of(&self, org_id: &str) -> Result<Vec<Deployment>> {
        Ok(sqlx::query_as(
            "SELECT id, name, org_id FROM deployments WHERE org_id = $1 ORDER BY name, id",
        )
        .bind(org_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn deployment(&self, id: &str) -> Result<Option<Deployment>> {
        Ok(
            sqlx::query_as("SELECT id, name, org_id FROM deployments WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// Changes whenever an organization's deployments change: their count and the
    /// newest update, for knowing when a cached search index is stale.
    pub async fn deployments_version(&self, org_id: &str) -> Result<(i64, i64)> {
        let (n, newest): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(updated_at) FROM deployments WHERE org_id = $1")
                .bind(org_id)
                .fetch_one(&self.read)
                .await?;
        Ok((n, newest.unwrap_or(0)))
    }

    pub async fn deployment_count(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM deployments")
            .fetch_one(&self.read)
            .await?;
        Ok(n)
    }
}

/// One membership as listed by `checkout-bot members list`.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct MemberRow {
    pub org_id: String,
    pub account_id: String,
    pub display_name: String,
    pub role: String,
    pub platform: Option<String>,
    pub workspace: Option<String>,
    pub user_id: Option<String>,
    /// How the identity was linked (`cli`, `demo`, `oidc`, `email`), and when.
    pub linked_via: Option<String>,
    pub linked_at: Option<i64>,
}

impl Store {
    pub async fn members(&self, org_id: Option<&str>) -> Result<Vec<MemberRow>> {
        Ok(sqlx::query_as(
            "SELECT m.org_id AS org_id, a.id AS account_id, a.display_name AS display_name, \
                    m.role AS role, i.platform AS platform, i.workspace AS workspace, i.user_id AS user_id, \
                    i.linked_via AS linked_via, i.created_at AS linked_at \
             FROM memberships m JOIN accounts a ON a.id = m.account_id \
             LEFT JOIN identities i ON i.account_id = a.id \
             WHERE ($1 = '' OR m.org_id = $1) \
             ORDER BY m.org_id, a.display_name, i.platform, i.user_id",
        )
        .bind(org_id.unwrap_or(""))
        .fetch_all(&self.read)
        .await?)
    }

    /// Sets the organization an account's organization-specific items go to by default,
    /// if it has none yet.
    pub async fn default_org_if_unset(&self, account_id: &str, org_id: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET default_org = $1 WHERE id = $2 AND default_org IS NULL")
            .bind(org_id)
            .bind(account_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
