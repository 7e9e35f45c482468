//! The REST routes serenity calls (paths after its proxy rewrite), answered from the store.
//! Every body the bot sends is checked by `spec` first; a bad one is recorded as a violation and
//! answered 400 like Discord ("Invalid Form Body", code 50035).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::spec::{self, Body};
use super::{APPLICATION_ID, Shared, gateway, interactions, message_body, payloads, recorder};

/// The whole router: REST under `/api/v10` (recorded) and `/gateway` (not recorded).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v10/gateway", get(gateway_url))
        .route("/api/v10/gateway/bot", get(gateway_bot))
        .route(
            "/api/v10/users/@me",
            get(|| async { Json(payloads::bot_user()) }),
        )
        .route(
            "/api/v10/oauth2/applications/@me",
            get(|| async { Json(payloads::application()) }),
        )
        .route(
            "/api/v10/applications/{app}/commands",
            put(put_global_commands).get(get_global_commands),
        )
        .route(
            "/api/v10/applications/{app}/guilds/{guild}/commands",
            put(put_guild_commands).get(get_guild_commands),
        )
        .route("/api/v10/channels/{channel}/messages", post(create_message))
        .route(
            "/api/v10/channels/{channel}/messages/{message}",
            get(get_message).patch(edit_message).delete(delete_message),
        )
        .merge(interactions::routes())
        .fallback(
            |uri: Uri| async move { RestError::not_found(&format!("no route {}", uri.path()), 0) },
        )
        .layer(from_fn_with_state(shared.clone(), recorder::record))
        .route("/gateway", get(gateway::upgrade))
        .with_state(shared)
}

/// A Discord-like error answer.
#[derive(Debug)]
pub(crate) struct RestError {
    status: StatusCode,
    body: Value,
}

impl RestError {
    /// 404 with a Discord error code (10008 unknown message, 10015 unknown webhook, ...).
    pub(crate) fn not_found(message: &str, code: u32) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: json!({"message": message, "code": code}),
        }
    }

    /// 400 with a Discord error code.
    pub(crate) fn bad_request(message: &str, code: u32) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({"message": message, "code": code}),
        }
    }

    fn invalid_form_body(problems: &[String]) -> Self {
        let errors: Vec<Value> = problems
            .iter()
            .map(|p| json!({"code": "INVALID", "message": p}))
            .collect();
        let body =
            json!({"message": "Invalid Form Body", "code": 50035, "errors": {"_errors": errors}});
        Self {
            status: StatusCode::BAD_REQUEST,
            body,
        }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Answer type of the routes.
pub(crate) type RestResult<T = Json<Value>> = Result<T, RestError>;

impl Shared {
    /// Parses and checks a body; problems become violations and a 400.
    pub(crate) fn checked_body(&self, kind: Body, uri: &Uri, bytes: &[u8]) -> RestResult<Value> {
        let problems = match serde_json::from_slice::<Value>(bytes) {
            Ok(body) => match spec::check_body(kind, &body) {
                problems if problems.is_empty() => return Ok(body),
                problems => problems,
            },
            Err(error) => vec![format!(": the body is not JSON: {error}")],
        };
        self.reject(uri, &problems);
        Err(RestError::invalid_form_body(&problems))
    }

    /// Records violations of a request to `uri`.
    pub(crate) fn reject(&self, uri: &Uri, problems: &[String]) {
        let mut violations = self.violations.lock().expect("violations lock");
        violations.extend(problems.iter().map(|p| format!("{}: {p}", uri.path())));
    }

    /// Refuses paths naming another application (a bot bug real Discord would refuse too).
    pub(crate) fn check_application(&self, uri: &Uri, app: u64) -> RestResult<()> {
        if app == APPLICATION_ID {
            return Ok(());
        }
        self.reject(
            uri,
            &[format!(
                ": unknown application id {app}, expected {APPLICATION_ID}"
            )],
        );
        Err(RestError::not_found("Unknown Application", 10002))
    }
}

async fn gateway_url(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"url": shared.gateway_url}))
}

async fn gateway_bot(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let limit = json!({"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1});
    Json(json!({"url": shared.gateway_url, "shards": 1, "session_start_limit": limit}))
}

async fn put_global_commands(
    State(shared): State<Arc<Shared>>,
    Path(app): Path<u64>,
    uri: Uri,
    bytes: Bytes,
) -> RestResult {
    put_commands(&shared, app, None, &uri, &bytes)
}

async fn put_guild_commands(
    State(shared): State<Arc<Shared>>,
    Path((app, guild)): Path<(u64, u64)>,
    uri: Uri,
    bytes: Bytes,
) -> RestResult {
    put_commands(&shared, app, Some(guild), &uri, &bytes)
}

fn put_commands(
    shared: &Shared,
    app: u64,
    guild: Option<u64>,
    uri: &Uri,
    bytes: &[u8],
) -> RestResult {
    shared.check_application(uri, app)?;
    let body = shared.checked_body(Body::CommandsOverwrite, uri, bytes)?;
    let commands = body.as_array().map(Vec::as_slice).unwrap_or_default();
    let registered = commands
        .iter()
        .map(|c| message_body::registered_command(shared.next_id(), guild, c))
        .collect();
    Ok(Json(json!(shared.store().set_commands(guild, registered))))
}

async fn get_global_commands(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(shared.store().commands(None)))
}

async fn get_guild_commands(
    State(shared): State<Arc<Shared>>,
    Path((_, guild)): Path<(u64, u64)>,
) -> Json<Value> {
    Json(json!(shared.store().commands(Some(guild))))
}

async fn create_message(
    State(shared): State<Arc<Shared>>,
    Path(channel): Path<u64>,
    uri: Uri,
    bytes: Bytes,
) -> RestResult {
    let body = shared.checked_body(Body::MessageCreate, &uri, &bytes)?;
    let id = shared.next_id();
    let mut store = shared.store();
    let channel = store.channel(channel);
    Ok(Json(store.create_bot_message(id, channel, &body)))
}

async fn get_message(
    State(shared): State<Arc<Shared>>,
    Path((_, message)): Path<(u64, u64)>,
) -> RestResult {
    shared
        .store()
        .message(message)
        .cloned()
        .map(Json)
        .ok_or_else(unknown_message)
}

async fn edit_message(
    State(shared): State<Arc<Shared>>,
    Path((_, message)): Path<(u64, u64)>,
    uri: Uri,
    bytes: Bytes,
) -> RestResult {
    let body = shared.checked_body(Body::MessageEdit, &uri, &bytes)?;
    shared
        .store()
        .edit_message(message, &body)
        .map(Json)
        .ok_or_else(unknown_message)
}

async fn delete_message(
    State(shared): State<Arc<Shared>>,
    Path((_, message)): Path<(u64, u64)>,
) -> RestResult<StatusCode> {
    if shared.store().delete_message(message) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unknown_message())
    }
}

/// Discord's answer for a message that does not exist (any more).
pub(crate) fn unknown_message() -> RestError {
    RestError::not_found("Unknown Message", 10008)
}
