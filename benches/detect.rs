//! Detection throughput over a generated, realistic chat corpus (criterion).
//!
//! `cargo bench --bench detect` measures, each reported in bytes per second:
//! - `no_mentions`: messages without any mention, one `find_ticket_mentions` call per message;
//! - `mixed`: the same kind of chat where about one message in ten names tickets (references,
//!   UUIDs, links, some of them inside code blocks and quotes);
//! - `adversarial/*`: dashes, hex runs and mention floods at two sizes: a linear cost shows the
//!   same throughput at both.
//!
//! The corpus sizes are printed first, so that messages/s = messages ÷ median time.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;
use xalantis_bot::detect::{DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector};

const MESSAGES: usize = 2_000;

/// The vocabulary of the generated messages, whitespace-separated: mostly plain words, a few
/// with dashes, digits, colons, accents, other scripts and emoji.
const WORDS: &str = "\
the a to is it and of for on in that this we you i can be will have not with are was just \
deploy done check login page customer says still fails after reset thanks please yes no ok okay \
looks good fine now today tomorrow morning afternoon meeting call team update status issue bug \
fix fixed release build test tests staging prod server client user users account password email \
invoice refund order payment export report dashboard settings permission access error timeout \
slow fast again already soon later maybe sure right great nice cool agreed sorry weird strange \
what why how when where who which there here some all any more less first last next week \
merci bonjour problème connexion depuis ce matin on regarde ça demain à lundi facture client \
Grüße danke bitte heute Привет спасибо よろしく 谢谢 👍 🎉 🙏 😅 lunch? 3pm 10:30 v2.4.1 ASAP SLA \
follow-up e-mail re-opened 2026-03-14";

const NOISE: &[&str] = &[
    "see https://github.com/org/repo/pull/1234 for the fix",
    "`cargo build --release` works here",
    "```\nerror: connection refused (os error 111)\n```",
    "> can you look at this?\nsure",
    "stored as UTF-8, hashed with SHA-256",
    "mail me at jane.doe@example.com",
];

/// Mentions for the mixed corpus: references, UUIDs, links, and mentions inside code or quotes.
const MENTIONS: &[&str] = &[
    "VEN1-000079",
    "TCK-2026-0001",
    "be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e",
    "https://app.xalantis.com/tickets/VEN1-000123",
    "<https://app.xalantis.com/tickets/be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6f|the login one>",
    "`VEN1-000080`",
    "\n```\nlet id = \"VEN1-000081\";\n```\n",
    "\n> VEN1-000082\n",
];

/// A small deterministic generator (64-bit LCG), so every run measures the same corpus.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One chat message of 3 to 40 words, sometimes with a URL, code, a quote or a standard name.
fn message(rng: &mut Lcg, vocabulary: &[&str]) -> String {
    let words = 3 + rng.below(38);
    let mut text: Vec<&str> = (0..words).map(|_| rng.pick(vocabulary)).collect();
    if rng.below(8) == 0 {
        text.insert(rng.below(text.len()), rng.pick(NOISE));
    }
    text.join(" ")
}

fn corpus(mention_every: usize) -> Vec<String> {
    let vocabulary: Vec<&str> = WORDS.split_whitespace().collect();
    let mut rng = Lcg(42);
    (0..MESSAGES)
        .map(|i| {
            let mut text = message(&mut rng, &vocabulary);
            if mention_every > 0 && i % mention_every == 0 {
                let at = text.find(' ').unwrap_or(0);
                text.insert_str(at, &format!(" {} ", rng.pick(MENTIONS)));
            }
            text
        })
        .collect()
}

fn detector() -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: DEFAULT_REFERENCE_PATTERN.to_owned(),
        web_url: Url::parse("https://app.xalantis.com").unwrap(),
        max_tickets: 5,
    })
    .unwrap()
}

fn bytes(messages: &[String]) -> u64 {
    messages.iter().map(|m| m.len() as u64).sum()
}

fn bench_messages(c: &mut Criterion, name: &str, messages: &[String]) {
    let detector = detector();
    let found: usize = messages
        .iter()
        .map(|m| detector.find_ticket_mentions(m).len())
        .sum();
    eprintln!(
        "{name}: {} messages, {} bytes, {found} mentions",
        messages.len(),
        bytes(messages)
    );
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Bytes(bytes(messages)));
    group.bench_function(name, |b| {
        b.iter(|| {
            for text in messages {
                black_box(detector.find_ticket_mentions(black_box(text)));
            }
        });
    });
    group.finish();
}

fn chat(c: &mut Criterion) {
    bench_messages(c, "no_mentions", &corpus(0));
    bench_messages(c, "mixed", &corpus(10));
}

/// Hostile messages: linear cost means the same throughput at 4 KB and at 64 KB.
fn adversarial(c: &mut Criterion) {
    let detector = detector();
    let units = [
        ("dashes", "-".repeat(64)),
        ("hex_runs", "0123456789abcdefABCDEF-".repeat(3)),
        ("markup", "`` ` || > ``` ".to_owned()),
        (
            "mentions",
            "VEN1-000079 be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e ".to_owned(),
        ),
    ];
    let mut group = c.benchmark_group("adversarial");
    for (name, unit) in &units {
        for size in [4_096, 65_536] {
            let text = unit.repeat(size / unit.len());
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
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = chat, adversarial
}
criterion_main!(benches);
