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
//! - **Retention** ([`Retention`]): by default the stream keeps every message (limits
//!   retention), since removing messages costs a NATS 2.9 server enough CPU per message to
//!   break p95 latency at 10,000 events/s on a shared 2-core machine. [`Retention::Acked`]
//!   has members trim the stream about once a second ([`Nats::trim`]) to below the oldest
//!   message some group has not acknowledged or not received, and [`Retention::Interest`]
//!   has the server remove each message at its last acknowledgement. `max_age`,
//!   `max_bytes` and `max_messages` (none by default) bound the stream whatever the groups
//!   still need: once reached, it refuses publishes ([`WhenFull::RefusePublish`]) or drops
//!   the oldest messages, handled or not ([`WhenFull::DropOldest`]), and `max_age` removes
//!   unhandled messages too. Connecting applies the settings given to an existing stream
//!   and leaves the others as they are; a server that cannot change a stream's retention
//!   policy (before NATS 2.10) makes asking for it an error. Dead letters are kept until
//!   removed (or `dead_letters_max_age`).
//! - **Deleting a group** ([`Nats::delete_group`]) deletes its durable consumer.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use async_nats::header::{HeaderName, HeaderValue};
use async_nats::jetstream::{self, consumer, stream, AckKind};
use async_nats::HeaderMap;
use tokio_stream::StreamExt;

pub use async_nats;

use crate::envelope::{Binding, ADDRESS_HEADER};
use crate::transport::dead::{self, DeadLetter, DeadLetters};
use crate::transport::settle::{Broker, Held, InHand, Retry, Settler};
use crate::transport::tls::Tls;
use crate::transport::{
    Delivered, Delivery, Position, RawMessage, Subscription, Transport, TransportError, Window,
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
    /// How long the stream keeps messages. `None` (the default) makes a new stream with
    /// [`Retention::Limits`] and leaves an existing one as it is; `Some` makes the stream
    /// have it, changing an existing one where the server can.
    pub retention: Option<Retention>,
    /// Removes messages older than this, whether handled or not (none by default).
    pub max_age: Option<Duration>,
    /// The most bytes the stream holds (no limit by default); [`NatsOptions::when_full`]
    /// says what happens beyond.
    pub max_bytes: Option<u64>,
    /// The most messages the stream holds (no limit by default); [`NatsOptions::when_full`]
    /// says what happens beyond.
    pub max_messages: Option<u64>,
    /// What the stream does when `max_bytes` or `max_messages` is reached.
    pub when_full: WhenFull,
    /// Removes dead letters older than this (kept until removed by hand by default).
    pub dead_letters_max_age: Option<Duration>,
    /// TLS settings: the roots to trust and a client certificate (TLS is then required).
    pub tls: Option<Tls>,
}

/// How long the stream keeps a message (besides the limits of [`NatsOptions`]).
///
/// Removing messages costs a NATS 2.9 server about 25 to 80 µs of CPU per message, during
/// which the stream waits: on this project's 2-core benchmark machine, at 10,000 events/s,
/// p95 latency is 14–20 ms with [`Limits`](Self::Limits), 190 ms with
/// [`Acked`](Self::Acked) and seconds with [`Interest`](Self::Interest) (the consumer
/// falls behind). Hence the default keeps messages, and bounded storage is a choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retention {
    /// Every message, up to the limits of [`NatsOptions`] (JetStream's limits retention):
    /// a group created later can read the history. Without limits the stream grows for
    /// good; `max_age` or `max_bytes` bound it (removing messages whether handled or not).
    #[default]
    Limits,
    /// Until no consumer group needs it: members trim the stream about once a second
    /// ([`Nats::trim`]) to below the oldest message some group has not acknowledged or not
    /// yet received, so the stream holds what is in flight. A message no group's channel
    /// wants is removed once the groups have moved past it; while no group exists, nothing
    /// is removed, and a group created later reads what is still kept. The stream itself is
    /// a limits stream: the server removes messages in one purge a second rather than one
    /// at each acknowledgement, at about a quarter of [`Interest`](Self::Interest)'s CPU.
    Acked,
    /// Until every consumer group whose channel it is on has acknowledged it (JetStream's
    /// interest retention), removed by the server at each acknowledgement. A message
    /// published while no group of its channel exists is not kept (subscribe first);
    /// a group created later reads what is still kept. Short-lived listener groups
    /// ([`NatsOptions::from_now`]) hold on to their messages until they acknowledge them or
    /// the server drops them (after five idle minutes).
    Interest,
}

/// What the stream does when it holds `max_bytes` or `max_messages`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WhenFull {
    /// Refuses new messages: publishing fails until groups catch up (nothing is lost
    /// silently).
    #[default]
    RefusePublish,
    /// Removes the oldest messages to make room, even those a group has not handled yet.
    DropOldest,
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
            retention: None,
            max_age: None,
            max_bytes: None,
            max_messages: None,
            when_full: WhenFull::RefusePublish,
            dead_letters_max_age: None,
            tls: None,
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
    ///
    /// `tls://host:4222` connects over TLS (with the system's roots, or `NatsOptions::tls`
    /// for given roots and a client certificate, which also makes TLS required on
    /// `nats://`); `nats://user:password@host` and `nats://token@host` authenticate.
    pub async fn connect_with(url: &str, options: NatsOptions) -> Result<Self, TransportError> {
        let mut connect =
            async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(5));
        if let Some(tls) = &options.tls {
            connect = connect
                .tls_client_config((*tls.client_config()?).clone())
                .require_tls(true);
        }
        // async-nats reads the servers from the URL but not its credentials: they are
        // taken out here (`user:password@`, or a token as `token@`).
        let (url, credentials) = split_credentials(url)?;
        connect = match credentials {
            Some((user, Some(password))) => connect.user_and_password(user, password),
            Some((token, None)) => connect.token(token),
            None => connect,
        };
        let client = connect
            .connect(url.trim_start_matches("nats://"))
            .await
            .map_err(TransportError::broker)?;
        let jetstream = jetstream::new(client);
        ensure_stream(&jetstream, stream_config(&options), &options, false).await?;
        ensure_stream(&jetstream, dead_letter_config(&options), &options, true).await?;
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

    /// Publishes `message` with `Nats-Msg-Id` set to `message_id`, by default its event id.
    async fn send(
        &self,
        message: RawMessage,
        message_id: Option<String>,
    ) -> Result<(), TransportError> {
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
            if is_id && message_id.is_none() {
                headers.insert(async_nats::header::NATS_MESSAGE_ID, value.as_str());
            }
            // Moved, not copied: names from the envelope are static, values owned.
            headers.insert(name, HeaderValue::from(value));
        }
        if let Some(id) = message_id {
            headers.insert(async_nats::header::NATS_MESSAGE_ID, HeaderValue::from(id));
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

    /// The message tidings reads from a stream message on `subject`: its address from the
    /// address header (else from the subject), its headers but the server's and tidings' own.
    fn raw_message(&self, subject: &str, map: Option<&HeaderMap>, payload: &[u8]) -> RawMessage {
        let mut headers = Vec::new();
        let mut address = None;
        for (name, values) in map.into_iter().flat_map(HeaderMap::iter) {
            let name: &str = name.as_ref();
            for value in values {
                if name == ADDRESS_HEADER {
                    address = Some(value.as_str().to_owned());
                } else if !name.eq_ignore_ascii_case("Nats-Msg-Id") {
                    headers.push((name.to_owned().into(), value.as_str().to_owned()));
                }
            }
        }
        let address = address.unwrap_or_else(|| {
            subject
                .strip_prefix(&format!("{}.", self.options.prefix))
                .unwrap_or(subject)
                .replace('.', "/")
        });
        RawMessage {
            address,
            key: None,
            headers,
            body: payload.to_vec(),
        }
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
        self.send(message, None).await
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
        let from = Position::by_default(self.options.from_now);
        self.subscribe_from(pattern, group, window, &from).await
    }

    /// A new group's durable consumer starts at `from` (JetStream's deliver policy: all,
    /// new, by start time, by start sequence).
    async fn subscribe_from(
        &self,
        pattern: &str,
        group: &str,
        window: Window,
        from: &Position,
    ) -> Result<NatsSubscription, TransportError> {
        let deliver_policy = match from {
            Position::Beginning => consumer::DeliverPolicy::All,
            Position::End => consumer::DeliverPolicy::New,
            Position::Time(time) => consumer::DeliverPolicy::ByStartTime {
                start_time: time::OffsetDateTime::from_unix_timestamp_nanos(
                    time.timestamp_nanos_opt().unwrap_or(0).into(),
                )
                .map_err(TransportError::broker)?,
            },
            Position::Sequence(n) => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: (*n).max(1),
            },
        };
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
                    deliver_policy,
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
        let trimmer = (self.options.retention == Some(Retention::Acked))
            .then(|| Trimmer(tokio::spawn(self.clone().trim_now_and_then())));
        let batch = window.in_flight.saturating_mul(2).max(MIN_BATCH);
        let messages = pull(&consumer, batch)
            .await
            .map_err(TransportError::broker)?;
        Ok(NatsSubscription {
            batch,
            _trimmer: trimmer,
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

/// A member's trimming task, stopped with the member.
struct Trimmer(tokio::task::JoinHandle<()>);

impl Drop for Trimmer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Nats {
    /// Removes from the stream what no consumer group needs any more: everything below the
    /// oldest message some group has delivered and not acknowledged, or not received yet
    /// (a group that has everything it wants acknowledged holds nothing back). Messages
    /// added while this runs are never removed by it, and nothing is while no group exists.
    /// Members of a stream with [`Retention::Acked`] call it about once a second; returns
    /// how many messages went.
    pub async fn trim(&self) -> Result<u64, TransportError> {
        // The stream's state is read with it, before the groups: what is added after is
        // never below the floor.
        let stream = self
            .jetstream
            .get_stream(&self.options.stream)
            .await
            .map_err(TransportError::broker)?;
        let state = &stream.cached_info().state;
        let mut floor = state.last_sequence.saturating_add(1);
        let mut groups = stream.consumers();
        let mut any = false;
        while let Some(group) = groups.next().await {
            let group = group.map_err(TransportError::broker)?;
            any = true;
            let needs = if group.num_ack_pending > 0 {
                // Everything up to its ack floor is acknowledged.
                group.ack_floor.stream_sequence.saturating_add(1)
            } else if group.num_pending > 0 {
                // All delivered is acknowledged; what it has not received is after that.
                group.delivered.stream_sequence.saturating_add(1)
            } else {
                continue;
            };
            floor = floor.min(needs);
        }
        // An empty stream reads as first sequence 0, and a purge below sequence 1 then
        // empties the stream on NATS 2.9 (seen here), whatever was added meanwhile.
        if !any || state.messages == 0 || floor <= state.first_sequence {
            return Ok(0);
        }
        let purged = stream
            .purge()
            .sequence(floor)
            .await
            .map_err(TransportError::broker)?;
        Ok(purged.purged)
    }

    /// Trims now and about once a second after; a failed trim is tried again then.
    async fn trim_now_and_then(self) {
        loop {
            let _ = self.trim().await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
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
    /// Trims the stream while the member lives.
    _trimmer: Option<Trimmer>,
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
        let subject = message.subject.to_string();
        let raw = self
            .nats
            .raw_message(&subject, message.headers.as_ref(), &message.payload);
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
        for (name, value) in dead::headers(reason, delivered.attempt, group.clone()) {
            headers.insert(name, value.as_str());
        }
        // The dead-letter stream drops a second copy of the same letter (a burial sent again
        // after a lost acknowledgement), not the same event given up by another group.
        if let Some(id) = headers.get(async_nats::header::NATS_MESSAGE_ID).cloned() {
            headers.insert(
                async_nats::header::NATS_MESSAGE_ID,
                format!("{}|{group}", id.as_str()).as_str(),
            );
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

impl Nats {
    /// Deletes the durable state of consumer `group` on `pattern` (the durable consumer that
    /// [`subscribe`](Transport::subscribe) made), with its place in the stream and its
    /// unacknowledged messages; it is `true` if there was one. For tools and tests: members
    /// still running stop receiving, and subscribing again starts the group anew. With
    /// [`Retention::Interest`], messages only this group still needed are removed.
    pub async fn delete_group(&self, pattern: &str, group: &str) -> Result<bool, TransportError> {
        let durable = consumer_name(group, &self.filter(pattern));
        let stream = self
            .jetstream
            .get_stream(&self.options.stream)
            .await
            .map_err(TransportError::broker)?;
        match stream.delete_consumer(&durable).await {
            Ok(status) => Ok(status.success),
            Err(error) => match error.kind() {
                stream::ConsumerErrorKind::JetStream(e)
                    if e.error_code() == jetstream::ErrorCode::CONSUMER_NOT_FOUND =>
                {
                    Ok(false)
                }
                _ => Err(TransportError::broker(error)),
            },
        }
    }
}

/// The stream of every message, as `options` say.
fn stream_config(options: &NatsOptions) -> stream::Config {
    let limited = options.max_bytes.is_some() || options.max_messages.is_some();
    stream::Config {
        name: options.stream.clone(),
        subjects: vec![format!("{}.>", options.prefix)],
        retention: match options.retention.unwrap_or_default() {
            Retention::Interest => stream::RetentionPolicy::Interest,
            Retention::Acked | Retention::Limits => stream::RetentionPolicy::Limits,
        },
        max_age: options.max_age.unwrap_or(Duration::ZERO),
        max_bytes: limit(options.max_bytes),
        max_messages: limit(options.max_messages),
        // Without a limit the policy does nothing; the server's default then, so that a
        // stream made before these options is left as it is.
        discard: match options.when_full {
            WhenFull::RefusePublish if limited => stream::DiscardPolicy::New,
            _ => stream::DiscardPolicy::Old,
        },
        duplicate_window: window(options.duplicate_window, options.max_age),
        ..Default::default()
    }
}

/// Dead letters are read from the dead-letter stream by sequence (the letter's key), and
/// redriven by publishing each to its subject in the stream (with a message id of its own,
/// so that the duplicate window does not take it for the original) and deleting it from the
/// dead-letter stream once the stream has acknowledged it.
impl DeadLetters for Nats {
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, TransportError> {
        let stream = self.dead_letter_stream().await?;
        let filter = format!("{}-dlq.>", self.options.prefix);
        let mut letters = Vec::new();
        let mut next = 1;
        loop {
            let message = match stream.get_first_raw_message_by_subject(&filter, next).await {
                Ok(message) => message,
                Err(e) if e.kind() == jetstream::stream::RawMessageErrorKind::NoMessageFound => {
                    break
                }
                Err(e) => return Err(TransportError::broker(e)),
            };
            next = message.sequence + 1;
            let raw = self.raw_message(&message.subject, Some(&message.headers), &message.payload);
            let time = chrono::DateTime::from_timestamp_nanos(
                i64::try_from(message.time.unix_timestamp_nanos()).unwrap_or(i64::MAX),
            );
            letters.push(dead::from_headers(
                message.sequence.to_string(),
                raw,
                Some(time),
            ));
        }
        Ok(letters)
    }

    async fn redrive(&self, letter: &DeadLetter) -> Result<(), TransportError> {
        let stream = self.dead_letter_stream().await?;
        let sequence: u64 = letter.key.parse().map_err(|_| {
            TransportError::Unsupported(format!(
                "`{}` is not a NATS dead letter (a sequence number)",
                letter.key
            ))
        })?;
        // Still there: a letter redriven by someone else is not sent twice.
        stream
            .get_raw_message(sequence)
            .await
            .map_err(TransportError::broker)?;
        // A message id of the redrive's own: a redrive sent twice is dropped once.
        let id = letter.message.header("ce-id").unwrap_or_default();
        let redrive_id = format!("{id}|redrive|{sequence}");
        self.send(letter.message.clone(), Some(redrive_id)).await?;
        stream
            .delete_message(sequence)
            .await
            .map_err(TransportError::broker)?;
        Ok(())
    }
}

impl Nats {
    async fn dead_letter_stream(&self) -> Result<jetstream::stream::Stream, TransportError> {
        self.jetstream
            .get_stream(format!("{}_DLQ", self.options.stream))
            .await
            .map_err(TransportError::broker)
    }
}

/// A URL's user information: a user and a password, or a user alone (a token).
type Credentials = (String, Option<String>);

/// `url` without its user information, and that information percent-decoded.
fn split_credentials(url: &str) -> Result<(String, Option<Credentials>), TransportError> {
    let Ok(uri) = fluent_uri::Uri::parse(url) else {
        // Several servers, or no scheme: async-nats reads those.
        return Ok((url.to_owned(), None));
    };
    let Some(userinfo) = uri.authority().and_then(|a| a.userinfo()) else {
        return Ok((url.to_owned(), None));
    };
    let decode = |part: &fluent_uri::pct_enc::EStr<_>| {
        part.decode()
            .to_string()
            .map(|text| text.into_owned())
            .map_err(|_| invalid(format!("`{url}`: the user or password is not UTF-8")))
    };
    let credentials = match userinfo.split_once(':') {
        Some((user, password)) => (decode(user)?, Some(decode(password)?)),
        None => (decode(userinfo)?, None),
    };
    let without = url.replacen(&format!("{}@", userinfo.as_str()), "", 1);
    Ok((without, Some(credentials)))
}

/// The stream of dead letters: kept (up to `dead_letters_max_age`), whoever has read them.
fn dead_letter_config(options: &NatsOptions) -> stream::Config {
    stream::Config {
        name: format!("{}_DLQ", options.stream),
        subjects: vec![format!("{}-dlq.>", options.prefix)],
        retention: stream::RetentionPolicy::Limits,
        max_age: options.dead_letters_max_age.unwrap_or(Duration::ZERO),
        max_bytes: -1,
        max_messages: -1,
        duplicate_window: window(Duration::from_secs(120), options.dead_letters_max_age),
        ..Default::default()
    }
}

/// A limit as JetStream counts it: -1 for none.
fn limit(value: Option<u64>) -> i64 {
    value.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// The duplicate window, no longer than the messages are kept (the server refuses more).
fn window(wanted: Duration, max_age: Option<Duration>) -> Duration {
    match max_age {
        Some(age) if !age.is_zero() => wanted.min(age),
        _ => wanted,
    }
}

/// Creates the stream `wanted`, or brings an existing one to what `options` set: the
/// retention, limits and duplicate window given (`Some`), leaving alone what was not (an
/// operator's own limits on a stream, say). A server that cannot change the retention
/// policy of a stream (before NATS 2.10) makes this a clear error rather than a stream kept
/// otherwise than asked.
async fn ensure_stream(
    jetstream: &jetstream::Context,
    wanted: stream::Config,
    options: &NatsOptions,
    dead_letters: bool,
) -> Result<(), TransportError> {
    let stream = jetstream
        .get_or_create_stream(wanted.clone())
        .await
        .map_err(TransportError::broker)?;
    let current = &stream.cached_info().config;
    let mut updated = current.clone();
    if dead_letters {
        if options.dead_letters_max_age.is_some() {
            updated.max_age = wanted.max_age;
            updated.duplicate_window = wanted.duplicate_window;
        }
    } else {
        if options.retention.is_some() {
            updated.retention = wanted.retention;
        }
        if options.max_age.is_some() {
            updated.max_age = wanted.max_age;
        }
        if options.max_bytes.is_some() {
            updated.max_bytes = wanted.max_bytes;
        }
        if options.max_messages.is_some() {
            updated.max_messages = wanted.max_messages;
        }
        if options.max_bytes.is_some() || options.max_messages.is_some() {
            updated.discard = wanted.discard;
        }
        // No longer than the age the stream ends up with, set now or before.
        updated.duplicate_window = window(options.duplicate_window, Some(updated.max_age));
    }
    let retention_changes = updated.retention != current.retention;
    if updated == *current {
        return Ok(());
    }
    match jetstream.update_stream(updated).await {
        Ok(_) => Ok(()),
        Err(error) if retention_changes => Err(TransportError::broker(format!(
            "stream `{}` has {:?} retention and the server did not change it to {:?} \
                 ({error}): set `NatsOptions::retention` to what the stream has, or delete \
                 the stream (and its messages) so that it is created anew",
            wanted.name, current.retention, wanted.retention
        ))),
        Err(error) => Err(TransportError::broker(format!(
            "stream `{}`: the server did not take its new limits ({error})",
            wanted.name
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::split_credentials;

    #[test]
    fn credentials_are_taken_out_of_the_url() {
        let split = |url: &str| split_credentials(url).unwrap();
        assert_eq!(
            split("tls://orders:s%40cret@localhost:4222"),
            (
                "tls://localhost:4222".to_owned(),
                Some(("orders".to_owned(), Some("s@cret".to_owned())))
            )
        );
        assert_eq!(
            split("nats://t0ken@127.0.0.1"),
            (
                "nats://127.0.0.1".to_owned(),
                Some(("t0ken".to_owned(), None))
            )
        );
        assert_eq!(
            split("nats://127.0.0.1:4222"),
            ("nats://127.0.0.1:4222".to_owned(), None)
        );
        let several = "nats://a:4222,nats://b:4222";
        assert_eq!(split(several).0, several);
    }
}
