//! Response URLs (`POST /hooks/{n}`) and slash command answers: how the bot's answers become
//! messages. At most 5 posts per URL; `delete_original`, `replace_original`, or a new message
//! (ephemeral unless `in_channel`).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::checks::check_message;
use super::state::{Hook, RecordedRequest, SlackMessage, State as FakeState, Visibility};
use super::web::{field, ok, read_body};
use super::{BOT_ID, BOT_USER_ID, Shared};

/// `POST /hooks/{id}`: a response URL. At most 5 posts; `delete_original`, `replace_original`,
/// or a new message (ephemeral unless `in_channel`).
pub(super) async fn hook(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let value = read_body(&headers, &body);
    let mut state = shared.state();
    state.requests.push(RecordedRequest {
        method: "POST".into(),
        path: format!("/hooks/{id}"),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: value.clone(),
        body_text: String::from_utf8_lossy(&body).into_owned(),
        status: 200,
        at: Instant::now(),
    });
    let problems = check_message("response_url", &value);
    state.violations.extend(problems);
    let Some(hook) = state.hook_mut(id).cloned() else {
        state.violation(format!(
            "posted to response_url {id}, which was never handed out"
        ));
        return StatusCode::NOT_FOUND.into_response();
    };
    if hook.posts.len() >= 5 {
        state.violation(format!("more than 5 posts to response_url {id}"));
    }
    apply_hook_post(&mut state, &hook, &value);
    if let Some(hook) = state.hook_mut(id) {
        hook.posts.push(value);
    }
    ok(json!({}))
}

fn apply_hook_post(state: &mut FakeState, hook: &Hook, body: &Value) {
    let original = hook.message.clone();
    if body["delete_original"] == true || body["replace_original"] == true {
        let Some(message) = original
            .as_deref()
            .and_then(|ts| state.message_mut(&hook.channel, ts))
        else {
            return state.violation(format!(
                "response_url {} changes an original message it has none of",
                hook.id
            ));
        };
        if body["delete_original"] == true {
            message.deleted = true;
        } else {
            message.text = field(body, "text").to_owned();
            message.blocks = body["blocks"].clone();
            message.edits += 1;
        }
        return;
    }
    let ts = state.next_ts();
    let visibility = if body["response_type"] == "in_channel" {
        Visibility::Public
    } else {
        Visibility::Ephemeral(hook.user.clone())
    };
    state
        .messages
        .push(bot_message(&hook.channel, &ts, body, visibility));
    if let (None, Some(hook)) = (original, state.hook_mut(hook.id)) {
        hook.message = Some(ts);
    }
}

/// A slash command's immediate answer: shown to the asker (or the channel, for `in_channel`).
pub(super) fn answer_command(state: &mut FakeState, hook: u64, answer: Value) {
    let problems = check_message("slash command answer", &answer);
    state.violations.extend(problems);
    let Some((channel, user)) = state
        .hook_mut(hook)
        .map(|h| (h.channel.clone(), h.user.clone()))
    else {
        return;
    };
    let ts = state.next_ts();
    let visibility = if answer["response_type"] == "in_channel" {
        Visibility::Public
    } else {
        Visibility::Ephemeral(user)
    };
    state
        .messages
        .push(bot_message(&channel, &ts, &answer, visibility));
    if let Some(hook) = state.hook_mut(hook) {
        hook.message.get_or_insert(ts);
        hook.posts.push(answer);
    }
}

/// A message the bot sent, from a body with `text` and `blocks`.
pub(super) fn bot_message(
    channel: &str,
    ts: &str,
    body: &Value,
    visibility: Visibility,
) -> SlackMessage {
    SlackMessage {
        channel: channel.to_owned(),
        ts: ts.to_owned(),
        thread_ts: body["thread_ts"].as_str().map(str::to_owned),
        user: Some(BOT_USER_ID.to_owned()),
        bot_id: Some(BOT_ID.to_owned()),
        text: body["text"].as_str().unwrap_or_default().to_owned(),
        blocks: body["blocks"].clone(),
        visibility,
        deleted: false,
        edits: 0,
    }
}
