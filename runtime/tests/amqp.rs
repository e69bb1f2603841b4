//! The RabbitMQ (AMQP 0.9.1) transport against the local server (127.0.0.1:5672).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `HERALD_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald::amqp::lapin::options::{BasicGetOptions, ExchangeDeleteOptions, QueueDeleteOptions};
use herald::amqp::{Amqp, AmqpOptions};
use herald::reliability::RetryPolicy;
use herald::transport::{RawMessage, Transport};
use herald::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use serde::{Deserialize, Serialize};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Serialize, Deserialize, herald::Event, herald::Validate)]
#[event(type = "com.acme.ping", version = "1.0.0", source = "/tests")]
struct Ping {
    #[validate(maximum = 1_000_000)]
    n: u32,
}

/// A connection with exchanges of its own, or `None` (with a loud message) when the server is
/// not there and brokers are not required.
async fn connect(test: &str) -> Option<Amqp> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let options = AmqpOptions {
        exchange: format!("herald-test-{test}-{}-{nanos}", std::process::id()),
        ..AmqpOptions::default()
    };
    match Amqp::connect_with(URL, options).await {
        Ok(amqp) => Some(amqp),
        Err(e) if std::env::var("HERALD_REQUIRE_BROKERS").as_deref() == Ok("1") => {
            panic!("RabbitMQ is required (HERALD_REQUIRE_BROKERS=1) but unreachable at {URL}: {e}")
        }
        Err(e) => {
            eprintln!(
                "\n!!!!! SKIPPED {test}: RabbitMQ unreachable at {URL} ({e}); \
                 set HERALD_REQUIRE_BROKERS=1 to make this a failure !!!!!\n"
            );
            None
        }
    }
}

/// Deletes the test's exchanges and queues (`queues`: the group queues it made).
async fn cleanup(amqp: &Amqp) {
    let channel = amqp.channel().await.unwrap();
    let exchange = amqp.options().exchange.clone();
    let _ = channel
        .queue_delete(
            format!("{exchange}.dlq").as_str().into(),
            QueueDeleteOptions::default(),
        )
        .await;
    for group in ["pings"] {
        for pattern in [Pings::ADDRESS] {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            Amqp::binding_key(pattern).hash(&mut hasher);
            let queue = format!("{exchange}.{group}.{:08x}", hasher.finish() as u32);
            let _ = channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
    }
    for name in [exchange.clone(), format!("{exchange}.dlq")] {
        let _ = channel
            .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
}

/// Records the pings it handles; fails a ping's first `fail_first` attempts.
#[derive(Clone, Default)]
struct Pings {
    seen: Arc<Mutex<Vec<u32>>>,
    attempts: Arc<AtomicU32>,
    fail_first: u32,
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

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::exponential(Duration::from_millis(50), Duration::from_millis(500)).max_attempts(4)
}

#[tokio::test]
async fn events_round_trip_in_order() {
    let Some(amqp) = connect("round_trip").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(amqp.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(amqp.clone());
    for n in 0..50 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("50 pings", || pings.count() >= 50).await;
    assert_eq!(*pings.seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
    running.abort();
    cleanup(&amqp).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(amqp) = connect("retry").await else {
        return;
    };
    let pings = Pings {
        fail_first: 2,
        ..Pings::default()
    };
    let worker = Consumer::new(amqp.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    Publisher::new(amqp.clone())
        .publish("pings/a", Ping { n: 7 })
        .await
        .unwrap();
    until("the ping", || pings.count() >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [7]);
    assert_eq!(pings.attempts.load(Ordering::SeqCst), 3);
    running.abort();
    cleanup(&amqp).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(amqp) = connect("poison").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(amqp.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    // A CloudEvent whose data is not JSON.
    let good = Publisher::new(amqp.clone()).envelope(Ping { n: 1 });
    let (headers, _) = good.to_binary(amqp.binding()).unwrap();
    amqp.publish(RawMessage {
        address: "pings/a".into(),
        key: None,
        headers,
        body: b"{\"n\": ".to_vec(),
    })
    .await
    .unwrap();

    let channel = amqp.channel().await.unwrap();
    let dlq = format!("{}.dlq", amqp.options().exchange);
    let deadline = tokio::time::Instant::now() + WAIT;
    let dead = loop {
        let got = channel
            .basic_get(dlq.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap();
        if let Some(message) = got {
            break message;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no dead letter in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let header = |name: &str| -> String {
        let table = dead.properties.headers().as_ref().unwrap();
        match table.inner().get(name).unwrap() {
            herald::amqp::lapin::types::AMQPValue::LongString(s) => {
                String::from_utf8_lossy(s.as_bytes()).into_owned()
            }
            other => panic!("{other:?}"),
        }
    };
    assert!(header("herald-dlq-reason").contains("not valid JSON"));
    assert_eq!(header("herald-dlq-attempt"), "1");
    assert_eq!(header("herald-dlq-group"), "pings");
    assert_eq!(header("herald-address"), "pings/a");
    assert_eq!(dead.delivery.data, b"{\"n\": ");
    assert_eq!(pings.count(), 0);
    running.abort();
    cleanup(&amqp).await;
}

#[tokio::test]
async fn two_consumers_in_one_group_share_the_work() {
    let Some(amqp) = connect("group").await else {
        return;
    };
    let (a, b) = (Pings::default(), Pings::default());
    let consumer = Consumer::new(amqp.clone());
    let wa = consumer.subscribe(a.clone()).await.unwrap();
    let wb = consumer.subscribe(b.clone()).await.unwrap();
    let (ra, rb) = (tokio::spawn(wa.run()), tokio::spawn(wb.run()));
    let publisher = Publisher::new(amqp.clone());
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
    ra.abort();
    rb.abort();
    cleanup(&amqp).await;
}
