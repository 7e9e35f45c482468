//! A tiny Xalantis on 127.0.0.1 port 0 serving the sample tickets: `GET /api/tickets/{uuid}`
//! (`{"ticket": …}`) and `GET /api/tickets?search=&per_page=` (`{"data": […]}`, partial,
//! case-insensitive match on reference and subject), anything else a 404 `NOT_FOUND` envelope.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

/// The API's default page size of `GET /tickets`.
const DEFAULT_PER_PAGE: usize = 15;
/// The API's largest page size.
const MAX_PER_PAGE: usize = 100;

/// The sample Xalantis server; it stops when dropped.
#[derive(Debug)]
pub struct SampleXalantis {
    base_url: Url,
    server: JoinHandle<()>,
}

impl Drop for SampleXalantis {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SampleXalantis {
    /// Starts serving the samples, dated from now, on 127.0.0.1 port 0.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot start the sample Xalantis")?;
        let addr = listener
            .local_addr()
            .context("the sample Xalantis has no address")?;
        let tickets = Arc::new(super::sample_tickets(OffsetDateTime::now_utc()));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router(tickets)).await {
                tracing::warn!(%error, "the sample Xalantis stopped");
            }
        });
        let base_url =
            Url::parse(&format!("http://{addr}/api")).context("the sample Xalantis URL")?;
        Ok(Self { base_url, server })
    }

    /// The API base to give the client: `http://127.0.0.1:PORT/api`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
}

fn router(tickets: Arc<Vec<Value>>) -> Router {
    Router::new()
        .route("/api/tickets", get(list_tickets))
        .route("/api/tickets/{uuid}", get(get_ticket))
        .fallback(|| async { not_found("No route.") })
        .with_state(tickets)
}

async fn get_ticket(State(tickets): State<Arc<Vec<Value>>>, Path(uuid): Path<String>) -> Response {
    let found = tickets.iter().find(|t| {
        t["uuid"]
            .as_str()
            .is_some_and(|u| u.eq_ignore_ascii_case(&uuid))
    });
    match found {
        Some(ticket) => Json(json!({ "ticket": ticket })).into_response(),
        None => not_found("Ticket not found."),
    }
}

async fn list_tickets(
    State(tickets): State<Arc<Vec<Value>>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let search = params.get("search").map(|s| s.to_lowercase());
    let per_page = params
        .get("per_page")
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_PER_PAGE);
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let matching: Vec<&Value> = tickets
        .iter()
        .filter(|t| search.as_deref().is_none_or(|s| matches_search(t, s)))
        .collect();
    let page: Vec<&Value> = matching.iter().copied().take(per_page).collect();
    let meta = json!({"current_page": 1, "per_page": per_page, "total": matching.len()});
    Json(json!({ "data": page, "meta": meta })).into_response()
}

/// Partial, case-insensitive match on reference and subject, like the real search.
fn matches_search(ticket: &Value, search: &str) -> bool {
    [&ticket["reference"], &ticket["subject"]]
        .iter()
        .filter_map(|field| field.as_str())
        .any(|text| text.to_lowercase().contains(search))
}

/// The documented error envelope with 404.
fn not_found(message: &str) -> Response {
    let body = json!({"success": false, "error": {"code": "NOT_FOUND", "message": message}});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}
