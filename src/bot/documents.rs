//! Documents a person asked for in chat (`Reply::document`): written for the terminal,
//! handed to the outbox for the chat platforms, written for a one-time link.

use super::Bot;
use crate::domain::account::Identity;
use crate::engine::view::Document;
use crate::services::documents::Written;
use crate::services::documents::handover::Papers;
use crate::services::notifier::Place;
use crate::store::{StoreError, now_ms};

/// How long a Discord follow-up waits: it must not reach Discord before the answer to
/// the interaction that asked for it.
const AFTER_THE_ANSWER_MS: i64 = 1_000;

impl Bot {
    /// `doc`, written now; `None` when its order no longer has it.
    pub(crate) async fn write_document(
        &self,
        doc: &Document,
    ) -> Result<Option<Written>, StoreError> {
        self.papers.write(doc).await
    }

    /// A one-time link to `doc` for `who`, for a platform that takes no files from bots
    /// in the conversation; `None` when the order is not theirs.
    pub(crate) async fn document_link(
        &self,
        who: &Identity,
        doc: &Document,
    ) -> Result<Option<String>, StoreError> {
        self.papers.link(who, doc).await
    }

    /// Uploads `doc` for `who` at `place` on `platform`, through the outbox: retried
    /// while the platform cannot take it, a one-time link where it never will.
    pub(crate) async fn hand_over(
        &self,
        platform: &str,
        who: &Identity,
        doc: &Document,
        place: Place,
    ) -> Result<(), anyhow::Error> {
        let after = match place {
            Place::Handle(_) => AFTER_THE_ANSWER_MS,
            Place::At(_) => 0,
        };
        let entry = crate::services::outbox::message::document(platform, who, doc, place);
        self.store.enqueue_after(&[entry], now_ms(), after).await?;
        self.outbound.written();
        Ok(())
    }
}
