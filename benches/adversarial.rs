//! Detection cost on hostile text (criterion): linear in the length of the message.
//!
//! `cargo bench --bench adversarial` runs `find_ticket_mentions` on one message made of a hostile
//! unit repeated to 4 KiB, 16 KiB and 64 KiB, each reported in bytes per second. A linear cost
//! shows the same throughput at every size; a quadratic one would lose a factor of 16 between
//! 4 KiB and 64 KiB. (This replaces a timed test, which a busy machine made flaky.)

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;
use xalantis_bot::detect::{DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector};

/// Hostile units, by name: what each stresses.
const UNITS: &[(&str, &str)] = &[
    // A candidate at every byte for the dash scan.
    ("dashes", "-"),
    ("hex_runs", "0123456789abcdef"),
    ("hex_dash_hex", "a1b2c3d4-"),
    ("unfinished_references", "VEN1-"),
    ("reference_chains", "A-1-"),
    (
        "mention_flood",
        "VEN1-000079 be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e ",
    ),
    // Markup that opens and never closes, or nests.
    ("unbalanced_markup", "`` ` || "),
    ("nested_fences", "```\n`VEN1-1` ```` ``"),
    ("quotes", "> x\n"),
    ("links_to_the_web_app", "https://app.xalantis.com/"),
    ("emails", "x@y.z-"),
    // Invisible and combining characters between a prefix and its number.
    ("zero_width_joins", "VEN1-\u{200B}000079 "),
    ("combining_marks", "\u{200B}-\u{0301}"),
    ("right_to_left_marks", "\u{200F}VEN1-000079\u{202E} "),
];

const SIZES: [usize; 3] = [4_096, 16_384, 65_536];

fn detector() -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: DEFAULT_REFERENCE_PATTERN.to_owned(),
        web_url: Url::parse("https://app.xalantis.com").unwrap(),
        max_tickets: 10,
    })
    .unwrap()
}

/// `unit` repeated to at most `size` bytes (at least once).
fn repeated(unit: &str, size: usize) -> String {
    unit.repeat((size / unit.len()).max(1))
}

fn hostile(c: &mut Criterion) {
    let detector = detector();
    let mut group = c.benchmark_group("hostile");
    for (name, unit) in UNITS {
        for size in SIZES {
            let text = repeated(unit, size);
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function(format!("{name}/{size}"), |b| {
                b.iter(|| black_box(detector.find_ticket_mentions(black_box(&text))));
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = hostile
}
criterion_main!(benches);
