//! The fake's router: a middleware that records, delays, injects faults and checks the token,
//! then `GET /api/tickets/{uuid}` and `GET /api/tickets`.

use std::cmp::Ordering as CmpOrdering;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Path, Query, Request, State as Extract};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::fault::{Fault, envelope};
use super::{RecordedCall, Shared, Wrapper};

/// Fields `sort_by` accepts, as the real API documents them.
const SORTABLE: [&str; 6] = [
    "created_at",
    "updated_at",
    "priority",
    "status",
    "due_at",
    "reference",
];
/// The API's default page size of `GET /tickets`.
const DEFAULT_PER_PAGE: usize = 15;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/tickets", get(list_tickets))
        .route("/api/tickets/{uuid}", get(get_ticket))
        .fallback(|| async { envelope(404, "NOT_FOUND", "No route.") })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            intercept,
        ))
        .with_state(shared)
}

/// Records the request, then applies the delay, an injected fault or the token check.
async fn intercept(
    Extract(shared): Extract<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let _in_flight = InFlight::enter(&shared);
    let (fault, delay, required_token) = {
        let mut state = shared.state();
        state.calls.push(record(&request));
        (
            state.take_fault(request.uri().path()),
            state.delay,
            state.required_token.clone(),
        )
    };
    tokio::time::sleep(delay).await;
    match fault {
        Some(Fault::Slow(extra)) => tokio::time::sleep(extra).await,
        Some(fault) => return fault.response(),
        None => {}
    }
    let authorization = header_text(&request, header::AUTHORIZATION);
    if required_token.is_some_and(|token| authorization != Some(format!("Bearer {token}"))) {
        return envelope(401, "UNAUTHORIZED", "Unauthenticated.");
    }
    next.run(request).await
}

fn record(request: &Request) -> RecordedCall {
    let params = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|Query(params)| params)
        .unwrap_or_default();
    RecordedCall {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        params,
        authorization: header_text(request, header::AUTHORIZATION),
        accept: header_text(request, header::ACCEPT),
        user_agent: header_text(request, header::USER_AGENT),
    }
}

fn header_text(request: &Request, name: header::HeaderName) -> Option<String> {
    let value = request.headers().get(name)?;
    Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// Counts a request in flight, and the highest count seen, until dropped.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn get_ticket(Extract(shared): Extract<Arc<Shared>>, Path(uuid): Path<String>) -> Response {
    let state = shared.state();
    let Some(ticket) = state.ticket(&uuid).cloned() else {
        return envelope(404, "NOT_FOUND", "Ticket not found.");
    };
    let body = match state.wrapper {
        Wrapper::Ticket => json!({ "ticket": ticket }),
        Wrapper::Data => json!({ "data": ticket }),
        Wrapper::Bare => ticket,
    };
    axum::Json(body).into_response()
}

async fn list_tickets(
    Extract(shared): Extract<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let page = match ListPage::from_params(&params) {
        Ok(page) => page,
        Err(message) => return envelope(422, "VALIDATION_ERROR", &message),
    };
    let mut matching: Vec<Value> = {
        let state = shared.state();
        let search = params.get("search").map(|s| s.to_lowercase());
        let wanted = |t: &&Value| search.as_deref().is_none_or(|s| matches_search(t, s));
        state.tickets.iter().filter(wanted).cloned().collect()
    };
    matching.sort_by(|a, b| page.compare(a, b));
    axum::Json(page.body(&matching)).into_response()
}

/// Partial, case-insensitive match on reference, subject and requester e-mail.
fn matches_search(ticket: &Value, search: &str) -> bool {
    [
        &ticket["reference"],
        &ticket["subject"],
        &ticket["requester"]["email"],
    ]
    .iter()
    .filter_map(|field| field.as_str())
    .any(|text| text.to_lowercase().contains(search))
}

/// The validated paging and sorting parameters of a list request.
struct ListPage {
    per_page: usize,
    page: usize,
    sort_by: String,
    descending: bool,
}

impl ListPage {
    fn from_params(params: &HashMap<String, String>) -> Result<Self, String> {
        let number = |name: &str, default: usize, max: usize| match params.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| format!("The {name} field must be between 1 and {max}.")),
        };
        let sort_by = params.get("sort_by").map_or("created_at", String::as_str);
        if !SORTABLE.contains(&sort_by) {
            return Err(format!("The selected sort_by is invalid: {sort_by}."));
        }
        Ok(Self {
            per_page: number("per_page", DEFAULT_PER_PAGE, 100)?,
            page: number("page", 1, usize::MAX)?,
            sort_by: sort_by.to_owned(),
            descending: params.get("sort_dir").is_none_or(|d| d != "asc"),
        })
    }

    fn compare(&self, a: &Value, b: &Value) -> CmpOrdering {
        let key = |t: &Value| t[&self.sort_by].as_str().unwrap_or_default().to_owned();
        let order = key(a).cmp(&key(b));
        if self.descending {
            order.reverse()
        } else {
            order
        }
    }

    fn body(&self, matching: &[Value]) -> Value {
        let total = matching.len();
        let items: Vec<&Value> = matching
            .iter()
            .skip((self.page - 1).saturating_mul(self.per_page))
            .take(self.per_page)
            .collect();
        let last_page = total.div_ceil(self.per_page).max(1);
        json!({
            "data": items,
            "meta": {"current_page": self.page, "per_page": self.per_page, "total": total, "last_page": last_page},
            "links": {"next": null, "prev": null},
        })
    }
}
