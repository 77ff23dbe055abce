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

/// Runs a chat on stdin and stdout until end of input; documents asked for are written
/// to `documents`.
pub async fn run(
    bot: &Bot,
    user: &str,
    json_mode: bool,
    documents: &std::path::Path,
) -> anyhow::Result<()> {
    let who = Identity::new(PLATFORM, WORKSPACE, user).named(Some(user));
    let stdin = BufReader::new(tokio::io::stdin());
    let mut stdout = tokio::io::stdout();
    let interactive = std::io::stdin().is_terminal() && !json_mode;
    let mode = Mode {
        json: json_mode,
        interactive,
        documents,
    };
    chat(bot, &who, stdin, &mut stdout, &mode).await
}

/// How one chat runs.
pub(crate) struct Mode<'a> {
    /// JSON lines instead of text.
    pub(crate) json: bool,
    /// A person at a terminal: show a prompt.
    pub(crate) interactive: bool,
    /// Where documents asked for are written.
    pub(crate) documents: &'a std::path::Path,
}

/// Writes the document `reply` hands over to `dir` and says where in its notice; the
/// file's path, when it was written.
async fn save_document(
    bot: &Bot,
    locale: &str,
    dir: &std::path::Path,
    reply: &mut crate::engine::view::Reply,
) -> Option<String> {
    use crate::engine::view::Notice;
    let doc = reply.document.as_ref()?;
    let l = bot.prompts().lang(locale);
    let written = match bot.write_document(doc).await {
        Ok(Some(file)) => file,
        Ok(None) => {
            reply.notice = Some(Notice::error(l.t("document.unknown")));
            return None;
        }
        Err(e) => {
            let f =
                crate::failure::Failure::internal(bot.prompts(), locale, "writing a document", &e);
            reply.notice = Some(Notice::error(f.text));
            return None;
        }
    };
    let path = dir.join(&written.file_name);
    let saved = async {
        tokio::fs::create_dir_all(dir).await?;
        tokio::fs::write(&path, &written.bytes).await?;
        tokio::fs::canonicalize(&path).await
    }
    .await;
    match saved {
        Ok(full) => {
            let shown = full.display().to_string();
            reply.notice = Some(Notice::success(l.f(
                "document.saved",
                &[("file", &written.file_name), ("path", &shown)],
            )));
            Some(shown)
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "could not write a document");
            let f =
                crate::failure::Failure::internal(bot.prompts(), locale, "writing a document", &e);
            reply.notice = Some(Notice::error(f.text));
            None
        }
    }
}

/// The chat loop over any reader and writer, so tests can drive it in-process too.
pub(crate) async fn chat<R, W>(
    bot: &Bot,
    who: &Identity,
    input: R,
    out: &mut W,
    mode: &Mode<'_>,
) -> anyhow::Result<()>
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWrite + Unpin,
{
    let (json_mode, interactive) = (mode.json, mode.interactive);
    let locale = bot.config().default_locale.clone();
    let mut lines = input.lines();
    let mut screen = text::Screen::new(&bot.prompts().lang(&locale));
    let mut event = Some(Event::Start);
    loop {
        if let Some(ev) = event.take() {
            let draft = matches!(ev, Event::Draft { .. });
            let mut reply = bot.respond(who, &locale, ev).await;
            let saved = match &mut reply {
                Ok(r) => save_document(bot, &locale, mode.documents, r).await,
                Err(_) => None,
            };
            if draft {
                // Kept quietly: the form goes on asking its next field.
                if let Ok(r) = &reply {
                    screen.follow(r);
                }
            }
            let shown = if draft {
                String::new()
            } else if json_mode {
                json::render(&reply, saved.as_deref())
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
            // Ctrl-D leaves the prompt's line open: end it, so the shell's prompt starts
            // on a line of its own.
            if interactive {
                out.write_all(b"\n").await?;
                out.flush().await?;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[tokio::test]
    async fn end_of_input_at_the_prompt_ends_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            database_url: format!("sqlite:{}", dir.path().join("t.db").display()),
            ..Config::default()
        };
        let bot = Bot::start(config).await.unwrap();
        let who = Identity::new(PLATFORM, WORKSPACE, "eof");
        let mut out = Vec::new();
        let docs = dir.path().join("documents");
        let mode = |interactive| Mode {
            json: false,
            interactive,
            documents: &docs,
        };
        chat(&bot, &who, BufReader::new(&b""[..]), &mut out, &mode(true))
            .await
            .unwrap();
        let shown = String::from_utf8(out).unwrap();
        assert!(shown.ends_with("> \n"), "{shown:?}");
        let mut piped = Vec::new();
        chat(
            &bot,
            &who,
            BufReader::new(&b""[..]),
            &mut piped,
            &mode(false),
        )
        .await
        .unwrap();
        assert!(!String::from_utf8(piped).unwrap().ends_with("> \n"));
    }
}
