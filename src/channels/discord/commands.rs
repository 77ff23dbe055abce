//! The slash commands the bot registers with Discord: the engine's one declaration of
//! the commands, rendered as Discord application commands.

use serenity::all::{CommandOptionType, CreateCommand, CreateCommandOption};

use crate::engine::commands::{COMMANDS, OptionKind, Suggest};
use crate::services::prompts::Prompts;

pub fn all(prompts: &Prompts) -> Vec<CreateCommand> {
    let lang = prompts.lang("en");
    COMMANDS
        .iter()
        .map(|c| {
            c.options.iter().fold(
                CreateCommand::new(c.name).description(lang.t(c.description)),
                |command, o| {
                    let (kind, autocomplete) = match o.kind {
                        OptionKind::Text(suggest) => {
                            (CommandOptionType::String, suggest != Suggest::None)
                        }
                        OptionKind::Person => (CommandOptionType::User, false),
                        OptionKind::Flag => (CommandOptionType::Boolean, false),
                    };
                    command.add_option(
                        CreateCommandOption::new(kind, o.name, lang.t(o.description))
                            .required(o.required)
                            .set_autocomplete(autocomplete),
                    )
                },
            )
        })
        .collect()
}
