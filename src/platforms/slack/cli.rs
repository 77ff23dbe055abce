//! Slack as one of the program's platforms: `checkout-bot slack` (Socket Mode), `--slack`
//! on `orgs set-approval-channel`, its routes and its outbound ports, all in the one
//! `Platform` value `platform()` returns.

use std::sync::Arc;

use async_trait::async_trait;

use super::config::SlackConfig;
use super::socket::Socket;
use super::web::Web;
use super::{PLATFORM, Slack};
use crate::bot::Bot;
use crate::metrics::Metrics;
use crate::platforms::Platform;
use crate::services::outbound::Outbound;
use crate::store::Store;

/// Slack, configured from the environment.
pub fn platform() -> anyhow::Result<Box<dyn Platform>> {
    Ok(Box::new(SlackPlatform {
        config: SlackConfig::from_env()?,
    }))
}

struct SlackPlatform {
    config: SlackConfig,
}

#[async_trait]
impl Platform for SlackPlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    fn default_workspace(&self) -> Option<&'static str> {
        super::WORKSPACE
    }

    fn outbound(&self, outbound: Outbound) -> anyhow::Result<Outbound> {
        super::outbound::register(outbound, &self.config)
    }

    fn routes(&self, bot: Arc<Bot>, metrics: Arc<Metrics>) -> anyhow::Result<Option<axum::Router>> {
        super::http::routes(bot, &self.config, metrics)
    }

    fn command(&self) -> clap::Command {
        clap::Command::new(PLATFORM).about(
            "Connect to Slack in Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN): no public URL needed.",
        )
    }

    fn needs_bot(&self, _matches: &clap::ArgMatches) -> bool {
        true
    }

    async fn run(&self, _matches: &clap::ArgMatches, bot: Option<Arc<Bot>>) -> anyhow::Result<()> {
        let Some(bot) = bot else {
            anyhow::bail!("Socket Mode needs a bot");
        };
        run(&self.config, bot).await
    }

    fn approval_channel_arg(&self) -> clap::Arg {
        clap::Arg::new(PLATFORM)
            .long(PLATFORM)
            .value_name("CHANNEL_ID")
            .help(
                "Post the organization's approval requests in this Slack channel (its id, such as \
                 C0123ABCD: in Slack, the channel's details, at the bottom); `none` sends them to \
                 each approver by direct message.",
            )
    }

    async fn set_approval_channel(
        &self,
        store: &Store,
        org: &str,
        matches: &clap::ArgMatches,
    ) -> anyhow::Result<bool> {
        let given = ApprovalChannel {
            slack: matches.get_one::<String>(PLATFORM).cloned(),
        };
        given.apply(store, org).await
    }
}

/// Serves Slack over Socket Mode until SIGTERM or Ctrl-C, with the approval sweeps.
async fn run(config: &SlackConfig, bot: Arc<Bot>) -> anyhow::Result<()> {
    let Some(app_token) = &config.app_token else {
        anyhow::bail!(
            "Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-…, with connections:write): see README.md, Slack"
        );
    };
    if config.bot_token.is_none() {
        anyhow::bail!("Socket Mode needs SLACK_BOT_TOKEN (xoxb-…) too: see README.md, Slack");
    }
    let web = Web::new(&config.api_base, config.bot_token.as_deref())?;
    let slack = Arc::new(Slack::new(bot.clone(), web));
    bot.spawn_sweeper(crate::bot::SWEEP_EVERY);
    tracing::info!("connecting to Slack in Socket Mode");
    Socket::new(slack, app_token).serve().await
}

/// `--slack CHANNEL_ID|none` on `orgs set-approval-channel`.
#[derive(Debug, Default)]
struct ApprovalChannel {
    slack: Option<String>,
}

/// Whether `id` looks like a Slack conversation id: C (channel), G (private) or D (DM),
/// then capital letters and digits.
fn is_channel_id(id: &str) -> bool {
    id.len() >= 9
        && id.len() <= 20
        && matches!(id.as_bytes().first(), Some(b'C' | b'G' | b'D'))
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl ApprovalChannel {
    /// Saves the channel if one was given; whether it was.
    async fn apply(&self, store: &Store, org: &str) -> anyhow::Result<bool> {
        let Some(channel) = self.slack.as_deref().map(str::trim) else {
            return Ok(false);
        };
        if channel.eq_ignore_ascii_case("none") {
            store.set_approval_channel(org, PLATFORM, None).await?;
            println!("requests of {org} on Slack go to each approver privately");
            return Ok(true);
        }
        if !is_channel_id(channel) {
            anyhow::bail!(
                "'{channel}' is not a Slack channel id (like C0123ABCD: open the channel's details in Slack; the id is at the bottom)"
            );
        }
        store
            .set_approval_channel(org, PLATFORM, Some(channel))
            .await?;
        println!("requests of {org} go to Slack channel {channel}");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_are_recognised() {
        assert!(is_channel_id("C0123ABCD"));
        assert!(is_channel_id("G01ABCDEFGH"));
        assert!(!is_channel_id("#buying"));
        assert!(!is_channel_id("c0123abcd"));
        assert!(!is_channel_id("U0123ABCD"));
        assert!(!is_channel_id("C01"));
    }
}
