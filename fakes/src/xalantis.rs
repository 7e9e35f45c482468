//! A fake Xalantis REST API for the tests, benchmarks and demos, on 127.0.0.1 port 0.
//! The real bot reaches it with `XALANTIS_API_URL=<base_url>` (`http://127.0.0.1:PORT/api`).
//!
//! It serves `GET /api/tickets/{uuid}` (wrapped as `{"ticket": …}` like the documented example,
//! or `{"data": …}`, or bare) and `GET /api/tickets?search=&per_page=&page=&sort_by=&sort_dir=`
//! (partial, case-insensitive match on reference, subject and requester e-mail, like the real
//! API, answered as `{"data": […], "meta": {…}, "links": {…}}`). Unknown tickets and paths get
//! a 404 with the documented `ErrorEnvelope`. Every request is recorded; faults can be injected
//! for the next N requests, or for the next N whose path contains a fragment.
//!
//! # Layout
//! - `fault`: [`Fault`] and the responses each one produces.
//! - `routes`: the router, the recording and fault-injecting middleware, the two endpoints.
//!
//! # Example
//! ```no_run
//! # async fn demo() {
//! use xalantis_fakes::xalantis::{EXAMPLE_TICKET_UUID, FakeXalantis, Fault};
//!
//! let xalantis = FakeXalantis::start().await;
//! xalantis.insert_example_ticket();
//! xalantis.inject(Fault::Status(503), 2);
//! // start the bot with XALANTIS_API_URL = xalantis.base_url() …
//! assert!(xalantis.calls().iter().all(|c| c.path.ends_with(EXAMPLE_TICKET_UUID)));
//! # }
//! ```

mod fault;
mod routes;

use axum::serve::ListenerExt as _;

use crate::no_delay;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use fault::Fault;

/// UUID of the documented example ticket.
pub const EXAMPLE_TICKET_UUID: &str = "be2dde82-493c-44f8-9118-e468b5c1c732";
/// Reference of the documented example ticket.
pub const EXAMPLE_TICKET_REFERENCE: &str = "VEN1-000079";
/// The documented `GET /tickets/{uuid}` response (a copy of `shared/xalantis`).
pub const EXAMPLE_RESPONSE: &str = include_str!("../../tests/fixtures/get-ticket-example.json");

/// How `GET /api/tickets/{uuid}` wraps the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wrapper {
    /// `{"ticket": {…}}`, as in the documented example.
    #[default]
    Ticket,
    /// `{"data": {…}}`, the Laravel convention.
    Data,
    /// The ticket object itself.
    Bare,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    /// HTTP method.
    pub method: String,
    /// Path as sent (still percent-encoded).
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Decoded query parameters, in order.
    pub params: Vec<(String, String)>,
    /// The `Authorization` header, if present.
    pub authorization: Option<String>,
    /// The `Accept` header, if present.
    pub accept: Option<String>,
    /// The `User-Agent` header, if present.
    pub user_agent: Option<String>,
}

impl RecordedCall {
    /// The decoded value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A fault waiting to be applied to matching requests.
#[derive(Debug, Clone)]
struct FaultRule {
    fault: Fault,
    remaining: usize,
    path_contains: Option<String>,
}

/// What the fake holds and was sent.
#[derive(Debug, Default)]
struct State {
    tickets: Vec<Value>,
    wrapper: Wrapper,
    delay: Duration,
    required_token: Option<String>,
    faults: Vec<FaultRule>,
    calls: Vec<RecordedCall>,
}

impl State {
    /// The fault for a request to `path`, consuming one use of the first matching rule.
    fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|rule| {
            rule.path_contains
                .as_deref()
                .is_none_or(|fragment| path.contains(fragment))
        })?;
        let rule = &mut self.faults[index];
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }

    fn ticket(&self, uuid: &str) -> Option<&Value> {
        self.tickets.iter().find(|t| {
            t["uuid"]
                .as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(uuid))
        })
    }
}

/// State shared by the fake's handle and its server task.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The fake Xalantis server. It stops when dropped.
#[derive(Debug)]
pub struct FakeXalantis {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeXalantis {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeXalantis {
    /// Starts an empty fake on 127.0.0.1, port 0.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::default());
        let router = routes::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            axum::serve(listener.tap_io(no_delay), router).await.ok();
        });
        Self {
            addr,
            shared,
            server,
        }
    }

    /// The API base to configure the bot with: `http://127.0.0.1:PORT/api`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// The socket address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `ticket` (a bare ticket object), replacing any ticket with the same UUID.
    /// Panics when it is not an object with a string `uuid`: a wrong fixture fails loudly.
    pub fn insert_ticket(&self, ticket: Value) {
        let uuid = ticket["uuid"]
            .as_str()
            .unwrap_or_else(|| panic!("a fake ticket needs a string uuid: {ticket}"))
            .to_owned();
        let mut state = self.shared.state();
        state.tickets.retain(|t| {
            !t["uuid"]
                .as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(&uuid))
        });
        state.tickets.push(ticket);
    }

    /// Serves the documented example ticket ([`example_ticket`]).
    pub fn insert_example_ticket(&self) {
        self.insert_ticket(example_ticket());
    }

    /// Stops serving the ticket with this UUID.
    pub fn remove_ticket(&self, uuid: &str) {
        let mut state = self.shared.state();
        state.tickets.retain(|t| {
            !t["uuid"]
                .as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(uuid))
        });
    }

    /// Chooses how single tickets are wrapped.
    pub fn set_wrapper(&self, wrapper: Wrapper) {
        self.shared.state().wrapper = wrapper;
    }

    /// Delays every response by `delay` (a Xalantis that answers slowly).
    pub fn set_delay(&self, delay: Duration) {
        self.shared.state().delay = delay;
    }

    /// Answers 401 with the `UNAUTHORIZED` envelope unless `Authorization: Bearer <token>` is
    /// sent; `None` accepts any request.
    pub fn require_token(&self, token: Option<&str>) {
        self.shared.state().required_token = token.map(str::to_owned);
    }

    /// Applies `fault` to the next `times` requests.
    pub fn inject(&self, fault: Fault, times: usize) {
        self.push_fault(fault, times, None);
    }

    /// Applies `fault` to the next `times` requests whose path contains `path_fragment`.
    pub fn inject_on(&self, path_fragment: &str, fault: Fault, times: usize) {
        self.push_fault(fault, times, Some(path_fragment.to_owned()));
    }

    /// Drops every fault not yet applied.
    pub fn clear_faults(&self) {
        self.shared.state().faults.clear();
    }

    /// Every request received so far, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.state().calls.clone()
    }

    /// How many requests were received so far.
    pub fn call_count(&self) -> usize {
        self.shared.state().calls.len()
    }

    /// Forgets the recorded requests.
    pub fn clear_calls(&self) {
        self.shared.state().calls.clear();
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    fn push_fault(&self, fault: Fault, times: usize, path_contains: Option<String>) {
        if times > 0 {
            self.shared.state().faults.push(FaultRule {
                fault,
                remaining: times,
                path_contains,
            });
        }
    }
}

/// The documented example ticket, as a bare object (`uuid` [`EXAMPLE_TICKET_UUID`]).
pub fn example_ticket() -> Value {
    let response: Value = serde_json::from_str(EXAMPLE_RESPONSE).expect("the example is JSON");
    response["ticket"].clone()
}

/// A ticket shaped like the documented example, numbered `n`: UUID
/// `00000000-0000-4000-8000-{n:012}`, reference `VEN1-{n:06}`, subject `Sample ticket {n}`.
pub fn sample_ticket(n: u64) -> Value {
    let mut ticket = example_ticket();
    ticket["uuid"] = format!("00000000-0000-4000-8000-{n:012}").into();
    ticket["reference"] = format!("VEN1-{n:06}").into();
    ticket["subject"] = format!("Sample ticket {n}").into();
    ticket
}
