//! Redis Streams transport (feature `redis`), on [redis-rs](https://docs.rs/redis).
//!
//! - **One stream** (default key `tidings:events`) holds every message of the transport, in
//!   publish order, each entry with its address, headers (`h:<name>` fields), body and
//!   attempt. A stream per address would need the reader to know every concrete address in
//!   advance (`XREADGROUP` takes keys, not patterns); one stream keeps publish order and lets
//!   each consumer group take what matches its address pattern.
//! - **Consumer groups** are Redis consumer groups (created with `MKSTREAM`, from the start
//!   of the stream); each member is a Redis consumer. Entries a group does not subscribe to
//!   are acked at once.
//! - **Acks** are `XACK` after the handler, one command for the acks of many entries settled
//!   at about the same time (each settlement returns once the server has its ack). A
//!   **retry** waits the policy's delay, adds the entry again with its attempt counted, then
//!   acks the original: if the consumer dies in between, the original is still pending and
//!   is reclaimed.
//! - **Reading** blocks on the server (`XREADGROUP ... BLOCK`) on a connection of the member's
//!   own, so a new entry is delivered as soon as it is added, with no polling delay, and the
//!   shared connection that publishes and acks is never held up by a waiting read.
//! - **Reclaiming**: a member takes over entries that another member left pending for longer
//!   than the claim timeout (`XAUTOCLAIM`), so a crashed consumer loses nothing.
//! - **Dead letters** go to the stream `tidings:dlq` with the reason, attempt and group.
//! - **Retention**: members trim the stream now and then (`XTRIM MINID`) to the entries some
//!   group still needs: none that any group has pending or has not read yet is removed, so a
//!   stream holds what is in flight, not everything ever published (`RedisOptions::trim`). A
//!   group created later reads from what is left. A group that stops for good holds entries
//!   back until it is deleted ([`Redis::delete_group`]).
//! - **Deleting a group** ([`Redis::delete_group`]) destroys its Redis consumer group.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{StreamAutoClaimReply, StreamId, StreamRangeReply, StreamReadReply};
use redis::AsyncCommands;

use crate::envelope::Binding;
use crate::transport::dead::{DeadLetter, DeadLetters};
use crate::transport::settle::{Broker, Held, InHand, Republish, Settler};
use crate::transport::tls::{Roots, Tls};
use crate::transport::{
    BoxFuture, Delivered, Delivery, Position, RawMessage, Subscription, Transport, TransportError,
    Window,
};

pub use redis as client;

/// Where tidings keeps its messages on the server.
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// The stream of every message.
    pub stream: String,
    /// The stream of dead letters.
    pub dead_letters: String,
    /// How long an entry may stay pending with a member before another takes it over.
    pub claim_after: Duration,
    /// New consumer groups start with the entries added after they were created, instead of
    /// the whole stream (for short-lived listeners).
    pub from_now: bool,
    /// Whether members remove the entries every group has acknowledged (at most once a
    /// second per member). On by default; off keeps the whole history.
    pub trim: bool,
    /// TLS settings for a `rediss://` URL: the roots to trust and a client certificate
    /// (the system's roots and none when `None`).
    pub tls: Option<Tls>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            stream: "tidings:events".into(),
            dead_letters: "tidings:dlq".into(),
            claim_after: Duration::from_secs(30),
            from_now: false,
            trim: true,
            tls: None,
        }
    }
}

/// A Redis connection (reconnecting by itself); clones share it.
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    connection: ConnectionManager,
    options: Arc<RedisOptions>,
}

/// How long one blocking read waits for a new entry before the member looks for entries to
/// reclaim again.
const BLOCK: Duration = Duration::from_secs(1);

/// How long to wait for the server: a blocking read answers within [`BLOCK`], and connecting
/// within this too.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Connects to `url` (`redis://127.0.0.1:6379`) with the default options.
    pub async fn connect(url: &str) -> Result<Self, TransportError> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects to `url`.
    ///
    /// `rediss://` connects over TLS (`RedisOptions::tls` for roots and a client
    /// certificate); `redis://user:password@host` authenticates with `AUTH`.
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, TransportError> {
        let client = match &options.tls {
            None => redis::Client::open(url),
            Some(tls) => redis::Client::build_with_tls(
                url,
                redis::TlsCertificates {
                    client_tls: tls.client.as_ref().map(|identity| redis::ClientTlsConfig {
                        client_cert: identity.certificates.clone(),
                        client_key: identity.key.clone(),
                    }),
                    root_cert: match &tls.roots {
                        Roots::System => None,
                        Roots::Pem(pem) => Some(pem.clone()),
                    },
                },
            ),
        }
        .map_err(TransportError::broker)?;
        let connection = manager(&client, None).await?;
        Ok(Redis {
            client,
            connection,
            options: Arc::new(options),
        })
    }

    /// The options it was connected with.
    pub fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// A connection for what tidings does not wrap (reading dead letters, say).
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// Removes the entries every group of the stream has acknowledged: those before the
    /// oldest entry any group still has pending or has not read yet.
    pub async fn trim(&self) -> Result<u64, TransportError> {
        let stream = &self.options.stream;
        let mut connection = self.connection.clone();
        let groups: redis::streams::StreamInfoGroupsReply = connection
            .xinfo_groups(stream)
            .await
            .map_err(TransportError::broker)?;
        let mut floor: Option<(u64, u64)> = None;
        for group in &groups.groups {
            let needed = if group.pending > 0 {
                let pending: redis::streams::StreamPendingReply = connection
                    .xpending(stream, &group.name)
                    .await
                    .map_err(TransportError::broker)?;
                match pending {
                    redis::streams::StreamPendingReply::Data(data) => entry_id(&data.start_id),
                    _ => None,
                }
            } else {
                // Everything up to the last delivered entry is acknowledged.
                entry_id(&group.last_delivered_id).map(|(ms, seq)| match seq.checked_add(1) {
                    Some(seq) => (ms, seq),
                    None => (ms.saturating_add(1), 0),
                })
            };
            // An id it cannot read: keep everything.
            let needed = needed.unwrap_or((0, 0));
            floor = Some(floor.map_or(needed, |f| f.min(needed)));
        }
        let Some((ms, seq)) = floor else {
            // No group: nobody has acknowledged anything.
            return Ok(0);
        };
        redis::cmd("XTRIM")
            .arg(stream)
            .arg("MINID")
            .arg(format!("{ms}-{seq}"))
            .query_async(&mut connection)
            .await
            .map_err(TransportError::broker)
    }

    /// A connection of its own for a member's blocking reads.
    async fn reader(&self) -> Result<ConnectionManager, TransportError> {
        manager(&self.client, Some(BLOCK + ANSWER_WITHIN)).await
    }

    async fn add(
        &self,
        stream: &str,
        message: &RawMessage,
        attempt: u32,
        extra: &[(&str, String)],
    ) -> Result<(), TransportError> {
        let mut fields: Vec<(String, Vec<u8>)> = Vec::with_capacity(message.headers.len() + 4);
        fields.push(("address".into(), message.address.clone().into_bytes()));
        fields.push(("attempt".into(), attempt.to_string().into_bytes()));
        for (name, value) in &message.headers {
            fields.push((format!("h:{name}"), value.clone().into_bytes()));
        }
        for (name, value) in extra {
            fields.push(((*name).to_owned(), value.clone().into_bytes()));
        }
        fields.push(("body".into(), message.body.clone()));
        let mut connection = self.connection.clone();
        let _: String = connection
            .xadd(stream, "*", &fields)
            .await
            .map_err(TransportError::broker)?;
        Ok(())
    }
}

impl Redis {
    /// Deletes consumer `group` on `pattern` (`XGROUP DESTROY` of the Redis group that
    /// [`subscribe`](Transport::subscribe) made), with its place in the stream and its pending
    /// entries; it is `true` if there was one. For tools and tests: members still running
    /// fail their reads until they subscribe again, which starts the group anew. The next
    /// trim no longer waits for the deleted group.
    pub async fn delete_group(&self, pattern: &str, group: &str) -> Result<bool, TransportError> {
        let mut connection = self.connection.clone();
        // The Redis group name that `subscribe` uses.
        let destroyed: redis::RedisResult<u64> = redis::cmd("XGROUP")
            .arg("DESTROY")
            .arg(&self.options.stream)
            .arg(format!("{group}|{pattern}"))
            .query_async(&mut connection)
            .await;
        match destroyed {
            Ok(n) => Ok(n > 0),
            // No stream: no group either.
            Err(e) if e.to_string().contains("requires the key to exist") => Ok(false),
            Err(e) => Err(TransportError::broker(e)),
        }
    }
}

impl Transport for Redis {
    type Subscription = RedisSubscription;

    fn binding(&self) -> Binding {
        // `ce-` names, as on HTTP and NATS: Redis fields take any name.
        Binding::Nats
    }

    fn system(&self) -> &'static str {
        "redis"
    }

    async fn publish(&self, message: RawMessage) -> Result<(), TransportError> {
        self.add(&self.options.stream, &message, 1, &[]).await
    }

    async fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<RedisSubscription, TransportError> {
        let from = Position::by_default(self.options.from_now);
        self.subscribe_from(pattern, group, Window::default(), &from)
            .await
    }

    /// A new group starts after the entry id `from` stands for: `0`, `$` (the last entry),
    /// or the last id before a time (entry ids are the time they were added, in ms).
    /// Sequence numbers are refused: Redis numbers entries by time.
    async fn subscribe_from(
        &self,
        pattern: &str,
        group: &str,
        _window: Window,
        from: &Position,
    ) -> Result<RedisSubscription, TransportError> {
        let start = match from {
            Position::Beginning => "0".to_owned(),
            Position::End => "$".to_owned(),
            Position::Time(time) => match time.timestamp_millis() {
                ms if ms <= 0 => "0".to_owned(),
                ms => format!("{}-{}", ms - 1, u64::MAX),
            },
            Position::Sequence(_) => {
                return Err(TransportError::Unsupported(format!(
                    "Redis Streams cannot start at {from}: its entries are numbered by time, \
                     start at a time instead"
                )))
            }
        };
        // A group per name and pattern, as on the other transports.
        let group = format!("{group}|{pattern}");
        let mut connection = self.connection.clone();
        let created: redis::RedisResult<()> = connection
            .xgroup_create_mkstream(&self.options.stream, &group, start)
            .await;
        if let Err(e) = created {
            if e.code() != Some("BUSYGROUP") {
                return Err(TransportError::broker(e));
            }
        }
        let consumer = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7());
        let (acks, waiting) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(ack_in_batches(self.clone(), group.clone(), waiting));
        Ok(RedisSubscription {
            acks,
            reader: self.reader().await?,
            trimmed: None,
            redis: self.clone(),
            pattern: pattern.to_owned(),
            group,
            consumer,
            buffer: Vec::new(),
            in_hand: InHand::default(),
        })
    }
}

/// A stream entry id (`<ms>-<seq>`) as numbers, ordered as the server orders them.
fn entry_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// A reconnecting connection to `client`, answering within `response` (redis-rs's default
/// otherwise), connected within [`ANSWER_WITHIN`].
async fn manager(
    client: &redis::Client,
    response: Option<Duration>,
) -> Result<ConnectionManager, TransportError> {
    let mut config = ConnectionManagerConfig::new();
    if let Some(response) = response {
        config = config.set_response_timeout(Some(response));
    }
    // One attempt first, whose error (refused, a TLS certificate, authentication) is the
    // answer; the manager would retry it until the deadline and say only that.
    let no_answer = || {
        TransportError::Broker(
            format!(
                "no answer from {} within {ANSWER_WITHIN:?}",
                client.get_connection_info().addr()
            )
            .into(),
        )
    };
    tokio::time::timeout(ANSWER_WITHIN, client.get_multiplexed_async_connection())
        .await
        .map_err(|_| no_answer())?
        .map_err(TransportError::broker)?;
    tokio::time::timeout(
        ANSWER_WITHIN,
        client.get_connection_manager_with_config(config),
    )
    .await
    .map_err(|_| no_answer())?
    .map_err(TransportError::broker)
}

/// One member of a consumer group on Redis.
pub struct RedisSubscription {
    redis: Redis,
    /// The member's own connection, for reads that block.
    reader: ConnectionManager,
    /// When it last trimmed the stream.
    trimmed: Option<tokio::time::Instant>,
    pattern: String,
    group: String,
    consumer: String,
    buffer: Vec<StreamId>,
    /// Entry ids delivered and not yet settled: reclaiming skips them.
    in_hand: InHand<String>,
    /// The member's acks, sent in batches.
    acks: Acks,
}

/// An ack to send: the entry id, and who waits for the server's answer.
type Ack = (String, tokio::sync::oneshot::Sender<Result<(), String>>);

/// Where a member's settlements put their acks.
type Acks = tokio::sync::mpsc::UnboundedSender<Ack>;

/// Acks a member's entries: every ack that comes while one `XACK` is on its way goes in the
/// next one (up to 512 ids), so the server does one command for many entries, and each
/// settlement still returns once the server has its ack. Ends with the member and its last
/// delivery.
async fn ack_in_batches(
    redis: Redis,
    group: String,
    mut waiting: tokio::sync::mpsc::UnboundedReceiver<Ack>,
) {
    let mut connection = redis.connection.clone();
    let mut batch = Vec::new();
    while let Some(first) = waiting.recv().await {
        batch.push(first);
        while batch.len() < 512 {
            match waiting.try_recv() {
                Ok(ack) => batch.push(ack),
                Err(_) => break,
            }
        }
        let ids: Vec<&str> = batch.iter().map(|(id, _)| id.as_str()).collect();
        let acked: redis::RedisResult<u64> =
            connection.xack(&redis.options.stream, &group, &ids).await;
        let acked = acked.map(drop).map_err(|error| error.to_string());
        for (_, done) in batch.drain(..) {
            let _ = done.send(acked.clone());
        }
    }
}

impl Subscription for RedisSubscription {
    async fn next(&mut self) -> Option<Delivery> {
        loop {
            if let Some(entry) = self.buffer.pop() {
                match self.delivery(entry).await {
                    Some(delivery) => return Some(delivery),
                    None => continue,
                }
            }
            match self.fill().await {
                Ok(()) => {}
                // The server is away: the connection manager reconnects; try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

impl RedisSubscription {
    /// Reads entries: first those other members left pending too long, then new ones.
    async fn fill(&mut self) -> Result<(), TransportError> {
        let due = self
            .trimmed
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if self.redis.options.trim && due {
            self.trimmed = Some(tokio::time::Instant::now());
            // Retention is housekeeping: a failed trim is tried again later.
            let _ = self.redis.trim().await;
        }
        let stream = self.redis.options.stream.clone();
        let mut connection = self.redis.connection.clone();
        let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(self.redis.options.claim_after.as_millis() as u64)
            .arg("0")
            .arg("COUNT")
            .arg(64)
            .query_async(&mut connection)
            .await
            .map_err(TransportError::broker)?;
        // Entries this member still has in hand (waiting behind others of their key) are idle
        // too; claiming them again only resets their idle time.
        let mut entries = claimed.claimed;
        entries.retain(|entry| !self.in_hand.contains(&entry.id));
        if entries.is_empty() {
            // Waits on the server for new entries, on the member's own connection.
            let options = redis::streams::StreamReadOptions::default()
                .group(&self.group, &self.consumer)
                .count(64)
                .block(BLOCK.as_millis() as usize);
            let reply: Option<StreamReadReply> = self
                .reader
                .xread_options(&[&stream], &[">"], &options)
                .await
                .map_err(TransportError::broker)?;
            if let Some(reply) = reply {
                for key in reply.keys {
                    entries.extend(key.ids);
                }
            }
        }
        entries.reverse();
        self.buffer = entries;
        Ok(())
    }

    /// The delivery of `entry`, or `None`: when this group does not want it or it is not a
    /// message (acked), or when it is still in hand here (reclaimed from this member).
    async fn delivery(&mut self, entry: StreamId) -> Option<Delivery> {
        let text = |v: &redis::Value| match v {
            redis::Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            redis::Value::SimpleString(s) => Some(s.clone()),
            _ => None,
        };
        let address = entry.map.get("address").and_then(text);
        let wanted = address
            .as_deref()
            .is_some_and(|a| crate::address::matches(&self.pattern, a));
        if !wanted {
            let mut connection = self.redis.connection.clone();
            let _: redis::RedisResult<u64> = connection
                .xack(&self.redis.options.stream, &self.group, &[&entry.id])
                .await;
            return None;
        }
        let attempt = entry
            .map
            .get("attempt")
            .and_then(text)
            .and_then(|a| a.parse().ok())
            .unwrap_or(1);
        // A reclaimed entry was delivered before without being settled.
        let attempt = attempt
            + entry
                .delivered_count
                .map_or(0, |n| n.saturating_sub(1) as u32);
        let mut headers = Vec::new();
        let mut fields: Vec<(&String, &redis::Value)> = entry.map.iter().collect();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        for (name, value) in fields {
            if let (Some(name), Some(value)) = (name.strip_prefix("h:"), text(value)) {
                headers.push((name.to_owned().into(), value));
            }
        }
        let body = match entry.map.get("body") {
            Some(redis::Value::BulkString(bytes)) => bytes.clone(),
            _ => Vec::new(),
        };
        let message = RawMessage {
            address: address.unwrap_or_default(),
            key: None,
            headers,
            body,
        };
        let held = self.in_hand.hold(entry.id.clone())?;
        let settle = RedisSettle {
            acks: self.acks.clone(),
            redis: self.redis.clone(),
            group: self.group.clone(),
            id: entry.id,
            _held: held,
        };
        Some(Delivery::new(message, attempt, Box::new(Settler(settle))))
    }
}

struct RedisSettle {
    acks: Acks,
    redis: Redis,
    group: String,
    id: String,
    /// In hand until the settlement is done (for a retry, until the copy is out).
    _held: Held<String>,
}

impl Broker for RedisSettle {
    /// `XACK`ed with the member's other acks of the moment.
    async fn ack(&self) -> Result<(), TransportError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        self.acks
            .send((self.id.clone(), done))
            .map_err(|_| TransportError::Closed)?;
        match answer.await {
            Ok(acked) => acked.map_err(TransportError::broker),
            Err(_) => Err(TransportError::Closed),
        }
    }

    /// Added to the dead-letter stream, with the reason and group as fields of the entry.
    async fn bury(&self, delivered: Delivered, reason: String) -> Result<(), TransportError> {
        let group_name = self.group.split('|').next().unwrap_or_default().to_owned();
        self.redis
            .add(
                &self.redis.options.dead_letters,
                &delivered.message,
                delivered.attempt,
                &[
                    ("reason", reason),
                    ("group", group_name),
                    ("dead-attempt", delivered.attempt.to_string()),
                    (
                        "dead-time",
                        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    ),
                ],
            )
            .await
    }
}

/// Dead letters are the entries of the dead-letter stream (the entry id is the key), with
/// their reason, attempt and group as fields; a redrive adds the message to the stream again
/// (as a first attempt) and then deletes the dead letter.
impl DeadLetters for Redis {
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, TransportError> {
        let mut connection = self.connection.clone();
        let mut letters = Vec::new();
        let mut start = "-".to_owned();
        loop {
            let page: StreamRangeReply = connection
                .xrange_count(&self.options.dead_letters, &start, "+", 500)
                .await
                .map_err(TransportError::broker)?;
            let Some(last) = page.ids.last() else { break };
            start = format!("({}", last.id);
            let full = page.ids.len() == 500;
            letters.extend(page.ids.into_iter().map(dead_letter));
            if !full {
                break;
            }
        }
        Ok(letters)
    }

    async fn redrive(&self, letter: &DeadLetter) -> Result<(), TransportError> {
        let mut connection = self.connection.clone();
        let stream = &self.options.dead_letters;
        let there: StreamRangeReply = connection
            .xrange(stream, &letter.key, &letter.key)
            .await
            .map_err(TransportError::broker)?;
        if there.ids.is_empty() {
            return Err(TransportError::broker(format!(
                "no dead letter {} in {stream}",
                letter.key
            )));
        }
        self.add(&self.options.stream, &letter.message, 1, &[])
            .await?;
        let _: u64 = connection
            .xdel(stream, &[&letter.key])
            .await
            .map_err(TransportError::broker)?;
        Ok(())
    }
}

/// The dead letter of a dead-letter stream entry.
fn dead_letter(entry: StreamId) -> DeadLetter {
    let text = |name: &str| match entry.map.get(name) {
        Some(redis::Value::BulkString(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Some(redis::Value::SimpleString(s)) => Some(s.clone()),
        _ => None,
    };
    let mut headers = Vec::new();
    let mut fields: Vec<&String> = entry.map.keys().collect();
    fields.sort();
    for name in fields {
        if let (Some(header), Some(value)) = (name.strip_prefix("h:"), text(name)) {
            headers.push((header.to_owned().into(), value));
        }
    }
    let body = match entry.map.get("body") {
        Some(redis::Value::BulkString(bytes)) => bytes.clone(),
        _ => Vec::new(),
    };
    // Entry ids are the time they were added, in ms.
    let added = entry
        .id
        .split('-')
        .next()
        .and_then(|ms| ms.parse().ok())
        .and_then(chrono::DateTime::from_timestamp_millis);
    let time = text("dead-time")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.to_utc())
        .or(added);
    DeadLetter {
        message: RawMessage {
            address: text("address").unwrap_or_default(),
            key: None,
            headers,
            body,
        },
        reason: text("reason").unwrap_or_default(),
        attempt: text("dead-attempt")
            .and_then(|a| a.parse().ok())
            .unwrap_or(0),
        group: text("group").unwrap_or_default(),
        time,
        key: entry.id,
    }
}

/// Retries are added again once the delay is over and the original let go then; until then it
/// stays pending, so a crash in between loses nothing.
impl Republish for RedisSettle {
    async fn republish(&self, message: RawMessage, attempt: u32) -> Result<(), TransportError> {
        self.redis
            .add(&self.redis.options.stream, &message, attempt, &[])
            .await
    }
}

/// An [`IdempotencyStore`](crate::reliability::IdempotencyStore) on Redis: handled event ids
/// are keys (`<prefix>:<group>:<id>`) that expire after `ttl`, shared by every consumer of a
/// group, on any host.
#[derive(Clone)]
pub struct RedisIdempotency {
    connection: ConnectionManager,
    prefix: String,
    ttl: Duration,
}

impl RedisIdempotency {
    /// A store on `redis`'s server, remembering ids for `ttl`.
    pub fn new(redis: &Redis, prefix: impl Into<String>, ttl: Duration) -> Self {
        RedisIdempotency {
            connection: redis.connection(),
            prefix: prefix.into(),
            ttl,
        }
    }

    fn key(&self, group: &str, id: &str) -> String {
        format!("{}:{group}:{id}", self.prefix)
    }
}

impl crate::reliability::IdempotencyStore for RedisIdempotency {
    fn seen<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            // When the store cannot answer, handling again is the safe side.
            connection
                .exists::<_, bool>(self.key(group, id))
                .await
                .unwrap_or(false)
        })
    }

    fn record<'a>(&'a self, group: &'a str, id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let seconds = self.ttl.as_secs().max(1);
            let _: redis::RedisResult<()> =
                connection.set_ex(self.key(group, id), 1u8, seconds).await;
        })
    }
}
