//! Discord as one of the program's platforms: `checkout-bot discord` (the gateway
//! client, or `discord register` for the slash commands), `--discord` on
//! `orgs set-approval-channel`, its routes and its outbound ports, all in the one
//! `Platform` value `platform()` returns.

use std::sync::Arc;

use async_trait::async_trait;
use clap::{Args, FromArgMatches, Subcommand};

use super::PLATFORM;
use super::config::DiscordConfig;
use crate::bot::Bot;
use crate::metrics::Metrics;
use crate::platforms::Platform;
use crate::services::outbound::Outbound;
use crate::store::Store;

/// Discord, configured from the environment.
pub fn platform() -> anyhow::Result<Box<dyn Platform>> {
    Ok(Box::new(Discord {
        config: DiscordConfig::from_env()?,
    }))
}

struct Discord {
    config: DiscordConfig,
}

#[async_trait]
impl Platform for Discord {
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
        DiscordArgs::augment_args(clap::Command::new(PLATFORM).about(
            "Run the Discord gateway client (DISCORD_TOKEN), or register the slash commands.",
        ))
    }

    fn needs_bot(&self, matches: &clap::ArgMatches) -> bool {
        DiscordArgs::from_arg_matches(matches).is_ok_and(|a| a.needs_bot())
    }

    async fn run(&self, matches: &clap::ArgMatches, bot: Option<Arc<Bot>>) -> anyhow::Result<()> {
        run(DiscordArgs::from_arg_matches(matches)?, &self.config, bot).await
    }

    fn approval_channel_arg(&self) -> clap::Arg {
        clap::Arg::new(PLATFORM)
            .long(PLATFORM)
            .value_name("CHANNEL_ID")
            .help(
                "Post the organization's approval requests in this Discord channel (its id: with \
                 developer mode on, Copy Channel ID); `none` sends them to each approver privately.",
            )
    }

    async fn set_approval_channel(
        &self,
        store: &Store,
        org: &str,
        matches: &clap::ArgMatches,
    ) -> anyhow::Result<bool> {
        let given = ApprovalChannel {
            discord: matches.get_one::<String>(PLATFORM).cloned(),
        };
        given.apply(store, org).await
    }
}

/// Run the Discord gateway client (DISCORD_TOKEN), or register the slash commands.
#[derive(Args)]
pub(crate) struct DiscordArgs {
    #[command(subcommand)]
    pub(crate) action: Option<DiscordCommand>,
}

#[derive(Subcommand)]
pub(crate) enum DiscordCommand {
    /// Register the slash commands: globally, or in one guild (instant, for testing).
    Register {
        #[arg(long)]
        guild: Option<u64>,
    },
}

impl DiscordArgs {
    /// Whether the command serves chat (and so needs a bot) or only talks to Discord.
    pub(crate) fn needs_bot(&self) -> bool {
        self.action.is_none()
    }
}

/// `--discord CHANNEL_ID|none` on `orgs set-approval-channel`.
#[derive(Debug, Default)]
struct ApprovalChannel {
    discord: Option<String>,
}

impl ApprovalChannel {
    /// Saves the channel if one was given; whether it was.
    async fn apply(&self, store: &Store, org: &str) -> anyhow::Result<bool> {
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
async fn run(
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
