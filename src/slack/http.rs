//! The HTTP Events API on `HTTP_BIND` (when `SLACK_SIGNING_SECRET` is set): `POST /slack/events`,
//! `/slack/commands` and `/slack/interactions`, merged into the ops server's router.
//!
//! Every request's signature is checked over the raw body before anything else (401 when it
//! fails); events are acknowledged at once and handled in the background, retries dropped by
//! `event_id`; a slash command's answer is the response body when ready within
//! [`super::commands::ACK_BUDGET`].

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use serde_json::json;

use super::commands::SlashCommand;
use super::events::Delivery;
use super::handler::Handler;
use super::interactions::Interaction;
use super::verify::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, unix_now};

/// Path of the Events API Request URL.
pub const EVENTS_PATH: &str = "/slack/events";
/// Path of the slash command Request URL.
pub const COMMANDS_PATH: &str = "/slack/commands";
/// Path of the interactivity Request URL.
pub const INTERACTIONS_PATH: &str = "/slack/interactions";

#[derive(Clone)]
struct Routes {
    handler: Arc<Handler>,
    verifier: Verifier,
}

/// The three Slack routes, answering through `handler`, checking signatures with `verifier`.
pub fn router(handler: Arc<Handler>, verifier: Verifier) -> Router {
    Router::new()
        .route(EVENTS_PATH, post(events))
        .route(COMMANDS_PATH, post(commands))
        .route(INTERACTIONS_PATH, post(interactions))
        .with_state(Routes { handler, verifier })
}

impl Routes {
    /// `Err` with the response to send when the request is unsigned, forged or replayed, or
    /// when the bot is shutting down (Slack retries elsewhere or later).
    fn admit(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), (StatusCode, &'static str)> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Err(error) = self.verifier.verify(
            header(TIMESTAMP_HEADER),
            header(SIGNATURE_HEADER),
            body,
            unix_now(),
        ) {
            tracing::warn!(%error, "refused a Slack request");
            return Err((StatusCode::UNAUTHORIZED, "invalid Slack signature\n"));
        }
        if self.handler.shutting_down() {
            return Err((StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"));
        }
        Ok(())
    }
}

async fn events(State(routes): State<Routes>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = routes.admit(&headers, &body) {
        return refused.into_response();
    }
    match serde_json::from_slice::<Delivery>(&body) {
        Ok(Delivery::UrlVerification { challenge }) => {
            Json(json!({ "challenge": challenge })).into_response()
        }
        Ok(Delivery::EventCallback(callback)) => {
            routes.handler.on_event(*callback);
            StatusCode::OK.into_response()
        }
        Ok(Delivery::Other) => StatusCode::OK.into_response(),
        Err(error) => bad_request(&error),
    }
}

async fn commands(State(routes): State<Routes>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = routes.admit(&headers, &body) {
        return refused.into_response();
    }
    if is_ssl_check(&body) {
        return StatusCode::OK.into_response();
    }
    let Some(command) = SlashCommand::from_form(&body) else {
        return bad_request(&"not a slash command form");
    };
    match routes.handler.on_command(command).await {
        Some(answer) => Json(answer).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

async fn interactions(State(routes): State<Routes>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = routes.admit(&headers, &body) {
        return refused.into_response();
    }
    let Some(interaction) = Interaction::from_form(&body) else {
        return bad_request(&"not an interaction payload");
    };
    routes.handler.on_interaction(interaction);
    StatusCode::OK.into_response()
}

/// Slack's periodic check of a slash command's Request URL (`ssl_check=1`): answered 200.
fn is_ssl_check(body: &[u8]) -> bool {
    url::form_urlencoded::parse(body).any(|(key, value)| key == "ssl_check" && value == "1")
}

fn bad_request(error: &dyn std::fmt::Display) -> Response {
    tracing::warn!(%error, "unreadable Slack request");
    StatusCode::BAD_REQUEST.into_response()
}
