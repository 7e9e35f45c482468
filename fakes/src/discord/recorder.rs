//! Every REST request recorded (method, path, headers, JSON body, answer status), and faults
//! injected before a request reaches its route, e.g.
//! `Fault::rate_limited(0.5).times(2)` answers the next two matching requests 429.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;

/// One REST request the bot made.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method, upper case.
    pub method: String,
    /// Path without the query, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON (`None` when empty or not JSON).
    pub body: Option<Value>,
    /// The raw body as text (lossy UTF-8).
    pub body_text: String,
    /// The status the fake answered.
    pub status: u16,
    /// When the request arrived.
    pub received_at: Instant,
}

impl RecordedRequest {
    /// The value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is `method` on a path starting with `path_prefix`.
    pub fn is(&self, method: &str, path_prefix: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path.starts_with(path_prefix)
    }
}

/// A canned failure for the next matching REST requests.
#[derive(Clone, Debug)]
pub struct Fault {
    status: u16,
    body: Value,
    retry_after: Option<f64>,
    times: usize,
}

impl Fault {
    /// Answers `status` with a Discord-like error body, once.
    pub fn status(status: u16) -> Self {
        let body = json!({"message": format!("{status}: fake failure"), "code": 0});
        Self {
            status,
            body,
            retry_after: None,
            times: 1,
        }
    }

    /// 429 with `retry_after` (seconds) in the JSON body and the `Retry-After` and
    /// `X-RateLimit-*` headers, once.
    pub fn rate_limited(retry_after: f64) -> Self {
        let body = json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false});
        Self {
            status: 429,
            body,
            retry_after: Some(retry_after),
            times: 1,
        }
    }

    /// 404 "Unknown Message" (code 10008), as when editing a deleted message, once.
    pub fn unknown_message() -> Self {
        Self::status(404).body(json!({"message": "Unknown Message", "code": 10008}))
    }

    /// Replaces the JSON body.
    #[must_use]
    pub fn body(mut self, body: Value) -> Self {
        self.body = body;
        self
    }

    /// Applies to the next `times` matching requests.
    #[must_use]
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    fn response(&self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body.clone())).into_response();
        if let Some(seconds) = self.retry_after {
            add_rate_limit_headers(response.headers_mut(), seconds);
        }
        response
    }
}

fn add_rate_limit_headers(headers: &mut HeaderMap, seconds: f64) {
    let pairs = [
        ("retry-after", format!("{}", seconds.ceil())),
        ("x-ratelimit-limit", "5".to_owned()),
        ("x-ratelimit-remaining", "0".to_owned()),
        ("x-ratelimit-reset-after", format!("{seconds:.3}")),
        ("x-ratelimit-bucket", "fake-bucket".to_owned()),
        ("x-ratelimit-scope", "user".to_owned()),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// A fault waiting for requests that match it.
#[derive(Debug)]
pub(crate) struct FaultRule {
    pub(crate) method: String,
    pub(crate) path_prefix: String,
    pub(crate) fault: Fault,
}

/// Takes one use of the first fault matching the request, if any.
pub(crate) fn take_fault(rules: &mut Vec<FaultRule>, method: &str, path: &str) -> Option<Fault> {
    let index = rules.iter().position(|rule| {
        (rule.method == "*" || rule.method.eq_ignore_ascii_case(method))
            && path.starts_with(&rule.path_prefix)
    })?;
    let rule = &mut rules[index];
    rule.fault.times = rule.fault.times.saturating_sub(1);
    let fault = rule.fault.clone();
    if rule.fault.times == 0 {
        rules.remove(index);
    }
    Some(fault)
}

/// Middleware: buffers the body, applies a fault or runs the route, records the exchange.
pub(crate) async fn record(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let received_at = Instant::now();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, 64 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let (method, path) = (parts.method.to_string(), parts.uri.path().to_owned());
    let fault = take_fault(
        &mut shared.faults.lock().expect("faults lock"),
        &method,
        &path,
    );
    let mut recorded = RecordedRequest {
        method,
        path,
        query: parts.uri.query().map(str::to_owned),
        headers: header_pairs(&parts.headers),
        body: serde_json::from_slice(&bytes).ok(),
        body_text: String::from_utf8_lossy(&bytes).into_owned(),
        status: 0,
        received_at,
    };
    let response = match fault {
        Some(fault) => fault.response(),
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    };
    recorded.status = response.status().as_u16();
    shared.push_request(recorded);
    response
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    let text = |value: &HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned();
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), text(value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(method: &str, prefix: &str, fault: Fault) -> FaultRule {
        FaultRule {
            method: method.into(),
            path_prefix: prefix.into(),
            fault,
        }
    }

    #[test]
    fn a_fault_applies_the_given_number_of_times_to_matching_requests_only() {
        let mut rules = vec![rule(
            "POST",
            "/api/v10/channels/",
            Fault::status(500).times(2),
        )];
        assert!(take_fault(&mut rules, "GET", "/api/v10/channels/1/messages").is_none());
        assert!(take_fault(&mut rules, "post", "/api/v10/channels/1/messages").is_some());
        assert!(take_fault(&mut rules, "POST", "/api/v10/channels/2/messages").is_some());
        assert!(take_fault(&mut rules, "POST", "/api/v10/channels/3/messages").is_none());
    }

    #[test]
    fn rate_limited_answers_carry_retry_after_in_body_and_headers() {
        let response = Fault::rate_limited(1.5).response();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "2");
        assert_eq!(response.headers()["x-ratelimit-reset-after"], "1.500");
    }
}
