//! What a card says, as mrkdwn strings: field values, the due date token, list lines, the
//! context line. Every piece of ticket text is escaped and capped here.

use slack_morphism::prelude::{
    SlackBlock, SlackBlockText, SlackContextBlock, SlackContextBlockElement,
};
use time::format_description::FormatItem;
use time::macros::format_description;

use super::{
    CONTEXT_ELEMENTS_LIMIT, LINK_URL_CHARS, LIST_SUBJECT_CHARS, SECTION_FIELDS_LIMIT, TAGS_CHARS,
    VALUE_CHARS, field, mrkdwn_element,
};
use crate::card::{Card, Due, truncate_chars};
use crate::slack::mrkdwn::{escape_mrkdwn, slack_len, truncate};

/// `• <url|VEN1-000079> Subject — Open · 🟡 Medium · Support Agent · due <!date…>`.
pub(super) fn list_line(card: &Card) -> String {
    let subject = escape_mrkdwn(&truncate_chars(&card.subject, LIST_SUBJECT_CHARS));
    let mut facts = vec![value(&card.status)];
    facts.extend(card.priority.as_deref().map(priority_value));
    facts.push(
        card.assignee
            .as_deref()
            .map_or_else(|| "Unassigned".to_owned(), value),
    );
    facts.extend(
        card.due
            .as_ref()
            .map(|due| format!("due {}", due_value(due))),
    );
    format!(
        "• {} {subject} — {}",
        reference_link(card),
        facts.join(" · ")
    )
}

/// `<url|VEN1-000079>`, or the escaped reference alone when the URL cannot be a link target.
pub(super) fn reference_link(card: &Card) -> String {
    let label = escape_mrkdwn(&card.reference).replace('|', "¦");
    if slack_len(&card.url) > LINK_URL_CHARS || !card.url.starts_with("http") {
        return label;
    }
    let url = card
        .url
        .replace('|', "%7C")
        .replace('<', "%3C")
        .replace('>', "%3E");
    format!("<{url}|{label}>")
}

pub(super) fn description(card: &Card) -> Option<String> {
    let mut parts = Vec::new();
    if card.sla_breached && !card.is_done() {
        parts.push("⚠️ *SLA breached*".to_owned());
    }
    parts.extend(card.excerpt.as_deref().map(escape_mrkdwn));
    (!parts.is_empty()).then(|| parts.join("\n"))
}

pub(super) fn main_fields(card: &Card) -> Vec<SlackBlockText> {
    vec![
        field("Status", &value(&card.status)),
        field(
            "Priority",
            &card
                .priority
                .as_deref()
                .map_or_else(|| "—".to_owned(), priority_value),
        ),
        field(
            "Assignee",
            &card
                .assignee
                .as_deref()
                .map_or_else(|| "Unassigned".to_owned(), value),
        ),
        field(
            "Due",
            &card
                .due
                .as_ref()
                .map_or_else(|| "No due date".to_owned(), due_value),
        ),
    ]
}

pub(super) fn full_fields(card: &Card) -> Vec<SlackBlockText> {
    let mut fields = main_fields(card);
    fields.extend(card.kind.as_deref().map(|kind| field("Type", &value(kind))));
    fields.extend(requester_value(card).map(|requester| field("Requester", &requester)));
    fields.truncate(SECTION_FIELDS_LIMIT);
    fields
}

pub(super) fn requester_value(card: &Card) -> Option<String> {
    let r = card.requester.as_ref()?;
    let parts: Vec<String> = [&r.name, &r.email, &r.phone]
        .into_iter()
        .flatten()
        .map(|s| value(s))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Category, tags and creation date, each a context element.
pub(super) fn context(card: &Card) -> Option<SlackBlock> {
    let mut elements: Vec<SlackContextBlockElement> = Vec::new();
    if let Some(category) = &card.category {
        elements.push(mrkdwn_element(&format!("📁 {}", value(category))));
    }
    if !card.tags.is_empty() {
        let tags = card
            .tags
            .iter()
            .map(|t| format!("`{}`", escape_mrkdwn(t).replace('`', "'")))
            .collect::<Vec<_>>()
            .join(" ");
        elements.push(mrkdwn_element(&format!(
            "🏷️ {}",
            truncate(&tags, TAGS_CHARS)
        )));
    }
    if let Some(created) = card.created_at {
        elements.push(mrkdwn_element(&format!(
            "Xalantis · created {}",
            created.date()
        )));
    }
    elements.truncate(CONTEXT_ELEMENTS_LIMIT);
    (!elements.is_empty()).then(|| SlackContextBlock::new(elements).into())
}

/// Ticket text as a field value: escaped and capped at [`VALUE_CHARS`].
pub(super) fn value(text: &str) -> String {
    truncate(&escape_mrkdwn(text), VALUE_CHARS)
}

pub(super) fn priority_value(priority: &str) -> String {
    format!(
        "{}{}",
        crate::card::priority_marker(priority),
        value(priority)
    )
}

/// Fallback of a date token: what clients that cannot localise show.
const DUE_FALLBACK: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

/// `<!date^UNIX^{date_short_pretty} {time}|2026-01-14 10:00 UTC>`: Slack shows it in the
/// reader's time zone.
pub fn due_value(due: &Due) -> String {
    let at = due.at.to_offset(time::UtcOffset::UTC);
    let fallback = at
        .format(DUE_FALLBACK)
        .unwrap_or_else(|_| at.date().to_string());
    let overdue = if due.overdue {
        "⚠️ *Overdue* · "
    } else {
        ""
    };
    format!(
        "{overdue}<!date^{}^{{date_short_pretty}} {{time}}|{fallback}>",
        at.unix_timestamp()
    )
}
