//! One event in, one reply out: resolves who is talking, loads their session, runs the
//! engine, and saves the result with a revision check, retrying if another event for
//! the same user won the race. Channels call this and nothing below it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use tokio::sync::RwLock;

use crate::config::Config;
use crate::demo;
use crate::domain::account::Identity;
use crate::domain::catalog::Catalog;
use crate::engine::backend::BackendError;
use crate::engine::event::{Command, Event};
use crate::engine::session::Session;
use crate::engine::view::{Notice, Reply};
use crate::engine::{Ctx, Engine};
pub(crate) use crate::failure::Failure;
use crate::prompts::Prompts;
use crate::services::approvals::Approvals;
use crate::services::outbound::Outbound;
use crate::services::payments::Payments;
use crate::services::shop::Shop;
use crate::store::{Store, StoreError, StoredSession, now_ms};

mod accounts;
mod documents;
mod gate;
pub(crate) mod home;
mod suggestions;

/// How often a process checks whether another one imported a new catalog.
const CATALOG_CHECK_MS: i64 = 5_000;
/// How often a serving process looks for approval reminders and expiries.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// How often the clean-up (`Store::collect_garbage`) runs, in one process of all.
const CLEAN_UP_EVERY_MS: i64 = 24 * 3_600_000;
/// Attempts before a user whose events keep colliding is asked to try again.
const MAX_ATTEMPTS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("{0} is not linked to an account and demo mode is off")]
    NotLinked(Identity),
    #[error("no catalog has been imported")]
    NoCatalog,
    #[error("gave up after {MAX_ATTEMPTS} conflicting attempts")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("backend: {0}")]
    Backend(#[from] BackendError),
}

/// Whether `e`, or anything that caused it, is a database constraint's refusal.
fn violates_constraint(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut at = Some(e);
    while let Some(e) = at {
        if let Some(sqlx::Error::Database(db)) = e.downcast_ref::<sqlx::Error>()
            && !matches!(db.kind(), sqlx::error::ErrorKind::Other)
        {
            return true;
        }
        // A transparent wrapper's source skips the error it wraps: look inside.
        at = match e.downcast_ref::<BackendError>() {
            Some(BackendError::Failed(inner)) => Some(inner.as_ref()),
            _ => e.source(),
        };
    }
    false
}

impl From<crate::signin::chat::GateError> for BotError {
    fn from(e: crate::signin::chat::GateError) -> Self {
        match e {
            crate::signin::chat::GateError::NotLinked(who) => BotError::NotLinked(who),
            crate::signin::chat::GateError::Store(e) => BotError::Store(e),
        }
    }
}

impl BotError {
    /// What the user is told when the bot refused rather than failed: a prompt key for
    /// a short text with what to do next. `None` for a failure of the store or a service,
    /// which is told through `Failure::internal`.
    pub(crate) fn refusal(&self) -> Option<&'static str> {
        match self {
            BotError::NotLinked(_) => Some("error.not_linked"),
            BotError::NoCatalog => Some("error.no_catalog"),
            BotError::Contended => Some("error.busy"),
            // A constraint refused a write: something it refers to is gone or changed
            // (an organization removed, a row written twice), not our failure to report.
            e @ (BotError::Store(_) | BotError::Backend(_)) if violates_constraint(e) => {
                Some("error.conflict")
            }
            BotError::Store(_) | BotError::Backend(_) => None,
        }
    }
}

/// Whether anything the user typed with the event looks like a card number. Only typed
/// text and form fields count: action ids and select values are the bot's own, and
/// anything forged in them is refused by the engine without being stored.
fn carries_card_number(event: &Event) -> bool {
    use crate::domain::card::contains_card_number as card;
    match event {
        Event::Text(t) => card(t),
        Event::Command(Command::Buy(Some(t)) | Command::Unknown(t)) => card(t),
        Event::Submit { fields, .. } | Event::Draft { fields, .. } => {
            fields.values().any(|v| card(v))
        }
        Event::Start
        | Event::CardAdded { .. }
        | Event::Command(_)
        | Event::Click { .. }
        | Event::Choose { .. } => false,
    }
}

pub struct Bot {
    store: Store,
    backend: Shop,
    approvals: Arc<Approvals>,
    outbound: Outbound,
    engine: Engine,
    config: Config,
    catalog: RwLock<Option<(i64, Arc<Catalog>)>>,
    catalog_checked: AtomicI64,
    /// Identities whose account is named by their raw user id (just enrolled in demo
    /// mode, or added with `members add` and no --name), until their channel names them
    /// right after the event: only the event's own answer reads it.
    unnamed: std::sync::Mutex<std::collections::HashSet<Identity>>,
    /// Identities whose account name this process has looked at: once per process, so
    /// the check costs one read per person, not one per event.
    name_checked: std::sync::Mutex<std::collections::HashSet<Identity>>,
    signin: crate::signin::SignIn,
    /// Writes documents for the terminal, the outbox and document links.
    papers: Arc<crate::services::documents::handover::Handover>,
    /// With Stripe: customers and SetupIntents for the card page.
    stripe: Option<Arc<crate::services::stripe::StripeGateway>>,
    /// The outbox's delivery worker, in a process that sends on some platform.
    delivery: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Some(worker) = &self.delivery {
            worker.abort();
        }
    }
}

impl Bot {
    /// A bot with the configured payment gateway (`PAYMENT_GATEWAY`) that reaches no chat
    /// platform on its own.
    pub fn new(store: Store, config: Config) -> Result<Bot, anyhow::Error> {
        let g = crate::services::gateway::gateway(&config.payments)?;
        Ok(Bot::with_payments(store, config, g.payments)?.with_stripe(g.stripe))
    }

    /// A bot that charges cards through `payments`.
    pub fn with_payments(
        store: Store,
        config: Config,
        payments: Arc<dyn Payments>,
    ) -> Result<Bot, anyhow::Error> {
        Bot::with_parts(store, config, payments, Outbound::default())
    }

    /// A bot that charges through `payments` and sends, outside answers, through the
    /// platforms registered in `outbound`.
    pub(crate) fn with_parts(
        store: Store,
        config: Config,
        payments: Arc<dyn Payments>,
        outbound: Outbound,
    ) -> Result<Bot, anyhow::Error> {
        let prompts = Arc::new(Prompts::embedded()?);
        let approvals = Arc::new(Approvals::new(
            store.clone(),
            payments.clone(),
            outbound.clone(),
            prompts.clone(),
            config.approval_settings(),
        ));
        let signin = crate::signin::SignIn::new(&config.signin, &config.public_url)?;
        let papers = Arc::new(crate::services::documents::handover::Handover::new(
            store.clone(),
            prompts.clone(),
            config.seller(),
            &config.public_url,
            &config.default_locale,
        ));
        Ok(Bot {
            signin,
            papers,
            stripe: None,
            engine: Engine::new(prompts, config.settings()),
            backend: Shop::with_public_url(store.clone(), payments, &config.public_url)
                .quotes_valid_for(config.quote_valid_days)
                .with_approvals(approvals.clone()),
            approvals,
            outbound,
            store,
            config,
            catalog: RwLock::new(None),
            catalog_checked: AtomicI64::new(0),
            unnamed: Default::default(),
            name_checked: Default::default(),
            delivery: None,
        })
    }

    /// Opens the store, seeding demo data in demo mode, and builds the bot.
    pub async fn start(config: Config) -> Result<Bot, anyhow::Error> {
        Bot::start_with(config, Outbound::default()).await
    }

    /// Like `start`, sending through the platforms registered in `outbound`: the outbox
    /// worker runs for as long as the bot, when there is a platform to send on.
    pub async fn start_with(config: Config, outbound: Outbound) -> Result<Bot, anyhow::Error> {
        let mut bot = Bot::open(config, outbound).await?;
        for n in bot.outbound.notifiers() {
            n.open(&bot.store);
        }
        if !bot.outbound.platforms().is_empty() {
            let worker = crate::services::outbox::Worker::new(
                bot.store.clone(),
                bot.outbound.clone(),
                bot.approvals.clone(),
            )
            .with_papers(bot.papers.clone())
            .with_send_timeout(std::time::Duration::from_secs(u64::from(
                bot.config.outbox_send_timeout_secs,
            )));
            bot.delivery = Some(worker.spawn());
        }
        Ok(bot)
    }

    async fn open(mut config: Config, outbound: Outbound) -> Result<Bot, anyhow::Error> {
        let store = Store::connect(&config.database_url).await?;
        // Demo data goes only into an empty database, and demo enrolment only into the
        // demo organizations: with an operator's own data, demo mode would enrol people
        // into organizations that do not exist.
        if config.demo_mode && !demo::seed_if_empty(&store).await? && !demo::present(&store).await?
        {
            tracing::warn!(
                "DEMO_MODE is on, but the database holds your own organizations and catalog: \
                 no demo data was loaded and nobody is enrolled as a demo buyer. Set DEMO_MODE=false."
            );
            config.demo_mode = false;
        }
        let g = crate::services::gateway::gateway(&config.payments)?;
        Ok(Bot::with_parts(store, config, g.payments, outbound)?.with_stripe(g.stripe))
    }

    /// Signs people in with `signin` (in tests: a mailer stand-in).
    #[cfg(test)]
    pub(crate) fn with_signin(mut self, signin: crate::signin::SignIn) -> Bot {
        self.signin = signin;
        self
    }

    /// Uses `stripe` for the card page (the gateway that charges is the same one).
    pub(crate) fn with_stripe(
        mut self,
        stripe: Option<Arc<crate::services::stripe::StripeGateway>>,
    ) -> Bot {
        self.stripe = stripe;
        self
    }

    /// Stripe's card-page side, when Stripe is the gateway.
    pub fn stripe(&self) -> Option<&crate::services::stripe::StripeGateway> {
        self.stripe.as_deref()
    }

    /// How people sign in from chat.
    pub(crate) fn signin(&self) -> &crate::signin::SignIn {
        &self.signin
    }

    /// The platforms the bot can reach outside an answer.
    pub(crate) fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    /// Answers through the reply handle `handle` (a response URL) via the outbox:
    /// `content` is `platform`'s own rendering; answers to `who` go in order.
    pub(crate) async fn answer_later(
        &self,
        platform: &str,
        handle: &str,
        content: serde_json::Value,
        replace: bool,
        who: Option<&Identity>,
    ) -> Result<(), anyhow::Error> {
        if self.outbound.updater(platform).is_none() {
            anyhow::bail!("this process cannot answer on {platform}");
        }
        self.send_later(crate::services::outbox::message::reply(
            platform, handle, content, replace, who,
        ))
        .await
    }

    /// Says `content` (`platform`'s own rendering of a reply) at `at` through the
    /// outbox: retried until the platform takes it, in order with what else goes there.
    pub(crate) async fn say(
        &self,
        platform: &str,
        at: crate::services::notifier::Spot,
        content: serde_json::Value,
    ) -> Result<(), anyhow::Error> {
        if self.outbound.notifier(platform).is_none() {
            anyhow::bail!("this process cannot send on {platform}");
        }
        self.send_later(crate::services::outbox::message::say(platform, at, content))
            .await
    }

    /// Writes `entry` to the outbox and wakes this process's worker.
    async fn send_later(&self, entry: crate::store::outbox::NewEntry) -> Result<(), anyhow::Error> {
        self.store.enqueue(&[entry], now_ms()).await?;
        self.outbound.written();
        Ok(())
    }

    pub fn payments(&self) -> Arc<dyn Payments> {
        self.backend.payments()
    }

    pub fn approvals(&self) -> &Arc<Approvals> {
        &self.approvals
    }

    /// Runs the approvals' reminders and expiry every `every`, and once a day the
    /// clean-up of old sessions, card links and delivery ids, for as long as the process
    /// lives. Every process may run one: each step is claimed by one of them.
    pub fn spawn_sweeper(&self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let approvals = self.approvals.clone();
        let store = self.store.clone();
        let retention = self.config.retention();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                clean_up_daily(&store, retention).await;
                match approvals.sweep(now_ms()).await {
                    Ok(s) if s != Default::default() => tracing::info!(
                        announced = s.announced,
                        reminded = s.reminded,
                        expired = s.expired,
                        "approval sweep"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "approval sweep failed"),
                }
            }
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn prompts(&self) -> &Prompts {
        self.engine.prompts()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Handles one event, turning any error into a short message for the user and a
    /// detailed log line that share a reference.
    pub async fn respond(
        &self,
        who: &Identity,
        locale: &str,
        event: Event,
    ) -> Result<Reply, Failure> {
        self.respond_in(who, locale, event, None).await
    }

    /// Like `respond`, with the platform's handle for updating this reply later (an
    /// interaction token, a response URL), kept with anything that may update it (card links).
    pub(crate) async fn respond_in(
        &self,
        who: &Identity,
        locale: &str,
        event: Event,
        reply_handle: Option<&str>,
    ) -> Result<Reply, Failure> {
        self.handle_in(who, locale, event, reply_handle)
            .await
            .map_err(|e| match e.refusal() {
                None => {
                    Failure::internal(self.prompts(), locale, &format!("an event of {who}"), &e)
                }
                Some(key) => {
                    let reference = crate::failure::reference();
                    tracing::info!(%who, reference, "refused: {e}");
                    Failure {
                        text: self.prompts().get(locale, key).to_string(),
                        reference,
                    }
                }
            })
    }

    pub async fn handle(
        &self,
        who: &Identity,
        locale: &str,
        event: Event,
    ) -> Result<Reply, BotError> {
        self.handle_in(who, locale, event, None).await
    }

    async fn handle_in(
        &self,
        who: &Identity,
        locale: &str,
        event: Event,
        reply_handle: Option<&str>,
    ) -> Result<Reply, BotError> {
        // A card number must never reach the engine, the database or a log line: the
        // event is dropped whole and the user is shown where they are, with a warning.
        if carries_card_number(&event) {
            tracing::warn!(%who, "refused an event that contained a card number");
            let mut reply = self.apply(who, locale, Event::Start, None).await?;
            reply.notice = Some(Notice::error(
                self.prompts().get(locale, "card.guard").to_string(),
            ));
            return Ok(reply);
        }
        self.apply(who, locale, event, reply_handle).await
    }

    /// Runs `event`, and what sign-in asks to replay after it, as a loop: sign-in never
    /// calls back into the bot, it says what to handle next (`gate::Next::Replay`).
    async fn apply(
        &self,
        who: &Identity,
        locale: &str,
        event: Event,
        reply_handle: Option<&str>,
    ) -> Result<Reply, BotError> {
        let mut event = event;
        // The notice a replay's reply is to carry, and whether it replaces the reply's own.
        let mut carried: Option<(Notice, bool)> = None;
        for _ in 0..gate::MAX_REPLAYS {
            let turned = match self.turn(who, locale, event.clone(), reply_handle).await {
                Ok(t) => t,
                // A replayed command that fails still leaves the person where sign-in
                // put them: at the start, with the notice.
                Err(e) if carried.is_some() && event != Event::Start => {
                    tracing::warn!(%who, error = %e, "a command replayed after sign-in failed");
                    event = Event::Start;
                    continue;
                }
                Err(e) => return Err(e),
            };
            match turned {
                gate::Next::Reply(mut reply) => {
                    if let Some((notice, replace)) = carried
                        && (replace || reply.notice.is_none())
                    {
                        reply.notice = Some(notice);
                    }
                    return Ok(reply);
                }
                gate::Next::Replay {
                    event: next,
                    notice,
                    replace,
                } => {
                    carried = Some((notice, replace));
                    event = next;
                }
            }
        }
        Err(BotError::Contended)
    }

    /// One event: sign-in's answer where it has one, else the engine's, saved with a
    /// revision check and retried when another event of the same person won the race.
    async fn turn(
        &self,
        who: &Identity,
        locale: &str,
        event: Event,
        reply_handle: Option<&str>,
    ) -> Result<gate::Next, BotError> {
        let catalog = self.catalog().await?;
        let gate = self.gate();
        if event == Event::Command(Command::SignOut) {
            return gate::sign_out(&gate, who, locale, reply_handle).await;
        }
        for _ in 0..MAX_ATTEMPTS {
            let (linked, mut session) = match self.store.load_session(who).await? {
                Some(StoredSession {
                    account_id: Some(id),
                    session,
                }) => (Ok(id), session),
                Some(StoredSession { session, .. }) => (self.account_for(who).await, session),
                None => (self.account_for(who).await, Session::default()),
            };
            let account_id =
                match gate::pass(&gate, who, locale, &event, reply_handle, linked).await? {
                    gate::Passed::Through(account_id) => account_id,
                    gate::Passed::Stopped(next) => return Ok(*next),
                };
            let expected = session.rev;
            let now = now_ms();
            if expected == 0 {
                session.updated_at = now;
            }
            let ctx = Ctx {
                catalog: &catalog,
                now,
                locale,
                account_id: &account_id,
                who,
                reply_handle,
            };
            let reply = self
                .engine
                .handle(&mut session, &ctx, &self.backend, event.clone())
                .await
                .map_err(BotError::Backend)?;
            if session.rev == expected {
                return Ok(gate::Next::Reply(reply));
            }
            if self
                .store
                .save_session(who, &account_id, expected, &session)
                .await?
            {
                return Ok(gate::Next::Reply(reply));
            }
            tracing::debug!(%who, expected, "session changed underneath; retrying");
        }
        Err(BotError::Contended)
    }

    /// What sign-in may read of the bot, for one event.
    fn gate(&self) -> crate::signin::chat::Ctx<'_> {
        crate::signin::chat::Ctx {
            store: &self.store,
            config: &self.config,
            prompts: self.prompts(),
            signin: &self.signin,
        }
    }

    /// What `who`'s open checkout `key` costs, for the card page: its session, priced
    /// with the catalog by the same `domain::bill` as the summary and the charge.
    pub(crate) async fn open_bill(
        &self,
        who: &Identity,
        key: &str,
    ) -> Result<Option<(Session, Arc<Catalog>)>, BotError> {
        match self.open_checkout(who, key).await? {
            Some(session) => Ok(Some((session, self.catalog().await?))),
            None => Ok(None),
        }
    }

    /// Whether `key` is still `who`'s open checkout: a card link dies with its checkout.
    pub(crate) async fn checkout_open(&self, who: &Identity, key: &str) -> Result<bool, BotError> {
        Ok(self.open_checkout(who, key).await?.is_some())
    }

    /// `who`'s session, if its checkout is the one card links for `key` belong to.
    async fn open_checkout(&self, who: &Identity, key: &str) -> Result<Option<Session>, BotError> {
        Ok(self
            .store
            .load_session(who)
            .await?
            .map(|s| s.session)
            .filter(|s| s.checkout.as_ref().is_some_and(|c| c.link_key() == key)))
    }

    /// True the first time a platform's delivery `id` arrives, in any process; a failure
    /// to tell counts as first, since handling an event twice beats dropping it.
    pub(crate) async fn first_delivery(&self, platform: &str, id: &str) -> bool {
        self.store
            .first_delivery(platform, id, now_ms())
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not record a delivery");
                true
            })
    }

    /// The current catalog, re-checked against the database every few seconds so an
    /// import by another process is picked up without a restart.
    async fn catalog(&self) -> Result<Arc<Catalog>, BotError> {
        let now = now_ms();
        let checked = self.catalog_checked.load(Ordering::Relaxed);
        let cached = self.catalog.read().await.clone();
        if let Some((_, catalog)) = &cached
            && now - checked < CATALOG_CHECK_MS
        {
            return Ok(catalog.clone());
        }
        self.catalog_checked.store(now, Ordering::Relaxed);
        let current = self.store.catalog_version().await?;
        if let (Some((version, catalog)), Some(v)) = (&cached, current)
            && *version == v
        {
            return Ok(catalog.clone());
        }
        let (version, catalog) = self
            .store
            .current_catalog()
            .await?
            .ok_or(BotError::NoCatalog)?;
        let catalog = Arc::new(catalog);
        *self.catalog.write().await = Some((version, catalog.clone()));
        Ok(catalog)
    }
}

/// The daily clean-up, by whichever process claims it first once a day has passed.
async fn clean_up_daily(store: &Store, retention: crate::store::retention::Retention) {
    let now = now_ms();
    match store.claim_chore("clean-up", now, CLEAN_UP_EVERY_MS).await {
        Ok(true) => match store.collect_garbage(now, retention).await {
            Ok(c) => tracing::info!(
                sessions = c.sessions,
                card_links = c.card_links,
                document_links = c.document_links,
                signins = c.signins,
                unlinked = c.unlinked,
                deliveries = c.deliveries,
                delivered = c.delivered,
                "daily clean-up"
            ),
            Err(e) => tracing::warn!(error = %e, "daily clean-up failed"),
        },
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not claim the daily clean-up"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn a_constraint_refusal_is_told_as_a_conflict_not_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite:{}", dir.path().join("c.db").display()))
            .await
            .unwrap();
        // An account whose default organization does not exist.
        let refused = || async {
            store
                .create_account("Nobody", Some("ORG-MISSING"))
                .await
                .unwrap_err()
        };
        let direct = BotError::Store(refused().await);
        assert_eq!(direct.refusal(), Some("error.conflict"), "{direct}");
        let through_a_service = BotError::Backend(BackendError::Failed(Box::new(refused().await)));
        assert_eq!(through_a_service.refusal(), Some("error.conflict"));
        let other = BotError::Store(StoreError::Corrupt("x".into()));
        assert_eq!(other.refusal(), None);
    }

    /// Regression: a saved card whose id held a Luhn-valid digit run could not be chosen.
    #[test]
    fn the_card_guard_reads_what_people_type_not_the_bots_ids() {
        let id = "card:card_4242424242424242";
        assert!(!carries_card_number(&Event::Choose {
            action: "7:pay".into(),
            values: vec![id.into()],
        }));
        assert!(!carries_card_number(&Event::Click {
            action: format!("7:{id}"),
        }));
        assert!(carries_card_number(&Event::Text(
            "4242 4242 4242 4242".into()
        )));
        assert!(carries_card_number(&Event::Submit {
            action: "7:po".into(),
            fields: BTreeMap::from([("po".to_string(), "4242-4242-4242-4242".to_string())]),
        }));
        assert!(carries_card_number(&Event::Command(Command::Buy(Some(
            "5555555555554444".into()
        )))));
    }
}
