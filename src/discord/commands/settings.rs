//! `/ticket-settings show | set [scope] [passive] [card-size] [requester] [cooldown-minutes]
//! [reset]`: per-channel settings, for members who can manage the server.
//!
//! ```
//! use serenity::all::ChannelId;
//! use xalantis_bot::discord::commands::settings::settings_text;
//! use xalantis_bot::settings::{ChannelSettings, Effective, Layers};
//! let quiet = ChannelSettings { passive: Some(false), ..ChannelSettings::default() };
//! let layers = Layers { defaults: Effective::default(), guild: quiet, channel: ChannelSettings::default() };
//! let text = settings_text(ChannelId::new(100), &layers);
//! assert!(text.contains("Passive answering: **off** (server default)"));
//! ```

use std::time::Duration;

use serenity::all::{
    ChannelId, CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType,
    CreateCommand, CreateCommandOption, InteractionContext, Permissions,
};

use crate::card::ShowRequester;
use crate::settings::{
    CardSize, ChannelSettings, Layers, RequesterVisibility, SettingsChange, SettingsScope,
};
use crate::store::PLATFORM_DISCORD;

/// The command's name.
pub const NAME: &str = "ticket-settings";
/// Subcommand showing the settings in force.
pub const SHOW: &str = "show";
/// Subcommand changing settings.
pub const SET: &str = "set";
/// `channel` (default) or `server`.
pub const SCOPE_OPTION: &str = "scope";
/// Answer plain messages that mention tickets.
pub const PASSIVE_OPTION: &str = "passive";
/// `full` or `compact`.
pub const CARD_SIZE_OPTION: &str = "card-size";
/// `none` or `name`.
pub const REQUESTER_OPTION: &str = "requester";
/// Cooldown in minutes.
pub const COOLDOWN_OPTION: &str = "cooldown-minutes";
/// Clear the scope's settings first.
pub const RESET_OPTION: &str = "reset";
/// Longest cooldown a channel may set: a day.
pub const MAX_COOLDOWN_MINUTES: u64 = 1440;

/// The command as registered with Discord: Manage Server only, never in DMs.
pub fn register() -> CreateCommand {
    CreateCommand::new(NAME)
        .description("Show or change how ticket cards behave in this channel or server")
        .default_member_permissions(Permissions::MANAGE_GUILD)
        .dm_permission(false)
        .contexts(vec![InteractionContext::Guild])
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            SHOW,
            "Show the settings in force in this channel",
        ))
        .add_option(set_subcommand())
}

fn set_subcommand() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::SubCommand,
        SET,
        "Change the settings of this channel or the server",
    )
    .add_sub_option(choice(
        SCOPE_OPTION,
        "This channel (default) or the server default",
        &["channel", "server"],
    ))
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Boolean,
        PASSIVE_OPTION,
        "Answer messages that mention tickets",
    ))
    .add_sub_option(choice(
        CARD_SIZE_OPTION,
        "Full or compact cards",
        &["full", "compact"],
    ))
    .add_sub_option(choice(
        REQUESTER_OPTION,
        "Show the requester's name, or nothing",
        &["none", "name"],
    ))
    .add_sub_option(
        CreateCommandOption::new(
            CommandOptionType::Integer,
            COOLDOWN_OPTION,
            "Minutes before the same ticket gets a full card again (0: off)",
        )
        .min_int_value(0)
        .max_int_value(MAX_COOLDOWN_MINUTES),
    )
    .add_sub_option(CreateCommandOption::new(
        CommandOptionType::Boolean,
        RESET_OPTION,
        "Clear the settings of this scope first, so it inherits again",
    ))
}

fn choice(name: &str, description: &str, values: &[&str]) -> CreateCommandOption {
    values.iter().fold(
        CreateCommandOption::new(CommandOptionType::String, name, description),
        |option, value| option.add_string_choice(*value, *value),
    )
}

/// What an invocation asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Show the settings in force in this channel (the scope is the channel).
    Show(SettingsScope),
    /// Change a scope.
    Set(SettingsChange),
}

/// Why an invocation cannot be carried out; the text is meant for the invoking user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInvocation {
    /// Used outside a server.
    #[error("`/ticket-settings` works in a server channel only.")]
    NotInAServer,
    /// `set` with nothing to set.
    #[error("Nothing to change: give at least one setting, or `reset:True`.")]
    NothingToChange,
    /// A cooldown outside 0..=1440 minutes.
    #[error("`cooldown-minutes` must be from 0 to 1440.")]
    CooldownOutOfRange,
    /// A subcommand, option or value this build does not know (a stale registration).
    #[error("This command has just changed; try again in a minute.")]
    Unrecognised,
}

/// Reads a `/ticket-settings` interaction.
pub fn invocation(command: &CommandInteraction) -> Result<Invocation, InvalidInvocation> {
    let guild_id = command.guild_id.ok_or(InvalidInvocation::NotInAServer)?;
    let here = SettingsScope::channel(
        PLATFORM_DISCORD,
        &guild_id.to_string(),
        &command.channel_id.to_string(),
    );
    let subcommand = command
        .data
        .options
        .first()
        .ok_or(InvalidInvocation::Unrecognised)?;
    match (subcommand.name.as_str(), &subcommand.value) {
        (SHOW, _) => Ok(Invocation::Show(here)),
        (SET, CommandDataOptionValue::SubCommand(options)) => {
            change(here, options).map(Invocation::Set)
        }
        _ => Err(InvalidInvocation::Unrecognised),
    }
}

fn change(
    here: SettingsScope,
    options: &[CommandDataOption],
) -> Result<SettingsChange, InvalidInvocation> {
    let mut change = SettingsChange::set(here, ChannelSettings::default());
    for option in options {
        read_option(&mut change, option)?;
    }
    if change.set.is_empty() && !change.reset {
        return Err(InvalidInvocation::NothingToChange);
    }
    Ok(change)
}

fn read_option(
    change: &mut SettingsChange,
    option: &CommandDataOption,
) -> Result<(), InvalidInvocation> {
    let set = &mut change.set;
    match (option.name.as_str(), &option.value) {
        (SCOPE_OPTION, CommandDataOptionValue::String(scope)) => match scope.as_str() {
            "server" => change.scope.channel_id = None,
            "channel" => {}
            _ => return Err(InvalidInvocation::Unrecognised),
        },
        (PASSIVE_OPTION, CommandDataOptionValue::Boolean(on)) => set.passive = Some(*on),
        (CARD_SIZE_OPTION, CommandDataOptionValue::String(size)) => {
            set.card_size = Some(CardSize::parse(size).ok_or(InvalidInvocation::Unrecognised)?);
        }
        (REQUESTER_OPTION, CommandDataOptionValue::String(shown)) => {
            set.requester =
                Some(RequesterVisibility::parse(shown).ok_or(InvalidInvocation::Unrecognised)?);
        }
        (COOLDOWN_OPTION, CommandDataOptionValue::Integer(minutes)) => {
            set.cooldown_secs = Some(cooldown_secs(*minutes)?);
        }
        (RESET_OPTION, CommandDataOptionValue::Boolean(reset)) => change.reset = *reset,
        _ => return Err(InvalidInvocation::Unrecognised),
    }
    Ok(())
}

fn cooldown_secs(minutes: i64) -> Result<u64, InvalidInvocation> {
    u64::try_from(minutes)
        .ok()
        .filter(|m| *m <= MAX_COOLDOWN_MINUTES)
        .map(|m| m * 60)
        .ok_or(InvalidInvocation::CooldownOutOfRange)
}

/// The settings in force in `channel_id` and where each comes from (sent ephemerally).
pub fn settings_text(channel_id: ChannelId, layers: &Layers) -> String {
    let effective = layers.effective();
    let card_size = if effective.compact {
        CardSize::Compact
    } else {
        CardSize::Full
    };
    let lines = [
        line(
            "Passive answering",
            on_off(effective.passive),
            source(layers, |s| s.passive.is_some()),
        ),
        line(
            "Card size",
            card_size.as_str(),
            source(layers, |s| s.card_size.is_some()),
        ),
        line(
            "Requester",
            requester_label(effective.requester),
            source(layers, |s| s.requester.is_some()),
        ),
        line(
            "Cooldown",
            &cooldown_label(effective.cooldown),
            source(layers, |s| s.cooldown_secs.is_some()),
        ),
    ];
    format!(
        "**Ticket cards in <#{channel_id}>**\n{}\nChange with `/ticket-settings set`; `scope:server` sets the server \
         default.",
        lines.join("\n")
    )
}

/// What a `set` did, followed by the settings now in force in `channel_id`.
pub fn updated_text(change: &SettingsChange, channel_id: ChannelId, layers: &Layers) -> String {
    let cleared = change.reset && change.set.is_empty();
    let headline = match (change.scope.channel_id.is_some(), cleared) {
        (true, true) => "Reset this channel: it follows the server default again.",
        (false, true) => "Reset the server default: channels follow the bot's configuration again.",
        (true, false) => "Saved for this channel.",
        (false, false) => "Saved as the server default.",
    };
    format!("{headline}\n\n{}", settings_text(channel_id, layers))
}

fn line(label: &str, value: &str, source: &str) -> String {
    format!("{label}: **{value}** ({source})")
}

fn source(layers: &Layers, is_set: impl Fn(ChannelSettings) -> bool) -> &'static str {
    if is_set(layers.channel) {
        "this channel"
    } else if is_set(layers.guild) {
        "server default"
    } else {
        "bot configuration"
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn requester_label(shown: ShowRequester) -> &'static str {
    match shown {
        ShowRequester::None => "hidden",
        ShowRequester::Name => "name only",
        ShowRequester::Full => "name and contact details",
    }
}

fn cooldown_label(cooldown: Duration) -> String {
    match cooldown.as_secs() {
        0 => "off".to_owned(),
        secs if secs % 60 == 0 => format!("{} min", secs / 60),
        secs => format!("{secs} s"),
    }
}

#[cfg(test)]
mod tests;
