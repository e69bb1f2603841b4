//! Benchmark: consuming typed events with tidings' [`Consumer`] on every transport.
//!
//! One process, one run, three markdown tables:
//!
//! 1. **End to end, paced.** For each transport and each offered rate (2,000 to 20,000
//!    events/s), a publisher task issues `publish` calls on schedule (every millisecond, as
//!    many as are due; up to [`IN_FLIGHT`] may overlap, each in a task of its own, so a slow
//!    publish does not hold the next ones back) while one [`Worker`] of one group, with the
//!    consumer's default settings, handles them. Each event carries the instant its publish
//!    call started (nanoseconds since an origin publisher and handler share); latency is the
//!    handler's instant minus that. Handled/s is events over the time from the first publish
//!    to the last handling. Every event has a sequence number, so the check column counts
//!    the events never handled and those handled more than once.
//! 2. **Consume only, from a backlog.** N events are published first; then tidings' worker,
//!    and after it the broker's own client doing the same per-message work by hand (read the
//!    CloudEvents headers, deserialize and validate the data as the same type, ack the way
//!    tidings acks by default), each take the whole backlog in a group of its own. Two
//!    rounds, each on a new backlog, alternate which side goes first; the table gives the
//!    means. Rates run from the first handled event to the last, so joining a group is not
//!    counted. MQTT has no such run: Mosquitto drops what a subscriber has not taken beyond
//!    its `max_queued_messages` (1,000 by default).
//! 3. **Client CPU per event** at the 10,000/s offer: this process's CPU time (user + system,
//!    `/proc/self/stat`) over the paced run, divided by the events, and the broker's, from
//!    `/proc/<pid>`. The publisher runs in this process too, so its share is included.
//!
//! Each row runs on names of its own (a NATS stream, a RabbitMQ exchange and queues, a Redis
//! stream key, an MQTT topic prefix, a Kafka topic prefix on librdkafka's in-process mock
//! cluster, a reference only), removed afterwards where that is cheap, so no run sees
//! another's messages. Before a paced run the worker must have handled a warm-up event (the
//! group has formed, connections are open). A broker that cannot be reached is reported as
//! `SKIPPED` and the others go on.
//!
//! Run: `cargo xtask bench consume [broker ...]`, or
//! `cargo bench -p tidings --features nats,amqp,redis,mqtt,kafka --bench consume [-- broker ...]`
//! with brokers among `memory nats amqp redis mqtt kafka` (all by default). `BENCH_EVENTS`
//! sets N (default 20,000).

mod support;

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tidings::memory::InMemory;
use tidings::transport::{Transport, TransportError};
use tidings::{Consumer, Context, Event, Incoming, Outcome, Publisher, Route, Validate, Worker};
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

use tidings::kafka::rdkafka::mocking::MockCluster;
use tidings::kafka::rdkafka::producer::DefaultProducerContext;

use support::{cpu_ns, pid_of, settle};

/// Offered rates of the paced runs, events/s.
const RATES: [u32; 4] = [2_000, 5_000, 10_000, 20_000];
/// The offered rate whose CPU time is reported.
const CPU_RATE: u32 = 10_000;
/// Events per run unless `BENCH_EVENTS` says otherwise.
const DEFAULT_EVENTS: usize = 20_000;
/// Distinct addresses the events are spread over (`bench/orders/k-0` ... `k-255`).
const KEYS: usize = 256;
/// Publish calls that may be in flight at once.
const IN_FLIGHT: usize = 256;
/// A run ends once nothing new has been handled for this long after publishing ended.
const STALL: Duration = Duration::from_secs(5);
/// A run ends after this long whatever happens.
const MAX_RUN: Duration = Duration::from_secs(120);
/// How long to keep listening for duplicates once every event was handled.
const GRACE: Duration = Duration::from_millis(250);

const NATS_URL: &str = "nats://127.0.0.1:4222";
const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const REDIS_URL: &str = "redis://127.0.0.1:6379";
const MQTT_URL: &str = "mqtt://127.0.0.1:1883";

/// The benchmark's event: about 300 bytes of JSON with constraints to validate, its sequence
/// number in the run and the instant its publish call started.
#[derive(Debug, Clone, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[serde(rename_all = "camelCase")]
#[event(type = "com.acme.order.placed", version = "1.0.0", source = "/bench")]
struct OrderPlaced {
    #[validate(pattern = "^O-[0-9]{8}$")]
    order_id: String,
    #[validate(format = "email")]
    customer_email: String,
    /// Position in the run: `0..events` are measured, later ones warm up.
    seq: u64,
    /// When the publish call started, in nanoseconds since the run's origin.
    sent_ns: u64,
    #[validate(minimum = 1, maximum = 100_000_000)]
    total_cents: u64,
    #[validate(enumeration = r#"["EUR", "GBP", "USD"]"#)]
    currency: String,
    #[validate(length(min = 1, max = 16), items(pattern = "^SKU-[0-9]{5}$"))]
    skus: Vec<String>,
    #[validate(length(max = 200))]
    note: String,
}

fn event(seq: u64, sent_ns: u64) -> OrderPlaced {
    OrderPlaced {
        order_id: format!("O-{:08}", seq % 100_000_000),
        customer_email: format!("customer-{:06}@example.com", seq % 1_000_000),
        seq,
        sent_ns,
        total_cents: 1 + seq % 99_999,
        currency: "EUR".into(),
        skus: (0..4)
            .map(|i| format!("SKU-{:05}", (seq * 4 + i) % 100_000))
            .collect(),
        note: "Leave the parcel at the front desk; ring twice and ask for the duty manager.".into(),
    }
}

/// The address of event `seq`: one of [`KEYS`].
fn address(seq: u64) -> String {
    format!("bench/orders/k-{}", seq % KEYS as u64)
}

/// What the handlers saw in one run: per event how often it was handled, and the latency of
/// its first handling.
struct Recorder {
    /// The origin of `sent_ns` and of every instant recorded.
    origin: Instant,
    events: usize,
    counts: Vec<AtomicU32>,
    latency_ns: Vec<AtomicU64>,
    distinct: AtomicUsize,
    /// Handlings, duplicates included.
    handled: AtomicUsize,
    /// Warm-up events handled.
    warm: AtomicUsize,
    /// Messages that could not be decoded (dead-lettered by tidings, counted by raw sides).
    rejected: AtomicUsize,
    first_ns: AtomicU64,
    last_ns: AtomicU64,
}

impl Recorder {
    fn new(events: usize, origin: Instant) -> Arc<Self> {
        Arc::new(Recorder {
            origin,
            events,
            counts: (0..events).map(|_| AtomicU32::new(0)).collect(),
            latency_ns: (0..events).map(|_| AtomicU64::new(0)).collect(),
            distinct: AtomicUsize::new(0),
            handled: AtomicUsize::new(0),
            warm: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
            first_ns: AtomicU64::new(u64::MAX),
            last_ns: AtomicU64::new(0),
        })
    }

    /// Nanoseconds since the origin.
    fn now_ns(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    /// Event `seq`, published at `sent_ns`, was handled now.
    fn record(&self, seq: u64, sent_ns: u64) {
        let now = self.now_ns();
        let Some(count) = self.counts.get(seq as usize) else {
            self.warm.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if count.fetch_add(1, Ordering::Relaxed) == 0 {
            self.latency_ns[seq as usize].store(now.saturating_sub(sent_ns), Ordering::Relaxed);
            self.distinct.fetch_add(1, Ordering::Relaxed);
        }
        self.first_ns.fetch_min(now, Ordering::Relaxed);
        self.last_ns.fetch_max(now, Ordering::Relaxed);
        self.handled.fetch_add(1, Ordering::Release);
    }

    fn distinct(&self) -> usize {
        self.distinct.load(Ordering::Acquire)
    }

    /// `ok`, or what is wrong: events never handled, handled more than once, undecodable.
    fn check(&self) -> String {
        let mut missing = 0;
        let mut duplicated = 0;
        for count in &self.counts {
            match count.load(Ordering::Relaxed) {
                0 => missing += 1,
                n => duplicated += n as usize - 1,
            }
        }
        let rejected = self.rejected.load(Ordering::Relaxed);
        if missing == 0 && duplicated == 0 && rejected == 0 {
            return "ok".into();
        }
        let mut problems = vec![format!("missing {missing}"), format!("dup {duplicated}")];
        if rejected > 0 {
            problems.push(format!("undecodable {rejected}"));
        }
        problems.join(", ")
    }

    /// Latencies of the events handled, in milliseconds, sorted.
    fn latencies_ms(&self) -> Vec<f64> {
        let mut latencies: Vec<f64> = self
            .counts
            .iter()
            .zip(&self.latency_ns)
            .filter(|(count, _)| count.load(Ordering::Relaxed) > 0)
            .map(|(_, ns)| ns.load(Ordering::Relaxed) as f64 / 1e6)
            .collect();
        latencies.sort_by(f64::total_cmp);
        latencies
    }

    /// Distinct events handled per second between `from_ns` and the last handling.
    fn rate_since(&self, from_ns: u64) -> f64 {
        let seconds = self.last_ns.load(Ordering::Relaxed).saturating_sub(from_ns) as f64 / 1e9;
        self.distinct() as f64 / seconds.max(1e-9)
    }

    /// Waits until every event was handled (then [`GRACE`] longer, for duplicates), or until
    /// nothing new was handled for [`STALL`] once `publishing` has finished.
    async fn wait_for_all(&self, publishing: Option<&JoinHandle<Published>>) {
        let deadline = Instant::now() + MAX_RUN;
        let mut seen = 0;
        let mut progress = Instant::now();
        while Instant::now() < deadline {
            if self.distinct() == self.events {
                tokio::time::sleep(GRACE).await;
                return;
            }
            let handled = self.handled.load(Ordering::Acquire);
            if handled != seen {
                (seen, progress) = (handled, Instant::now());
            }
            let published = publishing.is_none_or(JoinHandle::is_finished);
            if published && progress.elapsed() > STALL {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The router under test: decodes and validates each event, then records it.
struct Bench(Arc<Recorder>);

impl Route for Bench {
    const OPERATION: &'static str = "benchConsume";
    const ADDRESS: &'static str = "bench/orders/{key}";

    async fn route(&self, incoming: Incoming<'_>, _: &Context<'_>) -> Outcome {
        if incoming.event_type() != OrderPlaced::TYPE {
            return Outcome::unknown(incoming.event_type());
        }
        match incoming.decode::<OrderPlaced>() {
            Ok(event) => {
                self.0.record(event.data.seq, event.data.sent_ns);
                Outcome::Handled
            }
            Err(error) => {
                self.0.rejected.fetch_add(1, Ordering::Relaxed);
                Outcome::undecodable(OrderPlaced::TYPE, error)
            }
        }
    }
}

/// How the publishing of a run went.
struct Published {
    /// When the first publish call started, ns since the origin.
    first_ns: u64,
    /// When the last publish call started.
    last_ns: u64,
    /// Publish calls that returned an error.
    errors: usize,
    /// The first error, to show.
    error: Option<String>,
}

/// Publishes events `0..events` through `publisher`, `rate` per second (as fast as
/// [`IN_FLIGHT`] allows when `None`), each call in a task of its own.
async fn publish(
    publisher: Publisher,
    recorder: Arc<Recorder>,
    rate: Option<u32>,
    events: usize,
) -> Published {
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut calls = JoinSet::new();
    let mut outcome = Published {
        first_ns: recorder.now_ns(),
        last_ns: 0,
        errors: 0,
        error: None,
    };
    let mut settled = |result: Result<Result<(), String>, tokio::task::JoinError>| {
        let error = match result {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error,
            Err(error) => error.to_string(),
        };
        outcome.errors += 1;
        outcome.error.get_or_insert(error);
    };
    let mut ticks = tokio::time::interval(Duration::from_millis(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let start = recorder.now_ns();
    let mut issued = 0;
    let mut last_ns = start;
    while issued < events {
        let due = match rate {
            Some(rate) => {
                ticks.tick().await;
                let elapsed = (recorder.now_ns() - start) as f64 / 1e9;
                ((elapsed * f64::from(rate)) as usize + 1).min(events)
            }
            None => events,
        };
        while issued < due {
            let permit = Arc::clone(&permits)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let (publisher, recorder) = (publisher.clone(), Arc::clone(&recorder));
            let seq = issued as u64;
            last_ns = recorder.now_ns();
            calls.spawn(async move {
                let sent_ns = recorder.now_ns();
                let result = publisher.publish(&address(seq), event(seq, sent_ns)).await;
                drop(permit);
                result.map(drop).map_err(|e| e.to_string())
            });
            issued += 1;
        }
        while let Some(result) = calls.try_join_next() {
            settled(result);
        }
    }
    while let Some(result) = calls.join_next().await {
        settled(result);
    }
    outcome.last_ns = last_ns;
    outcome
}

/// Publishes warm-up events (past the measured ones) until the worker has handled one, so
/// that a run starts with the group joined and the connections open.
async fn warm_up(publisher: &Publisher, recorder: &Recorder) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seq = recorder.events as u64;
    while recorder.warm.load(Ordering::Relaxed) == 0 {
        if Instant::now() > deadline {
            return Err("no warm-up event was handled within 60 s".into());
        }
        publisher
            .publish(&address(seq), event(seq, recorder.now_ns()))
            .await
            .map_err(|e| format!("warm-up publish: {e}"))?;
        seq += 1;
        for _ in 0..25 {
            if recorder.warm.load(Ordering::Relaxed) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

/// Stops a worker's task; what it ended with, if it ended by itself first.
async fn stop(task: JoinHandle<Result<(), TransportError>>) -> Option<String> {
    let ended = task.is_finished();
    task.abort();
    let result = task.await;
    match result {
        Ok(Err(error)) => Some(format!("the worker stopped: {error}")),
        Ok(Ok(())) if ended => Some("the worker stopped: the subscription ended".into()),
        _ => None,
    }
}

/// A consumer with the default settings, subscribed with the recording router.
async fn subscribe<T: Transport>(
    transport: &T,
    recorder: &Arc<Recorder>,
) -> Result<Worker<T, Bench>, String> {
    Consumer::new(transport.clone())
        .subscribe(Bench(Arc::clone(recorder)))
        .await
        .map_err(|e| format!("subscribe: {e}"))
}

/// This process's CPU time (user + system, all threads, those gone included), in
/// nanoseconds, from `/proc/self/stat` (clock ticks).
fn process_cpu_ns() -> u64 {
    static TICK_NS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let tick_ns = *TICK_NS.get_or_init(|| {
        let hz = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|hz| hz.trim().parse::<u64>().ok())
            .filter(|hz| *hz > 0)
            .unwrap_or(100);
        1_000_000_000 / hz
    });
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which may hold spaces: utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) * tick_ns
}

/// CPU time of this process and of the broker's.
#[derive(Clone, Copy)]
struct Cpu {
    client_ns: u64,
    broker_ns: Option<u64>,
}

impl Cpu {
    fn now(broker: Option<&str>) -> Self {
        Cpu {
            client_ns: process_cpu_ns(),
            broker_ns: broker.map(cpu_ns),
        }
    }

    /// Microseconds per event of each since `before`.
    fn per_event_since(self, before: Cpu, events: usize) -> (f64, Option<f64>) {
        let per_event = |ns: u64| ns as f64 / 1e3 / events.max(1) as f64;
        (
            per_event(self.client_ns.saturating_sub(before.client_ns)),
            self.broker_ns
                .zip(before.broker_ns)
                .map(|(after, before)| per_event(after.saturating_sub(before))),
        )
    }
}

/// The transports measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Broker {
    Memory,
    Nats,
    Amqp,
    Redis,
    Mqtt,
    Kafka,
}

impl Broker {
    const ALL: [Broker; 6] = [
        Broker::Memory,
        Broker::Nats,
        Broker::Amqp,
        Broker::Redis,
        Broker::Mqtt,
        Broker::Kafka,
    ];

    /// As named on the command line.
    fn arg(self) -> &'static str {
        match self {
            Broker::Memory => "memory",
            Broker::Nats => "nats",
            Broker::Amqp => "amqp",
            Broker::Redis => "redis",
            Broker::Mqtt => "mqtt",
            Broker::Kafka => "kafka",
        }
    }

    /// As named in the tables.
    fn title(self) -> &'static str {
        match self {
            Broker::Memory => "in-memory",
            Broker::Nats => "NATS JetStream",
            Broker::Amqp => "RabbitMQ",
            Broker::Redis => "Redis Streams",
            Broker::Mqtt => "MQTT (Mosquitto)",
            Broker::Kafka => "Kafka (mock cluster)",
        }
    }

    /// The pid of the broker's server process, whose CPU time is reported.
    fn pid(self) -> Option<String> {
        match self {
            Broker::Nats => pid_of("nats-server"),
            Broker::Amqp => pid_of("beam.smp"),
            Broker::Redis => pid_of("redis-server"),
            Broker::Mqtt => pid_of("mosquitto"),
            // In memory there is none; the Kafka mock cluster runs in this process.
            Broker::Memory | Broker::Kafka => None,
        }
    }
}

/// What the rows share: the Kafka mock cluster, one for the run (each row has a topic prefix
/// of its own), which starts with the process and stops with it.
struct Env {
    kafka: Option<Result<MockCluster<'static, DefaultProducerContext>, String>>,
}

/// Where a row's transport was connected.
struct Site {
    /// The broker's server process.
    pid: Option<String>,
    /// Names unique to the row.
    tag: String,
    /// The Kafka mock cluster's bootstrap servers.
    kafka: Option<String>,
}

/// Work to do on a transport of any kind, freshly connected for it.
trait Job {
    type Output;

    /// The in-memory transport this job runs on.
    fn memory(&self) -> InMemory {
        InMemory::new()
    }

    fn run<T: Side>(self, transport: T, site: &Site) -> impl Future<Output = Self::Output>;
}

/// Connects to `broker` under names of the row's own, runs `job`, then removes what the row
/// created on the broker.
async fn with_broker<J: Job>(env: &Env, broker: Broker, job: J) -> Result<J::Output, String> {
    let started = Instant::now();
    let output = connect_and_run(env, broker, job).await;
    eprintln!(
        "  ({}: {} in {:.1} s)",
        broker.arg(),
        std::any::type_name::<J>()
            .rsplit("::")
            .next()
            .unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    output
}

async fn connect_and_run<J: Job>(env: &Env, broker: Broker, job: J) -> Result<J::Output, String> {
    static ROW: AtomicUsize = AtomicUsize::new(0);
    let tag = format!(
        "{}_{}",
        std::process::id(),
        ROW.fetch_add(1, Ordering::Relaxed)
    );
    let mut site = Site {
        pid: broker.pid(),
        tag,
        kafka: None,
    };
    let unreachable = |e: TransportError| e.to_string();
    Ok(match broker {
        Broker::Memory => {
            let memory = job.memory();
            job.run(memory, &site).await
        }
        Broker::Nats => {
            use tidings::nats::{Nats, NatsOptions};
            let options = NatsOptions {
                stream: format!("TIDINGS_BENCH_{}", site.tag),
                prefix: format!("tidings_bench_{}", site.tag),
                ..NatsOptions::default()
            };
            let nats = Nats::connect_with(NATS_URL, options)
                .await
                .map_err(unreachable)?;
            finish(job, nats, &site).await
        }
        Broker::Amqp => {
            use tidings::amqp::{Amqp, AmqpOptions};
            let options = AmqpOptions {
                exchange: format!("tidings-bench-{}", site.tag),
                ..AmqpOptions::default()
            };
            let amqp = Amqp::connect_with(AMQP_URL, options)
                .await
                .map_err(unreachable)?;
            finish(job, amqp, &site).await
        }
        Broker::Redis => {
            use tidings::redis::{Redis, RedisOptions};
            let options = RedisOptions {
                stream: format!("tidings-bench:{}", site.tag),
                dead_letters: format!("tidings-bench:{}:dlq", site.tag),
                ..RedisOptions::default()
            };
            let redis = Redis::connect_with(REDIS_URL, options)
                .await
                .map_err(unreachable)?;
            // A connection error shows only at the first command.
            let mut connection = redis.connection();
            tidings::redis::client::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
                .map_err(|e| e.to_string())?;
            finish(job, redis, &site).await
        }
        Broker::Mqtt => {
            use tidings::mqtt::{Mqtt, MqttOptions};
            let options = MqttOptions {
                prefix: format!("tidings-bench-{}/", site.tag),
                ..MqttOptions::default()
            };
            let mqtt = Mqtt::connect_with(MQTT_URL, options)
                .await
                .map_err(unreachable)?;
            finish(job, mqtt, &site).await
        }
        Broker::Kafka => {
            use tidings::kafka::{Kafka, KafkaOptions};
            let mock = match &env.kafka {
                Some(Ok(mock)) => mock,
                Some(Err(error)) => return Err(error.clone()),
                None => return Err("no mock cluster".into()),
            };
            let prefix = format!("tidings_bench_{}", site.tag);
            let options = KafkaOptions {
                dead_letters: format!("{prefix}-dlq"),
                prefix,
                // Behind an idempotent producer the mock cluster's consumer groups stall (see
                // runtime/tests/kafka.rs); real brokers do not need this.
                idempotent: false,
                ..KafkaOptions::default()
            };
            site.kafka = Some(mock.bootstrap_servers());
            let kafka = Kafka::connect_with(&mock.bootstrap_servers(), options)
                .await
                .map_err(unreachable)?;
            // Created before the group forms: a regex subscription whose topics keep
            // appearing rebalances again and again.
            create_topics(&kafka).await?;
            finish(job, kafka, &site).await
        }
    })
}

/// Has the cluster create the topics of the [`KEYS`] addresses, by publishing a warm-up
/// event to each (recorders count those as warm-up). Neither the mock cluster's
/// `create_topic` nor an admin `CreateTopics` request served: the first sometimes took about
/// a quarter of a second per topic (a minute for 256), the second timed out.
async fn create_topics(kafka: &tidings::kafka::Kafka) -> Result<(), String> {
    let publisher = Publisher::new(kafka.clone());
    let mut calls = JoinSet::new();
    for k in 0..KEYS as u64 {
        let publisher = publisher.clone();
        // Far past the measured events, so recorders take it for a warm-up.
        let seq = u64::from(u32::MAX) + k;
        calls.spawn(async move { publisher.publish(&address(k), event(seq, 0)).await });
    }
    while let Some(published) = calls.join_next().await {
        published
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("creating topics: {e}"))?;
    }
    Ok(())
}

/// Runs `job` on `transport`, then cleans up after it.
async fn finish<J: Job, T: Side>(job: J, transport: T, site: &Site) -> J::Output {
    let output = job.run(transport.clone(), site).await;
    transport.clean_up(site).await;
    output
}

/// A transport under test, with the broker's own client beside it.
trait Side: Transport {
    /// The raw client's consumer, made before a backlog is published so that it keeps
    /// every event.
    type Raw: Send + 'static;

    /// The raw consumer, or why there is none.
    fn raw_consumer(&self, site: &Site) -> impl Future<Output = Result<Self::Raw, String>> + Send;

    /// Takes events with the raw client, doing what tidings does per message by hand, until
    /// `recorder` has them all or nothing new comes for [`STALL`].
    fn raw_consume(
        raw: Self::Raw,
        recorder: Arc<Recorder>,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// Removes what the row created on the broker.
    fn clean_up(&self, site: &Site) -> impl Future<Output = ()>;
}

/// The CloudEvents attributes a hand-written consumer reads, as its binding names them.
struct Names {
    specversion: &'static str,
    id: &'static str,
    source: &'static str,
    event_type: &'static str,
}

/// What hand-written code does with one message: reads the required attributes, checks the
/// type, deserializes the data as the same type and validates it, then records it.
fn raw_handle<'m>(
    recorder: &Recorder,
    names: &Names,
    header: impl Fn(&str) -> Option<&'m str>,
    body: &[u8],
) {
    let handled = (|| {
        let attribute = |name: &str| header(name).ok_or_else(|| format!("no `{name}`"));
        if attribute(names.specversion)? != "1.0" {
            return Err("not CloudEvents 1.0".to_owned());
        }
        let id = attribute(names.id)?.to_owned();
        let source = attribute(names.source)?;
        if attribute(names.event_type)? != OrderPlaced::TYPE {
            return Err("another event type".to_owned());
        }
        let event: OrderPlaced = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        event.validate().map_err(|e| e.to_string())?;
        std::hint::black_box((id, source));
        recorder.record(event.seq, event.sent_ns);
        Ok(())
    })();
    if handled.is_err() {
        recorder.rejected.fetch_add(1, Ordering::Relaxed);
    }
}

/// The next item of a raw consumer, or `None` once nothing came for [`STALL`] or every
/// event was handled.
async fn next_raw<F: Future>(recorder: &Recorder, next: F) -> Option<F::Output> {
    if recorder.distinct() == recorder.events {
        return None;
    }
    tokio::time::timeout(STALL, next).await.ok()
}

impl Side for InMemory {
    type Raw = ();

    async fn raw_consumer(&self, _: &Site) -> Result<(), String> {
        Err("no broker client".into())
    }

    async fn raw_consume(_: (), _: Arc<Recorder>) -> Result<(), String> {
        Ok(())
    }

    async fn clean_up(&self, _: &Site) {
        self.close();
    }
}

impl Side for tidings::nats::Nats {
    type Raw = tidings::nats::async_nats::jetstream::consumer::PullConsumer;

    /// A durable pull consumer with explicit acks, as tidings makes one.
    async fn raw_consumer(&self, _: &Site) -> Result<Self::Raw, String> {
        use tidings::nats::async_nats::jetstream::consumer;
        let stream = self
            .jetstream()
            .get_stream(&self.options().stream)
            .await
            .map_err(|e| e.to_string())?;
        stream
            .create_consumer(consumer::pull::Config {
                durable_name: Some("raw".into()),
                filter_subject: self.filter(Bench::ADDRESS),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: self.options().ack_wait,
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())
    }

    /// Plain acks (sent, not confirmed), tidings' default.
    async fn raw_consume(raw: Self::Raw, recorder: Arc<Recorder>) -> Result<(), String> {
        use tokio_stream::StreamExt;
        const NAMES: Names = Names {
            specversion: "ce-specversion",
            id: "ce-id",
            source: "ce-source",
            event_type: "ce-type",
        };
        let mut messages = raw.messages().await.map_err(|e| e.to_string())?;
        while let Some(Some(message)) = next_raw(&recorder, messages.next()).await {
            let message = message.map_err(|e| e.to_string())?;
            let headers = message.headers.as_ref();
            let header = |name: &str| Some(headers?.get(name)?.as_str());
            raw_handle(&recorder, &NAMES, header, &message.payload);
            message.ack().await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    async fn clean_up(&self, _: &Site) {
        let js = self.jetstream();
        let stream = &self.options().stream;
        let _ = js.delete_stream(stream).await;
        let _ = js.delete_stream(format!("{stream}_DLQ")).await;
    }
}

/// The name of the raw client's queue on RabbitMQ.
fn amqp_raw_queue(amqp: &tidings::amqp::Amqp) -> String {
    format!("{}.raw", amqp.options().exchange)
}

impl Side for tidings::amqp::Amqp {
    type Raw = (tidings::amqp::lapin::Channel, String);

    /// A quorum queue bound as tidings binds its own, with the same prefetch.
    async fn raw_consumer(&self, _: &Site) -> Result<Self::Raw, String> {
        use tidings::amqp::lapin::options::{
            BasicQosOptions, QueueBindOptions, QueueDeclareOptions,
        };
        use tidings::amqp::lapin::types::{AMQPValue, FieldTable, LongString};
        let channel = self.channel().await.map_err(|e| e.to_string())?;
        let queue = amqp_raw_queue(self);
        let mut arguments = FieldTable::default();
        arguments.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(LongString::from("quorum")),
        );
        let durable = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        let error = |e: tidings::amqp::lapin::Error| e.to_string();
        channel
            .queue_declare(queue.as_str().into(), durable, arguments)
            .await
            .map_err(error)?;
        channel
            .queue_bind(
                queue.as_str().into(),
                self.options().exchange.as_str().into(),
                tidings::amqp::Amqp::binding_key(Bench::ADDRESS)
                    .as_str()
                    .into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(error)?;
        channel
            .basic_qos(self.options().prefetch, BasicQosOptions::default())
            .await
            .map_err(error)?;
        Ok((channel, queue))
    }

    /// Manual acks, one `basic_ack` per message.
    async fn raw_consume(
        (channel, queue): Self::Raw,
        recorder: Arc<Recorder>,
    ) -> Result<(), String> {
        use tidings::amqp::lapin::options::{BasicAckOptions, BasicConsumeOptions};
        use tidings::amqp::lapin::types::{AMQPValue, FieldTable};
        use tokio_stream::StreamExt;
        const NAMES: Names = Names {
            specversion: "cloudEvents:specversion",
            id: "cloudEvents:id",
            source: "cloudEvents:source",
            event_type: "cloudEvents:type",
        };
        let mut deliveries = channel
            .basic_consume(
                queue.as_str().into(),
                "raw".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| e.to_string())?;
        while let Some(Some(delivery)) = next_raw(&recorder, deliveries.next()).await {
            let delivery = delivery.map_err(|e| e.to_string())?;
            let table = delivery.properties.headers().as_ref();
            let header = |name: &str| match table?.inner().get(name)? {
                AMQPValue::LongString(value) => std::str::from_utf8(value.as_bytes()).ok(),
                _ => None,
            };
            raw_handle(&recorder, &NAMES, header, &delivery.data);
            delivery
                .acker
                .ack(BasicAckOptions::default())
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    async fn clean_up(&self, _: &Site) {
        use tidings::amqp::lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
        let Ok(channel) = self.channel().await else {
            return;
        };
        let exchange = &self.options().exchange;
        for queue in [
            self.queue_name(Bench::ADDRESS, Bench::OPERATION),
            amqp_raw_queue(self),
            format!("{exchange}.dlq"),
        ] {
            let _ = channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        for name in [exchange.clone(), format!("{exchange}.dlq")] {
            let _ = channel
                .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
                .await;
        }
    }
}

impl Side for tidings::redis::Redis {
    type Raw = (tidings::redis::client::aio::MultiplexedConnection, String);

    /// A consumer group from the start of the stream, on a connection of its own.
    async fn raw_consumer(&self, _: &Site) -> Result<Self::Raw, String> {
        use tidings::redis::client::AsyncCommands;
        let client = tidings::redis::client::Client::open(REDIS_URL).map_err(|e| e.to_string())?;
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        let stream = self.options().stream.clone();
        let () = connection
            .xgroup_create_mkstream(&stream, "raw", "0")
            .await
            .map_err(|e| e.to_string())?;
        Ok((connection, stream))
    }

    /// `XREADGROUP` (64 at a time, blocking up to a second) and an `XACK` per entry.
    async fn raw_consume(
        (mut connection, stream): Self::Raw,
        recorder: Arc<Recorder>,
    ) -> Result<(), String> {
        use tidings::redis::client::streams::{StreamReadOptions, StreamReadReply};
        use tidings::redis::client::{AsyncCommands, Value};
        const NAMES: Names = Names {
            specversion: "h:ce-specversion",
            id: "h:ce-id",
            source: "h:ce-source",
            event_type: "h:ce-type",
        };
        let options = StreamReadOptions::default()
            .group("raw", "raw-1")
            .count(64)
            .block(1000);
        let mut quiet = Instant::now();
        while recorder.distinct() < recorder.events && quiet.elapsed() < STALL {
            let reply: Option<StreamReadReply> = connection
                .xread_options(&[&stream], &[">"], &options)
                .await
                .map_err(|e| e.to_string())?;
            for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
                quiet = Instant::now();
                let header = |name: &str| match entry.map.get(name)? {
                    Value::BulkString(value) => std::str::from_utf8(value).ok(),
                    _ => None,
                };
                let body = match entry.map.get("body") {
                    Some(Value::BulkString(body)) => body.as_slice(),
                    _ => &[],
                };
                raw_handle(&recorder, &NAMES, header, body);
                let _: u64 = connection
                    .xack(&stream, "raw", &[&entry.id])
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    async fn clean_up(&self, _: &Site) {
        use tidings::redis::client::AsyncCommands;
        let mut connection = self.connection();
        let options = self.options();
        let _: Result<u64, _> = connection
            .del(&[&options.stream, &options.dead_letters])
            .await;
    }
}

impl Side for tidings::mqtt::Mqtt {
    type Raw = ();

    async fn raw_consumer(&self, _: &Site) -> Result<(), String> {
        Err(MQTT_NO_BACKLOG.into())
    }

    async fn raw_consume(_: (), _: Arc<Recorder>) -> Result<(), String> {
        Ok(())
    }

    /// Nothing stays: sessions are clean and no message is retained.
    async fn clean_up(&self, _: &Site) {}
}

/// Why there is no backlog run on MQTT.
const MQTT_NO_BACKLOG: &str = "Mosquitto keeps at most `max_queued_messages` (1,000 by \
default) QoS 1 messages per subscriber and drops the rest, so a backlog of N cannot wait for \
the consumer";

impl Side for tidings::kafka::Kafka {
    type Raw = tidings::kafka::rdkafka::consumer::StreamConsumer;

    /// A consumer configured as tidings configures its own, in a group of its own.
    async fn raw_consumer(&self, site: &Site) -> Result<Self::Raw, String> {
        use tidings::kafka::rdkafka::config::ClientConfig;
        use tidings::kafka::rdkafka::consumer::{Consumer as _, StreamConsumer};
        let options = self.options();
        let bootstrap = site.kafka.as_deref().ok_or("no cluster")?;
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", format!("raw-{}", site.tag))
            .set("enable.auto.commit", "true")
            .set("enable.auto.offset.store", "false")
            .set(
                "auto.commit.interval.ms",
                options.commit_interval.as_millis().to_string(),
            )
            .set("auto.offset.reset", "earliest")
            .set(
                "topic.metadata.refresh.interval.ms",
                options.metadata_refresh.as_millis().to_string(),
            )
            .set("partition.assignment.strategy", "roundrobin")
            .create()
            .map_err(|e| e.to_string())?;
        let filter = self.filter(Bench::ADDRESS).map_err(|e| e.to_string())?;
        consumer
            .subscribe(&[filter.as_str()])
            .map_err(|e| e.to_string())?;
        Ok(consumer)
    }

    /// Each offset stored once the message is handled, committed every second.
    async fn raw_consume(raw: Self::Raw, recorder: Arc<Recorder>) -> Result<(), String> {
        use tidings::kafka::rdkafka::consumer::Consumer as _;
        use tidings::kafka::rdkafka::message::{Headers, Message};
        const NAMES: Names = Names {
            specversion: "ce_specversion",
            id: "ce_id",
            source: "ce_source",
            event_type: "ce_type",
        };
        while let Some(message) = next_raw(&recorder, raw.recv()).await {
            let message = message.map_err(|e| e.to_string())?;
            let headers = message.headers();
            let header = |name: &str| {
                let value = headers?.iter().find(|h| h.key == name)?.value?;
                std::str::from_utf8(value).ok()
            };
            raw_handle(
                &recorder,
                &NAMES,
                header,
                message.payload().unwrap_or_default(),
            );
            raw.store_offset_from_message(&message)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The mock cluster goes with the row.
    async fn clean_up(&self, _: &Site) {}
}

/// Connecting is the whole job: whether the broker can be reached.
struct Probe;

impl Job for Probe {
    type Output = ();

    async fn run<T: Side>(self, _: T, _: &Site) {}
}

/// One paced end-to-end run.
struct Paced {
    rate: u32,
    events: usize,
}

/// What a paced run measured.
struct PacedRow {
    sent_per_s: f64,
    handled_per_s: f64,
    latencies_ms: Vec<f64>,
    check: String,
    client_us: f64,
    broker_us: Option<f64>,
}

impl Job for Paced {
    type Output = Result<PacedRow, String>;

    async fn run<T: Side>(self, transport: T, site: &Site) -> Self::Output {
        let recorder = Recorder::new(self.events, Instant::now());
        let publisher = Publisher::new(transport.clone());
        let worker = subscribe(&transport, &recorder).await?;
        let task = tokio::spawn(worker.run());
        if let Err(error) = warm_up(&publisher, &recorder).await {
            let stopped = stop(task).await;
            return Err(stopped.unwrap_or(error));
        }
        settle(site.pid.as_deref(), Duration::from_secs(3)).await;
        let before = Cpu::now(site.pid.as_deref());
        let publishing = tokio::spawn(publish(
            publisher,
            Arc::clone(&recorder),
            Some(self.rate),
            self.events,
        ));
        recorder.wait_for_all(Some(&publishing)).await;
        let after = Cpu::now(site.pid.as_deref());
        let stopped = stop(task).await;
        let published = publishing.await.map_err(|e| e.to_string())?;
        let (client_us, broker_us) = after.per_event_since(before, self.events);
        let issued_s = (published.last_ns - published.first_ns) as f64 / 1e9;
        let mut check = recorder.check();
        if published.errors > 0 {
            check += &format!(
                "; {} publish errors ({})",
                published.errors,
                published.error.unwrap_or_default()
            );
        }
        if let Some(stopped) = stopped {
            check += &format!("; {stopped}");
        }
        Ok(PacedRow {
            sent_per_s: self.events.saturating_sub(1) as f64 / issued_s.max(1e-9),
            handled_per_s: recorder.rate_since(published.first_ns),
            latencies_ms: recorder.latencies_ms(),
            check,
            client_us,
            broker_us,
        })
    }
}

/// One consume-only run: a backlog, taken by tidings and then by the raw client.
struct Backlog {
    events: usize,
    /// The raw client takes the backlog before tidings does (rounds alternate the order).
    raw_first: bool,
}

/// What a backlog run measured: each side's rate and check.
struct BacklogRow {
    tidings: (f64, String),
    /// The raw client's, or why there is none.
    raw: Result<(f64, String), String>,
}

impl Job for Backlog {
    type Output = Result<BacklogRow, String>;

    /// Room for the whole backlog: the in-memory bus holds messages for existing groups only.
    fn memory(&self) -> InMemory {
        InMemory::with_capacity(self.events + 64)
    }

    async fn run<T: Side>(self, transport: T, site: &Site) -> Self::Output {
        let origin = Instant::now();
        let recorder = Recorder::new(self.events, origin);
        let raw_recorder = Recorder::new(self.events, origin);
        // Both consumers exist before the backlog is published, so both keep all of it
        // (RabbitMQ routes only to bound queues; Redis trims what no group still needs).
        let worker = subscribe(&transport, &recorder).await?;
        let raw = transport.raw_consumer(site).await;
        let published = publish(
            Publisher::new(transport.clone()),
            Arc::clone(&recorder),
            None,
            self.events,
        )
        .await;
        if published.errors > 0 {
            return Err(format!(
                "{} publish errors: {}",
                published.errors,
                published.error.unwrap_or_default()
            ));
        }
        let pid = site.pid.as_deref();

        // Lazy: each side runs when awaited, in the round's order.
        let tidings = async {
            settle(pid, Duration::from_secs(5)).await;
            let task = tokio::spawn(worker.run());
            recorder.wait_for_all(None).await;
            let stopped = stop(task).await;
            let mut check = recorder.check();
            if let Some(stopped) = stopped {
                check += &format!("; {stopped}");
            }
            let first = recorder.first_ns.load(Ordering::Relaxed);
            (recorder.rate_since(first), check)
        };
        let raw_side = async {
            let raw = raw?;
            settle(pid, Duration::from_secs(5)).await;
            let consuming = tokio::spawn(T::raw_consume(raw, Arc::clone(&raw_recorder)));
            let consumed = consuming.await.map_err(|e| e.to_string())?;
            let mut check = raw_recorder.check();
            if let Err(error) = consumed {
                check += &format!("; the raw consumer stopped: {error}");
            }
            let first = raw_recorder.first_ns.load(Ordering::Relaxed);
            Ok((raw_recorder.rate_since(first), check))
        };
        let (tidings, raw) = if self.raw_first {
            let raw = raw_side.await;
            (tidings.await, raw)
        } else {
            let tidings = tidings.await;
            (tidings, raw_side.await)
        };
        Ok(BacklogRow { tidings, raw })
    }
}

/// The `q` quantile (nearest rank) of sorted `values`.
fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let rank = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut brokers: Vec<Broker> = Broker::ALL
        .into_iter()
        .filter(|b| named.is_empty() || named.iter().any(|n| n == b.arg()))
        .collect();
    if let Some(unknown) = named
        .iter()
        .find(|n| !Broker::ALL.iter().any(|b| b.arg() == n.as_str()))
    {
        eprintln!(
            "unknown broker `{unknown}`; expected some of: memory nats amqp redis mqtt kafka"
        );
        std::process::exit(2);
    }
    let events = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_EVENTS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let env = Env {
        kafka: brokers.contains(&Broker::Kafka).then(|| {
            tidings::kafka::rdkafka::mocking::MockCluster::new(1)
                .map_err(|e| format!("librdkafka's mock cluster did not start: {e}"))
        }),
    };
    runtime.block_on(async {
        header(events);
        let mut reachable = Vec::new();
        for broker in brokers.drain(..) {
            match with_broker(&env, broker, Probe).await {
                Ok(()) => reachable.push(broker),
                Err(reason) => println!(
                    "\n!!!!! SKIPPED {}: {reason}\n",
                    broker.arg().to_uppercase()
                ),
            }
        }
        let cpu = paced_table(&env, &reachable, events).await;
        backlog_table(&env, &reachable, events).await;
        cpu_table(&cpu);
    });
}

fn header(events: usize) {
    let body = serde_json::to_vec(&event(12_345, 1_234_567_890)).map_or(0, |b| b.len());
    println!("# tidings consumer benchmark");
    println!();
    println!(
        "{events} events of `com.acme.order.placed` ({body}-byte JSON body, validated), \
         spread over {KEYS} addresses `bench/orders/k-N`; one `Consumer` worker with default \
         settings in one group. {} cores; the brokers run on the same machine and share them.",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "Method: see the module docs of runtime/benches/consume.rs. Latency is the handler's \
         instant minus the start of the event's publish call; handled/s counts from the first \
         publish to the last handling. The check column counts events never handled and \
         handled twice (no idempotency store is set)."
    );
}

/// Table 1; returns each transport's CPU per event at [`CPU_RATE`].
async fn paced_table(
    env: &Env,
    brokers: &[Broker],
    events: usize,
) -> Vec<(Broker, Result<PacedRow, String>)> {
    println!();
    println!("## 1. End to end, paced publisher ({IN_FLIGHT} publishes in flight at most)");
    println!();
    println!(
        "| transport | offered/s | sent/s | handled/s | p50 ms | p95 ms | p99 ms | max ms | check |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut cpu = Vec::new();
    for &broker in brokers {
        for rate in RATES {
            let row = with_broker(env, broker, Paced { rate, events })
                .await
                .and_then(|row| row);
            match &row {
                Ok(row) => {
                    let l = &row.latencies_ms;
                    println!(
                        "| {} | {rate} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                        broker.title(),
                        row.sent_per_s,
                        row.handled_per_s,
                        quantile(l, 0.50),
                        quantile(l, 0.95),
                        quantile(l, 0.99),
                        quantile(l, 1.0),
                        row.check,
                    );
                }
                Err(error) => println!(
                    "| {} | {rate} | | | | | | | error: {error} |",
                    broker.title()
                ),
            }
            if rate == CPU_RATE {
                cpu.push((broker, row));
            }
        }
    }
    cpu
}

/// Table 2.
async fn backlog_table(env: &Env, brokers: &[Broker], events: usize) {
    println!();
    println!("## 2. Consume only, from a backlog of {events} events");
    println!();
    println!(
        "Raw clients do the same work per message by hand: read the CloudEvents headers, \
         deserialize and validate the data as the same type, ack as tidings does by default \
         (NATS: plain `ack()`; RabbitMQ: `basic_ack` per message, prefetch 32; Redis: \
         `XREADGROUP` 64 at a time and `XACK` per entry; Kafka: `store_offset`, auto-commit \
         every second). Each side takes the same backlog in a group of its own, one after the \
         other; two rounds, each on a backlog of its own, tidings first in the first and the \
         raw client first in the second; means of the two. Rates count from the first handled \
         event to the last."
    );
    println!();
    println!("| transport | tidings/s | raw/s | tidings/raw | check tidings | check raw |");
    println!("|---|---:|---:|---:|---|---|");
    for &broker in brokers {
        if broker == Broker::Mqtt {
            println!(
                "| {} | n/a | n/a | | not run: {MQTT_NO_BACKLOG} | |",
                broker.title()
            );
            continue;
        }
        let mut rounds = Vec::new();
        for raw_first in [false, true] {
            let round = with_broker(env, broker, Backlog { events, raw_first }).await;
            match round.and_then(|row| row) {
                Ok(row) => rounds.push(row),
                Err(error) => {
                    println!("| {} | | | | error: {error} | |", broker.title());
                    break;
                }
            }
        }
        if let [first, second] = &rounds[..] {
            let checks = |a: &str, b: &str| match (a, b) {
                ("ok", "ok") => "ok".to_owned(),
                (a, b) => format!("{a} / {b}"),
            };
            let tidings = (first.tidings.0 + second.tidings.0) / 2.0;
            let (raw, ratio, raw_check) = match (&first.raw, &second.raw) {
                (Ok(a), Ok(b)) => {
                    let raw = (a.0 + b.0) / 2.0;
                    (
                        format!("{raw:.0}"),
                        format!("{:.2}x", tidings / raw),
                        checks(&a.1, &b.1),
                    )
                }
                (Err(why), _) | (_, Err(why)) => ("n/a".into(), String::new(), why.clone()),
            };
            println!(
                "| {} | {tidings:.0} | {raw} | {ratio} | {} | {raw_check} |",
                broker.title(),
                checks(&first.tidings.1, &second.tidings.1),
            );
        }
    }
}

/// Table 3, from the paced runs at [`CPU_RATE`].
fn cpu_table(rows: &[(Broker, Result<PacedRow, String>)]) {
    println!();
    println!("## 3. CPU per event at the {CPU_RATE}/s offer");
    println!();
    println!(
        "Client: this process (user + system, `/proc/self/stat`) from the first publish to the \
         last handling, divided by the events. It includes the publisher, which runs in the \
         same process, and for Kafka the mock cluster's broker threads. Broker: the server \
         process (`/proc/<pid>/task/*/schedstat`)."
    );
    println!();
    println!("| transport | client µs/event (publisher + consumer) | broker µs/event |");
    println!("|---|---:|---:|");
    for (broker, row) in rows {
        match row {
            Ok(row) => println!(
                "| {} | {:.1} | {} |",
                broker.title(),
                row.client_us,
                row.broker_us.map_or_else(
                    || match broker {
                        Broker::Kafka => "in client (mock)".to_owned(),
                        _ => "n/a".to_owned(),
                    },
                    |us| format!("{us:.1}")
                ),
            ),
            Err(error) => println!("| {} | error: {error} | |", broker.title()),
        }
    }
}
