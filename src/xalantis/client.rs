//! HTTP client for the Xalantis REST API.
//!
//! One `reqwest::Client` (timeout, `Accept`, `User-Agent`, sensitive bearer header) is built once
//! and shared by every clone. Only a validated UUID ever goes into a URL path; query values go
//! through reqwest's query builder. Bodies are read chunk by chunk up to a size limit. Server
//! errors and lost connections are retried a bounded number of times with exponential backoff;
//! a 429 opens a `Retry-After` window that every clone respects, so a rate limit never turns
//! into a retry storm (both in the private `retry` module). An optional
//! [`RequestObserver`] sees each request's duration and outcome (metrics, health).
//!
//! ```no_run
//! # async fn demo() -> Result<(), xalantis_bot::xalantis::XalantisError> {
//! use xalantis_bot::secret::Secret;
//! use xalantis_bot::xalantis::client::{ClientConfig, XalantisClient};
//! let base = url::Url::parse("https://app.xalantis.com/api").expect("a valid URL");
//! let client = XalantisClient::new(ClientConfig::new(base, Some(Secret::new("sk_live_…"))))?;
//! if let Some(ticket) = client.find_ticket_by_reference("VEN1-000079").await? {
//!     println!("{} · {}", ticket.reference, ticket.subject);
//! }
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use super::error::{envelope_outcome, status_error, transport_error, undecodable};
use super::retry::{RateWindow, Retries};
use super::{RequestObserver, Ticket, XalantisError};
use crate::secret::Secret;

/// Default request timeout (`XALANTIS_TIMEOUT_SECS`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default largest response body read; anything longer is refused unread.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Bytes of response bodies read and parsed at once, over every request of a client. A body
/// reserves its declared length, or the largest body allowed when it declares none, before it
/// is read, and keeps the reservation until it is parsed: so a Xalantis sending huge or
/// endless bodies to many calls at once costs at most this (and a few bodies wait), not the
/// body limit times the calls in flight.
pub const BODY_BUDGET_BYTES: usize = 8 * 1024 * 1024;
/// Default longest `Retry-After` the client waits out before giving up.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(5);
/// Default number of retries after a 5xx or a lost connection.
pub const DEFAULT_SERVER_RETRIES: u32 = 2;
/// Default delay before the first retry; it doubles for each further one.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(200);
/// Window assumed when a 429 carries no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Longest rate-limit window honoured, whatever the server asks (a broken header must not
/// silence the bot for a day).
pub const MAX_RATE_LIMIT_WINDOW: Duration = Duration::from_secs(300);
/// Page size of a reference search: the API's maximum, because the search matches partially.
pub const REFERENCE_SEARCH_PAGE_SIZE: u8 = 100;
/// Longest reference the client searches for.
pub const MAX_REFERENCE_LEN: usize = 64;
/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!(
    "xalantis-bot/",
    env!("CARGO_PKG_VERSION"),
    " (+",
    env!("CARGO_PKG_REPOSITORY"),
    ")"
);

/// Settings of the client (from `XALANTIS_API_URL`, `XALANTIS_API_TOKEN`, `XALANTIS_TIMEOUT_SECS`).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API base, e.g. `https://app.xalantis.com/api` (paths such as `/tickets/{uuid}` are appended).
    pub base_url: Url,
    /// Bearer token; `None` sends no `Authorization` header (the offline demo).
    pub token: Option<Secret>,
    /// Timeout of one request, body included.
    pub timeout: Duration,
    /// Largest response body read.
    pub max_body_bytes: usize,
    /// Longest `Retry-After` waited out; a longer one fails at once with `RateLimited`.
    pub max_retry_after: Duration,
    /// Retries after a 5xx or a lost connection.
    pub server_retries: u32,
    /// Delay before the first of those retries; it doubles for each further one.
    pub retry_backoff: Duration,
}

impl ClientConfig {
    /// Settings with the defaults above for everything but the base URL and the token.
    pub fn new(base_url: Url, token: Option<Secret>) -> Self {
        Self {
            base_url,
            token,
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            server_retries: DEFAULT_SERVER_RETRIES,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
        }
    }
}

/// A Xalantis API client. Cheap to clone: clones share the connection pool, the rate-limit
/// window, the request counter and the observer.
#[derive(Debug, Clone)]
pub struct XalantisClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    rate_window: Arc<RateWindow>,
    requests_sent: Arc<AtomicU64>,
    observer: Option<Arc<dyn RequestObserver>>,
    /// [`BODY_BUDGET_BYTES`] in KiB, at least one largest body.
    body_budget: Arc<Semaphore>,
}

impl XalantisClient {
    /// Builds a client for `config.base_url`. Fails when the base is not an `http(s)` URL or
    /// the token cannot be an HTTP header value.
    pub fn new(config: ClientConfig) -> Result<Self, XalantisError> {
        check_base_url(&config.base_url)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(USER_AGENT)
            .default_headers(default_headers(config.token.as_ref())?)
            .build()
            .map_err(|e| {
                XalantisError::Unreachable(format!("cannot build the HTTP client: {e}"))
            })?;
        let budget_kib = BODY_BUDGET_BYTES
            .max(config.max_body_bytes)
            .div_ceil(1024)
            .min(Semaphore::MAX_PERMITS);
        Ok(Self {
            http,
            config: Arc::new(config),
            rate_window: Arc::default(),
            requests_sent: Arc::default(),
            observer: None,
            body_budget: Arc::new(Semaphore::new(budget_kib)),
        })
    }

    /// The same client, telling `observer` about every request it sends from now on.
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn RequestObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// `GET {base}/tickets/{uuid}`. `Ok(None)` when the ticket does not exist, and without any
    /// request when `uuid` is not a UUID (it goes into the URL path).
    pub async fn fetch_ticket(&self, uuid: &str) -> Result<Option<Ticket>, XalantisError> {
        let Some(uuid) = canonical_uuid(uuid) else {
            return Ok(None);
        };
        let Some(body) = self
            .get_json(&self.endpoint(&["tickets", &uuid]), &[])
            .await?
        else {
            return Ok(None);
        };
        let ticket = Ticket::from_response(&body).ok_or_else(|| undecodable("not a ticket"))?;
        Ok(Some(ticket))
    }

    /// `GET {base}/tickets?search=<reference>`, then the item whose `reference` equals it
    /// exactly (case-insensitive). `Ok(None)` when there is none.
    pub async fn find_ticket_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<Ticket>, XalantisError> {
        let reference = reference.trim();
        if !is_searchable_reference(reference) {
            return Ok(None);
        }
        let per_page = REFERENCE_SEARCH_PAGE_SIZE.to_string();
        let tickets = self
            .list(&[("search", reference), ("per_page", &per_page)])
            .await?;
        let wanted = reference.to_lowercase();
        Ok(tickets
            .into_iter()
            .find(|t| t.reference.to_lowercase() == wanted))
    }

    /// `GET {base}/tickets?per_page=N&sort_by=created_at&sort_dir=desc`: the most recent
    /// tickets (`per_page` clamped to the API's 1–100).
    pub async fn recent_tickets(&self, per_page: u8) -> Result<Vec<Ticket>, XalantisError> {
        let per_page = per_page.clamp(1, 100).to_string();
        let query = [
            ("per_page", per_page.as_str()),
            ("sort_by", "created_at"),
            ("sort_dir", "desc"),
        ];
        self.list(&query).await
    }

    /// HTTP requests sent so far by this client and its clones, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.requests_sent.load(Ordering::Relaxed)
    }

    async fn list(&self, query: &[(&str, &str)]) -> Result<Vec<Ticket>, XalantisError> {
        let Some(body) = self.get_json(&self.endpoint(&["tickets"]), query).await? else {
            return Ok(Vec::new());
        };
        let is_list = ["data", "tickets"]
            .iter()
            .any(|key| body.get(key).is_some_and(Value::is_array))
            || body.is_array();
        if !is_list {
            return Err(undecodable("not a ticket list"));
        }
        Ok(Ticket::list_from_response(&body))
    }

    /// The base URL with `segments` appended, keeping the base's own path (`/api`).
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.config.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// One logical GET: waits out an open rate-limit window, retries within the bounds.
    /// `Ok(None)` means "not found".
    async fn get_json(
        &self,
        url: &Url,
        query: &[(&str, &str)],
    ) -> Result<Option<Value>, XalantisError> {
        let mut retries = Retries::default();
        loop {
            self.rate_window.wait(self.config.max_retry_after).await?;
            let error = match self.observed_attempt(url, query).await {
                Err(error) => error,
                answer => return answer,
            };
            self.note_failure(url, &error);
            match retries.delay_before_next(&error, &self.config) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(error),
            }
        }
    }

    fn note_failure(&self, url: &Url, error: &XalantisError) {
        match error {
            XalantisError::RateLimited { retry_after } => {
                self.rate_window
                    .open(retry_after.unwrap_or(DEFAULT_RETRY_AFTER));
                tracing::warn!(
                    path = url.path(),
                    ?retry_after,
                    "Xalantis rate limit reached"
                );
            }
            XalantisError::AccessRefused { status } => tracing::error!(
                status,
                path = url.path(),
                "Xalantis refused the bot's access: check XALANTIS_API_TOKEN and its tickets:read scope"
            ),
            other => tracing::warn!(path = url.path(), error = %other, "Xalantis call failed"),
        }
    }

    /// One request, timed and reported to the observer.
    async fn observed_attempt(
        &self,
        url: &Url,
        query: &[(&str, &str)],
    ) -> Result<Option<Value>, XalantisError> {
        let started = std::time::Instant::now();
        let answer = self.attempt(url, query).await;
        if let Some(observer) = &self.observer {
            observer.request_finished(started.elapsed(), answer.as_ref().map(drop));
        }
        answer
    }

    async fn attempt(
        &self,
        url: &Url,
        query: &[(&str, &str)],
    ) -> Result<Option<Value>, XalantisError> {
        self.requests_sent.fetch_add(1, Ordering::Relaxed);
        let request = self.http.get(url.clone()).query(query);
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if let Some(error) = status_error(&response) {
            return Err(error);
        }
        let limit = self.config.max_body_bytes;
        let _reserved = reserve(&self.body_budget, &response, limit).await?;
        let body = read_limited(response, limit).await?;
        let value = serde_json::from_slice(&body).map_err(|e| undecodable(&e.to_string()))?;
        envelope_outcome(value, status.as_u16())
    }
}

/// `s` in lower case if it is a UUID (8-4-4-4-12 hex digits), else `None`.
pub fn canonical_uuid(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let is_uuid = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    is_uuid.then(|| s.to_ascii_lowercase())
}

fn is_searchable_reference(reference: &str) -> bool {
    !reference.is_empty()
        && reference.chars().count() <= MAX_REFERENCE_LEN
        && !reference.chars().any(char::is_control)
}

fn check_base_url(base: &Url) -> Result<(), XalantisError> {
    if matches!(base.scheme(), "http" | "https") && !base.cannot_be_a_base() {
        Ok(())
    } else {
        Err(XalantisError::Unreachable(format!(
            "the API base URL {base} is not an http(s) URL"
        )))
    }
}

fn default_headers(token: Option<&Secret>) -> Result<HeaderMap, XalantisError> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(token) = token {
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                XalantisError::Unreachable("XALANTIS_API_TOKEN is not a valid header value".into())
            })?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    Ok(headers)
}

/// Waits for room in `budget` for the response's body: its declared length, or `limit` when it
/// declares none. A body declaring more than `limit` is refused at once.
async fn reserve(
    budget: &Arc<Semaphore>,
    response: &Response,
    limit: usize,
) -> Result<OwnedSemaphorePermit, XalantisError> {
    let declared = match response.content_length() {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => limit,
    };
    if declared > limit {
        return Err(undecodable("body too large"));
    }
    let kib = u32::try_from(declared.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
    Arc::clone(budget)
        .acquire_many_owned(kib)
        .await
        .map_err(|_| XalantisError::Unreachable("the client is shutting down".into()))
}

/// Reads the body chunk by chunk, refusing it as soon as it passes `limit` bytes (a declared
/// length over `limit` was refused by [`reserve`] already). The chunks are kept as they come
/// and joined once at the end, and only when there are several: a body in one chunk (most
/// tickets) is never copied, and a huge one refused midway never grew a buffer by doubling
/// (which held half as much again while it copied, and left glibc large blocks to keep).
async fn read_limited(mut response: Response, limit: usize) -> Result<Bytes, XalantisError> {
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut length = 0;
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        length += chunk.len();
        if length > limit {
            return Err(undecodable("body too large"));
        }
        chunks.push(chunk);
    }
    if chunks.len() <= 1 {
        return Ok(chunks.pop().unwrap_or_default());
    }
    Ok(Bytes::from(chunks.concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_uuids_in_paths() {
        let uuid = "BE2DDE82-493C-44F8-9118-E468B5C1C732";
        assert_eq!(
            canonical_uuid(uuid).as_deref(),
            Some("be2dde82-493c-44f8-9118-e468b5c1c732")
        );
        for bad in [
            "../tickets",
            "%2e%2e",
            "be2dde82-493c-44f8-9118-e468b5c1c73/",
            "",
            "ü",
        ] {
            assert_eq!(canonical_uuid(bad), None, "{bad}");
        }
    }
}
