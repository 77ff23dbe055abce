//! Slack's part of the CLI: `checkout-bot slack` (Socket Mode), and `--slack` on
//! `orgs set-approval-channel`, which `main` flattens into the orgs command.

use std::sync::Arc;

use clap::Args;

use super::config::SlackConfig;
use super::socket::Socket;
use super::web::Web;
use super::{PLATFORM, Slack};
use crate::bot::Bot;
use crate::store::Store;

/// Connect to Slack in Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN): no public URL needed.
#[derive(Args)]
pub struct SlackArgs {}

/// Serves Slack over Socket Mode until SIGTERM or Ctrl-C, with the approval sweeps.
pub async fn run(_args: SlackArgs, config: &SlackConfig, bot: Arc<Bot>) -> anyhow::Result<()> {
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
#[derive(Args, Debug, Default)]
#[group(id = "slack-approval-channel")]
pub struct ApprovalChannel {
    /// Post the organization's approval requests in this Slack channel (its id, such as
    /// C0123ABCD: in Slack, the channel's details, at the bottom); `none` sends them to
    /// each approver by direct message.
    #[arg(long, value_name = "CHANNEL_ID")]
    pub slack: Option<String>,
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
    pub async fn apply(&self, store: &Store, org: &str) -> anyhow::Result<bool> {
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
