//! Email codes, for stores without single sign-on: six random digits, kept only as a
//! salted SHA-256, compared in constant time, sent through SMTP with `lettre`.
//!
//! A six-digit code hashed without a server secret can be found from a stolen row by
//! trying all million; it lives ten minutes and allows five tries, which is what keeps
//! it safe, not the hash. The hash keeps it out of backups and logs in plain.

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::config::EmailSettings;

/// A fresh code: six digits, leading zeros included.
pub(crate) fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

pub(crate) fn new_salt() -> String {
    hex::encode(rand::rng().random::<[u8; 16]>())
}

pub(crate) fn hash_code(code: &str, salt: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}:{code}").as_bytes()))
}

pub(crate) fn code_matches(typed: &str, salt: &str, stored_hash: &str) -> bool {
    hash_code(typed, salt)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

/// What people type for a code: six digits, with spaces or a dash between them allowed.
pub(crate) fn typed_code(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// An address as people type it, checked and lower-cased; `None` if it is not one.
pub(crate) fn address(text: &str) -> Option<String> {
    let text = text.trim().trim_matches(['<', '>']);
    if text.len() > 254 || text.chars().any(char::is_whitespace) {
        return None;
    }
    let parsed: lettre::Address = text.parse().ok()?;
    crate::domain::email_domain::of_address(parsed.as_ref())?;
    Some(parsed.to_string().to_lowercase())
}

#[derive(Debug, thiserror::Error)]
#[error("mail was not sent: {0}")]
pub(crate) struct MailError(pub String);

/// Sends one plain-text message. A trait, so the chat flow is tested without a server.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub(crate) trait Mailer: Send + Sync {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError>;
}

pub(crate) struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub(crate) fn new(settings: &EmailSettings) -> anyhow::Result<SmtpMailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            // The URL may hold a password: say what is wrong without repeating it.
            .map_err(|_| anyhow::anyhow!("SMTP_URL is not a valid smtp:// or smtps:// URL"))?
            .timeout(Some(std::time::Duration::from_secs(15)))
            .build();
        let from = settings
            .mail_from
            .parse()
            .map_err(|_| anyhow::anyhow!("MAIL_FROM is not an address"))?;
        Ok(SmtpMailer { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|e| MailError(format!("address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| MailError(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_compare_by_hash() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        let salt = new_salt();
        let h = hash_code("012345", &salt);
        assert!(!h.contains("012345"));
        assert!(code_matches("012345", &salt, &h));
        assert!(!code_matches("012346", &salt, &h));
        assert!(!code_matches("012345", &new_salt(), &h));
        assert_eq!(typed_code(" 012 345 "), Some("012345".into()));
        assert_eq!(typed_code("012-345"), Some("012345".into()));
        assert_eq!(typed_code("12345"), None);
        assert_eq!(typed_code("12345a"), None);
    }

    #[test]
    fn addresses_are_checked_and_lower_cased() {
        assert_eq!(address(" Pat@Acme.COM "), Some("pat@acme.com".into()));
        assert_eq!(address("<pat@acme.com>"), Some("pat@acme.com".into()));
        assert_eq!(address("pat"), None);
        assert_eq!(address("pat@localhost"), None);
        assert_eq!(address("pat @acme.com"), None);
        assert_eq!(address("a@b@acme.com"), None);
    }
}
