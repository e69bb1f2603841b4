//! `herald publish` → `herald listen` round trip on Kafka (built with `--features kafka`).
//!
//! No Kafka broker runs on the CI machine: the test starts librdkafka's mock cluster, a Kafka
//! protocol server on a local port, and both commands reach it over TCP like any broker. Set
//! `HERALD_KAFKA_BROKERS=host:9092` to use a real cluster instead.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use herald::kafka::rdkafka::mocking::MockCluster;

fn herald(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap()
}

#[test]
fn publish_then_listen_round_trip_on_kafka() {
    let mock;
    let brokers = match std::env::var("HERALD_KAFKA_BROKERS") {
        Ok(brokers) if !brokers.is_empty() => brokers,
        _ => {
            mock = MockCluster::new(1).expect("librdkafka's mock cluster starts");
            mock.bootstrap_servers()
        }
    };
    let url = format!("kafka://{brokers}");

    let mut listener = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["listen", "specs/orders.yaml", "--broker", &url])
        .args(["--count", "2", "--timeout", "60"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on 4 channel(s)"), "{line}");

    let sent = herald(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "com.acme.order.confirmed",
        "--param",
        "orderId=o-rt-1",
        "--broker",
        &url,
    ]);
    assert_eq!(
        sent.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let id = String::from_utf8_lossy(&sent.stdout)
        .split("(id ")
        .nth(1)
        .unwrap()
        .trim_end()
        .trim_end_matches(')')
        .to_owned();

    // `herald publish` refuses an invalid payload: nothing is sent.
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), r#"{"id": "not-a-uuid"}"#).unwrap();
    let refused = herald(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "OrderConfirmed",
        "--data",
        bad.path().to_str().unwrap(),
        "--param",
        "orderId=o-rt-2",
        "--broker",
        &url,
    ]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "invalid payloads are not sent"
    );
    publish_raw_invalid(&brokers);

    let out = listener.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one event was invalid\n{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "✓ com.acme.order.confirmed 1.0.0 on acme/orders/o-rt-1 (id {id})"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("✗ com.acme.order.confirmed"), "{stdout}");
    assert!(stdout.contains("is not a valid uuid"), "{stdout}");
}

/// Publishes an invalid `com.acme.order.confirmed` straight through the transport.
fn publish_raw_invalid(brokers: &str) {
    use herald::transport::{RawMessage, Transport};
    let headers = [
        ("ce_specversion", "1.0"),
        ("ce_id", "bad-1"),
        ("ce_source", "/tests"),
        ("ce_type", "com.acme.order.confirmed"),
        ("ce_dataversion", "1.0.0"),
        ("content-type", "application/json"),
    ];
    let message = RawMessage {
        address: "acme/orders/o-rt-3".into(),
        key: None,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).to_owned()))
            .collect(),
        body: br#"{"id": "not-a-uuid"}"#.to_vec(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let kafka = herald::kafka::Kafka::connect(brokers).await.unwrap();
        kafka.publish(message).await.unwrap();
    });
}
