//! `xalantis-bot check`, run as the real binary against the fake Xalantis and the fake Discord:
//! pass/fail lines, the invite URL, the exit status, and never a token in the output.

use xalantis_bot::check::INVITE_PERMISSIONS;
use xalantis_fakes::discord::{self, APPLICATION_ID, BOT_USER_ID, FakeDiscord};
use xalantis_fakes::xalantis::{FakeXalantis, Fault};

use crate::console::{Run, run_cli};

const XALANTIS_TOKEN: &str = "sk_live_check_test_5a7b3c";
const DISCORD_TOKEN: &str = "discord-check-test-token-e48f1d";

/// A working fake Xalantis (the token required) and a working fake Discord.
async fn services() -> (FakeXalantis, FakeDiscord) {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    xalantis.require_token(Some(XALANTIS_TOKEN));
    (xalantis, FakeDiscord::start().await)
}

async fn check_against(xalantis_url: &str, discord: &FakeDiscord) -> Run {
    let vars = [
        ("XALANTIS_API_TOKEN", XALANTIS_TOKEN),
        ("XALANTIS_API_URL", xalantis_url),
        ("DISCORD_TOKEN", DISCORD_TOKEN),
        ("DISCORD_PROXY_URL", discord.base_url()),
    ];
    let run = run_cli(&["check"], &vars, "").await;
    let output = run.all_output();
    assert!(
        !output.contains(XALANTIS_TOKEN) && !output.contains(DISCORD_TOKEN),
        "a token was printed:\n{output}"
    );
    run
}

fn line_starting<'a>(run: &'a Run, prefix: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{}", run.stdout))
}

#[tokio::test(flavor = "multi_thread")]
async fn check_passes_against_working_services_and_prints_the_invite_url() {
    let (xalantis, discord) = services().await;
    let run = check_against(&xalantis.base_url(), &discord).await;
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    line_starting(&run, "✓ configuration");
    line_starting(&run, "✓ Xalantis");
    assert!(
        line_starting(&run, "✓ Discord").contains(&format!("id {BOT_USER_ID}")),
        "{run:?}"
    );
    let invite = format!(
        "https://discord.com/oauth2/authorize?client_id={APPLICATION_ID}&scope=bot+applications.commands&permissions={}",
        INVITE_PERMISSIONS.bits()
    );
    assert!(
        line_starting(&run, "✓ invite URL").contains(&invite),
        "{run:?}"
    );
    assert!(run.stdout.ends_with("All checks passed.\n"), "{run:?}");
    let per_page_one = xalantis
        .calls()
        .iter()
        .filter(|c| c.path == "/api/tickets" && c.param("per_page") == Some("1"))
        .count();
    assert_eq!(per_page_one, 1, "{:?}", xalantis.calls());
    assert_eq!(discord.requests_to("GET", "/api/v10/users/@me").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_xalantis_token_fails_the_check_and_names_the_scope() {
    let (xalantis, discord) = services().await;
    xalantis.inject(Fault::Status(401), 1);
    let run = check_against(&xalantis.base_url(), &discord).await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let line = line_starting(&run, "✗ Xalantis");
    assert!(
        line.contains("HTTP 401")
            && line.contains("XALANTIS_API_TOKEN")
            && line.contains("tickets:read"),
        "{line}"
    );
    line_starting(&run, "✓ Discord");
    assert!(run.stdout.ends_with("Some checks failed.\n"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_discord_token_fails_the_check_and_skips_the_invite() {
    let (xalantis, discord) = services().await;
    discord.fail_next_rest("GET", "/api/v10/users/@me", discord::Fault::status(401));
    let run = check_against(&xalantis.base_url(), &discord).await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(
        line_starting(&run, "✗ Discord").contains("DISCORD_TOKEN"),
        "{run:?}"
    );
    line_starting(&run, "– invite URL: skipped");
    line_starting(&run, "✓ Xalantis");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_xalantis_is_reported_as_unreachable() {
    let (_xalantis, discord) = services().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let run = check_against(&format!("http://{closed}/api"), &discord).await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(
        line_starting(&run, "✗ Xalantis").contains("cannot reach"),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_variables_are_each_named_and_the_service_checks_skipped() {
    let run = run_cli(&["check"], &[("MAX_TICKETS_PER_MESSAGE", "99")], "").await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    line_starting(&run, "✗ configuration: 3 problem(s)");
    for name in [
        "DISCORD_TOKEN",
        "XALANTIS_API_TOKEN",
        "MAX_TICKETS_PER_MESSAGE",
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("- {name}"))),
            "{name}:\n{}",
            run.stdout
        );
    }
    for skipped in [
        "– Xalantis: skipped",
        "– Discord: skipped",
        "– invite URL: skipped",
    ] {
        line_starting(&run, skipped);
    }
}
