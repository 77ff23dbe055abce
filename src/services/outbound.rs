//! What the core sends outside an answer, by platform: a `Notifier` (post or edit an
//! approval request, message a person privately) and a `ReplyUpdater` (update a reply
//! shown earlier, such as the message that carried a card link). `main` registers one
//! of each per platform; the core looks them up by the platform recorded with the thing
//! it updates, so one order's approvers may sit on different platforms.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::notifier::{Notifier, NotifyError};
use crate::engine::view::Reply;

/// Updates a reply the bot showed before, through the handle the platform gave with
/// the event it answered (an interaction token, a response URL).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub(crate) trait ReplyUpdater: Send + Sync {
    fn platform(&self) -> String;
    async fn update(&self, handle: &str, reply: &Reply) -> Result<(), NotifyError>;
}

/// The registered ports, by platform.
#[derive(Clone, Default)]
pub struct Outbound {
    notifiers: BTreeMap<String, Arc<dyn Notifier>>,
    updaters: BTreeMap<String, Arc<dyn ReplyUpdater>>,
}

impl Outbound {
    pub(crate) fn with_notifier(mut self, n: Arc<dyn Notifier>) -> Self {
        self.notifiers.insert(n.platform(), n);
        self
    }

    pub(crate) fn with_updater(mut self, u: Arc<dyn ReplyUpdater>) -> Self {
        self.updaters.insert(u.platform(), u);
        self
    }

    pub(crate) fn notifier(&self, platform: &str) -> Option<&Arc<dyn Notifier>> {
        self.notifiers.get(platform)
    }

    /// Every platform's notifier, in a fixed order.
    pub(crate) fn notifiers(&self) -> impl Iterator<Item = &Arc<dyn Notifier>> {
        self.notifiers.values()
    }

    pub(crate) fn updater(&self, platform: &str) -> Option<&Arc<dyn ReplyUpdater>> {
        self.updaters.get(platform)
    }
}
