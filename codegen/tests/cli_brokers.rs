//! `herald publish` → `herald listen` round trips on the local NATS and Redis servers (built
//! with `--features nats,redis`). Skips loudly when a server is unreachable, fails instead
//! when `HERALD_REQUIRE_BROKERS=1`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const URL: &str = "nats://127.0.0.1:4222";
const REDIS: &str = "redis://127.0.0.1:6379";
const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const MQTT: &str = "mqtt://127.0.0.1:1883";

fn herald(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap()
}

fn up(url: &str) -> bool {
    let port: String = url
        .rsplit(':')
        .next()
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let up = std::net::TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_secs(2),
    )
    .is_ok();
    if !up {
        assert!(
            std::env::var("HERALD_REQUIRE_BROKERS").as_deref() != Ok("1"),
            "{url} is required (HERALD_REQUIRE_BROKERS=1) but unreachable"
        );
        eprintln!("\n!!!!! SKIPPED: {url} unreachable !!!!!\n");
    }
    up
}

#[test]
fn publish_then_listen_round_trip_on_nats() {
    round_trip(URL);
}

#[test]
fn publish_then_listen_round_trip_on_redis() {
    round_trip(REDIS);
}

#[test]
fn publish_then_listen_round_trip_on_rabbitmq() {
    round_trip(AMQP);
}

#[test]
fn publish_then_listen_round_trip_on_mqtt() {
    round_trip(MQTT);
}

fn round_trip(url: &str) {
    if !up(url) {
        return;
    }
    let mut listener = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args([
            "listen",
            "specs/orders.yaml",
            "--broker",
            url,
            "--count",
            "2",
            "--timeout",
            "60",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it has subscribed.
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
        url,
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

    // An event that breaks the spec, sent past `herald publish` (which would refuse it).
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
        url,
    ]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "invalid payloads are not published"
    );
    publish_raw_invalid(url);

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
fn publish_raw_invalid(url: &str) {
    use herald::transport::{RawMessage, Transport};
    let headers = vec![
        ("ce-specversion".into(), "1.0".to_owned()),
        ("ce-id".into(), format!("bad-{}", std::process::id())),
        ("ce-source".into(), "/tests".to_owned()),
        ("ce-type".into(), "com.acme.order.confirmed".to_owned()),
        ("ce-dataversion".into(), "1.0.0".to_owned()),
        ("Content-Type".into(), "application/json".to_owned()),
    ];
    let message = RawMessage {
        address: "acme/orders/o-rt-3".into(),
        key: None,
        headers,
        body: br#"{"id": "not-a-uuid"}"#.to_vec(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if url.starts_with("nats") {
            let nats = herald::nats::Nats::connect(url).await.unwrap();
            nats.publish(message).await.unwrap();
        } else if url.starts_with("redis") {
            let redis = herald::redis::Redis::connect(url).await.unwrap();
            redis.publish(message).await.unwrap();
        } else if url.starts_with("mqtt") {
            let mqtt = herald::mqtt::Mqtt::connect(url).await.unwrap();
            let mut message = message;
            for (name, _) in &mut message.headers {
                if let Some(attribute) = name.strip_prefix("ce-") {
                    *name = attribute.to_owned().into();
                }
            }
            mqtt.publish(message).await.unwrap();
        } else {
            let amqp = herald::amqp::Amqp::connect(url).await.unwrap();
            let mut message = message;
            for (name, _) in &mut message.headers {
                if let Some(attribute) = name.strip_prefix("ce-") {
                    *name = format!("cloudEvents:{attribute}").into();
                } else if name == "Content-Type" {
                    *name = "content-type".into();
                }
            }
            amqp.publish(message).await.unwrap();
        }
    });
}

#[test]
fn usage_errors_exit_with_2() {
    let unknown = herald(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "nope",
        "--broker",
        URL,
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no message `nope`"));
    let scheme = herald(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "OrderConfirmed",
        "--broker",
        "carrier-pigeon://coop",
    ]);
    assert_eq!(scheme.status.code(), Some(2));
    let missing_param = herald(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "OrderConfirmed",
        "--broker",
        URL,
    ]);
    assert_eq!(missing_param.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing_param.stderr).contains("orderId"));
}
