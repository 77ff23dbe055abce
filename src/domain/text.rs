//! What counts as clean text from a person: no NUL or other control characters and no
//! bidirectional controls, which can make a stored address or reason display as
//! something else ("Trojan Source"). PostgreSQL refuses NUL in text while SQLite keeps
//! it, so refusing it here also makes both databases behave the same.

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unclean {
    /// NUL or another control character (line breaks and tabs are fine).
    Control,
    /// A bidirectional embedding, override, isolate or mark.
    Bidi,
}

impl Unclean {
    /// The key of the message in `prompts/` that tells a person what to do.
    pub(crate) fn prompt_key(self) -> &'static str {
        match self {
            Unclean::Control => "common.unclean_control",
            Unclean::Bidi => "common.unclean_bidi",
        }
    }
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn problem(c: char) -> Option<Unclean> {
    if is_bidi(c) {
        Some(Unclean::Bidi)
    } else if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
        Some(Unclean::Control)
    } else {
        None
    }
}

/// The first problem in `text`, if any.
pub fn check(text: &str) -> Result<(), Unclean> {
    match text.chars().find_map(problem) {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

/// `text` without what `check` refuses, for names that come from a platform rather
/// than from a person typing to us (a display name), where refusing helps no one.
pub(crate) fn scrub(text: &str) -> String {
    text.chars().filter(|c| problem(*c).is_none()).collect()
}

/// `text` in at most `max` characters, cut on a character boundary and ending with an
/// ellipsis when anything was cut: for labels a platform limits, never for what matters.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A moment as operators read it: `2026-12-07 05:01:14 UTC`, from Unix milliseconds.
pub fn utc_time(ms: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_respects_characters_and_marks_the_cut() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("exactly10!", 10), "exactly10!");
        assert_eq!(cut("héllo wörld", 5), "héll…");
        assert_eq!(cut("🙂🙂🙂🙂", 3), "🙂🙂…");
        assert_eq!(cut("abc", 3).chars().count(), 3);
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        assert_eq!(check("Austin"), Ok(()));
        assert_eq!(check("500 Main St\nSuite 4\t"), Ok(()));
        assert_eq!(check("Zürich 東京 🙂"), Ok(()));
        assert_eq!(check("\0"), Err(Unclean::Control));
        assert_eq!(check("a\u{7}b"), Err(Unclean::Control));
        assert_eq!(check("a\u{9b}b"), Err(Unclean::Control), "C1 controls too");
        assert_eq!(check("invoice\u{202E}fdp.exe"), Err(Unclean::Bidi));
        assert_eq!(check("x\u{2067}y"), Err(Unclean::Bidi));
        assert_eq!(scrub("A\0l\u{202E}i"), "Ali");
    }
}
