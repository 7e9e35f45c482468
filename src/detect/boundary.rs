//! Whether a reference found by the pattern stands on its own: not glued to other word
//! characters, not escaped with `!`, not the start of a version number, not part of an e-mail
//! address or handle, and not a well-known standard
//! ([`NON_TICKET_PREFIXES`](super::NON_TICKET_PREFIXES)).
//!
//! `VEN1-000079` is a mention in `(VEN1-000079)` and `チケットVEN1-000079を確認`, not in
//! `xVEN1-000079`, `!VEN1-000079`, `ABC-1.2.0` or `UTF-8`.

use std::ops::Range;

use super::is_non_ticket_prefix;

pub(super) fn is_live_reference(text: &str, span: &Range<usize>) -> bool {
    !span.is_empty()
        && !is_glued(text, span)
        && !is_escaped(text, span.start)
        && !continues_as_number(text, span.end)
        && !touches_at_sign(text, span)
        && !has_non_ticket_prefix(&text[span.clone()])
}

/// Whether a word character touches either end of `span` (`xVEN1-000079`, `VEN1-0000790a`),
/// also through invisible characters (`VEN1-0000\u{200B}79` is not `VEN1-0000`).
pub(super) fn is_glued(text: &str, span: &Range<usize>) -> bool {
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
pub(super) fn is_escaped(text: &str, start: usize) -> bool {
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
