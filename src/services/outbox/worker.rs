//! The delivery worker: claims due entries, sends each through its platform's port, and
//! records what came of it. A timeout or a 5xx is tried again later, exponentially
//! further apart with jitter; a 429 waits as long as the platform says; a refusal for
//! good (the channel is gone, the app is blocked) stops the entry, with a log line and
//! a metric. Entries whose worker died are taken up when its claim runs out.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use prometheus::{IntCounterVec, Opts};
use rand::Rng;

use super::message::{Copy, Message};
use crate::domain::account::Identity;
use crate::domain::approval::Posted;
use crate::engine::view::Document;
use crate::services::documents::handover::Papers;
use crate::services::notifier::{NotifyError, Place, RequestView};
use crate::services::outbound::Outbound;
use crate::store::outbox::Entry;
use crate::store::{Store, StoreError, now_ms};

/// How many entries one round claims (each a different destination).
const BATCH: i64 = 32;
/// How often an idle worker looks for entries written by other processes or due again.
const LOOK_EVERY: Duration = Duration::from_millis(500);
/// The first retry's delay, doubled per attempt up to `MAX_BACKOFF_MS`.
const FIRST_BACKOFF_MS: i64 = 1_000;
const MAX_BACKOFF_MS: i64 = 10 * 60_000;
/// An entry the platform keeps failing is given up this long after it was written.
const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;

/// Deliveries by platform, kind and result (`sent`, `skipped`, `retry`,
/// `rate_limited`, `failed`). `None` only if prometheus refused these constant options.
pub(crate) static DELIVERIES: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new(
            "checkout_bot_outbox_deliveries_total",
            "Outbox deliveries, by platform, kind and result",
        ),
        &["platform", "kind", "result"],
    )
    .ok()
});

fn count(e: &Entry, result: &str) {
    if let Some(c) = DELIVERIES.as_ref() {
        c.with_label_values(&[&e.platform, &e.kind, result]).inc();
    }
}

/// What renders approval requests when they are sent: the approvals service.
#[async_trait]
pub(crate) trait Requests: Send + Sync {
    /// The request as it reads now, with the decision it shows (`Approval::shown_key`);
    /// `None` when there is no such request.
    async fn current(
        &self,
        approval_id: &str,
        reminder: bool,
    ) -> Result<Option<(RequestView, String)>, StoreError>;
}

/// What one send came to.
#[derive(Debug)]
enum Outcome {
    Sent(Option<String>),
    Skipped(&'static str),
    Later(NotifyError),
}

pub(crate) struct Worker {
    store: Store,
    outbound: Outbound,
    requests: Arc<dyn Requests>,
    /// Writes documents when they are sent; without it, document entries are skipped.
    papers: Option<Arc<dyn Papers>>,
    /// Names this worker's claims: the process and a random part.
    id: String,
    /// The longest one send may take (`OUTBOX_SEND_TIMEOUT_SECS`).
    send_timeout: Duration,
}

impl Worker {
    pub(crate) fn new(store: Store, outbound: Outbound, requests: Arc<dyn Requests>) -> Self {
        Worker {
            store,
            outbound,
            requests,
            papers: None,
            id: format!("{}-{}", std::process::id(), crate::domain::ids::letters(8)),
            send_timeout: Duration::from_secs(60),
        }
    }

    /// Hands documents over with `papers`.
    pub(crate) fn with_papers(mut self, papers: Arc<dyn Papers>) -> Self {
        self.papers = Some(papers);
        self
    }

    /// Gives up on a send after `timeout`; claims hold half as long again.
    pub(crate) fn with_send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout.max(Duration::from_secs(1));
        self
    }

    /// How long a claim holds: longer than a send may take, so an entry is never sent
    /// by two workers at once.
    fn lease_ms(&self) -> i64 {
        i64::try_from(self.send_timeout.as_millis() * 3 / 2).unwrap_or(i64::MAX)
    }

    /// Runs for as long as the process lives.
    pub(crate) fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run().await })
    }

    async fn run(self) {
        let platforms = self.outbound.platforms();
        loop {
            let busy = match self.round(&platforms).await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "the outbox could not be read; trying again");
                    false
                }
            };
            if busy {
                continue;
            }
            let wait = match self.store.outbox_next_due(&platforms).await {
                Ok(Some(at)) => {
                    Duration::from_millis(u64::try_from((at - now_ms()).max(0)).unwrap_or(0))
                        .min(LOOK_EVERY)
                }
                _ => LOOK_EVERY,
            };
            if wait.is_zero() {
                // Due now, but held by a claim that has not run out: look again shortly.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            tokio::select! {
                _ = self.outbound.wait_written() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Claims what is due and sends it, destinations side by side; how many it claimed.
    pub(crate) async fn round(&self, platforms: &[String]) -> Result<usize, StoreError> {
        let claimed = self
            .store
            .claim_outbox(platforms, &self.id, now_ms(), self.lease_ms(), BATCH)
            .await?;
        let n = claimed.len();
        let sends = claimed.into_iter().map(|e| async move {
            let outcome = match tokio::time::timeout(self.send_timeout, self.send(&e)).await {
                Ok(Ok(o)) => o,
                Ok(Err(e)) => Outcome::Later(NotifyError::Platform(Box::new(e))),
                Err(_) => Outcome::Later(NotifyError::Platform("timed out".into())),
            };
            (e, outcome)
        });
        let mut sent = Vec::new();
        for (e, outcome) in futures_util::future::join_all(sends).await {
            match outcome {
                Outcome::Sent(at) => {
                    count(&e, "sent");
                    sent.push((e.id, at));
                }
                other => {
                    if let Err(err) = self.record(&e, other).await {
                        // The claim runs out and another round tries it again.
                        tracing::warn!(entry = %e.id, error = %err, "could not record an outbox delivery");
                    }
                }
            }
        }
        // What was sent is recorded in one statement: a busy round is one write, not one
        // per message.
        match self.store.outbox_sent_all(&self.id, &sent, now_ms()).await {
            Ok(recorded) if recorded.len() < sent.len() => {
                for (id, _) in sent.iter().filter(|(id, _)| !recorded.contains(id)) {
                    tracing::warn!(entry = %id, "an outbox entry was sent after its claim ran out");
                }
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(entries = sent.len(), error = %err, "could not record outbox deliveries")
            }
        }
        Ok(n)
    }

    async fn record(&self, e: &Entry, outcome: Outcome) -> Result<(), StoreError> {
        let now = now_ms();
        match outcome {
            Outcome::Sent(at) => {
                count(e, "sent");
                if !self
                    .store
                    .outbox_sent(&e.id, &self.id, at.as_deref(), now)
                    .await?
                {
                    tracing::warn!(entry = %e.id, "an outbox entry was sent after its claim ran out");
                }
            }
            Outcome::Skipped(why) => {
                count(e, "skipped");
                self.store.outbox_skipped(&e.id, &self.id, why, now).await?;
            }
            Outcome::Later(err) if err.permanent() => {
                count(e, "failed");
                tracing::error!(
                    entry = %e.id, platform = %e.platform, destination = %e.destination,
                    kind = %e.kind, error = %err,
                    "the platform refused an outbox entry for good; `checkout-bot outbox retry {}` sends it again",
                    e.id
                );
                self.store
                    .outbox_failed(&e.id, &self.id, &err.to_string(), now)
                    .await?;
            }
            Outcome::Later(err) if now - e.created_at > GIVE_UP_AFTER_MS => {
                count(e, "failed");
                tracing::error!(entry = %e.id, attempts = e.attempts, error = %err, "gave up on an outbox entry after a day of tries");
                self.store
                    .outbox_failed(&e.id, &self.id, &format!("gave up: {err}"), now)
                    .await?;
            }
            Outcome::Later(err) => {
                let (result, wait) = match &err {
                    NotifyError::RateLimited(Some(after)) => (
                        "rate_limited",
                        i64::try_from(after.as_millis()).unwrap_or(MAX_BACKOFF_MS)
                            + rand::rng().random_range(0..250),
                    ),
                    NotifyError::RateLimited(None) => ("rate_limited", backoff(e.attempts)),
                    _ => ("retry", backoff(e.attempts)),
                };
                count(e, result);
                tracing::info!(entry = %e.id, attempts = e.attempts, wait_ms = wait, error = %err, "an outbox entry will be tried again");
                self.store
                    .outbox_later(&e.id, &self.id, now + wait, &err.to_string())
                    .await?;
            }
        }
        Ok(())
    }

    async fn send(&self, e: &Entry) -> Result<Outcome, StoreError> {
        let message: Message = serde_json::from_str(&e.body)
            .map_err(|err| StoreError::Corrupt(format!("outbox entry {}: {err}", e.id)))?;
        if let Message::Reply {
            handle,
            content,
            replace,
        } = &message
        {
            return Ok(match self.outbound.updater(&e.platform) {
                Some(updater) => done(updater.send(handle, content, *replace).await),
                None => no_port(e),
            });
        }
        if let Message::Document { doc, to, place } = &message {
            return self.hand_over(e, doc, to, place).await;
        }
        let Some(notifier) = self.outbound.notifier(&e.platform) else {
            return Ok(no_port(e));
        };
        Ok(match message {
            Message::Note { to, text } => done(notifier.tell(&to, &text, &e.id).await),
            Message::Say { at, content } => done(notifier.say(&at, &content, &e.id).await),
            Message::ApprovalPost {
                approval_id,
                reminder,
                to,
            } => {
                let Some((mut view, shown)) = self.requests.current(&approval_id, reminder).await?
                else {
                    return Ok(Outcome::Skipped("the request is gone"));
                };
                // The quote the approver decides on comes with a request, not a reminder.
                // A quote that cannot be written never holds the request back.
                if let (false, Some(papers)) = (reminder, &self.papers) {
                    view.quote = match papers.quote_for_approval(&approval_id).await {
                        Ok(quote) => quote.map(|(_, file)| file),
                        Err(err) => {
                            tracing::warn!(approval = %approval_id, error = %err, "the request goes out without its quote");
                            None
                        }
                    };
                }
                match notifier.post(&to.into(), &view, &e.id).await {
                    Ok(at) => {
                        self.store
                            .add_approval_message(&approval_id, &at, Some(&shown))
                            .await?;
                        if view.quote.is_some() && notifier.quote_apart() {
                            // The quote the approver decides on goes under the request.
                            let quote = super::message::approval_quote(
                                &e.platform,
                                &e.destination,
                                &approval_id,
                                Copy::from(&at),
                            );
                            self.store.enqueue(&[quote], now_ms()).await?;
                        }
                        Outcome::Sent(Some(sent_ref(&at)))
                    }
                    Err(err) => Outcome::Later(err),
                }
            }
            Message::ApprovalEdit { approval_id, copy } => {
                let Some(at) = self.copy(&e.platform, &copy).await? else {
                    return Ok(Outcome::Skipped("the request was never posted there"));
                };
                let Some((view, shown)) = self.requests.current(&approval_id, false).await? else {
                    return Ok(Outcome::Skipped("the request is gone"));
                };
                // What a copy shows is recorded once it shows it (the answer to a click
                // paints the clicked copy), never claimed before: a worker that dies
                // mid-edit leaves the edit to the next one.
                let showing = self.store.approval_copy_shows(&approval_id, &at).await?;
                if showing.as_deref() == Some(shown.as_str()) {
                    return Ok(Outcome::Skipped("the copy shows it already"));
                }
                let edited = notifier.update(&at, &view).await;
                if edited.is_ok() {
                    self.store
                        .approval_copy_shown(&approval_id, &at, &shown)
                        .await?;
                }
                done(edited)
            }
            Message::Ask {
                to,
                text,
                action,
                label,
            } => done(notifier.tell_with(&to, &text, &action, &label, &e.id).await),
            Message::ThreadNote { copy, text } => {
                let Some(at) = self.copy(&e.platform, &copy).await? else {
                    return Ok(Outcome::Skipped("the request was never posted there"));
                };
                done(notifier.note_under(&at, &text, &e.id).await)
            }
            Message::ApprovalQuote { approval_id, copy } => {
                let Some(papers) = &self.papers else {
                    return Ok(Outcome::Skipped("this process writes no documents"));
                };
                let Some(at) = self.copy(&e.platform, &copy).await? else {
                    return Ok(Outcome::Skipped("the request was never posted there"));
                };
                let Some((doc, file)) = papers.quote_for_approval(&approval_id).await? else {
                    return Ok(Outcome::Skipped("the request is decided"));
                };
                let caption =
                    papers.text(&doc.locale, "document.quote_caption", &doc.file_name, "");
                done(notifier.attach_under(&at, &file, &caption, &e.id).await)
            }
            Message::Reply { .. } | Message::Document { .. } => no_port(e),
        })
    }

    /// Uploads a document a person asked for; where the platform cannot take it, sends
    /// them a one-time link instead.
    async fn hand_over(
        &self,
        e: &Entry,
        doc: &Document,
        to: &Identity,
        place: &Place,
    ) -> Result<Outcome, StoreError> {
        let Some(papers) = &self.papers else {
            return Ok(Outcome::Skipped("this process writes no documents"));
        };
        let Some(file) = papers.write(doc).await? else {
            return Ok(Outcome::Skipped("the order no longer has that document"));
        };
        let caption = papers.text(&doc.locale, "document.sent_caption", &file.file_name, "");
        let refused = || NotifyError::Refused(format!("{} cannot send here", e.platform));
        let sent = match place {
            Place::Handle(handle) => match self.outbound.updater(&e.platform) {
                Some(u) => u.attach(handle, &file, &caption).await,
                None => Err(refused()),
            },
            Place::At(spot) => match self.outbound.notifier(&e.platform) {
                Some(n) => n.attach(spot, &file, &caption, &e.id).await,
                None => Err(refused()),
            },
        };
        let err = match sent {
            Ok(()) => return Ok(Outcome::Sent(None)),
            Err(err) if !err.permanent() => return Ok(Outcome::Later(err)),
            Err(err) => err,
        };
        tracing::info!(entry = %e.id, error = %err, "a document could not be attached; sending a one-time link");
        let text = match papers.link(to, doc).await? {
            Some(url) => papers.text(&doc.locale, "document.link", &file.file_name, &url),
            None => papers.text(
                &doc.locale,
                "document.link_unavailable",
                &file.file_name,
                "",
            ),
        };
        // Privately: in place of the upload where the reply handle allows, else to the
        // person directly.
        if let (Place::Handle(handle), Some(u)) = (place, self.outbound.updater(&e.platform)) {
            let mut view = crate::engine::view::View::new("document", String::new());
            view.title = papers.text(&doc.locale, "document.page_title", "", "");
            view.body = text;
            let reply = crate::engine::view::Reply {
                document: None,
                notice: None,
                view,
            };
            return Ok(match u.render(&reply) {
                Ok(content) => done(u.send(handle, &content, false).await),
                Err(err) => Outcome::Later(err),
            });
        }
        Ok(match self.outbound.notifier(&e.platform) {
            Some(n) => done(n.tell(to, &text, &e.id).await),
            None => no_port(e),
        })
    }

    /// The message a copy is: where its post landed, `None` when it never will.
    async fn copy(&self, platform: &str, copy: &Copy) -> Result<Option<Posted>, StoreError> {
        Ok(match copy {
            Copy::At {
                platform,
                channel_id,
                message_id,
            } => Some(Posted {
                platform: platform.clone(),
                channel_id: channel_id.clone(),
                message_id: message_id.clone(),
            }),
            Copy::Post(id) => self
                .store
                .outbox_entry(id)
                .await?
                .and_then(|p| p.sent_ref)
                .and_then(|r| {
                    let (channel, message) = r.split_once(' ')?;
                    Some(Posted {
                        platform: platform.to_string(),
                        channel_id: channel.to_string(),
                        message_id: message.to_string(),
                    })
                }),
        })
    }
}

/// What a send that returns nothing came to.
fn done(sent: Result<(), NotifyError>) -> Outcome {
    match sent {
        Ok(()) => Outcome::Sent(None),
        Err(err) => Outcome::Later(err),
    }
}

/// An entry for a platform this process has no port for (it is tried again later, by
/// this process or one that has it).
fn no_port(e: &Entry) -> Outcome {
    Outcome::Later(NotifyError::Platform(
        format!("this process cannot send on {}", e.platform).into(),
    ))
}

fn sent_ref(at: &Posted) -> String {
    format!("{} {}", at.channel_id, at.message_id)
}

/// The wait before try `attempts + 1`: doubling from a second up to ten minutes, each
/// a random half to whole of that, so workers that failed together do not retry together.
fn backoff(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let ceiling = FIRST_BACKOFF_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_MS);
    rand::rng().random_range(ceiling / 2..=ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_ten_minutes() {
        for _ in 0..200 {
            let first = backoff(1);
            assert!((500..=1_000).contains(&first), "{first}");
            let fourth = backoff(4);
            assert!((4_000..=8_000).contains(&fourth), "{fourth}");
            let late = backoff(40);
            assert!(
                (MAX_BACKOFF_MS / 2..=MAX_BACKOFF_MS).contains(&late),
                "{late}"
            );
        }
    }
}
