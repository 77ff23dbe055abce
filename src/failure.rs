//! What a person is told when something failed on our side, on any channel or page: a
//! short text that says what to do next and carries a reference, and one log line with
//! the same reference and the detail. Support finds the one from the other.

use std::fmt::Display;

use crate::prompts::Prompts;

/// A failure as shown: the text, and the reference it shares with the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    pub text: String,
    pub reference: String,
}

/// A new reference: eight hex digits, enough to find one line in a day's log.
pub(crate) fn reference() -> String {
    format!("{:08x}", rand::random::<u32>())
}

impl Failure {
    /// Our fault: logs `error` as an error under a new reference, and tells the person
    /// to try again with it.
    pub(crate) fn internal(
        prompts: &Prompts,
        locale: &str,
        doing: &str,
        error: &dyn Display,
    ) -> Failure {
        let reference = reference();
        tracing::error!(%reference, %error, "{doing} failed");
        let text = prompts
            .lang(locale)
            .f("error.internal", &[("reference", &reference)]);
        Failure { text, reference }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_carries_the_reference_and_no_detail() {
        let prompts = Prompts::embedded().unwrap();
        let f = Failure::internal(&prompts, "en", "a test", &"disk I/O error at /var/db");
        assert_eq!(f.reference.len(), 8);
        assert!(f.text.contains(&f.reference), "{}", f.text);
        assert!(!f.text.contains("disk"), "{}", f.text);
        assert_ne!(
            f.reference,
            Failure::internal(&prompts, "en", "a test", &"x").reference
        );
    }
}
