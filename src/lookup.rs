//! Mentions → tickets: cache with TTL, request coalescing, bounded concurrency.
//!
//! Tickets are cached by UUID for `cache_ttl`, "not found" answers included, so a pasted
//! `ISO-8601` costs at most one Xalantis call per TTL. Concurrent lookups of one ticket share one
//! call (moka's coalescing `or_try_insert_with`); errors are never cached. A reference never
//! changes ticket, so a found reference → UUID mapping is kept without expiry (bounded in
//! size); an unknown reference is forgotten after the TTL. A semaphore bounds the Xalantis calls
//! in flight over the whole process.
//!
//! ```no_run
//! # async fn demo(client: xalantis_bot::xalantis::XalantisClient) {
//! use xalantis_bot::detect::TicketId;
//! use xalantis_bot::lookup::{Freshness, Lookup, LookupConfig, LookupService};
//! let service = LookupService::new(client, LookupConfig::default());
//! let id = TicketId::Reference("VEN1-000079".into());
//! if let Lookup::Found(ticket) = service.lookup(&id, Freshness::Cached).await {
//!     println!("{}", ticket.subject);
//! }
//! println!("{:?}", service.stats().snapshot());
//! # }
//! ```

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::future::Cache;
use tokio::sync::Semaphore;

use crate::detect::{Mention, TicketId};
use crate::xalantis::client::canonical_uuid;
use crate::xalantis::{Ticket, XalantisClient, XalantisError};

/// Default `CACHE_TTL_SECS`.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);

/// The outcome of looking up one ticket.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// The ticket exists.
    Found(Arc<Ticket>),
    /// Xalantis has no such ticket.
    NotFound,
    /// Xalantis could not be asked.
    Failed(XalantisError),
}

/// Whether a lookup may be answered from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Cached answers are fine (messages).
    Cached,
    /// Ask Xalantis again (the Refresh button).
    Fresh,
}

/// Settings of the lookup service.
#[derive(Debug, Clone)]
pub struct LookupConfig {
    /// How long a ticket (or a not-found answer) is reused.
    pub cache_ttl: Duration,
    /// Most tickets kept in the cache.
    pub max_cached_tickets: u64,
    /// Most Xalantis calls in flight at once, over all messages.
    pub max_concurrent_calls: usize,
    /// Most reference → UUID mappings kept (they never expire, so they are bounded in number).
    pub max_cached_references: u64,
}

impl Default for LookupConfig {
    fn default() -> Self {
        Self {
            cache_ttl: DEFAULT_CACHE_TTL,
            max_cached_tickets: 10_000,
            max_concurrent_calls: 16,
            max_cached_references: 100_000,
        }
    }
}

/// Counters the metrics layer reads; every field is a running total except `calls_in_flight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LookupCounts {
    /// Lookups answered without a Xalantis call of their own (cached or coalesced).
    pub cache_hits: u64,
    /// Lookups that needed a Xalantis call (successful or not).
    pub cache_misses: u64,
    /// Xalantis calls made (one per ticket fetch or reference search, retries not counted;
    /// see [`XalantisClient::requests_sent`] for HTTP requests).
    pub api_calls: u64,
    /// Of those calls, the ones that failed.
    pub api_failures: u64,
    /// Xalantis calls in flight right now.
    pub calls_in_flight: u64,
    /// Xalantis calls waiting for a free slot right now (`max_concurrent_calls` reached).
    pub calls_waiting: u64,
}

/// Live counters of a [`LookupService`], shared by its clones.
#[derive(Debug, Default)]
pub struct LookupStats {
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    api_calls: AtomicU64,
    api_failures: AtomicU64,
    calls_in_flight: AtomicU64,
    calls_waiting: AtomicU64,
}

impl LookupStats {
    /// The counters now.
    pub fn snapshot(&self) -> LookupCounts {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        LookupCounts {
            cache_hits: read(&self.cache_hits),
            cache_misses: read(&self.cache_misses),
            api_calls: read(&self.api_calls),
            api_failures: read(&self.api_failures),
            calls_in_flight: read(&self.calls_in_flight),
            calls_waiting: read(&self.calls_waiting),
        }
    }

    fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A ticket (or its absence) and whether this lookup had to ask Xalantis for it.
type Answer<T> = Result<(T, bool), XalantisError>;

/// Resolves mentions to tickets. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct LookupService {
    client: XalantisClient,
    config: LookupConfig,
    tickets: Cache<String, Option<Arc<Ticket>>>,
    references: Cache<String, Option<String>>,
    permits: Arc<Semaphore>,
    stats: Arc<LookupStats>,
}

impl fmt::Debug for LookupService {
    // The caches hold customer data: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupService")
            .field("config", &self.config)
            .field("stats", &self.stats.snapshot())
            .finish_non_exhaustive()
    }
}

impl LookupService {
    /// Builds the service around a client.
    pub fn new(client: XalantisClient, config: LookupConfig) -> Self {
        let tickets = Cache::builder()
            .max_capacity(config.max_cached_tickets)
            .time_to_live(config.cache_ttl)
            .build();
        let references = Cache::builder()
            .max_capacity(config.max_cached_references)
            .expire_after(UnknownReferencesExpire(config.cache_ttl))
            .build();
        let permits = config.max_concurrent_calls.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            client,
            config,
            tickets,
            references,
            permits: Arc::new(Semaphore::new(permits)),
            stats: Arc::default(),
        }
    }

    /// The service's counters.
    pub fn stats(&self) -> &LookupStats {
        &self.stats
    }

    /// The service's counters, shared (the metrics read them at each scrape).
    pub fn shared_stats(&self) -> Arc<LookupStats> {
        Arc::clone(&self.stats)
    }

    /// The client it asks (e.g. for [`XalantisClient::requests_sent`]).
    pub fn client(&self) -> &XalantisClient {
        &self.client
    }

    /// Looks up one ticket.
    pub async fn lookup(&self, id: &TicketId, freshness: Freshness) -> Lookup {
        let answer = match id {
            TicketId::Uuid(uuid) => self.ticket_by_uuid(uuid, freshness).await,
            TicketId::Reference(reference) => self.ticket_by_reference(reference, freshness).await,
        };
        let called = answer.as_ref().map_or(true, |(_, called)| *called);
        LookupStats::count(if called {
            &self.stats.cache_misses
        } else {
            &self.stats.cache_hits
        });
        match answer {
            Ok((Some(ticket), _)) => Lookup::Found(ticket),
            Ok((None, _)) => Lookup::NotFound,
            Err(error) => Lookup::Failed(error),
        }
    }

    /// Looks up every mention concurrently (bounded). The result keeps the mentions' order,
    /// with one entry per distinct ticket: a reference and a link to the same ticket give one
    /// (the first).
    pub async fn lookup_mentions(
        &self,
        mentions: &[Mention],
        freshness: Freshness,
    ) -> Vec<(Mention, Lookup)> {
        let mut seen_ids = HashSet::new();
        // Owned mentions: futures borrowing from a stream trip rustc's higher-ranked `Send`
        // check when callers (serenity handlers) need the whole future to be `Send`.
        let distinct: Vec<Mention> = mentions
            .iter()
            .filter(|m| seen_ids.insert(&m.id))
            .cloned()
            .collect();
        let resolved: Vec<(Mention, Lookup)> =
            futures::future::join_all(distinct.into_iter().map(|mention| async move {
                let outcome = self.lookup(&mention.id, freshness).await;
                (mention, outcome)
            }))
            .await;
        let mut seen_tickets = HashSet::new();
        resolved
            .into_iter()
            .filter(|(_, lookup)| match lookup {
                Lookup::Found(ticket) => seen_tickets.insert(ticket.uuid.clone()),
                Lookup::NotFound | Lookup::Failed(_) => true,
            })
            .collect()
    }

    async fn ticket_by_uuid(
        &self,
        uuid: &str,
        freshness: Freshness,
    ) -> Answer<Option<Arc<Ticket>>> {
        let Some(key) = canonical_uuid(uuid) else {
            return Ok((None, false));
        };
        if freshness == Freshness::Fresh {
            self.tickets.invalidate(&key).await;
        }
        // The call's state (about 7 KB) is boxed only once the fetch runs: a lookup that waits
        // on another's fetch of the same ticket, or is answered from the cache, holds only
        // this small unpolled future (BENCHMARKS.md, "Memory per waiting answer").
        let fetch = async {
            Box::pin(async {
                let ticket = self.call(self.client.fetch_ticket(&key)).await?;
                Ok::<_, XalantisError>(ticket.map(Arc::new))
            })
            .await
        };
        let entry = self
            .tickets
            .entry(key.clone())
            .or_try_insert_with(fetch)
            .await;
        let entry = entry.map_err(|shared| (*shared).clone())?;
        Ok((entry.value().clone(), entry.is_fresh()))
    }

    async fn ticket_by_reference(
        &self,
        reference: &str,
        freshness: Freshness,
    ) -> Answer<Option<Arc<Ticket>>> {
        let key = reference.trim().to_uppercase();
        if freshness == Freshness::Fresh {
            self.forget_unknown_reference(&key).await;
        }
        let (uuid, searched) = self.resolve_reference(key).await?;
        let Some(uuid) = uuid else {
            return Ok((None, searched));
        };
        // A search just made returned the ticket itself: no need to fetch it again.
        let freshness = if searched {
            Freshness::Cached
        } else {
            freshness
        };
        let (ticket, fetched) = self.ticket_by_uuid(&uuid, freshness).await?;
        Ok((ticket, searched || fetched))
    }

    async fn resolve_reference(&self, key: String) -> Answer<Option<String>> {
        // Boxed once it runs, as in `ticket_by_uuid`.
        let search = async {
            Box::pin(async {
                let found = self
                    .call(self.client.find_ticket_by_reference(&key))
                    .await?;
                Ok::<_, XalantisError>(match found {
                    Some(ticket) => Some(self.remember(ticket).await),
                    None => None,
                })
            })
            .await
        };
        let entry = self
            .references
            .entry(key.clone())
            .or_try_insert_with(search)
            .await;
        let entry = entry.map_err(|shared| (*shared).clone())?;
        Ok((entry.value().clone(), entry.is_fresh()))
    }

    /// Caches a ticket found by a search under its UUID and returns the UUID.
    async fn remember(&self, ticket: Ticket) -> String {
        let uuid = ticket.uuid.clone();
        self.tickets
            .insert(uuid.clone(), Some(Arc::new(ticket)))
            .await;
        uuid
    }

    async fn forget_unknown_reference(&self, key: &str) {
        if let Some(None) = self.references.get(key).await {
            self.references.invalidate(key).await;
        }
    }

    /// One Xalantis call, within the global bound and counted.
    async fn call<T>(
        &self,
        request: impl Future<Output = Result<T, XalantisError>>,
    ) -> Result<T, XalantisError> {
        let waiting = Gauge::enter(&self.stats.calls_waiting);
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = self.permits.acquire().await.ok();
        drop(waiting);
        LookupStats::count(&self.stats.api_calls);
        let in_flight = Gauge::enter(&self.stats.calls_in_flight);
        let result = request.await;
        drop(in_flight);
        if result.is_err() {
            LookupStats::count(&self.stats.api_failures);
        }
        result
    }
}

/// Counts one call in a gauge until dropped (also when the caller gives up midway).
struct Gauge<'a>(&'a AtomicU64);

impl<'a> Gauge<'a> {
    fn enter(counter: &'a AtomicU64) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Found references never expire (a reference never changes ticket); unknown ones are asked
/// again after the ticket TTL.
struct UnknownReferencesExpire(Duration);

impl Expiry<String, Option<String>> for UnknownReferencesExpire {
    fn expire_after_create(
        &self,
        _: &String,
        uuid: &Option<String>,
        _: Instant,
    ) -> Option<Duration> {
        uuid.is_none().then_some(self.0)
    }

    fn expire_after_update(
        &self,
        _: &String,
        uuid: &Option<String>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        uuid.is_none().then_some(self.0)
    }
}
