//! How late this machine wakes a thread, whatever the program: the floor under any latency
//! figure measured on it.
//!
//! One thread sleeps `--sleep-us` at a time for `--secs` seconds and counts how much later
//! than asked each sleep ends. Run it alone (the idle machine), then beside a load (for
//! example `loadgen --rate 2000 --warm`): a thread that does nothing but sleep cannot be late
//! because of its own work, so what it sees is the scheduler's (and the hypervisor's) share.
//!
//! ```text
//! cargo run --release --example hiccup -- --secs 10 --sleep-us 200
//! ```

use std::time::{Duration, Instant};

use clap::Parser;

/// Counts how late a sleeping thread wakes.
#[derive(Debug, Parser)]
struct Args {
    /// How long to measure.
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// Each sleep asked for, in microseconds.
    #[arg(long, default_value_t = 200)]
    sleep_us: u64,
}

fn main() {
    let args = Args::parse();
    let asked = Duration::from_micros(args.sleep_us);
    let end = Instant::now() + Duration::from_secs(args.secs);
    let mut late_us: Vec<u64> = Vec::new();
    while Instant::now() < end {
        let before = Instant::now();
        std::thread::sleep(asked);
        let late = before.elapsed().saturating_sub(asked);
        late_us.push(u64::try_from(late.as_micros()).unwrap_or(u64::MAX));
    }
    late_us.sort_unstable();
    let over = |ms: u64| late_us.iter().filter(|&&us| us > ms * 1000).count();
    let at = |q: f64| {
        let last = late_us.len().saturating_sub(1);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index into a list of a few hundred thousand sleeps"
        )]
        let index = ((last as f64) * q).round() as usize;
        late_us.get(index).copied().unwrap_or(0)
    };
    println!(
        "{} sleeps of {} µs in {} s: late p50 {} µs, p99 {} µs, p99.9 {} µs, max {} µs; \
         later than 1 ms: {}, 2 ms: {}, 5 ms: {}",
        late_us.len(),
        args.sleep_us,
        args.secs,
        at(0.5),
        at(0.99),
        at(0.999),
        late_us.last().copied().unwrap_or(0),
        over(1),
        over(2),
        over(5),
    );
}
