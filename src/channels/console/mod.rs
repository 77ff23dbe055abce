//! The terminal chat: `checkout-bot chat`. Text mode for people, JSON lines for scripts.
//!
//! Reads one line at a time from stdin, so it works with a pipe as well as a TTY.

mod json;
mod text;

use std::io::IsTerminal;

use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::bot::Bot;
use crate::domain::account::Identity;
use crate::engine::event::Event;

pub const PLATFORM: &str = "console";
pub const WORKSPACE: &str = "local";

/// Runs a chat on stdin and stdout until end of input.
pub async fn run(bot: &Bot, user: &str, json_mode: bool) -> anyhow::Result<()> {
    let who = Identity::new(PLATFORM, WORKSPACE, user);
    let stdin = BufReader::new(tokio::io::stdin());
    let mut stdout = tokio::io::stdout();
    let interactive = std::io::stdin().is_terminal() && !json_mode;
    chat(bot, &who, stdin, &mut stdout, json_mode, interactive).await
}

/// The chat loop over any reader and writer, so tests can drive it in-process too.
pub async fn chat<R, W>(
    bot: &Bot,
    who: &Identity,
    input: R,
    out: &mut W,
    json_mode: bool,
    interactive: bool,
) -> anyhow::Result<()>
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWrite + Unpin,
{
    let locale = bot.config().default_locale.clone();
    let mut lines = input.lines();
    let mut screen = text::Screen::new(&bot.prompts().lang(&locale));
    let mut event = Some(Event::Start);
    loop {
        if let Some(ev) = event.take() {
            let reply = bot.respond(who, &locale, ev).await;
            let shown = if json_mode {
                json::render(&reply)
            } else {
                screen.show(&reply)
            };
            out.write_all(shown.as_bytes()).await?;
        }
        if interactive {
            out.write_all(screen.prompt().as_bytes()).await?;
        }
        out.flush().await?;
        let Some(line) = lines.next_line().await? else {
            return Ok(());
        };
        if json_mode {
            match json::parse(&line) {
                Ok(Some(ev)) => event = Some(ev),
                Ok(None) => {}
                Err(message) => {
                    out.write_all(json::error_line(&message).as_bytes()).await?;
                }
            }
        } else {
            let (ev, said) = screen.read(&line);
            if !said.is_empty() {
                out.write_all(said.as_bytes()).await?;
            }
            event = ev;
        }
    }
}
