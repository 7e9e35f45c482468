//! Tests of the detect capability: every line of the positive and negative corpora under
//! `tests/fixtures/`, then one test per behaviour.

use std::fmt::Write as _;

use proptest::prelude::*;
use url::Url;
use xalantis_bot::detect::{
    DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector, Mention, NON_TICKET_PREFIXES, TicketId,
};

const WEB_URL: &str = "https://app.xalantis.com";
const UUID: &str = "be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e";
const POSITIVE: &str = include_str!("../fixtures/mentions-positive.txt");
const NEGATIVE: &str = include_str!("../fixtures/mentions-negative.txt");

fn detector_with(pattern: &str, web_url: &str, max_tickets: usize) -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: pattern.to_owned(),
        web_url: Url::parse(web_url).unwrap(),
        max_tickets,
    })
    .unwrap()
}

/// The corpus settings: default pattern, default web URL, the highest cap.
fn detector() -> Detector {
    detector_with(DEFAULT_REFERENCE_PATTERN, WEB_URL, 10)
}

fn find(text: &str) -> Vec<Mention> {
    detector().find_ticket_mentions(text)
}

fn reference(id: &str) -> TicketId {
    TicketId::Reference(id.to_owned())
}

fn uuid(id: &str) -> TicketId {
    TicketId::Uuid(id.to_owned())
}

fn mention(id: TicketId, via_link: bool) -> Mention {
    Mention { id, via_link }
}

/// `VEN1-…` references numbered by `numbers`, space-separated.
fn references(numbers: std::ops::RangeInclusive<u32>) -> String {
    let references: Vec<String> = numbers.map(|n| format!("VEN1-{n:06}")).collect();
    references.join(" ")
}

fn ids(mentions: &[Mention]) -> Vec<TicketId> {
    mentions.iter().map(|mention| mention.id.clone()).collect()
}

// ---- corpora ----

/// The corpus lines that are cases: `(line number, text)`, comments and blank lines left out.
fn cases(corpus: &str) -> impl Iterator<Item = (usize, &str)> {
    corpus
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with("##"))
}

/// Undoes the corpus escapes: `\n`, `\r`, `\t`, `\\`, `\u{XXXX}`.
fn unescape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('u') => out.push(unicode_escape(&mut chars)),
            other => panic!("unknown escape \\{other:?} in {input:?}"),
        }
    }
    out
}

fn unicode_escape(chars: &mut std::str::Chars<'_>) -> char {
    let rest = chars.as_str();
    let hex = rest.strip_prefix('{').and_then(|r| r.split_once('}'));
    let (hex, after) = hex.expect("\\u is followed by {hex}");
    *chars = after.chars();
    char::from_u32(u32::from_str_radix(hex, 16).unwrap()).expect("a Unicode scalar value")
}

/// One expected mention of the positive corpus: `[link:]ID`.
fn expected_mention(item: &str) -> Mention {
    let (via_link, id) = match item.strip_prefix("link:") {
        Some(id) => (true, id),
        None => (false, item),
    };
    let looks_like_uuid = id.len() == 36 && id.matches('-').count() == 4;
    let id = if looks_like_uuid {
        uuid(id)
    } else {
        reference(id)
    };
    mention(id, via_link)
}

#[test]
fn every_line_of_the_positive_corpus_gives_exactly_its_mentions() {
    let mut failures = String::new();
    let mut count = 0;
    for (line, case) in cases(POSITIVE) {
        let (input, expected) = case
            .split_once('\t')
            .unwrap_or_else(|| panic!("mentions-positive.txt line {line}: no TAB"));
        let expected: Vec<Mention> = expected.split(',').map(expected_mention).collect();
        let found = find(&unescape(input));
        if found != expected {
            let _ = writeln!(
                failures,
                "  line {line}: {input:?}\n    expected {expected:?}\n    found    {found:?}"
            );
        }
        count += 1;
    }
    assert!(count >= 60, "the positive corpus has only {count} cases");
    assert!(failures.is_empty(), "mentions-positive.txt:\n{failures}");
}

#[test]
fn no_line_of_the_negative_corpus_gives_a_mention() {
    let mut failures = String::new();
    let mut count = 0;
    for (line, input) in cases(NEGATIVE) {
        let found = find(&unescape(input));
        if !found.is_empty() {
            let _ = writeln!(failures, "  line {line}: {input:?} gave {found:?}");
        }
        count += 1;
    }
    assert!(count >= 60, "the negative corpus has only {count} cases");
    assert!(failures.is_empty(), "mentions-negative.txt:\n{failures}");
}

#[test]
fn the_corpus_unescaping_reads_every_escape() {
    assert_eq!(unescape(r"a\nb\r\t\\\u{200B}z"), "a\nb\r\t\\\u{200B}z");
}

// ---- what a mention is ----

#[test]
fn finds_references_uuids_and_links_in_order_of_first_appearance() {
    let text = format!("{UUID}, then TCK-2026-0001, then {WEB_URL}/tickets/VEN1-000079");
    let expected = [
        mention(uuid(UUID), false),
        mention(reference("TCK-2026-0001"), false),
        mention(reference("VEN1-000079"), true),
    ];
    assert_eq!(find(&text), expected);
}

#[test]
fn normalises_uuids_to_lower_case() {
    assert_eq!(ids(&find(&UUID.to_uppercase())), [uuid(UUID)]);
}

#[test]
fn reads_slack_and_discord_link_forms_as_ticket_links() {
    for link in [
        format!("<{WEB_URL}/tickets/{UUID}>"),
        format!("<{WEB_URL}/tickets/{UUID}|the login problem>"),
        format!("{WEB_URL}/tickets/{UUID}?tab=comments#reply-2"),
    ] {
        assert_eq!(find(&link), [mention(uuid(UUID), true)], "{link}");
    }
}

#[test]
fn links_count_on_the_host_of_the_configured_web_url_only() {
    let detector = detector_with(DEFAULT_REFERENCE_PATTERN, "http://127.0.0.1:8080", 5);
    let local = detector.find_ticket_mentions("http://127.0.0.1:8080/tickets/ven1-000079");
    assert_eq!(local, [mention(reference("VEN1-000079"), true)]);
    let default_host = format!("{WEB_URL}/tickets/VEN1-000079");
    assert!(detector.find_ticket_mentions(&default_host).is_empty());
}

#[test]
fn a_reference_and_a_link_to_the_same_ticket_give_one_mention_marked_as_a_link() {
    let text = format!("VEN1-000079, see {WEB_URL}/tickets/VEN1-000079");
    assert_eq!(find(&text), [mention(reference("VEN1-000079"), true)]);
}

#[test]
fn deduplicates_a_ticket_mentioned_many_times() {
    let text = "VEN1-000079 VEN1-000080 VEN1-000079 VEN1-000080";
    let expected = [reference("VEN1-000079"), reference("VEN1-000080")];
    assert_eq!(ids(&find(text)), expected);
}

#[test]
fn stops_at_max_tickets() {
    let text = references(1..=20);
    let detector = detector_with(DEFAULT_REFERENCE_PATTERN, WEB_URL, 5);
    let found = detector.find_ticket_mentions(&text);
    let expected: Vec<_> = (1..=5)
        .map(|n| reference(&format!("VEN1-{n:06}")))
        .collect();
    assert_eq!(ids(&found), expected);
}

#[test]
fn finds_nothing_in_an_empty_message() {
    assert!(find("").is_empty());
}

// ---- what is skipped ----

#[test]
fn skips_references_inside_inline_code() {
    assert_eq!(
        ids(&find("`VEN1-000080` VEN1-000079")),
        [reference("VEN1-000079")]
    );
}

#[test]
fn skips_references_inside_fenced_blocks_with_or_without_a_language() {
    for text in [
        "```\nVEN1-000080\n```\nVEN1-000079",
        "```sql\nVEN1-000080\n```VEN1-000079",
    ] {
        assert_eq!(ids(&find(text)), [reference("VEN1-000079")], "{text:?}");
    }
}

#[test]
fn an_unterminated_fence_hides_the_rest_of_the_message() {
    assert_eq!(
        ids(&find("VEN1-000079 ```\nVEN1-000080")),
        [reference("VEN1-000079")]
    );
}

#[test]
fn skips_quoted_lines_and_everything_after_a_multi_line_quote() {
    let text = "> VEN1-000080\nVEN1-000079\n>>> VEN1-000081\nVEN1-000082";
    assert_eq!(ids(&find(text)), [reference("VEN1-000079")]);
}

#[test]
fn skips_mentions_inside_spoilers() {
    let text = format!("||VEN1-000080 {UUID}|| VEN1-000079");
    assert_eq!(ids(&find(&text)), [reference("VEN1-000079")]);
}

#[test]
fn does_not_expand_a_mention_escaped_with_an_exclamation_mark() {
    let text = format!("!VEN1-000080 !{UUID} !{WEB_URL}/tickets/VEN1-000081 VEN1-000079");
    assert_eq!(ids(&find(&text)), [reference("VEN1-000079")]);
}

#[test]
fn ignores_links_to_other_hosts_and_the_tickets_in_their_paths() {
    let text = format!("https://example.com/tickets/VEN1-000079 <https://example.com/{UUID}>");
    assert!(find(&text).is_empty());
}

#[test]
fn ignores_email_addresses() {
    assert!(find("write to VEN1-000079@example.com or a.b+VEN1-000080@x.org").is_empty());
}

#[test]
fn ignores_version_strings_and_standards() {
    let text = "UTF-8, SHA-256, ISO-8601, RFC-2616, CVE-2024-1234, TLS-1, TLS-1.3, ABC-1.2";
    assert!(find(text).is_empty());
}

#[test]
fn rejects_every_built_in_non_ticket_prefix_whatever_the_pattern() {
    let custom = detector_with("[A-Z][A-Z0-9]*-[0-9]+", WEB_URL, 10);
    for prefix in NON_TICKET_PREFIXES {
        let text = format!("{prefix}-42");
        assert!(find(&text).is_empty(), "{text}");
        assert!(custom.find_ticket_mentions(&text).is_empty(), "{text}");
    }
}

#[test]
fn ignores_references_glued_to_word_characters() {
    for text in [
        "xVEN1-000079",
        "VEN1-0000790a",
        "_VEN1-000079",
        "VEN1-000079é",
    ] {
        assert!(find(text).is_empty(), "{text}");
    }
}

// ---- the reference pattern ----

#[test]
fn a_custom_reference_pattern_replaces_the_default() {
    let detector = detector_with(r"SUP[0-9]{4}", WEB_URL, 5);
    let found = detector.find_ticket_mentions("SUP1234 and VEN1-000079");
    assert_eq!(ids(&found), [reference("SUP1234")]);
}

#[test]
fn a_custom_pattern_does_not_see_a_reference_glued_to_a_letter() {
    let detector = detector_with("VEN1-[0-9]{6}", WEB_URL, 5);
    assert!(detector.find_ticket_mentions("XVEN1-000079").is_empty());
}

#[test]
fn an_invalid_reference_pattern_is_an_error() {
    let config = DetectConfig {
        reference_pattern: "[A-Z".to_owned(),
        web_url: Url::parse(WEB_URL).unwrap(),
        max_tickets: 5,
    };
    assert!(Detector::new(&config).is_err());
}

// ---- explicit input ----

#[test]
fn parse_ticket_id_reads_a_reference_in_any_case_as_upper_case() {
    let detector = detector();
    assert_eq!(
        detector.parse_ticket_id(" ven1-000079 "),
        Some(reference("VEN1-000079"))
    );
    assert_eq!(
        detector.parse_ticket_id("TCK-2026-0001"),
        Some(reference("TCK-2026-0001"))
    );
}

#[test]
fn parse_ticket_id_reads_a_uuid_as_lower_case() {
    let input = format!("<{}>", UUID.to_uppercase());
    assert_eq!(detector().parse_ticket_id(&input), Some(uuid(UUID)));
}

#[test]
fn parse_ticket_id_reads_ticket_links_in_every_chat_form() {
    for input in [
        format!("{WEB_URL}/tickets/VEN1-000079"),
        format!(" <{WEB_URL}/tickets/VEN1-000079> "),
        format!("<{WEB_URL}/tickets/VEN1-000079|VEN1-000079>"),
        format!("{WEB_URL}/tickets/ven1-000079?tab=sla#top"),
    ] {
        let parsed = detector().parse_ticket_id(&input);
        assert_eq!(parsed, Some(reference("VEN1-000079")), "{input}");
    }
}

#[test]
fn parse_ticket_id_accepts_a_standard_like_name_because_the_user_asked_for_it() {
    assert_eq!(
        detector().parse_ticket_id("UTF-8"),
        Some(reference("UTF-8"))
    );
}

#[test]
fn parse_ticket_id_rejects_anything_but_one_ticket() {
    for input in [
        "",
        "   ",
        "VEN1-000079 VEN1-000080",
        "see VEN1-000079",
        "VEN1-000079x",
        "https://example.com/tickets/VEN1-000079",
        "https://app.xalantis.com/settings",
        "be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6",
    ] {
        assert_eq!(detector().parse_ticket_id(input), None, "{input:?}");
    }
}

// ---- adversarial input ----

#[test]
fn a_long_message_full_of_mentions_gives_at_most_max_tickets() {
    let text = "VEN1-000079 ".repeat(200) + &"TCK-2026-0001 ".repeat(200);
    let found = detector_with(DEFAULT_REFERENCE_PATTERN, WEB_URL, 10).find_ticket_mentions(&text);
    assert_eq!(
        ids(&found),
        [reference("VEN1-000079"), reference("TCK-2026-0001")]
    );
    assert_eq!(find(&references(0..=400)).len(), 10);
}

#[test]
fn markup_inside_a_fence_stays_code() {
    let text = "```md\n> `VEN1-000080`\n||VEN1-000081|| ``\n```\nVEN1-000079 `` ` `` ```` ` ";
    assert_eq!(ids(&find(text)), [reference("VEN1-000079")]);
}

// Linear cost on hostile text is measured by `cargo bench --bench adversarial`, not timed here:
// a timed test fails on a busy machine.

proptest! {
    #[test]
    fn any_text_gives_at_most_max_tickets_each_found_in_the_text(
        text in "[-VEN0-9a-fA-F`|>!@:/._ xé\u{200B}\n]{0,300}"
    ) {
        let found = find(&text);
        prop_assert!(found.len() <= 10);
        for mention in found {
            if let TicketId::Reference(id) = &mention.id {
                prop_assert!(text.contains(id.as_str()));
            }
        }
    }
}
