//! Which payment gateway charges cards: `PAYMENT_GATEWAY=sandbox` (the default, no keys)
//! or `stripe` with its keys. A key is checked for its kind at start and never shown:
//! not in `Debug`, not in an error.

use crate::config::check::ConfigError;

#[derive(Clone, Default, PartialEq, Eq)]
pub enum Gateway {
    #[default]
    Sandbox,
    Stripe(StripeSettings),
}

#[derive(Clone, PartialEq, Eq)]
pub struct StripeSettings {
    /// `STRIPE_SECRET_KEY`: `sk_live_…`, `sk_test_…` or a restricted `rk_…` key.
    pub secret_key: String,
    /// `STRIPE_PUBLISHABLE_KEY`: `pk_…`, for Stripe.js on the card page.
    pub publishable_key: String,
    /// `STRIPE_WEBHOOK_SECRET`: `whsec_…`, the signing secret of our webhook endpoint.
    pub webhook_secret: String,
    /// `STRIPE_API_BASE` (default Stripe's): another Stripe, for tests.
    pub api_base: String,
    /// `STRIPE_JS_URL` (default Stripe's): another Stripe.js, for tests.
    pub js_url: String,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gateway::Sandbox => f.write_str("Sandbox"),
            Gateway::Stripe(s) => write!(
                f,
                "Stripe {{ api_base: {:?}, js_url: {:?} }}",
                s.api_base, s.js_url
            ),
        }
    }
}

fn key(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    prefixes: &[&str],
) -> Result<String, ConfigError> {
    let value = get(name).ok_or_else(|| ConfigError {
        name,
        message: "is needed with PAYMENT_GATEWAY=stripe".into(),
    })?;
    let well_formed = prefixes.iter().any(|p| value.starts_with(p))
        && value.len() >= 16
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        return Err(ConfigError {
            name,
            message: format!(
                "is not a key of the right kind (it should start with {})",
                prefixes.join(" or ")
            ),
        });
    }
    Ok(value)
}

/// An http(s) URL, as given (a script's URL may need its trailing slash).
fn url(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let value = get(name).unwrap_or_else(|| default.to_string());
    crate::config::check::web_url(name, &value)
}

impl Gateway {
    pub(crate) fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Gateway, ConfigError> {
        match get("PAYMENT_GATEWAY").as_deref().unwrap_or("sandbox") {
            "sandbox" => Ok(Gateway::Sandbox),
            "stripe" => Ok(Gateway::Stripe(StripeSettings {
                secret_key: key(get, "STRIPE_SECRET_KEY", &["sk_", "rk_"])?,
                publishable_key: key(get, "STRIPE_PUBLISHABLE_KEY", &["pk_"])?,
                webhook_secret: key(get, "STRIPE_WEBHOOK_SECRET", &["whsec_"])?,
                api_base: url(get, "STRIPE_API_BASE", "https://api.stripe.com")?
                    .trim_end_matches('/')
                    .to_string(),
                js_url: url(get, "STRIPE_JS_URL", "https://js.stripe.com/v3/")?,
            })),
            other => Err(ConfigError {
                name: "PAYMENT_GATEWAY",
                message: format!("'{other}' is not sandbox or stripe"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Gateway, ConfigError> {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        Gateway::from_lookup(&get)
    }

    #[test]
    fn stripe_needs_three_keys_of_the_right_kind_and_never_shows_them() {
        assert_eq!(with(&[]).unwrap(), Gateway::Sandbox);
        assert_eq!(
            with(&[("PAYMENT_GATEWAY", "paypal")]).unwrap_err().name,
            "PAYMENT_GATEWAY"
        );
        let good = [
            ("PAYMENT_GATEWAY", "stripe"),
            ("STRIPE_SECRET_KEY", "sk_test_abcdefghijklmnop"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_abcdefghijklmnop"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghijklmnop"),
        ];
        let g = with(&good).unwrap();
        let shown = format!("{g:?}");
        assert!(
            !shown.contains("sk_test") && !shown.contains("whsec"),
            "{shown}"
        );
        assert_eq!(with(&good[..3]).unwrap_err().name, "STRIPE_WEBHOOK_SECRET");
        let swapped = with(&[
            good[0],
            ("STRIPE_SECRET_KEY", "pk_test_abcdefghijklmnop"),
            good[2],
            good[3],
        ])
        .unwrap_err();
        assert_eq!(swapped.name, "STRIPE_SECRET_KEY");
        assert!(!swapped.message.contains("abcdefgh"), "{}", swapped.message);
        let mut local = good.to_vec();
        local.push(("STRIPE_API_BASE", "http://127.0.0.1:8420/"));
        let Gateway::Stripe(s) = with(&local).unwrap() else {
            panic!("stripe")
        };
        assert_eq!(s.api_base, "http://127.0.0.1:8420");
        assert_eq!(s.js_url, "https://js.stripe.com/v3/");
    }
}
