//! The Kafka transport against a cluster.
//!
//! No Kafka broker runs on the CI machine, so by default each test starts librdkafka's mock
//! cluster in-process: a real Kafka protocol server on a local port (produce, fetch, consumer
//! groups, offset commits), which tidings' producer and consumers reach over TCP like any
//! broker. To run the same tests against a real cluster, name its bootstrap servers:
//!
//! ```sh
//! TIDINGS_KAFKA_BROKERS=127.0.0.1:9092 cargo test -p tidings --features kafka --test kafka
//! ```
//!
//! The cluster must allow topic auto-creation. Each test works under a topic prefix of its
//! own. The broker-restart test needs the mock cluster (it takes the broker down itself) and
//! says so when it cannot run.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use tidings::kafka::rdkafka::config::ClientConfig;
use tidings::kafka::rdkafka::consumer::{Consumer as _, StreamConsumer};
use tidings::kafka::rdkafka::message::{Headers, Message};
use tidings::kafka::rdkafka::mocking::MockCluster;
use tidings::kafka::{Kafka, KafkaOptions};
use tidings::reliability::MemoryIdempotency;
use tidings::transport::{Subscription, Transport};
use tidings::{Consumer, Publisher, Route};

use common::{until, Ping, Pings, Runs, WAIT};

/// The cluster a test talks to: its own mock, or the one `TIDINGS_KAFKA_BROKERS` names.
struct Cluster {
    mock: Option<MockCluster<'static, tidings::kafka::rdkafka::producer::DefaultProducerContext>>,
    brokers: String,
}

fn cluster() -> Cluster {
    match std::env::var("TIDINGS_KAFKA_BROKERS") {
        Ok(brokers) if !brokers.is_empty() => Cluster {
            mock: None,
            brokers,
        },
        _ => {
            let mock = MockCluster::new(1).expect("librdkafka's mock cluster starts");
            let brokers = mock.bootstrap_servers();
            Cluster {
                mock: Some(mock),
                brokers,
            }
        }
    }
}

/// A connection under a topic prefix of the test's own.
async fn connect(cluster: &Cluster, test: &str) -> Kafka {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let prefix = format!("tidings_test_{test}_{}_{nanos}", std::process::id()).replace("-", "_");
    let options = KafkaOptions {
        dead_letters: format!("{prefix}-dlq"),
        prefix,
        commit_interval: Duration::from_millis(100),
        metadata_refresh: Duration::from_millis(300),
        // Behind an idempotent producer, the mock cluster's consumer groups stall for up to
        // 90 s (not seen on real brokers, where idempotence is the default).
        idempotent: cluster.mock.is_none(),
        // A member that leaves is only noticed by the mock cluster at its session timeout:
        // keep that short (6 s is the least brokers accept by default).
        config: vec![
            ("session.timeout.ms".into(), "6000".into()),
            ("heartbeat.interval.ms".into(), "500".into()),
        ],
        ..KafkaOptions::default()
    };
    Kafka::connect_with(&cluster.brokers, options)
        .await
        .expect("the cluster answers")
}

/// Creates the topics of `addresses` before consumers start. A regex subscription
/// rebalances its group whenever a new matching topic appears, and a group whose topics keep
/// appearing while it forms can stall for a session timeout (seen on the mock cluster).
async fn create_topics(cluster: &Cluster, kafka: &Kafka, addresses: &[&str], partitions: i32) {
    use tidings::kafka::rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use tidings::kafka::rdkafka::client::DefaultClientContext;

    let topics: Vec<String> = addresses.iter().map(|a| kafka.topic(a).unwrap()).collect();
    match &cluster.mock {
        Some(mock) => {
            for topic in &topics {
                mock.create_topic(topic, partitions, 1).unwrap();
            }
        }
        None => {
            let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
                .set("bootstrap.servers", &cluster.brokers)
                .create()
                .unwrap();
            let new: Vec<NewTopic<'_>> = topics
                .iter()
                .map(|t| NewTopic::new(t, partitions, TopicReplication::Fixed(1)))
                .collect();
            for result in admin
                .create_topics(&new, &AdminOptions::new())
                .await
                .unwrap()
            {
                result.unwrap();
            }
        }
    }
}

/// A plain consumer of `topic` from its beginning.
fn reader(cluster: &Cluster, topic: &str) -> StreamConsumer {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &cluster.brokers)
        .set("group.id", format!("reader-{topic}"))
        .set("auto.offset.reset", "earliest")
        .set("topic.metadata.refresh.interval.ms", "300")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    consumer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_one_trace_across_kafka() {
    let cluster = cluster();
    let kafka = connect(&cluster, "trace").await;
    let addresses: Vec<String> = (0..3)
        .flat_map(|n| [format!("orders/{n}"), format!("shipments/{n}")])
        .collect();
    let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
    create_topics(&cluster, &kafka, &addresses, 1).await;
    common::trace::one_trace_per_flow(&kafka, "kafka").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_redriven() {
    let cluster = cluster();
    let kafka = connect(&cluster, "dlq-redrive").await;
    create_topics(&cluster, &kafka, &["pings/a"], 1).await;
    common::dead_letters_are_redriven(&kafka).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_group_replays_the_topic_from_the_beginning_a_time_or_an_offset() {
    let cluster = cluster();
    let kafka = connect(&cluster, "replay").await;
    create_topics(&cluster, &kafka, &["pings/a"], 1).await;
    // One partition: the 21st record is offset 20.
    common::replay(&kafka, Some(20)).await;
}

#[tokio::test]
async fn events_round_trip_in_order() {
    let cluster = cluster();
    let kafka = connect(&cluster, "round-trip").await;
    common::round_trip_in_order(&kafka).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let cluster = cluster();
    let kafka = connect(&cluster, "retry").await;
    common::retried_then_handled_once(&kafka).await;
}

#[tokio::test]
async fn two_consumers_in_one_group_share_the_work() {
    let cluster = cluster();
    let kafka = connect(&cluster, "group").await;
    let shards: Vec<String> = (0..8).map(|s| format!("pings/s{s}")).collect();
    let shards: Vec<&str> = shards.iter().map(String::as_str).collect();
    create_topics(&cluster, &kafka, &shards, 4).await;
    common::a_group_shares_the_work(&kafka).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_topic_with_its_reason() {
    let cluster = cluster();
    let kafka = connect(&cluster, "poison").await;
    let (pings, running) = common::publish_poison(&kafka).await;

    let dlq = reader(&cluster, &kafka.options().dead_letters);
    let dead = tokio::time::timeout(WAIT, async {
        loop {
            // Until the dead letter creates it, the topic is unknown.
            if let Ok(message) = dlq.recv().await {
                break message;
            }
        }
    })
    .await
    .expect("a dead letter in time");
    let headers: HashMap<String, String> = dead
        .headers()
        .unwrap()
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned();
            (h.key.to_owned(), value)
        })
        .collect();
    let reason = &headers["tidings-dlq-reason"];
    assert!(reason.contains("not valid JSON"), "{reason}");
    assert_eq!(headers["tidings-dlq-attempt"], "1");
    assert_eq!(headers["tidings-dlq-group"], "pings");
    assert_eq!(headers["tidings-address"], "pings/a");
    assert_eq!(
        headers["tidings-dlq-topic"],
        format!("{}.pings.a", kafka.options().prefix)
    );
    assert_eq!(headers["ce_type"], "com.acme.ping");
    assert_eq!(dead.payload().unwrap(), b"{\"n\": ");
    assert_eq!(pings.count(), 0);
    common::stop(running).await;
}

#[tokio::test]
async fn only_settled_messages_are_committed() {
    let cluster = cluster();
    let kafka = connect(&cluster, "commit").await;
    let publisher = Publisher::new(kafka.clone());
    for n in 0..3 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    // A member acks the first message, takes the second and dies before settling it.
    {
        let mut member = kafka
            .subscribe(Pings::ADDRESS, Pings::OPERATION)
            .await
            .unwrap();
        let first = tokio::time::timeout(WAIT, member.next())
            .await
            .unwrap()
            .unwrap();
        first
            .settle(tidings::transport::Settlement::Ack)
            .await
            .unwrap();
        let second = tokio::time::timeout(WAIT, member.next())
            .await
            .unwrap()
            .unwrap();
        drop(second);
        // Let the auto-commit interval pass, then leave (closing commits what is stored).
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The next member starts after the acked one: the unsettled message comes again.
    let pings = Pings::default();
    let worker = Consumer::new(kafka.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    until("the two unsettled pings", || pings.count() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [1, 2]);
    common::stop(running).await;
}

/// The broker goes down a third of the way through a 10,000-event stream and comes back:
/// every acknowledged publish is handled, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_survives_the_broker_going_down_and_up() {
    let cluster = cluster();
    let Some(mock) = &cluster.mock else {
        eprintln!(
            "\n!!!!! SKIPPED the Kafka broker restart test: it takes the mock cluster's broker \
             down, and TIDINGS_KAFKA_BROKERS names a real cluster !!!!!\n"
        );
        return;
    };
    const EVENTS: u32 = 10_000;
    let kafka = connect(&cluster, "restart").await;
    let shards = ["ticks/s0", "ticks/s1", "ticks/s2", "ticks/s3"];
    create_topics(&cluster, &kafka, &shards, 2).await;
    let runs = Runs::default();
    let worker = Consumer::new(kafka.clone())
        .idempotency(MemoryIdempotency::new(100_000))
        .subscribe(runs.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(kafka.clone());
    let publish = |n: u32| {
        let publisher = publisher.clone();
        async move {
            publisher
                .publish(&format!("ticks/s{}", n % 4), Ping { n })
                .await
                .expect("a publish is retried by librdkafka until the broker is back")
                .id
        }
    };
    let mut sent = Vec::new();
    for n in 0..EVENTS / 3 {
        sent.push(publish(n).await);
    }
    // Down: the next third is published while no broker answers, and consumers lose it too.
    mock.broker_down(1).unwrap();
    let during: Vec<_> = (EVENTS / 3..2 * EVENTS / 3)
        .map(|n| tokio::spawn(publish(n)))
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        during.iter().all(|task| !task.is_finished()),
        "no publish is acknowledged while the broker is down"
    );
    mock.broker_up(1).unwrap();
    for task in during {
        sent.push(task.await.unwrap());
    }
    for n in 2 * EVENTS / 3..EVENTS {
        sent.push(publish(n).await);
    }
    runs.assert_each_handled_once(&sent, Duration::from_secs(60))
        .await;
    common::stop(running).await;
}

/// With `from_now`, a subscription takes only what is published after it started, on an
/// existing topic as on one created later.
#[tokio::test]
async fn from_now_skips_what_was_published_before() {
    let cluster = cluster();
    let kafka = connect(&cluster, "from-now").await;
    let publisher = Publisher::new(kafka.clone());
    publisher.publish("pings/a", Ping { n: 1 }).await.unwrap();
    let options = KafkaOptions {
        from_now: true,
        ..kafka.options().clone()
    };
    let listening = Kafka::connect_with(&cluster.brokers, options)
        .await
        .unwrap();
    let pings = Pings::default();
    let worker = Consumer::new(listening)
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    publisher.publish("pings/a", Ping { n: 2 }).await.unwrap();
    publisher.publish("pings/b", Ping { n: 3 }).await.unwrap();
    until("the two new pings", || pings.count() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut seen = pings.seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, [2, 3]);
    common::stop(running).await;
}

/// `delete_group` deletes the Kafka consumer group (its committed offsets), so the group
/// starts again from the oldest message. librdkafka's mock cluster does not implement the
/// DeleteGroups API, and librdkafka then aborts the whole process (an assertion in its admin
/// error path, librdkafka issue #3663): so this runs against a real cluster only
/// (`TIDINGS_KAFKA_BROKERS`), and says so loudly on the mock.
#[tokio::test]
async fn delete_group_deletes_the_consumer_group() {
    let cluster = cluster();
    if cluster.mock.is_some() {
        eprintln!(
            "\n!!!!! delete_group_deletes_the_consumer_group NOT RUN: librdkafka's mock cluster \
             has no DeleteGroups API and librdkafka aborts the process on it; set \
             TIDINGS_KAFKA_BROKERS to run it against a real cluster !!!!!\n"
        );
        return;
    }
    let kafka = connect(&cluster, "delete-group").await;
    create_topics(&cluster, &kafka, &["pings/a"], 1).await;
    common::handle_five_and_stop(&kafka).await;
    // A group still settling after its member left says it is not empty: ask again a while.
    let deadline = tokio::time::Instant::now() + WAIT;
    let deleted = loop {
        match kafka.delete_group(Pings::ADDRESS, Pings::OPERATION).await {
            Err(e) if e.to_string().contains("empty") && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => break other.unwrap(),
        }
    };
    assert!(deleted, "the group was there");
    assert!(!kafka
        .delete_group(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap());
    // The group starts over: it handles the 5 again.
    let pings = Pings::default();
    let worker = Consumer::new(kafka.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    until("the 5 pings again", || pings.count() >= 5).await;
    common::stop(running).await;
}

/// Per-key order with concurrency 64, and a stuck or failing key holds up no other key.
#[tokio::test]
async fn keys_keep_their_order_with_concurrency_and_do_not_stall_each_other() {
    let cluster = cluster();
    let kafka = connect(&cluster, "lanes").await;
    let addresses = common::lane_addresses();
    let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
    create_topics(&cluster, &kafka, &addresses, 2).await;
    common::per_key_order_with_concurrency(&kafka, Duration::ZERO).await;
}

/// TLS and SASL become librdkafka's settings, and librdkafka speaks TLS with them: against
/// the mock cluster, which listens in plaintext only, a TLS client fails its handshake (no
/// Kafka broker with a TLS listener runs locally for a round trip).
#[tokio::test]
async fn tls_and_sasl_settings_reach_librdkafka() {
    use tidings::kafka::Sasl;
    use tidings::transport::tls::Tls;

    let pki = common::tls::Pki::new("kafka");
    let options = KafkaOptions {
        tls: Some(
            Tls::with_roots(pki.ca.clone())
                .with_client(pki.client_cert.clone(), pki.client_key.clone()),
        ),
        sasl: Some(Sasl {
            mechanism: "SCRAM-SHA-512".into(),
            username: "orders".into(),
            password: "secret".into(),
        }),
        config: vec![("sasl.mechanism".into(), "PLAIN".into())],
        ..KafkaOptions::default()
    };
    let settings = options.settings().unwrap();
    let value = |key: &str| {
        settings
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("security.protocol"), Some("sasl_ssl"));
    assert_eq!(value("ssl.ca.pem"), Some(pki.ca.as_str()));
    assert_eq!(value("ssl.certificate.pem"), Some(pki.client_cert.as_str()));
    assert_eq!(value("sasl.username"), Some("orders"));
    assert_eq!(
        value("sasl.mechanism"),
        Some("PLAIN"),
        "`config` has the last word"
    );

    let cluster = cluster();
    if cluster.mock.is_none() {
        return;
    }
    let tls_only = KafkaOptions {
        tls: Some(Tls::with_roots(pki.ca.clone())),
        ..KafkaOptions::default()
    };
    let started = std::time::Instant::now();
    let refused = Kafka::connect_with(&cluster.brokers, tls_only).await;
    let error = refused.expect_err("a plaintext listener does not complete a TLS handshake");
    assert!(started.elapsed() < Duration::from_secs(30));
    let text = format!("{error:?}");
    assert!(
        !text.contains("OpenSSL not available"),
        "librdkafka is built with TLS: {text}"
    );
}

/// A start position is for a new group: one that exists carries on from its committed
/// offsets, so a service that restarts asking for the end still gets what it missed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_group_carries_on_whatever_the_position() {
    use tidings::transport::Position;

    let cluster = cluster();
    let kafka = connect(&cluster, "resume").await;
    create_topics(&cluster, &kafka, &["pings/a"], 1).await;
    let publisher = Publisher::new(kafka.clone());
    let publish = |range: std::ops::Range<u32>| {
        let publisher = publisher.clone();
        async move {
            for n in range {
                publisher.publish("pings/a", Ping { n }).await.unwrap();
            }
        }
    };
    publish(0..5).await;
    let consumer = || {
        Consumer::new(kafka.clone())
            .group("resume")
            .from(Position::End)
    };
    // New: from the end, nothing older.
    let first = Pings::default();
    let worker = consumer().subscribe(first.clone()).await.unwrap();
    let running = tokio::spawn(worker.run());
    publish(5..8).await;
    until("three new pings", || first.count() >= 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    common::stop(running).await;
    assert_eq!(*first.seen.lock().unwrap(), vec![5, 6, 7]);
    // Published while it was down, then back asking for the end again.
    publish(8..11).await;
    let second = Pings::default();
    let worker = consumer().subscribe(second.clone()).await.unwrap();
    let running = tokio::spawn(worker.run());
    until("the missed pings", || second.count() >= 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    common::stop(running).await;
    assert_eq!(*second.seen.lock().unwrap(), vec![8, 9, 10]);
}
