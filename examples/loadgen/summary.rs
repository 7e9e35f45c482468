//! The figures of one run, their medians over several runs, and how they are printed.

use std::fmt::Write as _;
use std::time::Duration;

/// Everything one run measured. Times in the units their names say.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Figures {
    /// MESSAGE_CREATE events in the timed phase (the sentinel not counted).
    pub events: f64,
    /// Of those, events naming a ticket.
    pub mentions: f64,
    /// From the first dispatch until every expected reply arrived and the consumer was idle.
    pub seconds: f64,
    /// `events / seconds`.
    pub events_per_s: f64,
    /// How long after the last expected reply the consumer went idle.
    pub idle_lag_ms: f64,
    /// Replies expected in the timed phase (mentions and the sentinel).
    pub replies_expected: f64,
    /// Replies received in the timed phase.
    pub replies: f64,
    /// Mentions shed by the bot (`xalantis_bot_events_shed_total`).
    pub shed: f64,
    /// 1 when a phase stopped waiting for replies after `--timeout-secs` (over several runs:
    /// how many did).
    pub timed_out: f64,
    /// Reply latency, dispatch → the fake receives the POST: median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Distinct tickets named (warm-up and timed phase).
    pub distinct_tickets: f64,
    /// Xalantis calls naming those tickets, per ticket.
    pub calls_per_ticket: f64,
    /// Most calls for any one ticket.
    pub max_calls_per_ticket: f64,
    /// Xalantis calls naming no ticket (prefix learning).
    pub other_calls: f64,
    /// Messages of the burst (all naming one unseen ticket at once).
    pub burst_messages: f64,
    /// Replies to the burst.
    pub burst_replies: f64,
    /// Xalantis calls the burst caused.
    pub burst_calls: f64,
    /// The consumer's resident memory once connected, before the timed phase, in MiB.
    pub rss_idle_mib: f64,
    /// The consumer's peak resident memory over its whole life (`VmHWM`), in MiB.
    pub rss_peak_mib: f64,
    /// The consumer's CPU time during the timed phase.
    pub cpu_s: f64,
    /// `cpu_s / events`, in µs.
    pub cpu_us_per_event: f64,
    /// The driver's own CPU time during the timed phase (fakes, dispatch, reply feed).
    pub driver_cpu_s: f64,
    /// The driver's peak resident memory, in MiB.
    pub driver_rss_peak_mib: f64,
}

/// Nearest-rank percentile of sorted values (`q` in 0..=1).
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil();
    let index = format!("{rank:.0}")
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, sorted.len())
        - 1;
    sorted[index]
}

/// The median of each figure over `runs`.
pub fn medians(runs: &[Figures]) -> Figures {
    let median = |pick: fn(&Figures) -> f64| {
        let mut values: Vec<f64> = runs.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        match values.len() {
            0 => 0.0,
            n if n % 2 == 1 => values[n / 2],
            n => f64::midpoint(values[n / 2 - 1], values[n / 2]),
        }
    };
    Figures {
        events: median(|f| f.events),
        mentions: median(|f| f.mentions),
        seconds: median(|f| f.seconds),
        events_per_s: median(|f| f.events_per_s),
        idle_lag_ms: median(|f| f.idle_lag_ms),
        replies_expected: median(|f| f.replies_expected),
        replies: median(|f| f.replies),
        shed: median(|f| f.shed),
        timed_out: runs.iter().map(|f| f.timed_out).sum(),
        p50_ms: median(|f| f.p50_ms),
        p95_ms: median(|f| f.p95_ms),
        p99_ms: median(|f| f.p99_ms),
        max_ms: median(|f| f.max_ms),
        distinct_tickets: median(|f| f.distinct_tickets),
        calls_per_ticket: median(|f| f.calls_per_ticket),
        max_calls_per_ticket: median(|f| f.max_calls_per_ticket),
        other_calls: median(|f| f.other_calls),
        burst_messages: median(|f| f.burst_messages),
        burst_replies: median(|f| f.burst_replies),
        burst_calls: median(|f| f.burst_calls),
        rss_idle_mib: median(|f| f.rss_idle_mib),
        rss_peak_mib: median(|f| f.rss_peak_mib),
        cpu_s: median(|f| f.cpu_s),
        cpu_us_per_event: median(|f| f.cpu_us_per_event),
        driver_cpu_s: median(|f| f.driver_cpu_s),
        driver_rss_peak_mib: median(|f| f.driver_rss_peak_mib),
    }
}

/// One line per run.
pub fn run_line(index: usize, f: &Figures) -> String {
    format!(
        "run {index}: {:.0} events/s, {:.2} s, cpu {:.2} s ({:.1} µs/event), p50/p95/p99 {:.2}/{:.2}/{:.2} ms, replies {}/{}, shed {}, peak RSS {:.1} MiB{}",
        f.events_per_s,
        f.seconds,
        f.cpu_s,
        f.cpu_us_per_event,
        f.p50_ms,
        f.p95_ms,
        f.p99_ms,
        f.replies,
        f.replies_expected,
        f.shed,
        f.rss_peak_mib,
        if f.timed_out > 0.0 { ", timed out" } else { "" }
    )
}

/// The summary block.
pub fn render(title: &str, f: &Figures, runs: usize) -> String {
    let mut out = String::new();
    let of = if runs > 1 {
        format!(" (median of {runs} runs)")
    } else {
        String::new()
    };
    let _ = writeln!(out, "== loadgen summary: {title}{of}");
    let mut line = |name: &str, value: String| {
        let _ = writeln!(out, "{name:<34} {value}");
    };
    line(
        "events (timed phase)",
        format!("{:.0}, {:.0} naming a ticket", f.events, f.mentions),
    );
    line(
        "events/s handled",
        format!(
            "{:.0} ({:.3} s; idle {:.0} ms after the last reply)",
            f.events_per_s, f.seconds, f.idle_lag_ms
        ),
    );
    let timed_out = if f.timed_out > 0.0 {
        format!(" ({:.0} run(s) timed out waiting)", f.timed_out)
    } else {
        String::new()
    };
    line(
        "replies",
        format!(
            "{:.0} of {:.0} expected, {:.0} shed{timed_out}",
            f.replies, f.replies_expected, f.shed
        ),
    );
    line(
        "reply latency p50/p95/p99/max",
        format!(
            "{:.2} / {:.2} / {:.2} / {:.2} ms",
            f.p50_ms, f.p95_ms, f.p99_ms, f.max_ms
        ),
    );
    line(
        "Xalantis calls per distinct ticket",
        format!(
            "{:.2} (max {:.0}; {:.0} tickets; {:.0} other calls)",
            f.calls_per_ticket, f.max_calls_per_ticket, f.distinct_tickets, f.other_calls
        ),
    );
    line(
        "burst coalescing",
        format!(
            "{:.0} messages → {:.0} Xalantis call(s), {:.0} replies",
            f.burst_messages, f.burst_calls, f.burst_replies
        ),
    );
    line(
        "consumer RSS idle / peak",
        format!("{:.1} / {:.1} MiB", f.rss_idle_mib, f.rss_peak_mib),
    );
    line(
        "consumer CPU (timed phase)",
        format!("{:.3} s = {:.2} µs per event", f.cpu_s, f.cpu_us_per_event),
    );
    line(
        "driver CPU / peak RSS",
        format!("{:.3} s / {:.1} MiB", f.driver_cpu_s, f.driver_rss_peak_mib),
    );
    out
}
