//! Microsoft Teams' settings, from the environment: the Azure Bot's app id and password
//! (a secret, never logged, hidden by `Debug`), the tenant of a single-tenant bot, and
//! where the Bot Framework's OpenID metadata and Microsoft's token endpoint are (another
//! address only in tests).

use crate::config::check::ConfigError;

/// The Bot Framework's OpenID metadata, whose `jwks_uri` holds the keys that sign
/// inbound activities.
pub(crate) const OPENID_METADATA: &str =
    "https://login.botframework.com/v1/.well-known/openidconfiguration";
/// Microsoft's login, where outbound tokens come from.
pub(crate) const LOGIN_BASE: &str = "https://login.microsoftonline.com";
/// The tenant a multi-tenant bot asks tokens of.
pub(crate) const BOT_FRAMEWORK_TENANT: &str = "botframework.com";

#[derive(Clone, PartialEq)]
pub struct TeamsConfig {
    /// `TEAMS_APP_ID`: the Azure Bot's Microsoft App ID, the audience of inbound tokens.
    pub app_id: Option<String>,
    /// `TEAMS_APP_PASSWORD`: its client secret, for outbound tokens. A secret.
    pub app_password: Option<String>,
    /// `TEAMS_TENANT_ID`: for a single-tenant bot, its tenant; else tokens come from
    /// `botframework.com`.
    pub tenant_id: Option<String>,
    /// `TEAMS_OPENID_METADATA`: where the signing keys are published.
    pub openid_metadata: String,
    /// `TEAMS_LOGIN_BASE`: Microsoft's login, for tests another address.
    pub login_base: String,
}

impl Default for TeamsConfig {
    fn default() -> Self {
        TeamsConfig {
            app_id: None,
            app_password: None,
            tenant_id: None,
            openid_metadata: OPENID_METADATA.into(),
            login_base: LOGIN_BASE.into(),
        }
    }
}

impl std::fmt::Debug for TeamsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamsConfig")
            .field("app_id", &self.app_id)
            .field("app_password", &self.app_password.as_ref().map(|_| "(set)"))
            .field("tenant_id", &self.tenant_id)
            .field("openid_metadata", &self.openid_metadata)
            .field("login_base", &self.login_base)
            .finish()
    }
}

impl TeamsConfig {
    pub(crate) fn from_env() -> Result<TeamsConfig, ConfigError> {
        TeamsConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `get`, so tests need not touch the process environment.
    pub(crate) fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<TeamsConfig, ConfigError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut c = TeamsConfig {
            app_id: get("TEAMS_APP_ID"),
            app_password: get("TEAMS_APP_PASSWORD"),
            tenant_id: get("TEAMS_TENANT_ID"),
            ..TeamsConfig::default()
        };
        if c.app_password.is_some() && c.app_id.is_none() {
            return Err(ConfigError {
                name: "TEAMS_APP_ID",
                message: "is needed with TEAMS_APP_PASSWORD (the Azure Bot's Microsoft App ID)"
                    .into(),
            });
        }
        for (name, slot) in [
            ("TEAMS_OPENID_METADATA", &mut c.openid_metadata),
            ("TEAMS_LOGIN_BASE", &mut c.login_base),
        ] {
            if let Some(v) = get(name) {
                let ok = url::Url::parse(&v)
                    .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.has_host());
                if !ok {
                    return Err(ConfigError {
                        name,
                        message: format!("'{v}' is not an http(s) URL"),
                    });
                }
                *slot = v.trim_end_matches('/').to_string();
            }
        }
        Ok(c)
    }

    /// Where outbound tokens come from: the tenant's endpoint for a single-tenant bot.
    pub(crate) fn token_url(&self) -> String {
        let tenant = self.tenant_id.as_deref().unwrap_or(BOT_FRAMEWORK_TENANT);
        format!("{}/{tenant}/oauth2/v2.0/token", self.login_base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<TeamsConfig, ConfigError> {
        TeamsConfig::from_lookup(|n| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn settings_are_read_checked_and_the_password_never_shown() {
        let c = read(&[
            ("TEAMS_APP_ID", "00000000-0000-0000-0000-000000000001"),
            ("TEAMS_APP_PASSWORD", "s3cret-value"),
        ])
        .unwrap();
        assert_eq!(
            c.token_url(),
            "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        let single = read(&[
            ("TEAMS_APP_ID", "a"),
            ("TEAMS_TENANT_ID", "contoso-tenant"),
            ("TEAMS_LOGIN_BASE", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(
            single.token_url(),
            "http://127.0.0.1:9/contoso-tenant/oauth2/v2.0/token"
        );
        assert_eq!(
            read(&[("TEAMS_APP_PASSWORD", "x")]).unwrap_err().name,
            "TEAMS_APP_ID"
        );
        assert_eq!(
            read(&[("TEAMS_OPENID_METADATA", "ftp://x")])
                .unwrap_err()
                .name,
            "TEAMS_OPENID_METADATA"
        );
        assert_eq!(read(&[]).unwrap(), TeamsConfig::default());
    }
}
