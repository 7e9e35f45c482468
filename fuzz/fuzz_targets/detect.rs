//! Any UTF-8 text → `find_ticket_mentions` and `parse_ticket_id`: no panic, at most the cap,
//! no duplicate, every reference found written in the text (any case).

#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use xalantis_bot::detect::{DEFAULT_REFERENCE_PATTERN, DetectConfig, Detector, TicketId};

/// The default pattern with the default cap, a custom pattern with the highest cap.
static DETECTORS: LazyLock<[(Detector, usize); 2]> = LazyLock::new(|| {
    [
        detector(DEFAULT_REFERENCE_PATTERN, 5),
        detector("[A-Z]+[0-9]+", 10),
    ]
});

fn detector(pattern: &str, max_tickets: usize) -> (Detector, usize) {
    let config = DetectConfig {
        reference_pattern: pattern.to_owned(),
        web_url: url::Url::parse("https://app.xalantis.com").expect("a valid URL"),
        max_tickets,
    };
    (
        Detector::new(&config).expect("a valid pattern"),
        max_tickets,
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let upper = text.to_uppercase();
    for (detector, max) in DETECTORS.iter() {
        let mentions = detector.find_ticket_mentions(text);
        assert!(mentions.len() <= *max, "{} mentions", mentions.len());
        let distinct: HashSet<_> = mentions.iter().map(|m| &m.id).collect();
        assert_eq!(distinct.len(), mentions.len(), "duplicates");
        for mention in &mentions {
            if let TicketId::Reference(reference) = &mention.id {
                assert!(
                    upper.contains(reference.as_str()),
                    "{reference} not in the text"
                );
            }
        }
        let _ = detector.parse_ticket_id(text);
    }
});
