//! The live segments of a message: the text outside inline code, fenced code blocks, block
//! quotes (`> `, `>>> ` and Slack's `&gt; `) and spoilers (`||…||`), which people do not mean as
//! live mentions.
//!
//! In ``a `b` c ||d|| e`` the live segments are `"a "`, `" c "` and `" e"`. Unclosed backticks and
//! bars are literal text, except an unclosed fence, which runs to the end of the message.

use std::ops::Range;

/// Line openers of a one-line quote (Discord/markdown, and Slack, which escapes `>`).
const QUOTE_LINE: [&str; 2] = ["> ", "&gt; "];
/// Line openers of a quote that runs to the end of the message (Discord's `>>> `).
const QUOTE_REST: [&str; 2] = [">>> ", "&gt;&gt;&gt; "];

/// The byte ranges of `text` outside code, quotes and spoilers, in order.
pub(super) fn live_segments(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
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
