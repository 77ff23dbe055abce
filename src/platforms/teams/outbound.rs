//! Teams' outbound port for the outbox, through the connector:
//! - replies said in a conversation;
//! - approval requests: posted to the organization's approval conversation, else to
//!   each decider's personal chat with the bot, and drawn again in place (`PUT`);
//! - private notes, in the person's personal chat, which is opened when there is none
//!   yet (Teams has no message only one person of a channel sees);
//! - notes under a request, as replies in its channel thread.
//!
//! Where to send is what the directory learned from verified activities: a tenant's or
//! a conversation's service URL, a person's Teams user id. Files cannot be attached by
//! a bot, so a document goes as a one-time link (the default `attach` refuses).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::approvals::{self, Shown};
use super::connector::Connector;
use super::directory::Directory;
use super::{PLATFORM, identity, render};
use crate::domain::account::Identity;
use crate::engine::view::Reply;
use crate::services::notifier::{Notifier, NotifyError, Posted, Recipient, RequestView, Spot};
use crate::services::outbound::ReplyUpdater;

/// What a Teams reply waits in the outbox as: the conversation's service URL and the
/// activity to send there.
pub(crate) fn content(service_url: &str, activity: Value) -> Value {
    json!({"serviceUrl": service_url, "activity": activity})
}

/// The handle of a message the bot sent, to draw it again (`TeamsReplies`).
pub(crate) fn handle(service_url: &str, conversation: &str, activity: &str) -> String {
    json!({"serviceUrl": service_url, "conversation": conversation, "activity": activity})
        .to_string()
}

/// Draws a card the bot sent again, through its handle (`handle`): the card a dialog
/// came from, once the dialog's form is accepted.
pub(crate) struct TeamsReplies {
    connector: Arc<Connector>,
}

impl TeamsReplies {
    pub(crate) fn new(connector: Arc<Connector>) -> Self {
        TeamsReplies { connector }
    }
}

#[async_trait]
impl ReplyUpdater for TeamsReplies {
    fn platform(&self) -> String {
        PLATFORM.into()
    }

    fn render(&self, reply: &Reply) -> Result<Value, NotifyError> {
        Ok(render::message(reply))
    }

    async fn send(&self, handle: &str, content: &Value, replace: bool) -> Result<(), NotifyError> {
        let h: Value = serde_json::from_str(handle)
            .map_err(|_| NotifyError::BadAddress("a Teams reply handle".into()))?;
        let (Some(url), Some(conversation), Some(activity)) = (
            h["serviceUrl"].as_str(),
            h["conversation"].as_str(),
            h["activity"].as_str(),
        ) else {
            return Err(NotifyError::BadAddress("a Teams reply handle".into()));
        };
        if replace {
            self.connector
                .update(url, conversation, activity, content)
                .await
        } else {
            self.connector
                .send(url, conversation, None, content)
                .await
                .map(|_| ())
        }
    }
}

/// A reply for one person of a conversation only: said in their personal chat.
pub(crate) fn private(tenant: &str, activity: Value) -> Value {
    json!({"tenant": tenant, "activity": activity})
}

pub(crate) struct TeamsNotifier {
    connector: Arc<Connector>,
    /// Held while a personal chat is opened, so two messages to one person sent side by
    /// side open it once.
    opening: tokio::sync::Mutex<()>,
}

impl TeamsNotifier {
    pub(crate) fn new(connector: Arc<Connector>) -> Self {
        TeamsNotifier {
            connector,
            opening: tokio::sync::Mutex::new(()),
        }
    }

    fn directory(&self) -> &Directory {
        &self.connector.directory
    }

    /// The service URL of `conversation`, which a verified activity must have named.
    async fn url_of(&self, conversation: &str) -> Result<String, NotifyError> {
        self.directory()
            .conversation_url(conversation)
            .await
            .ok_or_else(|| {
                NotifyError::Refused(format!(
                    "Teams conversation {conversation}: no activity came from it yet (mention the bot there once)"
                ))
            })
    }

    /// `who`'s personal chat with the bot and its service URL, opened if need be.
    async fn chat(&self, who: &Identity) -> Result<(String, String), NotifyError> {
        if who.platform != PLATFORM {
            return Err(NotifyError::BadAddress(who.to_string()));
        }
        let d = self.directory();
        let url = d.tenant_url(&who.workspace).await.ok_or_else(|| {
            NotifyError::Refused(format!(
                "tenant {}: nobody there has written to the bot yet",
                who.workspace
            ))
        })?;
        if let Some(chat) = d.chat(&who.workspace, &who.user).await {
            let url = d.conversation_url(&chat).await.unwrap_or(url);
            return Ok((url, chat));
        }
        let _opening = self.opening.lock().await;
        if let Some(chat) = d.chat(&who.workspace, &who.user).await {
            return Ok((url, chat));
        }
        // Teams takes the Entra object id as a member where the user id is unknown.
        let member = d
            .user_id(&who.workspace, &who.user)
            .await
            .unwrap_or_else(|| who.user.clone());
        let chat = self
            .connector
            .open_chat(&url, &who.workspace, &member)
            .await?;
        d.keep_chat(&who.workspace, &who.user, &chat, &url).await;
        Ok((url, chat))
    }

    /// The card a copy of `request` shows in `conversation`: in a personal chat, its
    /// one reader's view with the buttons; elsewhere the base card.
    async fn request_card(&self, request: &RequestView, personal: bool) -> Value {
        let ids = approvals::user_ids(self.directory(), request).await;
        let shown = if personal {
            Shown::Decide
        } else {
            Shown::State
        };
        super::cards::card_message(approvals::card(request, shown, &ids, None))
    }
}

#[async_trait]
impl Notifier for TeamsNotifier {
    fn platform(&self) -> String {
        PLATFORM.into()
    }

    /// Deciders see Approve and Reject on their own view of a channel's request.
    fn shows_own_views(&self) -> bool {
        true
    }

    fn open(&self, store: &crate::store::Store) {
        self.directory().open(store);
    }

    async fn post(
        &self,
        to: &Recipient,
        request: &RequestView,
        _key: &str,
    ) -> Result<Posted, NotifyError> {
        // Teams cannot tell a repeated post; the outbox records the id it answers and
        // never posts that entry again.
        let (url, conversation, personal) = match to {
            Recipient::Channel(c) => (self.url_of(c).await?, c.clone(), false),
            Recipient::Person(who) => {
                let (url, chat) = self.chat(who).await?;
                (url, chat, true)
            }
        };
        let activity = self.request_card(request, personal).await;
        let id = self
            .connector
            .send(&url, &conversation, None, &activity)
            .await?
            .ok_or_else(|| NotifyError::Platform("the connector named no activity".into()))?;
        Ok(Posted {
            platform: PLATFORM.into(),
            channel_id: conversation,
            message_id: id,
        })
    }

    async fn update(&self, at: &Posted, request: &RequestView) -> Result<(), NotifyError> {
        let url = self.url_of(&at.channel_id).await?;
        let personal = self.directory().chat_of(&at.channel_id).await.is_some();
        let activity = self.request_card(request, personal).await;
        self.connector
            .update(&url, &at.channel_id, &at.message_id, &activity)
            .await
    }

    async fn tell(&self, who: &Identity, text: &str, _key: &str) -> Result<(), NotifyError> {
        let (url, chat) = self.chat(who).await?;
        self.connector
            .send(&url, &chat, None, &render::note(text))
            .await?;
        Ok(())
    }

    async fn tell_with(
        &self,
        who: &Identity,
        text: &str,
        action: &str,
        label: &str,
        _key: &str,
    ) -> Result<(), NotifyError> {
        let (url, chat) = self.chat(who).await?;
        let card = super::cards::card_message(approvals::note_with(text, action, label));
        self.connector.send(&url, &chat, None, &card).await?;
        Ok(())
    }

    /// A reply in the request's thread; a personal chat has no threads.
    async fn note_under(&self, at: &Posted, text: &str, _key: &str) -> Result<(), NotifyError> {
        let url = self.url_of(&at.channel_id).await?;
        let personal = self.directory().chat_of(&at.channel_id).await.is_some();
        let reply_to = (!personal).then_some(at.message_id.as_str());
        self.connector
            .send(&url, &at.channel_id, reply_to, &render::note(text))
            .await?;
        Ok(())
    }

    /// The reply `content` (see `content`) in the conversation `at.channel`, in reply
    /// to the activity `at.thread`; for one person only (`private`), in their personal
    /// chat.
    async fn say(&self, at: &Spot, content: &Value, _key: &str) -> Result<(), NotifyError> {
        if let Some(user) = &at.only_for {
            let tenant = content["tenant"].as_str().ok_or_else(|| {
                NotifyError::BadAddress("a private reply without a tenant".into())
            })?;
            let (url, chat) = self.chat(&identity(tenant, user)).await?;
            self.connector
                .send(&url, &chat, None, &content["activity"])
                .await?;
            return Ok(());
        }
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
