//! Moving a whole database to another engine (`db copy`): SQLite to PostgreSQL as a
//! vendor grows, and back. Every table is copied with its ids as they are; the target
//! must be migrated and empty. The source is read from one snapshot, so a copy taken
//! while processes still write is consistent in itself (though it misses what comes after).

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Database, Result, Store, StoreError};

/// A column's storage class: the schema uses TEXT and BIGINT only (migrations/0001).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
}

/// A table as the copy sees it.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// Every column, the primary key's first (they order the copy).
    pub columns: &'static [(&'static str, Kind)],
    /// How many leading columns make the primary key.
    pub key: usize,
    /// Filled by a migration: replaced on the target, not counted against its emptiness.
    pub seeded: bool,
}

use Kind::{Int, Text};

const fn table(name: &'static str, columns: &'static [(&'static str, Kind)], key: usize) -> Table {
    Table {
        name,
        columns,
        key,
        seeded: false,
    }
}

/// Every table of the schema, parents before children (foreign keys hold at each step).
/// A test compares this list with the migrated schema on both engines, so a migration
/// that adds a table or a column fails it until the copy knows.
pub const TABLES: &[Table] = &[
    table(
        "organizations",
        &[("id", Text), ("name", Text), ("created_at", Int)],
        1,
    ),
    table(
        "accounts",
        &[
            ("id", Text),
            ("display_name", Text),
            ("default_org", Text),
            ("created_at", Int),
        ],
        1,
    ),
    table(
        "memberships",
        &[("account_id", Text), ("org_id", Text), ("role", Text)],
        2,
    ),
    table(
        "identities",
        &[
            ("platform", Text),
            ("workspace", Text),
            ("user_id", Text),
            ("account_id", Text),
            ("created_at", Int),
            ("linked_via", Text),
        ],
        3,
    ),
    table(
        "deployments",
        &[
            ("id", Text),
            ("name", Text),
            ("org_id", Text),
            ("updated_at", Int),
        ],
        1,
    ),
    table(
        "catalogs",
        &[
            ("version", Int),
            ("body", Text),
            ("source", Text),
            ("imported_at", Int),
        ],
        1,
    ),
    table(
        "sessions",
        &[
            ("platform", Text),
            ("workspace", Text),
            ("user_id", Text),
            ("account_id", Text),
            ("rev", Int),
            ("state", Text),
            ("updated_at", Int),
        ],
        3,
    ),
    table(
        "cards",
        &[
            ("id", Text),
            ("account_id", Text),
            ("token", Text),
            ("brand", Text),
            ("last4", Text),
            ("exp_month", Int),
            ("exp_year", Int),
            ("created_at", Int),
            ("saved", Int),
        ],
        1,
    ),
    table(
        "orders",
        &[
            ("number", Text),
            ("idempotency_key", Text),
            ("account_id", Text),
            ("kind", Text),
            ("status", Text),
            ("total", Text),
            ("currency", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("body", Text),
            ("charge_ref", Text),
        ],
        1,
    ),
    Table {
        name: "counters",
        columns: &[("name", Text), ("value", Int)],
        key: 1,
        seeded: true,
    },
    table(
        "card_links",
        &[
            ("token_hash", Text),
            ("account_id", Text),
            ("platform", Text),
            ("workspace", Text),
            ("user_id", Text),
            ("checkout_key", Text),
            ("csrf", Text),
            ("expires_at", Int),
            ("used_at", Int),
            ("attempts", Int),
            ("reply_handle", Text),
            ("setup_intent", Text),
        ],
        1,
    ),
    table(
        "document_links",
        &[
            ("token_hash", Text),
            ("platform", Text),
            ("workspace", Text),
            ("user_id", Text),
            ("account_id", Text),
            ("order_number", Text),
            ("kind", Text),
            ("locale", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("used_at", Int),
        ],
        1,
    ),
    table(
        "platform_addresses",
        &[
            ("platform", Text),
            ("kind", Text),
            ("name", Text),
            ("address", Text),
            ("updated_at", Int),
        ],
        3,
    ),
    table(
        "audit_log",
        &[
            ("id", Text),
            ("order_number", Text),
            ("seq", Int),
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("old_value", Text),
            ("new_value", Text),
        ],
        1,
    ),
    table(
        "approval_policies",
        &[
            ("org_id", Text),
            ("po_required", Int),
            ("limit_amount", Text),
        ],
        1,
    ),
    table(
        "approval_limits",
        &[
            ("org_id", Text),
            ("account_id", Text),
            ("limit_amount", Text),
        ],
        2,
    ),
    table(
        "approval_channels",
        &[("org_id", Text), ("platform", Text), ("channel_id", Text)],
        2,
    ),
    table(
        "approvals",
        &[
            ("id", Text),
            ("order_number", Text),
            ("org_id", Text),
            ("requested_by", Text),
            ("why", Text),
            ("status", Text),
            ("created_at", Int),
            ("announced_at", Int),
            ("reminded_at", Int),
            ("decided_at", Int),
            ("decided_by", Text),
            ("on_behalf_of", Text),
            ("reason", Text),
            ("revision", Int),
            ("restarted_at", Int),
            ("restart_reason", Text),
        ],
        1,
    ),
    table(
        "approval_chains",
        &[
            ("org_id", Text),
            ("position", Int),
            ("name", Text),
            ("applies", Text),
            ("approvers", Text),
            ("role", Text),
            ("rule", Text),
        ],
        2,
    ),
    table(
        "budgets",
        &[("org_id", Text), ("period", Text), ("amount", Text)],
        1,
    ),
    table(
        "order_orgs",
        &[
            ("order_number", Text),
            ("org_id", Text),
            ("amount", Text),
            ("created_at", Int),
        ],
        2,
    ),
    table(
        "approval_steps",
        &[
            ("approval_id", Text),
            ("position", Int),
            ("name", Text),
            ("approvers", Text),
            ("role", Text),
            ("rule", Text),
            ("why", Text),
            ("status", Text),
            ("opened_at", Int),
            ("reminded_at", Int),
            ("escalated_at", Int),
            ("decided_at", Int),
            ("decided_by", Text),
            ("on_behalf_of", Text),
            ("reason", Text),
        ],
        2,
    ),
    table(
        "approval_votes",
        &[
            ("approval_id", Text),
            ("position", Int),
            ("voter", Text),
            ("actor", Text),
            ("at", Int),
        ],
        3,
    ),
    table(
        "approval_questions",
        &[
            ("id", Text),
            ("approval_id", Text),
            ("position", Int),
            ("asked_by", Text),
            ("question", Text),
            ("asked_at", Int),
            ("answer", Text),
            ("answered_by", Text),
            ("answered_at", Int),
        ],
        1,
    ),
    table(
        "approval_messages",
        &[
            ("approval_id", Text),
            ("channel_id", Text),
            ("message_id", Text),
            ("shown", Text),
            ("platform", Text),
        ],
        3,
    ),
    table(
        "delegations",
        &[
            ("id", Text),
            ("approver_id", Text),
            ("delegate_id", Text),
            ("starts_at", Int),
            ("ends_at", Int),
            ("created_at", Int),
        ],
        1,
    ),
    table(
        "deliveries",
        &[("platform", Text), ("id", Text), ("received_at", Int)],
        2,
    ),
    table("chores", &[("name", Text), ("last_run_at", Int)], 1),
    table(
        "refunds",
        &[
            ("order_number", Text),
            ("seq", Int),
            ("amount", Text),
            ("status", Text),
            ("gateway_ref", Text),
            ("actor", Text),
            ("created_at", Int),
        ],
        2,
    ),
    table(
        "org_domains",
        &[("domain", Text), ("org_id", Text), ("created_at", Int)],
        1,
    ),
    table(
        "account_subjects",
        &[
            ("issuer", Text),
            ("subject", Text),
            ("account_id", Text),
            ("email", Text),
            ("created_at", Int),
            ("signed_in_at", Int),
        ],
        2,
    ),
    table(
        "signin_links",
        &[
            ("token_hash", Text),
            ("platform", Text),
            ("workspace", Text),
            ("user_id", Text),
            ("locale", Text),
            ("pending", Text),
            ("reply_handle", Text),
            ("expires_at", Int),
            ("state_hash", Text),
            ("browser_hash", Text),
            ("nonce", Text),
            ("pkce_verifier", Text),
            ("used_at", Int),
            ("created_at", Int),
            ("chat_name", Text),
        ],
        1,
    ),
    table(
        "signin_codes",
        &[
            ("platform", Text),
            ("workspace", Text),
            ("user_id", Text),
            ("address", Text),
            ("code_hash", Text),
            ("salt", Text),
            ("expires_at", Int),
            ("attempts", Int),
            ("pending", Text),
            ("created_at", Int),
        ],
        3,
    ),
    table(
        "stripe_customers",
        &[
            ("account_id", Text),
            ("customer_id", Text),
            ("created_at", Int),
        ],
        1,
    ),
    table(
        "stripe_events",
        &[("id", Text), ("type", Text), ("received_at", Int)],
        1,
    ),
    table(
        "payment_links",
        &[
            ("token_hash", Text),
            ("order_number", Text),
            ("account_id", Text),
            ("csrf", Text),
            ("expires_at", Int),
            ("used_at", Int),
            ("created_at", Int),
        ],
        1,
    ),
    table(
        "signin_waiting",
        &[
            ("platform", Text),
            ("workspace", Text),
            ("user_id", Text),
            ("pending", Text),
            ("expires_at", Int),
        ],
        3,
    ),
    // No primary key: all three columns order the copy.
    table(
        "signin_sends",
        &[("kind", Text), ("subject", Text), ("sent_at", Int)],
        3,
    ),
    // Moved whole: what was still to be sent goes out from the new database.
    table(
        "outbox",
        &[
            ("id", Text),
            ("seq", Int),
            ("platform", Text),
            ("destination", Text),
            ("kind", Text),
            ("subject", Text),
            ("body", Text),
            ("dedup_key", Text),
            ("state", Text),
            ("attempts", Int),
            ("not_before", Int),
            ("claimed_by", Text),
            ("claim_until", Int),
            ("created_at", Int),
            ("done_at", Int),
            ("sent_ref", Text),
            ("last_error", Text),
        ],
        1,
    ),
];

/// One stored value, as the copy moves it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// Rows per INSERT: well under both engines' limits on bound parameters.
const BATCH: usize = 200;

/// What a copy moved, and what each side holds afterwards.
#[derive(Debug, Default)]
pub struct CopyReport {
    /// (table, rows in the source, rows in the target).
    pub tables: Vec<(&'static str, u64, u64)>,
    /// The sum of order and quote totals per currency: (source, target).
    pub totals: BTreeMap<String, (Decimal, Decimal)>,
}

impl CopyReport {
    /// Whether both sides hold the same number of rows in each table and the same totals.
    pub fn matches(&self) -> bool {
        self.tables.iter().all(|(_, s, t)| s == t) && self.totals.values().all(|(s, t)| s == t)
    }
}

impl Table {
    fn select(&self) -> String {
        let columns: Vec<&str> = self.columns.iter().map(|(c, _)| *c).collect();
        let key: Vec<&str> = columns[..self.key].to_vec();
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            columns.join(", "),
            self.name,
            key.join(", ")
        )
    }

    fn insert(&self, rows: usize) -> String {
        let width = self.columns.len();
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let marks: Vec<String> =
                    (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let columns: Vec<&str> = self.columns.iter().map(|(c, _)| *c).collect();
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.name,
            columns.join(", "),
            tuples.join(", ")
        )
    }

    fn read(&self, row: &AnyRow) -> Result<Vec<Value>> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| {
                Ok(match kind {
                    Text => row
                        .try_get::<Option<String>, _>(i)?
                        .map_or(Value::Null, Value::Text),
                    Int => row
                        .try_get::<Option<i64>, _>(i)?
                        .map_or(Value::Null, Value::Int),
                })
            })
            .collect()
    }
}

impl Store {
    /// Every row of `table`, in key order: for checking a copy.
    pub async fn rows(&self, table: &Table) -> Result<Vec<Vec<Value>>> {
        let rows = sqlx::query(&table.select()).fetch_all(&self.read).await?;
        rows.iter().map(|r| table.read(r)).collect()
    }

    /// Copies every table into `target`, which must be migrated and hold no data.
    /// Each table is one transaction on the target; the source is read from one snapshot.
    pub async fn copy_to(&self, target: &Store) -> Result<CopyReport> {
        let mut held = 0;
        for t in TABLES.iter().filter(|t| !t.seeded) {
            held += self.count(t.name).await?;
        }
        if held == 0 {
            return Err(StoreError::Invalid(
                "the source holds no data; check the database it names".into(),
            ));
        }
        for t in TABLES.iter().filter(|t| !t.seeded) {
            if target.count(t.name).await? > 0 {
                return Err(StoreError::Invalid(format!(
                    "the target is not empty (table {} has rows); copy into a new, empty database",
                    t.name
                )));
            }
        }
        let mut source = self.read.begin().await?;
        if self.database == Database::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *source)
                .await?;
        }
        let mut report = CopyReport::default();
        for t in TABLES {
            let mut into = target.write.begin().await?;
            if t.seeded {
                sqlx::query(&format!("DELETE FROM {}", t.name))
                    .execute(&mut *into)
                    .await?;
            }
            let mut copied = 0u64;
            let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
            let select = t.select();
            let mut rows = sqlx::query(&select).fetch(&mut *source);
            while let Some(row) = rows.try_next().await? {
                batch.push(t.read(&row)?);
                if batch.len() == BATCH {
                    copied += insert(&mut into, t, &batch).await?;
                    batch.clear();
                }
            }
            drop(rows);
            copied += insert(&mut into, t, &batch).await?;
            into.commit().await?;
            let in_target = target.count(t.name).await?;
            tracing::info!(table = t.name, rows = copied, "copied");
            report.tables.push((t.name, copied, in_target));
        }
        let source_totals = totals(
            sqlx::query("SELECT currency, total FROM orders")
                .fetch_all(&mut *source)
                .await?,
        )?;
        source.commit().await?;
        let target_totals = totals(
            sqlx::query("SELECT currency, total FROM orders")
                .fetch_all(&target.read)
                .await?,
        )?;
        for (currency, sum) in source_totals {
            let theirs = target_totals.get(&currency).copied().unwrap_or_default();
            report.totals.insert(currency, (sum, theirs));
        }
        for (currency, sum) in target_totals {
            report
                .totals
                .entry(currency)
                .or_insert((Decimal::ZERO, sum));
        }
        Ok(report)
    }

    async fn count(&self, table: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.read)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The tables and their columns (name and kind) as the database itself describes
    /// them, for the test that keeps `TABLES` complete.
    pub async fn described_tables(&self) -> Result<BTreeMap<String, Vec<(String, Kind)>>> {
        let columns: Vec<(String, String, String)> = match self.database {
            Database::Sqlite => sqlx::query_as(
                "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name <> '_sqlx_migrations' ORDER BY m.name, p.cid",
            )
            .fetch_all(&self.read)
            .await?,
            Database::Postgres => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text, data_type::text \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                     ORDER BY table_name, ordinal_position",
                )
                .fetch_all(&self.read)
                .await?
            }
        };
        let mut tables: BTreeMap<String, Vec<(String, Kind)>> = BTreeMap::new();
        for (table, column, kind) in columns {
            let kind = match kind.to_ascii_uppercase().contains("INT") {
                true => Int,
                false => Text,
            };
            tables.entry(table).or_default().push((column, kind));
        }
        Ok(tables)
    }
}

async fn insert(into: &mut super::Tx<'_>, table: &Table, rows: &[Vec<Value>]) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let sql = table.insert(rows.len());
    let mut query = sqlx::query(&sql);
    let kinds = table.columns.iter().map(|(_, k)| *k).cycle();
    for (value, kind) in rows.iter().flatten().zip(kinds) {
        // A NULL keeps its column's type: PostgreSQL will not put a text NULL in a BIGINT.
        query = match value {
            Value::Null if kind == Int => query.bind(None::<i64>),
            Value::Null => query.bind(None::<String>),
            Value::Int(n) => query.bind(*n),
            Value::Text(s) => query.bind(s.clone()),
        };
    }
    Ok(query.execute(&mut **into).await?.rows_affected())
}

/// The sum of `total` per currency over (currency, total) rows.
fn totals(rows: Vec<AnyRow>) -> Result<BTreeMap<String, Decimal>> {
    let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in rows {
        let currency: String = row.try_get(0)?;
        let total: String = row.try_get(1)?;
        let total: Decimal = total
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("order total {total}: {e}")))?;
        *sums.entry(currency).or_default() += total;
    }
    Ok(sums)
}
