//! The cheap candidate check: false means no mention for sure, so the common message, without
//! any mention, costs a few literal scans and no allocation.
//!
//! With the default pattern a mention needs a `-` (in a reference or a UUID) or the `:` of a `://`
//! (in a link to the web app's host): one pass over the text, eight bytes at a time, looks at the
//! bytes around each one only. `Release 2.0 - see notes` has a `-` but no candidate around it.

use super::{Detector, is_non_ticket_prefix};

impl Detector {
    /// The cheap whole-text check: false means no mention for sure. With the default pattern it
    /// is one pass looking for `-` and `:` and a few byte comparisons around each hit; a custom
    /// pattern adds one scan with its own regex.
    pub(super) fn may_mention(&self, text: &str) -> bool {
        has_candidate(text.as_bytes(), self.host.as_deref())
            || (self.custom_pattern && self.reference.is_match(text))
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

/// Whether [`TOKEN`](super::scan::TOKEN) can match: the literal scans are much cheaper than
/// running it.
pub(super) fn may_hold_token(segment: &str) -> bool {
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
