//! Settling a delivery, written once for every broker.
//!
//! The outcome is matched here, and each broker says only how it acks, retries and keeps a dead
//! letter.
//!
//! The order is the same everywhere: a dead letter is kept first and the message let go
//! after, so it is never lost between the two; a retry that a broker does by publishing a
//! copy ([`republish_later`]) lets the original go only once the copy is out.

use std::future::Future;
use std::time::Duration;

use super::{BoxFuture, Delivered, Settle, Settlement, TransportError};

/// One broker's three ways to end a delivery. Wrapped in [`Settler`], it is the delivery's
/// [`Settle`].
pub(crate) trait Broker: Send + Sync + Sized + 'static {
    /// Lets the message go for good.
    fn ack(&self) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Keeps the message with the dead letters, marked with `reason`.
    fn bury(
        &self,
        delivered: Delivered,
        reason: String,
    ) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Lets the message go once it is kept with the dead letters; an ack unless the broker
    /// has a word of its own for it.
    fn let_go_buried(&self) -> impl Future<Output = Result<(), TransportError>> + Send {
        self.ack()
    }
}

/// How a broker has a message delivered again: natively (a negative ack with a delay, a
/// requeue), or, for every [`Republish`] broker, by [`republish_later`].
pub(crate) trait Retry: Broker {
    /// Has the message delivered again after `delay`, counted as the next attempt.
    fn retry(
        self,
        delivered: Delivered,
        delay: Duration,
        reason: String,
    ) -> impl Future<Output = Result<(), TransportError>> + Send;
}

/// A broker that retries by publishing a copy of the message ([`republish_later`]).
#[cfg(any(feature = "amqp", feature = "mqtt", feature = "redis"))]
pub(crate) trait Republish: Broker {
    /// Publishes `message` again for the same group, as attempt `attempt`.
    fn republish(
        &self,
        message: super::RawMessage,
        attempt: u32,
    ) -> impl Future<Output = Result<(), TransportError>> + Send;
}

/// A retry by republishing: after `delay`, from another task (the consumer goes on), a copy
/// goes out as the next attempt and the original is let go once it is sent. Until then the
/// original stays unsettled with the broker, so a crash in between loses nothing.
#[cfg(any(feature = "amqp", feature = "mqtt", feature = "redis"))]
pub(crate) fn republish_later<B: Republish>(broker: B, delivered: Delivered, delay: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let attempt = delivered.attempt.saturating_add(1);
        if broker.republish(delivered.message, attempt).await.is_ok() {
            let _ = broker.ack().await;
        }
    });
}

#[cfg(any(feature = "amqp", feature = "mqtt", feature = "redis"))]
impl<B: Republish> Retry for B {
    async fn retry(
        self,
        delivered: Delivered,
        delay: Duration,
        _: String,
    ) -> Result<(), TransportError> {
        republish_later(self, delivered, delay);
        Ok(())
    }
}

/// The [`Settle`] of a delivery from broker `B`.
pub(crate) struct Settler<B>(pub(crate) B);

impl<B: Retry> Settle for Settler<B> {
    fn settle(
        self: Box<Self>,
        delivered: Delivered,
        how: Settlement,
    ) -> BoxFuture<'static, Result<(), TransportError>> {
        let Settler(broker) = *self;
        Box::pin(async move {
            match how {
                Settlement::Ack => broker.ack().await,
                Settlement::Retry { reason, delay } => broker.retry(delivered, delay, reason).await,
                Settlement::DeadLetter { reason } => {
                    // Kept first, then let go: a dead letter is never lost between the two.
                    broker.bury(delivered, reason).await?;
                    broker.let_go_buried().await
                }
            }
        })
    }
}

/// The messages a member has delivered and not yet settled, by the broker's id for them.
///
/// Brokers that deliver again what stays unsettled too long (Redis reclaims, NATS's
/// `ack_wait`) would otherwise hand a worker a second copy of a message still waiting in one
/// of its lanes: the copy is skipped while the first is in hand.
#[cfg(any(feature = "nats", feature = "redis"))]
pub(crate) struct InHand<K>(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<K>>>);

#[cfg(any(feature = "nats", feature = "redis"))]
impl<K> Default for InHand<K> {
    fn default() -> Self {
        InHand(Default::default())
    }
}

#[cfg(any(feature = "nats", feature = "redis"))]
impl<K: std::hash::Hash + Eq + Clone> InHand<K> {
    /// Whether `id` is in hand.
    #[cfg(feature = "redis")]
    pub(crate) fn contains(&self, id: &K) -> bool {
        super::lock(&self.0).contains(id)
    }

    /// Marks `id` in hand until the returned guard is dropped (with the settlement); `None`
    /// when it already is.
    pub(crate) fn hold(&self, id: K) -> Option<Held<K>> {
        super::lock(&self.0).insert(id.clone()).then(|| Held {
            set: std::sync::Arc::clone(&self.0),
            id,
        })
    }
}

/// A message in hand; dropping it lets the id go.
#[cfg(any(feature = "nats", feature = "redis"))]
pub(crate) struct Held<K: std::hash::Hash + Eq> {
    set: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<K>>>,
    id: K,
}

#[cfg(any(feature = "nats", feature = "redis"))]
impl<K: std::hash::Hash + Eq> Drop for Held<K> {
    fn drop(&mut self) {
        super::lock(&self.set).remove(&self.id);
    }
}
