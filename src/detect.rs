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

use std::ops::{ControlFlow, Range};
use std::sync::LazyLock;

use regex::Regex;
use url::Url;

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

/// What ends a bare URL in prose rather than belonging to it (`see https://…/VEN1-000079.`).
const URL_TRAILING_PUNCTUATION: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '*', '_', '~',
];

/// A UUID that is the whole input.
static EXACT_UUID: LazyLock<Regex> =
    LazyLock::new(|| built_in(&format!(r"\A(?P<uuid>{UUID_PATTERN})\z")));

/// What is read before references, because a reference inside it is not one: links (Discord's
/// and Slack's `<…>` forms, then bare), e-mail addresses, UUIDs. E-mail addresses are matched
/// in ASCII, which keeps this regex fast; a reference touching an `@` is rejected anyway.
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    built_in(&format!(
        r"(?P<link><(?i:https?)://[^\s>|]*(?:\|[^>\n]*)?>|(?i:https?)://[^\s<>]+)|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)|(?P<uuid>{UUID_PATTERN})"
    ))
});

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

    /// The cheap whole-text check: false means no mention for sure. With the default pattern it
    /// is one pass looking for `-` and `:` and a few byte comparisons around each hit; a custom
    /// pattern adds one scan with its own regex.
    fn may_mention(&self, text: &str) -> bool {
        has_candidate(text.as_bytes(), self.host.as_deref())
            || (self.custom_pattern && self.reference.is_match(text))
    }

    /// The full scan, live segment by live segment, until the cap.
    fn scan(&self, text: &str, found: &mut Found) {
        for live in live_segments(text) {
            if self.scan_live(text, live, found).is_break() {
                break;
            }
        }
    }

    /// Reads one live segment: tokens (links, e-mail addresses, UUIDs), references between them.
    fn scan_live(&self, text: &str, live: Range<usize>, found: &mut Found) -> ControlFlow<()> {
        if !may_hold_token(&text[live.clone()]) {
            return self.scan_references(text, live, found);
        }
        let mut gap_start = live.start;
        for token in TOKEN.find_iter(&text[live.clone()]) {
            let span = live.start + token.start()..live.start + token.end();
            self.scan_references(text, gap_start..span.start, found)?;
            if let Some((id, via_link)) = self.token_ticket(text, span.clone()) {
                found.add(id, via_link)?;
            }
            gap_start = span.end;
        }
        self.scan_references(text, gap_start..live.end, found)
    }

    /// The ticket a token names, if it is a live mention, and whether it is a link.
    fn token_ticket(&self, text: &str, span: Range<usize>) -> Option<(TicketId, bool)> {
        let token = &text[span.clone()];
        if is_escaped(text, span.start) {
            None
        } else if token.contains("://") {
            self.link_ticket(token).map(|id| (id, true))
        } else if token.contains('@') || is_glued(text, &span) {
            None
        } else {
            Some((TicketId::Uuid(token.to_ascii_lowercase()), false))
        }
    }

    fn scan_references(&self, text: &str, gap: Range<usize>, found: &mut Found) -> ControlFlow<()> {
        for reference in self.reference.find_iter(&text[gap.clone()]) {
            let span = gap.start + reference.start()..gap.start + reference.end();
            if is_live_reference(text, &span) {
                found.add(
                    TicketId::Reference(reference.as_str().to_uppercase()),
                    false,
                )?;
            }
        }
        ControlFlow::Continue(())
    }

    /// The ticket of a link (`https://…`, `<https://…>`, `<https://…|label>`) on the web app's
    /// host: the last path segment that is a UUID or a reference.
    fn link_ticket(&self, link: &str) -> Option<TicketId> {
        let url = link.strip_prefix('<').unwrap_or(link);
        let url = url.split(['|', '>']).next().unwrap_or(url);
        let url = url.trim_end_matches(URL_TRAILING_PUNCTUATION);
        let (host, path) = split_url(url)?;
        if !host.eq_ignore_ascii_case(self.host.as_deref()?) {
            return None;
        }
        path.rsplit('/')
            .find_map(|segment| self.exact_ticket_id(segment))
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

/// Byte lanes of the candidate scan's eight-byte words.
const LANES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every lane.
const HIGH_BITS: u64 = LANES << 7;

/// Whether a mention may start around some `-` or `:` of `bytes` (see [`is_candidate_at`]).
/// One pass, eight bytes at a time; only a word holding `-` or `:` is looked at byte by byte.
fn has_candidate(bytes: &[u8], host: Option<&str>) -> bool {
    let words = bytes.chunks_exact(8);
    let tail = bytes.len() - words.remainder().len();
    let in_word = |index: usize| index * 8..index * 8 + 8;
    words.enumerate().any(|(index, word)| {
        holds_dash_or_colon(word) && in_word(index).any(|at| is_candidate_at(bytes, at, host))
    }) || (tail..bytes.len()).any(|at| is_candidate_at(bytes, at, host))
}

/// Whether one of the eight bytes of `word` is `-` or `:`: the exact zero-byte test of "Bit
/// Twiddling Hacks" applied to `word` XOR each byte repeated.
fn holds_dash_or_colon(word: &[u8]) -> bool {
    let word = u64::from_le_bytes(word.try_into().expect("a word is eight bytes"));
    let has_zero_byte = |x: u64| x.wrapping_sub(LANES) & !x & HIGH_BITS != 0;
    has_zero_byte(word ^ (LANES * u64::from(b'-')))
        || has_zero_byte(word ^ (LANES * u64::from(b':')))
}

/// A `-` that could belong to a UUID or to a reference of the default pattern, or the `:` of a
/// `://` that could start a link to `host`.
fn is_candidate_at(bytes: &[u8], at: usize, host: Option<&str>) -> bool {
    match bytes[at] {
        b'-' => could_be_uuid_dash(bytes, at) || could_be_reference_dash(bytes, at),
        b':' => host.is_some_and(|host| could_be_link(bytes, at, host)),
        _ => false,
    }
}

/// Whether [`TOKEN`] can match: the literal scans are much cheaper than running it.
fn may_hold_token(segment: &str) -> bool {
    segment.contains("://") || segment.contains('@') || has_uuid_dash(segment)
}

/// Whether some `-` of `text` could belong to a UUID.
fn has_uuid_dash(text: &str) -> bool {
    let mut from = 0;
    // `str::find` of one ASCII character is a `memchr`.
    while let Some(dash) = text[from..].find('-').map(|i| from + i) {
        if could_be_uuid_dash(text.as_bytes(), dash) {
            return true;
        }
        from = dash + 1;
    }
    false
}

/// Four hex digits on both sides.
fn could_be_uuid_dash(bytes: &[u8], dash: usize) -> bool {
    let hex = |run: Option<&[u8]>| run.is_some_and(|run| run.iter().all(u8::is_ascii_hexdigit));
    dash >= 4 && hex(bytes.get(dash - 4..dash)) && hex(bytes.get(dash + 1..dash + 5))
}

/// A digit after, and before it a run of `[A-Z0-9]` that starts with a letter (else the match
/// would be glued to a digit) and is not a well-known non-ticket prefix. Linear over a whole
/// text: the runs before successive dashes are disjoint.
fn could_be_reference_dash(bytes: &[u8], dash: usize) -> bool {
    if !bytes.get(dash + 1).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let before = &bytes[..dash];
    let run = (before.iter().rev())
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        .count();
    let prefix = &before[dash - run..];
    prefix.first().is_some_and(u8::is_ascii_uppercase) && !is_non_ticket_prefix(prefix)
}

/// `://` followed by an authority (up to the path, or anything that ends a URL token) that
/// contains `host` in any case: a superset of the links [`Detector::link_ticket`] accepts,
/// whatever user info or port they carry. Linear: an authority never spans another `://`.
fn could_be_link(bytes: &[u8], colon: usize, host: &str) -> bool {
    let Some(rest) = bytes[colon..].strip_prefix(b"://") else {
        return false;
    };
    let end = rest
        .iter()
        .position(|&b| ends_authority(b))
        .unwrap_or(rest.len());
    (rest[..end].windows(host.len())).any(|window| window.eq_ignore_ascii_case(host.as_bytes()))
}

fn ends_authority(b: u8) -> bool {
    matches!(b, b'/' | b'?' | b'#' | b'<' | b'>' | b'|') || b.is_ascii_whitespace()
}

/// The mentions found so far, deduplicated and capped.
struct Found {
    mentions: Vec<Mention>,
    max: usize,
}

impl Found {
    fn new(max: usize) -> Self {
        Self {
            mentions: Vec::new(),
            max,
        }
    }

    /// Records one appearance; `Break` once the cap is reached.
    fn add(&mut self, id: TicketId, via_link: bool) -> ControlFlow<()> {
        match self.mentions.iter_mut().find(|seen| seen.id == id) {
            Some(seen) => seen.via_link |= via_link,
            None => self.mentions.push(Mention { id, via_link }),
        }
        if self.mentions.len() >= self.max {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// `(host, path)` of an absolute URL, without user info, port, query or fragment.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let (_scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host.split(':').next().unwrap_or(host);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    Some((host, path))
}

fn is_live_reference(text: &str, span: &Range<usize>) -> bool {
    !span.is_empty()
        && !is_glued(text, span)
        && !is_escaped(text, span.start)
        && !continues_as_number(text, span.end)
        && !touches_at_sign(text, span)
        && !has_non_ticket_prefix(&text[span.clone()])
}

/// Whether a word character touches either end of `span` (`xVEN1-000079`, `VEN1-0000790a`),
/// also through invisible characters (`VEN1-0000\u{200B}79` is not `VEN1-0000`).
fn is_glued(text: &str, span: &Range<usize>) -> bool {
    let before = text[..span.start].chars().rev().find(|&c| !is_invisible(c));
    let after = text[span.end..].chars().find(|&c| !is_invisible(c));
    before.is_some_and(is_word_char) || after.is_some_and(is_word_char)
}

/// Zero-width characters that join or hide a break inside a word: soft hyphen, zero-width
/// space, non-joiner and joiner, word joiner, zero-width no-break space.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// Part of an e-mail address (or a chat handle) the e-mail token did not cover.
fn touches_at_sign(text: &str, span: &Range<usize>) -> bool {
    text[..span.start].ends_with('@') || text[span.end..].starts_with('@')
}

/// The explicit escape: `!VEN1-000079` is not expanded.
fn is_escaped(text: &str, start: usize) -> bool {
    text[..start].ends_with('!')
}

/// A decimal part follows (`TLS-1.3`, `ABC-1.2.0`): a version, not a ticket.
fn continues_as_number(text: &str, end: usize) -> bool {
    text[end..]
        .strip_prefix('.')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

fn has_non_ticket_prefix(reference: &str) -> bool {
    let prefix = reference
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or(reference);
    is_non_ticket_prefix(prefix.as_bytes())
}

fn is_non_ticket_prefix(prefix: &[u8]) -> bool {
    (NON_TICKET_PREFIXES.iter()).any(|known| known.as_bytes().eq_ignore_ascii_case(prefix))
}

/// Characters that make a reference part of a longer word: letters, digits, `_` and combining
/// marks, except letters of scripts written without spaces (CJK, Thai), where a reference
/// naturally touches the words around it (`チケットVEN1-000079を確認`).
fn is_word_char(c: char) -> bool {
    c == '_' || is_combining_mark(c) || (c.is_alphanumeric() && !is_spaceless_script(c))
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn is_spaceless_script(c: char) -> bool {
    matches!(c, '\u{0E00}'..='\u{0EFF}' | '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FF66}'..='\u{FF9F}')
}

/// Line openers of a one-line quote (Discord/markdown, and Slack, which escapes `>`).
const QUOTE_LINE: [&str; 2] = ["> ", "&gt; "];
/// Line openers of a quote that runs to the end of the message (Discord's `>>> `).
const QUOTE_REST: [&str; 2] = [">>> ", "&gt;&gt;&gt; "];

/// The byte ranges of `text` outside code, quotes and spoilers, in order.
fn live_segments(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut pos = 0;
    let plain = !has_markup(text);
    std::iter::from_fn(move || {
        if plain && pos < text.len() {
            pos = text.len();
            return Some(0..text.len());
        }
        while pos < text.len() {
            let (live, resume) = next_live_run(text, pos);
            pos = resume;
            if !live.is_empty() {
                return Some(live);
            }
        }
        None
    })
}

/// Whether `text` may hold code, a quote or a spoiler: most messages do not, and these literal
/// scans are much cheaper than the byte-by-byte walk of [`next_live_run`].
fn has_markup(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.contains(&b'`')
        || bytes.contains(&b'|')
        || quote_end(text, 0).is_some()
        || text.contains("\n>")
        || text.contains("\n&gt;")
}

/// The live run starting at `start`, and where the skipped region after it ends.
fn next_live_run(text: &str, start: usize) -> (Range<usize>, usize) {
    if let Some(end) = quote_end(text, start) {
        return (start..start, end);
    }
    let mut from = start;
    while let Some(offset) = text.as_bytes()[from..]
        .iter()
        .position(|&b| matches!(b, b'`' | b'|' | b'\n'))
    {
        let at = from + offset;
        match markup_at(text, at) {
            Markup::Skip(end) => return (start..at, end),
            Markup::Literal(next) => from = next,
        }
    }
    (start..text.len(), text.len())
}

/// What a markup byte at some position turns out to be.
enum Markup {
    /// It opens a skipped region that ends at this byte position.
    Skip(usize),
    /// It is plain text; scanning resumes at this byte position.
    Literal(usize),
}

fn markup_at(text: &str, at: usize) -> Markup {
    match text.as_bytes()[at] {
        b'\n' if quote_end(text, at + 1).is_some() => Markup::Skip(at + 1),
        b'`' => code_at(text, at),
        b'|' if text[at + 1..].starts_with('|') => spoiler_at(text, at),
        _ => Markup::Literal(at + 1),
    }
}

/// The end of the quote that starts at `start`, if a quote starts there.
fn quote_end(text: &str, start: usize) -> Option<usize> {
    let at_line_start = start == 0 || text.as_bytes()[start - 1] == b'\n';
    let line = &text[start..];
    if !at_line_start {
        None
    } else if QUOTE_REST.iter().any(|opener| line.starts_with(opener)) {
        Some(text.len())
    } else if QUOTE_LINE.iter().any(|opener| line.starts_with(opener)) {
        Some(
            line.find('\n')
                .map_or(text.len(), |newline| start + newline + 1),
        )
    } else {
        None
    }
}

/// A fence (three or more backticks, unterminated: the rest of the message) or an inline code
/// span (closed by a run of as many backticks, else the backticks are literal).
fn code_at(text: &str, at: usize) -> Markup {
    let run = backtick_run(text, at);
    if run >= 3 {
        let close = text[at + run..].find("```").map(|i| at + run + i);
        return Markup::Skip(close.map_or(text.len(), |i| i + backtick_run(text, i)));
    }
    let mut from = at + run;
    while let Some(i) = text[from..].find('`').map(|i| from + i) {
        let closing = backtick_run(text, i);
        if closing == run {
            return Markup::Skip(i + closing);
        }
        from = i + closing;
    }
    Markup::Literal(at + run)
}

fn backtick_run(text: &str, at: usize) -> usize {
    text.as_bytes()[at..]
        .iter()
        .take_while(|&&b| b == b'`')
        .count()
}

/// A spoiler `||…||`; unclosed bars are literal.
fn spoiler_at(text: &str, at: usize) -> Markup {
    match text[at + 2..].find("||") {
        Some(i) => Markup::Skip(at + 2 + i + 2),
        None => Markup::Literal(at + 2),
    }
}

#[cfg(test)]
mod tests {
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
}
