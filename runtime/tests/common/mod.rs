//! What the broker tests share: a small event, a recording router, and the scenarios to pass.
//!
//! The router records the event, and every transport must pass the scenarios. Each broker's test
//! file brings its connection and its way of reading dead letters.

#![allow(dead_code)]

pub mod tls;
pub mod trace;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tidings::reliability::RetryPolicy;
use tidings::transport::{RawMessage, Transport};
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};

pub const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.ping", version = "1.0.0", source = "/tests")]
pub struct Ping {
    #[validate(maximum = 1_000_000)]
    pub n: u32,
}

/// Records the pings it handles; fails a ping's first `fail_first` attempts.
#[derive(Clone, Default)]
pub struct Pings {
    pub seen: Arc<Mutex<Vec<u32>>>,
    pub attempts: Arc<AtomicU32>,
    pub fail_first: u32,
}

impl Route for Pings {
    const OPERATION: &'static str = "pings";
    const ADDRESS: &'static str = "pings/{shard}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        match incoming.event_type() {
            "com.acme.ping" => match incoming.decode::<Ping>() {
                Ok(event) => self.handle(event, ctx).await.into(),
                Err(error) => Outcome::undecodable("com.acme.ping", error),
            },
            other => Outcome::unknown(other),
        }
    }
}

impl Pings {
    async fn handle(&self, event: Envelope<Ping>, ctx: &Context<'_>) -> HandlerResult {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if ctx.attempt() <= self.fail_first {
            return Err(format!("attempt {} fails", ctx.attempt()).into());
        }
        self.seen.lock().unwrap().push(event.data.n);
        Ok(())
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// Keys of [`per_key_order_with_concurrency`]: key 0's handler waits until released, key
/// 1's fails each event's first attempt, the others take 0 to 3 ms per event.
pub const KEYS: u32 = 16;
/// Events per key in [`per_key_order_with_concurrency`].
pub const PER_KEY: u32 = 30;
const STUCK: u32 = 0;
const FAILING: u32 = 1;

/// The addresses of [`per_key_order_with_concurrency`], one per key.
pub fn lane_addresses() -> Vec<String> {
    (0..KEYS).map(|key| format!("lanes/k{key}")).collect()
}

/// Records per key the order its events are handled in (event `n` is key `n / 1000`,
/// number `n % 1000`), and how many handlers ran at once.
#[derive(Clone, Default)]
pub struct Lanes {
    seen: Arc<Mutex<BTreeMap<u32, Vec<u32>>>>,
    running: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    released: Arc<AtomicBool>,
}

impl Route for Lanes {
    const OPERATION: &'static str = "lanes";
    const ADDRESS: &'static str = "lanes/{key}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        match incoming.decode::<Ping>() {
            Ok(event) => self.handle(event.data.n, ctx.attempt()).await.into(),
            Err(error) => Outcome::undecodable("com.acme.ping", error),
        }
    }
}

impl Lanes {
    async fn handle(&self, n: u32, attempt: u32) -> HandlerResult {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let key = n / 1000;
        if key == STUCK {
            while !self.released.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        } else {
            // Lanes finish out of the order they started in.
            let micros = u64::from(n.wrapping_mul(7919) % 3000);
            tokio::time::sleep(Duration::from_micros(micros)).await;
        }
        self.running.fetch_sub(1, Ordering::SeqCst);
        if key == FAILING && attempt == 1 {
            return Err(format!("event {n} fails its first attempt").into());
        }
        self.seen
            .lock()
            .unwrap()
            .entry(key)
            .or_default()
            .push(n % 1000);
        Ok(())
    }

    fn handled(&self, key: u32) -> Vec<u32> {
        self.seen
            .lock()
            .unwrap()
            .get(&key)
            .cloned()
            .unwrap_or_default()
    }
}

/// A worker with concurrency 64 keeps each key's order while keys run concurrently: with
/// key 0's handler stuck, every other key is handled (in order); key 1's failures are
/// retried and each of its events handled once (a retry goes behind later events of its
/// key); once key 0 is released, its events are handled in order. Key 0 is held for `hold`
/// at least: longer than a broker's redelivery timeout, it checks that messages waiting in
/// a lane are not delivered twice.
pub async fn per_key_order_with_concurrency<T: Transport>(transport: &T, hold: Duration) {
    let start = tokio::time::Instant::now();
    let lanes = Lanes::default();
    let worker = Consumer::new(transport.clone())
        .concurrency(64)
        .retry(quick_retries())
        .subscribe(lanes.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(transport.clone());
    let addresses = lane_addresses();
    for number in 0..PER_KEY {
        for key in 0..KEYS {
            let n = key * 1000 + number;
            publisher
                .publish(&addresses[key as usize], Ping { n })
                .await
                .unwrap();
        }
    }
    let in_order: Vec<u32> = (0..PER_KEY).collect();
    let others_done = || (2..KEYS).all(|key| lanes.handled(key).len() >= PER_KEY as usize);
    until("every key but the stuck one", others_done).await;
    assert!(lanes.handled(STUCK).is_empty(), "the stuck key was handled");
    for key in 2..KEYS {
        assert_eq!(lanes.handled(key), in_order, "key {key} out of order");
    }
    until("the failing key's retries", || {
        lanes.handled(FAILING).len() >= PER_KEY as usize
    })
    .await;
    let mut failing = lanes.handled(FAILING);
    failing.sort_unstable();
    assert_eq!(failing, in_order, "key {FAILING}: each event handled once");
    tokio::time::sleep_until(start + hold).await;
    lanes.released.store(true, Ordering::SeqCst);
    until("the stuck key, released", || {
        lanes.handled(STUCK).len() >= PER_KEY as usize
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(lanes.handled(STUCK), in_order, "the stuck key out of order");
    for key in 2..KEYS {
        assert_eq!(
            lanes.handled(key).len(),
            PER_KEY as usize,
            "key {key} handled again"
        );
    }
    let most = lanes.most.load(Ordering::SeqCst);
    assert!(
        (2..=64).contains(&most),
        "{most} handlers ran at once (concurrency 64)"
    );
    stop(running).await;
}

/// Waits up to [`WAIT`] for `done`.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Stops a worker task and waits until it is gone, so that its subscription is closed (and
/// has left its group) before the test tears the broker connection down.
pub async fn stop<T>(task: tokio::task::JoinHandle<T>) {
    task.abort();
    let _ = task.await;
}

pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::exponential(Duration::from_millis(50), Duration::from_millis(500)).max_attempts(4)
}

/// Fails when brokers are required (`TIDINGS_REQUIRE_BROKERS=1`), else says loudly that the
/// test is skipped.
pub fn unreachable(test: &str, broker: &str, url: &str, error: impl std::fmt::Display) {
    if required() {
        panic!(
            "{broker} is required (TIDINGS_REQUIRE_BROKERS=1) but unreachable at {url}: {error}"
        );
    }
    eprintln!(
        "\n!!!!! SKIPPED {test}: {broker} unreachable at {url} ({error}); \
         set TIDINGS_REQUIRE_BROKERS=1 to make this a failure !!!!!\n"
    );
}

/// 50 events published, 50 handled, in order.
pub async fn round_trip_in_order<T: Transport>(transport: &T) {
    let pings = handle_and_stop(transport, 50).await;
    assert_eq!(*pings.seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
}

/// Group `pings` handles `count` events published to `pings/a`, then stops; returns what it
/// handled.
async fn handle_and_stop<T: Transport>(transport: &T, count: u32) -> Pings {
    let pings = Pings::default();
    let worker = Consumer::new(transport.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(transport.clone());
    for n in 0..count {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until(&format!("{count} pings handled"), || {
        pings.count() >= count as usize
    })
    .await;
    stop(running).await;
    pings
}

/// A handler that fails twice is retried with backoff and handles its event once.
pub async fn retried_then_handled_once<T: Transport>(transport: &T) {
    let pings = Pings {
        fail_first: 2,
        ..Pings::default()
    };
    let worker = Consumer::new(transport.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    Publisher::new(transport.clone())
        .publish("pings/a", Ping { n: 7 })
        .await
        .unwrap();
    until("the ping", || pings.count() >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [7]);
    assert_eq!(pings.attempts.load(Ordering::SeqCst), 3);
    stop(running).await;
}

/// Starts a consumer and publishes a CloudEvent whose data is not JSON; the caller reads
/// its dead letter. Returns the consumer's record, to check that nothing was handled.
pub async fn publish_poison<T: Transport>(
    transport: &T,
) -> (
    Pings,
    tokio::task::JoinHandle<Result<(), tidings::transport::TransportError>>,
) {
    let pings = Pings::default();
    let worker = Consumer::new(transport.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let good = Publisher::new(transport.clone()).envelope(Ping { n: 1 });
    let (headers, _) = good.to_binary(transport.binding()).unwrap();
    transport
        .publish(RawMessage {
            address: "pings/a".into(),
            key: None,
            headers,
            body: b"{\"n\": ".to_vec(),
        })
        .await
        .unwrap();
    (pings, running)
}

/// Two consumers in one group share 200 events, each handled once.
pub async fn a_group_shares_the_work<T: Transport>(transport: &T) {
    let (a, b) = (Pings::default(), Pings::default());
    let consumer = Consumer::new(transport.clone());
    let wa = consumer.subscribe(a.clone()).await.unwrap();
    let wb = consumer.subscribe(b.clone()).await.unwrap();
    let (ra, rb) = (tokio::spawn(wa.run()), tokio::spawn(wb.run()));
    let publisher = Publisher::new(transport.clone());
    for n in 0..200 {
        publisher
            .publish(&format!("pings/s{}", n % 8), Ping { n })
            .await
            .unwrap();
    }
    until("200 pings", || a.count() + b.count() >= 200).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut all: Vec<u32> = a.seen.lock().unwrap().clone();
    all.extend(b.seen.lock().unwrap().iter());
    all.sort();
    assert_eq!(all, (0..200).collect::<Vec<_>>(), "each once");
    assert!(
        a.count() > 0 && b.count() > 0,
        "{} / {}",
        a.count(),
        b.count()
    );
    stop(ra).await;
    stop(rb).await;
}

/// Counts, per event id, how often the handler ran (pings on `ticks/{shard}`).
#[derive(Clone, Default)]
pub struct Runs(pub Arc<Mutex<std::collections::HashMap<String, u32>>>);

impl Route for Runs {
    const OPERATION: &'static str = "ticks";
    const ADDRESS: &'static str = "ticks/{shard}";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        match incoming.decode::<Ping>() {
            Ok(event) => {
                *self.0.lock().unwrap().entry(event.id).or_default() += 1;
                Outcome::Handled
            }
            Err(error) => Outcome::undecodable("com.acme.ping", error),
        }
    }
}

impl Runs {
    /// How many distinct events were handled.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Waits up to `wait` until `events` distinct events were handled, then a little longer
    /// for duplicates, and checks that each of `sent` ran exactly once and nothing else did.
    pub async fn assert_each_handled_once(&self, sent: &[String], wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while self.len() < sent.len() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {} events handled",
                self.len(),
                sent.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let runs = self.0.lock().unwrap();
        let lost = sent.iter().filter(|id| !runs.contains_key(*id)).count();
        assert_eq!(lost, 0, "{lost} acknowledged events lost");
        let twice = runs.values().filter(|&&n| n > 1).count();
        assert_eq!(twice, 0, "{twice} events handled more than once");
        assert_eq!(runs.len(), sent.len(), "only what was sent is handled");
    }
}

/// The fault test of a broker that `restart` (blocking) stops and starts again once a third
/// of `events` pings are out: a consumer with retries and an idempotency store runs
/// throughout, and the producer sends a failed publish again with the same envelope (same
/// id). Every acknowledged event must be handled exactly once. Returns how many publishes
/// failed during the outage.
pub async fn survives_a_restart<T: Transport>(
    transport: &T,
    events: u32,
    restart: impl FnOnce() + Send + 'static,
) -> u32 {
    use std::sync::atomic::AtomicU32;
    use tidings::reliability::MemoryIdempotency;

    let runs = Runs::default();
    let worker = Consumer::new(transport.clone())
        .retry(RetryPolicy::exponential(
            Duration::from_millis(20),
            Duration::from_millis(200),
        ))
        .idempotency(MemoryIdempotency::new(2 * events as usize))
        .subscribe(runs.clone())
        .await
        .unwrap();
    let consuming = tokio::spawn(worker.run());

    let publisher = Publisher::new(transport.clone());
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(AtomicU32::new(0));
    let producing = {
        let (acknowledged, failures) = (acknowledged.clone(), failures.clone());
        tokio::spawn(async move {
            for n in 0..events {
                let envelope = publisher.envelope(Ping { n });
                let address = format!("ticks/s{}", n % 16);
                let mut tries = 0;
                loop {
                    tries += 1;
                    match publisher.send(&address, &envelope).await {
                        Ok(()) => break,
                        Err(_) if tries < 600 => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(e) => panic!("publish of {n} kept failing: {e}"),
                    }
                }
                acknowledged.lock().unwrap().push(envelope.id.clone());
            }
        })
    };

    while acknowledged.lock().unwrap().len() < (events / 3) as usize {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::task::spawn_blocking(restart).await.unwrap();
    producing.await.unwrap();

    let sent = acknowledged.lock().unwrap().clone();
    runs.assert_each_handled_once(&sent, Duration::from_secs(120))
        .await;
    stop(consuming).await;
    let failures = failures.load(Ordering::Relaxed);
    eprintln!("restart test: {failures} publishes failed during the outage and were sent again");
    failures
}

/// Whether brokers are required (`TIDINGS_REQUIRE_BROKERS=1`).
pub fn required() -> bool {
    std::env::var("TIDINGS_REQUIRE_BROKERS").as_deref() == Ok("1")
}

/// Skips `test` loudly, or fails when brokers are required.
pub fn skip(test: &str, why: &str) {
    assert!(!required(), "{test} required but: {why}");
    eprintln!("\n!!!!! SKIPPED {test}: {why} !!!!!\n");
}

/// Whether something listens on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Group `pings` handles 5 events and stops: its durable state is left on the broker, for
/// `delete_group` tests.
pub async fn handle_five_and_stop<T: Transport>(transport: &T) {
    handle_and_stop(transport, 5).await;
}

/// Replay: 30 pings published to `pings/a` and handled by group `pings`; a new group from
/// [`Position::Beginning`] reads all 30 in order, one from a time taken between the 15th and
/// the 16th reads the last 15, and one from `sequence` (the log position of the 21st,
/// where the transport numbers its log) reads the last 10.
pub async fn replay<T: Transport>(transport: &T, sequence: Option<u64>) {
    use tidings::transport::Position;

    let live = Pings::default();
    let worker = Consumer::new(transport.clone())
        .subscribe(live.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(transport.clone());
    let mut middle = None;
    for n in 0..30 {
        if n == 15 {
            // Broker timestamps are in milliseconds: keep the halves apart.
            tokio::time::sleep(Duration::from_millis(20)).await;
            middle = Some(tidings::chrono::Utc::now());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("30 pings handled live", || live.count() >= 30).await;
    stop(running).await;

    let mut starts = vec![
        ("beginning", Position::Beginning, 0..30),
        ("time", Position::Time(middle.unwrap()), 15..30),
    ];
    if let Some(sequence) = sequence {
        starts.push(("sequence", Position::Sequence(sequence), 20..30));
    }
    for (group, from, expected) in starts {
        let replayed = Pings::default();
        let worker = Consumer::new(transport.clone())
            .group(format!("replay-{group}"))
            .from(from.clone())
            .subscribe(replayed.clone())
            .await
            .unwrap();
        let running = tokio::spawn(worker.run());
        until(&format!("replay from {from}"), || {
            replayed.count() >= expected.len()
        })
        .await;
        // Nothing more comes.
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop(running).await;
        assert_eq!(
            *replayed.seen.lock().unwrap(),
            expected.collect::<Vec<_>>(),
            "replay from {from}"
        );
    }
}

/// Fails ping 13 while broken; records the others.
#[derive(Clone, Default)]
pub struct Fixable {
    pub broken: Arc<AtomicBool>,
    pub seen: Arc<Mutex<Vec<u32>>>,
}

impl Route for Fixable {
    const OPERATION: &'static str = "fixable";
    const ADDRESS: &'static str = "pings/{shard}";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        let event = match incoming.decode::<Ping>() {
            Ok(event) => event,
            Err(error) => return Outcome::undecodable("com.acme.ping", error),
        };
        if event.data.n == 13 && self.broken.load(Ordering::SeqCst) {
            return Outcome::Retry("thirteen is unlucky".into());
        }
        self.seen.lock().unwrap().push(event.data.n);
        Outcome::Handled
    }
}

/// A poison message is dead-lettered, listed with its reason, attempt, group and time, the
/// handler is fixed, the letter redriven and handled, and gone from the dead letters; a
/// second redrive of it is refused.
pub async fn dead_letters_are_redriven<T: tidings::transport::DeadLetters>(transport: &T) {
    let fixable = Fixable::default();
    fixable.broken.store(true, Ordering::SeqCst);
    let worker = Consumer::new(transport.clone())
        .max_attempts(1)
        .subscribe(fixable.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(transport.clone());
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(publisher.publish("pings/a", Ping { n }).await.unwrap().id);
    }
    until("19 pings handled", || {
        fixable.seen.lock().unwrap().len() >= 19
    })
    .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let letters = loop {
        let letters = transport.dead_letters().await.unwrap();
        if !letters.is_empty() || tokio::time::Instant::now() > deadline {
            break letters;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(letters.len(), 1, "{letters:#?}");
    let letter = &letters[0];
    assert!(letter.reason.contains("thirteen is unlucky"), "{letter:#?}");
    assert_eq!(letter.attempt, 1);
    assert_eq!(letter.group, "fixable");
    let age = tidings::chrono::Utc::now() - letter.time.expect("a time");
    assert!(age.num_seconds().abs() < 60, "{letter:#?}");
    assert_eq!(letter.message.address, "pings/a");
    assert!(letter
        .message
        .headers
        .iter()
        .all(|(name, _)| !name.starts_with("tidings-dlq")));
    let incoming = Incoming::parse(transport.binding(), &letter.message).unwrap();
    assert_eq!(incoming.context().id, ids[13]);
    assert_eq!(incoming.decode::<Ping>().unwrap().data.n, 13);

    fixable.broken.store(false, Ordering::SeqCst);
    transport.redrive(letter).await.unwrap();
    until("the redriven ping handled", || {
        fixable.seen.lock().unwrap().contains(&13)
    })
    .await;
    assert!(transport.dead_letters().await.unwrap().is_empty());
    assert!(
        transport.redrive(letter).await.is_err(),
        "a letter is redriven once"
    );
    stop(running).await;
    let mut seen = fixable.seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, (0..20).collect::<Vec<_>>());
}
