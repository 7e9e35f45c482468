//! Discord's documented limits (message resource) that the OpenAPI file does not express, several
//! stricter than it. The fake reports a body with 11 embeds as `/embeds: 11 embeds, more than 10`.

use serde_json::Value;

/// Characters of message content (the OpenAPI file says 4000; the docs say 2000).
pub const CONTENT: usize = 2000;
/// Embeds per message.
pub const EMBEDS: usize = 10;
/// Characters across all embeds of one message.
pub const EMBEDS_TOTAL: usize = 6000;
/// Characters of an embed title.
pub const TITLE: usize = 256;
/// Characters of an embed description.
pub const DESCRIPTION: usize = 4096;
/// Fields per embed.
pub const FIELDS: usize = 25;
/// Characters of a field name.
pub const FIELD_NAME: usize = 256;
/// Characters of a field value.
pub const FIELD_VALUE: usize = 1024;
/// Characters of an embed footer text.
pub const FOOTER: usize = 2048;
/// Characters of an embed author name.
pub const AUTHOR_NAME: usize = 256;

/// The limits of the Discord docs that the OpenAPI file does not express.
pub(crate) fn message_limits(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let content = chars(&body["content"]);
    if content > CONTENT {
        problems.push(format!(
            "/content: {content} characters, more than {CONTENT}"
        ));
    }
    let embeds = body["embeds"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if embeds.len() > EMBEDS {
        problems.push(format!(
            "/embeds: {} embeds, more than {}",
            embeds.len(),
            EMBEDS
        ));
    }
    let total: usize = embeds.iter().map(embed_characters).sum();
    if total > EMBEDS_TOTAL {
        problems.push(format!(
            "/embeds: {total} characters across embeds, more than {EMBEDS_TOTAL}"
        ));
    }
    for (index, embed) in embeds.iter().enumerate() {
        problems.extend(
            embed_limits(embed)
                .into_iter()
                .map(|p| format!("/embeds/{index}{p}")),
        );
    }
    problems
}

fn embed_limits(embed: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |path: String, value: &Value, limit: usize| {
        let count = chars(value);
        if count > limit {
            problems.push(format!("{path}: {count} characters, more than {limit}"));
        }
    };
    check("/title".into(), &embed["title"], TITLE);
    check("/description".into(), &embed["description"], DESCRIPTION);
    check("/footer/text".into(), &embed["footer"]["text"], FOOTER);
    check("/author/name".into(), &embed["author"]["name"], AUTHOR_NAME);
    let fields = embed["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, field) in fields.iter().enumerate() {
        check(format!("/fields/{index}/name"), &field["name"], FIELD_NAME);
        check(
            format!("/fields/{index}/value"),
            &field["value"],
            FIELD_VALUE,
        );
    }
    if fields.len() > FIELDS {
        problems.push(format!(
            "/fields: {} fields, more than {}",
            fields.len(),
            FIELDS
        ));
    }
    problems
}

/// The characters Discord counts toward the 6000 of a message's embeds.
fn embed_characters(embed: &Value) -> usize {
    let fields = embed["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let field_chars: usize = fields
        .iter()
        .map(|f| chars(&f["name"]) + chars(&f["value"]))
        .sum();
    chars(&embed["title"])
        + chars(&embed["description"])
        + chars(&embed["footer"]["text"])
        + chars(&embed["author"]["name"])
        + field_chars
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |text| text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_characters_across_all_embeds() {
        let big = json!({"description": "é".repeat(4000)});
        let problems = message_limits(&json!({"embeds": [big, big]}));
        assert_eq!(
            problems,
            ["/embeds: 8000 characters across embeds, more than 6000"]
        );
    }

    #[test]
    fn reports_field_and_content_limits() {
        let field = json!({"name": "n".repeat(257), "value": "v"});
        let body = json!({"content": "c".repeat(2001), "embeds": [{"fields": [field]}]});
        let problems = message_limits(&body);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].starts_with("/embeds/0/fields/0/name"));
    }
}
