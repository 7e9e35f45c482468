//! One run: fakes up, consumer up, optional warm-up, the timed phase, the burst, figures.
//!
//! "Handled" is defined strictly: the timed phase ends when every expected reply has arrived
//! (each mention and the sentinel, which is the last event) *and* the consumer is idle again:
//! its CPU time advances by at most one clock tick over `--quiet-ms` with no request to the
//! fake Discord. The end is the later of the last reply and the start of that quiet window.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use xalantis_fakes::discord::{FakeDiscord, Options};
use xalantis_fakes::xalantis::{FakeXalantis, RecordedCall, sample_ticket};

use super::Args;
use super::consumer::{self, Child, Consumer, Launch};
use super::corpus::{self, Event, FIRST_CHANNEL, Lcg, Shape};
use super::procfs::{self, Sample};
use super::replies::{self, Replies};
use super::summary::{Figures, percentile};

/// Events per `dispatch_raw_many` call when dispatching as fast as possible.
const FLAT_OUT_BATCH: usize = 1024;
/// How often the consumer's CPU is read while waiting.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);
/// Channel of the warm-up messages, and of the burst.
const WARM_CHANNEL: u64 = FIRST_CHANNEL - 1;
const BURST_CHANNEL: u64 = FIRST_CHANNEL - 2;
/// The burst's Xalantis delay at least, so its messages really are simultaneous.
const BURST_MIN_DELAY: Duration = Duration::from_millis(50);

/// The fakes, the consumer and what watches them.
struct Rig {
    discord: FakeDiscord,
    xalantis: FakeXalantis,
    child: Child,
    replies: Replies,
    metrics_url: Option<String>,
    http: reqwest::Client,
    ticks: u64,
    _dir: tempfile::TempDir,
}

/// Runs once and returns the figures.
pub async fn once(args: &Args, ticks: u64) -> anyhow::Result<Figures> {
    let mut rig = start(args, ticks).await?;
    let result = phases(args, &mut rig).await;
    if result.is_err() {
        eprintln!("consumer log (end):\n{}", rig.child.log_tail());
    }
    rig.child.stop().await;
    result
}

async fn phases(args: &Args, rig: &mut Rig) -> anyhow::Result<Figures> {
    let mut figures = Figures::default();
    let idle = rig.sample()?;
    figures.rss_idle_mib = mib(idle.rss_kib);
    let mut named: HashSet<u64> = HashSet::new();
    if args.warm && args.consumer == Consumer::Bot {
        warm_up(args, rig, &mut named).await?;
    }
    timed(args, rig, &mut figures, &mut named).await?;
    if args.burst > 0 && args.consumer == Consumer::Bot {
        burst(args, rig, &mut figures).await?;
    }
    count_calls(args, rig, &named, &mut figures);
    let end = rig.sample()?;
    figures.rss_peak_mib = mib(end.peak_kib);
    figures.driver_rss_peak_mib =
        procfs::sample("self", rig.ticks).map_or(0.0, |s| mib(s.peak_kib));
    Ok(figures)
}

async fn start(args: &Args, ticks: u64) -> anyhow::Result<Rig> {
    let dir = tempfile::tempdir()?;
    let xalantis = FakeXalantis::start().await;
    for n in 1..=args.tickets + 2 {
        xalantis.insert_ticket(sample_ticket(n));
    }
    xalantis.set_delay(Duration::from_millis(args.delay_ms));
    let options = Options {
        heartbeat_interval: Duration::from_secs(5),
        keep_requests: false,
    };
    let discord = FakeDiscord::start_with(options).await;
    let replies = Replies::watch(discord.request_feed());
    let metrics_port = free_port()?;
    let env = consumer_env(args, &discord, &xalantis, dir.path(), metrics_port);
    let launch = Launch {
        consumer: args.consumer,
        bot_bin: args.bot_bin.as_deref(),
        env,
        gateway_url: discord.gateway_url(),
        dir: dir.path(),
        log_dir: args.log_dir.as_deref().unwrap_or(dir.path()),
    };
    let child = consumer::spawn(&launch)?;
    let metrics_url = (args.consumer != Consumer::Null)
        .then(|| format!("http://127.0.0.1:{metrics_port}/metrics"));
    let mut rig = Rig {
        discord,
        xalantis,
        child,
        replies,
        metrics_url,
        http: reqwest::Client::new(),
        ticks,
        _dir: dir,
    };
    if let Err(error) = wait_started(args, &mut rig).await {
        eprintln!("consumer log (end):\n{}", rig.child.log_tail());
        rig.child.stop().await;
        return Err(error);
    }
    Ok(rig)
}

/// The production configuration, only URLs, tokens and the database path differing; the
/// cooldown off unless `--env COOLDOWN_SECS=…` says otherwise (every mention gets a card).
fn consumer_env(
    args: &Args,
    discord: &FakeDiscord,
    xalantis: &FakeXalantis,
    dir: &std::path::Path,
    port: u16,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("DISCORD_TOKEN", "loadgen-discord-token".to_owned()),
        ("XALANTIS_API_TOKEN", "loadgen-xalantis-token".to_owned()),
        ("DISCORD_PROXY_URL", discord.base_url().to_owned()),
        ("XALANTIS_API_URL", xalantis.base_url()),
        (
            "DATABASE_PATH",
            dir.join("xalantis-bot.db").display().to_string(),
        ),
        ("HTTP_BIND", format!("127.0.0.1:{port}")),
        ("COOLDOWN_SECS", "0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (key, value) in &args.env {
        env.retain(|(k, _)| k != key);
        env.push((key.clone(), value.clone()));
    }
    env
}

/// A port that was free a moment ago (for the bot's `HTTP_BIND`).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Waits for READY; for the bot also for its command registration and prefix learning.
async fn wait_started(args: &Args, rig: &mut Rig) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !rig.discord.is_connected() {
        if rig.child.has_exited() {
            bail!("the consumer exited before READY");
        }
        if Instant::now() > deadline {
            bail!("the consumer did not connect within 30 s");
        }
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
    if args.consumer == Consumer::Bot {
        let registered = || rig.replies.with(|s| s.other > 0);
        wait_until(Duration::from_secs(10), registered)
            .await
            .context("the bot did not register its commands")?;
        let learning = !args
            .env
            .iter()
            .any(|(k, v)| k == "LEARN_PREFIXES" && v == "false");
        if learning {
            let learned = || rig.xalantis.call_count() > 0;
            wait_until(Duration::from_secs(10), learned)
                .await
                .context("the bot did not learn its prefixes")?;
        }
    }
    // The prefix-learning call answers after the Xalantis delay; a Xalantis that never answers
    // (a delay of minutes) is waited for no longer than a phase.
    let learning_call =
        Duration::from_millis(args.delay_ms).min(Duration::from_secs(args.timeout_secs));
    tokio::time::sleep(Duration::from_millis(300) + learning_call).await;
    Ok(())
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() > deadline {
            bail!("timed out after {limit:?}");
        }
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
    Ok(())
}

/// One message naming each ticket, so the timed phase finds every ticket cached.
async fn warm_up(args: &Args, rig: &mut Rig, named: &mut HashSet<u64>) -> anyhow::Result<()> {
    let before = rig.replies.count();
    let events: Vec<Event> = (1..=args.tickets)
        .flat_map(|n| corpus::naming(n, &[rig.discord.next_id()], WARM_CHANNEL))
        .collect();
    named.extend(1..=args.tickets);
    rig.discord
        .dispatch_raw_many("MESSAGE_CREATE", events.into_iter().map(|e| e.d));
    let expected = before + usize::try_from(args.tickets)?;
    wait_until(Duration::from_secs(args.timeout_secs), || {
        rig.replies.count() >= expected
    })
    .await
    .context("warm-up replies")?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

/// The timed phase.
async fn timed(
    args: &Args,
    rig: &mut Rig,
    figures: &mut Figures,
    named: &mut HashSet<u64>,
) -> anyhow::Result<()> {
    let shape = Shape {
        mention_share: args.mention_share,
        tickets: args.tickets,
        channels: args.channels,
    };
    let mut events = corpus::events(
        args.events,
        shape,
        &mut || rig.discord.next_id(),
        &mut Lcg::new(args.seed),
    );
    corpus::check(&events)?;
    let sentinel = corpus::sentinel(rig.discord.next_id(), args.tickets + 2);
    let mentions = events.iter().filter(|e| e.ticket.is_some()).count();
    named.extend(events.iter().filter_map(|e| e.ticket));
    let expected = 1 + if args.consumer == Consumer::Bot {
        mentions
    } else {
        0
    };
    let replies_before = rig.replies.count();
    let counts_before = rig.bot_counts().await;
    let (cpu_before, driver_before) = (rig.sample()?.cpu, own_cpu(rig.ticks));
    let t0 = Instant::now();
    let dispatched = dispatch(&rig.discord, &mut events, args.rate).await;
    rig.discord
        .dispatch_raw_many("MESSAGE_CREATE", [sentinel.d]);
    let handled = wait_handled(args, rig, replies_before, expected, counts_before).await?;
    figures.timed_out = f64::from(u8::from(handled.timed_out));
    let end = idle_end(args, rig, handled.history).await?;
    let replies: Vec<(u64, Instant)> = rig.replies.with(|s| s.replies[replies_before..].to_vec());
    let last_reply = replies.iter().map(|(_, at)| *at).max().unwrap_or(t0);
    let finished = end.at.max(last_reply);
    figures.events = events.len() as f64;
    figures.mentions = mentions as f64;
    figures.seconds = (finished - t0).as_secs_f64();
    figures.events_per_s = figures.events / figures.seconds;
    figures.idle_lag_ms = end.at.saturating_duration_since(last_reply).as_secs_f64() * 1e3;
    figures.replies_expected = expected as f64;
    figures.replies = replies.len() as f64;
    figures.cpu_s = end.cpu.saturating_sub(cpu_before).as_secs_f64();
    figures.cpu_us_per_event = figures.cpu_s * 1e6 / figures.events;
    figures.driver_cpu_s = own_cpu(rig.ticks)
        .saturating_sub(driver_before)
        .as_secs_f64();
    figures.shed = rig.bot_counts().await.shed - counts_before.shed;
    latencies(&events, &dispatched, &replies, figures);
    Ok(())
}

/// Dispatches every event, at `rate` per second or (0) as fast as possible; returns when each
/// was dispatched.
async fn dispatch(discord: &FakeDiscord, events: &mut [Event], rate: f64) -> Vec<Instant> {
    let mut at = Vec::with_capacity(events.len());
    let start = Instant::now();
    while at.len() < events.len() {
        let due = if rate > 0.0 {
            whole(start.elapsed().as_secs_f64() * rate) + 1
        } else {
            at.len() + FLAT_OUT_BATCH
        };
        let due = due.min(events.len());
        if due > at.len() {
            let now = Instant::now();
            let batch = events[at.len()..due]
                .iter_mut()
                .map(|e| std::mem::take(&mut e.d));
            discord.dispatch_raw_many("MESSAGE_CREATE", batch);
            at.resize(due, now);
        }
        if rate > 0.0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
    at
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a count of events, far below 2^52, never negative"
)]
fn whole(x: f64) -> usize {
    x.max(0.0) as usize
}

/// Counters the bot reports on `/metrics` (zero for consumers without one).
#[derive(Debug, Clone, Copy, Default)]
struct BotCounts {
    shed: f64,
    unanswerable: f64,
}

impl Rig {
    fn sample(&self) -> anyhow::Result<Sample> {
        procfs::sample(&self.child.pid, self.ticks).context("the consumer process is gone")
    }

    async fn bot_counts(&self) -> BotCounts {
        let Some(url) = &self.metrics_url else {
            return BotCounts::default();
        };
        let Some(text) = replies::fetch_text(&self.http, url).await else {
            return BotCounts::default();
        };
        let figure = |series: &str| replies::metric(&text, series).unwrap_or(0.0);
        BotCounts {
            shed: figure(r#"xalantis_bot_events_shed_total{platform="discord"}"#),
            unanswerable: figure(r#"xalantis_bot_lookups_total{outcome="failed"}"#)
                + figure(r#"xalantis_bot_lookups_total{outcome="not_found"}"#),
        }
    }
}

/// Waits until every expected reply arrived, or was accounted for as shed or unanswerable
/// (failed or unknown ticket); returns the CPU readings taken meanwhile.
async fn wait_handled(
    args: &Args,
    rig: &Rig,
    before: usize,
    expected: usize,
    counts_before: BotCounts,
) -> anyhow::Result<Handled> {
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let mut history = Vec::new();
    let mut last_metrics = Instant::now();
    let mut accounted = 0.0;
    loop {
        history.push((Instant::now(), rig.sample()?.cpu));
        let replies = rig.replies.count() - before;
        if replies >= expected || replies as f64 + accounted >= expected as f64 {
            return Ok(Handled {
                history,
                timed_out: false,
            });
        }
        if last_metrics.elapsed() > Duration::from_millis(250) {
            let counts = rig.bot_counts().await;
            accounted =
                counts.shed - counts_before.shed + counts.unanswerable - counts_before.unanswerable;
            last_metrics = Instant::now();
        }
        if Instant::now() > deadline {
            eprintln!(
                "timed out: {replies} of {expected} replies after {} s; the figures are what arrived",
                args.timeout_secs
            );
            return Ok(Handled {
                history,
                timed_out: true,
            });
        }
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
}

/// What [`wait_handled`] saw: the consumer's CPU readings, and whether it gave up waiting
/// (e.g. with a Xalantis that never answers; the summary then says so instead of failing).
struct Handled {
    history: Vec<(Instant, Duration)>,
    timed_out: bool,
}

/// When the consumer went idle, and its CPU time then.
struct IdleEnd {
    at: Instant,
    cpu: Duration,
}

/// Keeps reading the consumer's CPU until a quiet window (at most one tick of CPU and no
/// request over `--quiet-ms`); the window's start is the end of the work.
async fn idle_end(
    args: &Args,
    rig: &Rig,
    mut history: Vec<(Instant, Duration)>,
) -> anyhow::Result<IdleEnd> {
    let quiet = Duration::from_millis(args.quiet_ms);
    let tick = Duration::from_nanos(1_000_000_000 / rig.ticks);
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let mut start = history.len().saturating_sub(2);
    loop {
        history.push((Instant::now(), rig.sample()?.cpu));
        let (at, cpu) = history[start];
        let last_request = rig.replies.with(|s| s.last_request);
        let (now, cpu_now) = history[history.len() - 1];
        if cpu_now.saturating_sub(cpu) > tick || last_request.is_some_and(|r| r > at) {
            start = history.len() - 1;
        } else if now - at >= quiet {
            return Ok(IdleEnd { at, cpu });
        }
        if Instant::now() > deadline {
            eprintln!(
                "the consumer did not go idle within {} s; the end is now",
                args.timeout_secs
            );
            return Ok(IdleEnd {
                at: now,
                cpu: cpu_now,
            });
        }
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
}

/// Reply latencies of the timed phase's mentions (the sentinel left out).
fn latencies(
    events: &[Event],
    dispatched: &[Instant],
    replies: &[(u64, Instant)],
    figures: &mut Figures,
) {
    let sent: HashMap<u64, Instant> = events
        .iter()
        .zip(dispatched)
        .filter(|(e, _)| e.ticket.is_some())
        .map(|(e, at)| (e.id, *at))
        .collect();
    let mut all: Vec<Duration> = replies
        .iter()
        .filter_map(|(id, at)| Some(at.saturating_duration_since(*sent.get(id)?)))
        .collect();
    all.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    figures.p50_ms = ms(percentile(&all, 0.50));
    figures.p95_ms = ms(percentile(&all, 0.95));
    figures.p99_ms = ms(percentile(&all, 0.99));
    figures.max_ms = ms(all.last().copied().unwrap_or_default());
}

/// `--burst` messages naming one ticket nobody named before, dispatched at once.
async fn burst(args: &Args, rig: &mut Rig, figures: &mut Figures) -> anyhow::Result<()> {
    let ticket = args.tickets + 1;
    rig.xalantis
        .set_delay(Duration::from_millis(args.delay_ms).max(BURST_MIN_DELAY));
    let ids: Vec<u64> = (0..args.burst).map(|_| rig.discord.next_id()).collect();
    let before = rig.replies.count();
    let counts_before = rig.bot_counts().await;
    rig.discord.dispatch_raw_many(
        "MESSAGE_CREATE",
        corpus::naming(ticket, &ids, BURST_CHANNEL)
            .into_iter()
            .map(|e| e.d),
    );
    let waited = wait_handled(args, rig, before, args.burst, counts_before).await;
    rig.xalantis.set_delay(Duration::from_millis(args.delay_ms));
    if waited?.timed_out {
        figures.timed_out = 1.0;
    }
    figures.burst_messages = args.burst as f64;
    figures.burst_replies = (rig.replies.count() - before) as f64;
    figures.burst_calls = rig
        .xalantis
        .calls()
        .iter()
        .filter(|c| ticket_of(c) == Some(ticket))
        .count() as f64;
    Ok(())
}

/// Xalantis calls per distinct ticket named in the warm-up and the timed phase.
fn count_calls(args: &Args, rig: &Rig, named: &HashSet<u64>, figures: &mut Figures) {
    let mut per_ticket: HashMap<u64, usize> = HashMap::new();
    let mut other = 0;
    for call in rig.xalantis.calls() {
        match ticket_of(&call) {
            Some(n) if n <= args.tickets => *per_ticket.entry(n).or_default() += 1,
            Some(_) => {}
            None => other += 1,
        }
    }
    figures.distinct_tickets = named.len() as f64;
    figures.calls_per_ticket =
        per_ticket.values().sum::<usize>() as f64 / named.len().max(1) as f64;
    figures.max_calls_per_ticket = per_ticket.values().copied().max().unwrap_or(0) as f64;
    figures.other_calls = f64::from(u32::try_from(other).unwrap_or(u32::MAX));
}

/// The sample ticket a call names: `search=VEN1-000042` or `/api/tickets/…-000000000042`.
fn ticket_of(call: &RecordedCall) -> Option<u64> {
    if let Some(search) = call.param("search") {
        return search.strip_prefix("VEN1-")?.parse().ok();
    }
    let uuid = call.path.strip_prefix("/api/tickets/")?;
    uuid.strip_prefix("00000000-0000-4000-8000-")?.parse().ok()
}

fn own_cpu(ticks: u64) -> Duration {
    procfs::sample("self", ticks)
        .map(|s| s.cpu)
        .unwrap_or_default()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
