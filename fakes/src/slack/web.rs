//! The Web API methods the bot calls (`POST /api/{method}`) and the response URLs it is handed
//! (`POST /hooks/{n}`). Every request is recorded and checked.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::checks::{check_blocks, check_message, find_pings};
use super::hooks::bot_message;
use super::state::{RecordedRequest, State as FakeState, Unfurl, Visibility};
use super::{BOT_ID, BOT_USER_ID, Shared, TEAM_ID};

/// The fake's routes.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/{method}", get(api).post(api))
        .route("/hooks/{id}", post(super::hooks::hook))
        .route("/socket", get(super::socket::upgrade))
        .with_state(shared)
}

/// A body as JSON: JSON as is, a form as an object of its fields.
pub(super) fn read_body(headers: &HeaderMap, body: &[u8]) -> Value {
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    if json {
        return serde_json::from_slice(body).unwrap_or(Value::Null);
    }
    let fields = url::form_urlencoded::parse(body).map(|(k, v)| {
        let value = serde_json::from_str(&v).unwrap_or_else(|_| Value::String(v.into_owned()));
        (k.into_owned(), value)
    });
    Value::Object(fields.collect())
}

pub(super) fn ok(extra: Value) -> Response {
    let mut body = json!({"ok": true});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    Json(body).into_response()
}

fn error(code: &str) -> Response {
    Json(json!({"ok": false, "error": code})).into_response()
}

/// A Web API call: `POST` with a JSON or form body, or `GET` with query parameters.
async fn api(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    http_method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = if http_method == Method::GET {
        Bytes::from(query.unwrap_or_default())
    } else {
        body
    };
    let request = RecordedRequest {
        method: http_method.to_string(),
        path: format!("/api/{method}"),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: read_body(&headers, &body),
        body_text: String::from_utf8_lossy(&body).into_owned(),
        status: 200,
        at: Instant::now(),
    };
    let response = shared.answer(&method, &request);
    let mut state = shared.state();
    state.requests.push(RecordedRequest {
        status: response.status().as_u16(),
        ..request
    });
    response
}

impl Shared {
    fn answer(&self, method: &str, request: &RecordedRequest) -> Response {
        if let Some(retry_after) = self.state().take_rate_limit(method) {
            let headers = [("retry-after", retry_after.to_string())];
            return (
                StatusCode::TOO_MANY_REQUESTS,
                headers,
                Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
        }
        let prefix = if method == "apps.connections.open" {
            "Bearer xapp-"
        } else {
            "Bearer xoxb-"
        };
        if !request
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with(prefix))
        {
            self.state()
                .violation(format!("{method} called without a {prefix}… token"));
            return error("not_authed");
        }
        let body = &request.body;
        let mut state = self.state();
        match method {
            "auth.test" => ok(
                json!({"url": "https://fake.slack.com/", "team": "Fake Workspace", "user": "xalantis",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}),
            ),
            "apps.connections.open" => {
                drop(state);
                ok(json!({"url": self.socket_url()}))
            }
            "chat.postMessage" => post_message(&mut state, body),
            "chat.update" => update(&mut state, body),
            "chat.delete" => delete(&mut state, body),
            "chat.unfurl" => unfurl(&mut state, body),
            other => {
                state.violation(format!("called {other}, which the fake does not serve"));
                error("unknown_method")
            }
        }
    }
}

pub(super) fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name].as_str().unwrap_or_default()
}

fn post_message(state: &mut FakeState, body: &Value) -> Response {
    let problems = check_message("chat.postMessage", body);
    state.violations.extend(problems);
    if body["unfurl_links"] != false {
        state.violation("chat.postMessage without unfurl_links: false");
    }
    let channel = field(body, "channel").to_owned();
    if let Some(parent) = body["thread_ts"].as_str() {
        let is_reply = state
            .messages
            .iter()
            .any(|m| m.channel == channel && m.ts == parent && m.thread_ts.is_some());
        if is_reply {
            state.violation(format!(
                "thread_ts {parent} is a reply, not a thread's parent"
            ));
        }
    }
    let ts = state.next_ts();
    state
        .messages
        .push(bot_message(&channel, &ts, body, Visibility::Public));
    ok(json!({"channel": channel, "ts": ts,
        "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": body["text"], "ts": ts}}))
}

fn update(state: &mut FakeState, body: &Value) -> Response {
    let problems = check_message("chat.update", body);
    state.violations.extend(problems);
    let (channel, ts) = (field(body, "channel"), field(body, "ts"));
    let Some(message) = state.message_mut(channel, ts).filter(|m| m.by_bot()) else {
        state.violation(format!(
            "chat.update of {channel}/{ts}, no message of the bot"
        ));
        return error("message_not_found");
    };
    message.text = field(body, "text").to_owned();
    message.blocks = body["blocks"].clone();
    message.edits += 1;
    ok(
        json!({"channel": channel, "ts": ts, "text": body["text"], "message": {"text": body["text"]}}),
    )
}

fn delete(state: &mut FakeState, body: &Value) -> Response {
    let (channel, ts) = (field(body, "channel"), field(body, "ts"));
    let Some(message) = state.message_mut(channel, ts).filter(|m| m.by_bot()) else {
        state.violation(format!(
            "chat.delete of {channel}/{ts}, no message of the bot"
        ));
        return error("message_not_found");
    };
    message.deleted = true;
    ok(json!({"channel": channel, "ts": ts}))
}

/// `chat.unfurl`: by `channel`+`ts` or `unfurl_id`+`source`; every key must be a link the
/// fake shared for that message.
fn unfurl(state: &mut FakeState, body: &Value) -> Response {
    let target = state.shared_links.iter().find(|l| {
        (l.channel == field(body, "channel") && l.ts == field(body, "ts"))
            || (!l.unfurl_id.is_empty() && l.unfurl_id == field(body, "unfurl_id"))
    });
    let Some((channel, ts)) = target.map(|l| (l.channel.clone(), l.ts.clone())) else {
        state.violation(format!(
            "chat.unfurl for a message with no shared links: {body}"
        ));
        return error("cannot_unfurl_message");
    };
    let Some(unfurls) = body["unfurls"].as_object() else {
        state.violation("chat.unfurl without an unfurls object");
        return error("invalid_unfurls_format");
    };
    for (url, preview) in unfurls {
        check_preview(state, &channel, &ts, url, preview);
    }
    ok(json!({}))
}

fn check_preview(state: &mut FakeState, channel: &str, ts: &str, url: &str, preview: &Value) {
    if !state
        .shared_links
        .iter()
        .any(|l| l.channel == channel && l.ts == ts && l.url == url)
    {
        state.violation(format!(
            "chat.unfurl of {url}, which was not shared in {channel}/{ts}"
        ));
    }
    let mut problems = check_blocks(&preview["blocks"]);
    problems.extend(
        find_pings(preview)
            .into_iter()
            .map(|text| format!("would ping: {text:?}")),
    );
    state
        .violations
        .extend(problems.into_iter().map(|p| format!("chat.unfurl: {p}")));
    let existing = state
        .unfurls
        .iter_mut()
        .find(|u| u.channel == channel && u.ts == ts && u.url == url);
    match existing {
        Some(unfurl) => {
            unfurl.blocks = preview["blocks"].clone();
            unfurl.sends += 1;
        }
        None => state.unfurls.push(Unfurl {
            channel: channel.to_owned(),
            ts: ts.to_owned(),
            url: url.to_owned(),
            blocks: preview["blocks"].clone(),
            sends: 1,
        }),
    }
}
