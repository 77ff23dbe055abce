//! Payment cards: the rules a card number, expiry and CVV must meet, spotting card
//! numbers pasted where they must not be, and saved cards as the bot may keep them (a
//! processor token, the brand, the last four digits and the expiry; never the number or
//! the CVV).

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// How long a one-time card link works.
pub(crate) const LINK_VALID_MS: i64 = 15 * 60 * 1000;
/// Submissions one card link accepts before it stops working.
pub(crate) const LINK_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
}

impl Brand {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
        }
    }

    /// American Express has four digits on the front; the others three on the back.
    pub(crate) fn cvv_len(self) -> usize {
        if self == Brand::Amex { 4 } else { 3 }
    }

    fn lengths(self) -> &'static [usize] {
        match self {
            Brand::Visa => &[13, 16, 19],
            Brand::Mastercard => &[16],
            Brand::Amex => &[15],
            Brand::Discover => &[16, 19],
        }
    }
}

/// The brand, from the number's leading digits (its IIN range).
pub(crate) fn brand(digits: &str) -> Option<Brand> {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
    if digits.starts_with('4') {
        Some(Brand::Visa)
    } else if matches!(prefix(2), Some(34 | 37)) {
        Some(Brand::Amex)
    } else if matches!(prefix(2), Some(51..=55)) || matches!(prefix(4), Some(2221..=2720)) {
        Some(Brand::Mastercard)
    } else if prefix(4) == Some(6011)
        || matches!(prefix(3), Some(644..=649))
        || prefix(2) == Some(65)
    {
        Some(Brand::Discover)
    } else {
        None
    }
}

/// The Luhn checksum every card number carries.
pub(crate) fn luhn(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CardError {
    #[error("the card number is not valid")]
    Number,
    #[error("we accept Visa, Mastercard, American Express and Discover")]
    Brand,
    #[error("the expiry must be MM YY")]
    ExpiryFormat,
    #[error("the card has expired")]
    Expired,
    #[error("the security code must be {0} digits")]
    Cvv(usize),
}

/// A card as typed on the card page, checked. Lives only long enough to be tokenized.
#[derive(Clone, PartialEq, Eq)]
pub struct CardInput {
    pub(crate) number: String,
    pub(crate) brand: Brand,
    pub(crate) exp_month: i64,
    pub(crate) exp_year: i64,
    pub(crate) cvv: String,
}

impl std::fmt::Debug for CardInput {
    /// Never prints the number or the code, wherever a `{:?}` ends up.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardInput({} •••• {})", self.brand.name(), self.last4())
    }
}

impl CardInput {
    pub(crate) fn last4(&self) -> &str {
        &self.number[self.number.len().saturating_sub(4)..]
    }
}

/// Digits only, with the spaces and dashes people type between groups removed.
pub(crate) fn digits(number: &str) -> String {
    number.chars().filter(|c| !matches!(c, ' ' | '-')).collect()
}

/// Checks a typed card against the rules, as of `year`/`month`.
pub(crate) fn check(
    number: &str,
    expiry: &str,
    cvv: &str,
    year: i64,
    month: i64,
) -> Result<CardInput, CardError> {
    let number = digits(number);
    if !number.bytes().all(|b| b.is_ascii_digit()) || !luhn(&number) {
        return Err(CardError::Number);
    }
    let brand = brand(&number).ok_or(CardError::Brand)?;
    if !brand.lengths().contains(&number.len()) {
        return Err(CardError::Number);
    }
    let parts: Vec<&str> = expiry
        .split(|c: char| c == '/' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let (exp_month, exp_year) = match parts.as_slice() {
        [m, y] if m.len() <= 2 && y.len() == 2 => (
            m.parse::<i64>().map_err(|_| CardError::ExpiryFormat)?,
            2000 + y.parse::<i64>().map_err(|_| CardError::ExpiryFormat)?,
        ),
        _ => return Err(CardError::ExpiryFormat),
    };
    if !(1..=12).contains(&exp_month) {
        return Err(CardError::ExpiryFormat);
    }
    if (exp_year, exp_month) < (year, month) {
        return Err(CardError::Expired);
    }
    let cvv = cvv.trim().to_string();
    if cvv.len() != brand.cvv_len() || !cvv.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::Cvv(brand.cvv_len()));
    }
    Ok(CardInput {
        number,
        brand,
        exp_month,
        exp_year,
        cvv,
    })
}

/// The year and month at `now_ms` (Unix milliseconds, UTC), for card expiry.
pub(crate) fn year_month(now_ms: i64) -> (i64, i64) {
    let at = time::OffsetDateTime::from_unix_timestamp(now_ms / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (i64::from(at.year()), i64::from(u8::from(at.month())))
}

/// Runs of digits, optionally grouped by single spaces or dashes.
static RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d(?:[ -]?\d)*").unwrap_or_else(|e| panic!("{e}")));

/// Whether `text` contains something that looks like a card number: 13 to 19 digits
/// (spaces and dashes allowed between them) that pass the Luhn check, alone or inside a
/// longer run of digits. A number typed with its expiry or CVV after it ("4242 4242
/// 4242 4242 12/30") is one run of 18 digits whose first 16 are the card, so every
/// window of the run is tried. A window inside a longer run must also start as a card
/// network's numbers do (2 to 6), which keeps long references from looking like cards
/// one time in ten.
pub(crate) fn contains_card_number(text: &str) -> bool {
    RUN.find_iter(text).any(|m| {
        let d = digits(m.as_str());
        let d = d.as_bytes();
        let n = d.len();
        (13..=19.min(n)).any(|len| {
            (0..=n - len).any(|start| {
                let whole = len == n;
                let window = &d[start..start + len];
                (whole || (b'2'..=b'6').contains(&window[0]))
                    && std::str::from_utf8(window).is_ok_and(luhn)
            })
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SavedCard {
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
    /// The payment processor's token for this card.
    #[serde(skip_serializing)]
    pub token: String,
}

impl SavedCard {
    /// `Visa •••• 4242 (exp 12/28)`.
    pub fn label(&self) -> String {
        format!(
            "{} •••• {} (exp {:02}/{:02})",
            self.brand,
            self.last4,
            self.exp_month,
            self.exp_year % 100
        )
    }

    /// Whether the card is still valid in the given year and month.
    pub(crate) fn valid_in(&self, year: i64, month: i64) -> bool {
        (self.exp_year, self.exp_month) >= (year, month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_brands() {
        assert!(luhn("4242424242424242"));
        assert!(!luhn("4242424242424241"));
        assert!(!luhn("42x2"));
        assert_eq!(brand("4242424242424242"), Some(Brand::Visa));
        assert_eq!(brand("5555555555554444"), Some(Brand::Mastercard));
        assert_eq!(brand("2223003122003222"), Some(Brand::Mastercard));
        assert_eq!(brand("378282246310005"), Some(Brand::Amex));
        assert_eq!(brand("6011111111111117"), Some(Brand::Discover));
        assert_eq!(brand("9999999999999995"), None);
    }

    #[test]
    fn expiry_cvv_and_number_rules() {
        let ok = check("4242 4242 4242 4242", "12 30", "123", 2026, 11).unwrap();
        assert_eq!(
            (ok.brand, ok.last4(), ok.exp_month, ok.exp_year),
            (Brand::Visa, "4242", 12, 2030)
        );
        assert_eq!(
            check("3782-822463-10005", "11/26", "1234", 2026, 11)
                .unwrap()
                .brand,
            Brand::Amex
        );
        assert_eq!(
            check("4242424242424241", "12 30", "123", 2026, 11),
            Err(CardError::Number)
        );
        assert_eq!(
            check("9999999999999995", "12 30", "123", 2026, 11),
            Err(CardError::Brand)
        );
        assert_eq!(
            check("4242424242424242", "10 26", "123", 2026, 11),
            Err(CardError::Expired)
        );
        assert_eq!(
            check("4242424242424242", "13 30", "123", 2026, 11),
            Err(CardError::ExpiryFormat)
        );
        assert_eq!(
            check("4242424242424242", "1230", "123", 2026, 11),
            Err(CardError::ExpiryFormat)
        );
        assert_eq!(
            check("378282246310005", "12 30", "123", 2026, 11),
            Err(CardError::Cvv(4))
        );
        assert_eq!(
            check("4242424242424242", "12 30", "1234", 2026, 11),
            Err(CardError::Cvv(3))
        );
        assert!(
            !format!("{ok:?}").contains("4242424242424242"),
            "Debug hides the number"
        );
    }

    #[test]
    fn spots_card_numbers_in_text() {
        for yes in [
            "my card is 4242 4242 4242 4242 thanks",
            "4242-4242-4242-4242",
            "378282246310005",
            "x5555555555554444y",
            // With the expiry or the CVV after it, in one run of digits.
            "4242 4242 4242 4242 12/30",
            "4242424242424242 1230",
            "card 5555-5555-5555-4444-123",
            "exp 12/30 4242 4242 4242 4242",
            "PO 4242424242424242",
        ] {
            assert!(contains_card_number(yes), "{yes}");
        }
        for no in [
            "order CB-100123",
            "deployment 104512",
            // Card-shaped, but no 13 to 19 of its digits pass the Luhn check. (A card
            // number mistyped by one digit usually still holds a window that passes, and
            // is refused: it is still a card number.)
            "4000 0000 0000 0001",
            "call 555 123 4567",
            "1234567890123",
            "PO 2026-12-07-0001",
        ] {
            assert!(!contains_card_number(no), "{no}");
        }
    }

    #[test]
    fn labels_show_brand_last4_and_expiry_only() {
        let c = SavedCard {
            id: "card_1".into(),
            brand: "Visa".into(),
            last4: "4242".into(),
            exp_month: 3,
            exp_year: 2028,
            token: "tok_secret".into(),
        };
        assert_eq!(c.label(), "Visa •••• 4242 (exp 03/28)");
        assert!(!serde_json::to_string(&c).unwrap().contains("tok_secret"));
        assert!(c.valid_in(2028, 3) && !c.valid_in(2028, 4));
    }
}
