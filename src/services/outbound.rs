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
/// the event it answered (an interaction token, a response URL). The reply is rendered
/// when the update is written to the outbox and sent as rendered.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub(crate) trait ReplyUpdater: Send + Sync {
    fn platform(&self) -> String;
    /// The platform's own message for `reply`, to keep until it is sent.
    fn render(&self, reply: &Reply) -> Result<serde_json::Value, NotifyError>;
    /// Sends `content` through `handle`: replacing the message it came with, or (where
    /// the platform can) as a new one.
    async fn send(
        &self,
        handle: &str,
        content: &serde_json::Value,
        replace: bool,
    ) -> Result<(), NotifyError>;
    /// Uploads `file` with `caption` through `handle`, as a new private message. A
    /// platform that cannot refuses, and the person gets a one-time link instead.
    async fn attach(
        &self,
        _handle: &str,
        _file: &crate::services::documents::Written,
        _caption: &str,
    ) -> Result<(), NotifyError> {
        Err(NotifyError::Refused(
            "this platform takes no files through a reply".into(),
        ))
    }
}

/// The registered ports, by platform, and the bell that tells this process's outbox
/// worker that something was written for it.
#[derive(Clone, Default)]
pub struct Outbound {
    notifiers: BTreeMap<String, Arc<dyn Notifier>>,
    updaters: BTreeMap<String, Arc<dyn ReplyUpdater>>,
    written: Arc<tokio::sync::Notify>,
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

    /// The platforms this process can send on, in a fixed order.
    pub(crate) fn platforms(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .notifiers
            .keys()
            .chain(self.updaters.keys())
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Tells the outbox worker that entries were written, so they go out now rather
    /// than at its next look.
    pub(crate) fn written(&self) {
        self.written.notify_one();
    }

    /// Waits for `written`.
    pub(crate) async fn wait_written(&self) {
        self.written.notified().await;
    }
}
