//! Random ids and secrets the bot makes. They are letters only: an id shows up in
//! select values, links and messages, and a run of digits there could pass Luhn and be
//! taken for a card number (a saved card whose id looked like one could not be chosen).

use rand::Rng;

const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz";

/// `n` random letters (24 to choose from: no `l` or `o`, which read as digits).
pub(crate) fn letters(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// An id with a readable prefix, such as `card_qkxwhmtcapbzrdne` (73 random bits).
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", letters(16))
}

/// A secret for links and forms: 32 letters, 146 random bits.
pub(crate) fn new_secret() -> String {
    letters(32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::card::contains_card_number;

    #[test]
    fn ids_never_hold_a_digit() {
        for _ in 0..2_000 {
            let id = new_id("card");
            assert!(
                id.len() == 21 && !id[5..].chars().any(|c| c.is_ascii_digit()),
                "{id}"
            );
            assert!(!contains_card_number(&id));
            assert!(!new_secret().chars().any(|c| c.is_ascii_digit()));
        }
        assert_ne!(new_id("a"), new_id("a"));
    }
}
