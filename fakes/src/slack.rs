//! A fake Slack for the tests and demos: the Web API under `/api`, response URLs under
//! `/hooks/{n}`, and the Socket Mode WebSocket, in one server on 127.0.0.1 port 0. The real
//! bot reaches it with `SLACK_API_URL=<base_url>`; `apps.connections.open` hands out
//! `ws://…/socket?ticket=N` (single use, like Slack's).
//!
//! People act through the fake ([`FakeSlack::post_message`], [`FakeSlack::run_command`],
//! [`FakeSlack::click`], …) and it tells the bot as Slack would: over Socket Mode (`hello`,
//! envelopes, `disconnect`; every envelope must be acknowledged within 3 seconds, and one left
//! unacknowledged on a closed connection is delivered again, as Slack retries), or, after
//! [`FakeSlack::deliver_over_http`], as signed HTTP requests to the bot's Request URLs.
//!
//! It checks both directions: its own payloads must read as slack-morphism's models (a bad
//! fixture fails loudly), and every body the bot sends is checked against Block Kit limits,
//! for pings (`<!channel>`, `<@U…>`, …), `unfurl_links: false` on posts, response URL rules and
//! unfurls of links it was never told about; breaches land in [`FakeSlack::violations`].
//!
//! # Layout
//! - `state`: what it holds and was sent (no I/O); `payloads`: events, commands, clicks and
//!   frames as Slack sends them; `checks`: the rules, and the self-checks.
//! - `web`: the Web API routes; `hooks`: response URLs and slash command answers; `socket`:
//!   the WebSocket; `delivery`: routing envelopes to a connection or signed HTTP requests to
//!   the bot.
//! - `people`: what people do; `observe`: what tests read and wait for.
//!
//! # Example
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use xalantis_fakes::slack::{CHANNEL, FakeSlack, ALICE};
//! let slack = FakeSlack::start().await;
//! // start the bot with SLACK_API_URL = slack.base_url(), SLACK_APP_TOKEN = xapp-… …
//! slack.wait_connected(1, Duration::from_secs(10)).await.unwrap();
//! let ts = slack.post_message(CHANNEL, ALICE, "see VEN1-000079");
//! slack.wait_for(|s| !s.thread(CHANNEL, &ts).is_empty(), Duration::from_secs(5)).await.unwrap();
//! assert!(slack.violations().is_empty());
//! # }
//! ```

mod checks;
mod delivery;
mod hooks;
mod observe;
mod payloads;
mod people;
mod socket;
mod state;
mod web;

use axum::serve::ListenerExt as _;

use crate::no_delay;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use checks::{PINGS, block_text, check_blocks, find_pings};
pub use delivery::Signing;
pub use people::CommandRun;
pub use state::{Hook, RecordedRequest, SlackMessage, Unfurl, Visibility};

use state::State;

/// The workspace.
pub const TEAM_ID: &str = "T0FAKE0001";
/// The app.
pub const APP_ID: &str = "A0FAKE0001";
/// The bot's user (`auth.test`).
pub const BOT_USER_ID: &str = "U0XALBOT01";
/// The bot's bot id, carried by its messages.
pub const BOT_ID: &str = "B0XALBOT01";
/// A person.
pub const ALICE: &str = "U0ALICE001";
/// A channel most tests talk in.
pub const CHANNEL: &str = "C0SUPPORT1";
/// The unfurl domain of the app (as in `slack-app-manifest.json`).
pub const UNFURL_DOMAIN: &str = "app.xalantis.com";

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Links on this host get a `link_shared` event.
    pub unfurl_domain: String,
    /// How long a connection stays open after its `disconnect` (Slack: about 10 s).
    pub disconnect_grace: Duration,
    /// Acknowledgements later than this are violations (Slack: 3 s).
    pub ack_deadline: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            unfurl_domain: UNFURL_DOMAIN.to_owned(),
            disconnect_grace: Duration::from_secs(2),
            ack_deadline: Duration::from_secs(3),
        }
    }
}

/// A wait that ran out of time.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// State shared by the server tasks and the [`FakeSlack`] handle.
struct Shared {
    addr: SocketAddr,
    options: Options,
    state: Mutex<State>,
    client: reqwest::Client,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The fake Slack server. It stops when dropped.
pub struct FakeSlack {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeSlack {
    /// Starts the fake on 127.0.0.1, port 0, with default [`Options`].
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// Starts the fake with `options`.
    pub async fn start_with(options: Options) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        let shared = Arc::new(Shared {
            addr,
            options,
            state: Mutex::default(),
            client,
        });
        let router = web::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            axum::serve(listener.tap_io(no_delay), router).await.ok();
        });
        Self { shared, server }
    }

    /// The Web API base to configure the bot with: `http://127.0.0.1:PORT/api`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.shared.addr)
    }

    /// From now on, tell the bot about events with signed HTTP requests to `bot_base_url`
    /// (`/slack/events`, `/slack/commands`, `/slack/interactions`), signed with `secret`.
    pub fn deliver_over_http(&self, bot_base_url: &str, secret: &str) {
        let target = state::HttpTarget {
            base_url: bot_base_url.trim_end_matches('/').to_owned(),
            secret: secret.to_owned(),
        };
        self.shared.state().http = Some(target);
    }

    /// Answers the next `times` calls of Web API `method` with 429 and `Retry-After`.
    pub fn rate_limit(&self, method: &str, retry_after_secs: u64, times: usize) {
        let rule = state::RateLimit {
            method: method.to_owned(),
            retry_after_secs,
            remaining: times,
        };
        self.shared.state().rate_limits.push(rule);
    }
}
