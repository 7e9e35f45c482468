//! A fake Discord for the tests, benchmarks and demos: REST under `/api/v10` and the gateway
//! WebSocket, in one server on 127.0.0.1 port 0. The real bot reaches it with
//! `DISCORD_PROXY_URL=<base_url>`; `GET /api/v10/gateway` hands out `ws://…/gateway`.
//!
//! It checks both directions: events it dispatches must deserialize into serenity's own models
//! (a bad fixture fails loudly instead of making the bot look deaf), and every body the bot sends
//! is validated against Discord's OpenAPI description and documented limits.
//!
//! # Layout
//! - `payloads`: builders of complete events and objects (messages, interactions, READY), pure.
//! - `checks`: dispatches checked against serenity's models ([`check_dispatch`]).
//! - `session`: sequence numbers, replay log and queue of the gateway session, no I/O.
//! - `gateway`: the WebSocket (HELLO, IDENTIFY, RESUME, heartbeats, drops).
//! - `inject`: [`FakeDiscord`] methods that dispatch events; `control`: methods that steer the
//!   gateway, inject REST faults and report requests, violations and created messages.
//! - `rest`, `interactions`: the REST routes; `store`: what they created; `message_body`: how a
//!   create or edit body becomes a stored message.
//! - `wait`: waiting for a condition, a request or READY.
//! - `spec`: OpenAPI validation; [`limits`]: what the OpenAPI file cannot express.
//! - `recorder`: the request log and fault injection.
//!
//! # Example
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use xalantis_fakes::discord::{Channel, FakeDiscord, RecordedRequest, User};
//!
//! let discord = FakeDiscord::start().await;
//! // start the bot with DISCORD_PROXY_URL = discord.base_url() …
//! discord.wait_ready(Duration::from_secs(10)).await.unwrap();
//! discord.message_create(Channel::Guild(7), &User::human(42, "ann"), "see VEN1-1");
//! let sent = |r: &RecordedRequest| r.is("POST", "/api/v10/channels/7/messages");
//! let reply = discord.wait_for_request(sent, Duration::from_secs(5)).await.unwrap();
//! assert_eq!(reply.status, 200);
//! assert!(discord.violations().is_empty());
//! # }
//! ```

mod checks;
mod control;
mod gateway;
mod inject;
mod interactions;
pub mod limits;
mod message_body;
mod payloads;
mod recorder;
mod rest;
mod session;
mod spec;
mod store;
mod wait;

use axum::serve::ListenerExt as _;

use crate::no_delay;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use checks::{InvalidDispatch, check_dispatch};
pub use payloads::{Channel, InteractionRef, User};
pub use recorder::{Fault, RecordedRequest};
pub use store::InteractionResponses;

use recorder::FaultRule;
use session::Gateway;
use store::Store;

/// The bot's user id (READY, `GET /users/@me`, author of the messages it creates).
pub const BOT_USER_ID: u64 = 1_100_000_000_000_000_001;
/// The application id (READY; command, followup and webhook paths).
pub const APPLICATION_ID: u64 = 1_100_000_000_000_000_002;
/// The one guild of the fake; [`Channel::Guild`] channels belong to it.
pub const GUILD_ID: u64 = 1_100_000_000_000_000_003;

/// Discord's epoch (2015-01-01) in Unix milliseconds, for snowflakes.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// How the fake behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// The heartbeat interval sent in HELLO (Discord sends ~41 s; short keeps tests fast).
    pub heartbeat_interval: Duration,
    /// Keep every request for [`FakeDiscord::requests`]; a long load run may switch it off and use
    /// [`FakeDiscord::request_feed`] instead.
    pub keep_requests: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(1),
            keep_requests: true,
        }
    }
}

impl Options {
    fn heartbeat_interval_ms(&self) -> u64 {
        u64::try_from(self.heartbeat_interval.as_millis()).unwrap_or(u64::MAX)
    }
}

/// A wait that ran out of time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeout {
    /// What was awaited.
    pub waiting_for: &'static str,
    /// How long.
    pub after: Duration,
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {}",
            self.after, self.waiting_for
        )
    }
}

impl std::error::Error for Timeout {}

#[derive(Default)]
struct Counters {
    connections: AtomicUsize,
    identifies: AtomicUsize,
    resumes: AtomicUsize,
    heartbeats: AtomicUsize,
    acks: AtomicUsize,
}

/// State shared by the server tasks and the [`FakeDiscord`] handle.
struct Shared {
    options: Options,
    gateway_url: String,
    gateway: Mutex<Gateway>,
    store: Mutex<Store>,
    requests: Mutex<Vec<RecordedRequest>>,
    feeds: Mutex<Vec<mpsc::UnboundedSender<RecordedRequest>>>,
    violations: Mutex<Vec<String>>,
    faults: Mutex<Vec<FaultRule>>,
    identifies: Mutex<Vec<Value>>,
    client_closes: Mutex<Vec<Option<u16>>>,
    counters: Counters,
    acks: AtomicBool,
    next_id: AtomicU64,
    changes: watch::Sender<()>,
}

impl Shared {
    fn new(options: Options, gateway_url: String) -> Self {
        Self {
            options,
            gateway_url,
            gateway: Mutex::default(),
            store: Mutex::default(),
            requests: Mutex::default(),
            feeds: Mutex::default(),
            violations: Mutex::default(),
            faults: Mutex::default(),
            identifies: Mutex::default(),
            client_closes: Mutex::default(),
            counters: Counters::default(),
            acks: AtomicBool::new(true),
            next_id: AtomicU64::new(first_snowflake()),
            changes: watch::Sender::new(()),
        }
    }

    fn gateway(&self) -> MutexGuard<'_, Gateway> {
        self.gateway.lock().expect("gateway lock")
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().expect("store lock")
    }

    /// Wakes every waiter to re-check its condition.
    fn changed(&self) {
        self.changes.send_replace(());
    }

    /// A fresh snowflake, increasing.
    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn push_request(&self, request: RecordedRequest) {
        self.feeds
            .lock()
            .expect("feeds lock")
            .retain(|feed| feed.send(request.clone()).is_ok());
        if self.options.keep_requests {
            self.requests.lock().expect("requests lock").push(request);
        }
        self.changed();
    }

    fn record_client_close(&self, code: Option<u16>) {
        self.client_closes.lock().expect("closes lock").push(code);
    }
}

/// The first snowflake of this run: now, in Discord's format.
fn first_snowflake() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let now_ms = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
    now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22
}

/// A running fake Discord; dropping it stops the server.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    base_url: String,
    server: JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
        // A test that panicked while holding the lock must not turn this into an abort.
        if let Ok(mut gateway) = self.shared.gateway.lock() {
            gateway.drop_all(Some(1001));
        }
    }
}

impl FakeDiscord {
    /// Starts with the default [`Options`] (1 s heartbeats, every request kept).
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// Starts on 127.0.0.1, port 0. The OpenAPI validators are compiled here, once per process.
    pub async fn start_with(options: Options) -> Self {
        tokio::task::spawn_blocking(spec::warm_up)
            .await
            .expect("compiling the OpenAPI validators");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        let address = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared::new(options, format!("ws://{address}/gateway")));
        let app = rest::router(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener.tap_io(no_delay), app)
                .await
                .expect("fake Discord server");
        });
        Self {
            shared,
            base_url: format!("http://{address}"),
            server,
        }
    }

    /// The base to give serenity as its proxy (`DISCORD_PROXY_URL`), e.g. `http://127.0.0.1:4321`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The gateway URL handed out by `GET /api/v10/gateway`.
    pub fn gateway_url(&self) -> &str {
        &self.shared.gateway_url
    }
}
