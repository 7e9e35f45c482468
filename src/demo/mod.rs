//! Bundled sample tickets, served like Xalantis so the console works with nothing configured.
//!
//! The samples are the documented example ticket plus a handful covering every status and
//! priority, overdue, unassigned, a breached SLA, long text and a `TCK-2026-0001`-style
//! reference. Dates that matter ("overdue", "due soon") are written in
//! `sample-tickets.json` as hours from now (`_hours_from_now`) and resolved when the server
//! starts, so the demo stays meaningful over time.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let server = xalantis_bot::demo::SampleXalantis::start().await?;
//! println!("XALANTIS_API_URL={}", server.base_url()); // http://127.0.0.1:PORT/api
//! # Ok(()) }
//! ```

mod server;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

pub use server::SampleXalantis;

/// The documented `GET /tickets/{uuid}` response, served as the first sample.
const DOCUMENTED_EXAMPLE: &str = include_str!("../../tests/fixtures/get-ticket-example.json");
/// The other samples, with relative dates under `_hours_from_now`.
const SAMPLES: &str = include_str!("sample-tickets.json");
/// The key holding a sample's dates as hours from now.
const RELATIVE_DATES: &str = "_hours_from_now";

/// Every sample ticket as Xalantis would send it, dates resolved against `now`.
pub fn sample_tickets(now: OffsetDateTime) -> Vec<Value> {
    let example: Value =
        serde_json::from_str(DOCUMENTED_EXAMPLE).expect("the documented example is JSON");
    let samples: Vec<Value> =
        serde_json::from_str(SAMPLES).expect("sample-tickets.json is a JSON array");
    std::iter::once(example["ticket"].clone())
        .chain(samples.into_iter().map(|sample| resolve_dates(sample, now)))
        .collect()
}

/// The references of the sample tickets, the documented example first.
pub fn sample_references() -> Vec<String> {
    let tickets = sample_tickets(OffsetDateTime::UNIX_EPOCH);
    tickets
        .iter()
        .filter_map(|t| t["reference"].as_str().map(str::to_owned))
        .collect()
}

/// Replaces `_hours_from_now: {"due_at": -20, …}` with RFC 3339 instants relative to `now`.
fn resolve_dates(mut ticket: Value, now: OffsetDateTime) -> Value {
    let Some(object) = ticket.as_object_mut() else {
        return ticket;
    };
    let relative = object.remove(RELATIVE_DATES);
    for (field, hours) in relative
        .as_ref()
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::iter)
    {
        if let Some(instant) = hours.as_f64().and_then(|h| hours_from(now, h)) {
            object.insert(field.clone(), Value::String(instant));
        }
    }
    ticket
}

fn hours_from(now: OffsetDateTime, hours: f64) -> Option<String> {
    let instant = now.checked_add(Duration::seconds_f64(hours * 3600.0))?;
    instant.format(&Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{CardOptions, Tone, ticket_card};
    use crate::xalantis::Ticket;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn tickets() -> Vec<Ticket> {
        sample_tickets(NOW)
            .iter()
            .map(|t| Ticket::from_response(t).expect("a sample is a ticket"))
            .collect()
    }

    #[test]
    fn the_documented_example_comes_first_and_unchanged() {
        let first = &sample_tickets(NOW)[0];
        assert_eq!(first["reference"], "VEN1-000079");
        assert_eq!(first["due_at"], "2026-01-14T10:00:00.000000Z");
    }

    #[test]
    fn samples_cover_every_status_and_priority() {
        let tickets = tickets();
        for status in [
            "open",
            "in_progress",
            "pending",
            "on_hold",
            "resolved",
            "closed",
        ] {
            assert!(
                tickets.iter().any(|t| t.status == status),
                "no {status} sample"
            );
        }
        for priority in ["low", "medium", "high", "urgent"] {
            assert!(
                tickets
                    .iter()
                    .any(|t| t.priority.as_deref() == Some(priority)),
                "no {priority} sample"
            );
        }
    }

    #[test]
    fn samples_include_unassigned_breached_and_long_tickets() {
        let tickets = tickets();
        assert!(tickets.iter().any(|t| t.assignee.is_none()));
        assert!(tickets.iter().any(Ticket::sla_breached));
        assert!(tickets.iter().any(|t| t.subject.chars().count() > 200));
        assert!(tickets.iter().any(|t| {
            t.description
                .as_ref()
                .is_some_and(|d| d.chars().count() > 280)
        }));
        assert!(tickets.iter().any(|t| t.reference == "TCK-2026-0001"));
    }

    #[test]
    fn relative_due_dates_make_one_sample_overdue_and_one_due_soon() {
        let cards: Vec<_> = tickets()
            .iter()
            .map(|t| ticket_card(t, &CardOptions::default(), NOW))
            .collect();
        let overdue = cards
            .iter()
            .find(|c| c.reference == "VEN1-000082")
            .and_then(|c| c.due)
            .unwrap();
        assert!(overdue.overdue);
        let soon = cards
            .iter()
            .find(|c| c.reference == "TCK-2026-0001")
            .and_then(|c| c.due)
            .unwrap();
        assert!(!soon.overdue && soon.at - NOW < Duration::hours(6));
        assert!(cards.iter().any(|c| c.tone == Tone::Alarm));
    }

    #[test]
    fn no_sample_keeps_the_relative_dates_key() {
        assert!(
            sample_tickets(NOW)
                .iter()
                .all(|t| t.get(RELATIVE_DATES).is_none())
        );
    }

    #[test]
    fn sample_references_are_unique() {
        let mut references = sample_references();
        let count = references.len();
        references.sort();
        references.dedup();
        assert_eq!(references.len(), count);
    }
}
