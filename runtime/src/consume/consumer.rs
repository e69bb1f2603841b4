//! The [`Consumer`] and its [`Worker`] loop: routers subscribed, each delivery settled.
//!
//! A [`Consumer`] subscribes routers to a transport and settles each delivery by its outcome:
//! handled and ignored messages are acked, failed ones (a handler error, or a panic) retried up
//! to a limit, malformed and invalid ones dead-lettered with the reason.
//!
//! A worker keeps up to [`Consumer::concurrency`] deliveries in hand. Each is in a *lane*
//! named by its key (the message's ordering key, else its address): a lane handles and
//! settles its deliveries one after the other, in the order they came, and different lanes
//! run at the same time on the worker's task, so one slow or failing key does not hold up
//! the others, and a settlement's round trip to the broker overlaps the next handler.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tracing::Instrument;

use super::error_event::{DeadLettered, ErrorEvent};
use super::route::{dispatch, unreadable, Incoming, Outcome, Route};
use crate::envelope::Binding;
use crate::envelope::Envelope;
use crate::observe::trace::{hex_in, TraceContext, TRACEPARENT, TRACESTATE};
use crate::observe::{self, Ending};
use crate::publish::PublishError;
use crate::publish::Publisher;
use crate::reliability::{IdempotencyStore, RetryPolicy};
use crate::transport::BoxFuture;
use crate::transport::{
    Delivered, Delivery, Position, Settlement, Subscription, Transport, TransportError, Window,
};

/// Deliveries a worker keeps in hand unless [`Consumer::concurrency`] says otherwise.
///
/// Enough to keep a broker's round trips (a settlement, the next fetch) from being the
/// limit at 10,000 events/s on one local worker; see the README's consumer benchmark.
pub const DEFAULT_CONCURRENCY: usize = 64;

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
    concurrency: usize,
    /// Where new groups start; `None` leaves it to the transport.
    from: Option<Position>,
    /// Announces dead letters as an event, if set.
    error_event: Option<Announce>,
}

/// Publishes the error event of a dead letter through a publisher caused by the failed event.
type Announce = Arc<
    dyn Fn(&DeadLettered<'_>, Publisher) -> Option<BoxFuture<'static, Result<(), PublishError>>>
        + Send
        + Sync,
>;

impl<T: std::fmt::Debug> std::fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("transport", &self.transport)
            .field("retry", &self.retry)
            .field("max_attempts", &self.max_attempts)
            .field("idempotency", &self.idempotency.is_some())
            .field("group", &self.group)
            .field("concurrency", &self.concurrency)
            .field("from", &self.from)
            .field("error_event", &self.error_event.is_some())
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
            concurrency: DEFAULT_CONCURRENCY,
            from: None,
            error_event: None,
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

    /// How many deliveries a worker keeps in hand at once (at least 1; default
    /// [`DEFAULT_CONCURRENCY`]). Messages with the same key (the ordering key, else the
    /// address) are still handled one at a time, in the order they came; messages with
    /// different keys are handled concurrently on the worker's task. `1` handles every
    /// message after the previous one is settled. The transport sizes its prefetch from it.
    pub fn concurrency(mut self, deliveries: usize) -> Self {
        self.concurrency = deliveries.max(1);
        self
    }

    /// Where groups this consumer creates start reading the broker's log (replay): every
    /// message it keeps, those from a time or a sequence number on, or only new ones. A
    /// group that already exists carries on from where it is, so give a replaying consumer
    /// a new [`group`](Self::group). Transports without a log refuse to subscribe with
    /// [`TransportError::Unsupported`]; without this call each transport starts new groups
    /// as it does by default (log-keeping ones from the beginning).
    pub fn from(mut self, position: Position) -> Self {
        self.from = Some(position);
        self
    }

    /// Announces every delivery its workers dead-letter with an `E` (a spec's `system.error`,
    /// see [`ErrorEvent`]) published to `address`, once the dead letter is kept, caused by
    /// the event that failed. An `E` that cannot describe a letter is not published; nor is
    /// one when publishing fails (logged as a warning): the dead letter is kept either way.
    pub fn error_events<E: ErrorEvent>(self, address: impl Into<String>) -> Self {
        self.error_events_with(address, E::from_dead_letter)
    }

    /// Like [`error_events`](Self::error_events), with the event built by `describe`: for an
    /// error event whose schema asks for more than a dead letter says (a severity, the
    /// processor's version), or says it another way.
    pub fn error_events_with<E, F>(mut self, address: impl Into<String>, describe: F) -> Self
    where
        E: crate::Event + crate::Validate + Send + Sync + 'static,
        F: Fn(&DeadLettered<'_>) -> Option<E> + Send + Sync + 'static,
    {
        let address: Arc<str> = address.into().into();
        self.error_event = Some(Arc::new(move |letter, publisher| {
            let event = describe(letter)?;
            let address = address.clone();
            Some(Box::pin(async move {
                publisher.publish(&address, event).await.map(drop)
            }))
        }));
        self
    }

    /// Subscribes `router` to its channel; the subscription exists when this returns, so
    /// messages published from then on reach it. Run the returned worker to process them.
    pub async fn subscribe<R: Route>(&self, router: R) -> Result<Worker<T, R>, TransportError> {
        let group = self.group.as_deref().unwrap_or(R::OPERATION).to_owned();
        let window = Window::new(self.concurrency);
        let subscription = match &self.from {
            None => {
                self.transport
                    .subscribe_with(R::ADDRESS, &group, window)
                    .await?
            }
            Some(from) => {
                self.transport
                    .subscribe_from(R::ADDRESS, &group, window, from)
                    .await?
            }
        };
        Ok(Worker {
            subscription,
            router,
            binding: self.transport.binding(),
            system: self.transport.system(),
            publisher: self.publisher.clone(),
            retry: self.retry_for::<R>(),
            idempotency: self.idempotency.clone(),
            group,
            concurrency: window.in_flight,
            error_event: self.error_event.clone(),
        })
    }
}

/// A subscribed router: processes its deliveries, those with the same key in order.
pub struct Worker<T: Transport, R> {
    subscription: T::Subscription,
    router: R,
    binding: Binding,
    system: &'static str,
    publisher: Publisher,
    retry: RetryPolicy,
    idempotency: Option<Arc<dyn IdempotencyStore>>,
    group: String,
    concurrency: usize,
    error_event: Option<Announce>,
}

impl<T: Transport, R: Route> Worker<T, R> {
    /// Processes deliveries until the subscription ends (`Ok`); each is settled by its
    /// outcome.
    ///
    /// A settlement the broker does not take ends the worker with that error, once the
    /// deliveries being handled are settled; deliveries taken but not started are left
    /// unsettled for the broker to deliver again. Transports report success where the broker
    /// will deliver the message again anyway (the connection went), so an error means
    /// tidings cannot tell what became of it: stopping keeps later messages of its key from
    /// being handled past it. Start a new worker to go on.
    pub async fn run(self) -> Result<(), TransportError> {
        self.run_until(std::future::pending()).await
    }

    /// Processes deliveries until the transport closes or `shutdown` completes. Deliveries
    /// taken when `shutdown` completes are handled and settled first (at most
    /// [`Consumer::concurrency`] of them); messages not yet taken stay with the broker.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), TransportError> {
        // Taken apart, so that handling borrows the parts it reads and not the
        // subscription: a worker's future is `Send` whatever the subscription type.
        let Worker {
            mut subscription,
            router,
            binding,
            system,
            publisher,
            retry,
            idempotency,
            group,
            concurrency,
            error_event,
        } = self;
        let metrics = observe::WorkerMetrics::new(R::OPERATION, system);
        let handling = Handling {
            router: &router,
            binding,
            system,
            metrics: &metrics,
            publisher: &publisher,
            retry: &retry,
            idempotency: idempotency.as_deref(),
            group: &group,
            error_event: error_event.as_ref(),
        };
        let mut shutdown = std::pin::pin!(shutdown);
        let mut lanes = Lanes::default();
        let mut running = FuturesUnordered::new();
        let mut taking = true;
        let mut failed = None;
        loop {
            if !taking && running.is_empty() {
                return failed.map_or(Ok(()), Err);
            }
            let fetching = taking && lanes.in_hand < concurrency;
            // Kept while settlements complete around it: a fetch is dropped only when the
            // worker stops taking, never for a settlement.
            let mut next = std::pin::pin!(fetching.then(|| subscription.next()));
            loop {
                let turn = std::future::poll_fn(|cx| {
                    if let Poll::Ready(Some(done)) = running.poll_next_unpin(cx) {
                        return Poll::Ready(Turn::Settled(done));
                    }
                    if taking && shutdown.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Turn::Stop);
                    }
                    match next.as_mut().as_pin_mut().map(|next| next.poll(cx)) {
                        Some(Poll::Ready(delivery)) => Poll::Ready(Turn::Fetched(delivery)),
                        _ => Poll::Pending,
                    }
                })
                .await;
                match turn {
                    Turn::Fetched(Some(delivery)) => {
                        let lane = lane_of(&delivery);
                        if let Some(delivery) = lanes.take(lane, delivery) {
                            running.push(handle_in_lane(&handling, lane, delivery));
                        }
                        break;
                    }
                    Turn::Fetched(None) | Turn::Stop => {
                        taking = false;
                        break;
                    }
                    Turn::Settled((lane, settled)) => {
                        if let Err(error) = settled {
                            // Nothing more is started: what waits in a lane is left to the
                            // broker, so nothing of the failed key is handled past it.
                            taking = false;
                            lanes.abandon();
                            failed.get_or_insert(error);
                        }
                        if let Some(next) = lanes.settled(lane) {
                            running.push(handle_in_lane(&handling, lane, next));
                        }
                        // A fetch in progress goes on; otherwise there may be room for one.
                        if !fetching || !taking {
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// What wakes a worker.
enum Turn {
    /// The subscription gave a delivery, or ended (`None`).
    Fetched(Option<Delivery>),
    /// A lane settled a delivery (or failed to).
    Settled((u64, Result<(), TransportError>)),
    /// Shutdown completed.
    Stop,
}

/// The deliveries a worker holds, by lane: a lane that is running has an entry, with what
/// waits behind the running delivery.
#[derive(Default)]
struct Lanes {
    waiting: HashMap<u64, VecDeque<Delivery>>,
    /// Deliveries taken and not yet settled, running or waiting.
    in_hand: usize,
}

impl Lanes {
    /// Takes `delivery` into `lane`: returns it when the lane is free to run it now.
    fn take(&mut self, lane: u64, delivery: Delivery) -> Option<Delivery> {
        self.in_hand += 1;
        match self.waiting.entry(lane) {
            Entry::Occupied(mut busy) => {
                busy.get_mut().push_back(delivery);
                None
            }
            Entry::Vacant(free) => {
                free.insert(VecDeque::new());
                Some(delivery)
            }
        }
    }

    /// `lane` settled its running delivery: returns the next one to run in it, if any.
    fn settled(&mut self, lane: u64) -> Option<Delivery> {
        self.in_hand -= 1;
        let Entry::Occupied(mut entry) = self.waiting.entry(lane) else {
            return None;
        };
        let next = entry.get_mut().pop_front();
        if next.is_none() {
            entry.remove();
        }
        next
    }

    /// Lets go of every waiting delivery, unsettled: the broker delivers them again.
    fn abandon(&mut self) {
        for waiting in self.waiting.values_mut() {
            self.in_hand -= waiting.len();
            waiting.clear();
        }
    }
}

/// The lane of `delivery`: a hash of its ordering key, else of its address. Two keys that
/// share a hash share a lane, which keeps both in order.
fn lane_of(delivery: &Delivery) -> u64 {
    delivery.message().key_hash()
}

/// Handles `delivery` and settles it by its outcome, in a `process` span (with `handle` and
/// `settle` spans inside) whose trace parent is the publish span of the event.
async fn handle_in_lane<R: Route>(
    handling: &Handling<'_, R>,
    lane: u64,
    delivery: Delivery,
) -> (u64, Result<(), TransportError>) {
    let delivered = delivery.delivered();
    let observed = observe::Handled::start(handling.metrics);
    let read = Incoming::read::<R>(handling.binding, &delivered.message);
    // This delivery's place in the trace: the publish span's child, else a new trace.
    let parent = read.as_ref().ok().and_then(|incoming| {
        let extensions = &incoming.context().extensions;
        let traceparent = extensions.get(TRACEPARENT)?;
        TraceContext::parse(traceparent, extensions.get(TRACESTATE).map(String::as_str))
    });
    let trace = parent
        .as_ref()
        .map_or_else(TraceContext::root, TraceContext::child);
    let context = read.as_ref().ok().map(Incoming::context);
    // The ids in hex on the stack, written only for a span a subscriber takes (the macro
    // evaluates field values only then): recorded as text, no allocation.
    let (mut trace_hex, mut span_hex, mut parent_hex) = ([0; 32], [0; 32], [0; 32]);
    let span = tracing::info_span!(
        "process",
        "otel.kind" = "consumer",
        "messaging.system" = handling.system,
        "messaging.operation.type" = "process",
        "messaging.destination.name" = delivered.message.address.as_str(),
        "messaging.consumer.group.name" = handling.group,
        "messaging.message.id" = context.map(|c| c.id.as_str()),
        "messaging.delivery.attempt" = delivered.attempt,
        "cloudevents.event_type" = context.map(|c| &*c.event_type),
        "tidings.operation" = R::OPERATION,
        "tidings.settlement" = tracing::field::Empty,
        "trace_id" = hex_in(&trace.trace_id, &mut trace_hex),
        "span_id" = hex_in(&trace.span_id, &mut span_hex),
        "parent_span_id" = parent.as_ref().map(|p| hex_in(&p.span_id, &mut parent_hex)),
    );
    let (settlement, context) = handling
        .handle(delivered, read, trace.clone(), observed)
        .instrument(span.clone())
        .await;
    // What the error event of a dead letter needs, once the delivery is settled.
    let announcement = match (&settlement, handling.error_event) {
        (Settlement::DeadLetter { reason }, Some(announce)) => Some((
            announce,
            reason.clone(),
            delivered.message.address.clone(),
            delivered.attempt,
        )),
        _ => None,
    };
    let kind = match &settlement {
        Settlement::Ack => "ack",
        Settlement::Retry { .. } => "retry",
        Settlement::DeadLetter { .. } => "dead_letter",
    };
    span.record("tidings.settlement", kind);
    let settle = tracing::debug_span!(parent: &span, "settle", "tidings.settlement" = kind);
    let settled = delivery
        .settle(settlement)
        .instrument(settle)
        .instrument(span.clone())
        .await;
    if let (Ok(()), Some((announce, reason, address, attempt))) = (&settled, announcement) {
        // In the delivery's trace: the error event is the process span's child.
        let announcing = handling.announce(announce, context.as_ref(), &address, attempt, &reason);
        trace.scope(announcing).instrument(span).await;
    }
    (lane, settled)
}

/// What a worker needs to handle one delivery.
struct Handling<'w, R> {
    router: &'w R,
    binding: Binding,
    /// The transport's `messaging.system`, for spans.
    system: &'static str,
    metrics: &'w observe::WorkerMetrics,
    publisher: &'w Publisher,
    retry: &'w RetryPolicy,
    idempotency: Option<&'w dyn IdempotencyStore>,
    group: &'w str,
    error_event: Option<&'w Announce>,
}

impl<R: Route> Handling<'_, R> {
    /// Decides how `delivered` (`read` as a CloudEvent, or not) ends: a duplicate is acked,
    /// anything else is routed, in `trace`.
    async fn handle(
        &self,
        delivered: &Delivered,
        read: Result<Incoming<'_>, crate::DecodeError>,
        trace: TraceContext,
        observed: observe::Handled<'_>,
    ) -> (Settlement, Option<Envelope<()>>) {
        let incoming = match read {
            Ok(incoming) => incoming,
            Err(error) => {
                let settled = settlement(unreadable(error), delivered.attempt, self.retry);
                observed.end(observe::UNREADABLE, Ending::Settled, &settled, None);
                return (settled, None);
            }
        };
        // Kept for the error event, where there is one.
        let context = self.error_event.map(|_| incoming.context().clone());
        let event_type = incoming.context().event_type.clone();
        let time = incoming.context().time;
        let id = self.idempotency.map(|_| incoming.context().id.clone());
        if let (Some(store), Some(id)) = (self.idempotency, &id) {
            if store.seen(self.group, id).await {
                observed.end(&event_type, Ending::Duplicate, &Settlement::Ack, time);
                return (Settlement::Ack, None);
            }
        }
        let outcome = dispatch(
            self.router,
            incoming,
            self.binding,
            delivered,
            self.publisher,
        )
        .instrument(tracing::debug_span!("handle"));
        let outcome = trace.scope(outcome).await;
        if let (Outcome::Handled, Some(store), Some(id)) = (&outcome, self.idempotency, &id) {
            store.record(self.group, id).await;
        }
        let ending = match &outcome {
            Outcome::Ignored(_) => Ending::Ignored,
            Outcome::Handled => Ending::Handled,
            _ => Ending::Settled,
        };
        let settled = settlement(outcome, delivered.attempt, self.retry);
        observed.end(&event_type, ending, &settled, time);
        (settled, context)
    }

    /// Publishes the error event of a delivery from `address` dead-lettered on `attempt` for
    /// `reason` (`context`: the event's, when it was a readable CloudEvent).
    async fn announce(
        &self,
        announce: &Announce,
        context: Option<&Envelope<()>>,
        address: &str,
        attempt: u32,
        reason: &str,
    ) {
        let letter = DeadLettered {
            event_type: context.map(|c| &*c.event_type),
            id: context.map(|c| c.id.as_str()),
            source: context.map(|c| &*c.source),
            address,
            group: self.group,
            operation: R::OPERATION,
            reason,
            attempt,
            time: chrono::Utc::now(),
        };
        let publisher = match context {
            Some(c) => {
                self.publisher
                    .caused_by_parts(&c.id, c.correlation_id(), c.metadata.clone())
            }
            None => self.publisher.clone(),
        };
        let Some(publishing) = announce(&letter, publisher) else {
            tracing::warn!(
                "tidings.operation" = R::OPERATION,
                "the error event cannot describe this dead letter; it is kept unannounced"
            );
            return;
        };
        if let Err(error) = publishing.await {
            tracing::warn!(
                "tidings.operation" = R::OPERATION,
                %error,
                "the error event of a dead letter was not published; the dead letter is kept"
            );
        }
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
