//! What consumers share whatever the broker: retry delays and the events already handled.
//!
//! A [`RetryPolicy`] says how long to wait before a retry; an [`IdempotencyStore`] says which
//! events were already handled.

#[cfg(feature = "postgres")]
pub mod postgres;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::transport::BoxFuture;

/// When to retry a message whose handler failed, and when to give up on it.
///
/// The delay before attempt `n + 1` is `initial × multiplier^(n - 1)`, capped at `max`, then
/// spread by up to `jitter` (a fraction) either way, so that consumers that failed together
/// do not retry together.
///
/// ```
/// use std::time::Duration;
/// use tidings::reliability::RetryPolicy;
///
/// let policy = RetryPolicy::exponential(Duration::from_millis(100), Duration::from_secs(5))
///     .max_attempts(4)
///     .jitter(0.0);
/// assert_eq!(policy.delay(1), Duration::from_millis(100));
/// assert_eq!(policy.delay(2), Duration::from_millis(200));
/// assert_eq!(policy.delay(9), Duration::from_secs(5));
/// assert!(policy.gives_up_after(4));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial: Duration,
    max: Duration,
    multiplier: f64,
    jitter: f64,
}

/// Default number of attempts before a failing message is dead-lettered.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Default wait before the second attempt.
pub const DEFAULT_INITIAL_DELAY: Duration = Duration::from_millis(100);
/// Default longest wait between attempts.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);

impl Default for RetryPolicy {
    /// 5 attempts, 100 ms doubling up to 30 s, ±20 % jitter.
    fn default() -> Self {
        RetryPolicy::exponential(DEFAULT_INITIAL_DELAY, DEFAULT_MAX_DELAY)
    }
}

impl RetryPolicy {
    /// Exponential backoff from `initial` (doubling) up to `max`, 5 attempts, ±20 % jitter.
    pub fn exponential(initial: Duration, max: Duration) -> Self {
        RetryPolicy {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial,
            max,
            multiplier: 2.0,
            jitter: 0.2,
        }
    }

    /// The same policy, waiting `delay` before the second attempt.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial = delay;
        self
    }

    /// The same policy, never waiting longer than `delay` between attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max = delay;
        self
    }

    /// Retries at once (tests, and transports that cannot delay).
    pub fn immediate() -> Self {
        RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::exponential(Duration::ZERO, Duration::ZERO)
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The factor between consecutive delays (at least 1).
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier.max(1.0);
        self
    }

    /// The spread of each delay, as a fraction of it (0 to 1).
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter.clamp(0.0, 1.0);
        self
    }

    /// Whether attempt `attempt` (from 1) was the last.
    pub fn gives_up_after(&self, attempt: u32) -> bool {
        attempt >= self.max_attempts
    }

    /// The number of attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How long to wait after failed attempt `attempt` (from 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let base = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = base.min(self.max.as_secs_f64());
        let spread = if self.jitter > 0.0 {
            // Uniform in [-jitter, +jitter], from the clock's low bits (no RNG dependency:
            // the spread only needs to differ between consumers, not to be unpredictable).
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let unit = f64::from(nanos % 10_000) / 10_000.0;
            (unit * 2.0 - 1.0) * self.jitter
        } else {
            0.0
        };
        Duration::from_secs_f64((capped * (1.0 + spread)).max(0.0))
    }
}

/// Remembers the ids of events that were handled, so that a redelivered event (after a
/// broker restart, a lost ack, or a duplicate publish) is acknowledged without being handled
/// twice.
///
/// [`MemoryIdempotency`] keeps the most recent ids in the process; stores on Redis or
/// PostgreSQL implement the same trait to share them between consumers.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Whether `id` was handled by consumer group `group`.
    fn seen<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, bool>;
    /// Records that `id` was handled by `group`.
    fn record<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, ()>;
}

/// The most recent `capacity` event ids per process, least recently recorded forgotten first.
#[derive(Clone)]
pub struct MemoryIdempotency {
    inner: Arc<Mutex<Lru>>,
}

struct Lru {
    capacity: usize,
    order: VecDeque<(String, String)>,
    ids: HashMap<(String, String), ()>,
}

impl MemoryIdempotency {
    /// A store that remembers the last `capacity` ids (at least 1).
    pub fn new(capacity: usize) -> Self {
        MemoryIdempotency {
            inner: Arc::new(Mutex::new(Lru {
                capacity: capacity.max(1),
                order: VecDeque::new(),
                ids: HashMap::new(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        crate::transport::lock(&self.inner)
    }
}

impl IdempotencyStore for MemoryIdempotency {
    fn seen<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, bool> {
        let known = self
            .lock()
            .ids
            .contains_key(&(group.to_owned(), id.to_owned()));
        Box::pin(async move { known })
    }

    fn record<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, ()> {
        let mut lru = self.lock();
        let key = (group.to_owned(), id.to_owned());
        if lru.ids.insert(key.clone(), ()).is_none() {
            lru.order.push_back(key);
            while lru.order.len() > lru.capacity {
                if let Some(old) = lru.order.pop_front() {
                    lru.ids.remove(&old);
                }
            }
        }
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_within_the_jitter() {
        let policy = RetryPolicy::exponential(Duration::from_millis(100), Duration::from_secs(1));
        for attempt in 1..=10 {
            let exact = (0.1 * 2f64.powi(attempt as i32 - 1)).min(1.0);
            let d = policy.delay(attempt).as_secs_f64();
            assert!(
                d >= exact * 0.8 - 1e-9 && d <= exact * 1.2 + 1e-9,
                "{attempt}: {d}"
            );
        }
        assert_eq!(RetryPolicy::immediate().delay(3), Duration::ZERO);
        assert!(!RetryPolicy::default().gives_up_after(4));
        assert!(RetryPolicy::default().gives_up_after(5));
    }

    #[tokio::test]
    async fn the_memory_store_forgets_the_oldest() {
        let store = MemoryIdempotency::new(2);
        store.record("g", "a").await;
        store.record("g", "b").await;
        assert!(store.seen("g", "a").await);
        assert!(!store.seen("other", "a").await, "per group");
        store.record("g", "c").await;
        assert!(!store.seen("g", "a").await);
        assert!(store.seen("g", "b").await && store.seen("g", "c").await);
    }
}
