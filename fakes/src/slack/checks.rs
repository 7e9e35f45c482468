//! Rules the bot's payloads must follow (Block Kit limits, no pings), and checks of the fake's
//! own payloads against slack-morphism's models, so a wrong fixture fails loudly instead of
//! making the bot look deaf. Pure.

use std::collections::HashSet;

use serde_json::Value;
use slack_morphism::prelude::{
    SlackCommandEvent, SlackEventCallbackBody, SlackInteractionEvent, SlackPushEventCallback,
};

use super::state::Kind;

/// Blocks per message.
pub const MAX_BLOCKS: usize = 50;
/// Section text.
pub const SECTION_TEXT: usize = 3000;
/// Fields per section.
pub const SECTION_FIELDS: usize = 10;
/// One section field.
pub const FIELD_TEXT: usize = 2000;
/// Header text.
pub const HEADER_TEXT: usize = 150;
/// Elements per context block.
pub const CONTEXT_ELEMENTS: usize = 10;
/// Elements per actions block.
pub const ACTIONS_ELEMENTS: usize = 25;
/// Button label.
pub const BUTTON_TEXT: usize = 75;
/// Button value.
pub const BUTTON_VALUE: usize = 2000;
/// Button URL.
pub const BUTTON_URL: usize = 3000;
/// `action_id` and `block_id`.
pub const ID_LENGTH: usize = 255;
/// Block text of one message above which Slack has been seen answering `msg_blocks_too_long`.
pub const MESSAGE_BLOCK_TEXT: usize = 13_000;

/// Texts that notify people: broadcasts, user and group mentions.
pub const PINGS: &[&str] = &[
    "<!channel",
    "<!here",
    "<!everyone",
    "<@U",
    "<@W",
    "<!subteam",
];

fn len(text: &str) -> usize {
    text.encode_utf16().count()
}

fn text_of(object: &Value) -> &str {
    object["text"].as_str().unwrap_or_default()
}

/// Every Block Kit limit `blocks` breaks, as sentences.
pub fn check_blocks(blocks: &Value) -> Vec<String> {
    let Some(blocks) = blocks.as_array() else {
        return vec!["blocks is not an array".into()];
    };
    let mut problems = Vec::new();
    if blocks.len() > MAX_BLOCKS {
        problems.push(format!("{} blocks (limit {MAX_BLOCKS})", blocks.len()));
    }
    let mut action_ids = HashSet::new();
    for block in blocks {
        problems.extend(check_block(block, &mut action_ids));
    }
    let total = block_text(&Value::Array(blocks.clone()));
    if total > MESSAGE_BLOCK_TEXT {
        problems.push(format!(
            "{total} characters of block text (msg_blocks_too_long above ~{MESSAGE_BLOCK_TEXT})"
        ));
    }
    problems
}

fn over(problems: &mut Vec<String>, what: &str, actual: usize, max: usize) {
    if actual > max {
        problems.push(format!("{what}: {actual} (limit {max})"));
    }
}

fn check_block(block: &Value, action_ids: &mut HashSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    over(
        &mut problems,
        "block_id",
        len(block["block_id"].as_str().unwrap_or_default()),
        ID_LENGTH,
    );
    match block["type"].as_str().unwrap_or_default() {
        "header" => {
            over(
                &mut problems,
                "header text",
                len(text_of(&block["text"])),
                HEADER_TEXT,
            );
            if block["text"]["type"] != "plain_text" {
                problems.push("a header's text must be plain_text".into());
            }
        }
        "section" => check_section(block, &mut problems),
        "context" => {
            let elements = block["elements"].as_array().map_or(0, Vec::len);
            over(
                &mut problems,
                "context elements",
                elements,
                CONTEXT_ELEMENTS,
            );
        }
        "actions" => check_actions(block, action_ids, &mut problems),
        "divider" => {}
        other => problems.push(format!("unexpected block type {other:?}")),
    }
    problems
}

fn check_section(block: &Value, problems: &mut Vec<String>) {
    over(
        problems,
        "section text",
        len(text_of(&block["text"])),
        SECTION_TEXT,
    );
    let fields = block["fields"].as_array().cloned().unwrap_or_default();
    over(problems, "section fields", fields.len(), SECTION_FIELDS);
    for field in &fields {
        over(problems, "section field", len(text_of(field)), FIELD_TEXT);
    }
    if block["text"].is_null() && fields.is_empty() {
        problems.push("a section needs text or fields".into());
    }
}

fn check_actions(block: &Value, action_ids: &mut HashSet<String>, problems: &mut Vec<String>) {
    let elements = block["elements"].as_array().cloned().unwrap_or_default();
    over(
        problems,
        "actions elements",
        elements.len(),
        ACTIONS_ELEMENTS,
    );
    for element in &elements {
        over(
            problems,
            "button text",
            len(text_of(&element["text"])),
            BUTTON_TEXT,
        );
        over(
            problems,
            "button value",
            len(element["value"].as_str().unwrap_or_default()),
            BUTTON_VALUE,
        );
        over(
            problems,
            "button url",
            len(element["url"].as_str().unwrap_or_default()),
            BUTTON_URL,
        );
        let id = element["action_id"].as_str().unwrap_or_default();
        over(problems, "action_id", len(id), ID_LENGTH);
        if !id.is_empty() && !action_ids.insert(id.to_owned()) {
            problems.push(format!("action_id {id} used twice in one message"));
        }
    }
}

/// Characters of every `text` string in `value`.
pub fn block_text(value: &Value) -> usize {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(key, v)| {
                if key == "text" {
                    v.as_str().map_or_else(|| block_text(v), len)
                } else {
                    block_text(v)
                }
            })
            .sum(),
        Value::Array(items) => items.iter().map(block_text).sum(),
        _ => 0,
    }
}

/// Every string in `value` that would notify someone.
pub fn find_pings(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) if PINGS.iter().any(|ping| text.contains(ping)) => vec![text.clone()],
        Value::Object(map) => map.values().flat_map(find_pings).collect(),
        Value::Array(items) => items.iter().flat_map(find_pings).collect(),
        _ => Vec::new(),
    }
}

/// The problems of a message the bot sends (any API): blocks, pings, a missing fallback text.
pub fn check_message(context: &str, body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if !body["blocks"].is_null() {
        problems.extend(check_blocks(&body["blocks"]));
        if body["text"].as_str().is_none_or(str::is_empty) {
            problems.push("blocks without a fallback text".into());
        }
    }
    problems.extend(
        find_pings(body)
            .into_iter()
            .map(|text| format!("would ping: {text:?}")),
    );
    if body["link_names"] == true || body["parse"] == "full" {
        problems.push("link_names/parse=full turns names into pings".into());
    }
    problems
        .into_iter()
        .map(|p| format!("{context}: {p}"))
        .collect()
}

/// Panics when the fake's own payload is not what Slack sends (as slack-morphism models it).
pub fn check_own_payload(kind: Kind, payload: &Value) {
    let problem = match kind {
        Kind::Event => match serde_json::from_value::<SlackPushEventCallback>(payload.clone()) {
            Ok(callback) if matches!(callback.event, SlackEventCallbackBody::Unknown(_)) => {
                Some("an event of no known shape".to_owned())
            }
            Ok(_) => None,
            Err(error) => Some(error.to_string()),
        },
        Kind::Command => serde_json::from_value::<SlackCommandEvent>(payload.clone())
            .err()
            .map(|e| e.to_string()),
        Kind::Interactive => serde_json::from_value::<SlackInteractionEvent>(payload.clone())
            .err()
            .map(|e| e.to_string()),
    };
    if let Some(problem) = problem {
        panic!("the fake Slack built a bad {kind:?} payload ({problem}): {payload:#}");
    }
}

/// Panics when a Socket Mode frame of the fake lacks what Slack sends (slack-morphism keeps
/// its model of these frames private, so the fields are listed here).
pub fn check_own_frame(frame: &Value) {
    let required: &[&str] = match frame["type"].as_str() {
        Some("hello") => &[
            "/num_connections",
            "/debug_info/host",
            "/connection_info/app_id",
        ],
        Some("disconnect") => &["/reason", "/debug_info/host"],
        _ => &["/envelope_id", "/payload", "/accepts_response_payload"],
    };
    if let Some(missing) = required
        .iter()
        .find(|pointer| frame.pointer(pointer).is_none())
    {
        panic!("the fake Slack built a bad Socket Mode frame (no {missing}): {frame:#}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oversized_blocks_and_pings_are_reported() {
        let body = json!({"text": "<!here>", "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "x".repeat(151)}},
            {"type": "actions", "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "ok"}},
                {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "ok"}}]}]});
        let problems = check_message("chat.postMessage", &body);
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn dates_and_links_are_not_pings() {
        assert!(find_pings(&json!({"text": "<!date^1^{date}|x> <https://a|b> <#C1>"})).is_empty());
    }
}
