//! xalantis-bot: turns Xalantis ticket mentions in chat into rich ticket cards.
//!
//! # Layout
//! The platform-neutral core knows nothing of Discord or Slack; each platform module turns its
//! events into core calls and core cards into its own wire format.
//!
//! | module | owns |
//! |---|---|
//! | [`app`] | wires the configured platforms to one bot; runs until shutdown |
//! | [`console`] | `xalantis-bot console`: chat text in, the cards the bot would post out |
//! | [`check`] | `xalantis-bot check`: configuration, Xalantis and Discord access, invite URL |
//! | [`demo`] | bundled sample tickets behind a tiny local Xalantis, for the console without a token |
//! | [`telemetry`] | logging (`RUST_LOG`, `LOG_FORMAT`), Prometheus metrics, health flags |
//! | [`http`] | the `HTTP_BIND` server: `/healthz`, `/metrics`; other platforms merge their routes |
//! | [`state`] | state that survives restarts: the store (`DATABASE_PATH`) and settings over it |
//! | [`secret`] | tokens that never print |
//! | [`detect`] | chat text → ticket mentions (pure) |
//! | [`xalantis`] | the Xalantis REST API: tolerant model, typed errors, HTTP client |
//! | [`lookup`] | mentions → tickets: cache, request coalescing, bounded concurrency |
//! | [`config`] | environment → `Config`, every problem at once, secrets redacted |
//! | [`bot`] | the platform-neutral bot: text → mentions → tickets → cards |
//! | [`gate`] | graceful shutdown: no new events, replies in flight finish |
//! | [`backoff`] | waits between reconnections (Discord gateway, Slack Socket Mode) |
//! | [`prefixes`] | which reference prefixes are real (pinned or learned); others cost no API call |
//! | [`recent`] | a small bounded map of recent entries (reply bindings) |
//! | [`card`] | ticket → platform-neutral card (pure) |
//! | [`settings`] | per-channel settings: guild defaults and channel overrides over the configuration, in memory |
//! | [`store`] | SQLite state that survives restarts: bindings, cooldown marks, settings; one writer thread |
//! | [`discord`] | our lean gateway reader (`gateway`) → core calls (`events`, `messages`, `interactions`, `commands`), cards → embeds (`render`, pure; `reply`) sent with serenity's REST client, reply bindings |
//! | [`slack`] | Slack events (Socket Mode or HTTP Events API) → core calls (`handler`, `unfurl`, `commands`, `interactions`), cards → Block Kit (`render`, pure), signatures (`verify`) |

pub mod app;
pub mod backoff;
pub mod bot;
pub mod card;
pub mod check;
pub mod config;
pub mod console;
pub mod demo;
pub mod detect;
pub mod discord;
pub mod gate;
pub mod http;
pub mod lookup;
pub mod prefixes;
pub mod recent;
pub mod secret;
pub mod settings;
pub mod slack;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod xalantis;
