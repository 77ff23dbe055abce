//! Each organization's approval chain and budget, who has which role in it, and what its
//! orders of a period add up to.

use rust_decimal::Decimal;

use super::{Result, Store, StoreError, Tx};
use crate::domain::account::Role;
use crate::domain::approval_chain::{Applies, Approvers, Chain, Rule, StepRule};
use crate::domain::budget::{Budget, Period};

type ChainRow = (String, String, Option<String>, Option<String>, String);

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

pub(super) fn role_of(text: &str) -> Result<Role> {
    match text {
        "approver" => Ok(Role::Approver),
        "admin" => Ok(Role::Admin),
        "buyer" => Ok(Role::Buyer),
        other => Err(corrupt("role", other)),
    }
}

/// Who decides, from its stored columns: space-separated account ids, or a role.
pub(super) fn approvers_from(people: Option<&str>, role: Option<&str>) -> Result<Approvers> {
    match (people, role) {
        (Some(p), _) => Ok(Approvers::People(
            p.split_whitespace().map(str::to_string).collect(),
        )),
        (None, Some(r)) => Ok(Approvers::Role(role_of(r)?)),
        (None, None) => Err(corrupt("approvers", "missing")),
    }
}

/// The columns that store who decides.
pub(super) fn approvers_columns(a: &Approvers) -> (Option<String>, Option<&'static str>) {
    match a {
        Approvers::People(ids) => (Some(ids.join(" ")), None),
        Approvers::Role(r) => (None, Some(r.as_str())),
    }
}

fn applies_of(text: &str) -> Result<Applies> {
    match text {
        "always" => Ok(Applies::Always),
        "po" => Ok(Applies::Po),
        other => other
            .strip_prefix("above:")
            .and_then(|a| a.parse().ok())
            .map(Applies::Above)
            .ok_or_else(|| corrupt("chain threshold", other)),
    }
}

fn applies_text(a: &Applies) -> String {
    match a {
        Applies::Always => "always".into(),
        Applies::Po => "po".into(),
        Applies::Above(d) => format!("above:{d}"),
    }
}

impl Store {
    /// An organization's chain; empty when it has none (its policy is one step).
    pub async fn approval_chain(&self, org_id: &str) -> Result<Chain> {
        let rows: Vec<ChainRow> = sqlx::query_as(
            "SELECT name, applies, approvers, role, rule FROM approval_chains \
             WHERE org_id = $1 ORDER BY position",
        )
        .bind(org_id)
        .fetch_all(&self.read)
        .await?;
        let steps = rows
            .into_iter()
            .map(|(name, applies, people, role, rule)| {
                Ok(StepRule {
                    name,
                    applies: applies_of(&applies)?,
                    approvers: approvers_from(people.as_deref(), role.as_deref())?,
                    rule: Rule::parse(&rule).ok_or_else(|| corrupt("rule", &rule))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Chain { steps })
    }

    /// Replaces an organization's chain; an empty one removes it.
    pub async fn set_approval_chain(&self, org_id: &str, chain: &Chain) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM approval_chains WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        for (i, s) in chain.steps.iter().enumerate() {
            let (people, role) = approvers_columns(&s.approvers);
            sqlx::query(
                "INSERT INTO approval_chains (org_id, position, name, applies, approvers, role, rule) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(org_id)
            .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
            .bind(&s.name)
            .bind(applies_text(&s.applies))
            .bind(people)
            .bind(role)
            .bind(s.rule.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn budget(&self, org_id: &str) -> Result<Option<Budget>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT period, amount FROM budgets WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(&self.read)
                .await?;
        row.map(|(period, amount)| {
            Ok(Budget {
                period: Period::parse(&period).ok_or_else(|| corrupt("budget period", &period))?,
                amount: amount
                    .parse()
                    .map_err(|_| corrupt("budget amount", &amount))?,
            })
        })
        .transpose()
    }

    /// Sets an organization's budget; `None` removes it.
    pub async fn set_budget(&self, org_id: &str, budget: Option<&Budget>) -> Result<()> {
        match budget {
            Some(b) => sqlx::query(
                "INSERT INTO budgets (org_id, period, amount) VALUES ($1, $2, $3) \
                 ON CONFLICT (org_id) DO UPDATE SET period = excluded.period, amount = excluded.amount",
            )
            .bind(org_id)
            .bind(b.period.as_str())
            .bind(b.amount.to_string()),
            None => sqlx::query("DELETE FROM budgets WHERE org_id = $1").bind(org_id),
        }
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// What an organization's orders placed in `[from, until)` add up to: (spent,
    /// committed). Spent is paid, or placed and waiting for payment; committed waits for
    /// approval. `except` leaves one order out (the one being weighed).
    pub async fn org_spending(
        &self,
        org_id: &str,
        from: i64,
        until: i64,
        except: Option<&str>,
    ) -> Result<(Decimal, Decimal)> {
        // Amounts are decimal text, summed here rather than by either engine.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT o.status, x.amount FROM order_orgs x JOIN orders o ON o.number = x.order_number \
             WHERE x.org_id = $1 AND x.created_at >= $2 AND x.created_at < $3 AND o.kind = 'order' \
             AND o.status IN ('paid', 'awaiting_payment', 'payment_processing', \
             'awaiting_authentication', 'awaiting_approval') AND x.order_number <> $4",
        )
        .bind(org_id)
        .bind(from)
        .bind(until)
        .bind(except.unwrap_or(""))
        .fetch_all(&self.read)
        .await?;
        let mut spent = Decimal::ZERO;
        let mut committed = Decimal::ZERO;
        for (status, amount) in rows {
            let amount: Decimal = amount
                .parse()
                .map_err(|_| corrupt("order amount", &amount))?;
            if status == "awaiting_approval" {
                committed += amount;
            } else {
                spent += amount;
            }
        }
        Ok((spent, committed))
    }

    /// An account's role in an organization, if it is a member.
    pub async fn role_in(&self, org_id: &str, account_id: &str) -> Result<Option<Role>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT role FROM memberships WHERE org_id = $1 AND account_id = $2")
                .bind(org_id)
                .bind(account_id)
                .fetch_optional(&self.read)
                .await?;
        row.map(|(r,)| role_of(&r)).transpose()
    }

    /// An organization's members with `role` (`approver` counts admins too).
    pub async fn members_with(&self, org_id: &str, role: Role) -> Result<Vec<String>> {
        // Fixed lists, never input: safe to write into the statement.
        let roles = match role {
            Role::Admin => "'admin'",
            Role::Approver => "'approver', 'admin'",
            Role::Buyer => "'buyer', 'approver', 'admin'",
        };
        let rows: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT account_id FROM memberships WHERE org_id = $1 AND role IN ({roles}) \
             ORDER BY account_id"
        ))
        .bind(org_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }
}

/// Records which organizations an order counts against, and how much of it each.
pub(super) async fn record_order_orgs(
    tx: &mut Tx<'_>,
    number: &str,
    shares: &[(String, Decimal)],
    at: i64,
) -> Result<()> {
    for (org, amount) in shares {
        sqlx::query(
            "INSERT INTO order_orgs (order_number, org_id, amount, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (order_number, org_id) DO UPDATE SET amount = excluded.amount",
        )
        .bind(number)
        .bind(org)
        .bind(amount.to_string())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// What an order counts against an organization's budget, as recorded when placed.
    pub async fn order_share(&self, number: &str, org_id: &str) -> Result<Option<Decimal>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT amount FROM order_orgs WHERE order_number = $1 AND org_id = $2")
                .bind(number)
                .bind(org_id)
                .fetch_optional(&self.read)
                .await?;
        row.map(|(a,)| a.parse().map_err(|_| corrupt("order amount", &a)))
            .transpose()
    }
}
