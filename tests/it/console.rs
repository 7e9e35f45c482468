//! `xalantis-bot console`, run as the real binary with a cleared environment in an empty
//! directory: sample data without a token, the configured Xalantis with one, `--json` payloads.
//! [`run_cli`] is shared with the `check` tests.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;
use xalantis_fakes::xalantis::{EXAMPLE_TICKET_UUID, FakeXalantis};

/// How long one run of the binary may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// The Xalantis token the console tests configure.
const TOKEN: &str = "sk_live_console_test_91c4e2";

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output and standard error together, for "never printed" checks.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `xalantis-bot <args>` with only `PATH` and `vars` set, in a fresh empty directory (no
/// `.env` to pick up), `stdin` piped in. Blocking work runs off the runtime so fakes keep serving.
pub(crate) async fn run_cli(args: &[&str], vars: &[(&str, &str)], stdin: &str) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xalantis-bot"));
    command.args(args).env_clear().envs(vars.iter().copied());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || run_in_empty_dir(command, &stdin))
        .await
        .expect("the run finishes")
}

fn run_in_empty_dir(mut command: Command, stdin: &str) -> Run {
    let dir = empty_dir();
    command
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut input = child.stdin.take().expect("a piped stdin");
    input
        .write_all(stdin.as_bytes())
        .expect("the binary reads its input");
    drop(input);
    let status = wait_or_kill(&mut child);
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

fn empty_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "xalantis-bot-cli-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    let mut pipe = pipe.expect("a piped output");
    std::thread::spawn(move || {
        let mut text = String::new();
        pipe.read_to_string(&mut text).expect("UTF-8 output");
        text
    })
}

fn wait_or_kill(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + RUN_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("xalantis-bot did not finish within {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn piped_text_with_a_sample_reference_prints_its_card_as_labelled_sample_data() {
    let run = run_cli(&["console"], &[], "see VEN1-000079\n").await;
    assert!(run.status.success(), "{run:?}");
    assert!(
        run.stdout.starts_with(
            "Sample data — no XALANTIS_API_TOKEN set; try: VEN1-000079, TCK-2026-0001"
        ),
        "{run:?}"
    );
    for expected in [
        "VEN1-000079 · Problème connexion",
        "Status    Open",
        "Priority  🟡 Medium",
        "Assignee  Support Agent",
        "Tags      Bug",
        "Description détaillée...",
        "[Open in Xalantis]",
        "[🔄 Refresh]",
    ] {
        assert!(
            run.stdout.contains(expected),
            "{expected:?} missing:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.contains('\x1b'),
        "no colours into a pipe:\n{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_mode_prints_one_discord_payload_per_input_line_with_pings_disabled() {
    let run = run_cli(
        &["console", "--json"],
        &[],
        "TCK-2026-0001 and VEN1-000082\nno ticket here\n",
    )
    .await;
    assert!(run.status.success(), "{run:?}");
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    let message = &lines[0];
    let titles: Vec<&str> = message["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "TCK-2026-0001 · Checkout page times out for EU customers",
            "VEN1-000082 · Customers cannot log in with SSO"
        ]
    );
    assert_eq!(message["allowed_mentions"]["parse"], serde_json::json!([]));
    assert_eq!(message["allowed_mentions"]["replied_user"], false);
    let buttons: Vec<&Value> = message["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().unwrap())
        .collect();
    let link_buttons = buttons.iter().filter(|b| b["url"].is_string()).count();
    assert_eq!(link_buttons, 2, "one link button per card: {buttons:?}");
    assert!(
        buttons.iter().any(|b| b["custom_id"] == "xalantis:refresh"),
        "{buttons:?}"
    );
    assert_eq!(lines[1], Value::Null);
    assert!(
        run.stderr.contains("Sample data"),
        "the label goes to stderr: {run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_without_a_mention_prints_no_card() {
    let run = run_cli(&["console"], &[], "hello, anyone around?\n").await;
    assert!(run.status.success(), "{run:?}");
    let after_banner: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert!(after_banner.is_empty(), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_reference_says_no_ticket_was_found() {
    let run = run_cli(&["console"], &[], "what about VEN1-999999?\n").await;
    assert!(
        run.stdout.contains("no ticket found for VEN1-999999"),
        "{run:?}"
    );
    assert!(!run.stdout.contains('┃'), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_sample_reference_in_the_banner_shows_its_card() {
    let references = xalantis_bot::demo::sample_references();
    let input = references.join("\n") + "\n";
    let run = run_cli(&["console"], &[], &input).await;
    for reference in &references {
        assert!(
            run.stdout.contains(&format!("┃ {reference} · ")),
            "{reference} missing:\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("no ticket found"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_link_is_looked_up_by_uuid_in_the_sample_data() {
    let link = format!("https://app.xalantis.com/tickets/{EXAMPLE_TICKET_UUID}");
    let run = run_cli(&["console"], &[], &format!("look at {link}\n")).await;
    assert!(
        run.stdout.contains("VEN1-000079 · Problème connexion"),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_token_the_console_asks_the_configured_xalantis_with_that_token() {
    let xalantis = FakeXalantis::start().await;
    xalantis.insert_example_ticket();
    xalantis.require_token(Some(TOKEN));
    let vars = [
        ("XALANTIS_API_TOKEN", TOKEN),
        ("XALANTIS_API_URL", &xalantis.base_url()),
    ];
    let run = run_cli(&["console"], &vars, "see VEN1-000079\n").await;
    assert!(run.status.success(), "{run:?}");
    assert!(
        run.stdout.contains("VEN1-000079 · Problème connexion"),
        "{run:?}"
    );
    assert!(!run.all_output().contains("Sample data"), "{run:?}");
    let calls = xalantis.calls();
    assert!(!calls.is_empty());
    assert!(
        calls
            .iter()
            .all(|c| c.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "{calls:?}"
    );
    assert!(!run.all_output().contains(TOKEN), "{run:?}");
}
