//! A Discord message payload → readable terminal text (pure).
//!
//! It reads the very JSON the bot would POST, so what the console shows is what Discord gets:
//! each embed behind a bar in its colour (colours only when asked), title, link, description,
//! fields as aligned `name  value` lines, footer and timestamp, then the buttons.
//!
//! ```text
//! ┃ VEN1-000079 · Problème connexion
//! ┃ https://app.xalantis.com/tickets/be2dde82-493c-44f8-9118-e468b5c1c732
//! ┃ Status    Open
//! ┃ Xalantis · created 2026-01-12 • 12 Jan 2026 13:55 UTC
//!   [Open in Xalantis] [🔄 Refresh]
//! ```

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::markup::{BOLD, DIM, RESET, absolute, to_terminal, visible_len};

/// Columns text is wrapped at (the bar and field names included).
pub const WIDTH: usize = 100;
/// The bar in front of every line of an embed.
const BAR: &str = "┃";

/// The parts of a message payload the terminal shows; anything else is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MessageView {
    embeds: Vec<EmbedView>,
    components: Vec<RowView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EmbedView {
    title: String,
    url: Option<String>,
    description: Option<String>,
    color: Option<u32>,
    fields: Vec<FieldView>,
    footer: Option<FooterView>,
    timestamp: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FieldView {
    name: String,
    value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FooterView {
    text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RowView {
    components: Vec<ButtonView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ButtonView {
    label: Option<String>,
    emoji: Option<EmojiView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EmojiView {
    name: Option<String>,
}

/// How to draw: with ANSI colours or not, relative times as of `now`.
#[derive(Debug, Clone, Copy)]
struct Pen {
    color: bool,
    now: OffsetDateTime,
}

/// The terminal rendering of a Discord message payload (`embeds`, `components`).
pub fn render_message(payload: &Value, color: bool, now: OffsetDateTime) -> String {
    let message: MessageView = serde_json::from_value(payload.clone()).unwrap_or_default();
    let pen = Pen { color, now };
    let mut out = String::new();
    for (index, embed) in message.embeds.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&pen.embed(embed));
    }
    let buttons = buttons(&message.components);
    if !buttons.is_empty() {
        out.push_str("  ");
        out.push_str(&buttons);
        out.push('\n');
    }
    out
}

impl Pen {
    fn embed(self, embed: &EmbedView) -> String {
        let mut lines = wrap(&self.styled(BOLD, &self.text(&embed.title)), 0);
        if let Some(url) = &embed.url {
            lines.push(self.styled(DIM, url));
        }
        for line in embed.description.as_deref().unwrap_or_default().lines() {
            lines.extend(wrap(&self.text(line), 0));
        }
        lines.extend(self.fields(&embed.fields));
        lines.extend(self.footer(embed));
        let bar = self.bar(embed.color.unwrap_or_default());
        lines
            .iter()
            .flat_map(|line| [bar.as_str(), " ", line, "\n"])
            .collect()
    }

    fn fields(self, fields: &[FieldView]) -> Vec<String> {
        let width = fields
            .iter()
            .map(|f| self.text(&f.name).chars().count())
            .max()
            .unwrap_or(0);
        let mut lines = Vec::new();
        for field in fields {
            let name = self.text(&field.name);
            let padding = " ".repeat(width - name.chars().count() + 2);
            let mut value = wrap(&self.text(&field.value), width + 2).into_iter();
            let first = value.next().unwrap_or_default();
            lines.push(format!("{}{padding}{first}", self.styled(BOLD, &name)));
            lines.extend(value.map(|line| format!("{}{line}", " ".repeat(width + 2))));
        }
        lines
    }

    fn footer(self, embed: &EmbedView) -> Option<String> {
        let when = embed
            .timestamp
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        let parts: Vec<String> = embed
            .footer
            .as_ref()
            .map(|f| self.text(&f.text))
            .into_iter()
            .chain(when.map(|at| format!("updated {}", absolute(at))))
            .collect();
        (!parts.is_empty()).then(|| self.styled(DIM, &parts.join(" • ")))
    }

    fn text(self, markup: &str) -> String {
        to_terminal(markup, self.color, self.now)
    }

    fn styled(self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// The bar in the embed's colour; it resets first, so a style left open by a wrapped line
    /// does not leak into it.
    fn bar(self, rgb: u32) -> String {
        let [_, r, g, b] = rgb.to_be_bytes();
        if self.color {
            format!("{RESET}\x1b[38;2;{r};{g};{b}m{BAR}{RESET}")
        } else {
            BAR.to_owned()
        }
    }
}

/// `[Open in Xalantis] [🔄 Refresh]`.
fn buttons(rows: &[RowView]) -> String {
    let labels = rows.iter().flat_map(|row| &row.components).map(|button| {
        let emoji = button.emoji.as_ref().and_then(|e| e.name.as_deref());
        let label = [emoji, button.label.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        format!("[{label}]")
    });
    labels.collect::<Vec<_>>().join(" ")
}

/// `text` cut into lines that fit after the bar, continuation lines indented by `indent`.
fn wrap(text: &str, indent: usize) -> Vec<String> {
    let width = WIDTH.saturating_sub(2 + indent).max(20);
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && visible_len(line) + 1 + visible_len(word) > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-12 10:00 UTC);

    fn payload() -> Value {
        json!({
            "embeds": [{
                "title": "VEN1-000079 · Probl\\*me", "url": "https://x.example/t/1", "color": 0x22C55E,
                "description": "⚠️ **SLA breached**\nSee \\[docs\\]",
                "fields": [{"name": "Status", "value": "Open", "inline": true},
                           {"name": "Due", "value": "<t:1768384800:f> (<t:1768384800:R>)", "inline": true}],
                "footer": {"text": "Xalantis · created 2026-01-12"}, "timestamp": "2026-01-12T13:55:28Z"
            }],
            "components": [{"type": 1, "components": [
                {"type": 2, "style": 5, "label": "Open in Xalantis", "url": "https://x.example/t/1"},
                {"type": 2, "style": 2, "label": "Refresh", "custom_id": "r", "emoji": {"name": "🔄"}}]}],
            "allowed_mentions": {"parse": []}
        })
    }

    #[test]
    fn an_embed_is_shown_line_by_line_behind_a_bar() {
        let text = render_message(&payload(), false, NOW);
        let expected = "\
┃ VEN1-000079 · Probl*me
┃ https://x.example/t/1
┃ ⚠️ SLA breached
┃ See [docs]
┃ Status  Open
┃ Due     14 Jan 2026 10:00 UTC (in 2 days)
┃ Xalantis · created 2026-01-12 • updated 12 Jan 2026 13:55 UTC
  [Open in Xalantis] [🔄 Refresh]
";
        assert_eq!(text, expected);
    }

    #[test]
    fn colours_appear_only_when_asked() {
        assert!(!render_message(&payload(), false, NOW).contains('\x1b'));
        let coloured = render_message(&payload(), true, NOW);
        assert!(coloured.contains("\x1b[38;2;34;197;94m┃"), "{coloured}");
    }

    #[test]
    fn long_text_is_wrapped_and_every_line_keeps_its_bar() {
        let long = "word ".repeat(60);
        let text = render_message(
            &json!({"embeds": [{"title": "T", "description": long}]}),
            false,
            NOW,
        );
        assert!(text.lines().count() > 3);
        assert!(
            text.lines()
                .all(|l| l.starts_with(BAR) && l.chars().count() <= WIDTH),
            "{text}"
        );
    }

    #[test]
    fn a_payload_of_an_unexpected_shape_renders_nothing() {
        assert_eq!(render_message(&json!([1, 2]), false, NOW), "");
    }
}
