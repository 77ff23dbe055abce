//! Slack's settings, from the environment. The secret and tokens are never logged, and
//! `Debug` hides them.

use crate::config::check::ConfigError;

/// Slack's Web API, unless `SLACK_API_BASE` says otherwise.
pub(crate) const API_BASE: &str = "https://slack.com/api";

#[derive(Clone, PartialEq)]
pub struct SlackConfig {
    /// `SLACK_SIGNING_SECRET`: checks that HTTP requests come from Slack (HTTP mode).
    pub signing_secret: Option<String>,
    /// `SLACK_BOT_TOKEN` (`xoxb-…`): the Web API (modals, approval requests, App Home).
    pub bot_token: Option<String>,
    /// `SLACK_APP_TOKEN` (`xapp-…`): Socket Mode.
    pub app_token: Option<String>,
    /// `SLACK_API_BASE`: another Web API base, for tests.
    pub api_base: String,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            signing_secret: None,
            bot_token: None,
            app_token: None,
            api_base: API_BASE.into(),
        }
    }
}

impl std::fmt::Debug for SlackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| v.as_ref().map(|_| "(set)");
        f.debug_struct("SlackConfig")
            .field("signing_secret", &set(&self.signing_secret))
            .field("bot_token", &set(&self.bot_token))
            .field("app_token", &set(&self.app_token))
            .field("api_base", &self.api_base)
            .finish()
    }
}

impl SlackConfig {
    pub(crate) fn from_env() -> Result<SlackConfig, ConfigError> {
        SlackConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `get`, so tests need not touch the process environment.
    pub(crate) fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<SlackConfig, ConfigError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut c = SlackConfig {
            signing_secret: get("SLACK_SIGNING_SECRET"),
            ..SlackConfig::default()
        };
        if let Some(t) = get("SLACK_BOT_TOKEN") {
            if !t.starts_with("xoxb-") {
                return Err(ConfigError {
                    name: "SLACK_BOT_TOKEN",
                    message: "must be a bot token (xoxb-…)".into(),
                });
            }
            c.bot_token = Some(t);
        }
        if let Some(t) = get("SLACK_APP_TOKEN") {
            if !t.starts_with("xapp-") {
                return Err(ConfigError {
                    name: "SLACK_APP_TOKEN",
                    message: "must be an app-level token (xapp-…)".into(),
                });
            }
            c.app_token = Some(t);
        }
        if let Some(base) = get("SLACK_API_BASE") {
            let base = crate::config::check::web_url("SLACK_API_BASE", &base)?;
            c.api_base = base.trim_end_matches('/').to_string();
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<SlackConfig, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SlackConfig::from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn tokens_are_checked_and_hidden() {
        let c = read(&[
            ("SLACK_SIGNING_SECRET", "s3cret"),
            ("SLACK_BOT_TOKEN", "xoxb-1-2"),
            ("SLACK_API_BASE", "http://127.0.0.1:9/api/"),
        ])
        .unwrap();
        assert_eq!(c.api_base, "http://127.0.0.1:9/api");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("xoxb-1-2"),
            "{shown}"
        );
        assert_eq!(
            read(&[("SLACK_BOT_TOKEN", "xoxp-user")]).unwrap_err().name,
            "SLACK_BOT_TOKEN"
        );
        assert_eq!(
            read(&[("SLACK_APP_TOKEN", "xoxb-1")]).unwrap_err().name,
            "SLACK_APP_TOKEN"
        );
        assert_eq!(read(&[]).unwrap().api_base, API_BASE);
    }
}
