//! Checks of single configuration values, and the error every reader of the
//! environment returns. A leaf: the core's settings (`config`) and each service's and
//! channel's own `config.rs` read their variables with these, and it imports none of them.

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub(crate) name: &'static str,
    pub(crate) message: String,
}

/// `value` if it is a whole http(s) URL with a host. Anything else stops the start: a
/// comment or a second word pasted behind it (an env file's inline comment, which
/// systemd's `EnvironmentFile` keeps as part of the value) would otherwise go out in
/// every link.
pub(crate) fn web_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let refuse = |why: &str| ConfigError {
        name,
        message: format!("'{value}' {why}"),
    };
    if value.chars().any(|c| c.is_whitespace() || c == '#') {
        return Err(refuse(
            "has a space or '#' in it: give the URL alone, with any comment on a line of its own",
        ));
    }
    let url = url::Url::parse(value).map_err(|e| refuse(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("is not an http(s) URL with a host"));
    }
    Ok(value.to_string())
}

/// `url` with any password replaced, for Debug output and logs.
pub fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}
