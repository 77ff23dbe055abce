//! Gateway mode (`checkout-bot discord`): a serenity client whose events go through the
//! same `respond` as the HTTP endpoint. Also registers the slash commands.

use std::sync::Arc;

use anyhow::Context as _;
use serenity::all::{
    ApplicationId, ClientBuilder, Command, Context, CreateActionRow, CreateButton, CreateMessage,
    EventHandler, GatewayIntents, GuildId, Http, HttpBuilder, Interaction, Message, Ready,
};

use super::config::DiscordConfig;
use super::{commands, identity, respond};
use crate::bot::Bot;
use crate::engine::ambient::{Heard, heard};
use crate::engine::event::{Command as BotCommand, Event};
use crate::engine::view::ActionKind;

/// The REST client: Discord's own API with serenity's rate limiter, which paces calls by
/// `X-RateLimit-Reset-After` and waits out each 429 as long as its `Retry-After` says;
/// or `DISCORD_API_BASE` (a rate-limiting proxy, or a test stand-in) with the limiter
/// off, since serenity's limiter sends to discord.com whatever the proxy. There a 429
/// reaches the outbox, which backs off and tries again.
pub(crate) fn http(config: &DiscordConfig) -> anyhow::Result<Http> {
    let token = config
        .token
        .as_deref()
        .context("DISCORD_TOKEN is not set")?;
    let mut builder = HttpBuilder::new(token);
    if let Some(base) = &config.api_base {
        builder = builder.proxy(base.clone()).ratelimiter_disabled(true);
    }
    if let Some(id) = config.application_id {
        builder = builder.application_id(ApplicationId::new(id));
    }
    Ok(builder.build())
}

struct Handler {
    bot: Arc<Bot>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, shard = ?ready.shard, "connected to the Discord gateway");
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let (id, token) = (interaction.id(), interaction.token().to_string());
        let (response, _) = respond(&self.bot, interaction).await;
        if let Err(e) = ctx
            .http
            .create_interaction_response(id, &token, &response, Vec::new())
            .await
        {
            tracing::warn!(error = %e, "could not answer an interaction");
        }
    }

    /// A direct message is a conversation with the bot, as typed in the terminal chat.
    /// In a server, a message that mentions the bot or asks for a ticket gets the
    /// support links.
    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.bot {
            return;
        }
        if msg.guild_id.is_none() {
            direct_message(&self.bot, &ctx, &msg).await;
            return;
        }
        let me = ctx.cache.current_user().id;
        match heard(&msg.content, msg.mentions_user_id(me)) {
            Heard::Nothing => return,
            Heard::CardNumber => {
                guard_card_number(&self.bot, &ctx, &msg).await;
                return;
            }
            Heard::Ticket => {}
        }
        let who = identity(&msg.author);
        // A message event says nothing of its author's locale (only interactions do).
        let reply = match self
            .bot
            .respond(
                &who,
                &self.bot.config().default_locale,
                Event::Command(BotCommand::Ticket),
            )
            .await
        {
            Ok(r) => r,
            Err(f) => {
                tracing::warn!(reference = %f.reference, "ticket links failed");
                return;
            }
        };
        let links: Vec<CreateButton> = reply
            .view
            .actions
            .iter()
            .filter_map(|a| match &a.kind {
                ActionKind::Link { url } => {
                    Some(CreateButton::new_link(url.clone()).label(a.label.clone()))
                }
                _ => None,
            })
            .collect();
        let recent = reply
            .view
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.label, f.value))
            .collect::<Vec<_>>()
            .join("\n");
        let text = super::render::cut(
            &format!("{}\n{recent}", reply.view.body),
            super::render::MAX_CONTENT,
        );
        let message = CreateMessage::new()
            .content(text)
            .components(vec![CreateActionRow::Buttons(links)])
            .reference_message(&msg);
        if let Err(e) = say(&self.bot, &msg, &message).await {
            tracing::warn!(error = %e, "could not send ticket links");
        }
    }
}

/// A sentence (or a /command typed as text) in a direct message: the reply, with its
/// buttons, as the next message of that conversation. A card number gets only the
/// warning: a direct message cannot be deleted by the bot.
async fn direct_message(bot: &Bot, ctx: &Context, msg: &Message) {
    if crate::domain::card::contains_card_number(&msg.content) {
        tracing::warn!(author = %msg.author.id, "a direct message with a card number");
        let warning = CreateMessage::new().content(
            bot.prompts()
                .get(&bot.config().default_locale, "card.guard_discord"),
        );
        if let Err(e) = msg.channel_id.send_message(&ctx.http, warning).await {
            tracing::warn!(error = %e, "could not warn about a card number");
        }
        return;
    }
    let who = identity(&msg.author);
    let event = Event::from_line(&msg.content);
    let reply = match bot.respond(&who, &bot.config().default_locale, event).await {
        Ok(r) => r,
        Err(f) => {
            tracing::warn!(reference = %f.reference, "a direct message failed");
            let note = CreateMessage::new()
                .content(super::render::cut(&f.text, super::render::MAX_CONTENT));
            let _ = msg.channel_id.send_message(&ctx.http, note).await;
            return;
        }
    };
    if let Err(e) = say(bot, msg, &super::render::channel_message(&reply)).await {
        tracing::warn!(error = %e, "could not answer a direct message");
    }
}

/// Says `message` in the channel of `msg` through the outbox, so it is retried until
/// Discord takes it, in order with the rest of that channel's.
async fn say(bot: &Bot, msg: &Message, message: &CreateMessage) -> anyhow::Result<()> {
    let at = crate::services::notifier::Spot {
        channel: msg.channel_id.get().to_string(),
        thread: None,
        only_for: None,
    };
    bot.say(super::PLATFORM, at, serde_json::to_value(message)?)
        .await
}

/// A card number in a channel the bot reads: the message is deleted (this needs the
/// Manage Messages permission) and its author is warned privately. The number is never
/// logged; only the fact.
async fn guard_card_number(bot: &Bot, ctx: &Context, msg: &Message) {
    tracing::warn!(channel = %msg.channel_id, author = %msg.author.id, "deleting a message with a card number");
    // Straight to REST: the cached-permission check of `Message::delete` would refuse
    // in a guild the cache has not seen yet.
    if let Err(e) = ctx
        .http
        .delete_message(msg.channel_id, msg.id, Some("contained a card number"))
        .await
    {
        tracing::warn!(error = %e, "could not delete a message with a card number; check Manage Messages");
    }
    let warning = CreateMessage::new().content(
        bot.prompts()
            .get(&bot.config().default_locale, "card.guard_discord"),
    );
    let sent = match msg.author.id.create_dm_channel(&ctx.http).await {
        Ok(dm) => dm.id.send_message(&ctx.http, warning).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not warn the author privately");
    }
}

/// Runs the gateway client until it stops.
pub async fn run(bot: Arc<Bot>, config: &DiscordConfig) -> anyhow::Result<()> {
    // Message content is a privileged intent: enable it for the application in the
    // developer portal, or ticket requests in messages go unseen.
    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let mut client = ClientBuilder::new_with_http(http(config)?, intents)
        .event_handler(Handler { bot })
        .await
        .context("starting the Discord client")?;
    match (config.shards, config.shard_range) {
        // serenity counts a range's end as included: `2..3` starts shards 2 and 3.
        (Some(total), Some(r)) => client.start_shard_range(r.first..r.last, total).await,
        (Some(n), None) => client.start_shards(n).await,
        (None, _) => client.start_autosharded().await,
    }
    .context("the Discord gateway stopped")
}

/// Registers the slash commands, globally or for one guild. Returns how many.
pub async fn register(config: &DiscordConfig, guild: Option<u64>) -> anyhow::Result<usize> {
    let http = http(config)?;
    if config.application_id.is_none() {
        let app = http
            .get_current_application_info()
            .await
            .context("reading the application's id")?;
        http.set_application_id(app.id);
    }
    let prompts = crate::prompts::Prompts::embedded()?;
    let commands = commands::all(&prompts);
    let set = match guild {
        Some(g) => GuildId::new(g).set_commands(&http, commands).await,
        None => Command::set_global_commands(&http, commands).await,
    }
    .context("registering commands")?;
    Ok(set.len())
}
