//! Typed configuration from the environment (and `.env`, loaded by the binary): the
//! core's settings. Each channel reads its own variables in its own `config.rs`.
//! Every variable is documented in `.env.example`.

use std::time::Duration;

pub(crate) mod check;

pub use check::{ConfigError, without_password};
use check::{parse_bool, web_url};

#[derive(Clone, PartialEq)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite:FILE` (default `sqlite:checkout-bot.db`) or `postgres://…`.
    pub database_url: String,
    /// `DEMO_MODE` (default true): load demo data into an empty database and enrol
    /// unknown chat users as buyers of the demo organizations.
    pub demo_mode: bool,
    /// `SESSION_TTL` (default 24h): a checkout idle this long restarts at the cart.
    pub session_ttl: Duration,
    /// `DEFAULT_LOCALE` (default en): for platforms that do not say the user's locale.
    pub default_locale: String,
    /// `STORE_NAME` (default "checkout-bot store"): who is paid, as the card page says.
    pub store_name: String,
    /// `METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer {token}`.
    /// A secret: never logged.
    pub metrics_token: Option<BearerToken>,
    /// `STORE_ADDRESS`: the seller's address on quotes, invoices, receipts and credit
    /// notes (`\n` or `|` between lines).
    pub store_address: String,
    /// `STORE_TAX_ID`: the seller's tax or VAT id on those documents.
    pub store_tax_id: String,
    /// `TERMS_URL`: the terms and conditions the buyer agrees to.
    pub terms_url: String,
    /// `SUPPORT_URL`: the support site `/ticket` points to.
    pub support_url: String,
    /// `HOWTO_URL`: how to open a support ticket.
    pub howto_url: String,
    /// `WIRE_INSTRUCTIONS`: bank details for wire transfers.
    pub wire_instructions: String,
    /// `CHECK_INSTRUCTIONS`: the remit-to address for checks.
    pub check_instructions: String,
    /// `QUOTE_VALID_DAYS` (default 30): how long a quote can be converted to an invoice.
    pub quote_valid_days: u32,
    /// `APPROVAL_REMIND_HOURS` (default 24): a request pending this long is announced
    /// once more.
    pub approval_remind_hours: u32,
    /// `APPROVAL_EXPIRE_DAYS` (default 7): a request pending this long expires, and
    /// its order with it.
    pub approval_expire_days: u32,
    /// `APPROVAL_ESCALATE_AFTER` (default 48, hours): a step of a request nobody decided
    /// this long after it opened is offered to the organization's admins as well, once.
    pub approval_escalate_hours: u32,
    /// `BUDGET_TIMEZONE` (default UTC): the IANA time zone whose calendar budget periods
    /// follow.
    pub budget_timezone: String,
    /// `SESSION_RETAIN_DAYS` (default 90): a session (cart, kept answers) idle this long
    /// is deleted by the daily clean-up and `checkout-bot gc`.
    pub session_retain_days: u32,
    /// `SIGNIN_VALID_DAYS` (default 30): a chat identity linked by signing in from chat
    /// must sign in again after this long, so that leaving a customer, or an organization
    /// taken out of the claims, ends the right to buy for it within that time.
    pub signin_valid_days: u32,
    /// `OUTBOX_SEND_TIMEOUT_SECS` (default 60): the longest one send of an outbox
    /// message may take, waits for rate limits included. A worker's claim on an entry
    /// lasts half as long again, so a process that died holding one is replaced
    /// within that time.
    pub outbox_send_timeout_secs: u32,
    /// `HTTP_ADDR` (default 127.0.0.1:8080): where `serve` listens.
    pub http_addr: String,
    /// `PUBLIC_URL` (default http://127.0.0.1:8080): how users reach `serve`, for the
    /// card page links.
    pub public_url: String,
    /// `IDENTITY_PROVIDER` (default none) and its variables: how people sign in from
    /// chat (`crate::signin::config`).
    pub signin: crate::signin::config::Provider,
    /// `PAYMENT_GATEWAY` (default sandbox) and, for Stripe, its keys
    /// (`crate::services::stripe::config`).
    pub payments: crate::services::stripe::config::Gateway,
}

/// A shared secret a caller presents as `Authorization: Bearer …`. `Debug` hides it,
/// and it is compared in constant time.
#[derive(Clone, PartialEq)]
pub struct BearerToken(String);

impl BearerToken {
    /// Whether an `Authorization` header value carries this token.
    pub(crate) fn admits(&self, authorization: Option<&str>) -> bool {
        use subtle::ConstantTimeEq;
        let given = authorization
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        bool::from(given.as_bytes().ct_eq(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(set)")
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite:checkout-bot.db".into(),
            demo_mode: true,
            session_ttl: Duration::from_secs(24 * 3600),
            default_locale: "en".into(),
            store_name: "checkout-bot store".into(),
            store_address: "100 Example Way\nSpringfield, IL 62701, USA".into(),
            store_tax_id: String::new(),
            metrics_token: None,
            terms_url: "https://store.example.com/terms".into(),
            support_url: "https://support.example.com".into(),
            howto_url: "https://support.example.com/how-to-open-a-support-ticket".into(),
            wire_instructions: "Demo Bank, account 000123456, routing 021000021, SWIFT DEMOUS33. \
                                Beneficiary: Example Vendor Inc."
                .into(),
            check_instructions: "Payable to Example Vendor Inc., 100 Example Way, Springfield, \
                                 IL 62701, USA."
                .into(),
            quote_valid_days: 30,
            approval_remind_hours: 24,
            approval_expire_days: 7,
            approval_escalate_hours: 48,
            budget_timezone: "UTC".into(),
            session_retain_days: 90,
            outbox_send_timeout_secs: 60,
            signin_valid_days: 30,
            http_addr: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            signin: crate::signin::config::Provider::None,
            payments: crate::services::stripe::config::Gateway::Sandbox,
        }
    }
}

impl Config {
    /// How long the store keeps what it may forget.
    pub fn retention(&self) -> crate::store::retention::Retention {
        crate::store::retention::Retention {
            sessions_ms: i64::from(self.session_retain_days) * DAY_MS,
            // Platforms stop retrying a delivery within minutes; a day is ample.
            deliveries_ms: DAY_MS,
            // Where nobody signs in from chat, such links are the operator's to end.
            sign_ins_ms: (self.signin != crate::signin::config::Provider::None)
                .then(|| i64::from(self.signin_valid_days) * DAY_MS),
        }
    }

    /// The approval timings, the payment texts an approved order's requester gets, and
    /// the locale of texts that several people read.
    pub(crate) fn approval_settings(&self) -> crate::services::approvals::Settings {
        crate::services::approvals::Settings {
            remind_after_ms: i64::from(self.approval_remind_hours) * 3_600_000,
            expire_after_ms: i64::from(self.approval_expire_days) * 86_400_000,
            escalate_after_ms: i64::from(self.approval_escalate_hours) * 3_600_000,
            // Checked when the configuration was read.
            budget_tz: crate::domain::budget::time_zone(&self.budget_timezone)
                .unwrap_or(jiff::tz::TimeZone::UTC),
            wire_instructions: self.wire_instructions.clone(),
            check_instructions: self.check_instructions.clone(),
            locale: self.default_locale.clone(),
            public_url: self.public_url.clone(),
        }
    }

    /// The approvals service as an operator's command uses it: no platform to post on
    /// (what it changes is posted by the serving processes), the configured gateway.
    pub fn operator_approvals(
        &self,
        store: crate::store::Store,
    ) -> anyhow::Result<crate::services::approvals::Approvals> {
        let payments = crate::services::gateway::gateway(&self.payments)?.payments;
        Ok(crate::services::approvals::Approvals::new(
            store,
            payments,
            crate::services::outbound::Outbound::default(),
            std::sync::Arc::new(crate::prompts::Prompts::embedded()?),
            self.approval_settings(),
        ))
    }

    /// The seller and the texts the documents repeat.
    pub fn seller(&self) -> crate::services::documents::Seller {
        crate::services::documents::Seller {
            name: self.store_name.clone(),
            address: self.store_address.replace('|', "\n").replace("\\n", "\n"),
            tax_id: self.store_tax_id.clone(),
            terms_url: self.terms_url.clone(),
            wire_instructions: self.wire_instructions.clone(),
            check_instructions: self.check_instructions.clone(),
            quote_valid_ms: i64::from(self.quote_valid_days) * DAY_MS,
        }
    }

    /// `order`'s document (`kind`, else its newest) in `locale`, as an operator's
    /// command writes it; `Ok(Err(why))` when the order has no such document.
    pub async fn document(
        &self,
        store: &crate::store::Store,
        order: &crate::domain::order::Order,
        kind: Option<crate::services::documents::Kind>,
        locale: &str,
    ) -> anyhow::Result<Result<crate::services::documents::Written, String>> {
        let prompts = crate::prompts::Prompts::embedded()?;
        Ok(
            crate::services::documents::write(store, &prompts, &self.seller(), order, kind, locale)
                .await?,
        )
    }

    /// What the conversation needs of the configuration.
    pub(crate) fn settings(&self) -> crate::engine::Settings {
        crate::engine::Settings {
            session_ttl: self.session_ttl,
            terms_url: self.terms_url.clone(),
            support_url: self.support_url.clone(),
            howto_url: self.howto_url.clone(),
            wire_instructions: self.wire_instructions.clone(),
            check_instructions: self.check_instructions.clone(),
            sign_in_valid_ms: self.retention().sign_ins_ms,
        }
    }

    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if let Some(url) = get("DATABASE_URL") {
            c.database_url = url;
        }
        if let Some(v) = get("DEMO_MODE") {
            c.demo_mode = parse_bool(&v).ok_or_else(|| ConfigError {
                name: "DEMO_MODE",
                message: format!("'{v}' is not true or false"),
            })?;
        }
        if let Some(v) = get("SESSION_TTL") {
            c.session_ttl = humantime::parse_duration(&v)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| ConfigError {
                    name: "SESSION_TTL",
                    message: format!("'{v}' is not a duration such as 24h or 90m"),
                })?;
        }
        if let Some(v) = get("DEFAULT_LOCALE") {
            c.default_locale = v;
        }
        if let Some(v) = get("METRICS_TOKEN") {
            if v.trim().len() < 16 {
                return Err(ConfigError {
                    name: "METRICS_TOKEN",
                    message: "use at least 16 characters".into(),
                });
            }
            c.metrics_token = Some(BearerToken(v.trim().to_string()));
        }
        if let Some(v) = get("STORE_NAME") {
            let v = crate::domain::text::scrub(v.trim());
            if v.is_empty() || v.chars().count() > 80 {
                return Err(ConfigError {
                    name: "STORE_NAME",
                    message: "give a name of 1 to 80 characters".into(),
                });
            }
            c.store_name = v;
        }
        if let Some(v) = get("STORE_ADDRESS") {
            c.store_address = v;
        }
        if let Some(v) = get("STORE_TAX_ID") {
            c.store_tax_id = v.trim().to_string();
        }
        for (name, slot) in [
            ("TERMS_URL", &mut c.terms_url),
            ("SUPPORT_URL", &mut c.support_url),
            ("HOWTO_URL", &mut c.howto_url),
        ] {
            if let Some(v) = get(name) {
                *slot = web_url(name, &v)?;
            }
        }
        if let Some(v) = get("WIRE_INSTRUCTIONS") {
            c.wire_instructions = v;
        }
        if let Some(v) = get("CHECK_INSTRUCTIONS") {
            c.check_instructions = v;
        }
        if let Some(v) = get("HTTP_ADDR") {
            v.parse::<std::net::SocketAddr>().map_err(|_| ConfigError {
                name: "HTTP_ADDR",
                message: format!("'{v}' is not an address such as 127.0.0.1:8080"),
            })?;
            c.http_addr = v;
        }
        if let Some(v) = get("QUOTE_VALID_DAYS") {
            c.quote_valid_days = v
                .parse()
                .ok()
                .filter(|d| *d > 0)
                .ok_or_else(|| ConfigError {
                    name: "QUOTE_VALID_DAYS",
                    message: format!("'{v}' is not a number of days"),
                })?;
        }
        for (name, slot) in [
            ("APPROVAL_REMIND_HOURS", &mut c.approval_remind_hours),
            ("APPROVAL_EXPIRE_DAYS", &mut c.approval_expire_days),
            ("APPROVAL_ESCALATE_AFTER", &mut c.approval_escalate_hours),
            ("SESSION_RETAIN_DAYS", &mut c.session_retain_days),
            ("SIGNIN_VALID_DAYS", &mut c.signin_valid_days),
            ("OUTBOX_SEND_TIMEOUT_SECS", &mut c.outbox_send_timeout_secs),
        ] {
            if let Some(v) = get(name) {
                *slot = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError {
                        name,
                        message: format!("'{v}' is not a whole number above 0"),
                    })?;
            }
        }
        if let Some(v) = get("BUDGET_TIMEZONE") {
            crate::domain::budget::time_zone(&v).map_err(|message| ConfigError {
                name: "BUDGET_TIMEZONE",
                message,
            })?;
            c.budget_timezone = v.trim().to_string();
        }
        if let Some(v) = get("PUBLIC_URL") {
            let url = web_url("PUBLIC_URL", &v)?;
            if url.contains('?') {
                return Err(ConfigError {
                    name: "PUBLIC_URL",
                    message: "give the address buyers' browsers reach, without a query".into(),
                });
            }
            c.public_url = url.trim_end_matches('/').to_string();
        }
        c.signin = crate::signin::config::Provider::from_lookup(&get)?;
        c.payments = crate::services::stripe::config::Gateway::from_lookup(&get)?;
        Ok(c)
    }
}

const DAY_MS: i64 = 24 * 3_600_000;

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &without_password(&self.database_url))
            .field("demo_mode", &self.demo_mode)
            .field("session_ttl", &self.session_ttl)
            .field("default_locale", &self.default_locale)
            .field("store_name", &self.store_name)
            .field("store_address", &self.store_address)
            .field("store_tax_id", &self.store_tax_id)
            .field("metrics_token", &self.metrics_token)
            .field("terms_url", &self.terms_url)
            .field("support_url", &self.support_url)
            .field("howto_url", &self.howto_url)
            .field("quote_valid_days", &self.quote_valid_days)
            .field("approval_remind_hours", &self.approval_remind_hours)
            .field("approval_expire_days", &self.approval_expire_days)
            .field("approval_escalate_hours", &self.approval_escalate_hours)
            .field("budget_timezone", &self.budget_timezone)
            .field("session_retain_days", &self.session_retain_days)
            .field("signin_valid_days", &self.signin_valid_days)
            .field("outbox_send_timeout_secs", &self.outbox_send_timeout_secs)
            .field("http_addr", &self.http_addr)
            .field("public_url", &self.public_url)
            .field("signin", &self.signin)
            .field("payments", &self.payments)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_need_nothing() {
        assert_eq!(with(&[]).unwrap(), Config::default());
    }

    #[test]
    fn reads_and_validates_each_variable() {
        let c = with(&[
            ("DEMO_MODE", "off"),
            ("SESSION_TTL", "90m"),
            ("DATABASE_URL", "postgres://x/y"),
        ])
        .unwrap();
        assert!(!c.demo_mode);
        assert_eq!(c.session_ttl, Duration::from_secs(5400));
        assert_eq!(c.database_url, "postgres://x/y");
        assert_eq!(
            with(&[("DEMO_MODE", "maybe")]).unwrap_err().name,
            "DEMO_MODE"
        );
        assert_eq!(
            with(&[("SESSION_TTL", "soon")]).unwrap_err().name,
            "SESSION_TTL"
        );
        assert_eq!(
            with(&[("SESSION_TTL", "0s")]).unwrap_err().name,
            "SESSION_TTL"
        );
        for (name, bad) in [
            (
                "PUBLIC_URL",
                "https://shop.example.com     # what buyers' browsers reach",
            ),
            ("PUBLIC_URL", "shop.example.com"),
            ("PUBLIC_URL", "ftp://shop.example.com"),
            ("SUPPORT_URL", "https://"),
            ("TERMS_URL", "https://example.com/terms and conditions"),
        ] {
            assert_eq!(with(&[(name, bad)]).unwrap_err().name, name, "{bad}");
        }
        assert_eq!(
            with(&[("PUBLIC_URL", "https://shop.example.com/")])
                .unwrap()
                .public_url,
            "https://shop.example.com"
        );
        let c = with(&[("DATABASE_URL", "postgres://shop:s3cr3t-pw@db:5432/checkout")]).unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cr3t-pw") && shown.contains("postgres://shop:***@db"),
            "{shown}"
        );
        let c = with(&[("SESSION_RETAIN_DAYS", "30")]).unwrap();
        assert_eq!(c.retention().sessions_ms, 30 * DAY_MS);
        assert_eq!(
            with(&[("SESSION_RETAIN_DAYS", "0")]).unwrap_err().name,
            "SESSION_RETAIN_DAYS"
        );
    }
}
