//! `checkout-bot discord`: the gateway client, or `discord register` for the slash
//! commands; and `--discord` on `orgs set-approval-channel`. `main` mounts the
//! subcommand, hands it a started bot, and flattens the option into the orgs command.

use std::sync::Arc;

use clap::{Args, Subcommand};

use super::PLATFORM;
use super::config::DiscordConfig;
use crate::bot::Bot;
use crate::store::Store;

/// Run the Discord gateway client (DISCORD_TOKEN), or register the slash commands.
#[derive(Args)]
pub struct DiscordArgs {
    #[command(subcommand)]
    pub action: Option<DiscordCommand>,
}

#[derive(Subcommand)]
pub enum DiscordCommand {
    /// Register the slash commands: globally, or in one guild (instant, for testing).
    Register {
        #[arg(long)]
        guild: Option<u64>,
    },
}

impl DiscordArgs {
    /// Whether the command serves chat (and so needs a bot) or only talks to Discord.
    pub fn needs_bot(&self) -> bool {
        self.action.is_none()
    }
}

/// `--discord CHANNEL_ID|none` on `orgs set-approval-channel`.
#[derive(Args, Debug, Default)]
#[group(id = "discord-approval-channel")]
pub struct ApprovalChannel {
    /// Post the organization's approval requests in this Discord channel (its id: with
    /// developer mode on, Copy Channel ID); `none` sends them to each approver privately.
    #[arg(long, value_name = "CHANNEL_ID")]
    pub discord: Option<String>,
}

impl ApprovalChannel {
    /// Saves the channel if one was given; whether it was.
    pub async fn apply(&self, store: &Store, org: &str) -> anyhow::Result<bool> {
        let Some(channel) = self.discord.as_deref().map(str::trim) else {
            return Ok(false);
        };
        if channel.eq_ignore_ascii_case("none") {
            store.set_approval_channel(org, PLATFORM, None).await?;
            println!("requests of {org} on Discord go to each approver privately");
            return Ok(true);
        }
        if channel.parse::<u64>().map_or(true, |n| n == 0) {
            anyhow::bail!(
                "'{channel}' is not a Discord channel id (a number; copy it from Discord with developer mode on)"
            );
        }
        store
            .set_approval_channel(org, PLATFORM, Some(channel))
            .await?;
        println!("requests of {org} go to Discord channel {channel}");
        Ok(true)
    }
}

/// Runs the subcommand: the gateway client on `bot` (with the approval sweeps), or the
/// registration of the slash commands.
pub async fn run(
    args: DiscordArgs,
    config: &DiscordConfig,
    bot: Option<Arc<Bot>>,
) -> anyhow::Result<()> {
    match (args.action, bot) {
        (None, Some(bot)) => {
            bot.spawn_sweeper(crate::bot::SWEEP_EVERY);
            super::gateway::run(bot, config).await
        }
        (None, None) => anyhow::bail!("the gateway client needs a bot"),
        (Some(DiscordCommand::Register { guild }), _) => {
            let n = super::gateway::register(config, guild).await?;
            match guild {
                Some(g) => println!("registered {n} commands in guild {g}"),
                None => println!(
                    "registered {n} global commands (they may take up to an hour to appear)"
                ),
            }
            Ok(())
        }
    }
}
