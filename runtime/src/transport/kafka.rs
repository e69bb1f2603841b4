//! The Apache Kafka transport (feature `kafka`).
//!
//! It runs on [rust-rdkafka](https://docs.rs/rdkafka) (librdkafka, built from its bundled
//! sources).
//!
//! - **Topics**: a channel address maps to a topic under a prefix, `/` becoming `.`:
//!   `acme/orders/o-17` is `tidings.acme.orders.o-17`. A subscription pattern becomes a
//!   regex subscription (`acme/orders/{orderId}` is `^tidings\.acme\.orders\.[^.]+$`), so
//!   topics created later are picked up at the next metadata refresh. Parameter values never
//!   hold `.` ([`address::fill`](crate::address::fill) refuses it), so a value cannot widen a
//!   subscription. The original address travels in a `tidings-address` header.
//! - **Partitions**: the message key (the address by default) picks the partition, so
//!   messages with one key stay in order. The producer is idempotent by default
//!   (`acks=all`), so its own retries neither reorder nor duplicate.
//! - **Consumer groups** are Kafka consumer groups, one per group name and address pattern;
//!   partitions are shared among members (`roundrobin`).
//! - **Commit after handling**: a member keeps, per partition, the offsets it has delivered
//!   and not yet settled; the offset it stores for commit is the one below the oldest of
//!   them, so a commit never passes a message still in hand, however many are handled at
//!   once and in whatever order they finish. Stored offsets are committed every
//!   `commit_interval` and when the consumer closes. A crash redelivers what was not
//!   committed.
//! - **Retries are held by the member**: a retried message is delivered again by the same
//!   member after the policy's delay, while the partition goes on (its offset stays
//!   uncommitted until the retry is settled, so a crash meanwhile redelivers it). The
//!   attempt count lives in the member: after a crash or a rebalance the message starts
//!   again at attempt 1.
//! - **Dead letters** go to the topic `<prefix>-dlq` with the headers `tidings-dlq-reason`,
//!   `tidings-dlq-attempt`, `tidings-dlq-group` and `tidings-dlq-topic`; the original's offset
//!   is stored only once the broker has the dead letter.
//! - **Reconnection** is librdkafka's: it reconnects to the brokers by itself, and the
//!   producer retries what it could not deliver until `message.timeout.ms`.
//! - **Retention** is the topics': Kafka keeps messages for the topic's `retention.ms` /
//!   `retention.bytes` (the broker's defaults for auto-created topics, usually 7 days),
//!   whether groups have read them or not; a group's committed offsets are its only state.
//!   A message a group has not reached when retention removes it is lost to that group, so
//!   size retention for the longest outage a group may have.
//! - **Deleting a group** ([`Kafka::delete_group`]) deletes the Kafka consumer group.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;

pub use rdkafka;

use crate::envelope::{Binding, ADDRESS_HEADER};
use crate::transport::dead::{self, DeadLetter, DeadLetters};
use crate::transport::settle::{Broker, Retry, Settler};
use crate::transport::tls::{Roots, Tls};
use crate::transport::{
    lock, Delivered, Delivery, Position, RawMessage, Subscription, Transport, TransportError,
    Window,
};

/// How tidings uses the cluster.
#[derive(Clone, Debug)]
pub struct KafkaOptions {
    /// The topic prefix of every address.
    pub prefix: String,
    /// The topic of dead letters.
    pub dead_letters: String,
    /// How often consumers commit the offsets of settled messages.
    pub commit_interval: Duration,
    /// How soon a regex subscription sees topics created after it started.
    pub metadata_refresh: Duration,
    /// Subscriptions take only messages published after they started (by the message
    /// timestamp), on existing topics and on those created later alike, instead of every
    /// message their group has not committed (for short-lived listeners).
    pub from_now: bool,
    /// The producer is idempotent (`enable.idempotence`, with `acks=all`): its own retries
    /// neither reorder nor duplicate messages. Turn off for clusters without it.
    pub idempotent: bool,
    /// Further librdkafka settings for producer and consumers (`compression.type`, …);
    /// they override tidings' (and those of `tls` and `sasl`).
    pub config: Vec<(String, String)>,
    /// TLS to the brokers (`security.protocol=ssl`): the roots to trust and a client
    /// certificate, as PEM.
    pub tls: Option<Tls>,
    /// SASL authentication (`sasl_ssl` with `tls`, else `sasl_plaintext`).
    pub sasl: Option<Sasl>,
}

/// SASL credentials for Kafka.
#[derive(Clone)]
pub struct Sasl {
    /// `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    pub mechanism: String,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Sasl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sasl")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl KafkaOptions {
    /// The librdkafka settings of `tls`, `sasl` and `config`, in that order (later ones win).
    pub fn settings(&self) -> Result<Vec<(String, String)>, TransportError> {
        let mut settings = Vec::new();
        let mut set = |key: &str, value: String| settings.push((key.to_owned(), value));
        let protocol = match (&self.tls, &self.sasl) {
            (None, None) => None,
            (Some(_), None) => Some("ssl"),
            (None, Some(_)) => Some("sasl_plaintext"),
            (Some(_), Some(_)) => Some("sasl_ssl"),
        };
        if let Some(protocol) = protocol {
            set("security.protocol", protocol.to_owned());
        }
        if let Some(tls) = &self.tls {
            let text = |pem: &[u8], what: &str| {
                String::from_utf8(pem.to_vec())
                    .map_err(|_| TransportError::broker(format!("TLS: the {what} is not PEM text")))
            };
            match &tls.roots {
                // librdkafka reads the system's store itself.
                Roots::System => set("ssl.ca.location", "probe".to_owned()),
                Roots::Pem(pem) => set("ssl.ca.pem", text(pem, "trust roots")?),
            }
            if let Some(identity) = &tls.client {
                set(
                    "ssl.certificate.pem",
                    text(&identity.certificates, "client certificate")?,
                );
                set("ssl.key.pem", text(&identity.key, "client key")?);
            }
        }
        if let Some(sasl) = &self.sasl {
            set("sasl.mechanism", sasl.mechanism.clone());
            set("sasl.username", sasl.username.clone());
            set("sasl.password", sasl.password.clone());
        }
        settings.extend(self.config.iter().cloned());
        Ok(settings)
    }
}

impl Default for KafkaOptions {
    fn default() -> Self {
        KafkaOptions {
            prefix: "tidings".into(),
            dead_letters: "tidings-dlq".into(),
            commit_interval: Duration::from_secs(1),
            metadata_refresh: Duration::from_secs(5),
            from_now: false,
            idempotent: true,
            config: Vec::new(),
            tls: None,
            sasl: None,
        }
    }
}

/// A Kafka cluster connection (one producer, a consumer per subscription); clones share it.
#[derive(Clone)]
pub struct Kafka {
    brokers: Arc<str>,
    producer: FutureProducer,
    options: Arc<KafkaOptions>,
}

impl std::fmt::Debug for Kafka {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kafka")
            .field("brokers", &self.brokers)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Kafka {
    /// Connects to `brokers` (`kafka://127.0.0.1:9092`, or a comma-separated
    /// `host:port` list) with the default options.
    pub async fn connect(brokers: &str) -> Result<Self, TransportError> {
        Self::connect_with(brokers, KafkaOptions::default()).await
    }

    /// Connects to `brokers` and checks that the cluster answers.
    pub async fn connect_with(
        brokers: &str,
        options: KafkaOptions,
    ) -> Result<Self, TransportError> {
        let brokers: Arc<str> = Arc::from(brokers.trim_start_matches("kafka://"));
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &*brokers)
            .set("enable.idempotence", options.idempotent.to_string())
            .set("linger.ms", "1");
        for (key, value) in options.settings()? {
            config.set(key, value);
        }
        let producer: FutureProducer = config.create().map_err(TransportError::broker)?;
        // librdkafka connects lazily; ask for metadata so that a wrong address fails here.
        let probe = producer.clone();
        tokio::task::spawn_blocking(move || {
            probe
                .client()
                .fetch_metadata(None, Timeout::After(Duration::from_secs(5)))
                .map(drop)
        })
        .await
        .map_err(TransportError::broker)?
        .map_err(TransportError::broker)?;
        Ok(Kafka {
            brokers,
            producer,
            options: Arc::new(options),
        })
    }

    /// The producer, for what tidings does not wrap.
    pub fn producer(&self) -> &FutureProducer {
        &self.producer
    }

    /// The options it was connected with.
    pub fn options(&self) -> &KafkaOptions {
        &self.options
    }

    /// The topic of `address`: `<prefix>.<address>` with `/` as `.`. Kafka topics hold
    /// ASCII letters, digits, `.`, `_` and `-`, up to 249 of them.
    pub fn topic(&self, address: &str) -> Result<String, TransportError> {
        let topic = format!("{}.{}", self.options.prefix, address.replace('/', "."));
        let valid = !address.is_empty()
            && topic.len() <= 249
            && topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            Ok(topic)
        } else {
            Err(invalid(format!("`{address}` cannot be a Kafka topic")))
        }
    }

    /// The regex subscription of `pattern` (`{param}` is one `.`-free run of characters).
    pub fn filter(&self, pattern: &str) -> Result<String, TransportError> {
        let mut regex = format!("^{}", escape(&self.options.prefix)?);
        regex.push_str("\\.");
        if pattern == crate::address::ANY {
            regex.push_str(".+$");
            return Ok(regex);
        }
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            regex.push_str(&escape(&rest[..open])?);
            regex.push_str("[^.]+");
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| invalid(format!("`{pattern}` has an unclosed parameter")))?;
            rest = &rest[open + close + 1..];
        }
        regex.push_str(&escape(rest)?);
        regex.push('$');
        Ok(regex)
    }

    fn consumer(&self, group: &str) -> Result<StreamConsumer, TransportError> {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &*self.brokers)
            .set("group.id", group)
            .set("enable.auto.commit", "true")
            .set("enable.auto.offset.store", "false")
            .set(
                "auto.commit.interval.ms",
                self.options.commit_interval.as_millis().to_string(),
            )
            // "latest" would skip the first messages of a topic created after the
            // subscription started; a later start (`from_now`, replay from a time or an
            // offset) is reached by passing over the records before it.
            .set("auto.offset.reset", "earliest")
            .set(
                "topic.metadata.refresh.interval.ms",
                self.options.metadata_refresh.as_millis().to_string(),
            )
            .set("partition.assignment.strategy", "roundrobin");
        for (key, value) in self.options.settings()? {
            config.set(key, value);
        }
        config.create().map_err(TransportError::broker)
    }

    /// Sends `message` to `topic` with its headers, its address and the `extra` headers,
    /// keyed by its key (its address by default), and waits for the broker.
    async fn produce(
        &self,
        topic: &str,
        message: &RawMessage,
        extra: &[(&str, &str)],
    ) -> Result<(), TransportError> {
        let mut headers = OwnedHeaders::new_with_capacity(message.headers.len() + 1 + extra.len());
        let named = message
            .headers
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()));
        let ours = [(ADDRESS_HEADER, message.address.as_str())];
        for (key, value) in named.chain(ours).chain(extra.iter().copied()) {
            headers = headers.insert(Header {
                key,
                value: Some(value.as_bytes()),
            });
        }
        let record = FutureRecord::to(topic)
            .key(message.key.as_deref().unwrap_or(&message.address))
            .payload(&message.body)
            .headers(headers);
        self.producer
            .send(record, Timeout::Never)
            .await
            .map(drop)
            .map_err(|(error, _)| TransportError::broker(error))
    }
}

fn invalid(message: String) -> TransportError {
    TransportError::broker(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        message,
    ))
}

/// `literal` (a piece of an address) as regex text for its topic: `/` and `.` are `\.`.
fn escape(literal: &str) -> Result<String, TransportError> {
    let mut out = String::with_capacity(literal.len() + 4);
    for c in literal.chars() {
        match c {
            '/' | '.' => out.push_str("\\."),
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => out.push(c),
            c => return Err(invalid(format!("`{c}` cannot be in a Kafka topic"))),
        }
    }
    Ok(out)
}

impl Transport for Kafka {
    type Subscription = KafkaSubscription;

    fn binding(&self) -> Binding {
        Binding::Kafka
    }

    async fn publish(&self, message: RawMessage) -> Result<(), TransportError> {
        let topic = self.topic(&message.address)?;
        self.produce(&topic, &message, &[]).await
    }

    async fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<KafkaSubscription, TransportError> {
        let from = Position::by_default(self.options.from_now);
        self.subscribe_from(pattern, group, Window::default(), &from)
            .await
    }

    /// A group reads each partition from its committed offset, else from the earliest one,
    /// and passes over (acknowledging them unhandled) the records before `from`: older than
    /// its time (`End`: the subscription's start) or below its offset.
    async fn subscribe_from(
        &self,
        pattern: &str,
        group: &str,
        _window: Window,
        from: &Position,
    ) -> Result<KafkaSubscription, TransportError> {
        let filter = self.filter(pattern)?;
        let consumer = self.consumer(&group_id(group, &filter))?;
        consumer
            .subscribe(&[filter.as_str()])
            .map_err(TransportError::broker)?;
        let skip = match from {
            Position::Beginning => Skip::Nothing,
            Position::End => Skip::Before(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64),
            ),
            Position::Time(time) => Skip::Before(time.timestamp_millis()),
            Position::Sequence(n) => Skip::Below(i64::try_from(*n).unwrap_or(i64::MAX)),
        };
        Ok(KafkaSubscription {
            skip,
            new_partitions: HashMap::new(),
            consumer: Arc::new(consumer),
            member: Arc::default(),
            kafka: self.clone(),
            pattern: pattern.to_owned(),
            group: group.to_owned(),
        })
    }
}

impl Kafka {
    /// Deletes consumer `group` on `pattern`: the Kafka consumer group that
    /// [`subscribe`](Transport::subscribe) joins, with its committed offsets, so that
    /// subscribing again starts from the oldest message the topics keep. It is `true` if
    /// there was one. The broker refuses while members are still in the group (stop them
    /// first). Brokers must have the DeleteGroups API (Kafka 1.1 and later): on one without
    /// it, such as librdkafka's mock cluster, librdkafka aborts the process (an assertion in
    /// its admin error path, librdkafka issue #3663), so do not call this there.
    pub async fn delete_group(&self, pattern: &str, group: &str) -> Result<bool, TransportError> {
        use rdkafka::admin::{AdminClient, AdminOptions};
        use rdkafka::client::DefaultClientContext;
        let id = group_id(group, &self.filter(pattern)?);
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &*self.brokers);
        for (key, value) in self.options.settings()? {
            config.set(key, value);
        }
        let admin: AdminClient<DefaultClientContext> =
            config.create().map_err(TransportError::broker)?;
        let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(10)));
        let results = admin
            .delete_groups(&[&id], &options)
            .await
            .map_err(TransportError::broker)?;
        match results.into_iter().next() {
            Some(Ok(_)) => Ok(true),
            Some(Err((_, RDKafkaErrorCode::GroupIdNotFound))) => Ok(false),
            Some(Err((name, code))) => Err(TransportError::broker(format!(
                "deleting consumer group `{name}`: {code}"
            ))),
            None => Err(TransportError::broker(format!(
                "no answer about consumer group `{id}`"
            ))),
        }
    }
}

/// The Kafka group id of tidings `group` on `filter`: the name and a hash of the filter, so
/// that one group name on two channels makes two Kafka groups.
fn group_id(group: &str, filter: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    filter.hash(&mut hasher);
    format!("{group}-{:08x}", hasher.finish() as u32)
}

/// Where a message sits in its partition.
#[derive(Clone, Debug)]
struct Offset {
    topic: String,
    partition: i32,
    offset: i64,
}

/// A message to deliver again, and from when.
struct Again {
    delivered: Delivered,
    at: tokio::time::Instant,
    position: Offset,
}

/// What a member's subscription and its deliveries' settlements share.
#[derive(Default)]
struct Member {
    offsets: Mutex<Offsets>,
    /// Retries waiting for their time.
    again: Mutex<Vec<Again>>,
    /// Wakes the subscription when a retry is added.
    retried: tokio::sync::Notify,
}

/// The offsets a member delivered and has not settled, per partition, and what it stored.
#[derive(Default)]
struct Offsets {
    topics: HashMap<String, HashMap<i32, Partition>>,
}

#[derive(Default)]
struct Partition {
    unsettled: BTreeSet<i64>,
    /// The highest offset settled, and the highest stored for commit.
    settled: Option<i64>,
    stored: Option<i64>,
}

impl Offsets {
    /// `position` was delivered and is in hand until settled.
    fn taken(&mut self, position: &Offset) {
        self.partition(position).unsettled.insert(position.offset);
    }

    /// `position` is settled: returns the offset to store now, if the committed position
    /// can move: up to the one below the oldest offset still in hand, or to the highest
    /// settled when none is.
    fn settled(&mut self, position: &Offset) -> Option<i64> {
        let partition = self.partition(position);
        partition.unsettled.remove(&position.offset);
        partition.settled = partition.settled.max(Some(position.offset));
        let through = match partition.unsettled.first() {
            Some(oldest) => Some(oldest - 1),
            None => partition.settled,
        };
        (through > partition.stored).then(|| {
            partition.stored = through;
            through.unwrap_or_default()
        })
    }

    fn partition(&mut self, position: &Offset) -> &mut Partition {
        // Keyed by topic, then partition: the topic is copied once, not per message.
        if !self.topics.contains_key(&position.topic) {
            self.topics.insert(position.topic.clone(), HashMap::new());
        }
        let topic = self
            .topics
            .get_mut(&position.topic)
            .expect("inserted above");
        topic.entry(position.partition).or_default()
    }
}

impl Kafka {
    /// The message tidings reads from a record: its address from the address header (else
    /// from the topic), its key, its headers but the address header.
    fn raw_message(&self, message: &impl Message) -> RawMessage {
        let mut headers = Vec::new();
        let mut address = None;
        if let Some(all) = message.headers() {
            for header in all.iter() {
                let value = String::from_utf8_lossy(header.value.unwrap_or_default());
                if header.key == ADDRESS_HEADER {
                    address = Some(value.into_owned());
                } else {
                    headers.push((header.key.to_owned().into(), value.into_owned()));
                }
            }
        }
        let address = address.unwrap_or_else(|| {
            let topic = message.topic();
            topic
                .strip_prefix(&*self.options.prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .unwrap_or(topic)
                .replace('.', "/")
        });
        RawMessage {
            address,
            key: message
                .key()
                .map(|key| String::from_utf8_lossy(key).into_owned()),
            headers,
            body: message.payload().unwrap_or_default().to_vec(),
        }
    }

    /// Every record of the dead-letter topic, read from the start of each partition up to
    /// its end as the call began (a blocking read, on a thread of its own).
    async fn dead_letter_records(&self) -> Result<Vec<OwnedMessage>, TransportError> {
        let brokers = self.brokers.clone();
        let topic = self.options.dead_letters.clone();
        let config = self.options.settings()?;
        tokio::task::spawn_blocking(move || {
            use rdkafka::consumer::BaseConsumer;
            use rdkafka::TopicPartitionList;
            let mut client = ClientConfig::new();
            client
                .set("bootstrap.servers", &*brokers)
                .set("group.id", "tidings-dlq-reader")
                .set("enable.auto.commit", "false")
                .set("enable.partition.eof", "false");
            for (key, value) in &config {
                client.set(key, value);
            }
            let consumer: BaseConsumer = client.create().map_err(TransportError::broker)?;
            let timeout = Duration::from_secs(10);
            let metadata = consumer
                .fetch_metadata(Some(&topic), timeout)
                .map_err(TransportError::broker)?;
            let mut ends = HashMap::new();
            let mut assignment = TopicPartitionList::new();
            for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
                let (low, high) = consumer
                    .fetch_watermarks(&topic, partition.id(), timeout)
                    .map_err(TransportError::broker)?;
                if high > low {
                    ends.insert(partition.id(), high);
                    assignment
                        .add_partition_offset(&topic, partition.id(), rdkafka::Offset::Offset(low))
                        .map_err(TransportError::broker)?;
                }
            }
            let mut records = Vec::new();
            if ends.is_empty() {
                return Ok(records);
            }
            consumer
                .assign(&assignment)
                .map_err(TransportError::broker)?;
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while !ends.is_empty() {
                if std::time::Instant::now() > deadline {
                    return Err(TransportError::broker(format!(
                        "reading the dead letters of {topic} took over a minute"
                    )));
                }
                let Some(message) = consumer.poll(Duration::from_millis(500)) else {
                    continue;
                };
                let message = message.map_err(TransportError::broker)?;
                let partition = message.partition();
                if ends
                    .get(&partition)
                    .is_some_and(|&end| message.offset() + 1 >= end)
                {
                    ends.remove(&partition);
                }
                records.push(message.detach());
            }
            Ok(records)
        })
        .await
        .map_err(TransportError::broker)?
    }
}

/// The header of a marker record on the dead-letter topic: the `partition:offset` of a dead
/// letter that was redriven.
const REDRIVEN_HEADER: &str = "tidings-dlq-redriven";

/// The header of a dead letter with the topic it came from.
const TOPIC_HEADER: &str = "tidings-dlq-topic";

/// Kafka keeps records until they expire, so a redrive leaves a marker record behind it on
/// the dead-letter topic (header `tidings-dlq-redriven`: the letter's `partition:offset`,
/// which is its key), written once the redriven message is acknowledged; listing reads the
/// topic and leaves out the letters with a marker.
impl DeadLetters for Kafka {
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, TransportError> {
        let records = self.dead_letter_records().await?;
        let redriven: BTreeSet<String> = records
            .iter()
            .filter_map(|record| {
                let headers = record.headers()?;
                headers.iter().find_map(|h| {
                    (h.key == REDRIVEN_HEADER)
                        .then(|| String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned())
                })
            })
            .collect();
        let mut letters: Vec<DeadLetter> = records
            .iter()
            .filter(|record| {
                record
                    .headers()
                    .is_none_or(|headers| headers.iter().all(|h| h.key != REDRIVEN_HEADER))
            })
            .map(|record| {
                let key = format!("{}:{}", record.partition(), record.offset());
                let mut message = self.raw_message(record);
                message.headers.retain(|(name, _)| name != TOPIC_HEADER);
                let time = record
                    .timestamp()
                    .to_millis()
                    .and_then(chrono::DateTime::from_timestamp_millis);
                dead::from_headers(key, message, time)
            })
            .filter(|letter| !redriven.contains(&letter.key))
            .collect();
        letters.sort_by_key(|letter| letter.time);
        Ok(letters)
    }

    async fn redrive(&self, letter: &DeadLetter) -> Result<(), TransportError> {
        dead::still_kept(self, letter, &self.options.dead_letters).await?;
        self.publish(letter.message.clone()).await?;
        let marker = RawMessage {
            address: letter.message.address.clone(),
            key: Some(letter.key.clone()),
            headers: Vec::new(),
            body: Vec::new(),
        };
        self.produce(
            &self.options.dead_letters,
            &marker,
            &[(REDRIVEN_HEADER, letter.key.as_str())],
        )
        .await
    }
}

/// The records a subscription passes over ([`Position`]).
#[derive(Clone, Copy, Debug)]
enum Skip {
    Nothing,
    /// Those stamped before this time, in ms since the epoch.
    Before(i64),
    /// Those below this offset in their partition.
    Below(i64),
}

/// One member of a consumer group on Kafka.
pub struct KafkaSubscription {
    skip: Skip,
    /// Per partition, whether the group had no committed offset there when this member
    /// first read from it: only then does `skip` apply (a group that exists carries on).
    new_partitions: HashMap<(String, i32), bool>,
    consumer: Arc<StreamConsumer>,
    member: Arc<Member>,
    kafka: Kafka,
    pattern: String,
    group: String,
}

/// Whether the group of `consumer` had no committed offset on `partition` of `topic` when
/// this member first read from it (asked of the broker once per partition, remembered in
/// `known`; a failed answer counts as committed, which reads rather than skips).
async fn is_new(
    known: &mut HashMap<(String, i32), bool>,
    consumer: &Arc<StreamConsumer>,
    topic: &str,
    partition: i32,
) -> bool {
    let key = (topic.to_owned(), partition);
    if let Some(new) = known.get(&key) {
        return *new;
    }
    let consumer = consumer.clone();
    let asked = key.clone();
    let new = tokio::task::spawn_blocking(move || {
        let mut list = rdkafka::TopicPartitionList::new();
        list.add_partition(&asked.0, asked.1);
        let committed = consumer.committed_offsets(list, Timeout::After(Duration::from_secs(10)));
        committed.is_ok_and(|list| {
            list.find_partition(&asked.0, asked.1)
                .is_some_and(|p| !matches!(p.offset(), rdkafka::Offset::Offset(_)))
        })
    })
    .await
    .unwrap_or(false);
    known.insert(key, new);
    new
}

impl Subscription for KafkaSubscription {
    async fn next(&mut self) -> Option<Delivery> {
        loop {
            let (due, earliest) = self.member.due();
            if let Some(again) = due {
                return Some(self.delivery(again.delivered, again.position));
            }
            // A message, a retry's time, or a new retry, whichever comes first; the other
            // waits are dropped, which loses nothing.
            let received = {
                let mut recv = std::pin::pin!(self.consumer.recv());
                let mut timer =
                    std::pin::pin!(tokio::time::sleep_until(earliest.unwrap_or_else(|| {
                        tokio::time::Instant::now() + Duration::from_secs(3600)
                    })));
                let mut retried = std::pin::pin!(self.member.retried.notified());
                std::future::poll_fn(|cx| {
                    if let Poll::Ready(received) = recv.as_mut().poll(cx) {
                        return Poll::Ready(Some(received));
                    }
                    if timer.as_mut().poll(cx).is_ready() || retried.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(None);
                    }
                    Poll::Pending
                })
                .await
            };
            let message = match received {
                None => continue,
                Some(Ok(message)) => message,
                // The broker is away and the like: librdkafka reconnects; try again shortly.
                Some(Err(_)) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let position = Offset {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
            };
            let skipped = match self.skip {
                Skip::Nothing => false,
                _ if !is_new(
                    &mut self.new_partitions,
                    &self.consumer,
                    &position.topic,
                    position.partition,
                )
                .await =>
                {
                    false
                }
                Skip::Before(since) => message.timestamp().to_millis().is_some_and(|t| t < since),
                Skip::Below(offset) => message.offset() < offset,
            };
            if skipped {
                self.done_with(&position);
                continue;
            }
            let raw = self.kafka.raw_message(&message);
            if !crate::address::matches(&self.pattern, &raw.address) {
                // The regex took it but the pattern does not want it.
                self.done_with(&position);
                continue;
            }
            lock(&self.member.offsets).taken(&position);
            return Some(self.delivery(
                Delivered {
                    message: raw,
                    attempt: 1,
                },
                position,
            ));
        }
    }
}

impl Member {
    /// The retry whose time has come, if any, else when the next one is due.
    fn due(&self) -> (Option<Again>, Option<tokio::time::Instant>) {
        let mut again = lock(&self.again);
        let now = tokio::time::Instant::now();
        let first = again
            .iter()
            .enumerate()
            .min_by_key(|(_, again)| again.at)
            .map(|(index, again)| (index, again.at));
        match first {
            Some((index, at)) if at <= now => (Some(again.swap_remove(index)), None),
            Some((_, at)) => (None, Some(at)),
            None => (None, None),
        }
    }

    /// `position` is settled: its offset is stored for commit once nothing before it is in
    /// hand.
    fn settled(&self, consumer: &StreamConsumer, position: &Offset) -> Result<(), KafkaError> {
        let Some(offset) = lock(&self.offsets).settled(position) else {
            return Ok(());
        };
        consumer.store_offset(&position.topic, position.partition, offset)
    }
}

impl KafkaSubscription {
    /// Lets go of a message this subscription does not deliver.
    fn done_with(&self, position: &Offset) {
        let _ = self.member.settled(&self.consumer, position);
    }

    fn delivery(&self, delivered: Delivered, position: Offset) -> Delivery {
        let settle = KafkaSettle {
            consumer: Arc::clone(&self.consumer),
            member: Arc::clone(&self.member),
            kafka: self.kafka.clone(),
            group: self.group.clone(),
            position,
        };
        Delivery::new(
            delivered.message,
            delivered.attempt,
            Box::new(Settler(settle)),
        )
    }
}

struct KafkaSettle {
    consumer: Arc<StreamConsumer>,
    member: Arc<Member>,
    kafka: Kafka,
    group: String,
    position: Offset,
}

impl Broker for KafkaSettle {
    /// The offset stored, to be committed, once nothing before it is in hand.
    async fn ack(&self) -> Result<(), TransportError> {
        match self.member.settled(&self.consumer, &self.position) {
            // The partition moved to another member in a rebalance: it starts from the last
            // commit, so the message comes again there (at least once).
            Err(KafkaError::StoreOffset(RDKafkaErrorCode::State)) => Ok(()),
            other => other.map_err(TransportError::broker),
        }
    }

    /// Produced to the dead-letter topic, with the topic it came from.
    async fn bury(&self, delivered: Delivered, reason: String) -> Result<(), TransportError> {
        let dead = dead::headers(reason, delivered.attempt, self.group.clone());
        let mut why: Vec<(&str, &str)> = dead.iter().map(|(k, v)| (*k, v.as_str())).collect();
        why.push((TOPIC_HEADER, self.position.topic.as_str()));
        self.kafka
            .produce(&self.kafka.options.dead_letters, &delivered.message, &why)
            .await
    }
}

impl Retry for KafkaSettle {
    /// Held by the member and delivered again after the delay; its offset is not stored
    /// until then.
    async fn retry(
        self,
        mut delivered: Delivered,
        delay: Duration,
        _: String,
    ) -> Result<(), TransportError> {
        delivered.attempt = delivered.attempt.saturating_add(1);
        lock(&self.member.again).push(Again {
            delivered,
            at: tokio::time::Instant::now() + delay,
            position: self.position,
        });
        self.member.retried.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    proptest::proptest! {
        /// Offsets settled in any order: what is stored never passes an offset still in
        /// hand, and once all are settled the highest is stored.
        #[test]
        fn stored_offsets_never_pass_one_in_hand(
            order in proptest::sample::subsequence((0..40_i64).collect::<Vec<_>>(), 40)
                .prop_shuffle(),
            retried in proptest::collection::vec(0..40_i64, 0..5),
        ) {
            let at = |offset| Offset { topic: "t".into(), partition: 3, offset };
            let mut offsets = Offsets::default();
            for offset in 0..40 {
                offsets.taken(&at(offset));
            }
            let mut in_hand: BTreeSet<i64> = (0..40).collect();
            let mut stored = None;
            for offset in order {
                // A retry keeps its offset in hand; it is settled at the end.
                if retried.contains(&offset) {
                    continue;
                }
                in_hand.remove(&offset);
                if let Some(through) = offsets.settled(&at(offset)) {
                    prop_assert!(Some(through) > stored, "stored offsets only move forward");
                    stored = Some(through);
                }
                if let (Some(stored), Some(oldest)) = (stored, in_hand.first()) {
                    prop_assert!(stored < *oldest, "stored {stored} passes {oldest}, in hand");
                }
            }
            for offset in retried {
                in_hand.remove(&offset);
                if let Some(through) = offsets.settled(&at(offset)) {
                    stored = Some(through);
                }
            }
            prop_assert_eq!(stored, Some(39));
        }
    }

    /// A transport that never connected: the name mapping needs no cluster.
    fn offline() -> Kafka {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", "127.0.0.1:1")
            .create()
            .unwrap();
        Kafka {
            brokers: Arc::from("127.0.0.1:1"),
            producer,
            options: Arc::new(KafkaOptions::default()),
        }
    }

    #[test]
    fn patterns_become_anchored_regexes() {
        let kafka = offline();
        assert_eq!(
            kafka.filter("acme/orders/{orderId}").unwrap(),
            "^tidings\\.acme\\.orders\\.[^.]+$"
        );
        assert_eq!(
            kafka
                .filter("smartylighting.streetlights.1.0.event.{id}.lighting.measured")
                .unwrap(),
            "^tidings\\.smartylighting\\.streetlights\\.1\\.0\\.event\\.[^.]+\\.lighting\\.measured$"
        );
        assert_eq!(kafka.filter("#").unwrap(), "^tidings\\..+$");
        assert_eq!(
            kafka.filter("a/{x}-{y}").unwrap(),
            "^tidings\\.a\\.[^.]+-[^.]+$"
        );
        assert!(kafka.filter("a b/{x}").is_err());
        assert!(kafka.filter("a/{x").is_err());
    }

    #[test]
    fn addresses_become_topics_and_bad_ones_are_refused() {
        let kafka = offline();
        assert_eq!(
            kafka.topic("acme/orders/o-17").unwrap(),
            "tidings.acme.orders.o-17"
        );
        assert!(kafka.topic("").is_err());
        assert!(kafka.topic("orders/ü").is_err());
        assert!(kafka.topic("orders/a:b").is_err());
        assert!(kafka.topic(&"x".repeat(250)).is_err());
    }

    #[test]
    fn one_group_name_on_two_patterns_makes_two_groups() {
        assert_ne!(group_id("billing", "^a$"), group_id("billing", "^b$"));
        assert_eq!(group_id("billing", "^a$"), group_id("billing", "^a$"));
        assert!(group_id("billing", "^a$").starts_with("billing-"));
    }
}
