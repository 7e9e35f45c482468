//! A small shared map of recent entries: at most `capacity` of them, the oldest insertion
//! forgotten first, and none older than a time to live. Reply bindings live in it.
//!
//! A general cache (moka) spends bookkeeping per entry on what this needs none of (access-order
//! lists, a frequency sketch, per-entry atomics): a reply binding with its reverse index cost
//! 756 bytes there and cost 514 in two of these (`tests/bindings_memory.rs`), 2 MB less for
//! 10,000 cards (BENCHMARKS.md, "The binary and the bindings"). Here an entry costs its key and
//! value, its insertion stamp and time, and the key once more in the insertion queue.
//!
//! ```
//! use std::time::Duration;
//! use xalantis_bot::recent::Recent;
//! let recent = Recent::new(2, Duration::from_secs(60));
//! recent.insert(1_u64, "one");
//! recent.insert(2, "two");
//! recent.insert(3, "three");
//! assert_eq!(recent.get(&1), None, "the oldest went first");
//! assert_eq!(recent.get(&3), Some("three"));
//! ```

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Recent entries, shared by every clone.
#[derive(Debug)]
pub struct Recent<K, V> {
    inner: Arc<Mutex<Inner<K, V>>>,
}

impl<K, V> Clone for Recent<K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

#[derive(Debug)]
struct Inner<K, V> {
    capacity: usize,
    ttl: Duration,
    slots: HashMap<K, Slot<V>>,
    /// Keys in insertion order, each with the stamp of that insertion. An entry whose key was
    /// inserted again or removed since is stale and skipped (and compacted away).
    order: VecDeque<(K, u64)>,
    next_stamp: u64,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    stamp: u64,
    at: Instant,
}

impl<K: Eq + Hash + Clone, V: Clone> Recent<K, V> {
    /// Room for `capacity` entries (at least one), each kept at most `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                capacity: capacity.max(1),
                ttl,
                slots: HashMap::new(),
                order: VecDeque::new(),
                next_stamp: 0,
            })),
        }
    }

    /// Inserts or replaces `key`; it is then the newest entry.
    pub fn insert(&self, key: K, value: V) {
        self.lock().insert(key, value, Instant::now());
    }

    /// The value of `key`, unless it is unknown or older than the time to live.
    pub fn get(&self, key: &K) -> Option<V> {
        self.lock().get(key, Instant::now())
    }

    /// Forgets `key`, returning its value if it was still live.
    pub fn remove(&self, key: &K) -> Option<V> {
        let now = Instant::now();
        let mut inner = self.lock();
        let slot = inner.slots.remove(key)?;
        (!inner.expired(&slot, now)).then_some(slot.value)
    }

    /// Every live entry, oldest first. The values are cloned under the lock: keep them cheap
    /// to clone (an `Arc`) when there are many.
    pub fn entries(&self) -> Vec<(K, V)> {
        let now = Instant::now();
        let inner = self.lock();
        inner
            .order
            .iter()
            .filter_map(|(key, stamp)| {
                let slot = inner.slots.get(key)?;
                (slot.stamp == *stamp && !inner.expired(slot, now))
                    .then(|| (key.clone(), slot.value.clone()))
            })
            .collect()
    }

    /// Entries held (some may have expired and not been dropped yet).
    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner<K, V>> {
        // Every change leaves the map consistent, so a panic elsewhere cannot corrupt it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Eq + Hash + Clone, V> Inner<K, V> {
    fn insert(&mut self, key: K, value: V, now: Instant) {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.order.push_back((key.clone(), stamp));
        self.slots.insert(
            key,
            Slot {
                value,
                stamp,
                at: now,
            },
        );
        self.evict(now);
        // Stale entries (keys inserted again or removed) are dropped once they are a fifth of
        // the queue, so it stays within 1.25 × capacity.
        if self.order.len() > self.capacity.saturating_add(self.capacity / 4) {
            let slots = &self.slots;
            self.order
                .retain(|(key, stamp)| slots.get(key).is_some_and(|s| s.stamp == *stamp));
        }
    }

    fn get(&self, key: &K, now: Instant) -> Option<V>
    where
        V: Clone,
    {
        let slot = self.slots.get(key)?;
        (!self.expired(slot, now)).then(|| slot.value.clone())
    }

    /// Drops the oldest entries while there are too many or they have expired.
    fn evict(&mut self, now: Instant) {
        while let Some((key, stamp)) = self.order.front() {
            let current = self.slots.get(key).filter(|slot| slot.stamp == *stamp);
            match current {
                None => {}
                Some(slot) if self.slots.len() > self.capacity || self.expired(slot, now) => {
                    self.slots.remove(key);
                }
                Some(_) => return,
            }
            self.order.pop_front();
        }
    }

    fn expired(&self, slot: &Slot<V>, now: Instant) -> bool {
        now.saturating_duration_since(slot.at) >= self.ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn inner(capacity: usize) -> Inner<u64, String> {
        Inner {
            capacity,
            ttl: HOUR,
            slots: HashMap::new(),
            order: VecDeque::new(),
            next_stamp: 0,
        }
    }

    #[test]
    fn the_oldest_insertion_goes_first_and_a_new_insertion_counts_as_new() {
        let now = Instant::now();
        let mut map = inner(3);
        for key in 1..=3 {
            map.insert(key, format!("v{key}"), now);
        }
        map.insert(1, "again".into(), now);
        map.insert(4, "v4".into(), now);
        assert_eq!(map.get(&2, now), None, "2 was the oldest insertion");
        assert_eq!(map.get(&1, now).as_deref(), Some("again"));
        assert_eq!(map.get(&3, now).as_deref(), Some("v3"));
        assert_eq!(map.get(&4, now).as_deref(), Some("v4"));
        assert_eq!(map.slots.len(), 3);
    }

    #[test]
    fn an_entry_older_than_the_time_to_live_is_neither_returned_nor_kept() {
        let start = Instant::now();
        let mut map = inner(10);
        map.insert(1, "old".into(), start);
        map.insert(2, "newer".into(), start + HOUR / 2);
        let later = start + HOUR + Duration::from_secs(1);
        assert_eq!(map.get(&1, later), None);
        assert_eq!(map.get(&2, later).as_deref(), Some("newer"));
        map.insert(3, "new".into(), later);
        assert!(!map.slots.contains_key(&1), "dropped at the next insertion");
        assert!(map.slots.contains_key(&2));
    }

    #[test]
    fn the_insertion_queue_stays_bounded_when_one_key_is_inserted_over_and_over() {
        let now = Instant::now();
        let mut map = inner(10);
        for key in 0..5 {
            map.insert(key, String::new(), now);
        }
        for _ in 0..10_000 {
            map.insert(7, String::new(), now);
        }
        assert!(map.order.len() <= 12, "queue of {}", map.order.len());
        assert_eq!(map.slots.len(), 6);
        assert!((0..5).all(|key| map.get(&key, now).is_some()));
    }

    #[test]
    fn removed_keys_are_gone_and_clones_share_the_entries() {
        let recent = Recent::new(4, HOUR);
        let clone = recent.clone();
        recent.insert(1_u64, "one".to_owned());
        recent.insert(2, "two".to_owned());
        assert_eq!(clone.remove(&1).as_deref(), Some("one"));
        assert_eq!(recent.get(&1), None);
        assert_eq!(clone.remove(&1), None);
        recent.insert(3, "three".to_owned());
        assert_eq!(
            clone.entries(),
            vec![(2, "two".to_owned()), (3, "three".to_owned())]
        );
        assert_eq!(recent.len(), 2);
    }
}
