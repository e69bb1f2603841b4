//! AMQP 0.9.1 transport for RabbitMQ (feature `amqp`), on [lapin](https://docs.rs/lapin).
//!
//! - **Routing**: messages go to a durable topic exchange (default `tidings`) with the address
//!   as routing key, `/` becoming `.` (`acme/orders/o-17` → `acme.orders.o-17`); a
//!   subscription pattern binds with `*` for each parameter. Parameter values never hold `.`,
//!   `*` or `#`, so a value cannot widen a binding.
//! - **Publishing** waits for the broker's confirm (publisher confirms); messages are
//!   persistent, with the CloudEvents attributes as `cloudEvents:` headers.
//! - **Consumer groups** are durable quorum queues, one per group name and pattern, consumed
//!   with manual acks and a prefetch window; the attempt is the queue's delivery count.
//! - **Retention**: a group's queue holds only what the group has not acknowledged yet; an
//!   acknowledged message is removed at once, and a message is routed only to the queues of
//!   groups that exist when it is published. A group that stops for good keeps collecting
//!   its channel's messages until its queue is deleted ([`Amqp::delete_group`]). Dead
//!   letters stay in `<exchange>.dlq` until read or purged.
//! - **Deleting a group** ([`Amqp::delete_group`]) deletes its queue.
//! - **Retries** wait the policy's delay, publish the message again to the group's queue
//!   with its attempt counted, then ack the original (unacked until then: a crash loses
//!   nothing).
//! - **Dead letters** go to the topic exchange `<exchange>.dlq` (bound to the durable queue
//!   `<exchange>.dlq`) with `tidings-dlq-reason`, `tidings-dlq-attempt` and `tidings-dlq-group`.
//! - **Reconnection**: when the connection goes (a broker restart), the next publish opens a
//!   new one (publishes wait for it), and each subscription opens its channel, queue, binding and consumer again, for up to
//!   `reconnect_for`. Deliveries that were not acked before the outage come again, so
//!   settling them on the lost channel finds nothing to do. A publish that was in flight
//!   when the connection went fails (its confirm never came; the broker may or may not have
//!   the message), as with the raw client: sending it again is safe, since the event id lets
//!   consumers drop a duplicate. Its headers are moved into the AMQP table rather than
//!   copied, so there is no copy left to send again on the caller's behalf.

use std::sync::Arc;
use std::time::Duration;

use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio_stream::StreamExt;

use crate::envelope::{Binding, ADDRESS_HEADER, ATTEMPT_HEADER};
use crate::transport::dead::{self, DeadLetter, DeadLetters};
use crate::transport::settle::{Broker, Republish, Settler};
use crate::transport::tls::{Roots, Tls};
use crate::transport::{
    lock, Delivered, Delivery, RawMessage, Subscription, Transport, TransportError, Window,
};

pub use lapin;

/// Where tidings keeps its messages on the broker.
#[derive(Clone, Debug)]
pub struct AmqpOptions {
    /// The topic exchange of every message (dead letters go to `<exchange>.dlq`).
    pub exchange: String,
    /// Deliveries a consumer holds unacked at most, at least: a worker raises it to twice
    /// its concurrency ([`Consumer::concurrency`](crate::Consumer::concurrency)), so that
    /// the next deliveries are on their way while it handles and settles the ones in hand.
    pub prefetch: u16,
    /// Group queues are exclusive to the connection and go away with it (for short-lived
    /// listeners), instead of durable quorum queues.
    pub transient: bool,
    /// How long to keep trying to reconnect after the connection went away.
    pub reconnect_for: Duration,
    /// TLS settings for an `amqps://` URL (an `amqp://` one with them is refused): roots to
    /// trust besides the system's (lapin's TLS adds them to the platform's store) and a
    /// client certificate (PKCS#8 key).
    pub tls: Option<Tls>,
}

impl Default for AmqpOptions {
    fn default() -> Self {
        AmqpOptions {
            exchange: "tidings".into(),
            prefetch: 32,
            transient: false,
            reconnect_for: Duration::from_secs(60),
            tls: None,
        }
    }
}

/// A RabbitMQ connection, opened again when it goes away; clones share it.
#[derive(Clone)]
pub struct Amqp {
    link: Arc<Link>,
    options: Arc<AmqpOptions>,
}

/// The connection clones share, and what replaces it when it breaks.
struct Link {
    url: String,
    /// Behind an `Arc`, so that a publish holds the lock only to count a reference (cloning
    /// lapin's handles under it made publishing tasks on two threads queue for it).
    live: std::sync::Mutex<Arc<Live>>,
    /// Held while a new connection is opened, so that one task opens it for all.
    reconnecting: tokio::sync::Mutex<()>,
}

/// One connection and its confirm-mode publishing channel.
struct Live {
    connection: Connection,
    publisher: Channel,
    /// Counts reconnections: a task that saw generation `n` fail asks for `n + 1`.
    generation: u64,
}

impl Live {
    fn broken(&self) -> bool {
        !self.connection.status().connected() || !self.publisher.status().connected()
    }
}

impl std::fmt::Debug for Amqp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Amqp")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// How long an ack may take before the channel is looked at.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

impl Amqp {
    /// Connects to `url` (`amqp://guest:guest@127.0.0.1:5672/%2f`) with the default options.
    pub async fn connect(url: &str) -> Result<Self, TransportError> {
        Self::connect_with(url, AmqpOptions::default()).await
    }

    /// Connects to `url` and declares the exchanges and the dead-letter queue.
    pub async fn connect_with(url: &str, options: AmqpOptions) -> Result<Self, TransportError> {
        let (connection, publisher) = open(url, &options).await?;
        let live = Arc::new(Live {
            connection,
            publisher,
            generation: 0,
        });
        Ok(Amqp {
            link: Arc::new(Link {
                url: url.to_owned(),
                live: std::sync::Mutex::new(live),
                reconnecting: tokio::sync::Mutex::new(()),
            }),
            options: Arc::new(options),
        })
    }

    fn live(&self) -> Arc<Live> {
        Arc::clone(&lock(&self.link.live))
    }

    /// A working connection after generation `broken` failed: the current one if another
    /// task has already replaced it, else a new one, tried every 250 ms for up to
    /// `reconnect_for`.
    async fn reconnect(&self, broken: u64) -> Result<Arc<Live>, TransportError> {
        let _one_at_a_time = self.link.reconnecting.lock().await;
        let current = self.live();
        if current.generation != broken && !current.broken() {
            return Ok(current);
        }
        let deadline = tokio::time::Instant::now() + self.options.reconnect_for;
        loop {
            match open(&self.link.url, &self.options).await {
                Ok((connection, publisher)) => {
                    let live = Arc::new(Live {
                        connection,
                        publisher,
                        generation: current.generation + 1,
                    });
                    *lock(&self.link.live) = Arc::clone(&live);
                    return Ok(live);
                }
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The options it was connected with.
    pub fn options(&self) -> &AmqpOptions {
        &self.options
    }

    /// A new channel, for what tidings does not wrap (reading dead letters, say).
    pub async fn channel(&self) -> Result<Channel, TransportError> {
        let mut live = self.live();
        if live.broken() {
            live = self.reconnect(live.generation).await?;
        }
        live.connection
            .create_channel()
            .await
            .map_err(TransportError::broker)
    }

    /// The queue of consumer `group` on `pattern`: `<exchange>.<group>.<hash of the binding>`,
    /// so that one group name on two channels makes two queues.
    pub fn queue_name(&self, pattern: &str, group: &str) -> String {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        Self::binding_key(pattern).hash(&mut hasher);
        format!(
            "{}.{group}.{:08x}",
            self.options.exchange,
            hasher.finish() as u32
        )
    }

    /// The routing key of `address`.
    pub fn routing_key(address: &str) -> String {
        address.replace('/', ".")
    }

    /// The binding key of a subscription `pattern` (`{param}` is one word, [`ANY`] is `#`).
    ///
    /// [`ANY`]: crate::address::ANY
    pub fn binding_key(pattern: &str) -> String {
        if pattern == crate::address::ANY {
            return "#".into();
        }
        crate::address::with_wildcards(pattern, "*").replace('/', ".")
    }

    /// Publishes `message` with confirms on the live connection, on a new one if it is
    /// broken. The message is turned into AMQP terms before the future is made, so that the
    /// future (allocated per publish) holds little beside lapin's own.
    fn send(
        &self,
        exchange: &str,
        routing_key: String,
        message: RawMessage,
    ) -> impl std::future::Future<Output = Result<(), TransportError>> + Send + '_ {
        let prepared = Outgoing::new(exchange, routing_key, message);
        async move {
            let outgoing = prepared?;
            let mut live = self.live();
            if live.broken() {
                // Boxed: opening a connection is a large future.
                live = Box::pin(self.reconnect(live.generation)).await?;
            }
            let Outgoing {
                exchange,
                routing_key,
                body,
                properties,
            } = outgoing;
            let sent = live
                .publisher
                .basic_publish(
                    exchange,
                    routing_key,
                    BasicPublishOptions::default(),
                    &body,
                    properties,
                )
                .await;
            let confirmed = match sent {
                Ok(confirm) => confirm.await,
                Err(error) => Err(error),
            };
            match confirmed {
                Ok(confirmation) if confirmation.is_nack() => Err(TransportError::Broker(
                    "the broker did not take the message (nack)".into(),
                )),
                Ok(_) => Ok(()),
                Err(error) if !live.connection.status().connected() => {
                    Err(TransportError::broker(format!(
                        "the connection went while publishing, before the broker confirmed \
                     (sending again is safe; the next publish reconnects): {error}"
                    )))
                }
                Err(error) => Err(TransportError::broker(error)),
            }
        }
    }
}

/// A message in AMQP terms, ready for `basic_publish`.
struct Outgoing {
    exchange: ShortString,
    routing_key: ShortString,
    body: Vec<u8>,
    properties: BasicProperties,
}

impl Outgoing {
    fn new(
        exchange: &str,
        routing_key: String,
        message: RawMessage,
    ) -> Result<Self, TransportError> {
        let RawMessage {
            address,
            headers,
            body,
            ..
        } = message;
        Ok(Outgoing {
            exchange: short(exchange)?,
            routing_key: short_owned(routing_key)?,
            body,
            properties: properties(headers, address)?,
        })
    }
}

/// `text` as an AMQP short string: up to 255 bytes, an error beyond (where lapin panics).
fn short(text: &str) -> Result<ShortString, TransportError> {
    ShortString::try_new(text).map_err(|_| {
        TransportError::broker(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "`{text}` is {} bytes; AMQP names and properties hold at most 255",
                text.len()
            ),
        ))
    })
}

/// `text` as an AMQP short string, moved: up to 255 bytes, an error beyond.
fn short_owned(text: String) -> Result<ShortString, TransportError> {
    if text.len() > 255 {
        return short(&text);
    }
    Ok(ShortString::from(text))
}

/// The properties a message is published with: its `headers` (moved, not copied) and its
/// `address` as a table, its content type and id as AMQP properties, persistent.
fn properties(
    headers: crate::envelope::Headers,
    address: String,
) -> Result<BasicProperties, TransportError> {
    let mut table = FieldTable::default();
    let mut content_type = None;
    let mut message_id = None;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(short_owned(value)?);
            continue;
        }
        // The id is the AMQP message id too, where it fits a short string; the header
        // carries it whatever its length (a retry or a dead letter of a message with a
        // longer id must not fail on it).
        if name.eq_ignore_ascii_case("cloudEvents:id") {
            message_id = ShortString::try_new(value.as_str()).ok();
        }
        // Of two headers with one name, the later wins (the attempt of a retry, say).
        table.insert(
            short_owned(name.into_owned())?,
            AMQPValue::LongString(LongString::from(value)),
        );
    }
    table.insert(
        ADDRESS_HEADER.into(),
        AMQPValue::LongString(LongString::from(address)),
    );
    let mut properties = BasicProperties::default()
        .with_headers(table)
        .with_delivery_mode(2);
    if let Some(content_type) = content_type {
        properties = properties.with_content_type(content_type);
    }
    if let Some(id) = message_id {
        properties = properties.with_message_id(id);
    }
    Ok(properties)
}

/// Opens a connection to `url` with a confirm-mode publishing channel, and declares the
/// exchanges and the dead-letter queue.
async fn open(url: &str, options: &AmqpOptions) -> Result<(Connection, Channel), TransportError> {
    let mut tls = lapin::tcp::OwnedTLSConfig::default();
    if options.tls.is_some() && !url.starts_with("amqps://") {
        return Err(TransportError::broker(format!(
            "TLS settings are given but `{url}` is not an amqps:// URL: nothing would use them"
        )));
    }
    if let Some(given) = &options.tls {
        if let Roots::Pem(pem) = &given.roots {
            let pem = String::from_utf8(pem.clone())
                .map_err(|_| TransportError::broker("TLS: the trust roots are not PEM text"))?;
            tls.cert_chain = Some(pem);
        }
        tls.identity = given
            .client
            .as_ref()
            .map(|identity| lapin::tcp::OwnedIdentity::PKCS8 {
                pem: identity.certificates.clone(),
                key: identity.key.clone(),
            });
    }
    let runtime = lapin::runtime::default_runtime().map_err(TransportError::broker)?;
    let connection = tokio::time::timeout(
        Duration::from_secs(5),
        Connection::connect_with_config(url, ConnectionProperties::default(), tls, runtime),
    )
    .await
    .map_err(|_| TransportError::Broker(format!("no answer from {url} within 5 s").into()))?
    .map_err(TransportError::broker)?;
    let publisher = connection
        .create_channel()
        .await
        .map_err(TransportError::broker)?;
    publisher
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(TransportError::broker)?;
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    for exchange in [
        options.exchange.clone(),
        format!("{}.dlq", options.exchange),
    ] {
        publisher
            .exchange_declare(
                short(&exchange)?,
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await
            .map_err(TransportError::broker)?;
    }
    let dlq = format!("{}.dlq", options.exchange);
    publisher
        .queue_declare(short(&dlq)?, durable_queue(), FieldTable::default())
        .await
        .map_err(TransportError::broker)?;
    publisher
        .queue_bind(
            short(&dlq)?,
            short(&dlq)?,
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(TransportError::broker)?;
    Ok((connection, publisher))
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..Default::default()
    }
}

impl Transport for Amqp {
    type Subscription = AmqpSubscription;

    fn binding(&self) -> Binding {
        Binding::Amqp
    }

    fn publish(
        &self,
        message: RawMessage,
    ) -> impl std::future::Future<Output = Result<(), TransportError>> + Send {
        let key = Self::routing_key(&message.address);
        self.send(&self.options.exchange, key, message)
    }

    async fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<AmqpSubscription, TransportError> {
        self.subscribe_with(pattern, group, Window::default()).await
    }

    async fn subscribe_with(
        &self,
        pattern: &str,
        group: &str,
        window: Window,
    ) -> Result<AmqpSubscription, TransportError> {
        let queue = self.queue_name(pattern, group);
        let binding = Self::binding_key(pattern);
        let prefetch = Window::new(window.in_flight.saturating_mul(2))
            .as_u16()
            .max(self.options.prefetch);
        let (channel, consumer) = self.consume(&queue, &binding, prefetch).await?;
        Ok(AmqpSubscription {
            prefetch,
            consumer,
            amqp: self.clone(),
            queue,
            binding,
            group: group.to_owned(),
            channel,
        })
    }
}

impl Amqp {
    /// A channel consuming `queue` (declared, and bound to the exchange with `binding`),
    /// `prefetch` deliveries ahead.
    async fn consume(
        &self,
        queue: &str,
        binding: &str,
        prefetch: u16,
    ) -> Result<(Channel, lapin::Consumer), TransportError> {
        let channel = self.channel().await?;
        let mut arguments = FieldTable::default();
        let declare = if self.options.transient {
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            }
        } else {
            // Quorum queues count deliveries (`x-delivery-count`) and survive restarts.
            arguments.insert(
                "x-queue-type".into(),
                AMQPValue::LongString(LongString::from("quorum")),
            );
            durable_queue()
        };
        channel
            .queue_declare(short(queue)?, declare, arguments)
            .await
            .map_err(TransportError::broker)?;
        channel
            .queue_bind(
                short(queue)?,
                short(&self.options.exchange)?,
                short(binding)?,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(TransportError::broker)?;
        channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await
            .map_err(TransportError::broker)?;
        let consumer = channel
            .basic_consume(
                short(queue)?,
                format!("tidings-{}", uuid::Uuid::now_v7()).into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(TransportError::broker)?;
        Ok((channel, consumer))
    }
}

impl Amqp {
    /// Deletes consumer `group` on `pattern`: its queue (the one
    /// [`subscribe`](Transport::subscribe) declared, [`Amqp::queue_name`]), with the messages
    /// it still holds; it is `true` if there was one. For tools and tests: members still
    /// consuming it lose their consumer (and declare the queue anew when they reconnect).
    pub async fn delete_group(&self, pattern: &str, group: &str) -> Result<bool, TransportError> {
        let queue = short(&self.queue_name(pattern, group))?;
        // Deleting a missing queue succeeds, so whether there is one is asked first (on a
        // channel of its own: the broker closes it when there is not).
        let asking = self.channel().await?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let declared = asking
            .queue_declare(queue.clone(), passive, FieldTable::default())
            .await;
        match declared {
            Ok(_) => {
                let _ = asking.close(200, "".into()).await;
            }
            Err(error) => {
                return match error.kind() {
                    lapin::ErrorKind::ProtocolError(e)
                        if matches!(
                            e.kind(),
                            lapin::protocol::AMQPErrorKind::Soft(
                                lapin::protocol::AMQPSoftError::NOTFOUND
                            )
                        ) =>
                    {
                        Ok(false)
                    }
                    _ => Err(TransportError::broker(error)),
                };
            }
        }
        let channel = self.channel().await?;
        channel
            .queue_delete(queue, lapin::options::QueueDeleteOptions::default())
            .await
            .map_err(TransportError::broker)?;
        let _ = channel.close(200, "".into()).await;
        Ok(true)
    }
}

/// One member of a consumer group on RabbitMQ.
pub struct AmqpSubscription {
    /// Deliveries the broker sends ahead of acks.
    prefetch: u16,
    consumer: lapin::Consumer,
    amqp: Amqp,
    queue: String,
    binding: String,
    group: String,
    // Kept open as long as the subscription.
    channel: Channel,
}

impl Subscription for AmqpSubscription {
    async fn next(&mut self) -> Option<Delivery> {
        loop {
            // The consumer's stream does not always end when the connection goes, so the
            // channel is looked at every second while waiting.
            match tokio::time::timeout(Duration::from_secs(1), self.consumer.next()).await {
                Ok(Some(Ok(delivery))) => return Some(self.delivery(delivery)),
                Err(_) if self.channel.status().connected() => {}
                // The channel or the connection went away: consume again on a new one.
                Ok(Some(Err(_))) | Ok(None) | Err(_) => self.resubscribe().await.ok()?,
            }
        }
    }
}

impl AmqpSubscription {
    /// Opens the channel and consumer again (on a new connection if need be), trying every
    /// 250 ms for up to `reconnect_for`.
    async fn resubscribe(&mut self) -> Result<(), TransportError> {
        let deadline = tokio::time::Instant::now() + self.amqp.options.reconnect_for;
        loop {
            match self
                .amqp
                .consume(&self.queue, &self.binding, self.prefetch)
                .await
            {
                Ok((channel, consumer)) => {
                    (self.channel, self.consumer) = (channel, consumer);
                    return Ok(());
                }
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

fn text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        AMQPValue::LongLongInt(n) => Some(n.to_string()),
        AMQPValue::LongInt(n) => Some(n.to_string()),
        AMQPValue::ShortInt(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A message as read from an AMQP delivery.
struct Read {
    message: RawMessage,
    /// Its attempt: the attempt header's, plus the deliveries the broker counted.
    attempt: u32,
    /// The dead-letter headers it carries.
    dead: Vec<(String, String)>,
}

/// Reads a delivery's message: the address from its header (else the routing key), the
/// headers but the broker's (`x-`) and tidings' own, the content type.
fn read(properties: &BasicProperties, routing_key: &str, body: Vec<u8>) -> Read {
    let mut headers = Vec::new();
    let mut dead = Vec::new();
    let mut address = None;
    let mut attempt_header = 1;
    let mut delivery_count = 0;
    if let Some(table) = properties.headers() {
        for (name, value) in table {
            let name = name.as_str();
            let Some(value) = text(value) else { continue };
            match name {
                ADDRESS_HEADER => address = Some(value),
                ATTEMPT_HEADER => attempt_header = value.parse().unwrap_or(1),
                "x-delivery-count" => delivery_count = value.parse().unwrap_or(0),
                _ if name.starts_with("tidings-dlq") => dead.push((name.to_owned(), value)),
                _ if name.starts_with("x-") => {}
                _ => headers.push((name.to_owned().into(), value)),
            }
        }
    }
    if let Some(content_type) = properties.content_type() {
        headers.push(("content-type".into(), content_type.as_str().to_owned()));
    }
    let address = address.unwrap_or_else(|| routing_key.replace('.', "/"));
    Read {
        message: RawMessage {
            address,
            key: None,
            headers,
            body,
        },
        attempt: attempt_header + delivery_count,
        dead,
    }
}

impl AmqpSubscription {
    fn delivery(&self, delivery: lapin::message::Delivery) -> Delivery {
        let Read {
            message, attempt, ..
        } = read(
            &delivery.properties,
            delivery.routing_key.as_str(),
            delivery.data,
        );
        let settle = AmqpSettle {
            acker: delivery.acker,
            channel: self.channel.clone(),
            amqp: self.amqp.clone(),
            queue: self.queue.clone(),
            group: self.group.clone(),
            routing_key: delivery.routing_key.as_str().to_owned(),
        };
        Delivery::new(message, attempt, Box::new(Settler(settle)))
    }
}

struct AmqpSettle {
    acker: lapin::Acker,
    channel: Channel,
    amqp: Amqp,
    queue: String,
    group: String,
    routing_key: String,
}

impl Broker for AmqpSettle {
    async fn ack(&self) -> Result<(), TransportError> {
        // An ack on a connection that went away can wait forever: bounded.
        let acked = tokio::time::timeout(ACK_TIMEOUT, self.acker.ack(BasicAckOptions::default()));
        match acked.await {
            Ok(Ok(_)) => Ok(()),
            // Delivered on a channel or connection that has gone (its status may not say so
            // yet): the broker puts the message back and delivers it again (at least once).
            Ok(Err(error)) if error.can_be_recovered() => Ok(()),
            _ if !self.channel.status().connected() => Ok(()),
            Ok(Err(error)) => Err(TransportError::broker(error)),
            Err(_) => Err(TransportError::broker(format!(
                "no answer to an ack within {ACK_TIMEOUT:?}"
            ))),
        }
    }

    /// Published to the dead-letter exchange under the same routing key, with a key of its
    /// own (a queue has no other handle on it).
    async fn bury(&self, delivered: Delivered, reason: String) -> Result<(), TransportError> {
        let dlq = format!("{}.dlq", self.amqp.options.exchange);
        let mut message = delivered.message;
        message.headers.extend(
            dead::headers(reason, delivered.attempt, self.group.clone())
                .map(|(name, value)| (name.into(), value)),
        );
        message
            .headers
            .push((KEY_HEADER.into(), uuid::Uuid::now_v7().to_string()));
        self.amqp
            .send(&dlq, self.routing_key.clone(), message)
            .await
    }
}

/// The header with a dead letter's key.
const KEY_HEADER: &str = "tidings-dlq-key";

/// Dead letters are the messages of the dead-letter queue (`<exchange>.dlq`), read without
/// being taken: each is fetched unacknowledged, and the channel is closed after, which puts
/// them back in their places. A redrive fetches up to the letter, publishes it to the
/// exchange and, once the broker has confirmed it, acknowledges it on the dead-letter queue.
impl DeadLetters for Amqp {
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, TransportError> {
        let channel = self.channel().await?;
        let mut letters = Vec::new();
        while let Some(got) = self.next_dead_letter(&channel).await? {
            letters.push(dead_letter(got.delivery));
        }
        let _ = channel.close(200, "read".into()).await;
        Ok(letters)
    }

    async fn redrive(&self, letter: &DeadLetter) -> Result<(), TransportError> {
        let channel = self.channel().await?;
        let outcome = async {
            while let Some(got) = self.next_dead_letter(&channel).await? {
                let acker = got.delivery.acker.clone();
                if dead_letter(got.delivery).key != letter.key {
                    continue;
                }
                self.publish(letter.message.clone()).await?;
                return acker
                    .ack(BasicAckOptions::default())
                    .await
                    .map(drop)
                    .map_err(TransportError::broker);
            }
            Err(TransportError::broker(format!(
                "no dead letter {} in {}.dlq",
                letter.key, self.options.exchange
            )))
        }
        .await;
        // The letters fetched on the way go back to their places.
        let _ = channel.close(200, "redriven".into()).await;
        outcome
    }
}

impl Amqp {
    /// The next message of the dead-letter queue, fetched unacknowledged on `channel`.
    async fn next_dead_letter(
        &self,
        channel: &Channel,
    ) -> Result<Option<lapin::message::BasicGetMessage>, TransportError> {
        let queue = format!("{}.dlq", self.options.exchange);
        channel
            .basic_get(short(&queue)?, BasicGetOptions { no_ack: false })
            .await
            .map_err(TransportError::broker)
    }
}

/// The dead letter of a delivery from the dead-letter queue.
fn dead_letter(delivery: lapin::message::Delivery) -> DeadLetter {
    let Read {
        mut message, dead, ..
    } = read(
        &delivery.properties,
        delivery.routing_key.as_str(),
        delivery.data,
    );
    let key = dead
        .iter()
        .find(|(name, _)| name == KEY_HEADER)
        .map(|(_, key)| key.clone())
        .unwrap_or_default();
    message.headers.extend(
        dead.into_iter()
            .filter(|(name, _)| name != KEY_HEADER)
            .map(|(name, value)| (name.into(), value)),
    );
    dead::from_headers(key, message, None)
}

/// Retries are published again to the group's own queue once the delay is over and the
/// original let go then; until then it stays unacked with this consumer.
impl Republish for AmqpSettle {
    async fn republish(&self, mut message: RawMessage, attempt: u32) -> Result<(), TransportError> {
        message
            .headers
            .push((ATTEMPT_HEADER.into(), attempt.to_string()));
        self.amqp.send("", self.queue.clone(), message).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_carry_the_headers_with_the_later_of_two_names() {
        let headers = vec![
            ("content-type".into(), "application/json".to_owned()),
            ("cloudEvents:id".into(), "e-1".to_owned()),
            (ATTEMPT_HEADER.into(), "1".to_owned()),
            (ADDRESS_HEADER.into(), "stale/address".to_owned()),
            (ATTEMPT_HEADER.into(), "2".to_owned()),
        ];
        let properties = properties(headers, "acme/orders/o-1".into()).unwrap();
        assert_eq!(
            properties.content_type().as_ref().map(ShortString::as_str),
            Some("application/json")
        );
        assert_eq!(
            properties.message_id().as_ref().map(ShortString::as_str),
            Some("e-1")
        );
        assert_eq!(properties.delivery_mode(), &Some(2));
        let table = properties.headers().as_ref().unwrap().inner();
        let text = |name: &str| match table.get(name) {
            Some(AMQPValue::LongString(s)) => {
                Some(String::from_utf8_lossy(s.as_bytes()).into_owned())
            }
            _ => None,
        };
        assert_eq!(text(ATTEMPT_HEADER).as_deref(), Some("2"));
        assert_eq!(text(ADDRESS_HEADER).as_deref(), Some("acme/orders/o-1"));
        assert_eq!(text("cloudEvents:id").as_deref(), Some("e-1"));
        assert_eq!(text("content-type"), None, "a property, not a header");
        assert_eq!(table.len(), 3);
    }

    #[test]
    fn an_id_too_long_for_a_message_id_stays_in_its_header() {
        let id = "e".repeat(300);
        let headers = vec![("cloudEvents:id".into(), id.clone())];
        let properties = properties(headers, "a".into()).unwrap();
        assert_eq!(properties.message_id(), &None);
        let table = properties.headers().as_ref().unwrap().inner();
        assert!(
            matches!(table.get("cloudEvents:id"), Some(AMQPValue::LongString(s)) if s.as_bytes() == id.as_bytes())
        );
    }

    #[test]
    fn names_over_255_bytes_are_errors() {
        let long = "x".repeat(256);
        let headers = vec![(long.clone().into(), "v".to_owned())];
        assert!(properties(headers, "a".into()).is_err());
        assert!(short_owned(long).is_err());
        assert!(short_owned("x".repeat(255)).is_ok());
    }
}
