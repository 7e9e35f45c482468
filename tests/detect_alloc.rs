//! Detection allocates nothing on the heap when a message holds no mention.
//!
//! A test binary of its own: the counting allocator (`dhat`, testing mode) is global and sees
//! every thread, so it must not share a process with other tests.

use url::Url;
use xalantis_bot::detect::{DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Messages without mentions, including near misses that pass the cheap candidate check and so
/// go through the full scan (standards, glued and escaped references, links elsewhere, code).
const NO_MENTIONS: &[&str] = &[
    "",
    "hey, is the deploy done? the dashboard looks fine to me 👍",
    "Problème de connexion depuis ce matin, quelqu'un peut regarder ?",
    "see the follow-up e-mail from yesterday",
    "Encode it as UTF-8, hash it with SHA-256 and date it ISO-8601; CVE-2024-1234 is patched.",
    "xVEN1-000079 VEN1-0000790a _VEN1-000079 TLS-1.3",
    "!VEN1-000079 and !be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e",
    "`VEN1-000079` ```\nlet id = \"TCK-2026-0001\";\n``` ||VEN1-000080||",
    "> VEN1-000079\n>>> be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e",
    "https://github.com/org/repo/issues/VEN1-000079 <https://example.com|VEN1-000080>",
    "https://app.xalantis.com/settings and mail VEN1-000079@example.com",
];

fn detector() -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: DEFAULT_REFERENCE_PATTERN.to_owned(),
        web_url: Url::parse("https://app.xalantis.com").unwrap(),
        max_tickets: 5,
    })
    .unwrap()
}

/// One test only: a `dhat` profiler is process-wide, and tests run on parallel threads.
#[test]
fn finding_no_mention_allocates_nothing_and_finding_one_does() {
    // On failure dhat saves its profile: keep it out of the source tree.
    let _profiler = dhat::Profiler::builder()
        .testing()
        .file_name(std::env::temp_dir().join("detect-alloc-dhat-heap.json"))
        .build();
    let detector = detector();
    // Warm up: lazily compiled regexes and the regex engines' per-thread scratch space.
    for text in NO_MENTIONS {
        assert!(detector.find_ticket_mentions(text).is_empty(), "{text:?}");
    }
    let before = dhat::HeapStats::get();
    for _ in 0..100 {
        for text in NO_MENTIONS {
            std::hint::black_box(detector.find_ticket_mentions(std::hint::black_box(text)));
        }
    }
    let after_no_mention = dhat::HeapStats::get();
    // The counter does count: a found mention allocates its result.
    assert_eq!(detector.find_ticket_mentions("VEN1-000079").len(), 1);
    let after_mention = dhat::HeapStats::get();
    dhat::assert_eq!(after_no_mention.total_blocks, before.total_blocks);
    dhat::assert!(after_mention.total_blocks > before.total_blocks);
}
