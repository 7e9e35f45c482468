//! Card → Slack Block Kit (pure). Every Block Kit limit is a named constant, enforced by
//! truncation; ticket text is escaped for mrkdwn so it can never form links, mentions or
//! broadcasts (`<!channel>`, `<!here>`, `<@U…>`, `<!subteam^…>`).
//!
//! ```
//! # use xalantis_bot::slack::render::{escape_mrkdwn, truncate};
//! assert_eq!(escape_mrkdwn("<!channel> & co"), "&lt;!channel&gt; &amp; co");
//! assert_eq!(truncate("a &amp; b", 5), "a …");
//! ```
//!
//! Each part of a card is capped well below its own limit (a field value at
//! [`VALUE_CHARS`], tags at [`TAGS_CHARS`], list subjects at [`LIST_SUBJECT_CHARS`]), so a whole
//! message stays under [`MESSAGE_TEXT_BUDGET`] by construction; the tests check the worst case.

use slack_morphism::prelude::{
    SlackActionBlockElement, SlackActionId, SlackActionsBlock, SlackBlock, SlackBlockButtonElement,
    SlackBlockButtonStyle, SlackBlockMarkDownText, SlackBlockPlainText, SlackBlockText, SlackContextBlock,
    SlackContextBlockElement, SlackDividerBlock, SlackHeaderBlock, SlackSectionBlock,
};
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::card::{Card, Due, Layout, truncate_chars};

/// Blocks per message.
pub const MAX_BLOCKS: usize = 50;
/// Text of a section block.
pub const SECTION_TEXT_LIMIT: usize = 3000;
/// Fields per section block.
pub const SECTION_FIELDS_LIMIT: usize = 10;
/// Text of one section field.
pub const FIELD_TEXT_LIMIT: usize = 2000;
/// Text of a header block.
pub const HEADER_TEXT_LIMIT: usize = 150;
/// Elements per context block.
pub const CONTEXT_ELEMENTS_LIMIT: usize = 10;
/// Text of one text object (a context element).
pub const TEXT_OBJECT_LIMIT: usize = 3000;
/// Elements per actions block.
pub const ACTIONS_ELEMENTS_LIMIT: usize = 25;
/// Button label.
pub const BUTTON_TEXT_LIMIT: usize = 75;
/// Button value.
pub const BUTTON_VALUE_LIMIT: usize = 2000;
/// Button URL.
pub const BUTTON_URL_LIMIT: usize = 3000;
/// `action_id` of an element.
pub const ACTION_ID_LIMIT: usize = 255;
/// `block_id` of a block.
pub const BLOCK_ID_LIMIT: usize = 255;
/// All block text of one message: messages around 13 000 characters have been seen failing with
/// `msg_blocks_too_long`, so the bot stays well below.
pub const MESSAGE_TEXT_BUDGET: usize = 12_000;
/// The notification text (`text`) shown where blocks are not (push notifications, search).
pub const FALLBACK_TEXT_LIMIT: usize = 300;

/// Longest value of one field taken from ticket data (status, assignee, requester, …).
pub const VALUE_CHARS: usize = 500;
/// Longest tags line.
pub const TAGS_CHARS: usize = 1000;
/// Longest subject on a compact card or list line.
pub const LIST_SUBJECT_CHARS: usize = 80;
/// Longest link target put inside mrkdwn (`<url|label>`); longer links are left out.
pub const LINK_URL_CHARS: usize = 1000;

/// `action_id` of the Refresh button; its value is the ticket UUIDs, space-separated.
pub const REFRESH_ACTION: &str = "xalantis_refresh";
/// `action_id` of the Refresh button of a link preview; its value is the unfurled URL.
pub const REFRESH_UNFURL_ACTION: &str = "xalantis_refresh_unfurl";
/// `action_id` of the "Share in channel" button; its value is the ticket UUIDs.
pub const SHARE_ACTION: &str = "xalantis_share";
/// `action_id` prefix of the Open buttons (link buttons: Slack still reports the click).
pub const OPEN_ACTION_PREFIX: &str = "xalantis_open_";
/// Open buttons per message.
pub const MAX_OPEN_BUTTONS: usize = 5;

/// The buttons under a card, by where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buttons<'a> {
    /// A card posted in a channel or thread: Open and Refresh.
    Public,
    /// A `/ticket` answer only its asker sees: Open, Refresh and "Share in channel".
    Ephemeral,
    /// A link preview (`chat.unfurl`) of the URL given: Open and Refresh.
    Unfurl(&'a str),
}

/// One Slack message: blocks plus the notification text.
#[derive(Debug, Clone, PartialEq)]
pub struct SlackCards {
    /// Notification and fallback text (mrkdwn, escaped).
    pub text: String,
    /// The Block Kit blocks.
    pub blocks: Vec<SlackBlock>,
}

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
        rest.get(..word.len()).is_some_and(|head| head.eq_ignore_ascii_case(word))
    })
}

/// The message showing `cards` in `layout` with `buttons`, within every Block Kit limit.
pub fn card_blocks(cards: &[Card], layout: Layout, buttons: Buttons<'_>) -> SlackCards {
    let mut blocks = match layout {
        Layout::Full => cards.iter().flat_map(full_card).collect(),
        Layout::Compact => compact_cards(cards),
        Layout::List => list_card(cards),
    };
    blocks.truncate(MAX_BLOCKS - 1);
    blocks.push(actions(cards, buttons));
    SlackCards { text: fallback_text(cards), blocks }
}

/// A short text message (an answer with no card), as blocks with the same text.
pub fn notice(text: &str) -> SlackCards {
    let text = truncate(text, SECTION_TEXT_LIMIT);
    SlackCards { blocks: vec![section(&text)], text }
}

/// `VEN1-000079 · Subject (Open)`, or `4 tickets: VEN1-1, VEN1-2, …`.
pub fn fallback_text(cards: &[Card]) -> String {
    let text = match cards {
        [card] => format!("{} ({})", escape_mrkdwn(&card.title), escape_mrkdwn(&card.status)),
        _ => {
            let refs: Vec<String> = cards.iter().map(|c| escape_mrkdwn(&c.reference)).collect();
            format!("{} tickets: {}", cards.len(), refs.join(", "))
        }
    };
    truncate(&text, FALLBACK_TEXT_LIMIT)
}

fn full_card(card: &Card) -> Vec<SlackBlock> {
    let mut blocks = vec![header(&card.title)];
    blocks.extend(description(card).map(|text| section(&text)));
    blocks.push(SlackSectionBlock::new().with_fields(full_fields(card)).into());
    blocks.extend(context(card));
    blocks
}

fn compact_cards(cards: &[Card]) -> Vec<SlackBlock> {
    let mut blocks = Vec::new();
    for (index, card) in cards.iter().enumerate() {
        if index > 0 {
            blocks.push(SlackDividerBlock::new().into());
        }
        let title = format!("*{}* · {}", reference_link(card), escape_mrkdwn(&truncate_chars(&card.subject, LIST_SUBJECT_CHARS)));
        let fields = main_fields(card);
        blocks.push(SlackSectionBlock::new().with_text(mrkdwn(&title)).with_fields(fields).into());
    }
    blocks
}

fn list_card(cards: &[Card]) -> Vec<SlackBlock> {
    let mut blocks = vec![header(&format!("{} tickets", cards.len()))];
    let mut text = String::new();
    for line in cards.iter().map(list_line) {
        if !text.is_empty() && slack_len(&text) + 1 + slack_len(&line) > SECTION_TEXT_LIMIT {
            blocks.push(section(&std::mem::take(&mut text)));
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&truncate(&line, SECTION_TEXT_LIMIT));
    }
    if !text.is_empty() {
        blocks.push(section(&text));
    }
    blocks
}

/// `• <url|VEN1-000079> Subject — Open · 🟡 Medium · Support Agent · due <!date…>`.
fn list_line(card: &Card) -> String {
    let subject = escape_mrkdwn(&truncate_chars(&card.subject, LIST_SUBJECT_CHARS));
    let mut facts = vec![value(&card.status)];
    facts.extend(card.priority.as_deref().map(priority_value));
    facts.push(card.assignee.as_deref().map_or_else(|| "Unassigned".to_owned(), value));
    facts.extend(card.due.as_ref().map(|due| format!("due {}", due_value(due))));
    format!("• {} {subject} — {}", reference_link(card), facts.join(" · "))
}

/// `<url|VEN1-000079>`, or the escaped reference alone when the URL cannot be a link target.
fn reference_link(card: &Card) -> String {
    let label = escape_mrkdwn(&card.reference).replace('|', "¦");
    if slack_len(&card.url) > LINK_URL_CHARS || !card.url.starts_with("http") {
        return label;
    }
    let url = card.url.replace('|', "%7C").replace('<', "%3C").replace('>', "%3E");
    format!("<{url}|{label}>")
}

fn description(card: &Card) -> Option<String> {
    let mut parts = Vec::new();
    if card.sla_breached && !card.is_done() {
        parts.push("⚠️ *SLA breached*".to_owned());
    }
    parts.extend(card.excerpt.as_deref().map(escape_mrkdwn));
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn main_fields(card: &Card) -> Vec<SlackBlockText> {
    vec![
        field("Status", &value(&card.status)),
        field("Priority", &card.priority.as_deref().map_or_else(|| "—".to_owned(), priority_value)),
        field("Assignee", &card.assignee.as_deref().map_or_else(|| "Unassigned".to_owned(), value)),
        field("Due", &card.due.as_ref().map_or_else(|| "No due date".to_owned(), due_value)),
    ]
}

fn full_fields(card: &Card) -> Vec<SlackBlockText> {
    let mut fields = main_fields(card);
    fields.extend(card.kind.as_deref().map(|kind| field("Type", &value(kind))));
    fields.extend(requester_value(card).map(|requester| field("Requester", &requester)));
    fields.truncate(SECTION_FIELDS_LIMIT);
    fields
}

fn requester_value(card: &Card) -> Option<String> {
    let r = card.requester.as_ref()?;
    let parts: Vec<String> = [&r.name, &r.email, &r.phone].into_iter().flatten().map(|s| value(s)).collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Category, tags and creation date, each a context element.
fn context(card: &Card) -> Option<SlackBlock> {
    let mut elements: Vec<SlackContextBlockElement> = Vec::new();
    if let Some(category) = &card.category {
        elements.push(mrkdwn_element(&format!("📁 {}", value(category))));
    }
    if !card.tags.is_empty() {
        let tags = card.tags.iter().map(|t| format!("`{}`", escape_mrkdwn(t).replace('`', "'"))).collect::<Vec<_>>().join(" ");
        elements.push(mrkdwn_element(&format!("🏷️ {}", truncate(&tags, TAGS_CHARS))));
    }
    if let Some(created) = card.created_at {
        elements.push(mrkdwn_element(&format!("Xalantis · created {}", created.date())));
    }
    elements.truncate(CONTEXT_ELEMENTS_LIMIT);
    (!elements.is_empty()).then(|| SlackContextBlock::new(elements).into())
}

/// Ticket text as a field value: escaped and capped at [`VALUE_CHARS`].
fn value(text: &str) -> String {
    truncate(&escape_mrkdwn(text), VALUE_CHARS)
}

fn priority_value(priority: &str) -> String {
    let marker = match priority.to_ascii_lowercase().as_str() {
        "urgent" | "critical" => "🔴 ",
        "high" => "🟠 ",
        "medium" => "🟡 ",
        "low" => "🟢 ",
        _ => "",
    };
    format!("{marker}{}", value(priority))
}

/// Fallback of a date token: what clients that cannot localise show.
const DUE_FALLBACK: &[FormatItem<'static>] = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

/// `<!date^UNIX^{date_short_pretty} {time}|2026-01-14 10:00 UTC>`: Slack shows it in the
/// reader's time zone.
pub fn due_value(due: &Due) -> String {
    let at = due.at.to_offset(time::UtcOffset::UTC);
    let fallback = at.format(DUE_FALLBACK).unwrap_or_else(|_| at.date().to_string());
    let overdue = if due.overdue { "⚠️ *Overdue* · " } else { "" };
    format!("{overdue}<!date^{}^{{date_short_pretty}} {{time}}|{fallback}>", at.unix_timestamp())
}

fn actions(cards: &[Card], buttons: Buttons<'_>) -> SlackBlock {
    let mut elements: Vec<SlackActionBlockElement> = open_buttons(cards);
    let ids = ticket_ids_value(cards);
    let refresh = match buttons {
        Buttons::Unfurl(url) => (slack_len(url) <= BUTTON_VALUE_LIMIT).then(|| button(REFRESH_UNFURL_ACTION, "🔄 Refresh", url)),
        Buttons::Public | Buttons::Ephemeral => Some(button(REFRESH_ACTION, "🔄 Refresh", &ids)),
    };
    elements.extend(refresh.map(Into::into));
    if buttons == Buttons::Ephemeral {
        elements.push(button(SHARE_ACTION, "Share in channel", &ids).with_style(SlackBlockButtonStyle::Primary).into());
    }
    elements.truncate(ACTIONS_ELEMENTS_LIMIT);
    SlackActionsBlock::new(elements).into()
}

/// The Refresh and Share value: the tickets' UUIDs, space-separated (at most 10 × 36 characters).
pub fn ticket_ids_value(cards: &[Card]) -> String {
    let ids: Vec<&str> = cards.iter().map(|c| c.uuid.as_str()).collect();
    truncate(&ids.join(" "), BUTTON_VALUE_LIMIT)
}

fn open_buttons(cards: &[Card]) -> Vec<SlackActionBlockElement> {
    let links = cards.iter().filter_map(|card| Some((card, url::Url::parse(&card.url).ok()?)));
    links
        .filter(|(card, _)| slack_len(&card.url) <= BUTTON_URL_LIMIT)
        .take(MAX_OPEN_BUTTONS)
        .enumerate()
        .map(|(index, (card, url))| {
            let label = if cards.len() == 1 { "Open in Xalantis".to_owned() } else { format!("Open {}", card.reference) };
            let text = truncate(&neutralize_plain(&label), BUTTON_TEXT_LIMIT);
            let id = SlackActionId::new(format!("{OPEN_ACTION_PREFIX}{index}"));
            SlackBlockButtonElement::new(SlackBlockPlainText::new(text).into()).with_action_id(id).with_url(url).into()
        })
        .collect()
}

fn button(action: &str, label: &str, value: &str) -> SlackBlockButtonElement {
    let id = SlackActionId::new(truncate(action, ACTION_ID_LIMIT));
    let text = SlackBlockPlainText::new(truncate(label, BUTTON_TEXT_LIMIT)).with_emoji(true);
    SlackBlockButtonElement::new(text.into()).with_action_id(id).with_value(truncate(value, BUTTON_VALUE_LIMIT))
}

fn header(text: &str) -> SlackBlock {
    let text = truncate(&neutralize_plain(text), HEADER_TEXT_LIMIT);
    SlackHeaderBlock::new(SlackBlockPlainText::new(text).with_emoji(true).into()).into()
}

fn section(text: &str) -> SlackBlock {
    SlackSectionBlock::new().with_text(mrkdwn(&truncate(text, SECTION_TEXT_LIMIT))).into()
}

fn field(name: &str, value: &str) -> SlackBlockText {
    mrkdwn(&truncate(&format!("*{name}*\n{value}"), FIELD_TEXT_LIMIT))
}

fn mrkdwn(text: &str) -> SlackBlockText {
    SlackBlockMarkDownText::new(text.to_owned()).into()
}

fn mrkdwn_element(text: &str) -> SlackContextBlockElement {
    SlackBlockMarkDownText::new(truncate(text, TEXT_OBJECT_LIMIT)).into()
}

/// All text of `blocks` as Slack counts it toward a message (every `text` string).
pub fn block_text_len(blocks: &[SlackBlock]) -> usize {
    fn walk(value: &serde_json::Value) -> usize {
        match value {
            serde_json::Value::Object(map) => map.iter().map(|(key, v)| if key == "text" { v.as_str().map_or_else(|| walk(v), slack_len) } else { walk(v) }).sum(),
            serde_json::Value::Array(items) => items.iter().map(walk).sum(),
            _ => 0,
        }
    }
    serde_json::to_value(blocks).map_or(0, |v| walk(&v))
}

#[cfg(test)]
mod tests;
