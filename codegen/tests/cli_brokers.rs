//! Round trips from `tidings publish` to `tidings listen` on the local brokers.
//!
//! The brokers are the local NATS, Redis, RabbitMQ and MQTT servers (built with
//! `--features nats,redis,amqp,mqtt`). Skips loudly when a server is unreachable, fails instead
//! when `TIDINGS_REQUIRE_BROKERS=1`.

mod common;

use common::tidings;
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
            std::env::var("TIDINGS_REQUIRE_BROKERS").as_deref() != Ok("1"),
            "{url} is required (TIDINGS_REQUIRE_BROKERS=1) but unreachable"
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
    common::block_on(async {
        if url.starts_with("nats") {
            common::publish_invalid(&tidings::nats::Nats::connect(url).await.unwrap()).await;
        } else if url.starts_with("redis") {
            common::publish_invalid(&tidings::redis::Redis::connect(url).await.unwrap()).await;
        } else if url.starts_with("mqtt") {
            common::publish_invalid(&tidings::mqtt::Mqtt::connect(url).await.unwrap()).await;
        } else {
            common::publish_invalid(&tidings::amqp::Amqp::connect(url).await.unwrap()).await;
        }
    });
}

#[test]
fn usage_errors_exit_with_2() {
    let unknown = tidings(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "nope",
        "--broker",
        URL,
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no message `nope`"));
    let scheme = tidings(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "OrderConfirmed",
        "--broker",
        "carrier-pigeon://coop",
    ]);
    assert_eq!(scheme.status.code(), Some(2));
    let missing_param = tidings(&[
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

#[test]
fn listen_from_a_time_replays_what_was_published_before_it_started_on_nats() {
    replay(URL);
}

#[test]
fn listen_from_a_time_replays_what_was_published_before_it_started_on_redis() {
    replay(REDIS);
}

/// An event published before `tidings listen --from <a time before it>` starts is printed;
/// a position the broker cannot start from is a usage error naming why.
fn replay(url: &str) {
    if !up(url) {
        return;
    }
    let before = tidings::chrono::Utc::now() - tidings::chrono::Duration::seconds(1);
    let order = format!("o-replay-{}", std::process::id());
    let id = common::publish_confirmed(url, &order, &[]);
    let listened = tidings(&[
        "listen",
        "specs/orders.yaml",
        "--broker",
        url,
        "--from",
        &before.to_rfc3339(),
        "--timeout",
        "3",
    ]);
    let printed = String::from_utf8_lossy(&listened.stdout);
    assert!(
        printed.contains(&id),
        "{id} replayed: {printed}\n{}",
        String::from_utf8_lossy(&listened.stderr)
    );
    if url.starts_with("redis") {
        let refused = tidings(&[
            "listen",
            "specs/orders.yaml",
            "--broker",
            url,
            "--from",
            "7",
        ]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("numbered by time"));
    }
    let bad = tidings(&[
        "listen",
        "specs/orders.yaml",
        "--broker",
        url,
        "--from",
        "yesterday",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
}

#[test]
fn dlq_round_trip_on_nats() {
    if up(URL) {
        common::dlq_round_trip(URL, tidings::nats::Nats::connect(URL), true);
    }
}

#[test]
fn dlq_round_trip_on_redis() {
    if up(REDIS) {
        common::dlq_round_trip(REDIS, tidings::redis::Redis::connect(REDIS), true);
    }
}

#[test]
fn dlq_round_trip_on_rabbitmq() {
    if up(AMQP) {
        common::dlq_round_trip(AMQP, tidings::amqp::Amqp::connect(AMQP), false);
    }
}

#[test]
fn dlq_round_trip_on_mqtt() {
    if up(MQTT) {
        common::dlq_round_trip(MQTT, tidings::mqtt::Mqtt::connect(MQTT), false);
    }
}

/// `tidings publish` and `tidings listen` over TLS with `--ca`, `--cert` and `--key`, to a
/// mosquitto of the test's own that asks for client certificates; another CA is refused
/// (exit 2, saying why).
#[test]
fn publish_and_listen_over_tls_with_a_client_certificate() {
    use common::tls::{mosquitto, other_ca, Pki};

    let pki = Pki::new("cli-mqtt");
    std::fs::write(pki.dir.join("client.pem"), &pki.client_cert).unwrap();
    std::fs::write(pki.dir.join("client.key"), &pki.client_key).unwrap();
    std::fs::write(pki.dir.join("other.pem"), other_ca()).unwrap();
    let Some((_server, port)) = mosquitto("cli_mqtt_tls", &pki, None) else {
        return;
    };
    let url = format!("mqtts://localhost:{port}");
    let (ca, cert, key, other) = (
        pki.path("ca.pem"),
        pki.path("client.pem"),
        pki.path("client.key"),
        pki.path("other.pem"),
    );
    let mut listener = std::process::Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args([
            "listen",
            "specs/orders.yaml",
            "--broker",
            &url,
            "--ca",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            "--count",
            "1",
            "--timeout",
            "30",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    common::publish_confirmed(
        &url,
        "o-tls-1",
        &["--ca", &ca, "--cert", &cert, "--key", &key],
    );
    let mut printed = String::new();
    std::io::Read::read_to_string(&mut listener.stdout.take().unwrap(), &mut printed).unwrap();
    assert!(printed.contains("✓ com.acme.order.confirmed"), "{printed}");
    assert!(
        listener.wait().unwrap().success(),
        "one valid event: exit 0"
    );

    let refused = tidings(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "com.acme.order.confirmed",
        "--param",
        "orderId=o-tls-2",
        "--broker",
        &url,
        "--ca",
        &other,
        "--cert",
        &cert,
        "--key",
        &key,
    ]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .to_lowercase()
            .contains("certificate"),
        "{refused:?}"
    );
}
