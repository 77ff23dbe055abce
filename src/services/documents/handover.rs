//! Handing documents over outside the terminal. The outbox worker writes a document
//! when it sends it (the same order gives the same bytes, so nothing but the order's
//! number waits in the outbox), and where a platform cannot take the file it asks here
//! for a one-time link for the person instead.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Kind, Seller, Written, write};
use crate::domain::account::Identity;
use crate::domain::approval::Status;
use crate::engine::view::Document;
use crate::prompts::Prompts;
use crate::store::document_links::NewDocumentLink;
use crate::store::{Result, Store, now_ms};

/// How long a document link works.
pub(crate) const LINK_VALID_MS: i64 = 15 * 60_000;

/// What the outbox worker needs to hand documents over.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub(crate) trait Papers: Send + Sync {
    /// `doc`, written now; `None` when its order no longer has that document.
    async fn write(&self, doc: &Document) -> Result<Option<Written>>;
    /// The quote an approver of `approval_id` decides on, while it waits.
    async fn quote_for_approval(&self, approval_id: &str) -> Result<Option<(Document, Written)>>;
    /// A one-time link to `doc` for `who`; `None` when `who` may not have it (the order
    /// is no longer their account's).
    async fn link(&self, who: &Identity, doc: &Document) -> Result<Option<String>>;
    /// Text in `locale` with the file's name (and the link) filled in.
    fn text(&self, locale: &str, key: &str, file: &str, url: &str) -> String;
}

/// The store-backed `Papers`.
pub(crate) struct Handover {
    store: Store,
    prompts: Arc<Prompts>,
    seller: Seller,
    /// PUBLIC_URL, without a trailing slash.
    public_url: String,
    /// The language approval requests are written in.
    default_locale: String,
}

impl Handover {
    pub(crate) fn new(
        store: Store,
        prompts: Arc<Prompts>,
        seller: Seller,
        public_url: &str,
        default_locale: &str,
    ) -> Self {
        Handover {
            store,
            prompts,
            seller,
            public_url: public_url.trim_end_matches('/').to_string(),
            default_locale: default_locale.to_string(),
        }
    }
}

/// `doc`'s order, if `doc` names a kind it has.
async fn written(
    store: &Store,
    prompts: &Prompts,
    seller: &Seller,
    doc: &Document,
) -> Result<Option<Written>> {
    let (Some(kind), Some(order)) = (
        Kind::from_id(&doc.kind),
        store.order_by_number(&doc.order).await?,
    ) else {
        return Ok(None);
    };
    Ok(
        write(store, prompts, seller, &order, Some(kind), &doc.locale)
            .await?
            .ok(),
    )
}

#[async_trait]
impl Papers for Handover {
    async fn write(&self, doc: &Document) -> Result<Option<Written>> {
        written(&self.store, &self.prompts, &self.seller, doc).await
    }

    async fn quote_for_approval(&self, approval_id: &str) -> Result<Option<(Document, Written)>> {
        let Some(a) = self.store.approval(approval_id).await? else {
            return Ok(None);
        };
        if a.status != Status::Pending {
            return Ok(None);
        }
        let doc = Document {
            kind: Kind::Quote.id(),
            file_name: Kind::Quote.file_name(&a.order_number),
            order: a.order_number,
            locale: self.default_locale.clone(),
        };
        Ok(self.write(&doc).await?.map(|w| (doc, w)))
    }

    async fn link(&self, who: &Identity, doc: &Document) -> Result<Option<String>> {
        let Some(order) = self.store.order_by_number(&doc.order).await? else {
            return Ok(None);
        };
        // Made only for someone whose account the order is.
        let account = self.store.account_id_for(who).await?;
        if account.as_deref() != Some(order.details.account_id.as_str()) {
            return Ok(None);
        }
        let token = crate::domain::ids::new_secret();
        self.store
            .create_document_link(&NewDocumentLink {
                token: &token,
                who,
                account_id: &order.details.account_id,
                order_number: &order.number,
                kind: &doc.kind,
                locale: &doc.locale,
                now: now_ms(),
                valid_ms: LINK_VALID_MS,
            })
            .await?;
        Ok(Some(format!("{}/documents/{token}", self.public_url)))
    }

    fn text(&self, locale: &str, key: &str, file: &str, url: &str) -> String {
        self.prompts
            .lang(locale)
            .text(key)
            .map(|t| crate::prompts::fill(&t, &[("file", file), ("url", url)]))
            .unwrap_or_default()
    }
}
