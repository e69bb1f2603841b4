//! [`TestBus`]: an in-memory bus that records every message, for publish-and-wait tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::address::ANY;
use crate::envelope::Envelope;
use crate::memory::{DeadLetter, InMemory};
use crate::publish::{PublishError, Publisher};
use crate::reliability::RetryPolicy;
use crate::route::{Consumer, Incoming, Route, Worker};
use crate::transport::{lock, RawMessage, Settlement, Subscription, Transport, TransportError};
use crate::{DecodeError, Event, Validate};

/// The consumer group the recorder joins.
const RECORDER_GROUP: &str = "tidings.testing.recorder";

/// An [`InMemory`] bus that records every message published on it, so that a test can
/// publish an event and wait for the events it causes (the seeds' `publishEvent` /
/// `waitForEvent` harness).
///
/// ```
/// use std::time::Duration;
/// use tidings::testing::TestBus;
///
/// #[derive(serde::Serialize, serde::Deserialize, tidings::Event, tidings::Validate, Debug)]
/// #[event(type = "com.acme.ping")]
/// struct Ping { n: u32 }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let bus = TestBus::start().await;
/// bus.publish("pings", Ping { n: 1 }).await.unwrap();
/// let ping = bus.wait_for::<Ping>(Duration::from_secs(5)).await.unwrap();
/// assert_eq!(ping.data.n, 1);
/// assert_eq!(bus.published::<Ping>().unwrap().len(), 1);
/// # });
/// ```
#[derive(Clone)]
pub struct TestBus {
    transport: InMemory,
    publisher: Publisher,
    log: Arc<Log>,
}

#[derive(Default)]
struct Log {
    entries: Mutex<Vec<Entry>>,
    added: Notify,
}

struct Entry {
    message: RawMessage,
    taken: bool,
}

/// Why [`TestBus::wait_for`] returned no event.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// No matching event came in time.
    #[error("no `{event_type}` event within {waited:?}; the bus saw: {seen:?}")]
    Timeout {
        /// The awaited event type.
        event_type: &'static str,
        /// How long it waited.
        waited: Duration,
        /// The event types published so far, in order.
        seen: Vec<String>,
    },
    /// An event of the awaited type came but could not be decoded.
    #[error("a `{event_type}` event could not be decoded: {error}")]
    Decode {
        /// The awaited event type.
        event_type: &'static str,
        /// Why.
        error: DecodeError,
    },
}

impl TestBus {
    /// A new bus with its recorder subscribed to every address.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn start() -> Self {
        let transport = InMemory::new();
        let log = Arc::new(Log::default());
        let mut recorder = match transport.subscribe(ANY, RECORDER_GROUP).await {
            Ok(subscription) => subscription,
            Err(error) => unreachable!("the in-memory bus refused a subscription: {error}"),
        };
        let sink = Arc::clone(&log);
        tokio::spawn(async move {
            while let Some(delivery) = recorder.next().await {
                lock(&sink.entries).push(Entry {
                    message: delivery.message().clone(),
                    taken: false,
                });
                sink.added.notify_waiters();
                // Settling in memory cannot fail.
                let _ = delivery.settle(Settlement::Ack).await;
            }
        });
        TestBus {
            publisher: Publisher::new(transport.clone()),
            transport,
            log,
        }
    }

    /// The bus, for consumers and publishers under test.
    pub fn transport(&self) -> &InMemory {
        &self.transport
    }

    /// A publisher on the bus.
    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    /// Subscribes `router` (with a consumer that retries after 1 ms, 2 ms, then gives up after
    /// 3 attempts) and runs it in a background task.
    pub async fn serve<R: Route>(&self, router: R) -> Result<(), TransportError> {
        let worker: Worker<InMemory, R> = Consumer::new(self.transport.clone())
            .retry(
                RetryPolicy::exponential(Duration::from_millis(1), Duration::from_millis(20))
                    .max_attempts(3),
            )
            .subscribe(router)
            .await?;
        tokio::spawn(worker.run());
        Ok(())
    }

    /// Publishes `data` to `address` as the start of a new flow.
    pub async fn publish<E: Event + Validate>(
        &self,
        address: &str,
        data: E,
    ) -> Result<Envelope<E>, PublishError> {
        self.publisher.publish(address, data).await
    }

    /// Waits up to `timeout` for an event of type `E` that no earlier wait returned, and
    /// returns the oldest such event.
    pub async fn wait_for<E: Event + Validate>(
        &self,
        timeout: Duration,
    ) -> Result<Envelope<E>, WaitError> {
        self.wait_for_where(timeout, |_: &Envelope<E>| true).await
    }

    /// Like [`wait_for`](Self::wait_for), for the oldest event of type `E` that also
    /// satisfies `accept`.
    pub async fn wait_for_where<E: Event + Validate>(
        &self,
        timeout: Duration,
        accept: impl Fn(&Envelope<E>) -> bool,
    ) -> Result<Envelope<E>, WaitError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so that an event recorded meanwhile wakes it.
            let added = self.log.added.notified();
            if let Some(found) = self.take(&accept)? {
                return Ok(found);
            }
            if tokio::time::timeout_at(deadline, added).await.is_err() {
                return Err(WaitError::Timeout {
                    event_type: E::TYPE,
                    waited: timeout,
                    seen: self.seen(),
                });
            }
        }
    }

    /// Every event of type `E` recorded so far, oldest first.
    ///
    /// The recorder runs beside the test: an event published a moment ago may not be recorded
    /// yet, so [`wait_for`](Self::wait_for) the events a test expects before asserting on
    /// this list.
    pub fn published<E: Event + Validate>(&self) -> Result<Vec<Envelope<E>>, DecodeError> {
        lock(&self.log.entries)
            .iter()
            .filter_map(|entry| decode_if::<E>(&entry.message).transpose())
            .collect()
    }

    /// The event type of every message recorded so far, in order (unreadable messages
    /// show as `?`); like [`published`](Self::published), it lags a moment behind.
    pub fn seen(&self) -> Vec<String> {
        lock(&self.log.entries)
            .iter()
            .map(
                |entry| match Incoming::parse(crate::memory::BINDING, &entry.message) {
                    Ok(incoming) => incoming.event_type().to_owned(),
                    Err(_) => "?".to_owned(),
                },
            )
            .collect()
    }

    /// The messages consumers dead-lettered so far, with their reasons (settled by consumers
    /// beside the test: poll or wait for what is expected).
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.transport.dead_letters()
    }

    fn take<E: Event + Validate>(
        &self,
        accept: &impl Fn(&Envelope<E>) -> bool,
    ) -> Result<Option<Envelope<E>>, WaitError> {
        let mut entries = lock(&self.log.entries);
        for entry in entries.iter_mut().filter(|e| !e.taken) {
            let decoded = decode_if::<E>(&entry.message).map_err(|error| WaitError::Decode {
                event_type: E::TYPE,
                error,
            })?;
            if let Some(envelope) = decoded.filter(|e| accept(e)) {
                entry.taken = true;
                return Ok(Some(envelope));
            }
        }
        Ok(None)
    }
}

/// The message as an `E`, if it is one.
fn decode_if<E: Event + Validate>(
    message: &RawMessage,
) -> Result<Option<Envelope<E>>, DecodeError> {
    let incoming = match Incoming::parse(crate::memory::BINDING, message) {
        Ok(incoming) => incoming,
        // Not a CloudEvent: certainly not an `E`.
        Err(_) => return Ok(None),
    };
    if incoming.event_type() != E::TYPE {
        return Ok(None);
    }
    incoming.decode().map(Some)
}
