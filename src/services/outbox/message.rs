//! What an outbox entry says, as JSON in its body, and the entries each kind of message
//! makes: where it goes (its destination, which orders it), what it is about, and the
//! key that makes writing it twice write it once.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::account::Identity;
use crate::domain::approval::Posted;
use crate::engine::view::Document;
use crate::services::notifier::{Place, Recipient, Spot};
use crate::store::outbox::NewEntry;

/// The kinds, as stored.
pub(crate) const POST: &str = "post";
pub(crate) const EDIT: &str = "edit";
pub(crate) const NOTE: &str = "note";
pub(crate) const REPLY: &str = "reply";
pub(crate) const EPHEMERAL: &str = "ephemeral";
pub(crate) const DOCUMENT: &str = "document";

/// An entry's content. Approval requests are rendered when they are sent, so a request
/// sent late shows how it stands then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Message {
    /// An approval request (or its reminder) to a channel or a person.
    ApprovalPost {
        approval_id: String,
        reminder: bool,
        to: To,
    },
    /// An edit of one posted copy of a request, to show how it stands now.
    ApprovalEdit { approval_id: String, copy: Copy },
    /// A private note to a person.
    Note { to: Identity, text: String },
    /// A private note with one button (a question's Answer).
    Ask {
        to: Identity,
        text: String,
        action: String,
        label: String,
    },
    /// A note in the thread under one copy of a request.
    ThreadNote { copy: Copy, text: String },
    /// A document a person asked for, uploaded at `place` when it is sent; where the
    /// platform cannot take the file, a one-time link to `to` instead.
    Document {
        doc: Document,
        to: Identity,
        place: Place,
    },
    /// The quote an approver decides on, under one posted copy of its request.
    ApprovalQuote { approval_id: String, copy: Copy },
    /// A reply said in a channel (a thread, a direct conversation), as the platform
    /// rendered it.
    Say {
        at: Spot,
        content: serde_json::Value,
    },
    /// An update of a reply shown earlier, through the handle its event gave, with the
    /// platform's own rendering of it.
    Reply {
        handle: String,
        content: serde_json::Value,
        /// Whether it replaces the message the handle came with (else it is a new one).
        #[serde(default = "replaces")]
        replace: bool,
    },
}

/// Where a request goes (`Recipient`, as stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum To {
    Channel(String),
    Person(Identity),
}

impl From<&Recipient> for To {
    fn from(r: &Recipient) -> Self {
        match r {
            Recipient::Channel(c) => To::Channel(c.clone()),
            Recipient::Person(p) => To::Person(p.clone()),
        }
    }
}

impl From<To> for Recipient {
    fn from(t: To) -> Self {
        match t {
            To::Channel(c) => Recipient::Channel(c),
            To::Person(p) => Recipient::Person(p),
        }
    }
}

/// Which copy of a request an edit is for: the post entry that sends it, or a copy
/// posted before the outbox existed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Copy {
    Post(String),
    At {
        platform: String,
        channel_id: String,
        message_id: String,
    },
}

impl Copy {
    /// Which copy, in dedup keys: the post entry, or where the message is.
    fn key(&self) -> String {
        match self {
            Copy::Post(id) => id.clone(),
            Copy::At {
                channel_id,
                message_id,
                ..
            } => format!("{channel_id}/{message_id}"),
        }
    }
}

impl From<&Posted> for Copy {
    fn from(p: &Posted) -> Self {
        Copy::At {
            platform: p.platform.clone(),
            channel_id: p.channel_id.clone(),
            message_id: p.message_id.clone(),
        }
    }
}

fn person(who: &Identity) -> String {
    format!("person:{}:{}", who.workspace, who.user)
}

/// The destination of a request to `to`: notes and requests to one person share it.
pub(crate) fn destination(to: &Recipient) -> String {
    match to {
        Recipient::Channel(c) => format!("channel:{c}"),
        Recipient::Person(p) => person(p),
    }
}

fn entry(
    platform: &str,
    destination: String,
    kind: &str,
    subject: &str,
    m: &Message,
    key: String,
) -> NewEntry {
    NewEntry {
        platform: platform.to_string(),
        destination,
        kind: kind.to_string(),
        subject: subject.to_string(),
        // A `Message` is strings and booleans: it always serializes.
        body: serde_json::to_string(m).unwrap_or_default(),
        dedup_key: key,
    }
}

/// A request (`reminder`: its reminder) to `to` on `platform`, once per `occasion`
/// (which step opened, or was escalated; empty for a request's first).
pub(crate) fn approval_post(
    platform: &str,
    approval_id: &str,
    to: &Recipient,
    reminder: bool,
    occasion: &str,
) -> NewEntry {
    let dest = destination(to);
    let which = if reminder { "reminder" } else { "request" };
    let key = format!("{POST}:{approval_id}:{platform}:{dest}:{which}{occasion}");
    let m = Message::ApprovalPost {
        approval_id: approval_id.to_string(),
        reminder,
        to: to.into(),
    };
    entry(platform, dest, POST, approval_id, &m, key)
}

/// The edit of one copy to show the decision `shown`, once per copy and decision.
pub(crate) fn approval_edit(
    platform: &str,
    destination: &str,
    approval_id: &str,
    copy: Copy,
    shown: &str,
) -> NewEntry {
    let key = format!("{EDIT}:{approval_id}:{}:{shown}", copy.key());
    let m = Message::ApprovalEdit {
        approval_id: approval_id.to_string(),
        copy,
    };
    entry(
        platform,
        destination.to_string(),
        EDIT,
        approval_id,
        &m,
        key,
    )
}

/// A note to `who` with one button (`action`, `label`); `key` as for `note`.
pub(crate) fn ask(
    who: &Identity,
    subject: &str,
    text: &str,
    action: &str,
    label: &str,
    key: &str,
) -> NewEntry {
    let m = Message::Ask {
        to: who.clone(),
        text: text.to_string(),
        action: action.to_string(),
        label: label.to_string(),
    };
    let key = format!("{NOTE}:{key}:{}:{}", who.platform, person(who));
    entry(&who.platform, person(who), NOTE, subject, &m, key)
}

/// A note in the thread under one copy of request `approval_id`, once per `key`.
pub(crate) fn thread_note(
    platform: &str,
    destination: &str,
    approval_id: &str,
    copy: Copy,
    text: &str,
    key: &str,
) -> NewEntry {
    let which = match &copy {
        Copy::Post(id) => id.clone(),
        Copy::At {
            channel_id,
            message_id,
            ..
        } => format!("{channel_id}/{message_id}"),
    };
    let m = Message::ThreadNote {
        copy,
        text: text.to_string(),
    };
    let key = format!("{NOTE}:{key}:{which}");
    entry(
        platform,
        destination.to_string(),
        NOTE,
        approval_id,
        &m,
        key,
    )
}

/// A note to `who`; `key` names the news, so the same news is noted once.
pub(crate) fn note(who: &Identity, subject: &str, text: &str, key: &str) -> NewEntry {
    let m = Message::Note {
        to: who.clone(),
        text: text.to_string(),
    };
    let key = format!("{NOTE}:{key}:{}:{}", who.platform, person(who));
    entry(&who.platform, person(who), NOTE, subject, &m, key)
}

fn replaces() -> bool {
    true
}

/// An answer through the reply handle `handle`: replacing the message it came with, or
/// (`replace` false) a new one. The handle is a credential: the key carries a digest of
/// it, and the body holding it is emptied once sent. Answers to one person go in order
/// (`who`), so a late retry never paints over a newer answer; without a person, the
/// handle's own answers do.
pub(crate) fn reply(
    platform: &str,
    handle: &str,
    content: serde_json::Value,
    replace: bool,
    who: Option<&Identity>,
) -> NewEntry {
    let digest = hex::encode(&Sha256::digest(handle.as_bytes())[..12]);
    let m = Message::Reply {
        handle: handle.to_string(),
        content,
        replace,
    };
    let key = format!("{REPLY}:{digest}:{}", crate::domain::ids::new_id("upd"));
    let dest = who.map_or_else(|| format!("reply:{digest}"), person);
    entry(platform, dest, REPLY, "reply", &m, key)
}

/// A reply said at `at` on `platform`: an ephemeral message when it is for one person.
pub(crate) fn say(platform: &str, at: Spot, content: serde_json::Value) -> NewEntry {
    let kind = if at.only_for.is_some() {
        EPHEMERAL
    } else {
        POST
    };
    let dest = format!("channel:{}", at.channel);
    let key = format!("say:{}", crate::domain::ids::new_id("say"));
    let m = Message::Say { at, content };
    entry(platform, dest, kind, "chat", &m, key)
}

/// The document `doc` for `who`, uploaded at `place`, in order with what else goes to
/// them. Every ask is its own entry: asking twice is meant.
pub(crate) fn document(platform: &str, who: &Identity, doc: &Document, place: Place) -> NewEntry {
    let key = format!("{DOCUMENT}:{}", crate::domain::ids::new_id("doc"));
    let m = Message::Document {
        doc: doc.clone(),
        to: who.clone(),
        place,
    };
    entry(platform, person(who), DOCUMENT, &doc.order, &m, key)
}

/// The quote under the copy `copy` of request `approval_id`, once per copy; it goes to
/// `destination` after the post it hangs under.
pub(crate) fn approval_quote(
    platform: &str,
    destination: &str,
    approval_id: &str,
    copy: Copy,
) -> NewEntry {
    let key = format!("quote:{approval_id}:{}", copy.key());
    let m = Message::ApprovalQuote {
        approval_id: approval_id.to_string(),
        copy,
    };
    entry(
        platform,
        destination.to_string(),
        DOCUMENT,
        approval_id,
        &m,
        key,
    )
}
