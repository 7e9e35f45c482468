//! The binary's command line: help, version, and configuration errors.

use std::process::{Command, Output};

fn xalantis_bot(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir();
    let mut command = Command::new(env!("CARGO_BIN_EXE_xalantis-bot"));
    command
        .args(args)
        .env_clear()
        .current_dir(dir)
        .envs(vars.iter().copied());
    command.output().expect("the binary runs")
}

#[test]
fn bad_configuration_exits_non_zero_naming_every_problem_in_one_message() {
    let out = xalantis_bot(
        &["run"],
        &[
            ("TICKET_REFERENCE_PATTERN", "(oops"),
            ("DISCORD_CHANNELS", "12,x"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in [
        "DISCORD_TOKEN",
        "XALANTIS_API_TOKEN",
        "TICKET_REFERENCE_PATTERN",
        "DISCORD_CHANNELS",
    ] {
        assert!(stderr.contains(name), "{name} not named in:\n{stderr}");
    }
    assert!(stderr.contains("4 problem(s)"), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn help_and_version_are_available() {
    let help = xalantis_bot(&["--help"], &[]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success());
    for command in ["run", "console", "check"] {
        assert!(text.contains(command), "{command} missing from:\n{text}");
    }
    let version = xalantis_bot(&["--version"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("xalantis-bot {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_corrupt_database_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.db");
    std::fs::write(
        &path,
        "this is not a database, just some text that is long enough to look like one",
    )
    .unwrap();
    let db = path.display().to_string();
    let out = xalantis_bot(
        &["run"],
        &[
            ("DISCORD_TOKEN", "x"),
            ("XALANTIS_API_TOKEN", "y"),
            ("DATABASE_PATH", &db),
            ("DISCORD_PROXY_URL", "http://127.0.0.1:9"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DATABASE_PATH") && stderr.contains(&db),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
