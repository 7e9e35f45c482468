//! The ticket as Xalantis sends it, read tolerantly.
//!
//! The published schema and the documented example disagree (see `shared/xalantis/API.md` §8), so
//! the model is read field by field from a JSON value: unknown fields are ignored, a field of the
//! wrong type counts as absent, unknown status/priority/type values are kept as text, and both
//! requester shapes (`contact_id` and `contact_uuid`) are accepted. Reading never panics.
//!
//! ```
//! let json = serde_json::json!({"ticket": {"uuid": "be2dde82-493c-44f8-9118-e468b5c1c732",
//!     "reference": "VEN1-000079", "subject": "Problème connexion", "status": "open"}});
//! let ticket = xalantis_bot::xalantis::Ticket::from_response(&json).unwrap();
//! assert_eq!(ticket.reference, "VEN1-000079");
//! ```

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One ticket, as much of it as the bot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// Public id (a UUID, lower case).
    pub uuid: String,
    /// Human reference such as `VEN1-000079` or `TCK-2026-0001` (empty when the API left it out).
    pub reference: String,
    /// Subject line.
    pub subject: String,
    /// Long description (plain text).
    pub description: Option<String>,
    /// Status as sent (`open`, `in_progress`, `pending`, `on_hold`, `resolved`, `closed`, …).
    pub status: String,
    /// Priority as sent (`low`, `medium`, `high`, `urgent`, …).
    pub priority: Option<String>,
    /// Ticket type (`support`, `incident`, `problem`, `service_request`, `change`, …).
    pub kind: Option<String>,
    /// Incident severity (`sev1` … `sev4`).
    pub severity: Option<String>,
    /// Channel the ticket came in on (`email`, `api`, …).
    pub channel: Option<String>,
    /// Category name.
    pub category: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Assigned agent, when assigned.
    pub assignee: Option<Person>,
    /// The person who asked. Contact data here is customer PII.
    pub requester: Option<Person>,
    /// Displayable custom fields, as `(key, value)` text pairs in the API's order.
    pub custom_fields: Vec<(String, String)>,
    /// Due instant.
    pub due_at: Option<OffsetDateTime>,
    /// Creation instant.
    pub created_at: Option<OffsetDateTime>,
    /// Last update instant.
    pub updated_at: Option<OffsetDateTime>,
    /// When it was resolved.
    pub resolved_at: Option<OffsetDateTime>,
    /// When it was closed.
    pub closed_at: Option<OffsetDateTime>,
    /// Resolution SLA breach instant.
    pub sla_breached_at: Option<OffsetDateTime>,
    /// First-response SLA breach instant.
    pub first_response_sla_breached_at: Option<OffsetDateTime>,
    /// Every-response SLA breach instant.
    pub every_response_sla_breached_at: Option<OffsetDateTime>,
    /// When the SLA clock was paused.
    pub sla_paused_at: Option<OffsetDateTime>,
    /// CSAT score 1–5.
    pub satisfaction_score: Option<i64>,
}

/// A requester or an assignee.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// Display name.
    pub name: Option<String>,
    /// E-mail address (PII for requesters).
    pub email: Option<String>,
    /// Phone number (PII).
    pub phone: Option<String>,
}

impl Ticket {
    /// Reads a ticket from a response body wrapped as `{"ticket": …}`, `{"data": …}` or bare.
    /// `None` when no object with a string `uuid` is found.
    pub fn from_response(body: &Value) -> Option<Self> {
        let inner = ["ticket", "data"]
            .iter()
            .find_map(|key| body.get(key).filter(|v| v.is_object()))
            .unwrap_or(body);
        Self::from_object(inner.as_object()?)
    }

    /// Reads the items of a list response (`{"data": [...]}`, `{"tickets": [...]}` or a bare
    /// array), skipping items that are not tickets.
    pub fn list_from_response(body: &Value) -> Vec<Self> {
        let items = ["data", "tickets"]
            .iter()
            .find_map(|key| body.get(key).and_then(Value::as_array))
            .or_else(|| body.as_array());
        items
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .filter_map(Self::from_object)
            .collect()
    }

    /// Reads one ticket object. `None` when it has no string `uuid`.
    pub fn from_object(o: &Map<String, Value>) -> Option<Self> {
        Some(Self {
            uuid: text(o, "uuid")?.to_ascii_lowercase(),
            reference: text(o, "reference").unwrap_or_default(),
            subject: text(o, "subject").unwrap_or_default(),
            description: text(o, "description"),
            status: text(o, "status").unwrap_or_else(|| "unknown".to_owned()),
            priority: text(o, "priority"),
            kind: text(o, "type"),
            severity: text(o, "severity"),
            channel: text(o, "channel"),
            category: o.get("category").and_then(category_name),
            tags: string_list(o.get("tags")),
            assignee: o.get("assignee").and_then(Value::as_object).map(person),
            requester: o.get("requester").and_then(Value::as_object).map(person),
            custom_fields: custom_fields(o.get("custom_fields")),
            due_at: instant(o, "due_at"),
            created_at: instant(o, "created_at"),
            updated_at: instant(o, "updated_at"),
            resolved_at: instant(o, "resolved_at"),
            closed_at: instant(o, "closed_at"),
            sla_breached_at: instant(o, "sla_breached_at"),
            first_response_sla_breached_at: instant(o, "first_response_sla_breached_at"),
            every_response_sla_breached_at: instant(o, "every_response_sla_breached_at"),
            sla_paused_at: instant(o, "sla_paused_at"),
            satisfaction_score: o.get("satisfaction_score").and_then(Value::as_i64),
        })
    }

    /// Whether any SLA of this ticket has been breached.
    pub fn sla_breached(&self) -> bool {
        self.sla_breached_at.is_some()
            || self.first_response_sla_breached_at.is_some()
            || self.every_response_sla_breached_at.is_some()
    }
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn category_name(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => text(o, "name").or_else(|| text(o, "slug")),
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => text(o, "name"),
            _ => None,
        })
        .filter(|s| !s.trim().is_empty())
        .collect()
}

fn person(o: &Map<String, Value>) -> Person {
    Person {
        name: text(o, "name"),
        email: text(o, "email"),
        phone: text(o, "phone"),
    }
}

fn custom_fields(v: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(o)) = v else {
        return Vec::new();
    };
    o.iter()
        .filter_map(|(key, value)| {
            let shown = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((key.clone(), shown))
        })
        .collect()
}

/// Parses an RFC 3339 instant, or a bare `YYYY-MM-DD` date as midnight UTC (PATCH takes dates).
fn instant(o: &Map<String, Value>, key: &str) -> Option<OffsetDateTime> {
    let raw = o.get(key)?.as_str()?;
    OffsetDateTime::parse(raw, &Rfc3339).ok().or_else(|| {
        let date = time::Date::parse(
            raw,
            time::macros::format_description!("[year]-[month]-[day]"),
        );
        date.ok().map(|d| d.midnight().assume_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        serde_json::from_str(include_str!("../../tests/fixtures/get-ticket-example.json")).unwrap()
    }

    #[test]
    fn reads_the_documented_example() {
        let t = Ticket::from_response(&example()).unwrap();
        assert_eq!(t.uuid, "be2dde82-493c-44f8-9118-e468b5c1c732");
        assert_eq!(t.reference, "VEN1-000079");
        assert_eq!(t.status, "open");
        assert_eq!(t.priority.as_deref(), Some("medium"));
        assert_eq!(t.category.as_deref(), Some("Technique"));
        assert_eq!(t.tags, vec!["Bug"]);
        assert_eq!(t.assignee.unwrap().name.as_deref(), Some("Support Agent"));
        assert_eq!(t.requester.unwrap().phone.as_deref(), Some("+33612345678"));
        assert_eq!(t.custom_fields, vec![("os_version".into(), "14.2".into())]);
        assert_eq!(t.due_at.unwrap().unix_timestamp(), 1_768_384_800);
    }

    #[test]
    fn accepts_data_wrapper_and_bare_object() {
        let bare = json!({"uuid": "ABC", "reference": "TCK-2026-0001", "status": "on_hold"});
        let wrapped = json!({"data": bare.clone()});
        assert_eq!(
            Ticket::from_response(&bare),
            Ticket::from_response(&wrapped)
        );
        assert_eq!(Ticket::from_response(&bare).unwrap().uuid, "abc");
    }

    #[test]
    fn fields_of_the_wrong_type_count_as_absent() {
        let t = Ticket::from_response(&json!({"uuid": "u", "subject": 3, "tags": "x",
            "due_at": "soon", "assignee": [], "category": null, "status": null}))
        .unwrap();
        assert_eq!(t.subject, "3");
        assert!(t.tags.is_empty() && t.due_at.is_none() && t.assignee.is_none());
        assert_eq!(t.status, "unknown");
    }

    #[test]
    fn rejects_values_without_a_uuid() {
        for body in [
            json!(null),
            json!([]),
            json!({"ticket": {"reference": "A-1"}}),
            json!("x"),
        ] {
            assert!(Ticket::from_response(&body).is_none(), "{body}");
        }
    }

    #[test]
    fn reads_list_responses_in_every_shape() {
        let item = json!({"uuid": "u1", "reference": "A-1"});
        for body in [
            json!({"data": [item]}),
            json!({"tickets": [item]}),
            json!([item, 5]),
        ] {
            assert_eq!(Ticket::list_from_response(&body).len(), 1, "{body}");
        }
    }
}
