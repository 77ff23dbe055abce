//! Messages the bot sends on its own, outside an answer to an interaction: approval
//! requests to a channel or to each approver, updates of those requests, and private
//! notes to a person. The platform's implementation lives in its channel.

use async_trait::async_trait;

use crate::domain::account::Identity;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recipient {
    /// The organization's approval channel.
    Channel(String),
    /// One person, privately.
    Person(Identity),
}

pub(crate) use crate::domain::approval::Posted;

/// An approval request as people see it, whatever the platform: the text, and whether
/// it can still be decided (then it carries Approve, Reject and Details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    pub(crate) approval_id: String,
    pub(crate) title: String,
    pub(crate) body: String,
    /// (label, value) pairs: requester, PO, lines, assignments, payment, totals.
    pub(crate) fields: Vec<(String, String)>,
    /// How it ended ("Approved by … at …"); `None` while it waits.
    pub(crate) outcome: Option<String>,
    pub(crate) approve: String,
    pub(crate) reject: String,
    pub(crate) details: String,
}

impl RequestView {
    pub(crate) fn open(&self) -> bool {
        self.outcome.is_none()
    }
}

/// Why a message could not be posted, updated or sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotifyError {
    /// A channel, person or message id that is not one on this platform.
    #[error("'{0}' is not an address on this platform")]
    BadAddress(String),
    /// The platform refused or could not be reached; the source says which.
    #[error("the platform did not take it: {0}")]
    Platform(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub(crate) trait Notifier: Send + Sync {
    /// The platform whose identities and channels this reaches, such as `console`.
    fn platform(&self) -> String;
    async fn post(&self, to: &Recipient, request: &RequestView) -> Result<Posted, NotifyError>;
    async fn update(&self, at: &Posted, request: &RequestView) -> Result<(), NotifyError>;
    /// A private note to one person.
    async fn tell(&self, who: &Identity, text: &str) -> Result<(), NotifyError>;
}
