//! `checkout-bot discord`: the gateway client, `discord register` for the slash
//! commands, and `discord approval-channel` for where an organization's requests are
//! posted. `main` mounts this subcommand and hands it a started bot or the store.

use std::sync::Arc;

use clap::{Args, Subcommand};

use anyhow::Context;

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
    /// Post an organization's approval requests in a Discord channel; `none` sends them
    /// to each approver privately again.
    ApprovalChannel {
        /// The organization, such as ORG-ACME.
        org: String,
        /// The channel id (a number: in Discord, developer mode on, Copy Channel ID), or `none`.
        channel: String,
    },
}

/// What a subcommand needs from `main`.
pub enum Needs {
    /// A started bot: it serves chat.
    Bot,
    /// The store only.
    Store,
    /// Neither: it only talks to Discord.
    Nothing,
}

impl DiscordArgs {
    pub fn needs(&self) -> Needs {
        match self.action {
            None => Needs::Bot,
            Some(DiscordCommand::ApprovalChannel { .. }) => Needs::Store,
            Some(DiscordCommand::Register { .. }) => Needs::Nothing,
        }
    }
}

/// Runs the subcommand: the gateway client on `bot` (with the approval sweeps), or the
/// registration of the slash commands.
pub async fn run(
    args: DiscordArgs,
    config: &DiscordConfig,
    bot: Option<Arc<Bot>>,
    store: Option<&Store>,
) -> anyhow::Result<()> {
    match (args.action, bot) {
        (None, Some(bot)) => {
            bot.spawn_sweeper(crate::bot::SWEEP_EVERY);
            super::gateway::run(bot, config).await
        }
        (None, None) => anyhow::bail!("the gateway client needs a bot"),
        (Some(DiscordCommand::ApprovalChannel { org, channel }), _) => {
            let store = store.context("setting an approval channel needs the store")?;
            approval_channel(store, &org, channel.trim()).await
        }
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

async fn approval_channel(store: &Store, org: &str, channel: &str) -> anyhow::Result<()> {
    if !store.orgs().await?.iter().any(|o| o.id == org) {
        anyhow::bail!("no organization {org}: see `checkout-bot orgs list`");
    }
    if channel.eq_ignore_ascii_case("none") {
        store.set_approval_channel(org, PLATFORM, None).await?;
        println!("requests of {org} on Discord go to each approver privately");
        return Ok(());
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
    Ok(())
}
