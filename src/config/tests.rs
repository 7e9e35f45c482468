//! Unit tests of reading the environment: documented defaults, every problem at once, redacted
//! tokens, platform and transport rules.

use super::*;

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const MINIMAL: [(&str, &str); 2] = [
    ("DISCORD_TOKEN", "discord-secret"),
    ("XALANTIS_API_TOKEN", "sk_live_secret"),
];

#[test]
fn minimal_configuration_uses_the_documented_defaults() {
    let config = Config::from_vars(&vars(&MINIMAL), Purpose::Run).unwrap();
    assert_eq!(
        config.xalantis.base_url.as_str(),
        "https://app.xalantis.com/api"
    );
    assert_eq!(config.xalantis.timeout, Duration::from_secs(5));
    assert_eq!(config.lookup.cache_ttl, Duration::from_secs(60));
    assert_eq!(config.detect.max_tickets, 5);
    assert_eq!(config.card.show_requester, ShowRequester::None);
    assert!(config.http_bind.is_none() && config.discord.unwrap().channels.is_none());
}

#[test]
fn every_problem_is_reported_at_once() {
    let bad = vars(&[
        ("TICKET_REFERENCE_PATTERN", "(unclosed"),
        ("DISCORD_CHANNELS", "123,abc"),
        ("MAX_TICKETS_PER_MESSAGE", "11"),
        ("SHOW_REQUESTER", "everything"),
        ("XALANTIS_API_URL", "not a url"),
        ("HTTP_BIND", "localhost"),
    ]);
    let err = Config::from_vars(&bad, Purpose::Run).unwrap_err();
    let names = [
        "DISCORD_TOKEN",
        "XALANTIS_API_TOKEN",
        "TICKET_REFERENCE_PATTERN",
        "DISCORD_CHANNELS",
        "MAX_TICKETS_PER_MESSAGE",
        "SHOW_REQUESTER",
        "XALANTIS_API_URL",
        "HTTP_BIND",
    ];
    for name in names {
        assert!(
            err.problems.iter().any(|p| p.starts_with(name)),
            "{name} missing from {err}"
        );
    }
    assert_eq!(err.problems.len(), names.len(), "{err}");
}

#[test]
fn the_console_needs_no_tokens() {
    let config = Config::from_vars(&HashMap::new(), Purpose::Console).unwrap();
    assert!(config.discord.is_none() && config.xalantis.token.is_none());
}

#[test]
fn debug_output_never_shows_a_token() {
    let config = Config::from_vars(&vars(&MINIMAL), Purpose::Run).unwrap();
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("discord-secret") && !debug.contains("sk_live_secret"),
        "{debug}"
    );
}

#[test]
fn channel_allowlist_and_guild_are_read() {
    let mut pairs = MINIMAL.to_vec();
    pairs.extend([
        ("DISCORD_CHANNELS", " 11, 22 ,"),
        ("DISCORD_GUILD_ID", "33"),
        ("DISCORD_PROXY_URL", "http://127.0.0.1:9/"),
    ]);
    let discord = Config::from_vars(&vars(&pairs), Purpose::Run)
        .unwrap()
        .discord
        .unwrap();
    assert_eq!(discord.channels, Some(HashSet::from([11, 22])));
    assert_eq!(discord.guild_id, Some(33));
    assert_eq!(discord.proxy_url.unwrap().as_str(), "http://127.0.0.1:9/");
}

#[test]
fn slack_alone_is_a_platform_but_needs_a_transport() {
    let base = [
        ("SLACK_BOT_TOKEN", "xoxb-slack-bot-secret"),
        ("XALANTIS_API_TOKEN", "sk_live_secret"),
    ];
    let mut socket = base.to_vec();
    socket.push(("SLACK_APP_TOKEN", "xapp-slack-app-secret"));
    let config = Config::from_vars(&vars(&socket), Purpose::Run).unwrap();
    assert!(config.discord.is_none() && config.slack.as_ref().unwrap().app_token.is_some());
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("slack-bot-secret") && !debug.contains("slack-app-secret"),
        "{debug}"
    );
    let neither = Config::from_vars(&vars(&base), Purpose::Run).unwrap_err();
    assert!(
        neither
            .problems
            .iter()
            .any(|p| p.starts_with("SLACK_APP_TOKEN")),
        "{neither}"
    );
    let mut http = base.to_vec();
    http.push(("SLACK_SIGNING_SECRET", "shh"));
    let unbound = Config::from_vars(&vars(&http), Purpose::Run).unwrap_err();
    assert!(
        unbound.problems.iter().any(|p| p.starts_with("HTTP_BIND")),
        "{unbound}"
    );
}

#[test]
fn slack_tokens_of_the_wrong_kind_are_reported() {
    let swapped = vars(&[
        ("SLACK_BOT_TOKEN", "xapp-1"),
        ("SLACK_APP_TOKEN", "xoxb-1"),
        ("XALANTIS_API_TOKEN", "sk"),
    ]);
    let err = Config::from_vars(&swapped, Purpose::Run).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
}
