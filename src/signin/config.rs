//! How people sign in from chat: `IDENTITY_PROVIDER` and the variables of each mode.
//! Secrets (the client secret, an SMTP password in `SMTP_URL`) are kept out of `Debug`.

use crate::config::check::ConfigError;

#[derive(Clone, Default, PartialEq, Eq)]
pub enum Provider {
    /// Operators link people (`members add`), or demo mode enrols them.
    #[default]
    None,
    Oidc(OidcSettings),
    Email(EmailSettings),
}

#[derive(Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// `OIDC_ISSUER`: discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// `OIDC_ORG_CLAIM`: a claim holding organization ids (a string or a list).
    pub org_claim: Option<String>,
    /// `OIDC_ROLE_CLAIM`: a claim holding `buyer`, `approver` or `admin` (or a list).
    pub role_claim: Option<String>,
    /// `OIDC_SCOPES` (default `openid email profile`).
    pub scopes: Vec<String>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// `SMTP_URL`: `smtp://host:port` (STARTTLS when offered), `smtps://…`, with
    /// `user:password@` when the server needs it.
    pub smtp_url: String,
    /// `MAIL_FROM`: `Store <no-reply@example.com>` or an address.
    pub mail_from: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Provider::None => f.write_str("None"),
            Provider::Oidc(o) => write!(
                f,
                "Oidc {{ issuer: {:?}, client_id: {:?}, org_claim: {:?}, role_claim: {:?} }}",
                o.issuer, o.client_id, o.org_claim, o.role_claim
            ),
            Provider::Email(e) => write!(f, "Email {{ mail_from: {:?} }}", e.mail_from),
        }
    }
}

impl Provider {
    pub(crate) fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Provider, ConfigError> {
        let need = |name: &'static str| {
            get(name).ok_or_else(|| ConfigError {
                name,
                message: "is needed for this IDENTITY_PROVIDER".into(),
            })
        };
        match get("IDENTITY_PROVIDER").as_deref().unwrap_or("none") {
            "none" => Ok(Provider::None),
            "oidc" => {
                let issuer = need("OIDC_ISSUER")?;
                crate::config::check::web_url("OIDC_ISSUER", &issuer)?;
                let scopes = get("OIDC_SCOPES")
                    .unwrap_or_else(|| "openid email profile".into())
                    .split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>();
                if !scopes.iter().any(|s| s == "openid") {
                    return Err(ConfigError {
                        name: "OIDC_SCOPES",
                        message: "must include openid".into(),
                    });
                }
                Ok(Provider::Oidc(OidcSettings {
                    issuer: issuer.trim_end_matches('/').to_string(),
                    client_id: need("OIDC_CLIENT_ID")?,
                    client_secret: need("OIDC_CLIENT_SECRET")?,
                    org_claim: get("OIDC_ORG_CLAIM"),
                    role_claim: get("OIDC_ROLE_CLAIM"),
                    scopes,
                }))
            }
            "email" => {
                let smtp_url = need("SMTP_URL")?;
                if !(smtp_url.starts_with("smtp://") || smtp_url.starts_with("smtps://")) {
                    return Err(ConfigError {
                        name: "SMTP_URL",
                        message: "is not an smtp:// or smtps:// URL".into(),
                    });
                }
                // lettre sends `smtp://` in the clear unless `tls=` says otherwise: a
                // password must not travel that way.
                let parsed = url::Url::parse(&smtp_url).map_err(|_| ConfigError {
                    name: "SMTP_URL",
                    message: "is not a URL such as smtps://user:password@mail.example.com".into(),
                })?;
                let tls = parsed
                    .query_pairs()
                    .any(|(k, v)| k == "tls" && (v == "required" || v == "opportunistic"));
                if parsed.scheme() == "smtp" && parsed.password().is_some() && !tls {
                    return Err(ConfigError {
                        name: "SMTP_URL",
                        message:
                            "sends its password in the clear: use smtps:// or add ?tls=required"
                                .into(),
                    });
                }
                let mail_from = need("MAIL_FROM")?;
                if mail_from.parse::<lettre::message::Mailbox>().is_err() {
                    return Err(ConfigError {
                        name: "MAIL_FROM",
                        message: format!(
                            "'{mail_from}' is not an address such as Store <no-reply@example.com>"
                        ),
                    });
                }
                Ok(Provider::Email(EmailSettings {
                    smtp_url,
                    mail_from,
                }))
            }
            other => Err(ConfigError {
                name: "IDENTITY_PROVIDER",
                message: format!("'{other}' is not none, oidc or email"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Provider, ConfigError> {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        Provider::from_lookup(&get)
    }

    #[test]
    fn each_mode_needs_its_variables_and_hides_its_secrets() {
        assert_eq!(with(&[]).unwrap(), Provider::None);
        assert_eq!(
            with(&[("IDENTITY_PROVIDER", "saml")]).unwrap_err().name,
            "IDENTITY_PROVIDER"
        );
        assert_eq!(
            with(&[("IDENTITY_PROVIDER", "oidc")]).unwrap_err().name,
            "OIDC_ISSUER"
        );
        let oidc = [
            ("IDENTITY_PROVIDER", "oidc"),
            ("OIDC_ISSUER", "https://id.example.com/"),
            ("OIDC_CLIENT_ID", "bot"),
            ("OIDC_CLIENT_SECRET", "s3cret-value"),
        ];
        let p = with(&oidc).unwrap();
        let Provider::Oidc(o) = &p else {
            panic!("{p:?}")
        };
        assert_eq!(o.issuer, "https://id.example.com");
        assert_eq!(o.scopes, ["openid", "email", "profile"]);
        assert!(!format!("{p:?}").contains("s3cret"));
        assert_eq!(
            with(&[oidc[0], oidc[1], oidc[2]]).unwrap_err().name,
            "OIDC_CLIENT_SECRET"
        );
        assert_eq!(
            with(&[oidc[0], ("OIDC_ISSUER", "id.example.com")])
                .unwrap_err()
                .name,
            "OIDC_ISSUER"
        );
        let email = [
            ("IDENTITY_PROVIDER", "email"),
            (
                "SMTP_URL",
                "smtp://user:pw-secret@127.0.0.1:2525?tls=required",
            ),
            ("MAIL_FROM", "Store <no-reply@example.com>"),
        ];
        let p = with(&email).unwrap();
        assert!(!format!("{p:?}").contains("pw-secret"));
        assert_eq!(
            with(&[email[0], ("SMTP_URL", "http://x"), email[2]])
                .unwrap_err()
                .name,
            "SMTP_URL"
        );
        assert_eq!(
            with(&[
                email[0],
                ("SMTP_URL", "smtp://user:pw@mail.example.com"),
                email[2]
            ])
            .unwrap_err()
            .name,
            "SMTP_URL"
        );
        assert!(with(&[email[0], ("SMTP_URL", "smtp://127.0.0.1:25"), email[2]]).is_ok());
        assert_eq!(
            with(&[email[0], email[1], ("MAIL_FROM", "not an address")])
                .unwrap_err()
                .name,
            "MAIL_FROM"
        );
    }
}
