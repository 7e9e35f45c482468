//! The little Discord markup the bot sends, shown as a terminal would: escapes removed,
//! `**bold**` as bold (or plain without colours), masked links `[text](url)` as their text
//! (underlined with colours), `<t:UNIX:f>` as a UTC date and `<t:UNIX:R>` as a relative time,
//! zero-width spaces dropped. Pure: the caller passes the current time.
//!
//! ```
//! # use xalantis_bot::console::markup::to_terminal;
//! let now = time::macros::datetime!(2026-01-12 10:00 UTC);
//! let text = r"⚠️ **Overdue** · <t:1768384800:f> (<t:1768384800:R>) \*not bold\*";
//! assert_eq!(to_terminal(text, false, now), "⚠️ Overdue · 14 Jan 2026 10:00 UTC (in 2 days) *not bold*");
//! ```

use std::sync::LazyLock;

use regex::Regex;
use time::macros::format_description;
use time::{Duration, OffsetDateTime};

/// ANSI: bold on.
pub const BOLD: &str = "\x1b[1m";
/// ANSI: bold and dim off.
pub const NORMAL: &str = "\x1b[22m";
/// ANSI: dim on.
pub const DIM: &str = "\x1b[2m";
/// ANSI: underline on.
pub const UNDERLINE: &str = "\x1b[4m";
/// ANSI: underline off.
pub const NO_UNDERLINE: &str = "\x1b[24m";
/// ANSI: every attribute off.
pub const RESET: &str = "\x1b[0m";

/// `<t:UNIX:STYLE>` at the start of the text.
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^<t:(?<unix>-?[0-9]{1,12})(?::(?<style>[tTdDfFR]))?>").expect("a valid regex")
});

/// A masked link `[text](https://…)` at the start of the text.
static MASKED_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(?<text>[^\[\]]+)\]\(<?https?://[^\s()<>]+>?\)").expect("a valid regex")
});

/// Discord markup → terminal text; `color` decides whether bold becomes ANSI bold.
pub fn to_terminal(text: &str, color: bool, now: OffsetDateTime) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut bold = false;
    while let Some(c) = rest.chars().next() {
        let (shown, used) = token(rest, c, color, now);
        if shown == "**" {
            bold = !bold;
            out.push_str(match (color, bold) {
                (false, _) => "",
                (true, true) => BOLD,
                (true, false) => NORMAL,
            });
        } else {
            out.push_str(&shown);
        }
        rest = &rest[used..];
    }
    out
}

/// What the text at the start of `rest` (beginning with `c`) shows as, and its length in bytes.
fn token(rest: &str, c: char, color: bool, now: OffsetDateTime) -> (String, usize) {
    match c {
        '\\' => match rest[1..].chars().next() {
            Some(escaped) => (escaped.to_string(), 1 + escaped.len_utf8()),
            None => (String::new(), 1),
        },
        '\u{200B}' => (String::new(), c.len_utf8()),
        '*' if rest.starts_with("**") => ("**".to_owned(), 2),
        '<' => timestamp(rest, now).unwrap_or_else(|| ("<".to_owned(), 1)),
        '[' => masked_link(rest, color, now).unwrap_or_else(|| ("[".to_owned(), 1)),
        _ => (c.to_string(), c.len_utf8()),
    }
}

fn masked_link(rest: &str, color: bool, now: OffsetDateTime) -> Option<(String, usize)> {
    let captures = MASKED_LINK.captures(rest)?;
    let text = to_terminal(&captures["text"], color, now);
    let shown = if color {
        format!("{UNDERLINE}{text}{NO_UNDERLINE}")
    } else {
        text
    };
    Some((shown, captures[0].len()))
}

fn timestamp(rest: &str, now: OffsetDateTime) -> Option<(String, usize)> {
    let captures = TIMESTAMP.captures(rest)?;
    let at = OffsetDateTime::from_unix_timestamp(captures["unix"].parse().ok()?).ok()?;
    let shown = match captures.name("style").map(|s| s.as_str()) {
        Some("R") => relative(at, now),
        _ => absolute(at),
    };
    Some((shown, captures[0].len()))
}

/// `14 Jan 2026 10:00 UTC`.
pub fn absolute(at: OffsetDateTime) -> String {
    let format =
        format_description!("[day padding:none] [month repr:short] [year] [hour]:[minute] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.to_string())
}

/// `in 2 days`, `3 hours ago`, as Discord words relative timestamps.
pub fn relative(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let span = at - now;
    let amount = span_in_words(span.abs());
    if span.is_negative() {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

fn span_in_words(span: Duration) -> String {
    let units = [
        (365 * 86_400, "year"),
        (30 * 86_400, "month"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
    ];
    let seconds = span.whole_seconds();
    let (size, name) = units
        .into_iter()
        .find(|(size, _)| seconds >= *size)
        .unwrap_or((1, "second"));
    // Rounded, as Discord does: 4 h 59 min is "5 hours".
    let count = (seconds + size / 2) / size;
    if count == 1 {
        format!("{} {name}", if name == "hour" { "an" } else { "a" })
    } else {
        format!("{count} {name}s")
    }
}

/// Characters a terminal shows for `text` (ANSI sequences left out).
pub fn visible_len(text: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-12 10:00 UTC);

    #[test]
    fn escapes_are_removed_and_escaped_markup_stays_literal() {
        let escaped = r"\[click\](http://x) \<t:1:R\> a\_b \\";
        assert_eq!(
            to_terminal(escaped, false, NOW),
            r"[click](http://x) <t:1:R> a_b \"
        );
    }

    #[test]
    fn bold_becomes_ansi_bold_only_with_colours() {
        assert_eq!(to_terminal("**SLA breached**", false, NOW), "SLA breached");
        assert_eq!(
            to_terminal("**SLA breached**", true, NOW),
            format!("{BOLD}SLA breached{NORMAL}")
        );
    }

    #[test]
    fn timestamps_become_dates_and_relative_times() {
        let in_two_days = NOW.unix_timestamp() + 2 * 86_400;
        let text = format!("<t:{in_two_days}:f> (<t:{in_two_days}:R>)");
        assert_eq!(
            to_terminal(&text, false, NOW),
            "14 Jan 2026 10:00 UTC (in 2 days)"
        );
    }

    #[test]
    fn relative_times_pick_the_largest_whole_unit() {
        assert_eq!(relative(NOW - Duration::hours(3), NOW), "3 hours ago");
        assert_eq!(relative(NOW + Duration::minutes(80), NOW), "in an hour");
        assert_eq!(relative(NOW + Duration::minutes(299), NOW), "in 5 hours");
        assert_eq!(relative(NOW - Duration::days(400), NOW), "a year ago");
        assert_eq!(relative(NOW + Duration::seconds(5), NOW), "in 5 seconds");
        assert_eq!(relative(NOW - Duration::days(1), NOW), "a day ago");
    }

    #[test]
    fn masked_links_show_their_text() {
        let list = "[VEN1-000080](https://x.example/t/1) Invoice — Pending";
        assert_eq!(
            to_terminal(list, false, NOW),
            "VEN1-000080 Invoice — Pending"
        );
        assert_eq!(
            to_terminal(list, true, NOW),
            format!("{UNDERLINE}VEN1-000080{NO_UNDERLINE} Invoice — Pending")
        );
        assert_eq!(to_terminal("[not](a link)", false, NOW), "[not](a link)");
    }

    #[test]
    fn zero_width_spaces_after_at_signs_are_dropped() {
        assert_eq!(to_terminal("@\u{200B}everyone", false, NOW), "@everyone");
    }

    #[test]
    fn malformed_timestamps_are_shown_as_typed() {
        assert_eq!(to_terminal("<t:abc:R> <b>", false, NOW), "<t:abc:R> <b>");
    }

    #[test]
    fn visible_length_skips_ansi_sequences() {
        assert_eq!(visible_len(&format!("{BOLD}ab{NORMAL}é")), 3);
    }
}
