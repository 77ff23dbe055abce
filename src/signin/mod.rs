//! Sign in from chat: a person links their chat identity to the store account they
//! already have, once, and the organizations and roles they hold there follow them.
//! With OpenID Connect (`IDENTITY_PROVIDER=oidc`) chat hands out a one-time link to
//! `{PUBLIC_URL}/signin/{token}`; with email codes (`IDENTITY_PROVIDER=email`) a
//! six-digit code is mailed and typed back in chat. Channels only show what the views
//! say, as for the card page.

pub(crate) mod chat;
pub(crate) mod claims;
pub mod config;
pub(crate) mod email;
pub(crate) mod oidc;
pub(crate) mod page;

use std::sync::Arc;

use config::Provider;
use email::{Mailer, SmtpMailer};
use oidc::Oidc;

/// A sign-in link works for this long.
pub(crate) const LINK_VALID_MS: i64 = 15 * 60_000;
/// An email code works for this long.
pub(crate) const CODE_VALID_MS: i64 = 10 * 60_000;
/// Tries at one email code.
pub(crate) const CODE_ATTEMPTS: i64 = 5;
/// Codes sent per hour, to one chat identity and to one address.
pub(crate) const SENDS_PER_HOUR: i64 = 5;
/// In email mode, a command refused before sign-in runs if the person is in within this
/// long: time to find the address, fetch the mail and perhaps ask for a second code.
pub(crate) const WAITING_VALID_MS: i64 = 30 * 60_000;

/// The configured way in, with what it needs to run.
pub(crate) struct SignIn {
    provider: Provider,
    oidc: Option<Oidc>,
    mailer: Option<Arc<dyn Mailer>>,
}

impl SignIn {
    /// Builds what `provider` needs; reaches no server yet.
    pub(crate) fn new(provider: &Provider, public_url: &str) -> anyhow::Result<SignIn> {
        let (oidc, mailer): (_, Option<Arc<dyn Mailer>>) = match provider {
            Provider::None => (None, None),
            Provider::Oidc(s) => (Some(Oidc::new(s.clone(), public_url)?), None),
            Provider::Email(s) => (None, Some(Arc::new(SmtpMailer::new(s)?))),
        };
        Ok(SignIn {
            provider: provider.clone(),
            oidc,
            mailer,
        })
    }

    /// Sends codes through `mailer` instead of SMTP.
    #[cfg(test)]
    pub(crate) fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> SignIn {
        self.mailer = Some(mailer);
        self
    }

    pub(crate) fn provider(&self) -> &Provider {
        &self.provider
    }

    /// Whether people can sign in from chat here.
    pub(crate) fn enabled(&self) -> bool {
        self.provider != Provider::None
    }

    pub(crate) fn oidc(&self) -> Option<&Oidc> {
        self.oidc.as_ref()
    }

    pub(crate) fn mailer(&self) -> Option<&Arc<dyn Mailer>> {
        self.mailer.as_ref()
    }
}
