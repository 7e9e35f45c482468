//! Slack text (pure): length as Slack counts it, truncation that never breaks an escape, and
//! escaping of ticket text for mrkdwn and `plain_text`.
//!
//! ```
//! use xalantis_bot::slack::mrkdwn::{escape_mrkdwn, neutralize_plain, truncate};
//! assert_eq!(escape_mrkdwn("<!channel> & co"), "&lt;!channel&gt; &amp; co");
//! assert_eq!(neutralize_plain("<!here>"), "<\u{200B}!here>");
//! assert_eq!(truncate("a &amp; b", 5), "a …");
//! ```

/// Length as Slack counts it (UTF-16 code units: the conservative reading).
pub fn slack_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Cuts `text` to at most `max` UTF-16 units, ending with `…` when cut; never splits a character
/// or an escape such as `&amp;`.
pub fn truncate(text: &str, max: usize) -> String {
    if slack_len(text) <= max {
        return text.to_owned();
    }
    let mut used = 0;
    let mut kept = String::new();
    for c in text.chars() {
        used += c.len_utf16();
        if used > max.saturating_sub(1) {
            break;
        }
        kept.push(c);
    }
    if let Some(amp) = kept.rfind('&').filter(|&at| !kept[at..].contains(';')) {
        kept.truncate(amp);
    }
    kept.push('…');
    kept
}

/// Escapes ticket text for mrkdwn: `&`, `<` and `>` become entities (so no `<!channel>`,
/// `<@U…>` or `<url|label>` can form), and a bare `@here`/`@channel`/`@everyone` gets a
/// zero-width space after the `@`.
pub fn escape_mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        if c == '@' && is_broadcast_word(&text[at + 1..]) {
            out.push('\u{200B}');
        }
    }
    out
}

/// Makes ticket text safe for `plain_text` objects (which Slack shows as typed): a zero-width
/// space after every `<` breaks `<!channel>`, `<@U…>` and `<url|label>`, and one after the `@`
/// of a bare broadcast word breaks `@here`.
pub fn neutralize_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        out.push(c);
        let rest = &text[at + c.len_utf8()..];
        if c == '<' || (c == '@' && is_broadcast_word(rest)) {
            out.push('\u{200B}');
        }
    }
    out
}

fn is_broadcast_word(rest: &str) -> bool {
    ["here", "channel", "everyone"].iter().any(|word| {
        rest.get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character_or_an_escape() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("a&amp;bcdef", 4), "a…");
        assert_eq!(truncate("é🙂🙂", 4), "é🙂…");
        assert_eq!(slack_len(&truncate(&"x".repeat(200), 150)), 150);
    }

    #[test]
    fn broadcast_words_are_broken_in_any_case_but_other_at_signs_are_kept() {
        assert_eq!(
            escape_mrkdwn("@Here @channel a@b.c"),
            "@\u{200B}Here @\u{200B}channel a@b.c"
        );
        assert_eq!(
            neutralize_plain("@everyone <@U1>"),
            "@\u{200B}everyone <\u{200B}@U1>"
        );
    }
}
