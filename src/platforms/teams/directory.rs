//! What Teams told us about reaching people and conversations, learned from verified
//! activities only and kept in the database (`platform_addresses`), so every process
//! reaches whom any process heard from:
//! - the service URLs the connector's token may be sent to;
//! - each tenant's and each conversation's service URL;
//! - each person's Teams user id (`29:…`, the id `refresh.userIds` names);
//! - each person's personal chat with the bot, once one was opened, and whose it is.
//!
//! Reads are served from memory once seen; a write happens only when Teams says
//! something new, so a busy conversation costs no write per activity.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::PLATFORM;
use crate::store::Store;

/// A service URL the token may be sent to (the address is unused).
const SERVICE: &str = "service";
/// A tenant's service URL.
const TENANT: &str = "tenant";
/// A conversation's service URL.
const CONVERSATION: &str = "conversation";
/// A person's (`tenant/oid`) Teams user id.
const PERSON: &str = "person";
/// A Teams user id's (`tenant/29:…`) person (`oid`).
const USER: &str = "user";
/// A person's (`tenant/oid`) personal chat with the bot.
const CHAT: &str = "chat";
/// A personal chat's person (`oid`).
const PERSONAL: &str = "personal";

/// A service URL as compared: no trailing slash, lower case.
pub(crate) fn normal(url: &str) -> String {
    url.trim_end_matches('/').to_ascii_lowercase()
}

fn person(tenant: &str, oid: &str) -> String {
    format!("{tenant}/{oid}")
}

#[derive(Default)]
pub(crate) struct Directory {
    store: OnceLock<Store>,
    known: RwLock<HashMap<(&'static str, String), String>>,
}

impl Directory {
    /// From now on, what is learned is kept and what is asked is looked up.
    pub(crate) fn open(&self, store: &Store) {
        let _ = self.store.set(store.clone());
    }

    fn cached(&self, kind: &'static str, name: &str) -> Option<String> {
        self.known
            .read()
            .ok()
            .and_then(|m| m.get(&(kind, name.to_string())).cloned())
    }

    fn cache(&self, kind: &'static str, name: &str, address: &str) {
        if let Ok(mut m) = self.known.write() {
            m.insert((kind, name.to_string()), address.to_string());
        }
    }

    /// Keeps `address`, writing only when it is news.
    async fn learn(&self, kind: &'static str, name: &str, address: &str) {
        if name.is_empty() || address.is_empty() {
            return;
        }
        if self.cached(kind, name).as_deref() == Some(address) {
            return;
        }
        if let Some(store) = self.store.get()
            && let Err(e) = store
                .remember_address(PLATFORM, kind, name, address, crate::store::now_ms())
                .await
        {
            // Not cached either, so the next activity tries again.
            tracing::warn!(error = %e, kind, "could not keep a Teams address");
            return;
        }
        self.cache(kind, name, address);
    }

    async fn get(&self, kind: &'static str, name: &str) -> Option<String> {
        if let Some(found) = self.cached(kind, name) {
            return Some(found);
        }
        let store = self.store.get()?;
        match store.address(PLATFORM, kind, name).await {
            Ok(Some(found)) => {
                self.cache(kind, name, &found);
                Some(found)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, kind, "could not read a Teams address");
                None
            }
        }
    }

    /// Everything a verified activity says about reaching its sender and conversation.
    pub(crate) async fn heard(
        &self,
        service_url: &str,
        tenant: Option<&str>,
        conversation: &str,
        from: Option<(&str, &str)>,
    ) {
        if service_url.is_empty() {
            return;
        }
        self.learn(SERVICE, &normal(service_url), "1").await;
        if let Some(t) = tenant {
            self.learn(TENANT, t, service_url).await;
        }
        self.learn(CONVERSATION, conversation, service_url).await;
        if let (Some(t), Some((user_id, oid))) = (tenant, from) {
            self.learn(PERSON, &person(t, oid), user_id).await;
            self.learn(USER, &person(t, user_id), oid).await;
        }
    }

    /// Whether the connector's token may go to `url`: one a verified activity came from.
    pub(crate) async fn allows(&self, url: &str) -> bool {
        self.get(SERVICE, &normal(url)).await.is_some()
    }

    pub(crate) async fn tenant_url(&self, tenant: &str) -> Option<String> {
        self.get(TENANT, tenant).await
    }

    pub(crate) async fn conversation_url(&self, conversation: &str) -> Option<String> {
        self.get(CONVERSATION, conversation).await
    }

    /// A person's Teams user id (`29:…`), once they wrote to the bot.
    pub(crate) async fn user_id(&self, tenant: &str, oid: &str) -> Option<String> {
        self.get(PERSON, &person(tenant, oid)).await
    }

    /// The Entra object id of Teams user `user_id` (`29:…`), once they wrote to the bot.
    pub(crate) async fn oid_of(&self, tenant: &str, user_id: &str) -> Option<String> {
        self.get(USER, &person(tenant, user_id)).await
    }

    /// The personal chat opened with a person, if one was.
    pub(crate) async fn chat(&self, tenant: &str, oid: &str) -> Option<String> {
        self.get(CHAT, &person(tenant, oid)).await
    }

    /// Keeps the personal chat `conversation` of a person, at `service_url`.
    pub(crate) async fn keep_chat(
        &self,
        tenant: &str,
        oid: &str,
        conversation: &str,
        service_url: &str,
    ) {
        self.learn(CONVERSATION, conversation, service_url).await;
        self.learn(CHAT, &person(tenant, oid), conversation).await;
        self.learn(PERSONAL, conversation, oid).await;
    }

    /// Whose personal chat `conversation` is, if it is one the bot opened.
    pub(crate) async fn chat_of(&self, conversation: &str) -> Option<String> {
        self.get(PERSONAL, conversation).await
    }
}
