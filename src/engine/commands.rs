//! The slash commands, declared once: name, description and options, their text keyed
//! in `prompts/` (`command.NAME`, `command.NAME_OPTION`). Each channel renders this one
//! table in its own form (a platform's registered commands or app manifest, the terminal's
//! `/help`), and turns what a person typed back into a `Command` with `Command::named`.

use super::event::Command;

/// What an option holds, so a channel can offer the right input for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionKind {
    /// Free text, with suggestions from `Suggest` as the person types.
    Text(Suggest),
    /// A person in the same workspace.
    Person,
    /// Yes or no.
    Flag,
}

/// Where an option's search-as-you-type suggestions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Suggest {
    None,
    Categories,
    Deployments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    pub(crate) name: &'static str,
    /// The key of its description in `prompts/`.
    pub(crate) description: &'static str,
    pub(crate) kind: OptionKind,
    pub(crate) required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    /// The key of its description in `prompts/`.
    pub description: &'static str,
    pub options: &'static [OptionSpec],
}

const fn text(
    name: &'static str,
    description: &'static str,
    suggest: Suggest,
    required: bool,
) -> OptionSpec {
    OptionSpec {
        name,
        description,
        kind: OptionKind::Text(suggest),
        required,
    }
}

const fn plain(name: &'static str, description: &'static str) -> CommandSpec {
    CommandSpec {
        name,
        description,
        options: &[],
    }
}

/// Every command, in the order help lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "buy",
        description: "command.buy",
        options: &[text(
            "category",
            "command.buy_category",
            Suggest::Categories,
            false,
        )],
    },
    plain("cart", "command.cart"),
    plain("checkout", "command.checkout"),
    CommandSpec {
        name: "deployment",
        description: "command.deployment",
        options: &[text(
            "query",
            "command.deployment_query",
            Suggest::Deployments,
            true,
        )],
    },
    plain("orders", "command.orders"),
    plain("quotes", "command.quotes"),
    plain("ticket", "command.ticket"),
    plain("cards", "command.cards"),
    plain("whoami", "command.whoami"),
    CommandSpec {
        name: "signin",
        description: "command.signin",
        options: &[text("email", "command.signin_email", Suggest::None, false)],
    },
    plain("signout", "command.signout"),
    plain("help", "command.help"),
    plain("cancel", "command.cancel"),
    CommandSpec {
        name: "approvals",
        description: "command.approvals",
        options: &[
            OptionSpec {
                name: "delegate",
                description: "command.approvals_delegate",
                kind: OptionKind::Person,
                required: false,
            },
            text("until", "command.approvals_until", Suggest::None, false),
            OptionSpec {
                name: "end",
                description: "command.approvals_end",
                kind: OptionKind::Flag,
                required: false,
            },
        ],
    },
];

impl Command {
    /// The command a person named, with its one free-text argument if it takes one.
    /// Aliases the terminal accepts (`store`, `shop`, `support`) map to the same ones.
    pub(crate) fn named(name: &str, arg: Option<String>) -> Command {
        match name.to_ascii_lowercase().as_str() {
            "buy" | "store" | "shop" => Command::Buy(arg),
            "cart" => Command::Cart,
            "checkout" => Command::Checkout,
            "orders" => Command::Orders,
            "quotes" => Command::Quotes,
            "ticket" | "support" => Command::Ticket,
            "cards" => Command::Cards,
            "whoami" | "me" => Command::WhoAmI,
            "signin" | "login" => Command::SignIn(arg),
            "signout" | "logout" => Command::SignOut,
            "deployment" => Command::Deployment(arg),
            "help" => Command::Help,
            "cancel" => Command::Cancel,
            "approvals" => Command::Approvals,
            other => Command::Unknown(other.chars().take(32).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::Prompts;

    #[test]
    fn every_command_has_its_text_and_a_meaning() {
        let prompts = Prompts::embedded().unwrap();
        let lang = prompts.lang("en");
        for c in COMMANDS {
            let described = lang.t(c.description);
            assert!(described != c.description, "{}", c.name);
            assert!(described.chars().count() <= 100, "{}", c.name);
            for o in c.options {
                assert_ne!(lang.t(o.description), o.description, "{}", o.name);
                assert!(lang.t(o.description).chars().count() <= 100);
            }
            assert!(
                !matches!(Command::named(c.name, None), Command::Unknown(_)),
                "{} means nothing",
                c.name
            );
        }
    }

    /// The README's command table and the commands help lists are the same set.
    #[test]
    fn the_readme_table_lists_every_command() {
        let readme = include_str!("../../README.md");
        let named: std::collections::BTreeSet<String> = readme
            .lines()
            .filter(|l| l.starts_with("| `/"))
            .filter_map(|l| l.split('|').nth(1))
            .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_string))
            .filter_map(|c| {
                c.strip_prefix('/')
                    .map(|c| c.split(' ').next().unwrap_or("").to_string())
            })
            .collect();
        let listed: std::collections::BTreeSet<String> =
            COMMANDS.iter().map(|c| c.name.to_string()).collect();
        assert_eq!(named, listed);
    }
}
