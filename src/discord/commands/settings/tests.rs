use serde_json::{Value, json};
use serenity::all::ChannelId;

use super::*;
use crate::settings::Effective;

fn command(guild_id: Option<&str>, subcommand: &Value) -> CommandInteraction {
    let mut d = json!({
        "id": "900", "application_id": "800", "type": 2, "channel_id": "100", "token": "t",
        "version": 1, "locale": "en-US", "entitlements": [], "attachment_size_limit": 26_214_400,
        "user": {"id": "7", "username": "admin", "discriminator": "0", "avatar": null},
        "data": {"id": "700", "name": NAME, "type": 1, "options": [subcommand]},
    });
    if let Some(guild_id) = guild_id {
        d["guild_id"] = json!(guild_id);
    }
    serde_json::from_value(d).expect("a valid interaction")
}

fn set(options: &Value) -> Value {
    json!({"name": SET, "type": 1, "options": options})
}

fn parsed(options: &Value) -> Result<Invocation, InvalidInvocation> {
    invocation(&command(Some("1"), &set(options)))
}

#[test]
fn show_reads_the_channel_it_was_used_in() {
    let shown = invocation(&command(
        Some("1"),
        &json!({"name": SHOW, "type": 1, "options": []}),
    ));
    assert_eq!(
        shown,
        Ok(Invocation::Show(SettingsScope::channel(
            "discord", "1", "100"
        )))
    );
}

#[test]
fn set_reads_every_option_into_a_channel_change() {
    let options = json!([
        {"name": PASSIVE_OPTION, "type": 5, "value": false},
        {"name": CARD_SIZE_OPTION, "type": 3, "value": "compact"},
        {"name": REQUESTER_OPTION, "type": 3, "value": "name"},
        {"name": COOLDOWN_OPTION, "type": 4, "value": 15},
    ]);
    let expected = ChannelSettings {
        passive: Some(false),
        card_size: Some(CardSize::Compact),
        requester: Some(RequesterVisibility::Name),
        cooldown_secs: Some(900),
    };
    let change = SettingsChange::set(SettingsScope::channel("discord", "1", "100"), expected);
    assert_eq!(parsed(&options), Ok(Invocation::Set(change)));
}

#[test]
fn server_scope_changes_the_guild_default() {
    let options = json!([{"name": SCOPE_OPTION, "type": 3, "value": "server"}, {"name": RESET_OPTION, "type": 5, "value": true}]);
    assert_eq!(
        parsed(&options),
        Ok(Invocation::Set(SettingsChange::reset(
            SettingsScope::guild("discord", "1")
        )))
    );
}

#[test]
fn set_without_any_setting_is_refused() {
    assert_eq!(
        parsed(&json!([{"name": SCOPE_OPTION, "type": 3, "value": "channel"}])),
        Err(InvalidInvocation::NothingToChange)
    );
}

#[test]
fn a_cooldown_outside_a_day_is_refused() {
    for minutes in [-1, 1441] {
        let options = json!([{"name": COOLDOWN_OPTION, "type": 4, "value": minutes}]);
        assert_eq!(
            parsed(&options),
            Err(InvalidInvocation::CooldownOutOfRange),
            "{minutes}"
        );
    }
}

#[test]
fn unknown_values_and_direct_messages_are_refused() {
    let huge = json!([{"name": CARD_SIZE_OPTION, "type": 3, "value": "huge"}]);
    assert_eq!(parsed(&huge), Err(InvalidInvocation::Unrecognised));
    let dm = command(None, &json!({"name": SHOW, "type": 1, "options": []}));
    assert_eq!(invocation(&dm), Err(InvalidInvocation::NotInAServer));
}

#[test]
fn the_command_is_for_server_managers_and_offers_full_requester_nowhere() {
    let registered = serde_json::to_value(register()).unwrap();
    assert_eq!(registered["default_member_permissions"], json!("32"));
    assert_eq!(registered["dm_permission"], json!(false));
    let set = &registered["options"][1]["options"];
    let requester = set
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == REQUESTER_OPTION)
        .unwrap();
    let values: Vec<&Value> = requester["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["value"])
        .collect();
    assert_eq!(values, [&json!("none"), &json!("name")]);
}

#[test]
fn the_settings_text_names_the_source_of_each_value() {
    let layers = Layers {
        defaults: Effective::default(),
        guild: ChannelSettings {
            card_size: Some(CardSize::Compact),
            ..ChannelSettings::default()
        },
        channel: ChannelSettings {
            cooldown_secs: Some(0),
            ..ChannelSettings::default()
        },
    };
    let text = settings_text(ChannelId::new(100), &layers);
    assert!(text.starts_with("**Ticket cards in <#100>**"), "{text}");
    assert!(
        text.contains("Passive answering: **on** (bot configuration)"),
        "{text}"
    );
    assert!(
        text.contains("Card size: **compact** (server default)"),
        "{text}"
    );
    assert!(
        text.contains("Requester: **hidden** (bot configuration)"),
        "{text}"
    );
    assert!(text.contains("Cooldown: **off** (this channel)"), "{text}");
}

#[test]
fn the_update_text_says_what_was_saved_where() {
    let layers = Layers {
        defaults: Effective::default(),
        guild: ChannelSettings::default(),
        channel: ChannelSettings::default(),
    };
    let reset = SettingsChange::reset(SettingsScope::channel("discord", "1", "100"));
    assert!(updated_text(&reset, ChannelId::new(100), &layers).starts_with("Reset this channel"));
    let quiet = ChannelSettings {
        passive: Some(false),
        ..ChannelSettings::default()
    };
    let server = SettingsChange::set(SettingsScope::guild("discord", "1"), quiet);
    assert!(
        updated_text(&server, ChannelId::new(100), &layers)
            .starts_with("Saved as the server default.")
    );
}

#[test]
fn cooldowns_read_in_minutes_when_whole() {
    assert_eq!(cooldown_label(Duration::from_secs(600)), "10 min");
    assert_eq!(cooldown_label(Duration::from_secs(90)), "90 s");
}
