//! MQTT 5 transport (feature `mqtt`), on [rumqttc](https://docs.rs/rumqttc).
//!
//! - **Topics** are the addresses under an optional prefix; a subscription pattern becomes a
//!   filter with `+` for each parameter (`acme/orders/{orderId}` → `acme/orders/+`). Values
//!   never hold `/`, `+` or `#`, so a value cannot widen a subscription.
//! - **Binary mode**: the CloudEvents attributes are MQTT 5 user properties and the content
//!   type is the message's content type, as the CloudEvents MQTT binding says.
//! - **Delivery** is QoS 1 (at least once). Publishing returns once the broker has
//!   acknowledged the message (`PUBACK`s are counted: a publish waits for as many acks as
//!   messages were sent up to it).
//! - **Consumer groups** are shared subscriptions (`$share/<group>/<filter>`), with manual
//!   acks: a message is acknowledged after its handler. A member's receive maximum is twice
//!   its worker's concurrency. A member that stops unsubscribes and publishes the messages
//!   the broker had sent it and it had not taken to the group's retry topic (same attempt)
//!   before it disconnects, since the broker drops a clean session's unacknowledged messages.
//!   Mosquitto queues at most `max_queued_messages` (1,000 by default) messages per member
//!   beyond those in flight and drops the rest, noting it only in its log: a group that may
//!   fall behind by more needs that setting raised.
//! - **Retries** wait the policy's delay and publish the message again on the group's retry
//!   topic (`tidings-retry/<group>/<topic>`, which only that group subscribes to), with its
//!   attempt in a `tidings-attempt` property, then ack the original.
//! - **Dead letters** are retained messages on topics of their own,
//!   `tidings-dlq/<key>/<topic>`, with `tidings-dlq-reason`, `tidings-dlq-attempt`,
//!   `tidings-dlq-group` and `tidings-dlq-time` properties: the broker keeps them until a
//!   redrive (or anyone) clears them ([`DeadLetters`]).
//! - **Reconnection** is the event loop's: it is polled again after an error.
//! - **Retention** is the broker's: sessions start clean and expire on disconnect, so it
//!   keeps only the QoS 1 messages in flight to connected members (and the retry delays of
//!   its own retries); a message published while no member of a group is connected is not
//!   kept for that group. [`Mqtt::delete_group`] has nothing to delete.

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::{Packet, Publish, PublishProperties};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions as ClientOptions};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::{mpsc, Notify};

use crate::envelope::{Binding, ATTEMPT_HEADER};
use crate::transport::dead::{self, DeadLetter, DeadLetters};
use crate::transport::settle::{Broker, Republish, Settler};
use crate::transport::tls::Tls;
use crate::transport::{
    lock, Delivered, Delivery, RawMessage, Subscription, Transport, TransportError, Window,
};

pub use rumqttc;

/// Where tidings puts its messages on the broker.
#[derive(Clone, Debug, Default)]
pub struct MqttOptions {
    /// Put before every topic (`tenant-a/`), or empty.
    pub prefix: String,
    /// TLS settings: used for `mqtts://` URLs (the system's roots when `None`), and turns
    /// TLS on for an `mqtt://` one.
    pub tls: Option<Tls>,
}

/// An MQTT 5 connection for publishing; each subscription opens its own. Clones share it.
#[derive(Clone)]
pub struct Mqtt {
    endpoint: Arc<Endpoint>,
    publisher: AsyncClient,
    acks: Arc<Acks>,
    options: Arc<MqttOptions>,
}

/// Where and how a connection reaches the broker.
struct Endpoint {
    host: String,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
    credentials: Option<(String, String)>,
}

impl Endpoint {
    /// The endpoint of `url`, with `options`' TLS settings.
    fn of(url: &str, options: &MqttOptions) -> Result<Endpoint, TransportError> {
        let bad = |why: &str| TransportError::broker(format!("`{url}`: {why}"));
        let uri = fluent_uri::Uri::parse(url).map_err(|e| bad(&e.to_string()))?;
        let secure = match uri.scheme().as_str() {
            "mqtt" => false,
            "mqtts" => true,
            _ => return Err(bad("not an mqtt:// or mqtts:// URL")),
        };
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        let port = authority
            .port_to_u16()
            .map_err(|_| bad("bad port"))?
            .unwrap_or(if secure { 8883 } else { 1883 });
        let credentials = match authority.userinfo() {
            None => None,
            Some(userinfo) => {
                let decode = |part: &fluent_uri::pct_enc::EStr<_>| {
                    part.decode()
                        .to_string()
                        .map(|text| text.into_owned())
                        .map_err(|_| bad("the user or password is not UTF-8"))
                };
                let (user, password) = userinfo
                    .split_once(':')
                    .unwrap_or((userinfo, Default::default()));
                Some((decode(user)?, decode(password)?))
            }
        };
        let tls = match (&options.tls, secure) {
            (Some(tls), _) => Some(tls.client_config()?),
            (None, true) => Some(Tls::default().client_config()?),
            (None, false) => None,
        };
        Ok(Endpoint {
            host: authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            tls,
            credentials,
        })
    }
}

/// Publishes sent and acknowledged on the publishing connection.
#[derive(Default)]
struct Acks {
    sent: Mutex<u64>,
    acked: AtomicU64,
    changed: Notify,
}

impl std::fmt::Debug for Mqtt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mqtt")
            .field("host", &self.endpoint.host)
            .field("port", &self.endpoint.port)
            .field("tls", &self.endpoint.tls.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

const RETRY_ROOT: &str = "tidings-retry";
const DLQ_ROOT: &str = "tidings-dlq";

/// The property of a dead letter whose message had no body (kept as one byte: an empty
/// retained message would clear the topic).
const EMPTY_BODY: &str = "tidings-dlq-empty";

/// Opens a connection and waits for the broker to accept it (and for `subscribe`, if any,
/// to be acknowledged); the event loop then runs in the background, reconnecting on error.
/// A subscriber gives its in-flight window: the broker sends up to that many messages
/// ahead of their acks (MQTT 5's receive maximum).
async fn open(
    endpoint: &Endpoint,
    manual_acks: bool,
    subscribe: &[String],
    incoming: Option<(mpsc::Sender<Publish>, Window)>,
    acks: Option<Arc<Acks>>,
) -> Result<AsyncClient, TransportError> {
    let Endpoint {
        host,
        port,
        tls,
        credentials,
    } = endpoint;
    let (host, port) = (host.as_str(), *port);
    let id = format!("tidings-{}", uuid::Uuid::now_v7().simple());
    let mut options = ClientOptions::new(id, host, port);
    if let Some(tls) = tls {
        options.set_transport(rumqttc::Transport::tls_with_config(
            rumqttc::TlsConfiguration::Rustls(tls.clone()),
        ));
    }
    if let Some((user, password)) = credentials {
        options.set_credentials(user.clone(), password.clone());
    }
    options.set_keep_alive(Duration::from_secs(15));
    options.set_manual_acks(manual_acks);
    let incoming = incoming.map(|(incoming, window)| {
        options.set_receive_maximum(Some(window.as_u16()));
        incoming
    });
    let (client, mut events) = AsyncClient::new(options, 256);
    for filter in subscribe {
        client
            .subscribe(filter.clone(), QoS::AtLeastOnce)
            .await
            .map_err(TransportError::broker)?;
    }
    let mut waiting = subscribe.len();
    let ready = tokio::time::timeout(Duration::from_secs(5), async {
        let mut connected = false;
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => connected = true,
                Ok(Event::Incoming(Packet::SubAck(_))) => waiting = waiting.saturating_sub(1),
                Ok(_) => {}
                Err(e) => return Err(TransportError::broker(e)),
            }
            if connected && waiting == 0 {
                return Ok(());
            }
        }
    })
    .await;
    match ready {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            return Err(TransportError::broker(format!(
                "no answer from {host}:{port} within 5 s"
            )))
        }
    }
    tokio::spawn(run(events, incoming, acks));
    Ok(client)
}

/// Polls the event loop for good, handing incoming publishes to `incoming`.
async fn run(
    mut events: EventLoop,
    incoming: Option<mpsc::Sender<Publish>>,
    acks: Option<Arc<Acks>>,
) {
    loop {
        // A subscription that is dropped ends its connection at once, so that the broker
        // stops sending it messages no one will take.
        let polled = match &incoming {
            Some(incoming) => {
                let mut closed = std::pin::pin!(incoming.closed());
                let mut poll = std::pin::pin!(events.poll());
                let polled = std::future::poll_fn(|cx| {
                    if let Poll::Ready(polled) = poll.as_mut().poll(cx) {
                        return Poll::Ready(Some(polled));
                    }
                    closed.as_mut().poll(cx).map(|()| None)
                })
                .await;
                match polled {
                    Some(polled) => polled,
                    None => return,
                }
            }
            None => events.poll().await,
        };
        match polled {
            Ok(Event::Incoming(Packet::PubAck(_))) => {
                if let Some(acks) = &acks {
                    acks.acked.fetch_add(1, Ordering::SeqCst);
                    acks.changed.notify_waiters();
                }
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                if let Some(incoming) = &incoming {
                    if incoming.send(publish).await.is_err() {
                        return;
                    }
                }
            }
            Ok(_) => {}
            // Polling again reconnects.
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

impl Mqtt {
    /// Connects to `url` (`mqtt://127.0.0.1:1883`) with the default options.
    pub async fn connect(url: &str) -> Result<Self, TransportError> {
        Self::connect_with(url, MqttOptions::default()).await
    }

    /// Connects to `url`: `mqtt://host[:1883]`, or `mqtts://host[:8883]` over TLS, with
    /// `user:password@` before the host for brokers that ask for them.
    pub async fn connect_with(url: &str, options: MqttOptions) -> Result<Self, TransportError> {
        let endpoint = Arc::new(Endpoint::of(url, &options)?);
        let acks = Arc::new(Acks::default());
        let publisher = open(&endpoint, false, &[], None, Some(acks.clone())).await?;
        Ok(Mqtt {
            endpoint,
            publisher,
            acks,
            options: Arc::new(options),
        })
    }

    /// The topic of `address`.
    pub fn topic(&self, address: &str) -> String {
        format!("{}{address}", self.options.prefix)
    }

    /// The topic filter of a subscription `pattern` (`{param}` is `+`, [`ANY`] is `#`).
    ///
    /// [`ANY`]: crate::address::ANY
    pub fn filter(&self, pattern: &str) -> String {
        if pattern == crate::address::ANY {
            return format!("{}#", self.options.prefix);
        }
        let filter = crate::address::with_wildcards(pattern, "+");
        format!("{}{filter}", self.options.prefix)
    }

    async fn send(
        &self,
        topic: String,
        message: &RawMessage,
        extra: &[(&str, String)],
    ) -> Result<(), TransportError> {
        self.send_retained(topic, message, extra, false).await
    }

    /// [`send`](Self::send), kept by the broker as the topic's retained message if `retain`.
    async fn send_retained(
        &self,
        topic: String,
        message: &RawMessage,
        extra: &[(&str, String)],
        retain: bool,
    ) -> Result<(), TransportError> {
        let mut properties = PublishProperties::default();
        for (name, value) in &message.headers {
            if name.eq_ignore_ascii_case(Binding::Mqtt.content_type_header())
                || name.eq_ignore_ascii_case("content-type")
            {
                properties.content_type = Some(value.clone());
            } else {
                properties
                    .user_properties
                    .push((name.to_string(), value.clone()));
            }
        }
        for (name, value) in extra {
            properties
                .user_properties
                .push(((*name).to_owned(), value.clone()));
        }
        // Numbered under the lock that orders the requests, so acks line up with them.
        let number = {
            let mut sent = lock(&self.acks.sent);
            *sent += 1;
            let number = *sent;
            let request = self.publisher.try_publish_with_properties(
                topic,
                QoS::AtLeastOnce,
                retain,
                message.body.clone(),
                properties,
            );
            if let Err(e) = request {
                *sent -= 1;
                return Err(TransportError::broker(e));
            }
            number
        };
        let confirmed = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let changed = self.acks.changed.notified();
                if self.acks.acked.load(Ordering::SeqCst) >= number {
                    return;
                }
                changed.await;
            }
        })
        .await;
        confirmed.map_err(|_| {
            TransportError::broker("the broker did not acknowledge the publish within 10 s")
        })
    }
}

/// A group name safe inside a topic level.
fn level(group: &str) -> String {
    group
        .chars()
        .map(|c| {
            if matches!(c, '/' | '+' | '#') || c.is_whitespace() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl Mqtt {
    /// Deletes the durable state of consumer `group` on `pattern`: there is none, so it is
    /// always `false`. Members connect with a clean start and no session expiry, so the
    /// broker forgets a member's subscription (and its unacknowledged messages) when it
    /// disconnects, and a shared subscription with no member left keeps nothing. Here for the
    /// same calls on every transport.
    pub async fn delete_group(&self, pattern: &str, group: &str) -> Result<bool, TransportError> {
        let _ = (pattern, group);
        Ok(false)
    }
}

impl Transport for Mqtt {
    type Subscription = MqttSubscription;

    fn binding(&self) -> Binding {
        Binding::Mqtt
    }

    async fn publish(&self, message: RawMessage) -> Result<(), TransportError> {
        self.send(self.topic(&message.address), &message, &[]).await
    }

    async fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<MqttSubscription, TransportError> {
        self.subscribe_with(pattern, group, Window::default()).await
    }

    /// The broker sends up to twice the worker's concurrency ahead of acks.
    async fn subscribe_with(
        &self,
        pattern: &str,
        group: &str,
        window: Window,
    ) -> Result<MqttSubscription, TransportError> {
        let window = Window::new(window.in_flight.saturating_mul(2));
        let group = level(group);
        let filter = self.filter(pattern);
        let retry_root = format!("{RETRY_ROOT}/{group}/");
        let filters = [
            format!("$share/{group}/{filter}"),
            format!("$share/{group}/{retry_root}{filter}"),
        ];
        let (sender, receiver) = mpsc::channel(256);
        let incoming = Some((sender, window));
        let client = open(&self.endpoint, true, &filters, incoming, None).await?;
        Ok(MqttSubscription {
            member: Member {
                client,
                mqtt: self.clone(),
                group,
                retry_root,
                filters,
            },
            receiver: Some(receiver),
        })
    }
}

/// One member of a consumer group on MQTT.
///
/// When it is dropped, it unsubscribes, hands the messages the broker sent it and no one
/// took back to the group (on the group's retry topic, with their attempt), and then ends
/// its connection: the broker does not keep unacknowledged messages of a connection that
/// ends without a session, so they would be lost.
pub struct MqttSubscription {
    member: Member,
    receiver: Option<mpsc::Receiver<Publish>>,
}

/// What a member's subscription and its hand-back share.
#[derive(Clone)]
struct Member {
    client: AsyncClient,
    mqtt: Mqtt,
    group: String,
    retry_root: String,
    filters: [String; 2],
}

impl Subscription for MqttSubscription {
    async fn next(&mut self) -> Option<Delivery> {
        let publish = self.receiver.as_mut()?.recv().await?;
        let (message, attempt, settle) = self.member.read(publish);
        Some(Delivery::new(message, attempt, Box::new(Settler(settle))))
    }
}

impl Drop for MqttSubscription {
    fn drop(&mut self) {
        let (Some(receiver), Ok(runtime)) =
            (self.receiver.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        runtime.spawn(self.member.clone().hand_back(receiver));
    }
}

impl Member {
    /// Unsubscribes, gives what still comes back to the group, then disconnects.
    async fn hand_back(self, mut receiver: mpsc::Receiver<Publish>) {
        for filter in &self.filters {
            let _ = self.client.unsubscribe(filter.clone()).await;
        }
        // What the broker sent before it took the unsubscription arrives meanwhile.
        let quiet = Duration::from_millis(500);
        while let Ok(Some(publish)) = tokio::time::timeout(quiet, receiver.recv()).await {
            let (message, attempt, settle) = self.read(publish);
            if settle.republish(message, attempt).await.is_ok() {
                let _ = settle.ack().await;
            }
        }
        let _ = self.client.disconnect().await;
    }

    /// The message of `publish`, its attempt and how to settle it.
    fn read(&self, publish: Publish) -> (RawMessage, u32, MqttSettle) {
        let topic = String::from_utf8_lossy(&publish.topic).into_owned();
        let topic = topic
            .strip_prefix(&self.retry_root)
            .map(str::to_owned)
            .unwrap_or(topic);
        let address = topic
            .strip_prefix(&self.mqtt.options.prefix)
            .unwrap_or(&topic)
            .to_owned();
        let (headers, attempt) = headers_of(&publish, |_| false);
        let attempt = attempt + u32::from(publish.dup);
        let message = RawMessage {
            address,
            key: None,
            headers,
            body: publish.payload.to_vec(),
        };
        let settle = MqttSettle {
            client: self.client.clone(),
            mqtt: self.mqtt.clone(),
            group: self.group.clone(),
            topic,
            publish,
        };
        (message, attempt, settle)
    }
}

struct MqttSettle {
    client: AsyncClient,
    mqtt: Mqtt,
    group: String,
    topic: String,
    publish: Publish,
}

impl Broker for MqttSettle {
    async fn ack(&self) -> Result<(), TransportError> {
        self.client
            .ack(&self.publish)
            .await
            .map_err(TransportError::broker)
    }

    /// Retained on a topic of its own under the dead-letter root: `tidings-dlq/<key>/<topic>`.
    async fn bury(&self, delivered: Delivered, reason: String) -> Result<(), TransportError> {
        let key = uuid::Uuid::now_v7().simple().to_string();
        let mut properties = dead::headers(reason, delivered.attempt, self.group.clone()).to_vec();
        let mut message = delivered.message;
        // An empty retained message clears a topic: an empty body is kept as one byte, and
        // marked.
        if message.body.is_empty() {
            message.body = vec![0];
            properties.push((EMPTY_BODY, "1".to_owned()));
        }
        self.mqtt
            .send_retained(
                format!("{DLQ_ROOT}/{key}/{}", self.topic),
                &message,
                &properties,
                true,
            )
            .await
    }
}

/// A publish's headers: its user properties (those `keep` takes among tidings' own, the
/// others but tidings' own) and its content type; and the attempt property's value (1
/// without one).
fn headers_of(publish: &Publish, keep: impl Fn(&str) -> bool) -> (crate::envelope::Headers, u32) {
    let mut headers = Vec::new();
    let mut attempt = 1;
    if let Some(properties) = &publish.properties {
        for (name, value) in &properties.user_properties {
            if name == ATTEMPT_HEADER {
                attempt = value.parse().unwrap_or(1);
            } else if !name.starts_with("tidings-") || keep(name) {
                headers.push((name.clone().into(), value.clone()));
            }
        }
        if let Some(content_type) = &properties.content_type {
            headers.push((
                Binding::Mqtt.content_type_header().into(),
                content_type.clone(),
            ));
        }
    }
    (headers, attempt)
}

/// Dead letters are retained messages, one per topic under the dead-letter root
/// (`tidings-dlq/<key>/<topic>`), kept by the broker (across restarts with its persistence
/// on) until removed. Listing subscribes to them and takes what the broker sends until it
/// has been quiet for half a second; a redrive publishes the message to its topic and, once
/// the broker has acknowledged it, clears the retained letter.
impl DeadLetters for Mqtt {
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, TransportError> {
        let filter = format!("{DLQ_ROOT}/+/{}", self.filter(crate::address::ANY));
        let (sender, mut received) = mpsc::channel(1024);
        let client = open(
            &self.endpoint,
            false,
            std::slice::from_ref(&filter),
            Some((sender, Window::new(1024))),
            None,
        )
        .await?;
        let mut letters = Vec::new();
        while let Ok(Some(publish)) =
            tokio::time::timeout(Duration::from_millis(500), received.recv()).await
        {
            // An empty retained message is a cleared letter.
            if publish.payload.is_empty() && publish.properties.is_none() {
                continue;
            }
            if let Some(letter) = self.dead_letter(&publish) {
                letters.push(letter);
            }
        }
        let _ = client.disconnect().await;
        letters.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(letters)
    }

    async fn redrive(&self, letter: &DeadLetter) -> Result<(), TransportError> {
        dead::still_kept(self, letter, &format!("{DLQ_ROOT}/")).await?;
        self.publish(letter.message.clone()).await?;
        let topic = self.topic(&letter.message.address);
        // An empty retained message removes the retained one.
        self.send_retained(
            format!("{DLQ_ROOT}/{}/{topic}", letter.key),
            &RawMessage::default(),
            &[],
            true,
        )
        .await
    }
}

impl Mqtt {
    /// The dead letter retained on `publish`'s topic, if it is one of this prefix's.
    fn dead_letter(&self, publish: &Publish) -> Option<DeadLetter> {
        let topic = String::from_utf8_lossy(&publish.topic);
        let (key, topic) = topic
            .strip_prefix(DLQ_ROOT)?
            .strip_prefix('/')?
            .split_once('/')?;
        let address = topic.strip_prefix(&*self.options.prefix)?.to_owned();
        let (headers, _) = headers_of(publish, dead::is_dead_letter_header);
        let empty = publish.properties.as_ref().is_some_and(|properties| {
            properties
                .user_properties
                .iter()
                .any(|(name, _)| name == EMPTY_BODY)
        });
        let message = RawMessage {
            address,
            key: None,
            headers,
            body: if empty {
                Vec::new()
            } else {
                publish.payload.to_vec()
            },
        };
        Some(dead::from_headers(key.to_owned(), message, None))
    }
}

/// Retries are published to the group's retry topic once the delay is over, then the original
/// is let go.
impl Republish for MqttSettle {
    async fn republish(&self, message: RawMessage, attempt: u32) -> Result<(), TransportError> {
        let retry_topic = format!("{RETRY_ROOT}/{}/{}", self.group, self.topic);
        self.mqtt
            .send(
                retry_topic,
                &message,
                &[(ATTEMPT_HEADER, attempt.to_string())],
            )
            .await
    }
}
