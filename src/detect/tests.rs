//! Unit tests of the private parts: live segments, `split_url`, and a property test that the
//! candidate check never hides a mention the full scan finds.

use super::links::split_url;
use super::markdown::live_segments;
use super::*;

fn detector(pattern: &str) -> Detector {
    Detector::new(&DetectConfig {
        reference_pattern: pattern.to_owned(),
        web_url: Url::parse("https://app.xalantis.com").unwrap(),
        max_tickets: DEFAULT_MAX_TICKETS,
    })
    .unwrap()
}

fn live_text(text: &str) -> Vec<&str> {
    live_segments(text).map(|range| &text[range]).collect()
}

#[test]
fn the_default_pattern_reads_a_glued_upper_case_letter_as_part_of_the_prefix() {
    let mentions = detector(DEFAULT_REFERENCE_PATTERN).find_ticket_mentions("XVEN1-000079");
    assert_eq!(mentions[0].id, TicketId::Reference("XVEN1-000079".into()));
}

#[test]
fn a_custom_pattern_does_not_match_a_reference_glued_to_a_letter() {
    let detector = detector("VEN1-[0-9]{6}");
    assert!(detector.find_ticket_mentions("XVEN1-000079").is_empty());
    assert_eq!(detector.find_ticket_mentions("(VEN1-000079)").len(), 1);
}

#[test]
fn live_segments_leave_out_code_quotes_and_spoilers() {
    let text = "a `b` c ```d``` e ||f|| g\n> h\ni\n>>> j\nk";
    assert_eq!(live_text(text), ["a ", " c ", " e ", " g", "i"]);
}

#[test]
fn unclosed_markup_is_literal_except_a_fence() {
    assert_eq!(live_text("a ` b || c"), ["a ` b || c"]);
    assert_eq!(live_text("a ``` b"), ["a "]);
}

/// The full scan without the candidate check.
fn scan_everything(detector: &Detector, text: &str) -> Vec<Mention> {
    let mut found = Found::new(detector.max_tickets);
    detector.scan(text, &mut found);
    found.mentions
}

/// Pieces of hostile messages, put together at random by the property test.
const PIECES: &[&str] = &[
    "https://app.xalantis.com/tickets/",
    "<HTTPS://APP.xalantis.com/",
    "https://evil.example/",
    "https://a@app.xalantis.com:1/",
    "ven1-000079",
    "VEN1-000079",
    "AB-1",
    "UTF-8",
    "A",
    "-",
    "1",
    "x",
    "be2dde82-5a7b-4b3c-9d1e-0f2a3b4c5d6e",
    " ",
    "`",
    "```",
    "||",
    "> ",
    "\n",
    "!",
    "@",
    ".",
    ":",
    "_",
    "é",
    "\u{200B}",
    "|",
    ">",
    "?",
];

/// The default pattern, whose candidate check is a byte scan, and a custom one.
static DETECTORS: LazyLock<[Detector; 2]> = LazyLock::new(|| {
    [
        detector(DEFAULT_REFERENCE_PATTERN),
        detector("[A-Z]+[0-9]+"),
    ]
});

fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy as _;
    let piece = proptest::sample::select(PIECES);
    proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(2_000))]
    #[test]
    fn the_candidate_check_never_hides_a_mention(text in hostile_text()) {
        for detector in DETECTORS.iter() {
            let expected = scan_everything(detector, &text);
            proptest::prop_assert_eq!(detector.find_ticket_mentions(&text), expected);
        }
    }
}

#[test]
fn split_url_drops_user_info_port_query_and_fragment() {
    let url = "https://me@app.xalantis.com:443/tickets/X-1?a=b#c";
    assert_eq!(split_url(url), Some(("app.xalantis.com", "/tickets/X-1")));
}
