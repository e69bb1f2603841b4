//! The NATS JetStream transport against the local server (127.0.0.1:4222, JetStream on).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `HERALD_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald::nats::{Nats, NatsOptions};
use herald::reliability::RetryPolicy;
use herald::transport::{RawMessage, Transport};
use herald::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use serde::{Deserialize, Serialize};
use tokio_stream::StreamExt;

const URL: &str = "nats://127.0.0.1:4222";
const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Serialize, Deserialize, herald::Event, herald::Validate)]
#[event(type = "com.acme.ping", version = "1.0.0", source = "/tests")]
struct Ping {
    #[validate(maximum = 1_000_000)]
    n: u32,
}

/// A connection in a stream of its own, or `None` (with a loud message) when the server is
/// not there and brokers are not required.
async fn connect(test: &str) -> Option<Nats> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let unique = format!("{test}_{}_{nanos}", std::process::id());
    let options = NatsOptions {
        stream: format!("HT_{unique}"),
        prefix: format!("ht_{unique}"),
        ack_wait: Duration::from_secs(5),
        ..NatsOptions::default()
    };
    match Nats::connect_with(URL, options).await {
        Ok(nats) => Some(nats),
        Err(e) if std::env::var("HERALD_REQUIRE_BROKERS").as_deref() == Ok("1") => {
            panic!("NATS is required (HERALD_REQUIRE_BROKERS=1) but unreachable at {URL}: {e}")
        }
        Err(e) => {
            eprintln!(
                "\n!!!!! SKIPPED {test}: NATS unreachable at {URL} ({e}); \
                 set HERALD_REQUIRE_BROKERS=1 to make this a failure !!!!!\n"
            );
            None
        }
    }
}

async fn cleanup(nats: &Nats) {
    let js = nats.jetstream();
    let _ = js.delete_stream(&nats.options().stream).await;
    let _ = js
        .delete_stream(format!("{}_DLQ", nats.options().stream))
        .await;
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
    let Some(nats) = connect("round_trip").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(nats.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(nats.clone());
    for n in 0..50 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("50 pings", || pings.count() >= 50).await;
    assert_eq!(*pings.seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
    running.abort();
    cleanup(&nats).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(nats) = connect("retry").await else {
        return;
    };
    let pings = Pings {
        fail_first: 2,
        ..Pings::default()
    };
    let worker = Consumer::new(nats.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    Publisher::new(nats.clone())
        .publish("pings/a", Ping { n: 7 })
        .await
        .unwrap();
    until("the ping", || pings.count() >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [7]);
    assert_eq!(pings.attempts.load(Ordering::SeqCst), 3);
    running.abort();
    cleanup(&nats).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(nats) = connect("poison").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(nats.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    // A CloudEvent whose data is not JSON.
    let good = Publisher::new(nats.clone()).envelope(Ping { n: 1 });
    let (headers, _) = good.to_binary(nats.binding()).unwrap();
    nats.publish(RawMessage {
        address: "pings/a".into(),
        key: None,
        headers,
        body: b"{\"n\": ".to_vec(),
    })
    .await
    .unwrap();

    let dlq = nats
        .jetstream()
        .get_stream(format!("{}_DLQ", nats.options().stream))
        .await
        .unwrap();
    let reader: herald::nats::async_nats::jetstream::consumer::PullConsumer = dlq
        .create_consumer(herald::nats::async_nats::jetstream::consumer::pull::Config::default())
        .await
        .unwrap();
    let mut messages = reader.messages().await.unwrap();
    let dead = tokio::time::timeout(WAIT, messages.next())
        .await
        .expect("a dead letter in time")
        .unwrap()
        .unwrap();
    let headers = dead.headers.clone().unwrap();
    let reason = headers
        .get("herald-dlq-reason")
        .unwrap()
        .as_str()
        .to_owned();
    assert!(reason.contains("not valid JSON"), "{reason}");
    assert_eq!(headers.get("herald-dlq-attempt").unwrap().as_str(), "1");
    assert_eq!(headers.get("herald-dlq-group").unwrap().as_str(), "pings");
    assert_eq!(dead.payload.as_ref(), b"{\"n\": ");
    assert!(dead.subject.ends_with(".pings.a"), "{}", dead.subject);
    assert_eq!(pings.count(), 0);
    running.abort();
    cleanup(&nats).await;
}

#[tokio::test]
async fn two_consumers_in_one_group_share_the_work() {
    let Some(nats) = connect("group").await else {
        return;
    };
    let (a, b) = (Pings::default(), Pings::default());
    let consumer = Consumer::new(nats.clone());
    let wa = consumer.subscribe(a.clone()).await.unwrap();
    let wb = consumer.subscribe(b.clone()).await.unwrap();
    let (ra, rb) = (tokio::spawn(wa.run()), tokio::spawn(wb.run()));
    let publisher = Publisher::new(nats.clone());
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
    cleanup(&nats).await;
}

#[tokio::test]
async fn a_publish_repeated_with_the_same_event_id_is_stored_once() {
    let Some(nats) = connect("dedupe").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(nats.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(nats.clone());
    let envelope = publisher.envelope(Ping { n: 3 });
    for _ in 0..3 {
        publisher.send("pings/a", &envelope).await.unwrap();
    }
    publisher.publish("pings/a", Ping { n: 4 }).await.unwrap();
    until("two pings", || pings.count() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [3, 4]);
    running.abort();
    cleanup(&nats).await;
}

#[test]
fn addresses_map_to_subjects_that_a_value_cannot_widen() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let Some(nats) = rt.block_on(connect("subjects")) else {
        return;
    };
    let prefix = nats.options().prefix.clone();
    assert_eq!(
        nats.subject("acme/orders/o-1").unwrap(),
        format!("{prefix}.acme.orders.o-1")
    );
    assert_eq!(
        nats.filter("acme/orders/{orderId}"),
        format!("{prefix}.acme.orders.*")
    );
    assert_eq!(nats.filter("#"), format!("{prefix}.>"));
    assert!(nats.subject("acme/orders/>").is_err());
    assert!(nats.subject("acme/orders/*").is_err());
    assert!(herald::address::fill("acme/orders/{id}", &[("id", "a.b")]).is_err());
    rt.block_on(cleanup(&nats));
}
