//! Discord's settings, from the environment. The token and key are secrets: never
//! logged, and `Debug` hides them.

use crate::config::check::ConfigError;

#[derive(Clone, PartialEq, Default)]
pub struct DiscordConfig {
    /// `DISCORD_PUBLIC_KEY`: the application's Ed25519 public key, hex (HTTP mode).
    pub public_key: Option<String>,
    /// `DISCORD_TOKEN`: the bot token (gateway mode and command registration).
    pub token: Option<String>,
    /// `DISCORD_APPLICATION_ID`: needed to register commands.
    pub application_id: Option<u64>,
    /// `DISCORD_API_BASE`: another REST base (a rate-limit proxy, or a test stand-in).
    pub api_base: Option<String>,
    /// `DISCORD_SHARDS`: a fixed shard count; automatic when unset.
    pub shards: Option<u32>,
    /// `DISCORD_SHARD_RANGE` (`first-last`, with `DISCORD_SHARDS`): the shards this
    /// process connects, so that several `discord` processes split them.
    pub shard_range: Option<ShardRange>,
}

/// Shards `first` to `last`, both included, of a fixed total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
}

impl ShardRange {
    /// `first-last` (or one shard id), within `total` shards.
    fn parse(text: &str, total: u32) -> Option<ShardRange> {
        let (first, last) = match text.split_once('-') {
            Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => {
                let one = text.trim().parse().ok()?;
                (one, one)
            }
        };
        (first <= last && last < total).then_some(ShardRange { first, last })
    }
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("public_key", &self.public_key.as_ref().map(|_| "(set)"))
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("application_id", &self.application_id)
            .field("api_base", &self.api_base)
            .field("shards", &self.shards)
            .field("shard_range", &self.shard_range)
            .finish()
    }
}

impl DiscordConfig {
    pub(crate) fn from_env() -> Result<DiscordConfig, ConfigError> {
        DiscordConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<DiscordConfig, ConfigError> {
        let mut c = DiscordConfig::default();
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if let Some(v) = get("DISCORD_PUBLIC_KEY") {
            if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ConfigError {
                    name: "DISCORD_PUBLIC_KEY",
                    message: "must be 64 hex digits".into(),
                });
            }
            c.public_key = Some(v);
        }
        c.token = get("DISCORD_TOKEN");
        if let Some(v) = get("DISCORD_APPLICATION_ID") {
            c.application_id = Some(v.parse().map_err(|_| ConfigError {
                name: "DISCORD_APPLICATION_ID",
                message: format!("'{v}' is not a Discord id"),
            })?);
        }
        if let Some(v) = get("DISCORD_API_BASE") {
            let v = crate::config::check::web_url("DISCORD_API_BASE", &v)?;
            c.api_base = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = get("DISCORD_SHARDS") {
            c.shards = Some(
                v.parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError {
                        name: "DISCORD_SHARDS",
                        message: format!("'{v}' is not a shard count"),
                    })?,
            );
        }
        if let Some(v) = get("DISCORD_SHARD_RANGE") {
            let Some(total) = c.shards else {
                return Err(ConfigError {
                    name: "DISCORD_SHARD_RANGE",
                    message: "set DISCORD_SHARDS too: every process must agree on the total".into(),
                });
            };
            c.shard_range = Some(ShardRange::parse(&v, total).ok_or_else(|| ConfigError {
                name: "DISCORD_SHARD_RANGE",
                message: format!("'{v}' is not a range such as 0-3 within 0-{}", total - 1),
            })?);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<DiscordConfig, ConfigError> {
        DiscordConfig::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn reads_and_validates_each_variable_and_hides_secrets() {
        assert_eq!(with(&[]).unwrap(), DiscordConfig::default());
        let c = with(&[
            ("DISCORD_PUBLIC_KEY", &"ab".repeat(32)),
            ("DISCORD_TOKEN", "secret-token"),
            ("DISCORD_APPLICATION_ID", "42"),
            ("DISCORD_API_BASE", "http://127.0.0.1:9/"),
            ("DISCORD_SHARDS", "4"),
        ])
        .unwrap();
        assert_eq!(c.application_id, Some(42));
        assert_eq!(c.api_base.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(c.shards, Some(4));
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("secret-token") && !shown.contains("abab"),
            "{shown}"
        );
        for (name, bad) in [
            ("DISCORD_PUBLIC_KEY", "xyz"),
            ("DISCORD_APPLICATION_ID", "me"),
            ("DISCORD_API_BASE", "ftp://x"),
            ("DISCORD_SHARDS", "0"),
        ] {
            assert_eq!(with(&[(name, bad)]).unwrap_err().name, name);
        }
    }

    #[test]
    fn a_shard_range_lies_within_the_shard_count() {
        let range = |r: &str| with(&[("DISCORD_SHARDS", "8"), ("DISCORD_SHARD_RANGE", r)]);
        assert_eq!(
            range("0-3").unwrap().shard_range,
            Some(ShardRange { first: 0, last: 3 })
        );
        assert_eq!(
            range("7").unwrap().shard_range,
            Some(ShardRange { first: 7, last: 7 })
        );
        for bad in ["4-8", "3-1", "a-b", "-1", "0-"] {
            assert_eq!(range(bad).unwrap_err().name, "DISCORD_SHARD_RANGE", "{bad}");
        }
        let alone = with(&[("DISCORD_SHARD_RANGE", "0-3")]).unwrap_err();
        assert!(
            alone.message.contains("DISCORD_SHARDS"),
            "{}",
            alone.message
        );
    }
}
