//! Who is talking: the account a chat identity is linked to, demo enrolment of people the
//! store does not know (in demo mode, on demo data), and the names platforms show, which
//! an account enrolled under a raw user id takes.

use super::{Bot, BotError};
use crate::demo;
use crate::domain::account::Identity;

impl Bot {
    /// Whether `who`'s account is named by their raw user id (just enrolled, or added
    /// without a name), so their channel should say how the platform shows them (then
    /// `name`). Asked once: a second call says no.
    pub(crate) fn just_enrolled(&self, who: &Identity) -> bool {
        self.unnamed.lock().is_ok_and(|mut set| set.remove(who))
    }

    /// Names `who`'s account as the platform shows them, unless it has a name already.
    pub(crate) async fn name(&self, who: &Identity, name: &str) {
        let name = crate::domain::text::scrub(name.trim());
        if name.is_empty() || name.chars().count() > 80 {
            return;
        }
        if let Ok(Some(account)) = self.store.account_id_for(who).await
            && let Err(e) = self
                .store
                .rename_account_if(&account, &who.user, &name)
                .await
        {
            tracing::warn!(error = %e, "could not name an account");
        }
    }

    pub(super) async fn account_for(&self, who: &Identity) -> Result<String, BotError> {
        if let Some(id) = self.store.account_id_for(who).await? {
            if self.first_look(who)
                && let Some(account) = self.store.account(&id).await?
                && account.display_name == who.user
            {
                self.mark_unnamed(who);
            }
            return Ok(id);
        }
        // Where people sign in themselves, nobody is enrolled as a demo buyer.
        if !self.config.demo_mode || self.signin.enabled() {
            return Err(BotError::NotLinked(who.clone()));
        }
        let name = crate::domain::text::scrub(&who.user);
        let account = demo::enrol(&self.store, who, &name).await?;
        self.first_look(who);
        self.mark_unnamed(who);
        Ok(account)
    }

    fn mark_unnamed(&self, who: &Identity) {
        if let Ok(mut set) = self.unnamed.lock() {
            // Bounded: a channel that never asks must not grow it without end.
            if set.len() > 10_000 {
                set.clear();
            }
            set.insert(who.clone());
        }
    }

    /// True the first time this process looks at `who`'s account name.
    fn first_look(&self, who: &Identity) -> bool {
        self.name_checked.lock().is_ok_and(|mut set| {
            if set.len() > 100_000 {
                set.clear();
            }
            set.insert(who.clone())
        })
    }
}
