use super::*;

const DISCORD: &str = "discord";

fn passive(on: bool) -> ChannelSettings {
    ChannelSettings {
        passive: Some(on),
        ..ChannelSettings::default()
    }
}

fn cooldown(secs: u64) -> ChannelSettings {
    ChannelSettings {
        cooldown_secs: Some(secs),
        ..ChannelSettings::default()
    }
}

#[test]
fn without_settings_the_configuration_decides() {
    let defaults = Effective {
        requester: ShowRequester::Full,
        ..Effective::default()
    };
    let settings = Settings::new(defaults, Vec::new());
    assert_eq!(settings.effective(DISCORD, Some("1"), "100"), defaults);
}

#[test]
fn a_channel_override_beats_the_guild_default_field_by_field() {
    let settings = Settings::new(Effective::default(), Vec::new());
    settings.apply(&SettingsChange::set(
        SettingsScope::guild(DISCORD, "1"),
        passive(false).or(cooldown(60)),
    ));
    settings.apply(&SettingsChange::set(
        SettingsScope::channel(DISCORD, "1", "100"),
        cooldown(0),
    ));
    let here = settings.effective(DISCORD, Some("1"), "100");
    assert_eq!((here.passive, here.cooldown), (false, Duration::ZERO));
    assert_eq!(
        settings.effective(DISCORD, Some("1"), "200").cooldown,
        Duration::from_secs(60)
    );
}

#[test]
fn settings_of_one_platform_do_not_leak_into_another() {
    let settings = Settings::new(Effective::default(), Vec::new());
    settings.apply(&SettingsChange::set(
        SettingsScope::channel(DISCORD, "1", "100"),
        passive(false),
    ));
    assert!(settings.effective("slack", Some("1"), "100").passive);
}

#[test]
fn a_channel_may_hide_or_name_the_requester_but_never_show_contact_details() {
    let full = Effective {
        requester: ShowRequester::Full,
        ..Effective::default()
    };
    let name = ChannelSettings {
        requester: Some(RequesterVisibility::Name),
        ..ChannelSettings::default()
    };
    let none = ChannelSettings {
        requester: Some(RequesterVisibility::None),
        ..ChannelSettings::default()
    };
    assert_eq!(full.with(name).requester, ShowRequester::Name);
    assert_eq!(full.with(none).requester, ShowRequester::None);
    assert_eq!(
        Effective::default().with(name).requester,
        ShowRequester::Name
    );
}

#[test]
fn setting_a_field_keeps_the_others_and_reset_clears_them_all() {
    let settings = Settings::new(Effective::default(), Vec::new());
    let scope = SettingsScope::channel(DISCORD, "1", "100");
    settings.apply(&SettingsChange::set(scope.clone(), passive(false)));
    assert_eq!(
        settings.apply(&SettingsChange::set(scope.clone(), cooldown(5))),
        passive(false).or(cooldown(5))
    );
    let reset_then_set = SettingsChange {
        reset: true,
        ..SettingsChange::set(scope.clone(), cooldown(9))
    };
    assert_eq!(settings.apply(&reset_then_set), cooldown(9));
    assert!(settings.apply(&SettingsChange::reset(scope)).is_empty());
    assert_eq!(
        settings.layers(DISCORD, Some("1"), "100").channel,
        ChannelSettings::default()
    );
}

#[test]
fn stored_records_are_loaded_into_their_scopes() {
    let record = SettingsRecord {
        platform: DISCORD.to_owned(),
        guild_id: "1".to_owned(),
        channel_id: None,
        settings: ChannelSettings {
            card_size: Some(CardSize::Compact),
            ..ChannelSettings::default()
        },
    };
    let settings = Settings::new(Effective::default(), vec![record]);
    assert!(settings.effective(DISCORD, Some("1"), "any").compact);
    assert!(!settings.effective(DISCORD, None, "any").compact);
}

#[test]
fn names_round_trip() {
    for size in [CardSize::Full, CardSize::Compact] {
        assert_eq!(CardSize::parse(size.as_str()), Some(size));
    }
    for visibility in [RequesterVisibility::None, RequesterVisibility::Name] {
        assert_eq!(
            RequesterVisibility::parse(visibility.as_str()),
            Some(visibility)
        );
    }
    assert_eq!(CardSize::parse("huge"), None);
}
