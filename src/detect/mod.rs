//! Text → ticket mentions (pure, no I/O).
//!
//! A mention is a ticket **reference** (`VEN1-000079`; the pattern is configurable), a ticket
//! **UUID** (8-4-4-4-12 hex digits, any case, normalised to lower case) or a **ticket link** (a URL
//! on the web app's host whose path carries a UUID or a reference, also as `<…>` or Slack's
//! `<…|label>`).
//!
//! Text people do not mean as a live mention is skipped: inline code, fenced code blocks, block
//! quotes (`> `, `>>> ` and Slack's `&gt; `), spoilers (`||…||`), a mention escaped with a leading
//! `!`, URLs of other hosts, e-mail addresses, a reference glued to other word characters
//! (`xVEN1-000079`) and well-known standards and versions (`UTF-8`, `SHA-256`, see
//! [`NON_TICKET_PREFIXES`]).
//!
//! Detection runs in two phases so that the common message, without any mention, costs a few
//! literal scans and no allocation: a cheap candidate check over the whole text, then, only when a
//! candidate exists, the markdown structure and the token regexes. The `regex` crate never
//! backtracks, so every scan is linear in the length of the text.
//!
//! # Layout
//! | module | owns |
//! |---|---|
//! | `detect` | the public types and entry points of [`Detector`], the shared patterns |
//! | `prescan` | the cheap candidate check over the whole text; the one before the token regex |
//! | `scan` | the full scan: tokens (links, e-mails, UUIDs), references between them, dedup, cap |
//! | `boundary` | whether a reference stands alone: not glued, escaped, a version, a standard |
//! | `markdown` | the live segments: outside code spans, fences, quotes and spoilers |
//! | `links` | ticket links: the host check and the ticket in the path |
//!
//! # Example
//! ```
//! use xalantis_bot::detect::{DetectConfig, Detector, TicketId, DEFAULT_REFERENCE_PATTERN};
//!
//! let detector = Detector::new(&DetectConfig {
//!     reference_pattern: DEFAULT_REFERENCE_PATTERN.to_owned(),
//!     web_url: "https://app.xalantis.com".parse().unwrap(),
//!     max_tickets: 5,
//! })
//! .unwrap();
//! let text = "Is VEN1-000079 fixed? Not `VEN1-000080`, and UTF-8 is no ticket.";
//! let mentions = detector.find_ticket_mentions(text);
//! assert_eq!(mentions.len(), 1);
//! assert_eq!(mentions[0].id, TicketId::Reference("VEN1-000079".to_owned()));
//! assert!(!mentions[0].via_link);
//! ```

mod boundary;
mod links;
mod markdown;
mod prescan;
mod scan;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use self::scan::Found;

/// Default for `MAX_TICKETS_PER_MESSAGE`.
pub const DEFAULT_MAX_TICKETS: usize = 5;
/// Hard ceiling for `MAX_TICKETS_PER_MESSAGE` (Discord allows 10 embeds per message).
pub const MAX_TICKETS_CEILING: usize = 10;
/// Default `TICKET_REFERENCE_PATTERN`: an upper-case prefix starting with a letter, then one or
/// two dash-separated groups of digits (`VEN1-000079`, `TCK-2026-0001`).
pub const DEFAULT_REFERENCE_PATTERN: &str = r"[A-Z][A-Z0-9]*-[0-9]+(?:-[0-9]+)?";

/// Prefixes of well-known standards, versions, encodings, hashes, advisories and time zones that
/// look like references (`UTF-8`, `SHA-256`, `ISO-8601`, `CVE-2024-1234`, `TLS-1`, `UTC-5`).
///
/// A reference found in chat whose prefix (its leading letters and digits, compared without
/// regard to case) is one of these is not a mention, whatever the reference pattern. The list is
/// deliberately conservative: a wrongly rejected prefix hides real tickets, while a stray lookup
/// only costs one cached not-found answer. [`Detector::parse_ticket_id`] ignores it, since the
/// user asked for that ticket explicitly.
#[rustfmt::skip]
pub const NON_TICKET_PREFIXES: &[&str] = &[
    // Character encodings.
    "UTF", "UCS", "ISO", "KOI8",
    // Standards bodies and documents.
    "RFC", "IEC", "IEEE", "ECMA", "ANSI", "NIST", "FIPS", "PCI", "SOC", "PEP",
    // Security advisories and weakness catalogues.
    "CVE", "CWE", "GHSA", "RUSTSEC",
    // Hashes, checksums, ciphers, encodings of binary data.
    "SHA", "SHA1", "SHA2", "SHA3", "MD5", "CRC", "AES", "RSA", "HMAC", "BASE",
    // Protocols, interfaces and their versions.
    "TLS", "SSL", "DTLS", "HTTP", "IPV4", "IPV6", "WPA", "WPA2", "WPA3", "USB", "DDR", "MPEG",
    // Time zones written as offsets.
    "UTC", "GMT",
    // Other everyday names with numbers.
    "COVID",
];

/// How a ticket is named in chat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TicketId {
    /// A ticket UUID, lower case.
    Uuid(String),
    /// A human reference such as `VEN1-000079`, as written (upper case).
    Reference(String),
}

/// One ticket mention found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mention {
    /// The ticket it names.
    pub id: TicketId,
    /// True when it came from a ticket link (Slack unfurls those instead of posting a card).
    /// When a ticket appears several times in one message, true if any appearance is a link.
    pub via_link: bool,
}

/// What detection needs from the configuration.
#[derive(Debug, Clone)]
pub struct DetectConfig {
    /// The reference regex (`TICKET_REFERENCE_PATTERN`), already validated.
    pub reference_pattern: String,
    /// `XALANTIS_WEB_URL`: links on its host are ticket links.
    pub web_url: Url,
    /// `MAX_TICKETS_PER_MESSAGE`, already clamped to 1..=10.
    pub max_tickets: usize,
}

/// Finds ticket mentions in chat text. Build once, share (`Arc`), call per message.
#[derive(Debug, Clone)]
pub struct Detector {
    /// The reference pattern as configured, for chat text.
    reference: Regex,
    /// The reference pattern, whole input, any case: for explicit input and link paths.
    exact_reference: Regex,
    /// True unless the pattern is the default, whose matches the dash scan already finds.
    custom_pattern: bool,
    /// The web app's host, lower case: links on it are ticket links.
    host: Option<String>,
    max_tickets: usize,
}

/// A ticket UUID: 8-4-4-4-12 hex digits, any case.
const UUID_PATTERN: &str =
    "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";

/// A UUID that is the whole input.
static EXACT_UUID: LazyLock<Regex> =
    LazyLock::new(|| built_in(&format!(r"\A(?P<uuid>{UUID_PATTERN})\z")));

fn built_in(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in patterns are valid")
}

impl Detector {
    /// Compiles the detector. Fails only when `reference_pattern` is not a valid regex.
    pub fn new(config: &DetectConfig) -> Result<Self, regex::Error> {
        let pattern = &config.reference_pattern;
        Ok(Self {
            reference: Regex::new(pattern)?,
            exact_reference: Regex::new(&format!(r"(?i)\A(?:{pattern})\z"))?,
            custom_pattern: pattern != DEFAULT_REFERENCE_PATTERN,
            host: config
                .web_url
                .host_str()
                .filter(|host| !host.is_empty())
                .map(str::to_ascii_lowercase),
            max_tickets: config.max_tickets.clamp(1, MAX_TICKETS_CEILING),
        })
    }

    /// The mentions in `text`, in order of first appearance, deduplicated, at most
    /// `max_tickets`. Code spans, fenced blocks, quotes and spoilers are skipped.
    ///
    /// Allocates nothing when `text` holds no mention.
    pub fn find_ticket_mentions(&self, text: &str) -> Vec<Mention> {
        let mut found = Found::new(self.max_tickets);
        if self.may_mention(text) {
            self.scan(text, &mut found);
        }
        found.mentions
    }

    /// Reads explicit user input (the `/ticket id` option): one reference, UUID or ticket link,
    /// surrounding whitespace and `<…>` allowed. `None` when it is none of these.
    ///
    /// References are matched without regard to case and returned upper-cased; UUIDs are
    /// returned lower-cased. [`NON_TICKET_PREFIXES`] does not apply here.
    pub fn parse_ticket_id(&self, input: &str) -> Option<TicketId> {
        let input = input.trim();
        let input = input
            .strip_prefix('<')
            .and_then(|inner| inner.strip_suffix('>'))
            .map_or(input, str::trim);
        if input.contains("://") {
            self.link_ticket(input)
        } else {
            self.exact_ticket_id(input)
        }
    }

    /// `input` as a whole UUID or reference (any case), normalised.
    fn exact_ticket_id(&self, input: &str) -> Option<TicketId> {
        if EXACT_UUID.is_match(input) {
            Some(TicketId::Uuid(input.to_ascii_lowercase()))
        } else if !input.is_empty() && self.exact_reference.is_match(input) {
            Some(TicketId::Reference(input.to_uppercase()))
        } else {
            None
        }
    }
}

/// Whether `prefix` is one of [`NON_TICKET_PREFIXES`], in any case.
fn is_non_ticket_prefix(prefix: &[u8]) -> bool {
    (NON_TICKET_PREFIXES.iter()).any(|known| known.as_bytes().eq_ignore_ascii_case(prefix))
}
