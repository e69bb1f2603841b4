//! `tidings publish` → `tidings listen` round trip on Kafka (built with `--features kafka`).
//!
//! No Kafka broker runs on the CI machine: the test starts librdkafka's mock cluster, a Kafka
//! protocol server on a local port, and both commands reach it over TCP like any broker. Set
//! `TIDINGS_KAFKA_BROKERS=host:9092` to use a real cluster instead.

mod common;

use tidings::kafka::rdkafka::mocking::MockCluster;

/// `TIDINGS_KAFKA_BROKERS`, else a mock cluster of the test's own (kept alive by the first
/// value) and its address.
fn cluster() -> (
    Option<MockCluster<'static, tidings::kafka::rdkafka::producer::DefaultProducerContext>>,
    String,
) {
    match std::env::var("TIDINGS_KAFKA_BROKERS") {
        Ok(brokers) if !brokers.is_empty() => (None, brokers),
        _ => {
            let mock = MockCluster::new(1).expect("librdkafka's mock cluster starts");
            let brokers = mock.bootstrap_servers();
            (Some(mock), brokers)
        }
    }
}

#[test]
fn publish_then_listen_round_trip_on_kafka() {
    let (_mock, brokers) = cluster();
    let url = format!("kafka://{brokers}");

    common::round_trip(&url, || publish_raw_invalid(&brokers));
}

/// Publishes an invalid `com.acme.order.confirmed` straight through the transport.
fn publish_raw_invalid(brokers: &str) {
    common::block_on(async {
        let kafka = tidings::kafka::Kafka::connect(brokers).await.unwrap();
        common::publish_invalid(&kafka).await;
    });
}

#[test]
fn dlq_round_trip_on_kafka() {
    let (_mock, brokers) = cluster();
    common::dlq_round_trip(
        &format!("kafka://{brokers}"),
        tidings::kafka::Kafka::connect(&brokers),
        true,
    );
}
