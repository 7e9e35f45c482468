//! `/ticket id:<reference|uuid|link> [private:<bool>]`: one ticket's card on demand.

use serenity::all::{
    CommandDataOptionValue, CommandInteraction, CommandOptionType, CreateCommand,
    CreateCommandOption,
};

use crate::bot::TicketAnswer;
use crate::discord::render::{escape_markdown, truncate};

/// The command's name.
pub const NAME: &str = "ticket";
/// Name of the required option.
pub const ID_OPTION: &str = "id";
/// Name of the optional "only I can see it" option.
pub const PRIVATE_OPTION: &str = "private";
/// Longest id input echoed back in a message.
const ECHO_LIMIT: usize = 100;

/// The command as registered with Discord.
pub fn register() -> CreateCommand {
    CreateCommand::new(NAME)
        .description("Show a Xalantis ticket")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                ID_OPTION,
                "Reference (VEN1-000079), UUID or link",
            )
            .required(true)
            .max_length(500),
        )
        .add_option(CreateCommandOption::new(
            CommandOptionType::Boolean,
            PRIVATE_OPTION,
            "Only you see the answer",
        ))
}

/// The options of one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What the user typed as `id`.
    pub id: String,
    /// Whether the answer is ephemeral.
    pub private: bool,
}

/// Reads the options of a `/ticket` interaction.
pub fn invocation(command: &CommandInteraction) -> Invocation {
    let mut invocation = Invocation {
        id: String::new(),
        private: false,
    };
    for option in &command.data.options {
        match (option.name.as_str(), &option.value) {
            (ID_OPTION, CommandDataOptionValue::String(id)) => invocation.id.clone_from(id),
            (PRIVATE_OPTION, CommandDataOptionValue::Boolean(private)) => {
                invocation.private = *private;
            }
            _ => {}
        }
    }
    invocation
}

/// The short, honest text answering a `/ticket` that found no card (always sent ephemerally).
pub fn problem_text(answer: &TicketAnswer) -> Option<String> {
    match answer {
        TicketAnswer::Found(_) => None,
        TicketAnswer::NotATicket => Some(
            "That doesn't look like a ticket. Give a reference such as `VEN1-000079`, a ticket UUID, or a \
             ticket link."
                .to_owned(),
        ),
        TicketAnswer::NotFound(id) => Some(format!("No ticket {} found.", escape_markdown(&truncate(id, ECHO_LIMIT)))),
        TicketAnswer::Failed(error) => Some(error.user_message().to_owned()),
    }
}
