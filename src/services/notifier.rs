//! Messages the bot sends on its own, outside an answer to an interaction: approval
//! requests to a channel or to each approver, updates of those requests, and private
//! notes to a person. The platform's implementation lives in its channel.

use async_trait::async_trait;

use crate::domain::account::Identity;
use crate::services::documents::Written;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recipient {
    /// The organization's approval channel.
    Channel(String),
    /// One person, privately.
    Person(Identity),
}

pub(crate) use crate::domain::approval::Posted;

/// Where a message the platform rendered itself is said: a channel, a thread in it,
/// and, for an ephemeral message, the one person who sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Spot {
    pub(crate) channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) thread: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) only_for: Option<String>,
}

/// Where a document a person asked for is uploaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Place {
    /// Through the reply handle of the event that asked (an interaction token), as a
    /// private follow-up.
    Handle(String),
    /// In a conversation (a channel, a thread, a direct conversation).
    At(Spot),
}

/// An approval request as people see it, whatever the platform: the text, and whether
/// it can still be decided (then it carries Approve, Reject and Details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    pub(crate) approval_id: String,
    /// The step open when it was drawn, which its buttons decide.
    pub(crate) step: Option<i64>,
    pub(crate) title: String,
    pub(crate) body: String,
    /// (label, value) pairs: requester, PO, lines, assignments, payment, totals.
    pub(crate) fields: Vec<(String, String)>,
    /// How it ended ("Approved by … at …"); `None` while it waits.
    pub(crate) outcome: Option<String>,
    pub(crate) approve: String,
    pub(crate) reject: String,
    /// Ask the requester a question.
    pub(crate) ask: String,
    pub(crate) details: String,
    /// The quote the approver decides on, on a request's first post of a step.
    pub(crate) quote: Option<Written>,
    /// While it waits, everyone who may decide its open step now, on each platform that
    /// shows each person their own view of a shared request (`Notifier::shows_own_views`,
    /// Teams' `refresh.userIds`); empty where none does.
    pub(crate) deciders: Vec<Identity>,
}

impl RequestView {
    pub(crate) fn open(&self) -> bool {
        self.outcome.is_none()
    }

    /// What its buttons act on (`ApprovalAction::id`).
    pub(crate) fn target(&self) -> String {
        crate::domain::approval::Target {
            approval: self.approval_id.clone(),
            step: self.step,
        }
        .id()
    }
}

/// Why a message could not be posted, updated or sent, sorted by what to do next.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotifyError {
    /// A channel, person or message id that is not one on this platform.
    #[error("'{0}' is not an address on this platform")]
    BadAddress(String),
    /// The platform refused it for good: the channel is gone, the person blocked the
    /// app, the message cannot be edited. Sending it again changes nothing.
    #[error("the platform refused it: {0}")]
    Refused(String),
    /// Too many calls: the platform says when to come back, when it says.
    #[error("rate limited by the platform")]
    RateLimited(Option<std::time::Duration>),
    /// The platform failed or could not be reached (a timeout, a 5xx); worth retrying.
    #[error("the platform did not take it: {0}")]
    Platform(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl NotifyError {
    /// Whether sending the same thing again may succeed.
    pub(crate) fn permanent(&self) -> bool {
        matches!(self, NotifyError::BadAddress(_) | NotifyError::Refused(_))
    }
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub(crate) trait Notifier: Send + Sync {
    /// The platform whose identities and channels this reaches, such as `console`.
    fn platform(&self) -> String;
    /// Whether it shows each person their own view of a shared request, and so needs
    /// `RequestView::deciders` (Teams' `refresh.userIds`); drawing them costs queries
    /// no other platform needs.
    fn shows_own_views(&self) -> bool {
        false
    }
    /// Hands over the database before anything is sent, for a platform that keeps what
    /// it learned about reaching people there (Teams: service URLs and chat ids), so
    /// every process reaches whom any process has heard from.
    fn open(&self, _store: &crate::store::Store) {}
    /// Posts a request. `key` is the same on every try of one post: a platform that
    /// can tell a repeat by it (Discord's nonce) posts it once.
    async fn post(
        &self,
        to: &Recipient,
        request: &RequestView,
        key: &str,
    ) -> Result<Posted, NotifyError>;
    async fn update(&self, at: &Posted, request: &RequestView) -> Result<(), NotifyError>;
    /// A private note to one person; `key` as for `post`.
    async fn tell(&self, who: &Identity, text: &str, key: &str) -> Result<(), NotifyError>;
    /// A private note with one button whose action id is `action`; where a platform has
    /// no buttons, the note alone.
    async fn tell_with(
        &self,
        who: &Identity,
        text: &str,
        _action: &str,
        _label: &str,
        key: &str,
    ) -> Result<(), NotifyError> {
        self.tell(who, text, key).await
    }
    /// A note in the thread under a posted message; nothing where a platform has no
    /// threads.
    async fn note_under(&self, _at: &Posted, _text: &str, _key: &str) -> Result<(), NotifyError> {
        Ok(())
    }
    /// Uploads `file` with `caption` at `at`. A platform that takes no files refuses,
    /// and the person gets a one-time link instead.
    async fn attach(
        &self,
        _at: &Spot,
        _file: &Written,
        _caption: &str,
        _key: &str,
    ) -> Result<(), NotifyError> {
        Err(NotifyError::Refused("this platform takes no files".into()))
    }
    /// Whether a request's quote follows its post on its own (`attach_under`); else
    /// the post carries it (`RequestView::quote`), or the platform shows no files.
    fn quote_apart(&self) -> bool {
        false
    }
    /// Uploads `file` under a posted message (a copy of an approval request): a file in
    /// its thread; nothing where a platform cannot.
    async fn attach_under(
        &self,
        _at: &Posted,
        _file: &Written,
        _caption: &str,
        _key: &str,
    ) -> Result<(), NotifyError> {
        Ok(())
    }
    /// Says `content`, the platform's own rendering of a reply, at `at` (a ticket
    /// reply in a thread, the answer in a direct conversation); `key` as for `post`.
    async fn say(
        &self,
        at: &Spot,
        content: &serde_json::Value,
        key: &str,
    ) -> Result<(), NotifyError>;
}
