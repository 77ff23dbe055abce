//! The slash commands the bot registers with Discord: the engine's one declaration of
//! the commands, rendered as Discord application commands, described in English with a
//! localization for every other locale in `prompts/` (Discord shows each user theirs).

use serenity::all::{CommandOptionType, CreateCommand, CreateCommandOption};

use crate::engine::commands::{COMMANDS, OptionKind, Suggest};
use crate::prompts::Prompts;

pub(crate) fn all(prompts: &Prompts) -> Vec<CreateCommand> {
    let lang = prompts.lang("en");
    let others: Vec<&str> = prompts.locales().into_iter().skip(1).collect();
    COMMANDS
        .iter()
        .map(|c| {
            let mut command = CreateCommand::new(c.name).description(lang.t(c.description));
            for l in others.iter().filter(|l| prompts.has(l, c.description)) {
                command = command.description_localized(*l, prompts.get(l, c.description));
            }
            c.options.iter().fold(command, |command, o| {
                let (kind, autocomplete) = match o.kind {
                    OptionKind::Text(suggest) => {
                        (CommandOptionType::String, suggest != Suggest::None)
                    }
                    OptionKind::Person => (CommandOptionType::User, false),
                    OptionKind::Flag => (CommandOptionType::Boolean, false),
                };
                let mut option = CreateCommandOption::new(kind, o.name, lang.t(o.description))
                    .required(o.required)
                    .set_autocomplete(autocomplete);
                for l in others.iter().filter(|l| prompts.has(l, o.description)) {
                    option = option.description_localized(*l, prompts.get(l, o.description));
                }
                command.add_option(option)
            })
        })
        .collect()
}
