//! The soak (ignored by default; about 80 s): the release binary as its own process for
//! `SOAK_SECS` (60) at `SOAK_RATE` (2,000) gateway events per second against the fakes, with
//! Xalantis faults injected at random from `SOAK_SEED` (42). Every message naming a healthy ticket
//! must be answered exactly once, none twice, and the bot's resident memory must stay flat.
//!
//! ```text
//! cargo test --release --test it soak -- --ignored --nocapture
//! ```
//!
//! Tickets 1–200 are healthy; tickets 201–220 are "faulty": their `/tickets/{uuid}` path gets a
//! random fault (slow, 5xx, 429, unreadable, huge, reset) every 100 ms. Every 5 s one request
//! anywhere gets a fault the client recovers from by retrying (503, 502, a reset, a 1 s 429).
//! Messages: 40 % chatter, 40 % one healthy mention, 10 % healthy and faulty mentions, 10 % only
//! faulty ones. The fakes run in this process, so the bot's RSS is read from `/proc/<pid>/status`.
//! `SOAK_CACHE_TTL` (60, the default `CACHE_TTL_SECS`) set low makes far more lookups reach the
//! faulty Xalantis; `SOAK_FAULTS=0` runs without faults.

use std::collections::HashMap;
use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use xalantis_fakes::discord::{self as fake_discord, FakeDiscord, Options, check_dispatch};
use xalantis_fakes::xalantis::{FakeXalantis, Fault, sample_ticket};

use crate::support::{CHANNEL, DISCORD_TOKEN, WAIT, XALANTIS_TOKEN, alice};

const HEALTHY: u64 = 200;
const FAULTY: u64 = 20;

/// A setting from the environment, or its default.
fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (64-bit LCG), so that a seed replays the same run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A mention of ticket `n`, by reference or by UUID (faulty tickets by UUID: their path).
fn mention(rng: &mut Lcg, n: u64) -> String {
    if n > HEALTHY || rng.below(2) == 0 {
        uuid(n)
    } else {
        format!("VEN1-{n:06}")
    }
}

/// One message: its text and whether it names a healthy ticket (it must then be answered).
fn message(rng: &mut Lcg) -> (String, bool) {
    let healthy = |rng: &mut Lcg| 1 + rng.below(HEALTHY);
    let faulty = |rng: &mut Lcg| HEALTHY + 1 + rng.below(FAULTY);
    match rng.below(10) {
        0..=3 => ("deploy done, thanks — see you at 10:30".to_owned(), false),
        4..=7 => {
            let n = healthy(rng);
            (
                format!("can someone look at {} please?", mention(rng, n)),
                true,
            )
        }
        8 => {
            let (a, b) = (healthy(rng), faulty(rng));
            (
                format!("{} is a dup of {}", mention(rng, a), mention(rng, b)),
                true,
            )
        }
        _ => {
            let n = faulty(rng);
            (format!("what about {}?", mention(rng, n)), false)
        }
    }
}

/// A complete `MESSAGE_CREATE` from alice in the test channel.
fn message_create(id: u64, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": CHANNEL.id().to_string(),
        "guild_id": fake_discord::GUILD_ID.to_string(), "author": alice().to_json(),
        "member": {"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
        "content": content, "timestamp": "2026-01-01T00:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "components": [], "pinned": false, "type": 0, "flags": 0,
    })
}

/// A fault for a faulty ticket's path, and how many requests it hits.
fn ticket_fault(rng: &mut Lcg) -> (Fault, usize) {
    let fault = match rng.below(8) {
        0 => Fault::Slow(Duration::from_secs(2)),
        1 => Fault::Status(500),
        2 => Fault::RateLimited {
            retry_after: Some("1".into()),
        },
        3 => Fault::NotJson,
        4 => Fault::TruncatedJson,
        5 => Fault::WrongShape,
        6 => Fault::HugeBody {
            bytes: 4_000_000,
            declare_length: false,
        },
        _ => Fault::ResetMidBody,
    };
    let times = usize::try_from(1 + rng.below(5)).unwrap_or(1);
    (fault, times)
}

/// Faults anywhere that one retry of the client gets past.
fn recoverable_fault(round: u64) -> Fault {
    match round % 4 {
        0 => Fault::Status(503),
        1 => Fault::ResetMidBody,
        2 => Fault::RateLimited {
            retry_after: Some("1".into()),
        },
        _ => Fault::Status(502),
    }
}

/// The bot binary, killed if the soak fails midway.
struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_bot(
    dir: &std::path::Path,
    discord: &FakeDiscord,
    xalantis: &FakeXalantis,
    http: &str,
) -> Bot {
    let log = File::create(dir.join("bot.log")).expect("a log file");
    let child = Command::new(env!("CARGO_BIN_EXE_xalantis-bot"))
        .arg("run")
        .env_clear()
        .current_dir(dir)
        .envs([
            ("DISCORD_TOKEN", DISCORD_TOKEN),
            ("XALANTIS_API_TOKEN", XALANTIS_TOKEN),
            ("DISCORD_PROXY_URL", discord.base_url()),
            ("XALANTIS_API_URL", &xalantis.base_url()),
            ("XALANTIS_TIMEOUT_SECS", "1"),
            ("CACHE_TTL_SECS", &setting("SOAK_CACHE_TTL", 60).to_string()),
            ("HTTP_BIND", http),
            ("COOLDOWN_SECS", "0"),
            ("LIVE_REFRESH_SECS", "0"),
            ("TICKET_PREFIXES", "VEN1"),
            ("DATABASE_PATH", &dir.join("soak.db").to_string_lossy()),
            ("RUST_LOG", "warn"),
            ("LOG_FORMAT", "json"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the xalantis-bot binary starts");
    Bot(child)
}

/// Resident memory of process `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap_or_default();
    line.split_whitespace()
        .nth(1)
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// The bot's replies as they arrive: successful ones per source message, failed ones by status.
#[derive(Default)]
struct Replies {
    by_source: HashMap<u64, u32>,
    failed: HashMap<u16, u32>,
}

fn count_replies(discord: &FakeDiscord) -> Arc<Mutex<Replies>> {
    let replies = Arc::new(Mutex::new(Replies::default()));
    let mut feed = discord.request_feed();
    let counts = Arc::clone(&replies);
    tokio::spawn(async move {
        while let Some(request) = feed.recv().await {
            if request.method != "POST" || !request.path.ends_with("/messages") {
                continue;
            }
            let mut counts = counts.lock().unwrap();
            let source = request
                .body
                .as_ref()
                .and_then(|b| b["message_reference"]["message_id"].as_str()?.parse().ok());
            match (request.status, source) {
                (200, Some(source)) => *counts.by_source.entry(source).or_insert(0) += 1,
                (status, _) => *counts.failed.entry(status).or_insert(0) += 1,
            }
        }
    });
    replies
}

/// A free address on 127.0.0.1 for the bot's `/metrics`.
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").to_string()
}

/// The bot's own counters: lookups, errors, replies, shed events.
async fn report_metrics(http: &str) {
    let text = match reqwest::get(format!("http://{http}/metrics")).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(error) => {
            println!("soak: bot metrics unavailable: {error:?}");
            return;
        }
    };
    let wanted = [
        "events_shed_total",
        "lookups_total",
        "errors_total",
        "replies_total",
        "cache_",
    ];
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && wanted.iter().any(|w| l.contains(w)))
        .collect();
    println!("soak: bot metrics: {lines:#?}");
}

/// How many lines of each kind the bot logged (JSON lines: level, message, error kind).
fn report_log(path: &std::path::Path) {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for line in log.lines() {
        let entry: Value = serde_json::from_str(line).unwrap_or_default();
        let fields = &entry["fields"];
        let kind = format!(
            "{} {} {}",
            entry["level"], fields["message"], fields["kind"]
        );
        *kinds.entry(kind).or_insert(0) += 1;
    }
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    println!(
        "soak: bot log, {} lines; most frequent: {:?}",
        log.lines().count(),
        &kinds[..kinds.len().min(8)]
    );
}

/// What the soak sent and saw.
#[derive(Default)]
struct Tally {
    /// Every message dispatched, and whether it names a healthy ticket.
    answerable: HashMap<u64, bool>,
    /// The text of every message, to show what a missed one said.
    texts: HashMap<u64, String>,
    dispatched: u64,
    faults: u64,
    sending: Duration,
    /// The bot's RSS (KiB) by second.
    rss: Vec<(u64, u64)>,
}

/// Dispatches `rate` events per second for `seconds`, injecting faults, sampling the RSS.
async fn drive(
    discord: &FakeDiscord,
    xalantis: &FakeXalantis,
    pid: u32,
    (seconds, rate, seed): (u64, u64, u64),
) -> Tally {
    let (mut rng, mut tally) = (Lcg(seed), Tally::default());
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    for step in 0..seconds * 100 {
        tick.tick().await;
        let due = rate * (step + 1) / 100 - tally.dispatched;
        let batch: Vec<String> = (0..due)
            .map(|_| {
                let id = discord.next_id();
                let (text, healthy) = message(&mut rng);
                tally.answerable.insert(id, healthy);
                tally.texts.insert(id, text.clone());
                message_create(id, &text).to_string()
            })
            .collect();
        discord.dispatch_raw_many("MESSAGE_CREATE", batch);
        tally.dispatched += due;
        inject_faults(xalantis, &mut rng, step, &mut tally.faults);
        if step.is_multiple_of(100) {
            tally.rss.push((step / 100, rss_kib(pid)));
        }
    }
    tally.sending = started.elapsed();
    tally
}

/// Every 100 ms a fault on a faulty ticket; every 5 s one a retry gets past, anywhere.
fn inject_faults(xalantis: &FakeXalantis, rng: &mut Lcg, step: u64, injected: &mut u64) {
    if setting("SOAK_FAULTS", 1) == 0 {
        return;
    }
    if step.is_multiple_of(10) {
        let (fault, times) = ticket_fault(rng);
        xalantis.inject_on(&uuid(HEALTHY + 1 + rng.below(FAULTY)), fault, times);
        *injected += 1;
    }
    if step % 500 == 250 {
        xalantis.inject(recoverable_fault(step / 500), 1);
        *injected += 1;
    }
}

/// Waits (20 s at most) until every answerable message has a reply, then 2 s more for strays.
async fn drain(tally: &Tally, replies: &Mutex<Replies>) {
    let must_answer = tally
        .answerable
        .values()
        .filter(|healthy| **healthy)
        .count();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answered = {
            let replies = &replies.lock().unwrap().by_source;
            tally
                .answerable
                .iter()
                .filter(|(id, healthy)| **healthy && replies.contains_key(id))
                .count()
        };
        if answered == must_answer || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// What the soak found.
struct Outcome {
    must_answer: usize,
    answered_once: usize,
    missed: Vec<u64>,
    twice: usize,
    others_answered: usize,
}

fn outcome(tally: &Tally, replies: &HashMap<u64, u32>) -> Outcome {
    let healthy = || {
        tally
            .answerable
            .iter()
            .filter(|(_, healthy)| **healthy)
            .map(|(id, _)| id)
    };
    Outcome {
        must_answer: healthy().count(),
        answered_once: healthy().filter(|id| replies.get(id) == Some(&1)).count(),
        missed: healthy()
            .filter(|id| !replies.contains_key(id))
            .copied()
            .collect(),
        twice: replies.values().filter(|count| **count > 1).count(),
        others_answered: tally
            .answerable
            .iter()
            .filter(|(id, healthy)| !**healthy && replies.contains_key(id))
            .count(),
    }
}

/// RSS at 10 s (after warm-up), peak and at the end, in KiB.
fn rss_figures(rss: &[(u64, u64)]) -> (u64, u64, u64) {
    let after_warm_up = rss
        .iter()
        .find(|(second, _)| *second >= 10)
        .map_or(0, |(_, kib)| *kib);
    let peak = rss.iter().map(|(_, kib)| *kib).max().unwrap_or(0);
    (after_warm_up, peak, rss.last().map_or(0, |(_, kib)| *kib))
}

fn report(seed: u64, tally: &Tally, outcome: &Outcome, xalantis_calls: usize) {
    let rate = f64::from(u32::try_from(tally.dispatched).unwrap_or(u32::MAX))
        / tally.sending.as_secs_f64();
    let (warm, peak, last) = rss_figures(&tally.rss);
    let Outcome {
        must_answer,
        answered_once,
        missed,
        twice,
        others_answered,
    } = outcome;
    println!(
        "soak: seed {seed}, {} events in {:.1?} ({rate:.0}/s), {} fault injections, {xalantis_calls} Xalantis requests",
        tally.dispatched, tally.sending, tally.faults
    );
    println!(
        "soak: {must_answer} answerable, {answered_once} answered exactly once, {} missed, {twice} answered twice; {others_answered} of {} others answered (faulty tickets whose lookup met no fault)",
        missed.len(),
        tally.answerable.len() - must_answer
    );
    println!("soak: bot RSS KiB by second: {:?}", tally.rss);
    println!("soak: bot RSS at 10 s {warm} KiB, peak {peak} KiB, at the end {last} KiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the soak: 80 s; run with --release --ignored"]
async fn soak_every_answerable_mention_is_answered_once_and_memory_stays_flat() {
    let plan = (
        setting("SOAK_SECS", 60),
        setting("SOAK_RATE", 2_000),
        setting("SOAK_SEED", 42),
    );
    let xalantis = FakeXalantis::start().await;
    (1..=HEALTHY + FAULTY).for_each(|n| xalantis.insert_ticket(sample_ticket(n)));
    let discord = FakeDiscord::start_with(Options {
        keep_requests: false,
        ..Options::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let http = free_address();
    let mut bot = start_bot(dir.path(), &discord, &xalantis, &http);
    discord.wait_ready(WAIT).await.expect("the bot connects");
    discord
        .wait_for(|d| !d.commands(None).is_empty(), WAIT)
        .await
        .expect("the bot registers /ticket");
    check_dispatch("MESSAGE_CREATE", &message_create(1, "VEN1-000001"))
        .expect("the template is a valid message");
    let replies = count_replies(&discord);
    let mut tally = drive(&discord, &xalantis, bot.0.id(), plan).await;
    xalantis.clear_faults();
    drain(&tally, &replies).await;
    tally.rss.push((plan.0 + 2, rss_kib(bot.0.id())));
    let outcome = outcome(&tally, &replies.lock().unwrap().by_source);
    report(plan.2, &tally, &outcome, xalantis.call_count());
    println!(
        "soak: failed replies by status: {:?}",
        replies.lock().unwrap().failed
    );
    report_metrics(&http).await;
    report_log(&dir.path().join("bot.log"));
    let missed_texts: Vec<&String> = outcome
        .missed
        .iter()
        .take(8)
        .filter_map(|id| tally.texts.get(id))
        .collect();
    println!("soak: some missed messages: {missed_texts:#?}");
    let kept = std::env::temp_dir().join("xalantis-soak-bot.log");
    let _ = std::fs::copy(dir.path().join("bot.log"), &kept);
    println!(
        "soak: gateway connections {}, resumes {}, events still queued {}; bot log kept in {}",
        discord.connection_count(),
        discord.resume_count(),
        discord.queued_events(),
        kept.display()
    );
    assert!(
        matches!(bot.0.try_wait(), Ok(None)),
        "the bot exited; see its log"
    );
    assert_eq!(outcome.twice, 0, "replies sent twice");
    let missed = &outcome.missed;
    assert!(
        missed.is_empty(),
        "{} answerable messages unanswered, e.g. {:?}",
        missed.len(),
        &missed[..missed.len().min(5)]
    );
    let (warm, _, last) = rss_figures(&tally.rss);
    assert!(last < warm + warm / 2, "RSS grew from {warm} to {last} KiB");
}
