//! The RabbitMQ (AMQP 0.9.1) transport against the local server (127.0.0.1:5672).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `TIDINGS_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

mod common;

use std::time::Duration;

use tidings::amqp::lapin::options::{BasicGetOptions, ExchangeDeleteOptions, QueueDeleteOptions};
use tidings::amqp::{Amqp, AmqpOptions};
use tidings::Route;

use common::{until, Ping, Pings, WAIT};
use tidings::{Consumer, Publisher};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// A connection with exchanges of its own, or `None` (with a loud message) when the server is
/// not there and brokers are not required.
async fn connect(test: &str) -> Option<Amqp> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let options = AmqpOptions {
        exchange: format!("tidings-test-{test}-{}-{nanos}", std::process::id()),
        ..AmqpOptions::default()
    };
    match Amqp::connect_with(URL, options).await {
        Ok(amqp) => Some(amqp),
        Err(e) => {
            common::unreachable(test, "RabbitMQ", URL, e);
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
    let queues = [
        ("pings", Pings::ADDRESS),
        ("warehouse", common::trace::Warehouse::ADDRESS),
        ("notifier", common::trace::Notifier::ADDRESS),
        ("fixable", common::Fixable::ADDRESS),
    ];
    for (group, pattern) in queues {
        let queue = amqp.queue_name(pattern, group);
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for name in [exchange.clone(), format!("{exchange}.dlq")] {
        let _ = channel
            .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
}

#[tokio::test]
async fn events_round_trip_in_order() {
    let Some(amqp) = connect("round_trip").await else {
        return;
    };
    common::round_trip_in_order(&amqp).await;
    cleanup(&amqp).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_one_trace_across_rabbitmq() {
    let Some(amqp) = connect("trace").await else {
        return;
    };
    common::trace::one_trace_per_flow(&amqp, "rabbitmq").await;
    cleanup(&amqp).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_redriven() {
    let Some(amqp) = connect("dlq-redrive").await else {
        return;
    };
    common::dead_letters_are_redriven(&amqp).await;
    cleanup(&amqp).await;
}

/// RabbitMQ queues keep no history: replay is refused, saying so.
#[tokio::test]
async fn replay_is_refused_with_the_reason() {
    let Some(amqp) = connect("replay").await else {
        return;
    };
    let refused = Consumer::new(amqp.clone())
        .from(tidings::transport::Position::Beginning)
        .subscribe(Pings::default())
        .await;
    match refused {
        Err(tidings::transport::TransportError::Unsupported(why)) => {
            assert!(why.contains("rabbitmq keeps no log"), "{why}")
        }
        other => panic!("replay on RabbitMQ: {:?}", other.err()),
    }
    cleanup(&amqp).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(amqp) = connect("retry").await else {
        return;
    };
    common::retried_then_handled_once(&amqp).await;
    cleanup(&amqp).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(amqp) = connect("poison").await else {
        return;
    };
    let (pings, running) = common::publish_poison(&amqp).await;

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
            tidings::amqp::lapin::types::AMQPValue::LongString(s) => {
                String::from_utf8_lossy(s.as_bytes()).into_owned()
            }
            other => panic!("{other:?}"),
        }
    };
    assert!(header("tidings-dlq-reason").contains("not valid JSON"));
    assert_eq!(header("tidings-dlq-attempt"), "1");
    assert_eq!(header("tidings-dlq-group"), "pings");
    assert_eq!(header("tidings-address"), "pings/a");
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
    common::a_group_shares_the_work(&amqp).await;
    cleanup(&amqp).await;
}

#[tokio::test]
async fn names_and_properties_over_255_bytes_are_errors_not_panics() {
    let Some(amqp) = connect("long").await else {
        return;
    };
    let message = |address: String, name: String| tidings::transport::RawMessage {
        address,
        key: None,
        headers: vec![(name.into(), "x".into())],
        body: b"{}".to_vec(),
    };
    let long = "x".repeat(300);
    for message in [
        message(format!("pings/{long}"), "cloudEvents:id".into()),
        message("pings/a".into(), long.clone()),
    ] {
        let error = tidings::transport::Transport::publish(&amqp, message)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("at most 255"), "{error}");
    }
    cleanup(&amqp).await;
}

#[tokio::test]
async fn an_event_with_an_id_over_255_bytes_is_retried_and_handled() {
    let Some(amqp) = connect("long-id").await else {
        return;
    };
    let pings = Pings {
        fail_first: 1,
        ..Pings::default()
    };
    let worker = Consumer::new(amqp.clone())
        .retry(common::quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    // Another producer's id: too long for an AMQP message id, fine for CloudEvents.
    let publisher = Publisher::new(amqp.clone());
    let mut envelope = publisher.envelope(Ping { n: 9 });
    envelope.id = "e".repeat(300);
    publisher.send("pings/a", &envelope).await.unwrap();
    until("the ping, on its second attempt", || pings.count() >= 1).await;
    assert_eq!(*pings.seen.lock().unwrap(), [9]);
    assert_eq!(pings.attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
    common::stop(running).await;
    cleanup(&amqp).await;
}

/// Whether the broker has queue `name` (a passive declare, on a channel of its own).
async fn queue_exists(amqp: &Amqp, name: &str) -> bool {
    let channel = amqp.channel().await.unwrap();
    let passive = tidings::amqp::lapin::options::QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    channel
        .queue_declare(name.into(), passive, Default::default())
        .await
        .is_ok()
}

/// `delete_group` deletes the group's queue, and says whether there was one.
#[tokio::test]
async fn delete_group_deletes_the_queue() {
    let Some(amqp) = connect("delete_group").await else {
        return;
    };
    common::handle_five_and_stop(&amqp).await;
    let queue = amqp.queue_name(Pings::ADDRESS, Pings::OPERATION);
    assert!(queue_exists(&amqp, &queue).await);
    assert!(!amqp.delete_group(Pings::ADDRESS, "other").await.unwrap());
    assert!(!amqp
        .delete_group("other/{x}", Pings::OPERATION)
        .await
        .unwrap());
    assert!(queue_exists(&amqp, &queue).await, "other groups' are not");
    assert!(amqp
        .delete_group(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap());
    assert!(!queue_exists(&amqp, &queue).await, "the queue is gone");
    assert!(!amqp
        .delete_group(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap());
    cleanup(&amqp).await;
}

/// Per-key order with concurrency 64, and a stuck or failing key holds up no other key.
#[tokio::test]
async fn keys_keep_their_order_with_concurrency_and_do_not_stall_each_other() {
    let Some(amqp) = connect("lanes").await else {
        return;
    };
    common::per_key_order_with_concurrency(&amqp, Duration::ZERO).await;
    cleanup(&amqp).await;
}

/// A RabbitMQ node of the test's own whose only listener is TLS and asks for client
/// certificates: events round-trip over `amqps://` with the test CA and a client
/// certificate; a client that trusts another CA is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_round_trip_over_tls_and_a_wrong_ca_is_refused() {
    use common::tls::{other_ca, spare_port, start_with, Pki};
    use std::path::Path;
    use tidings::transport::tls::Tls;

    let pki = Pki::new("amqp");
    let (port, dist) = (spare_port(), spare_port());
    let config = format!(
        "listeners.tcp = none\nlisteners.ssl.default = 127.0.0.1:{port}\n\
         ssl_options.cacertfile = {}\nssl_options.certfile = {}\nssl_options.keyfile = {}\n\
         ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = true\n\
         loopback_users = none\n",
        pki.path("ca.pem"),
        pki.path("server.pem"),
        pki.path("server.key"),
    );
    std::fs::write(pki.dir.join("rabbitmq.conf"), config).unwrap();
    std::fs::write(pki.dir.join("enabled_plugins"), "[].\n").unwrap();
    let node = format!("tidings-tls-{}@localhost", std::process::id());
    let env = [
        ("RABBITMQ_NODENAME", node),
        ("RABBITMQ_DIST_PORT", dist.to_string()),
        ("RABBITMQ_CONFIG_FILE", pki.path("rabbitmq.conf")),
        ("RABBITMQ_ENABLED_PLUGINS_FILE", pki.path("enabled_plugins")),
        ("RABBITMQ_MNESIA_BASE", pki.path("mnesia")),
        ("RABBITMQ_LOG_BASE", pki.path("log")),
        ("RABBITMQ_PID_FILE", pki.path("rabbit.pid")),
    ];
    let log = pki.dir.join("rabbitmq.out");
    // The server's own script, not the packaged wrapper that switches to the `rabbitmq`
    // user in a session of its own (which the test could not stop with its process group).
    let script = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    let program = if Path::new(script).exists() {
        script
    } else {
        "rabbitmq-server"
    };
    let Some(_server) = start_with("amqp_tls", program, &[], &env, port, &log) else {
        return;
    };
    let url = format!("amqps://guest:guest@localhost:{port}/%2f");
    let options = |tls: Tls| AmqpOptions {
        tls: Some(tls),
        ..AmqpOptions::default()
    };
    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let amqp = Amqp::connect_with(&url, options(trusted))
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(&log).unwrap_or_default()));
    common::round_trip_in_order(&amqp).await;

    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let wrong_password = format!("amqps://guest:guess@localhost:{port}/%2f");
    let refused = Amqp::connect_with(&wrong_password, options(trusted)).await;
    assert!(refused.is_err(), "a wrong password is refused");

    let wrong =
        Tls::with_roots(other_ca()).with_client(pki.client_cert.clone(), pki.client_key.clone());
    let refused = Amqp::connect_with(&url, options(wrong)).await;
    let error = refused.expect_err("a client that trusts another CA is refused");
    assert!(
        format!("{error:?}").to_lowercase().contains("certificate"),
        "{error:?}"
    );
}
