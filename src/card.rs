//! Ticket → platform-neutral [`Card`]: what a support team needs at a glance.
//!
//! Pure: the caller passes the current time, so "overdue" is testable. Requester contact data
//! (e-mail, phone) is only on the card when [`ShowRequester::Full`] is configured.
//!
//! ```
//! # use xalantis_bot::card::{ticket_card, CardOptions};
//! # use xalantis_bot::xalantis::Ticket;
//! let ticket = Ticket::from_response(&serde_json::json!({"uuid": "be2dde82-493c-44f8-9118-e468b5c1c732",
//!     "reference": "VEN1-000079", "subject": "Problème connexion", "status": "in_progress"})).unwrap();
//! let card = ticket_card(&ticket, &CardOptions::default(), time::OffsetDateTime::now_utc());
//! assert_eq!(card.title, "VEN1-000079 · Problème connexion");
//! assert_eq!(card.status, "In progress");
//! assert_eq!(card.url, "https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732");
//! ```

use time::OffsetDateTime;
use url::Url;

use crate::xalantis::Ticket;
use crate::xalantis::model::Person;

/// Default `XALANTIS_WEB_URL`: the Xalantis web app, where ticket links point.
pub const DEFAULT_WEB_URL: &str = "https://app.xalantis.com";

/// Characters of the description shown on a card.
pub const EXCERPT_CHARS: usize = 280;

/// How much of the requester a card shows (`SHOW_REQUESTER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShowRequester {
    /// Nothing (default): channels are not the place for customer data.
    #[default]
    None,
    /// The requester's name only.
    Name,
    /// Name, e-mail and phone.
    Full,
}

/// What cards show and where they link.
#[derive(Debug, Clone)]
pub struct CardOptions {
    /// `XALANTIS_WEB_URL`, the web app the card links to.
    pub web_url: Url,
    /// `TICKET_URL_TEMPLATE`, e.g. `https://support.example.com/t/{reference}`; default
    /// `{XALANTIS_WEB_URL}/tickets/{uuid}`.
    pub link_template: Option<String>,
    /// `SHOW_REQUESTER`.
    pub show_requester: ShowRequester,
}

impl Default for CardOptions {
    fn default() -> Self {
        Self {
            web_url: Url::parse(DEFAULT_WEB_URL).expect("valid default URL"),
            link_template: None,
            show_requester: ShowRequester::None,
        }
    }
}

/// How urgent a card looks; platforms map it to a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// New or open, nothing alarming.
    Open,
    /// Someone is on it.
    InProgress,
    /// Waiting on someone (pending, on hold).
    Waiting,
    /// Resolved or closed.
    Done,
    /// Urgent, overdue or SLA breached, and not done.
    Alarm,
    /// A status the bot does not know.
    Unknown,
}

impl Tone {
    /// RGB colour for this tone.
    pub fn color(self) -> u32 {
        match self {
            Self::Open => 0x3B82F6,
            Self::InProgress => 0x8B5CF6,
            Self::Waiting => 0xF59E0B,
            Self::Done => 0x22C55E,
            Self::Alarm => 0xEF4444,
            Self::Unknown => 0x6B7280,
        }
    }
}

/// The due date of a ticket, with its overdue flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Due instant.
    pub at: OffsetDateTime,
    /// Past due and not done.
    pub overdue: bool,
}

/// The requester as the configuration allows it to be shown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequesterLine {
    /// Name.
    pub name: Option<String>,
    /// E-mail, only with [`ShowRequester::Full`].
    pub email: Option<String>,
    /// Phone, only with [`ShowRequester::Full`].
    pub phone: Option<String>,
}

/// A platform-neutral ticket card. Text here is raw: renderers escape it for their markup.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// Ticket UUID (for buttons and refreshes).
    pub uuid: String,
    /// Reference, e.g. `VEN1-000079`.
    pub reference: String,
    /// Subject line.
    pub subject: String,
    /// `VEN1-000079 · Problème connexion`.
    pub title: String,
    /// Link to the ticket in the web app.
    pub url: String,
    /// Status label (`In progress`); unknown values are shown as sent, humanised.
    pub status: String,
    /// Priority label.
    pub priority: Option<String>,
    /// Assignee name; `None` means unassigned.
    pub assignee: Option<String>,
    /// Due date.
    pub due: Option<Due>,
    /// Category name.
    pub category: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Ticket type label (`Incident`, `Service request`).
    pub kind: Option<String>,
    /// Creation instant.
    pub created_at: Option<OffsetDateTime>,
    /// Last update instant.
    pub updated_at: Option<OffsetDateTime>,
    /// Some SLA was breached.
    pub sla_breached: bool,
    /// The first [`EXCERPT_CHARS`] characters of the description, whitespace folded.
    pub excerpt: Option<String>,
    /// The requester, as allowed by [`ShowRequester`].
    pub requester: Option<RequesterLine>,
    /// Urgency of the card.
    pub tone: Tone,
}

impl Card {
    /// True when the ticket is resolved or closed.
    pub fn is_done(&self) -> bool {
        self.tone == Tone::Done
    }
}

/// How a message shows its tickets: the more tickets, the less of each, so a message never
/// floods the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One full card (one ticket).
    Full,
    /// Compact cards: title line, status, priority, assignee, due (two or three tickets, or when
    /// a channel prefers compact cards).
    Compact,
    /// One list with a line per ticket (four or more).
    List,
}

/// Tickets up to which compact cards are used; above it, a list.
pub const MAX_COMPACT_CARDS: usize = 3;

/// The layout for `count` tickets; `prefer_compact` is a channel's "compact" card size.
pub fn layout_for(count: usize, prefer_compact: bool) -> Layout {
    match count {
        0 | 1 if !prefer_compact => Layout::Full,
        n if n <= MAX_COMPACT_CARDS => Layout::Compact,
        _ => Layout::List,
    }
}

/// Builds the card of `ticket` as of `now`.
pub fn ticket_card(ticket: &Ticket, options: &CardOptions, now: OffsetDateTime) -> Card {
    let done = is_done(&ticket.status);
    let due = ticket.due_at.map(|at| Due {
        at,
        overdue: !done && at < now,
    });
    Card {
        uuid: ticket.uuid.clone(),
        reference: ticket.reference.clone(),
        subject: ticket.subject.clone(),
        title: title(ticket),
        url: ticket_url(ticket, options),
        status: humanize(&ticket.status),
        priority: ticket.priority.as_deref().map(humanize),
        assignee: ticket.assignee.as_ref().and_then(|a| a.name.clone()),
        due,
        category: ticket.category.clone(),
        tags: ticket.tags.clone(),
        kind: ticket.kind.as_deref().map(humanize),
        created_at: ticket.created_at,
        updated_at: ticket.updated_at,
        sla_breached: ticket.sla_breached(),
        excerpt: ticket.description.as_deref().and_then(excerpt),
        requester: ticket
            .requester
            .as_ref()
            .and_then(|p| requester(p, options.show_requester)),
        tone: tone(ticket, due.is_some_and(|d| d.overdue)),
    }
}

/// Characters of the description in the Details view.
pub const DETAILS_DESCRIPTION_CHARS: usize = 1500;

/// The longer view behind a card's Details button, shown only to the person who asks.
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    /// The card itself.
    pub card: Card,
    /// The first [`DETAILS_DESCRIPTION_CHARS`] characters of the description.
    pub description: Option<String>,
    /// The requester: name always, e-mail and phone only with [`ShowRequester::Full`].
    pub requester: Option<RequesterLine>,
    /// Displayable custom fields.
    pub custom_fields: Vec<(String, String)>,
    /// SLA markers: what happened and when (`Resolution SLA breached`, `SLA paused`).
    pub sla: Vec<(&'static str, OffsetDateTime)>,
    /// Channel the ticket came in on.
    pub channel: Option<String>,
    /// Incident severity.
    pub severity: Option<String>,
    /// CSAT score 1–5.
    pub satisfaction: Option<i64>,
}

/// Builds the Details view of `ticket` as of `now`.
pub fn ticket_details(ticket: &Ticket, options: &CardOptions, now: OffsetDateTime) -> Details {
    let contact = if options.show_requester == ShowRequester::Full {
        ShowRequester::Full
    } else {
        ShowRequester::Name
    };
    let sla = [
        ("Resolution SLA breached", ticket.sla_breached_at),
        (
            "First-response SLA breached",
            ticket.first_response_sla_breached_at,
        ),
        (
            "Every-response SLA breached",
            ticket.every_response_sla_breached_at,
        ),
        ("SLA paused", ticket.sla_paused_at),
    ];
    Details {
        card: ticket_card(ticket, options, now),
        description: ticket
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| truncate_chars(d, DETAILS_DESCRIPTION_CHARS)),
        requester: ticket
            .requester
            .as_ref()
            .and_then(|p| requester(p, contact)),
        custom_fields: ticket.custom_fields.clone(),
        sla: sla
            .into_iter()
            .filter_map(|(label, at)| Some((label, at?)))
            .collect(),
        channel: ticket.channel.as_deref().map(humanize),
        severity: ticket.severity.clone(),
        satisfaction: ticket.satisfaction_score,
    }
}

/// The link to a ticket in the web app. The UUID and reference come from the API as any text,
/// so they are percent-encoded: they can never end the link or add markup to a message.
pub fn ticket_url(ticket: &Ticket, options: &CardOptions) -> String {
    let (uuid, reference) = (url_encode(&ticket.uuid), url_encode(&ticket.reference));
    match &options.link_template {
        Some(template) => template
            .replace("{uuid}", &uuid)
            .replace("{reference}", &reference),
        None => format!(
            "{}/tickets/{uuid}",
            options.web_url.as_str().trim_end_matches('/')
        ),
    }
}

/// `value` with every byte but ASCII letters, digits and `-` percent-encoded (real UUIDs and
/// references are unchanged).
fn url_encode(value: &str) -> String {
    value
        .bytes()
        .fold(String::with_capacity(value.len()), |mut out, byte| {
            if byte.is_ascii_alphanumeric() || byte == b'-' {
                out.push(char::from(byte));
            } else {
                out.push('%');
                out.push_str(&hex::encode_upper([byte]));
            }
            out
        })
}

fn title(ticket: &Ticket) -> String {
    let subject = ticket.subject.trim();
    match (ticket.reference.is_empty(), subject.is_empty()) {
        (false, false) => format!("{} · {subject}", ticket.reference),
        (false, true) => ticket.reference.clone(),
        (true, false) => subject.to_owned(),
        (true, true) => format!("Ticket {}", ticket.uuid),
    }
}

fn is_done(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "resolved" | "closed" | "done" | "cancelled" | "canceled"
    )
}

fn tone(ticket: &Ticket, overdue: bool) -> Tone {
    let status = ticket.status.to_ascii_lowercase();
    if is_done(&status) {
        return Tone::Done;
    }
    let urgent = ticket
        .priority
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("urgent"));
    if urgent || overdue || ticket.sla_breached() {
        return Tone::Alarm;
    }
    match status.as_str() {
        "new" | "open" => Tone::Open,
        "in_progress" => Tone::InProgress,
        "pending" | "on_hold" | "waiting" => Tone::Waiting,
        _ => Tone::Unknown,
    }
}

/// `in_progress` → `In progress`; other text is kept, only the first letter capitalised.
pub fn humanize(value: &str) -> String {
    let spaced = value.trim().replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn excerpt(description: &str) -> Option<String> {
    let folded = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return None;
    }
    Some(truncate_chars(&folded, EXCERPT_CHARS))
}

/// The colour marker shown before a priority on every platform (`🔴 ` for urgent or critical,
/// `🟠 ` high, `🟡 ` medium, `🟢 ` low), or nothing for a priority the bot does not know.
pub fn priority_marker(priority: &str) -> &'static str {
    match priority.to_ascii_lowercase().as_str() {
        "urgent" | "critical" => "🔴 ",
        "high" => "🟠 ",
        "medium" => "🟡 ",
        "low" => "🟢 ",
        _ => "",
    }
}

/// Cuts `text` to at most `max` characters, ending with `…` when it was cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

fn requester(person: &Person, show: ShowRequester) -> Option<RequesterLine> {
    let line = match show {
        ShowRequester::None => return None,
        ShowRequester::Name => RequesterLine {
            name: person.name.clone(),
            ..RequesterLine::default()
        },
        ShowRequester::Full => RequesterLine {
            name: person.name.clone(),
            email: person.email.clone(),
            phone: person.phone.clone(),
        },
    };
    (line != RequesterLine::default()).then_some(line)
}

#[cfg(test)]
mod tests;
