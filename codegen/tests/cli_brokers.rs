//! `herald publish` → `herald listen` round trips on the local NATS, Redis, RabbitMQ and MQTT
//! servers (built with `--features nats,redis,amqp,mqtt`). Skips loudly when a server is
//! unreachable, fails instead when `HERALD_REQUIRE_BROKERS=1`.

mod common;

use common::herald;
use std::time::Duration;

const URL: &str = "nats://127.0.0.1:4222";
const REDIS: &str = "redis://127.0.0.1:6379";
const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const MQTT: &str = "mqtt://127.0.0.1:1883";

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
    if up(url) {
        common::round_trip(url, || publish_raw_invalid(url));
    }
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
