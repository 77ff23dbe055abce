//! Sign-in from chat: one-time sign-in links, email codes and their rate limits, what a
//! person waits to do once in, and the one transaction that links a chat identity to
//! the account a provider vouched for, with the organizations and roles it holds there.
//! Only hashes of link tokens, OAuth states, browser cookies and codes are stored.

use sqlx::FromRow;

use super::card_links::hash;
use super::{Result, Store, now_ms};
use crate::domain::account::{Identity, LinkedVia, Role};
use crate::domain::ids::new_id;

/// A sign-in link, as the sign-in pages read it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SigninLink {
    pub platform: String,
    pub workspace: String,
    pub user_id: String,
    /// How the platform showed them when they asked for the link.
    pub chat_name: Option<String>,
    pub locale: String,
    /// The command the person was refused, as JSON, to run once they are in.
    pub pending: Option<String>,
    pub reply_handle: Option<String>,
    pub expires_at: i64,
    pub browser_hash: Option<String>,
    pub nonce: Option<String>,
    pub pkce_verifier: Option<String>,
    pub used_at: Option<i64>,
}

impl SigninLink {
    pub fn identity(&self) -> Identity {
        Identity::new(&self.platform, &self.workspace, &self.user_id)
            .named(self.chat_name.as_deref())
    }
}

/// A link about to be handed out.
pub struct NewSigninLink<'a> {
    /// The secret in the URL; only its hash is stored.
    pub token: &'a str,
    pub who: &'a Identity,
    pub locale: &'a str,
    pub pending: Option<&'a str>,
    pub reply_handle: Option<&'a str>,
    pub valid_ms: i64,
}

/// What the browser's visit of a link starts: the OAuth request's secrets.
pub struct Started<'a> {
    pub state: &'a str,
    pub browser: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
}

/// An email code waiting to be entered.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SigninCode {
    pub address: String,
    pub code_hash: String,
    pub salt: String,
    pub expires_at: i64,
    pub attempts: i64,
    pub pending: Option<String>,
}

/// Who a provider vouched for, and what they hold in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vouched {
    /// The OpenID Connect issuer, or `email`.
    pub issuer: String,
    /// Its `sub`, or the address.
    pub subject: String,
    pub email: Option<String>,
    pub name: String,
    /// The organizations, each with the role the provider gave; `None` keeps the role
    /// the account has there (an operator's choice), or makes a new member a buyer.
    pub orgs: Vec<(String, Option<Role>)>,
    pub via: LinkedVia,
}

impl Store {
    pub async fn create_signin_link(&self, link: &NewSigninLink<'_>) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO signin_links (token_hash, platform, workspace, user_id, locale, pending, reply_handle, expires_at, created_at, chat_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(hash(link.token))
        .bind(&link.who.platform)
        .bind(&link.who.workspace)
        .bind(&link.who.user)
        .bind(link.locale)
        .bind(link.pending)
        .bind(link.reply_handle)
        .bind(now + link.valid_ms)
        .bind(now)
        .bind(link.who.name.as_deref())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    const LINK_COLUMNS: &str = "platform, workspace, user_id, chat_name, locale, pending, reply_handle, expires_at, browser_hash, nonce, pkce_verifier, used_at";

    pub async fn signin_link(&self, token: &str) -> Result<Option<SigninLink>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM signin_links WHERE token_hash = $1",
            Self::LINK_COLUMNS
        ))
        .bind(hash(token))
        .fetch_optional(&self.write)
        .await?)
    }

    /// Records a new OAuth request for a link that is unused and unexpired; a later visit
    /// replaces an earlier one's. False if the link can no longer be used.
    pub async fn start_signin(&self, token: &str, s: &Started<'_>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE signin_links SET state_hash = $1, browser_hash = $2, nonce = $3, pkce_verifier = $4 \
             WHERE token_hash = $5 AND used_at IS NULL AND expires_at > $6",
        )
        .bind(hash(s.state))
        .bind(hash(s.browser))
        .bind(s.nonce)
        .bind(s.pkce_verifier)
        .bind(hash(token))
        .bind(now_ms())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The link whose OAuth request carried `state`.
    pub async fn signin_by_state(&self, state: &str) -> Result<Option<SigninLink>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {} FROM signin_links WHERE state_hash = $1",
            Self::LINK_COLUMNS
        ))
        .bind(hash(state))
        .fetch_optional(&self.write)
        .await?)
    }

    /// Uses up the link of `state`. False if it was used already: a state works once.
    pub async fn use_signin(&self, state: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE signin_links SET used_at = $1, nonce = NULL, pkce_verifier = NULL \
             WHERE state_hash = $2 AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(hash(state))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps a new code for `who`, replacing any earlier one and its attempts.
    pub async fn put_signin_code(&self, who: &Identity, code: &SigninCode) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "DELETE FROM signin_codes WHERE platform = $1 AND workspace = $2 AND user_id = $3",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO signin_codes (platform, workspace, user_id, address, code_hash, salt, expires_at, attempts, pending, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(&code.address)
        .bind(&code.code_hash)
        .bind(&code.salt)
        .bind(code.expires_at)
        .bind(&code.pending)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn signin_code(&self, who: &Identity) -> Result<Option<SigninCode>> {
        Ok(sqlx::query_as(
            "SELECT address, code_hash, salt, expires_at, attempts, pending FROM signin_codes \
             WHERE platform = $1 AND workspace = $2 AND user_id = $3",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .fetch_optional(&self.write)
        .await?)
    }

    /// Counts one attempt at `who`'s code; the attempts so far, this one included, or
    /// `None` if there is no code.
    pub async fn count_code_attempt(&self, who: &Identity) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "UPDATE signin_codes SET attempts = attempts + 1 \
             WHERE platform = $1 AND workspace = $2 AND user_id = $3 RETURNING attempts",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|(n,)| n))
    }

    /// Forgets `who`'s code. True for the one caller that removed it: a code works once.
    pub async fn take_signin_code(&self, who: &Identity) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM signin_codes WHERE platform = $1 AND workspace = $2 AND user_id = $3",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn record_signin_send(&self, kind: &str, subject: &str, at: i64) -> Result<()> {
        sqlx::query("INSERT INTO signin_sends (kind, subject, sent_at) VALUES ($1, $2, $3)")
            .bind(kind)
            .bind(subject)
            .bind(at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Remembers what `who`, not signed in, asked for last, until `expires_at`.
    pub async fn wait_for_signin(
        &self,
        who: &Identity,
        pending: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO signin_waiting (platform, workspace, user_id, pending, expires_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (platform, workspace, user_id) \
             DO UPDATE SET pending = excluded.pending, expires_at = excluded.expires_at",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(pending)
        .bind(expires_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Takes what `who` was waiting to do, if it has not expired. It is gone either way.
    pub async fn take_signin_waiting(&self, who: &Identity) -> Result<Option<String>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "DELETE FROM signin_waiting WHERE platform = $1 AND workspace = $2 AND user_id = $3 \
             RETURNING pending, expires_at",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.filter(|(_, at)| *at > now_ms()).map(|(p, _)| p))
    }

    /// How many codes went to `subject` (of `kind`) since `since`.
    pub async fn signin_sends_since(&self, kind: &str, subject: &str, since: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM signin_sends WHERE kind = $1 AND subject = $2 AND sent_at >= $3",
        )
        .bind(kind)
        .bind(subject)
        .bind(since)
        .fetch_one(&self.write)
        .await?;
        Ok(n)
    }

    /// Links `who` to the account `v` vouches for, creating it the first time, and makes
    /// its memberships exactly `v.orgs`: an organization no longer vouched for is left.
    /// The identity's session is dropped if it was another account's. One transaction.
    /// Returns the account id.
    pub async fn sign_in(&self, who: &Identity, v: &Vouched) -> Result<String> {
        let now = now_ms();
        let mut tx = self.write.begin().await?;
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT account_id FROM account_subjects WHERE issuer = $1 AND subject = $2",
        )
        .bind(&v.issuer)
        .bind(&v.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let account_id = match found {
            Some((id,)) => {
                sqlx::query("UPDATE accounts SET display_name = $1 WHERE id = $2")
                    .bind(&v.name)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE account_subjects SET email = $1, signed_in_at = $2 WHERE issuer = $3 AND subject = $4",
                )
                .bind(&v.email)
                .bind(now)
                .bind(&v.issuer)
                .bind(&v.subject)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                let id = new_id("acct");
                sqlx::query(
                    "INSERT INTO accounts (id, display_name, default_org, created_at) VALUES ($1, $2, NULL, $3)",
                )
                .bind(&id)
                .bind(&v.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO account_subjects (issuer, subject, account_id, email, created_at, signed_in_at) \
                     VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(&v.issuer)
                .bind(&v.subject)
                .bind(&id)
                .bind(&v.email)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        let held: Vec<(String, String)> =
            sqlx::query_as("SELECT org_id, role FROM memberships WHERE account_id = $1")
                .bind(&account_id)
                .fetch_all(&mut *tx)
                .await?;
        for (org, _) in &held {
            if !v.orgs.iter().any(|(o, _)| o == org) {
                sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND org_id = $2")
                    .bind(&account_id)
                    .bind(org)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for (org, role) in &v.orgs {
            let kept = held
                .iter()
                .find(|(o, _)| o == org)
                .and_then(|(_, r)| r.parse::<Role>().ok());
            let role = role.or(kept).unwrap_or(Role::Buyer);
            sqlx::query(
                "INSERT INTO memberships (account_id, org_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (account_id, org_id) DO UPDATE SET role = excluded.role",
            )
            .bind(&account_id)
            .bind(org)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        }
        if let Some((first, _)) = v.orgs.first() {
            sqlx::query(
                "UPDATE accounts SET default_org = $1 WHERE id = $2 AND (default_org IS NULL OR default_org NOT IN \
                 (SELECT org_id FROM memberships WHERE account_id = $2))",
            )
            .bind(first)
            .bind(&account_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "DELETE FROM sessions WHERE platform = $1 AND workspace = $2 AND user_id = $3 AND account_id <> $4",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(&account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO identities (platform, workspace, user_id, account_id, created_at, linked_via) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, workspace, user_id) \
             DO UPDATE SET account_id = excluded.account_id, created_at = excluded.created_at, linked_via = excluded.linked_via",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(&account_id)
        .bind(now)
        .bind(v.via.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(account_id)
    }

    /// Unlinks `who` if it signed in from chat (OpenID Connect or an email code) before
    /// `before`. Its session stays: signing in again to the same account finds the cart
    /// where it was. True for the one caller that unlinked it.
    pub async fn expire_sign_in(&self, who: &Identity, before: i64) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM identities WHERE platform = $1 AND workspace = $2 AND user_id = $3 \
             AND linked_via IN ('oidc', 'email') AND created_at < $4",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .bind(before)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Unlinks `who` and drops its session (a cart and answers of that account). True
    /// if it was linked.
    pub async fn unlink_identity(&self, who: &Identity) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE platform = $1 AND workspace = $2 AND user_id = $3")
            .bind(&who.platform)
            .bind(&who.workspace)
            .bind(&who.user)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(
            "DELETE FROM identities WHERE platform = $1 AND workspace = $2 AND user_id = $3",
        )
        .bind(&who.platform)
        .bind(&who.workspace)
        .bind(&who.user)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// The address an account signed in with, if it did.
    pub async fn account_email(&self, account_id: &str) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT email FROM account_subjects WHERE account_id = $1 ORDER BY signed_in_at DESC LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.and_then(|(e,)| e))
    }
}
