//! What search boxes suggest while a person types: their deployments and organizations,
//! the store's categories. Only the person's own are ever offered, and a query is read
//! only as far as a search reads it.

use super::{Bot, BotError};
use crate::domain::account::Identity;
use crate::domain::deployment::Deployment;
use crate::engine::backend::Backend;
use crate::store::StoredSession;

impl Bot {
    /// What a search box suggests for `query`, as (value, label), best first: the
    /// user's deployments for the deployment search, their organizations for the
    /// organization search, nothing for anything else. Picking one submits its value.
    pub(crate) async fn search_suggestions(
        &self,
        who: &Identity,
        action_id: &str,
        query: &str,
        limit: usize,
    ) -> Vec<(String, String)> {
        use crate::engine::action::{ActionId, Verb};
        // An autocomplete's text is whatever the platform forwards: read no more of it
        // than a search does, whichever search it goes to.
        let query = crate::search::bounded(query);
        match ActionId::decode(action_id).map(|a| a.verb) {
            Some(Verb::DeploymentSearch) => self
                .deployment_suggestions(who, query, limit)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|d| {
                    let label = format!("{} · {}", d.id, d.name);
                    (d.id, label)
                })
                .collect(),
            Some(Verb::OrgSearch) => self
                .organization_suggestions(who, query, limit)
                .await
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The user's organizations whose name matches `query` (typo-tolerant), best first.
    async fn organization_suggestions(
        &self,
        who: &Identity,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, BotError> {
        if crate::domain::text::check(query).is_err() {
            return Ok(Vec::new());
        }
        let Some(account_id) = self.store.account_id_for(who).await? else {
            return Ok(Vec::new());
        };
        let account = self
            .backend
            .account(&account_id)
            .await
            .map_err(BotError::Backend)?;
        let q = query.trim().to_lowercase();
        let mut scored: Vec<(f64, String, String)> = account
            .memberships
            .into_iter()
            .map(|m| {
                let name = m.org.name.to_lowercase();
                let score = if q.is_empty() || name.contains(&q) {
                    1.0
                } else {
                    crate::search::text_similarity(&q, &name)
                };
                (score, m.org.id, m.org.name)
            })
            .filter(|(score, _, _)| *score >= 0.75)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        Ok(scored
            .into_iter()
            .take(limit)
            .map(|(_, id, name)| (id, name))
            .collect())
    }

    /// The user's deployments that best match `query`, for a platform's autocomplete.
    pub async fn deployment_suggestions(
        &self,
        who: &Identity,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Deployment>, BotError> {
        let query = crate::search::bounded(query);
        if crate::domain::text::check(query).is_err() {
            return Ok(Vec::new());
        }
        let account_id = match self.store.load_session(who).await? {
            Some(StoredSession {
                account_id: Some(id),
                ..
            }) => id,
            _ => self.account_for(who).await?,
        };
        let account = self
            .backend
            .account(&account_id)
            .await
            .map_err(BotError::Backend)?;
        let orgs: Vec<String> = account.memberships.into_iter().map(|m| m.org.id).collect();
        if query.trim().is_empty() {
            return self.recent_deployments(&account_id, &orgs, limit).await;
        }
        self.backend
            .search_deployments(&orgs, query, limit)
            .await
            .map_err(BotError::Backend)
    }

    /// Before anything is typed: the deployments of the account's latest orders, most
    /// recent first, still in one of its organizations.
    async fn recent_deployments(
        &self,
        account_id: &str,
        orgs: &[String],
        limit: usize,
    ) -> Result<Vec<Deployment>, BotError> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for order in self.store.orders(account_id, None, 20).await? {
            for line in &order.details.lines {
                let Some(d) = &line.deployment else { continue };
                if out.len() >= limit || !seen.insert(d.id.clone()) {
                    continue;
                }
                if let Some(found) = self.store.deployment(&d.id).await?
                    && orgs.contains(&found.org_id)
                {
                    out.push(found);
                }
            }
        }
        Ok(out)
    }

    /// Categories whose name or id contains `query`, as (id, name).
    pub(crate) async fn category_suggestions(&self, query: &str) -> Vec<(String, String)> {
        let query = crate::search::bounded(query);
        let Ok(catalog) = self.catalog().await else {
            return Vec::new();
        };
        if crate::domain::text::check(query).is_err() {
            return Vec::new();
        }
        let q = query.trim().to_lowercase();
        catalog
            .categories
            .iter()
            .filter(|c| q.is_empty() || c.name.to_lowercase().contains(&q) || c.id.contains(&q))
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect()
    }
}
