//! Card → Discord embed (pure). Every Discord limit is a named constant, enforced by truncation,
//! including the 6000 characters shared by all embeds of one message. Ticket text is escaped so
//! it cannot form links, mentions or formatting.
//!
//! ```
//! # use xalantis_bot::discord::render::{escape_markdown, discord_len};
//! assert_eq!(escape_markdown("[click](http://evil.example)"), r"\[click\](http://evil.example)");
//! assert_eq!(discord_len("é🙂"), 3);
//! ```

use std::fmt::Write as _;

use serde::Serialize;

use crate::card::{Card, Details, Due, Layout, Tone};

/// Embed title.
pub const TITLE_LIMIT: usize = 256;
/// Embed description.
pub const DESCRIPTION_LIMIT: usize = 4096;
/// Fields per embed.
pub const FIELDS_LIMIT: usize = 25;
/// Field name.
pub const FIELD_NAME_LIMIT: usize = 256;
/// Field value.
pub const FIELD_VALUE_LIMIT: usize = 1024;
/// Footer text.
pub const FOOTER_LIMIT: usize = 2048;
/// Author name.
pub const AUTHOR_NAME_LIMIT: usize = 256;
/// Embeds per message.
pub const EMBEDS_PER_MESSAGE: usize = 10;
/// Message content.
pub const CONTENT_LIMIT: usize = 2000;
/// Characters across all embeds of one message (titles, descriptions, fields, footers, authors).
pub const MESSAGE_EMBEDS_TOTAL_LIMIT: usize = 6000;

/// A Discord embed as the bot sends it (the JSON shape of Discord's embed object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Embed {
    /// `VEN1-000079 · Subject`, escaped.
    pub title: String,
    /// Link of the title.
    pub url: String,
    /// Description excerpt and markers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Side colour.
    pub color: u32,
    /// Status, priority, assignee, due, …
    pub fields: Vec<EmbedField>,
    /// Footer line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<EmbedFooter>,
    /// Last update of the ticket, RFC 3339 (Discord shows it in the reader's time zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// One embed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbedField {
    /// Field name.
    pub name: String,
    /// Field value (never empty: Discord rejects empty values).
    pub value: String,
    /// Shown side by side with its neighbours.
    pub inline: bool,
}

/// Embed footer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbedFooter {
    /// Footer text.
    pub text: String,
}

impl Embed {
    /// Characters this embed counts against [`MESSAGE_EMBEDS_TOTAL_LIMIT`].
    pub fn counted_len(&self) -> usize {
        let fields: usize = self
            .fields
            .iter()
            .map(|f| discord_len(&f.name) + discord_len(&f.value))
            .sum();
        discord_len(&self.title)
            + self.description.as_deref().map_or(0, discord_len)
            + self.footer.as_ref().map_or(0, |f| discord_len(&f.text))
            + fields
    }
}

/// Length as Discord counts it (UTF-16 code units, the conservative reading).
pub fn discord_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Cuts `text` to at most `max` UTF-16 units, ending with `…` when cut; never splits a
/// character or leaves a dangling escape backslash.
pub fn truncate(text: &str, max: usize) -> String {
    if discord_len(text) <= max {
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
    if kept.ends_with('\\') && !kept.ends_with("\\\\") {
        kept.pop();
    }
    kept.push('…');
    kept
}

/// Escapes Discord markdown so ticket text shows as typed: no formatting, masked links,
/// mentions, headings, lists or quotes, and `@everyone`/`@here` broken with a zero-width space.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut line_start = true;
    for c in text.chars() {
        let block_marker = line_start && matches!(c, '#' | '-' | '+' | '>');
        if block_marker || matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '<' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
        if c == '@' {
            out.push('\u{200B}');
        }
        line_start = c == '\n' || (line_start && c == ' ');
    }
    out
}

/// The embeds of one message showing `cards` in `layout`, within every message limit.
pub fn embeds_for(cards: &[Card], layout: Layout) -> Vec<Embed> {
    let embeds = match layout {
        Layout::Full => cards.iter().map(to_discord_embed).collect(),
        Layout::Compact => cards.iter().map(to_compact_embed).collect(),
        Layout::List => vec![to_list_embed(cards)],
    };
    fit_embeds(embeds)
}

/// A compact card: the title line and status, priority, assignee and due.
pub fn to_compact_embed(card: &Card) -> Embed {
    let mut fields = fields(card);
    fields.truncate(4);
    Embed {
        title: truncate(&escape_markdown(&card.title), TITLE_LIMIT),
        url: card.url.clone(),
        description: None,
        color: card.tone.color(),
        fields,
        footer: None,
        timestamp: None,
    }
}

/// One list embed with a line per card:
/// `[VEN1-000079](url) Problème connexion — Open · 🟡 Medium · Support Agent · due <t:…:R>`.
pub fn to_list_embed(cards: &[Card]) -> Embed {
    let lines: Vec<String> = cards.iter().map(list_line_within_limit).collect();
    let alarm = cards.iter().any(|c| c.tone == Tone::Alarm);
    Embed {
        title: format!("{} tickets", cards.len()),
        url: cards.first().map(|c| c.url.clone()).unwrap_or_default(),
        description: Some(list_description(&lines)),
        color: if alarm {
            Tone::Alarm.color()
        } else {
            Tone::Open.color()
        },
        fields: Vec::new(),
        footer: None,
        timestamp: None,
    }
}

/// Longest subject shown on a list line.
const LIST_SUBJECT_CHARS: usize = 80;
/// Longest reference, status or assignee shown on a list line.
const LIST_FACT_CHARS: usize = 64;
/// Room kept for the closing `… and N more` line.
const LIST_MORE_ROOM: usize = 32;

/// The list's lines, each whole: cutting one would break its link or timestamp markup and
/// leave a stray `[` or `<` in the channel. What does not fit is counted in a last line.
fn list_description(lines: &[String]) -> String {
    let mut text = String::new();
    for (shown, line) in lines.iter().enumerate() {
        let left = lines.len() - shown;
        let room = if left > 1 { LIST_MORE_ROOM } else { 0 };
        if discord_len(&text) + 1 + discord_len(line) + room > DESCRIPTION_LIMIT {
            let _ = write!(text, "\n… and {left} more");
            break;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
    text
}

/// The card's list line; without its link when the ticket URL alone would not fit (a link
/// template filled with an absurd reference), so that every line fits whole.
fn list_line_within_limit(card: &Card) -> String {
    let line = list_line(card, Some(&card.url));
    if discord_len(&line) + LIST_MORE_ROOM <= DESCRIPTION_LIMIT {
        return line;
    }
    list_line(card, None)
}

fn list_line(card: &Card, url: Option<&str>) -> String {
    let short = |text: &str| escape_markdown(&crate::card::truncate_chars(text, LIST_FACT_CHARS));
    let subject = escape_markdown(&crate::card::truncate_chars(
        &card.subject,
        LIST_SUBJECT_CHARS,
    ));
    let mut facts = vec![short(&card.status)];
    facts.extend(
        card.priority
            .as_deref()
            .map(|p| priority_value(&crate::card::truncate_chars(p, LIST_FACT_CHARS))),
    );
    facts.push(
        card.assignee
            .as_deref()
            .map_or_else(|| "Unassigned".to_owned(), short),
    );
    if let Some(due) = card.due {
        let overdue = if due.overdue { "⚠️ overdue " } else { "" };
        facts.push(format!("{overdue}due <t:{}:R>", due.at.unix_timestamp()));
    }
    let reference = short(&card.reference);
    let head = match url {
        Some(url) => format!("[{reference}]({url})"),
        None => reference,
    };
    format!("{head} {subject} — {}", facts.join(" · "))
}

/// The Details views of a card's tickets, within every message limit.
pub fn embeds_for_details(details: &[Details]) -> Vec<Embed> {
    fit_embeds(details.iter().map(to_details_embed).collect())
}

/// The Details view of one ticket: the full card with a longer description, the requester,
/// custom fields and SLA markers.
pub fn to_details_embed(details: &Details) -> Embed {
    let mut embed = to_discord_embed(&details.card);
    embed.description = details
        .description
        .as_deref()
        .map(|d| truncate(&escape_markdown(d), DESCRIPTION_LIMIT));
    embed.fields.retain(|f| f.name != "Requester");
    let extra = details_fields(details);
    embed.fields.extend(extra);
    embed.fields.truncate(FIELDS_LIMIT);
    embed
}

fn details_fields(details: &Details) -> Vec<EmbedField> {
    let mut fields = Vec::new();
    if let Some(requester) = &details.requester {
        let parts: Vec<String> = [&requester.name, &requester.email, &requester.phone]
            .into_iter()
            .flatten()
            .map(|s| escape_markdown(s))
            .collect();
        fields.push(EmbedField {
            inline: false,
            ..field("Requester", &parts.join(" · "))
        });
    }
    for (label, value) in [
        ("Channel", &details.channel),
        ("Severity", &details.severity),
    ] {
        if let Some(value) = value {
            fields.push(field(label, &escape_markdown(value)));
        }
    }
    if let Some(score) = details.satisfaction {
        fields.push(field("Satisfaction", &format!("{score}/5")));
    }
    for (label, at) in &details.sla {
        fields.push(field(label, &format!("<t:{}:f>", at.unix_timestamp())));
    }
    // Discord rejects a field without a name.
    for (key, value) in details
        .custom_fields
        .iter()
        .filter(|(key, _)| !key.trim().is_empty())
    {
        fields.push(field(
            &escape_markdown(&crate::card::humanize(key)),
            &escape_markdown(value),
        ));
    }
    fields
}

/// The full embed of one card.
pub fn to_discord_embed(card: &Card) -> Embed {
    Embed {
        title: truncate(&escape_markdown(&card.title), TITLE_LIMIT),
        url: card.url.clone(),
        description: description(card),
        color: card.tone.color(),
        fields: fields(card),
        footer: Some(EmbedFooter {
            text: truncate(&footer(card), FOOTER_LIMIT),
        }),
        timestamp: card.updated_at.and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        }),
    }
}

fn description(card: &Card) -> Option<String> {
    let mut parts = Vec::new();
    if card.sla_breached && !card.is_done() {
        parts.push("⚠️ **SLA breached**".to_owned());
    }
    if let Some(excerpt) = &card.excerpt {
        parts.push(escape_markdown(excerpt));
    }
    (!parts.is_empty()).then(|| truncate(&parts.join("\n"), DESCRIPTION_LIMIT))
}

fn fields(card: &Card) -> Vec<EmbedField> {
    let mut fields = vec![
        field("Status", &escape_markdown(&card.status)),
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
                .map_or_else(|| "Unassigned".to_owned(), escape_markdown),
        ),
        field(
            "Due",
            &card
                .due
                .as_ref()
                .map_or_else(|| "No due date".to_owned(), due_value),
        ),
    ];
    if let Some(category) = &card.category {
        fields.push(field("Category", &escape_markdown(category)));
    }
    if let Some(kind) = &card.kind {
        fields.push(field("Type", &escape_markdown(kind)));
    }
    if !card.tags.is_empty() {
        let tags: Vec<String> = card.tags.iter().map(|t| escape_markdown(t)).collect();
        fields.push(EmbedField {
            inline: false,
            ..field("Tags", &tags.join(", "))
        });
    }
    if let Some(requester) = requester_value(card) {
        fields.push(EmbedField {
            inline: false,
            ..field("Requester", &requester)
        });
    }
    fields.truncate(FIELDS_LIMIT);
    fields
}

fn field(name: &str, value: &str) -> EmbedField {
    let value = if value.trim().is_empty() {
        "—"
    } else {
        value
    };
    EmbedField {
        name: truncate(name, FIELD_NAME_LIMIT),
        value: truncate(value, FIELD_VALUE_LIMIT),
        inline: true,
    }
}

fn priority_value(priority: &str) -> String {
    format!(
        "{}{}",
        crate::card::priority_marker(priority),
        escape_markdown(priority)
    )
}

/// `<t:UNIX:f>` (absolute) and `<t:UNIX:R>` (relative), each in the reader's time zone.
fn due_value(due: &Due) -> String {
    let unix = due.at.unix_timestamp();
    let overdue = if due.overdue {
        "⚠️ **Overdue** · "
    } else {
        ""
    };
    format!("{overdue}<t:{unix}:f> (<t:{unix}:R>)")
}

fn requester_value(card: &Card) -> Option<String> {
    let r = card.requester.as_ref()?;
    let parts: Vec<String> = [&r.name, &r.email, &r.phone]
        .into_iter()
        .flatten()
        .map(|s| escape_markdown(s))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn footer(card: &Card) -> String {
    let mut parts = vec!["Xalantis".to_owned()];
    if let Some(created) = card.created_at {
        parts.push(format!("created {}", created.date()));
    }
    parts.join(" · ")
}

/// Makes a message's embeds fit Discord: at most [`EMBEDS_PER_MESSAGE`], and together within
/// [`MESSAGE_EMBEDS_TOTAL_LIMIT`] (descriptions go first, then optional fields, then titles are
/// cut, then the longest field values).
pub fn fit_embeds(mut embeds: Vec<Embed>) -> Vec<Embed> {
    embeds.truncate(EMBEDS_PER_MESSAGE);
    let shrinkers: [fn(&mut Embed) -> bool; 4] = [
        drop_description,
        drop_last_optional_field,
        shorten_title,
        shorten_longest_field,
    ];
    for shrink in shrinkers {
        while total_len(&embeds) > MESSAGE_EMBEDS_TOTAL_LIMIT {
            let Some(largest) = embeds.iter_mut().max_by_key(|e| e.counted_len()) else {
                return embeds;
            };
            if !shrink(largest) && !embeds.iter_mut().any(shrink) {
                break;
            }
        }
    }
    embeds
}

fn total_len(embeds: &[Embed]) -> usize {
    embeds.iter().map(Embed::counted_len).sum()
}

fn drop_description(embed: &mut Embed) -> bool {
    embed.description.take().is_some()
}

/// The first four fields (status, priority, assignee, due) are what a card is for; keep them.
fn drop_last_optional_field(embed: &mut Embed) -> bool {
    embed.fields.len() > 4 && embed.fields.pop().is_some()
}

/// The last resort, for values of absurd length (a 1,000-character assignee name on ten cards).
fn shorten_longest_field(embed: &mut Embed) -> bool {
    let Some(field) = embed
        .fields
        .iter_mut()
        .max_by_key(|f| discord_len(&f.value))
    else {
        return false;
    };
    let len = discord_len(&field.value);
    len > 64 && {
        field.value = truncate(&field.value, len / 2);
        true
    }
}

fn shorten_title(embed: &mut Embed) -> bool {
    let len = discord_len(&embed.title);
    len > 64 && {
        embed.title = truncate(&embed.title, len / 2);
        true
    }
}
