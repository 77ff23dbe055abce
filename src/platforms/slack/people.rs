//! What Slack says about a person (`users.info`): the name a new account takes, and the
//! locale the bot answers them in. Slack's payloads carry neither, so each is asked once
//! per person and process, in the background; until it is known, answers use
//! DEFAULT_LOCALE.

use std::collections::HashMap;
use std::sync::Mutex;

/// The most people whose locale one process remembers; past it, it starts afresh.
const REMEMBERED: usize = 100_000;

#[derive(Debug, Default)]
pub struct People {
    /// Slack user id → their locale (`de-DE`), or empty when Slack did not say.
    locales: Mutex<HashMap<String, String>>,
    /// Slack user id → how Slack shows them, where it said.
    names: Mutex<HashMap<String, String>>,
}

impl People {
    /// The locale `user` is answered in, if Slack told it.
    pub(crate) fn locale(&self, user: &str) -> Option<String> {
        let known = self.locales.lock().ok()?.get(user).cloned()?;
        (!known.is_empty()).then_some(known)
    }

    /// How Slack shows `user`, if it said: the sign-in page names the chat account by it.
    pub(crate) fn name(&self, user: &str) -> Option<String> {
        self.names.lock().ok()?.get(user).cloned()
    }

    /// Remembers how Slack shows `user`.
    pub(crate) fn remember_name(&self, user: &str, name: &str) {
        if let Ok(mut m) = self.names.lock() {
            if m.len() >= REMEMBERED {
                m.clear();
            }
            m.insert(user.to_string(), name.to_string());
        }
    }

    /// Whether `user` was asked about already (answered or not).
    pub(crate) fn asked(&self, user: &str) -> bool {
        self.locales.lock().is_ok_and(|m| m.contains_key(user))
    }

    /// Remembers what Slack said; `None` is remembered too, so it is not asked again.
    pub(crate) fn remember(&self, user: &str, locale: Option<String>) {
        if let Ok(mut m) = self.locales.lock() {
            if m.len() >= REMEMBERED {
                m.clear();
            }
            m.insert(user.to_string(), locale.unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locale_is_remembered_and_an_unknown_one_is_not_asked_again() {
        let p = People::default();
        assert!(!p.asked("U1"));
        p.remember("U1", Some("de-DE".into()));
        p.remember("U2", None);
        assert_eq!(p.locale("U1").as_deref(), Some("de-DE"));
        assert_eq!(p.locale("U2"), None);
        assert!(p.asked("U2"));
    }
}
