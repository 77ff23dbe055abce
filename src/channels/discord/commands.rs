//! The slash commands the bot registers with Discord.

use serenity::all::{CommandOptionType, CreateCommand, CreateCommandOption};

pub fn all() -> Vec<CreateCommand> {
    vec![
        CreateCommand::new("buy")
            .description("Open the store")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "category",
                    "A category to open on",
                )
                .required(false)
                .set_autocomplete(true),
            ),
        CreateCommand::new("cart").description("Your cart"),
        CreateCommand::new("checkout").description("Start or resume the checkout"),
        CreateCommand::new("deployment")
            .description("Choose the deployment for the item being checked out")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "query",
                    "Deployment ID or name",
                )
                .required(true)
                .set_autocomplete(true),
            ),
        CreateCommand::new("orders").description("Your recent orders"),
        CreateCommand::new("quotes").description("Your quotes"),
        CreateCommand::new("ticket").description("Where to open a support ticket"),
        CreateCommand::new("cards").description("Your saved cards; remove one"),
        CreateCommand::new("help").description("What the bot can do"),
        CreateCommand::new("cancel").description("Leave the current step; your cart is kept"),
        CreateCommand::new("approvals")
            .description("Orders waiting for your approval; or let someone decide for you")
            .add_option(CreateCommandOption::new(
                CommandOptionType::User,
                "delegate",
                "Who decides for you while you are away",
            ))
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "until",
                "Last day of the delegation, YYYY-MM-DD",
            ))
            .add_option(CreateCommandOption::new(
                CommandOptionType::Boolean,
                "end",
                "End your delegation now",
            )),
    ]
}
