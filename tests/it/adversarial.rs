//! An adversarial message corpus: 4,000-character messages (Discord's longest) full of mentions,
//! nested code fences, invisible and right-to-left characters, combining marks, thousands of
//! dashes and hex runs. No panic, the cap and deduplication kept, and sensible answers; through
//! the real bot, one reply within Discord's limits. The cost stays linear in the length of the
//! message: `cargo bench --bench adversarial` measures it.

use std::collections::HashSet;
use std::fmt::Write as _;

use url::Url;
use xalantis_bot::detect::{DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector, Mention, TicketId};
use xalantis_fakes::xalantis::sample_ticket;

use crate::support::spawn_bot;

/// Discord's longest message (Nitro), in characters.
const MESSAGE_CHARS: usize = 4_000;
const MAX: usize = 10;

fn detector() -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: DEFAULT_REFERENCE_PATTERN.to_owned(),
        web_url: Url::parse("https://app.xalantis.com").unwrap(),
        max_tickets: MAX,
    })
    .unwrap()
}

/// `unit` repeated whole, up to [`MESSAGE_CHARS`] characters.
fn message_of(unit: &str) -> String {
    unit.repeat(MESSAGE_CHARS / unit.chars().count())
}

fn references(mentions: &[Mention]) -> Vec<String> {
    mentions
        .iter()
        .map(|m| match &m.id {
            TicketId::Reference(r) | TicketId::Uuid(r) => r.clone(),
        })
        .collect()
}

/// Detection of `text`, checked for the cap and duplicates.
fn detect(text: &str) -> Vec<String> {
    let mentions = detector().find_ticket_mentions(text);
    assert!(mentions.len() <= MAX, "{} mentions", mentions.len());
    let distinct: HashSet<_> = mentions.iter().map(|m| &m.id).collect();
    assert_eq!(distinct.len(), mentions.len(), "duplicates");
    references(&mentions)
}

/// Hostile units, each filling a whole message, with what must be found there.
const CORPUS: &[(&str, &[&str])] = &[
    ("-", &[]),
    ("0123456789abcdef", &[]),
    ("0123456789ABCDEF-", &[]),
    ("a1b2c3d4-", &[]),
    ("VEN1-", &[]),
    // `A-1` has a reference's shape; learned prefixes decide whether it costs a lookup.
    ("A-1-", &["A-1"]),
    ("--VEN1-000079--", &["VEN1-000079"]),
    ("`` ` || ", &[]),
    ("```\n", &[]),
    ("> x\n", &[]),
    ("||", &[]),
    ("https://app.xalantis.com/", &[]),
    ("x@y.z-", &[]),
    ("\u{200B}", &[]),
    ("\u{200F}\u{202E}\u{2066}", &[]),
    ("e\u{0301}\u{0308}", &[]),
    ("🙂👩‍💻", &[]),
    ("\u{200B}-\u{0301}", &[]),
    // A reference split by an invisible character is not the reference the author typed.
    ("VEN1-\u{200B}000079 ", &[]),
    ("VEN\u{200D}1-000079 ", &[]),
    // Marks around a reference do not hide it; a combining mark on its last digit does.
    ("\u{200F}VEN1-000079\u{200F} ", &["VEN1-000079"]),
    ("\u{2067}VEN1-000079\u{2069} ", &["VEN1-000079"]),
    ("VEN1-000079\u{0301} ", &[]),
    ("\u{200B}VEN1-000079\u{200B} ", &["VEN1-000079"]),
];

#[test]
fn a_corpus_of_hostile_four_thousand_character_messages_gives_sensible_answers() {
    for (unit, expected) in CORPUS {
        let text = message_of(unit);
        assert_eq!(
            detect(&text),
            *expected,
            "{unit:?} × {}",
            MESSAGE_CHARS / unit.chars().count()
        );
    }
}

#[test]
fn a_message_full_of_mentions_gives_the_first_ten_once_each() {
    let mut text = String::new();
    let mut n = 0;
    while text.chars().count() < MESSAGE_CHARS - 40 {
        n += 1;
        let _ = write!(text, "VEN1-{:06} VEN1-{:06} ", n % 15, n % 15);
    }
    let expected: Vec<String> = (1..=10).map(|n| format!("VEN1-{n:06}")).collect();
    assert_eq!(detect(&text), expected);
}

#[test]
fn mentions_in_nested_or_unclosed_fences_stay_code() {
    // Discord ends a fence at the next three backticks, whatever opened it.
    let nested = format!(
        "````md\n{}`VEN1-000003` ``x``\n````\nVEN1-000001",
        "VEN1-000002 ".repeat(300)
    );
    assert_eq!(detect(&nested), ["VEN1-000001"]);
    let reopened = format!(
        "```\n``` VEN1-000001 ```\n{}\n```",
        "VEN1-000002 ".repeat(300)
    );
    assert_eq!(detect(&reopened), ["VEN1-000001"]);
    let unclosed = format!("VEN1-000001 ```{}", "VEN1-000002 `` ` ".repeat(200));
    assert_eq!(detect(&unclosed), ["VEN1-000001"]);
    let alternating = "`VEN1-000003` VEN1-000004 ".repeat(150);
    assert_eq!(detect(&alternating), ["VEN1-000004"]);
}

#[test]
fn right_to_left_and_combining_text_around_references_is_read_sensibly() {
    let arabic = "التذكرة VEN1-000079 مغلقة، راجع \u{200F}TCK-2026-0001\u{200F} أيضا";
    assert_eq!(detect(&arabic.repeat(40)), ["VEN1-000079", "TCK-2026-0001"]);
    let hebrew = "\u{202B}כרטיס VEN1-000079 נסגר\u{202C}";
    assert_eq!(detect(hebrew), ["VEN1-000079"]);
    let zalgo = "V\u{0336}E\u{0336}N\u{0336}1-000079 and é\u{0327} VEN1-000080";
    assert_eq!(detect(zalgo), ["VEN1-000080"]);
}

#[test]
fn thousands_of_dashes_and_hex_runs_around_real_mentions_still_find_them() {
    let uuid = "be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e";
    let text = format!(
        "{} {uuid} {} VEN1-000079 {}",
        "-".repeat(1_300),
        "deadbeef".repeat(160),
        "-".repeat(1_300)
    );
    assert_eq!(detect(&text), [uuid, "VEN1-000079"]);
    let glued = format!("{}{uuid}{}", "abcdef".repeat(300), "abcdef".repeat(300));
    assert!(
        detect(&glued).is_empty(),
        "a UUID glued into a hex run is no mention"
    );
}

#[tokio::test]
async fn a_four_thousand_character_flood_gets_one_reply_within_discords_limits() {
    let bot = spawn_bot(&[("MAX_TICKETS_PER_MESSAGE", "10")]).await;
    for n in 1..=12 {
        bot.xalantis.insert_ticket(sample_ticket(n));
    }
    let mut flood = String::new();
    let mut n = 0;
    while flood.len() < MESSAGE_CHARS - 30 {
        n += 1;
        let _ = write!(flood, "VEN1-{:06}\u{200F} `VEN1-000099` -- ", n % 13);
    }
    let source = bot.say(&flood);
    let reply = bot.reply_to(source).await;
    assert_eq!(reply["embeds"][0]["title"], "10 tickets");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(bot.replies_to(source).len(), 1);
    let violations: Vec<String> = bot
        .discord
        .violations()
        .into_iter()
        .filter(|v| v.starts_with("/api/v10/channels/"))
        .collect();
    assert!(violations.is_empty(), "{violations:?}");
}
