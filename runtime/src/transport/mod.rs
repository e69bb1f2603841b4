//! The transport layer: what a broker must do for tidings.
//!
//! A transport publishes raw messages, delivers them to consumer groups, and settles each
//! delivery (ack, retry or dead-letter).
//!
//! [`InMemory`](crate::memory::InMemory) is the built-in transport; broker adapters implement
//! the same two traits. Typed code never sees this layer: publishers and routers put envelopes
//! on it and take them off.

#[cfg(feature = "amqp")]
pub mod amqp;
pub mod dead;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "tokio")]
pub mod memory;
#[cfg(feature = "mqtt")]
pub mod mqtt;
#[cfg(feature = "nats")]
pub mod nats;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "tokio")]
mod settle;
#[cfg(feature = "tls")]
pub mod tls;

use std::future::Future;
use std::pin::Pin;

pub use dead::{DeadLetter, DeadLetters};

use crate::envelope::{Binding, Headers};

/// A boxed, sendable future, for the object-safe corners of the transport layer.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A message as a broker carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawMessage {
    /// The channel address it was published to (`acme/orders/o-17`).
    pub address: String,
    /// Ordering key: messages with the same key reach one consumer of a group, in order.
    pub key: Option<String>,
    /// Headers: the CloudEvents attributes in binary mode, the content type in either mode.
    pub headers: Headers,
    /// The body: the data in binary mode, the whole event in structured mode.
    pub body: Vec<u8>,
}

impl RawMessage {
    /// What orders it among others: its key, else its address.
    pub fn ordering_key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.address)
    }

    /// A hash of [`ordering_key`](Self::ordering_key), to spread keys over members or lanes.
    pub(crate) fn key_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.ordering_key().hash(&mut hasher);
        hasher.finish()
    }

    /// The value of the first header called `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a transport could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The transport was shut down, or the broker connection is gone.
    #[error("the transport is closed")]
    Closed,
    /// The broker refused or failed the operation.
    #[error("broker error: {0}")]
    Broker(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The transport cannot do what was asked (replay where the broker keeps no log, ...).
    #[error("not supported: {0}")]
    Unsupported(String),
}

impl TransportError {
    /// A broker failure, from the client's error or a description.
    pub fn broker(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TransportError::Broker(error.into())
    }
}

/// Locks `mutex`; a panic while it was held leaves plain data behind, which stays usable.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How a delivery ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Done with: handled, or deliberately ignored.
    Ack,
    /// Deliver it again after `delay` (attempt + 1), because of `reason`.
    Retry {
        /// Why the attempt failed.
        reason: String,
        /// How long to wait first (the consumer's retry policy).
        delay: std::time::Duration,
    },
    /// Never deliver it again; keep it where people can look at it, with `reason`.
    DeadLetter {
        /// Why it was given up on.
        reason: String,
    },
}

/// A broker connection that can publish and subscribe.
///
/// Implementations are cheap handles (`Clone` over shared state) that tasks share.
pub trait Transport: Clone + Send + Sync + 'static {
    /// What a subscription yields.
    type Subscription: Subscription;

    /// How this transport names CloudEvents attributes in binary mode.
    fn binding(&self) -> Binding;

    /// The messaging system, as OpenTelemetry's `messaging.system` names it (`nats`,
    /// `rabbitmq`, `kafka`, ...): the `transport` label of tidings' metrics. By default the
    /// system of its binding.
    fn system(&self) -> &'static str {
        match self.binding() {
            Binding::Http => "http",
            Binding::Kafka => "kafka",
            Binding::Amqp => "rabbitmq",
            Binding::Mqtt => "mqtt",
            Binding::Nats => "nats",
        }
    }

    /// Sends `message`, waiting while the broker applies backpressure.
    fn publish(
        &self,
        message: RawMessage,
    ) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Joins consumer `group` on the addresses that match `pattern` (see
    /// [`address::matches`](crate::address::matches)): each message reaches one member of
    /// each group, and messages with the same key reach the same member in order.
    fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> impl Future<Output = Result<Self::Subscription, TransportError>> + Send;

    /// Like [`subscribe`](Self::subscribe), for a member that keeps up to
    /// `window.in_flight` deliveries unsettled at once: transports that fetch ahead size
    /// their prefetch (RabbitMQ), pull batches (NATS) or in-flight window (MQTT) from it.
    fn subscribe_with(
        &self,
        pattern: &str,
        group: &str,
        window: Window,
    ) -> impl Future<Output = Result<Self::Subscription, TransportError>> + Send {
        let _ = window;
        self.subscribe(pattern, group)
    }

    /// Like [`subscribe_with`](Self::subscribe_with), for a group that, when it is new,
    /// starts reading the broker's log at `from` (replay). A group that exists carries on
    /// from where it is. Transports that keep a log (NATS JetStream, Kafka, Redis Streams)
    /// implement it; the others refuse with [`TransportError::Unsupported`].
    fn subscribe_from(
        &self,
        pattern: &str,
        group: &str,
        window: Window,
        from: &Position,
    ) -> impl Future<Output = Result<Self::Subscription, TransportError>> + Send {
        let _ = (pattern, group, window);
        let refused = TransportError::Unsupported(format!(
            "{} keeps no log to read from {from}: replay needs NATS JetStream, Kafka or Redis Streams",
            self.system()
        ));
        std::future::ready(Err(refused))
    }
}

/// Where a new consumer group starts reading a broker's log
/// ([`Consumer::from`](crate::Consumer::from), `tidings listen --from`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Position {
    /// The oldest message the log keeps: what a new group on a log-keeping transport reads
    /// anyway.
    #[default]
    Beginning,
    /// Only what is published after the group is created.
    End,
    /// The messages stamped at or after this time: by the broker on NATS and Redis; on
    /// Kafka by the record's timestamp (the producer's, unless the topic uses
    /// `LogAppendTime`).
    Time(chrono::DateTime<chrono::Utc>),
    /// From this position in the log on: the stream sequence on NATS JetStream (the first
    /// message is 1), the offset in each partition on Kafka. Redis Streams number entries
    /// by time: use [`Time`](Self::Time) there.
    Sequence(u64),
}

impl Position {
    /// Where a transport's new groups start by default: at the end for short-lived
    /// listeners (`from_now`), else at the beginning.
    #[cfg(any(feature = "nats", feature = "redis", feature = "kafka"))]
    pub(crate) fn by_default(from_now: bool) -> Position {
        if from_now {
            Position::End
        } else {
            Position::Beginning
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Beginning => f.write_str("the beginning"),
            Position::End => f.write_str("the end"),
            Position::Time(time) => write!(
                f,
                "{}",
                time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ),
            Position::Sequence(n) => write!(f, "sequence {n}"),
        }
    }
}

impl std::str::FromStr for Position {
    type Err = String;

    /// `beginning`, `end`, an RFC 3339 time or a sequence number.
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "beginning" => Ok(Position::Beginning),
            "end" => Ok(Position::End),
            text => {
                if let Ok(n) = text.parse::<u64>() {
                    return Ok(Position::Sequence(n));
                }
                chrono::DateTime::parse_from_rfc3339(text)
                    .map(|time| Position::Time(time.to_utc()))
                    .map_err(|_| {
                        format!(
                            "`{text}` is not a position: `beginning`, `end`, an RFC 3339 time \
                             (2026-01-31T12:00:00Z) or a sequence number"
                        )
                    })
            }
        }
    }
}

/// How many deliveries a consumer-group member keeps unsettled at once; see
/// [`Transport::subscribe_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Deliveries taken and not yet settled, at most (at least 1).
    pub in_flight: usize,
}

impl Default for Window {
    /// The window of a worker with the default concurrency
    /// ([`DEFAULT_CONCURRENCY`](crate::consume::DEFAULT_CONCURRENCY)).
    fn default() -> Self {
        Window::new(crate::consume::DEFAULT_CONCURRENCY)
    }
}

impl Window {
    /// A window of `in_flight` unsettled deliveries (at least 1).
    pub fn new(in_flight: usize) -> Self {
        Window {
            in_flight: in_flight.max(1),
        }
    }

    /// The window as a broker's 16-bit count (prefetch, receive maximum), at least 1.
    pub fn as_u16(self) -> u16 {
        u16::try_from(self.in_flight).unwrap_or(u16::MAX)
    }
}

/// The messages of one consumer-group member.
pub trait Subscription: Send + 'static {
    /// The next delivery; `None` when the transport closed.
    fn next(&mut self) -> impl Future<Output = Option<Delivery>> + Send;
}

/// Settles a delivery with its broker; transports implement it, users call
/// [`Delivery::settle`].
pub trait Settle: Send + 'static {
    /// Acks, retries or dead-letters `delivery`'s message.
    fn settle(
        self: Box<Self>,
        delivery: Delivered,
        how: Settlement,
    ) -> BoxFuture<'static, Result<(), TransportError>>;
}

/// A message delivered to a subscription, to be settled once.
pub struct Delivery {
    delivered: Delivered,
    settle: Box<dyn Settle>,
}

/// The message of a [`Delivery`] and how often it has been tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// The message.
    pub message: RawMessage,
    /// Delivery attempt, from 1.
    pub attempt: u32,
}

impl Delivery {
    /// A delivery of `message` (attempt `attempt`) that `settle` will settle.
    pub fn new(message: RawMessage, attempt: u32, settle: Box<dyn Settle>) -> Self {
        Delivery {
            delivered: Delivered { message, attempt },
            settle,
        }
    }

    /// The message and its attempt.
    pub fn delivered(&self) -> &Delivered {
        &self.delivered
    }

    /// The message.
    pub fn message(&self) -> &RawMessage {
        &self.delivered.message
    }

    /// Delivery attempt, from 1.
    pub fn attempt(&self) -> u32 {
        self.delivered.attempt
    }

    /// Ends the delivery.
    pub async fn settle(self, how: Settlement) -> Result<(), TransportError> {
        self.settle.settle(self.delivered, how).await
    }
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("message", &self.delivered.message)
            .field("attempt", &self.delivered.attempt)
            .finish_non_exhaustive()
    }
}

/// The object-safe part of [`Transport`] that publishers hold.
pub(crate) trait Sink: Send + Sync + 'static {
    fn binding(&self) -> Binding;
    fn system(&self) -> &'static str;
    fn publish(&self, message: RawMessage) -> BoxFuture<'_, Result<(), TransportError>>;
}

impl<T: Transport> Sink for T {
    fn binding(&self) -> Binding {
        Transport::binding(self)
    }

    fn system(&self) -> &'static str {
        Transport::system(self)
    }

    fn publish(&self, message: RawMessage) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(Transport::publish(self, message))
    }
}
