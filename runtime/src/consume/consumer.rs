//! The [`Consumer`] and its [`Worker`] loop: routers subscribed, each delivery settled.
//!
//! A [`Consumer`] subscribes routers to a transport and settles each delivery by its outcome:
//! handled and ignored messages are acked, failed ones (a handler error, or a panic) retried up
//! to a limit, malformed and invalid ones dead-lettered with the reason.

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

use super::route::{dispatch, unreadable, Incoming, Outcome, Route};
use crate::envelope::Binding;
use crate::publish::Publisher;
use crate::reliability::{IdempotencyStore, RetryPolicy};
use crate::transport::{Delivered, Settlement, Subscription, Transport, TransportError};

/// Subscribes routers to a transport, with a retry policy and, optionally, an idempotency
/// store.
///
/// The retry policy of a router is the one set here in code, else the one its spec gives the
/// operation ([`Route::retry_policy`], from `x-tidings-retry`), else [`RetryPolicy::default`].
///
/// ```
/// use std::time::Duration;
/// use tidings::memory::InMemory;
/// use tidings::reliability::{MemoryIdempotency, RetryPolicy};
/// use tidings::Consumer;
///
/// let bus = InMemory::new();
/// let consumer = Consumer::new(bus.clone())
///     .retry(RetryPolicy::exponential(Duration::from_millis(50), Duration::from_secs(10)).max_attempts(4))
///     .idempotency(MemoryIdempotency::new(100_000));
/// // let worker = consumer.subscribe(MyRouter(MyHandler)).await?;
/// // tokio::spawn(worker.run());
/// # let _ = consumer;
/// ```
#[derive(Clone)]
pub struct Consumer<T> {
    transport: T,
    publisher: Publisher,
    /// Set in code; `None` leaves it to the spec.
    retry: Option<RetryPolicy>,
    /// Set in code on top of whichever policy applies.
    max_attempts: Option<u32>,
    idempotency: Option<Arc<dyn IdempotencyStore>>,
    group: Option<String>,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("transport", &self.transport)
            .field("retry", &self.retry)
            .field("max_attempts", &self.max_attempts)
            .field("idempotency", &self.idempotency.is_some())
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

pub use crate::reliability::DEFAULT_MAX_ATTEMPTS;

impl<T: Transport> Consumer<T> {
    /// A consumer on `transport`; handlers publish through the same transport. Failed
    /// messages are retried by the spec's policy for the operation, else by
    /// [`RetryPolicy::default`].
    pub fn new(transport: T) -> Self {
        Consumer {
            publisher: Publisher::new(transport.clone()),
            transport,
            retry: None,
            max_attempts: None,
            idempotency: None,
            group: None,
        }
    }

    /// Handlers' events go through `publisher` (its source, metadata and mode).
    pub fn with_publisher(mut self, publisher: Publisher) -> Self {
        self.publisher = publisher;
        self
    }

    /// When to retry a failed message and when to dead-letter it, for every router this
    /// consumer subscribes (instead of the spec's policies). It replaces an earlier
    /// [`max_attempts`](Self::max_attempts); a later one applies on top.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self.max_attempts = None;
        self
    }

    /// Attempts before a message whose handler keeps failing is dead-lettered (at least 1),
    /// on top of whichever policy applies (set in code, the spec's, or the default).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// The retry policy `R`'s worker uses.
    fn retry_for<R: Route>(&self) -> RetryPolicy {
        let policy = self
            .retry
            .clone()
            .or_else(R::retry_policy)
            .unwrap_or_default();
        match self.max_attempts {
            Some(attempts) => policy.max_attempts(attempts),
            None => policy,
        }
    }

    /// Acknowledges, without handling them again, events whose id `store` has seen handled
    /// by this group (redeliveries after a lost ack or a broker restart, duplicate publishes).
    pub fn idempotency(mut self, store: impl IdempotencyStore) -> Self {
        self.idempotency = Some(Arc::new(store));
        self
    }

    /// Joins consumer group `group` instead of the one named after the operation.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Subscribes `router` to its channel; the subscription exists when this returns, so
    /// messages published from then on reach it. Run the returned worker to process them.
    pub async fn subscribe<R: Route>(&self, router: R) -> Result<Worker<T, R>, TransportError> {
        let group = self.group.as_deref().unwrap_or(R::OPERATION).to_owned();
        let subscription = self.transport.subscribe(R::ADDRESS, &group).await?;
        Ok(Worker {
            subscription,
            router,
            binding: self.transport.binding(),
            publisher: self.publisher.clone(),
            retry: self.retry_for::<R>(),
            idempotency: self.idempotency.clone(),
            group,
        })
    }
}

/// A subscribed router: processes its deliveries one at a time, in order.
pub struct Worker<T: Transport, R> {
    subscription: T::Subscription,
    router: R,
    binding: Binding,
    publisher: Publisher,
    retry: RetryPolicy,
    idempotency: Option<Arc<dyn IdempotencyStore>>,
    group: String,
}

impl<T: Transport, R: Route> Worker<T, R> {
    /// Processes deliveries until the subscription ends (`Ok`); each is settled by its
    /// outcome.
    ///
    /// A settlement the broker does not take ends the worker with that error. Transports
    /// report success where the broker will deliver the message again anyway (the
    /// connection went), so an error means tidings cannot tell what became of it: stopping
    /// keeps later messages from being acknowledged past it. Start a new worker to go on.
    pub async fn run(self) -> Result<(), TransportError> {
        self.run_until(std::future::pending()).await
    }

    /// Processes deliveries until the transport closes or `shutdown` completes. A message
    /// being handled when `shutdown` completes is finished and settled first; messages not
    /// yet taken stay with the broker.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), TransportError> {
        // Taken apart, so that handling borrows the parts it reads and not the
        // subscription: a worker's future is `Send` whatever the subscription type.
        let Worker {
            mut subscription,
            router,
            binding,
            publisher,
            retry,
            idempotency,
            group,
        } = self;
        let handling = Handling {
            router: &router,
            binding,
            publisher: &publisher,
            retry: &retry,
            idempotency: idempotency.as_deref(),
            group: &group,
        };
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let next = {
                let mut next = std::pin::pin!(subscription.next());
                std::future::poll_fn(|cx| {
                    if shutdown.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(None);
                    }
                    next.as_mut().poll(cx)
                })
                .await
            };
            let Some(delivery) = next else {
                return Ok(());
            };
            let settlement = handling.handle(delivery.delivered()).await;
            // A settlement the broker did not take stops the worker: whether the message
            // comes again is then the transport's to say, and each returns `Ok` where the
            // broker will deliver it again (a lost connection). Carrying on could lose it: on
            // Kafka the next message's offset would be committed past it.
            delivery.settle(settlement).await?;
        }
    }
}

/// What a worker needs to handle one delivery.
struct Handling<'w, R> {
    router: &'w R,
    binding: Binding,
    publisher: &'w Publisher,
    retry: &'w RetryPolicy,
    idempotency: Option<&'w dyn IdempotencyStore>,
    group: &'w str,
}

impl<R: Route> Handling<'_, R> {
    /// Decides how `delivered` ends: a duplicate is acked, anything else is routed.
    async fn handle(&self, delivered: &Delivered) -> Settlement {
        let incoming = match Incoming::parse(self.binding, &delivered.message) {
            Ok(incoming) => incoming,
            Err(error) => return settlement(unreadable(error), delivered.attempt, self.retry),
        };
        let id = self.idempotency.map(|_| incoming.context().id.clone());
        if let (Some(store), Some(id)) = (self.idempotency, &id) {
            if store.seen(self.group, id).await {
                return Settlement::Ack;
            }
        }
        let outcome = dispatch(
            self.router,
            incoming,
            self.binding,
            delivered,
            self.publisher,
        )
        .await;
        if let (Outcome::Handled, Some(store), Some(id)) = (&outcome, self.idempotency, &id) {
            store.record(self.group, id).await;
        }
        settlement(outcome, delivered.attempt, self.retry)
    }
}

/// How to settle a delivery on its `attempt` that ended as `outcome`.
fn settlement(outcome: Outcome, attempt: u32, retry: &RetryPolicy) -> Settlement {
    match outcome {
        Outcome::Handled | Outcome::Ignored(_) => Settlement::Ack,
        Outcome::Retry(reason) if retry.gives_up_after(attempt) => Settlement::DeadLetter {
            reason: format!("{reason} (gave up after {attempt} attempts)"),
        },
        Outcome::Retry(reason) => Settlement::Retry {
            reason,
            delay: retry.delay(attempt),
        },
        Outcome::DeadLetter(reason) => Settlement::DeadLetter { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_settle_as_documented() {
        let policy = RetryPolicy::exponential(
            std::time::Duration::from_millis(10),
            std::time::Duration::from_secs(1),
        )
        .max_attempts(3)
        .jitter(0.0);
        assert_eq!(settlement(Outcome::Handled, 1, &policy), Settlement::Ack);
        assert_eq!(
            settlement(Outcome::Ignored("x".into()), 1, &policy),
            Settlement::Ack
        );
        assert_eq!(
            settlement(Outcome::Retry("busy".into()), 2, &policy),
            Settlement::Retry {
                reason: "busy".into(),
                delay: std::time::Duration::from_millis(20),
            }
        );
        assert_eq!(
            settlement(Outcome::Retry("busy".into()), 3, &policy),
            Settlement::DeadLetter {
                reason: "busy (gave up after 3 attempts)".into()
            }
        );
        assert_eq!(
            settlement(Outcome::DeadLetter("bad".into()), 1, &policy),
            Settlement::DeadLetter {
                reason: "bad".into()
            }
        );
    }
}
