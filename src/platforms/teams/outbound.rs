//! Teams' outbound port for the outbox: replies said in a conversation through the
//! connector. Approval requests, private notes and files in Teams come with the Teams
//! approvals (issue 29's second part); until then the port refuses them, so they are
//! recorded as failed rather than lost without a word.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::PLATFORM;
use super::connector::Connector;
use crate::domain::account::Identity;
use crate::services::notifier::{Notifier, NotifyError, Posted, Recipient, RequestView, Spot};

/// What a Teams reply waits in the outbox as: the conversation's service URL and the
/// activity to send there.
pub(crate) fn content(service_url: &str, activity: Value) -> Value {
    json!({"serviceUrl": service_url, "activity": activity})
}

pub(crate) struct TeamsNotifier {
    connector: Arc<Connector>,
}

impl TeamsNotifier {
    pub(crate) fn new(connector: Arc<Connector>) -> Self {
        TeamsNotifier { connector }
    }
}

fn not_yet(what: &str) -> NotifyError {
    NotifyError::Refused(format!("{what} on Teams are not built yet"))
}

#[async_trait]
impl Notifier for TeamsNotifier {
    fn platform(&self) -> String {
        PLATFORM.into()
    }

    async fn post(
        &self,
        _to: &Recipient,
        _request: &RequestView,
        _key: &str,
    ) -> Result<Posted, NotifyError> {
        Err(not_yet("approval requests"))
    }

    async fn update(&self, _at: &Posted, _request: &RequestView) -> Result<(), NotifyError> {
        Err(not_yet("approval requests"))
    }

    async fn tell(&self, _who: &Identity, _text: &str, _key: &str) -> Result<(), NotifyError> {
        Err(not_yet("private notes"))
    }

    /// The reply `content` (see `content`) in the conversation `at.channel`, in reply
    /// to the activity `at.thread`.
    async fn say(&self, at: &Spot, content: &Value, _key: &str) -> Result<(), NotifyError> {
        let service_url = content["serviceUrl"]
            .as_str()
            .ok_or_else(|| NotifyError::BadAddress("a reply without a service URL".into()))?;
        self.connector
            .send(
                service_url,
                &at.channel,
                at.thread.as_deref(),
                &content["activity"],
            )
            .await?;
        Ok(())
    }
}
