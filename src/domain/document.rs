//! Which document of an order: its kinds, their numbers and their ids in buttons,
//! outbox entries and one-time links.

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Quote,
    Invoice,
    Receipt,
    /// For the refund with this sequence number.
    CreditNote(i64),
}

impl Kind {
    /// `quote`, `invoice`, `receipt` or `credit-note` (the newest), as an operator types it.
    pub fn parse(text: &str) -> Option<Kind> {
        match text.trim() {
            "quote" => Some(Kind::Quote),
            "invoice" => Some(Kind::Invoice),
            "receipt" => Some(Kind::Receipt),
            "credit-note" => Some(Kind::CreditNote(0)),
            _ => None,
        }
    }

    /// The prompt key's last part: `quote`, `invoice`, `receipt`, `credit_note`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Kind::Quote => "quote",
            Kind::Invoice => "invoice",
            Kind::Receipt => "receipt",
            Kind::CreditNote(_) => "credit_note",
        }
    }

    /// One kind exactly, for ids that come back: `quote`, `invoice`, `receipt`,
    /// `credit-note-3`.
    pub fn id(self) -> String {
        match self {
            Kind::CreditNote(seq) => format!("credit-note-{seq}"),
            k => k.key().to_string(),
        }
    }

    /// The kind an `id` names; anything else, a forged one included, is `None`.
    pub fn from_id(id: &str) -> Option<Kind> {
        match id {
            "quote" => Some(Kind::Quote),
            "invoice" => Some(Kind::Invoice),
            "receipt" => Some(Kind::Receipt),
            other => {
                let seq = other.strip_prefix("credit-note-")?;
                // Digits only: `+3` or ` 3` would name the same refund twice.
                if seq.is_empty() || seq.len() > 9 || !seq.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                seq.parse().ok().filter(|n| *n > 0).map(Kind::CreditNote)
            }
        }
    }

    /// The document's number: the order's, with the kind's prefix.
    pub fn number(self, order: &str) -> String {
        match self {
            Kind::Quote => format!("Q-{order}"),
            Kind::Invoice => format!("INV-{order}"),
            Kind::Receipt => format!("R-{order}"),
            Kind::CreditNote(seq) => format!("CN-{order}-{seq}"),
        }
    }

    /// Its file's name, such as `INV-CB-100001.pdf`.
    pub fn file_name(self, order: &str) -> String {
        format!("{}.pdf", self.number(order))
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn ids_name_one_kind_each_and_refuse_anything_else() {
        for k in [
            Kind::Quote,
            Kind::Invoice,
            Kind::Receipt,
            Kind::CreditNote(1),
            Kind::CreditNote(12),
        ] {
            assert_eq!(Kind::from_id(&k.id()), Some(k), "{k:?}");
        }
        for bad in [
            "",
            "credit-note",
            "credit-note-",
            "credit-note-0",
            "credit-note-+3",
            "credit-note- 3",
            "credit-note-99999999999",
            "Invoice",
            "receipt ",
            "../etc/passwd",
        ] {
            assert_eq!(Kind::from_id(bad), None, "{bad:?}");
        }
        assert_eq!(Kind::Invoice.file_name("CB-100001"), "INV-CB-100001.pdf");
        assert_eq!(Kind::CreditNote(2).number("CB-7"), "CN-CB-7-2");
    }
}
