//! Logging set-up: the `RUST_LOG` filter, and a writer that redacts secrets from every
//! line before it leaves the process, whichever crate logged it and at whatever level.
//!
//! Platform SDKs log request URLs and payloads at debug and trace, and those carry
//! short-lived credentials: a reply token in a callback or webhook path, a `token`
//! field in an event, a bot token in an `Authorization` header. Filtering targets would
//! miss a new one; redacting at the sink catches them all.

use std::io::{self, Write};
use std::sync::LazyLock;

use regex::Regex;
use tracing_subscriber::fmt::MakeWriter;

const REDACTED: &str = "[redacted]";

/// (pattern, what to keep): the secret is whatever follows the kept prefix.
static SECRETS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Reply tokens in REST paths: /interactions/{id}/{token}, /webhooks/{app}/{token}.
        r"(?P<keep>/(?:interactions|webhooks)/[0-9]+/)[A-Za-z0-9._~%\-]+",
        // JSON or Debug fields named like a token or secret: "token":"…", token: "…".
        r#"(?P<keep>(?i)[a-z_]*(?:token|secret)\\?"?\s*[:=]\s*\\?"?)[A-Za-z0-9._~+/=%\-]{8,}"#,
        // Authorization headers.
        r"(?P<keep>(?i)(?:Bot|Bearer)\s+)[A-Za-z0-9._~+/=\-]{16,}",
        // Response URLs, whose last part is the credential: /actions|commands/{team}/{id}/{secret}.
        r"(?P<keep>/(?:actions|commands)/[A-Z0-9]+/[0-9]+/)[A-Za-z0-9]+",
        // One-time links: card pages (/pay/{token}, /pay/confirm/{token}) and sign-in
        // (/signin/{token}); the token is the whole credential.
        r"(?P<keep>/(?:pay/confirm|pay|signin)/)[A-Za-z0-9_\-]{12,}",
        // Passwords in URLs: postgres://user:password@host, smtps://user:password@host.
        r"(?P<keep>[a-z][a-z0-9+.\-]*://[^:/@\s]+:)[^@\s/]+(?P<after>@)",
        // Bot, user and app-level tokens by their shape, wherever they appear.
        r"(?P<keep>\b(?:xox[abeprs]|xapp)-)[A-Za-z0-9\-]{8,}",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// `line` with every secret replaced by `[redacted]`.
pub(crate) fn redact(line: &str) -> String {
    SECRETS.iter().fold(line.to_string(), |text, re| {
        re.replace_all(&text, format!("${{keep}}{REDACTED}${{after}}"))
            .into_owned()
    })
}

/// A `MakeWriter` whose writers pass each formatted event through `redact`.
#[derive(Clone)]
pub(crate) struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

pub(crate) struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    /// The formatter hands over one whole event per call, so a secret never straddles
    /// two calls.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// How each log line is written: `LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT`'s value: unset or empty, `text` or `json`.
    pub fn parse(value: Option<&str>) -> Result<LogFormat, String> {
        match value.map(str::trim).unwrap_or_default() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("LOG_FORMAT: '{other}' is not text or json")),
        }
    }
}

/// Installs the global subscriber: `RUST_LOG` (else `default`), to `writer`, redacted,
/// as `format` says. Returns false if one was installed already.
pub fn init<W>(default: &str, format: LogFormat, writer: W) -> bool
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    // PostgreSQL's notices ("relation already exists, skipping") are not news.
    let default = format!("{default},sqlx::postgres::notice=warn");
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting(writer));
    match format {
        LogFormat::Text => builder.try_init().is_ok(),
        LogFormat::Json => builder.json().try_init().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "aW50ZXJhY3Rpb246MTEwMDAwMDAwMDAwMDAwMDc3Nzp0b2tlbg";

    #[test]
    fn tokens_in_paths_fields_and_headers_are_redacted() {
        let lines = [
            format!(
                "POST https://chat.example/api/v10/interactions/1100000000000000777/{TOKEN}/callback"
            ),
            format!("PATCH /api/v10/webhooks/1234/{TOKEN}/messages/@original"),
            format!(r#"{{"id":"1","token":"{TOKEN}","type":2}}"#),
            format!(r#"edit_original_interaction_response{{interaction_token="{TOKEN}"}}"#),
            format!("Interaction {{ token: \"{TOKEN}\", id: 1 }}"),
            format!("authorization: Bot {TOKEN}.abc.def"),
            format!(r#"body="{{\"token\":\"{TOKEN}\"}}""#),
        ];
        for line in lines {
            let out = redact(&line);
            assert!(!out.contains(TOKEN), "{out}");
            assert!(out.contains(REDACTED), "{out}");
        }
        for plain in [
            "order CB-100001 placed for USD 1,250.00 by acct_qkxwhmtcapbzrdne",
            "GET /signin/callback 400",
            "serving on http://127.0.0.1:8080",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }

    #[test]
    fn response_urls_and_token_shapes_are_redacted() {
        let secret = "96rGlfmibIGlgcZRskXaIFfN";
        for line in [
            format!("POST https://hooks.chat.example/commands/T1DC2JH3J/397700885554/{secret}"),
            format!(
                "responding to https://hooks.chat.example/actions/T0TEAM001/1234567890/{secret}"
            ),
            format!("bad token xoxb-17653672481-19874698323-{secret} in config"),
            format!("socket with xapp-1-A0APP00001-{secret}"),
            format!("GET /pay/{secret} 200"),
            format!("sent https://shop.example/pay/confirm/{secret}"),
            format!("link http://127.0.0.1:8080/signin/{secret} made"),
            format!("connecting to postgres://shop:{secret}@db.internal:5432/checkout"),
        ] {
            let out = redact(&line);
            assert!(!out.contains(secret), "{out}");
        }
    }
}
