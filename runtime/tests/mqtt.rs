//! The MQTT 5 transport against the local Mosquitto (127.0.0.1:1883).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `HERALD_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald::mqtt::{Mqtt, MqttOptions};
use herald::reliability::RetryPolicy;
use herald::transport::{RawMessage, Transport};
use herald::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use serde::{Deserialize, Serialize};

const URL: &str = "mqtt://127.0.0.1:1883";
const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Serialize, Deserialize, herald::Event, herald::Validate)]
#[event(type = "com.acme.ping", version = "1.0.0", source = "/tests")]
struct Ping {
    #[validate(maximum = 1_000_000)]
    n: u32,
}

/// A connection with a topic prefix of its own, or `None` (with a loud message) when the
/// server is not there and brokers are not required.
async fn connect(test: &str) -> Option<Mqtt> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let options = MqttOptions {
        prefix: format!("herald-test/{test}-{}-{nanos}/", std::process::id()),
    };
    match Mqtt::connect_with(URL, options).await {
        Ok(mqtt) => Some(mqtt),
        Err(e) if std::env::var("HERALD_REQUIRE_BROKERS").as_deref() == Ok("1") => {
            panic!("Mosquitto is required (HERALD_REQUIRE_BROKERS=1) but unreachable at {URL}: {e}")
        }
        Err(e) => {
            eprintln!(
                "\n!!!!! SKIPPED {test}: Mosquitto unreachable at {URL} ({e}); \
                 set HERALD_REQUIRE_BROKERS=1 to make this a failure !!!!!\n"
            );
            None
        }
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
    let Some(mqtt) = connect("round_trip").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(mqtt.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(mqtt.clone());
    for n in 0..50 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("50 pings", || pings.count() >= 50).await;
    assert_eq!(*pings.seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
    running.abort();
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(mqtt) = connect("retry").await else {
        return;
    };
    let pings = Pings {
        fail_first: 2,
        ..Pings::default()
    };
    let worker = Consumer::new(mqtt.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    Publisher::new(mqtt.clone())
        .publish("pings/a", Ping { n: 7 })
        .await
        .unwrap();
    until("the ping", || pings.count() >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [7]);
    assert_eq!(pings.attempts.load(Ordering::SeqCst), 3);
    running.abort();
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(mqtt) = connect("poison").await else {
        return;
    };
    // A plain client on the dead-letter topics, first.
    use herald::mqtt::rumqttc::v5::mqttbytes::v5::Packet;
    use herald::mqtt::rumqttc::v5::{AsyncClient, Event};
    let mut options = herald::mqtt::rumqttc::v5::MqttOptions::new(
        format!("dlq-reader-{}", std::process::id()),
        "127.0.0.1",
        1883,
    );
    options.set_keep_alive(Duration::from_secs(15));
    let (reader, mut events) = AsyncClient::new(options, 16);
    let dlq_filter = format!("herald-dlq/{}#", mqtt.filter(""));
    reader
        .subscribe(
            dlq_filter,
            herald::mqtt::rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
        )
        .await
        .unwrap();
    loop {
        if let Event::Incoming(Packet::SubAck(_)) = events.poll().await.unwrap() {
            break;
        }
    }
    let (dead_tx, mut dead_rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            if let Ok(Event::Incoming(Packet::Publish(p))) = events.poll().await {
                let _ = dead_tx.send(p).await;
            }
        }
    });
    let pings = Pings::default();
    let worker = Consumer::new(mqtt.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    // A CloudEvent whose data is not JSON.
    let good = Publisher::new(mqtt.clone()).envelope(Ping { n: 1 });
    let (headers, _) = good.to_binary(mqtt.binding()).unwrap();
    mqtt.publish(RawMessage {
        address: "pings/a".into(),
        key: None,
        headers,
        body: b"{\"n\": ".to_vec(),
    })
    .await
    .unwrap();

    let dead = tokio::time::timeout(WAIT, dead_rx.recv())
        .await
        .expect("a dead letter in time")
        .unwrap();
    let property = |name: &str| -> String {
        dead.properties
            .as_ref()
            .unwrap()
            .user_properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert!(property("herald-dlq-reason").contains("not valid JSON"));
    assert_eq!(property("herald-dlq-attempt"), "1");
    assert_eq!(property("herald-dlq-group"), "pings");
    assert_eq!(dead.payload.as_ref(), b"{\"n\": ");
    drop(reader);
    assert_eq!(pings.count(), 0);
    running.abort();
}

#[tokio::test]
async fn two_consumers_in_one_group_share_the_work() {
    let Some(mqtt) = connect("group").await else {
        return;
    };
    let (a, b) = (Pings::default(), Pings::default());
    let consumer = Consumer::new(mqtt.clone());
    let wa = consumer.subscribe(a.clone()).await.unwrap();
    let wb = consumer.subscribe(b.clone()).await.unwrap();
    let (ra, rb) = (tokio::spawn(wa.run()), tokio::spawn(wb.run()));
    let publisher = Publisher::new(mqtt.clone());
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
}
