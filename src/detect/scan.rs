//! The full scan, run only when the candidate check found something: live segment by live
//! segment, tokens first (links, e-mail addresses, UUIDs), then references in the gaps between
//! them, deduplicated and capped at `max_tickets`.
//!
//! In `mail bob@VEN1-1.io about VEN1-000079` the e-mail token hides `VEN1-1`; `VEN1-000079`, in
//! the gap after it, is a mention.

use std::ops::{ControlFlow, Range};
use std::sync::LazyLock;

use regex::Regex;

use super::boundary::{is_escaped, is_glued, is_live_reference};
use super::markdown::live_segments;
use super::prescan::may_hold_token;
use super::{Detector, Mention, TicketId, UUID_PATTERN, built_in};

/// What is read before references, because a reference inside it is not one: links (Discord's
/// and Slack's `<…>` forms, then bare), e-mail addresses, UUIDs. E-mail addresses are matched
/// in ASCII, which keeps this regex fast; a reference touching an `@` is rejected anyway.
pub(super) static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    built_in(&format!(
        r"(?P<link><(?i:https?)://[^\s>|]*(?:\|[^>\n]*)?>|(?i:https?)://[^\s<>]+)|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)|(?P<uuid>{UUID_PATTERN})"
    ))
});

impl Detector {
    /// The full scan, live segment by live segment, until the cap.
    pub(super) fn scan(&self, text: &str, found: &mut Found) {
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
}

/// The mentions found so far, deduplicated and capped.
pub(super) struct Found {
    pub(super) mentions: Vec<Mention>,
    max: usize,
}

impl Found {
    pub(super) fn new(max: usize) -> Self {
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
