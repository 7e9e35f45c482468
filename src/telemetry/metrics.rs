//! Prometheus metrics, served as `OpenMetrics` text by `GET /metrics`.
//!
//! One [`Metrics`] per process, shared as `Arc<Metrics>`: platforms count mentions, replies,
//! reply failures, gateway reconnects and shed events; the bot counts lookup outcomes; the
//! Xalantis client reports each request's latency and failure (through
//! [`super::Ops`], its `RequestObserver`); cache figures are read from [`LookupStats`] at scrape
//! time. Every name starts with `xalantis_bot_`; label values come from small fixed sets.
//!
//! ```
//! use std::sync::Arc;
//! use xalantis_bot::telemetry::metrics::{Metrics, Platform, ReplyKind};
//! let metrics = Metrics::default();
//! metrics.mentions_detected(Platform::Discord, 2);
//! metrics.reply_sent(Platform::Discord, ReplyKind::Message);
//! let text = metrics.encode();
//! assert!(text.contains(r#"xalantis_bot_mentions_detected_total{platform="discord"} 2"#));
//! ```

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::lookup::{Lookup, LookupStats};
use crate::xalantis::XalantisError;

/// The `Content-Type` of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Prefix of every metric name.
pub const PREFIX: &str = "xalantis_bot";

/// A chat platform, as a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Discord.
    Discord,
    /// Slack.
    Slack,
}

impl Platform {
    fn label(self) -> &'static str {
        match self {
            Self::Discord => "discord",
            Self::Slack => "slack",
        }
    }
}

/// What a reply did on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// A new message with cards.
    Message,
    /// A card message edited (its source was edited).
    Edit,
    /// A card message deleted (its source was deleted or lost its mentions).
    Delete,
    /// An answer to a slash command or a button.
    Interaction,
}

impl ReplyKind {
    fn label(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Edit => "edit",
            Self::Delete => "delete",
            Self::Interaction => "interaction",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabel {
    platform: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReplyLabels {
    platform: &'static str,
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    source: &'static str,
    kind: &'static str,
}

/// Every metric of the bot, and the registry that encodes them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    mentions: Family<PlatformLabel, Counter>,
    lookups: Family<OutcomeLabel, Counter>,
    xalantis_latency: Histogram,
    answer_latency: Histogram,
    replies: Family<ReplyLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    gateway_reconnects: Family<PlatformLabel, Counter>,
    events_shed: Family<PlatformLabel, Counter>,
    lookup_stats: Arc<OnceLock<Arc<LookupStats>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric; lookup outcomes start at zero so dashboards see them at once.
    pub fn new() -> Self {
        let mut metrics = Self {
            registry: Registry::with_prefix(PREFIX),
            mentions: Family::default(),
            lookups: Family::default(),
            xalantis_latency: Histogram::new(exponential_buckets(0.005, 2.0, 12)),
            answer_latency: Histogram::new(exponential_buckets(0.000_25, 2.0, 14)),
            replies: Family::default(),
            errors: Family::default(),
            gateway_reconnects: Family::default(),
            events_shed: Family::default(),
            lookup_stats: Arc::default(),
        };
        metrics.register();
        for outcome in ["found", "not_found", "failed"] {
            drop(metrics.lookups.get_or_create(&OutcomeLabel { outcome }));
        }
        metrics
    }

    fn register(&mut self) {
        let registry = &mut self.registry;
        registry.register(
            "mentions_detected",
            "Ticket mentions found in chat messages and edits",
            self.mentions.clone(),
        );
        registry.register(
            "lookups",
            "Ticket lookups by outcome (found, not_found, failed)",
            self.lookups.clone(),
        );
        registry.register_with_unit(
            "xalantis_request_duration",
            "Duration of each HTTP request to Xalantis, retries included, body read included",
            Unit::Seconds,
            self.xalantis_latency.clone(),
        );
        registry.register_with_unit(
            "answer_duration",
            "From a Discord message naming tickets reaching the bot to Discord accepting its card",
            Unit::Seconds,
            self.answer_latency.clone(),
        );
        registry.register(
            "replies",
            "Replies sent to a chat platform, by kind",
            self.replies.clone(),
        );
        registry.register(
            "errors",
            "Failures by source (xalantis, discord) and kind",
            self.errors.clone(),
        );
        registry.register(
            "gateway_reconnects",
            "Gateway sessions resumed or re-identified after the first",
            self.gateway_reconnects.clone(),
        );
        registry.register(
            "events_shed",
            "Chat events dropped unhandled because too much work was in flight",
            self.events_shed.clone(),
        );
        registry.register_collector(Box::new(LookupCollector(Arc::clone(&self.lookup_stats))));
    }

    /// Reads the cache and call figures from `stats` at each scrape (the first call wins).
    pub fn read_lookup_stats(&self, stats: Arc<LookupStats>) {
        let _ = self.lookup_stats.set(stats);
    }

    /// `count` ticket mentions were found in one message on `platform`.
    pub fn mentions_detected(&self, platform: Platform, count: usize) {
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        self.mentions
            .get_or_create(&PlatformLabel {
                platform: platform.label(),
            })
            .inc_by(count);
    }

    /// One ticket lookup ended with `outcome`.
    pub fn lookup_finished(&self, outcome: &Lookup) {
        let outcome = match outcome {
            Lookup::Found(_) => "found",
            Lookup::NotFound => "not_found",
            Lookup::Failed(_) => "failed",
        };
        self.lookups.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    /// One HTTP request to Xalantis ended after `elapsed`, failing with the error if any.
    pub fn xalantis_request(&self, elapsed: Duration, outcome: Result<(), &XalantisError>) {
        self.xalantis_latency.observe(elapsed.as_secs_f64());
        if let Err(error) = outcome {
            self.error("xalantis", error.kind());
        }
    }

    /// A message was answered `elapsed` after it reached the bot.
    pub fn answered(&self, elapsed: Duration) {
        self.answer_latency.observe(elapsed.as_secs_f64());
    }

    /// A reply reached `platform`.
    pub fn reply_sent(&self, platform: Platform, kind: ReplyKind) {
        self.replies
            .get_or_create(&ReplyLabels {
                platform: platform.label(),
                kind: kind.label(),
            })
            .inc();
    }

    /// A reply could not be sent: an error of source `platform` and the reply's kind.
    pub fn reply_failed(&self, platform: Platform, kind: ReplyKind) {
        self.error(platform.label(), kind.label());
    }

    /// A failure of `source` (`xalantis`, `discord`, …) of a low-cardinality `kind`.
    pub fn error(&self, source: &'static str, kind: &'static str) {
        self.errors
            .get_or_create(&ErrorLabels { source, kind })
            .inc();
    }

    /// The gateway of `platform` connected again after its first session.
    pub fn gateway_reconnected(&self, platform: Platform) {
        self.gateway_reconnects
            .get_or_create(&PlatformLabel {
                platform: platform.label(),
            })
            .inc();
    }

    /// An event of `platform` was dropped unhandled (load shedding); always log it too.
    pub fn event_shed(&self, platform: Platform) {
        self.events_shed
            .get_or_create(&PlatformLabel {
                platform: platform.label(),
            })
            .inc();
    }

    /// Every metric in the `OpenMetrics` text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// Cache and call figures of the lookup service, read at scrape time.
#[derive(Debug)]
struct LookupCollector(Arc<OnceLock<Arc<LookupStats>>>);

impl Collector for LookupCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(stats) = self.0.get() else {
            return Ok(());
        };
        let counts = stats.snapshot();
        let counters = [
            (
                "cache_hits",
                "Lookups answered without a Xalantis call of their own (cached or coalesced)",
                counts.cache_hits,
            ),
            (
                "cache_misses",
                "Lookups that needed a Xalantis call",
                counts.cache_misses,
            ),
            (
                "xalantis_calls",
                "Xalantis calls made by lookups (retries not counted)",
                counts.api_calls,
            ),
            (
                "xalantis_call_failures",
                "Xalantis calls made by lookups that failed",
                counts.api_failures,
            ),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        let gauges = [
            (
                "xalantis_calls_in_flight",
                "Xalantis calls in flight now",
                counts.calls_in_flight,
            ),
            (
                "xalantis_calls_waiting",
                "Xalantis calls waiting for a free slot now",
                counts.calls_waiting,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_carries_the_prefix_and_counters_end_in_total() {
        let metrics = Metrics::default();
        metrics.reply_sent(Platform::Discord, ReplyKind::Edit);
        metrics.error("discord", "message");
        metrics.gateway_reconnected(Platform::Discord);
        metrics.event_shed(Platform::Discord);
        metrics.xalantis_request(Duration::from_millis(20), Err(&XalantisError::Timeout));
        let text = metrics.encode();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.starts_with("xalantis_bot_"), "{line}");
        }
        for expected in [
            r#"xalantis_bot_replies_total{platform="discord",kind="edit"} 1"#,
            r#"xalantis_bot_errors_total{source="xalantis",kind="timeout"} 1"#,
            r#"xalantis_bot_gateway_reconnects_total{platform="discord"} 1"#,
            r#"xalantis_bot_events_shed_total{platform="discord"} 1"#,
            r#"xalantis_bot_lookups_total{outcome="failed"} 0"#,
            "xalantis_bot_xalantis_request_duration_seconds_count 1",
            r#"xalantis_bot_xalantis_request_duration_seconds_bucket{le="0.04"} 1"#,
        ] {
            assert!(text.contains(expected), "{expected} missing from\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn cache_figures_are_read_from_the_lookup_stats_at_scrape_time() {
        let metrics = Metrics::default();
        assert!(!metrics.encode().contains("cache_hits"));
        metrics.read_lookup_stats(Arc::default());
        let text = metrics.encode();
        assert!(text.contains("xalantis_bot_cache_hits_total 0"), "{text}");
        assert!(
            text.contains("xalantis_bot_xalantis_calls_in_flight 0"),
            "{text}"
        );
    }
}
