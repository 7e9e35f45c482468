//! Faults the fake Xalantis can inject, and the responses they produce.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use serde_json::json;

/// Size of the chunks a [`Fault::HugeBody`] is streamed in.
const HUGE_BODY_CHUNK: usize = 64 * 1024;

/// A way for the fake to misbehave on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This HTTP status with the `ErrorEnvelope` whose code fits it (401 `UNAUTHORIZED`,
    /// 403 `FORBIDDEN`, 404 `NOT_FOUND`, 429 `RATE_LIMITED`, 5xx `INTERNAL_ERROR`, else
    /// `BAD_REQUEST`).
    Status(u16),
    /// 429 with this `Retry-After` header value (none when `None`).
    RateLimited {
        /// The header value, e.g. `"1"`.
        retry_after: Option<String>,
    },
    /// An `ErrorEnvelope` with any status and code, e.g. `NOT_FOUND` with 200.
    Envelope {
        /// HTTP status.
        status: u16,
        /// `error.code`.
        code: String,
    },
    /// 200 with an HTML body.
    NotJson,
    /// 200 with JSON cut in the middle (complete HTTP response, wrong JSON).
    TruncatedJson,
    /// 200 with valid JSON that is no ticket and no list.
    WrongShape,
    /// 200 with a valid ticket of `bytes` bytes (a huge description) streamed in 64 KiB chunks,
    /// never held in memory; with `Content-Length` when `declare_length`, chunked otherwise.
    HugeBody {
        /// Total body size.
        bytes: usize,
        /// Whether to send `Content-Length`.
        declare_length: bool,
    },
    /// Answers normally, but only after this long (slower than the bot's timeout).
    Slow(Duration),
    /// Sends the headers and part of the body, then drops the connection.
    ResetMidBody,
}

impl Fault {
    /// 200 with the `NOT_FOUND` envelope.
    pub fn not_found_with_200() -> Self {
        Self::Envelope {
            status: 200,
            code: "NOT_FOUND".into(),
        }
    }

    /// A 50 MB chunked body.
    pub fn huge_body() -> Self {
        Self::HugeBody {
            bytes: 50_000_000,
            declare_length: false,
        }
    }

    /// The response for this fault (`Slow` is applied by the middleware instead).
    pub(super) fn response(self) -> Response {
        match self {
            Self::Status(status) => envelope(status, code_for(status), "injected fault"),
            Self::RateLimited { retry_after } => rate_limited(retry_after.as_deref()),
            Self::Envelope { status, code } => envelope(status, &code, "injected fault"),
            Self::NotJson => json_typed("<html><body>Bad gateway</body></html>"),
            Self::TruncatedJson => json_typed(r#"{"ticket": {"uuid": "be2dde82-493c-44f8"#),
            Self::WrongShape => json_typed(r#"{"items": [1, 2, 3], "ticket": "VEN1-000079"}"#),
            Self::HugeBody {
                bytes,
                declare_length,
            } => huge_body(bytes, declare_length),
            Self::ResetMidBody => reset_mid_body(),
            Self::Slow(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// The documented `ErrorEnvelope` with `status`.
pub(super) fn envelope(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"success": false, "error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

fn code_for(status: u16) -> &'static str {
    match status {
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        429 => "RATE_LIMITED",
        500..=599 => "INTERNAL_ERROR",
        _ => "BAD_REQUEST",
    }
}

fn rate_limited(retry_after: Option<&str>) -> Response {
    let mut response = envelope(429, "RATE_LIMITED", "too many requests");
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn json_typed(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A valid ticket whose description is long enough to make the whole body `bytes` long.
fn huge_body(bytes: usize, declare_length: bool) -> Response {
    const HEAD: &str = r#"{"ticket": {"uuid": "be2dde82-493c-44f8-9118-e468b5c1c732", "reference": "VEN1-000079", "subject": "Huge", "status": "open", "description": ""#;
    const TAIL: &str = r#""}}"#;
    let filler = bytes.saturating_sub(HEAD.len() + TAIL.len());
    let (full, rest) = (filler / HUGE_BODY_CHUNK, filler % HUGE_BODY_CHUNK);
    let chunk = Bytes::from(vec![b'x'; HUGE_BODY_CHUNK]);
    let chunks = futures::stream::once(async { Bytes::from_static(HEAD.as_bytes()) })
        .chain(futures::stream::repeat(chunk).take(full))
        .chain(futures::stream::once(async move {
            Bytes::from(vec![b'x'; rest])
        }))
        .chain(futures::stream::once(async {
            Bytes::from_static(TAIL.as_bytes())
        }))
        .map(Ok::<_, std::io::Error>);
    let mut response = (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(chunks),
    )
        .into_response();
    if declare_length {
        let total = HEAD.len() + filler + TAIL.len();
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    }
    response
}

/// Part of a ticket, then (once it has been flushed) a body error: hyper drops the connection
/// mid-body.
fn reset_mid_body() -> Response {
    let head = futures::stream::once(async {
        Ok(Bytes::from_static(br#"{"ticket": {"uuid": "be2dde82-"#))
    });
    let reset = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))
    });
    let mut response = (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(head.chain(reset)),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(4096_u32));
    response
}
