//! `checkout-bot discord`: the gateway client, or `discord register` for the slash
//! commands. `main` mounts this subcommand and hands it a started bot.

use std::sync::Arc;

use clap::{Args, Subcommand};

use super::config::DiscordConfig;
use crate::bot::Bot;

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
