//! Ticket links: a URL on the web app's host (also as `<…>` or Slack's `<…|label>`) whose path
//! carries a UUID or a reference.
//!
//! With `XALANTIS_WEB_URL=https://app.xalantis.com`, the link
//! `<https://app.xalantis.com/t/VEN1-000079|see>` names `VEN1-000079`; the same path on another
//! host names nothing.

use super::{Detector, TicketId};

/// What ends a bare URL in prose rather than belonging to it (`see https://…/VEN1-000079.`).
const URL_TRAILING_PUNCTUATION: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '*', '_', '~',
];

impl Detector {
    /// The ticket of a link (`https://…`, `<https://…>`, `<https://…|label>`) on the web app's
    /// host: the last path segment that is a UUID or a reference.
    pub(super) fn link_ticket(&self, link: &str) -> Option<TicketId> {
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
}

/// `(host, path)` of an absolute URL, without user info, port, query or fragment.
pub(super) fn split_url(url: &str) -> Option<(&str, &str)> {
    let (_scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host.split(':').next().unwrap_or(host);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    Some((host, path))
}
