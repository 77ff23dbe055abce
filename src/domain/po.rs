//! Reference / purchase-order numbers (seed step 12).

/// Trims and checks a PO number: 1 to 64 letters, digits, `-`, `_`, `/`, `.` or single
/// spaces between them (`PO 4711`, `4 5001`); runs of spaces count as one.
pub(crate) fn parse(raw: &str) -> Result<String, PoError> {
    let po = raw
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let po = po.as_str();
    if po.is_empty() {
        return Err(PoError::Empty);
    }
    if po.chars().count() > 64 {
        return Err(PoError::TooLong);
    }
    if let Some(bad) = po
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.' | ' ')))
    {
        return Err(PoError::BadChar(bad));
    }
    Ok(po.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PoError {
    #[error("empty")]
    Empty,
    #[error("longer than 64 characters")]
    TooLong,
    #[error("has the character {0:?}")]
    BadChar(char),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_trimmed_numbers_of_the_allowed_characters() {
        assert_eq!(parse("  PO-2026/11_a.7 ").unwrap(), "PO-2026/11_a.7");
        assert_eq!(parse(&"9".repeat(64)).unwrap().len(), 64);
        assert_eq!(parse(" 4   5001 ").unwrap(), "4 5001");
        assert_eq!(parse("PO 12").unwrap(), "PO 12");
    }

    #[test]
    fn refuses_empty_long_and_odd_characters() {
        assert_eq!(parse("   "), Err(PoError::Empty));
        assert_eq!(parse(&"9".repeat(65)), Err(PoError::TooLong));
        assert_eq!(parse("PO\t12"), Err(PoError::BadChar('\t')));
        assert_eq!(parse("PO#12"), Err(PoError::BadChar('#')));
        assert_eq!(parse("Bestellnr-ä"), Err(PoError::BadChar('ä')));
    }
}
