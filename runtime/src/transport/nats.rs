//! NATS JetStream transport (feature `nats`), on [async-nats](https://docs.rs/async-nats).
//!
//! - **Subjects**: a channel address maps to a subject under a prefix, `/` becoming `.`:
//!   `acme/orders/o-17` is `tidings.acme.orders.o-17`, and the subscription pattern
//!   `acme/orders/{orderId}` filters `tidings.acme.orders.*`. Parameter values never hold `.`,
//!   `*` or `>` ([`address::fill`](crate::address::fill) refuses them), so a value cannot
//!   widen a subscription. The original address travels in a `tidings-address` header.
//! - **Persistence**: one stream (default `TIDINGS`) holds the prefix's subjects; publishing
//!   waits for the stream's acknowledgement, and sets `Nats-Msg-Id` to the event id, so a
//!   publish retried within the stream's duplicate window is stored once.
//! - **Consumer groups** are durable pull consumers with explicit acks, one per group name and
//!   address pattern: members of a group share its messages, pulled in batches of twice the
//!   worker's concurrency (at least 200) with the next batch requested while half of one is
//!   still to be handled. Acks are sent without waiting by default ([`AckMode`]); a retry is
//!   a NAK with the policy's delay; the attempt is JetStream's delivery count.
//! - **Dead letters** go to `<prefix>-dlq.<subject>` (stream `<stream>_DLQ`) with the headers
//!   `tidings-dlq-reason`, `tidings-dlq-attempt` and `tidings-dlq-group`, then the original is
//!   terminated.
//! - **Reconnection** is the client's: after the server restarts, publishing and consuming go
//!   on; messages that were not acked are redelivered.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use async_nats::header::{HeaderName, HeaderValue};
use async_nats::jetstream::{self, consumer, stream, AckKind};
use async_nats::HeaderMap;
use tokio_stream::StreamExt;

pub use async_nats;

use crate::envelope::{Binding, ADDRESS_HEADER};
use crate::transport::settle::{dead_letter_headers, Broker, Held, InHand, Retry, Settler};
use crate::transport::{
    Delivered, Delivery, RawMessage, Subscription, Transport, TransportError, Window,
};

/// Where tidings keeps its messages on the server.
#[derive(Clone, Debug)]
pub struct NatsOptions {
    /// The JetStream stream (created if missing; its dead letters go to `<stream>_DLQ`).
    pub stream: String,
    /// The subject prefix of every address.
    pub prefix: String,
    /// How long a delivery may stay unacked before the server redelivers it.
    pub ack_wait: Duration,
    /// How long the server remembers event ids to drop duplicate publishes.
    pub duplicate_window: Duration,
    /// New consumer groups start with the messages published after they were created,
    /// instead of everything the stream holds, and are dropped by the server after five
    /// idle minutes (for short-lived listeners).
    pub from_now: bool,
    /// How a handled message is acknowledged.
    pub ack: AckMode,
}

/// How a consumer acknowledges what it handled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AckMode {
    /// The ack is sent and not waited for: the worker goes on at once. An ack lost on the way
    /// (the server restarting, say) means the message is delivered again after `ack_wait`, so
    /// a message can be handled twice; a consumer with an idempotency store handles it once.
    #[default]
    Plain,
    /// The server confirms each ack before the settlement returns, so a settled message is
    /// never delivered again, at the cost of one round trip per message (about 10,000
    /// messages/s per worker on a local server).
    Confirmed,
}

impl Default for NatsOptions {
    fn default() -> Self {
        NatsOptions {
            stream: "TIDINGS".into(),
            prefix: "tidings".into(),
            ack_wait: Duration::from_secs(30),
            duplicate_window: Duration::from_secs(120),
            from_now: false,
            ack: AckMode::Plain,
        }
    }
}

/// A NATS JetStream connection; clones share it.
#[derive(Clone)]
pub struct Nats {
    jetstream: jetstream::Context,
    options: Arc<NatsOptions>,
}

impl std::fmt::Debug for Nats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nats")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Nats {
    /// Connects to `url` (`nats://127.0.0.1:4222`) with the default options.
    pub async fn connect(url: &str) -> Result<Self, TransportError> {
        Self::connect_with(url, NatsOptions::default()).await
    }

    /// Connects to `url` and makes sure the streams exist.
    pub async fn connect_with(url: &str, options: NatsOptions) -> Result<Self, TransportError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .connect(url.trim_start_matches("nats://"))
            .await
            .map_err(TransportError::broker)?;
        let jetstream = jetstream::new(client);
        let config = stream::Config {
            name: options.stream.clone(),
            subjects: vec![format!("{}.>", options.prefix)],
            duplicate_window: options.duplicate_window,
            ..Default::default()
        };
        jetstream
            .get_or_create_stream(config)
            .await
            .map_err(TransportError::broker)?;
        let dlq = stream::Config {
            name: format!("{}_DLQ", options.stream),
            subjects: vec![format!("{}-dlq.>", options.prefix)],
            ..Default::default()
        };
        jetstream
            .get_or_create_stream(dlq)
            .await
            .map_err(TransportError::broker)?;
        Ok(Nats {
            jetstream,
            options: Arc::new(options),
        })
    }

    /// The JetStream context, for what tidings does not wrap (reading dead letters, say).
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.jetstream
    }

    /// The options it was connected with.
    pub fn options(&self) -> &NatsOptions {
        &self.options
    }

    /// The subject of `address`.
    pub fn subject(&self, address: &str) -> Result<String, TransportError> {
        let refused = |c: char| matches!(c, '*' | '>') || c.is_whitespace() || c.is_control();
        let bad = if address.is_ascii() {
            address.bytes().any(|b| refused(char::from(b)))
        } else {
            address.chars().any(refused)
        };
        if address.is_empty() || bad {
            return Err(invalid(format!("`{address}` cannot be a NATS subject")));
        }
        let prefix = &self.options.prefix;
        let mut subject = String::with_capacity(prefix.len() + 1 + address.len());
        subject.push_str(prefix);
        subject.push('.');
        subject.extend(address.chars().map(|c| if c == '/' { '.' } else { c }));
        Ok(subject)
    }

    /// The subject filter of a subscription `pattern` (`{param}` is one token).
    pub fn filter(&self, pattern: &str) -> String {
        if pattern == crate::address::ANY {
            return format!("{}.>", self.options.prefix);
        }
        let subject = crate::address::with_wildcards(pattern, "*");
        format!("{}.{}", self.options.prefix, subject.replace('/', "."))
    }
}

impl Transport for Nats {
    type Subscription = NatsSubscription;

    fn binding(&self) -> Binding {
        Binding::Nats
    }

    async fn publish(&self, message: RawMessage) -> Result<(), TransportError> {
        let subject = self.subject(&message.address)?;
        let RawMessage {
            address,
            headers: named,
            body,
            ..
        } = message;
        let mut headers = HeaderMap::new();
        for (name, value) in named {
            let is_id = name.eq_ignore_ascii_case("ce-id");
            let name = header_name(name)?;
            if memchr::memchr2(b'\r', b'\n', value.as_bytes()).is_some() {
                return Err(invalid(format!(
                    "header `{}` has a line break, which NATS headers cannot carry",
                    AsRef::<str>::as_ref(&name)
                )));
            }
            if is_id {
                headers.insert(async_nats::header::NATS_MESSAGE_ID, value.as_str());
            }
            // Moved, not copied: names from the envelope are static, values owned.
            headers.insert(name, HeaderValue::from(value));
        }
        headers.insert(ADDRESS_HEADER, HeaderValue::from(address));
        let ack = self
            .jetstream
            .publish_with_headers(subject, headers, body.into())
            .await
            .map_err(TransportError::broker)?;
        ack.await.map_err(TransportError::broker)?;
        Ok(())
    }

    async fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<NatsSubscription, TransportError> {
        self.subscribe_with(pattern, group, Window::default()).await
    }

    /// Pull requests ask for batches of at least twice the worker's concurrency.
    async fn subscribe_with(
        &self,
        pattern: &str,
        group: &str,
        window: Window,
    ) -> Result<NatsSubscription, TransportError> {
        let filter = self.filter(pattern);
        let durable = consumer_name(group, &filter);
        let stream = self
            .jetstream
            .get_stream(&self.options.stream)
            .await
            .map_err(TransportError::broker)?;
        let consumer: consumer::PullConsumer = stream
            .get_or_create_consumer(
                &durable,
                consumer::pull::Config {
                    durable_name: Some(durable.clone()),
                    filter_subject: filter,
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: self.options.ack_wait,
                    deliver_policy: if self.options.from_now {
                        consumer::DeliverPolicy::New
                    } else {
                        consumer::DeliverPolicy::All
                    },
                    // Groups that only look at what comes from now on (`tidings listen`) are
                    // not meant to outlive their process: the server drops them when idle.
                    inactive_threshold: if self.options.from_now {
                        Duration::from_secs(300)
                    } else {
                        Duration::ZERO
                    },
                    ..Default::default()
                },
            )
            .await
            .map_err(TransportError::broker)?;
        let batch = window.in_flight.saturating_mul(2).max(MIN_BATCH);
        let messages = pull(&consumer, batch)
            .await
            .map_err(TransportError::broker)?;
        Ok(NatsSubscription {
            batch,
            in_hand: InHand::default(),
            consumer,
            messages: Some(messages),
            nats: self.clone(),
            group: group.to_owned(),
        })
    }
}

/// `name` as a NATS header name, without copying a static one; names NATS cannot carry
/// (control characters, non-ASCII, `:`) are an error rather than the client's panic.
fn header_name(name: Cow<'static, str>) -> Result<HeaderName, TransportError> {
    if name.bytes().any(|b| !b.is_ascii_graphic() || b == b':') {
        return Err(invalid(format!("`{name}` cannot be a NATS header name")));
    }
    Ok(match name {
        Cow::Borrowed(name) => HeaderName::from_static(name),
        Cow::Owned(name) => name.parse().map_err(TransportError::broker)?,
    })
}

fn invalid(message: String) -> TransportError {
    TransportError::broker(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        message,
    ))
}

/// A durable consumer name for `group` on `filter`: the group's name (made safe) and a hash
/// of the filter, so that one group name on two channels makes two consumers.
fn consumer_name(group: &str, filter: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    filter.hash(&mut hasher);
    let safe: String = group
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-{:08x}", hasher.finish() as u32)
}

/// Messages a pull request asks for, at least.
const MIN_BATCH: usize = 200;

/// The member's messages from `consumer`: pull requests of `batch` messages that expire
/// after 30 s, the next one sent when half of a batch is taken, so that a batch is always on
/// its way; the server's heartbeats every 15 s tell a lost connection.
async fn pull(
    consumer: &consumer::PullConsumer,
    batch: usize,
) -> Result<consumer::pull::Stream, consumer::StreamError> {
    consumer
        .stream()
        .max_messages_per_batch(batch)
        .expires(Duration::from_secs(30))
        .heartbeat(Duration::from_secs(15))
        .messages()
        .await
}

/// One member of a consumer group on NATS.
pub struct NatsSubscription {
    /// Messages per pull request.
    batch: usize,
    /// Stream sequences delivered and not yet settled.
    in_hand: InHand<u64>,
    consumer: consumer::PullConsumer,
    messages: Option<consumer::pull::Stream>,
    nats: Nats,
    group: String,
}

impl Subscription for NatsSubscription {
    async fn next(&mut self) -> Option<Delivery> {
        loop {
            let messages = match &mut self.messages {
                Some(messages) => messages,
                None => match pull(&self.consumer, self.batch).await {
                    Ok(messages) => self.messages.insert(messages),
                    Err(_) => {
                        // The server is away: the client reconnects; try again shortly.
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                },
            };
            match messages.next().await {
                Some(Ok(message)) => match self.delivery(message) {
                    Some(delivery) => return Some(delivery),
                    None => continue,
                },
                // Heartbeats missed while the server restarts, and the like: start over.
                Some(Err(_)) => {
                    self.messages = None;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                None => return None,
            }
        }
    }
}

impl NatsSubscription {
    /// The delivery of `message`, or `None` when the server delivered it again (after
    /// `ack_wait`) while it is still in hand here, waiting behind others of its key.
    fn delivery(&self, message: jetstream::Message) -> Option<Delivery> {
        let (attempt, sequence) = message.info().map_or((1, None), |info| {
            let attempt = u32::try_from(info.delivered).unwrap_or(u32::MAX);
            (attempt, Some(info.stream_sequence))
        });
        let attempt = attempt.max(1);
        let held = match sequence {
            Some(sequence) => Some(self.in_hand.hold(sequence)?),
            None => None,
        };
        let mut headers = Vec::new();
        let mut address = None;
        if let Some(map) = &message.headers {
            for (name, values) in map.iter() {
                let name: &str = name.as_ref();
                for value in values {
                    if name == ADDRESS_HEADER {
                        address = Some(value.as_str().to_owned());
                    } else if !name.eq_ignore_ascii_case("Nats-Msg-Id") {
                        headers.push((name.to_owned().into(), value.as_str().to_owned()));
                    }
                }
            }
        }
        let subject = message.subject.to_string();
        let address = address.unwrap_or_else(|| {
            subject
                .strip_prefix(&format!("{}.", self.nats.options.prefix))
                .unwrap_or(&subject)
                .replace('.', "/")
        });
        let raw = RawMessage {
            address,
            key: None,
            headers,
            body: message.payload.to_vec(),
        };
        let settle = NatsSettle {
            message,
            subject,
            nats: self.nats.clone(),
            group: self.group.clone(),
            _held: held,
        };
        Some(Delivery::new(raw, attempt, Box::new(Settler(settle))))
    }
}

struct NatsSettle {
    message: jetstream::Message,
    subject: String,
    nats: Nats,
    group: String,
    /// In hand until settled.
    _held: Option<Held<u64>>,
}

impl Broker for NatsSettle {
    /// As [`NatsOptions::ack`] says: sent, or confirmed by the server.
    async fn ack(&self) -> Result<(), TransportError> {
        let acked = match self.nats.options.ack {
            AckMode::Plain => self.message.ack().await,
            AckMode::Confirmed => self.message.double_ack().await,
        };
        acked.map_err(TransportError::Broker)
    }

    /// Published to the dead-letter stream under the same subject, with the reason headers.
    async fn bury(&self, delivered: Delivered, reason: String) -> Result<(), TransportError> {
        let NatsSettle {
            message,
            subject,
            nats,
            group,
            ..
        } = self;
        let prefix = &nats.options.prefix;
        let rest = subject
            .strip_prefix(&format!("{prefix}."))
            .unwrap_or(subject);
        let mut headers = message.headers.clone().unwrap_or_default();
        headers.insert(ADDRESS_HEADER, delivered.message.address.as_str());
        for (name, value) in dead_letter_headers(reason, delivered.attempt, group.clone()) {
            headers.insert(name, value.as_str());
        }
        let ack = nats
            .jetstream
            .publish_with_headers(
                format!("{prefix}-dlq.{rest}"),
                headers,
                message.payload.clone(),
            )
            .await
            .map_err(TransportError::broker)?;
        ack.await.map_err(TransportError::broker)?;
        Ok(())
    }

    /// Terminated: the server delivers it no more, to this group or after a restart.
    async fn let_go_buried(&self) -> Result<(), TransportError> {
        self.message
            .ack_with(AckKind::Term)
            .await
            .map_err(TransportError::Broker)
    }
}

impl Retry for NatsSettle {
    /// Redelivered by the server after the delay.
    async fn retry(self, _: Delivered, delay: Duration, _: String) -> Result<(), TransportError> {
        self.message
            .ack_with(AckKind::Nak(Some(delay)))
            .await
            .map_err(TransportError::Broker)
    }
}
