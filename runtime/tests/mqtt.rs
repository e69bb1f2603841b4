//! The MQTT 5 transport against the local Mosquitto (127.0.0.1:1883).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `TIDINGS_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

mod common;

use std::time::Duration;

use tidings::mqtt::{Mqtt, MqttOptions};

use common::WAIT;

const URL: &str = "mqtt://127.0.0.1:1883";

/// A connection with a topic prefix of its own, or `None` (with a loud message) when the
/// server is not there and brokers are not required.
async fn connect(test: &str) -> Option<Mqtt> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let options = MqttOptions {
        prefix: format!("tidings-test/{test}-{}-{nanos}/", std::process::id()),
        ..MqttOptions::default()
    };
    match Mqtt::connect_with(URL, options).await {
        Ok(mqtt) => Some(mqtt),
        Err(e) => {
            common::unreachable(test, "Mosquitto", URL, e);
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_one_trace_across_mqtt() {
    let Some(mqtt) = connect("trace").await else {
        return;
    };
    common::trace::one_trace_per_flow(&mqtt, "mqtt").await;
}

#[tokio::test]
async fn events_round_trip_in_order() {
    let Some(mqtt) = connect("round_trip").await else {
        return;
    };
    common::round_trip_in_order(&mqtt).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(mqtt) = connect("retry").await else {
        return;
    };
    common::retried_then_handled_once(&mqtt).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(mqtt) = connect("poison").await else {
        return;
    };
    // A plain client on the dead-letter topics, first.
    use tidings::mqtt::rumqttc::v5::mqttbytes::v5::Packet;
    use tidings::mqtt::rumqttc::v5::{AsyncClient, Event};
    let mut options = tidings::mqtt::rumqttc::v5::MqttOptions::new(
        format!("dlq-reader-{}", std::process::id()),
        "127.0.0.1",
        1883,
    );
    options.set_keep_alive(Duration::from_secs(15));
    let (reader, mut events) = AsyncClient::new(options, 16);
    let dlq_filter = format!("tidings-dlq/+/{}#", mqtt.filter(""));
    reader
        .subscribe(
            dlq_filter,
            tidings::mqtt::rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
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
    let (pings, running) = common::publish_poison(&mqtt).await;

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
    assert!(property("tidings-dlq-reason").contains("not valid JSON"));
    assert_eq!(property("tidings-dlq-attempt"), "1");
    assert_eq!(property("tidings-dlq-group"), "pings");
    assert_eq!(dead.payload.as_ref(), b"{\"n\": ");
    // The broker keeps it: clear it.
    reader
        .publish(
            String::from_utf8_lossy(&dead.topic).into_owned(),
            tidings::mqtt::rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
            true,
            Vec::new(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(reader);
    assert_eq!(pings.count(), 0);
    running.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_redriven() {
    let Some(mqtt) = connect("dlq-redrive").await else {
        return;
    };
    common::dead_letters_are_redriven(&mqtt).await;
}

#[tokio::test]
async fn two_consumers_in_one_group_share_the_work() {
    let Some(mqtt) = connect("group").await else {
        return;
    };
    common::a_group_shares_the_work(&mqtt).await;
}

/// A group keeps no state on the broker: `delete_group` has nothing to delete, and a message
/// published while no member is connected is not kept for the group.
#[tokio::test]
async fn a_group_keeps_no_durable_state() {
    use common::{until, Ping, Pings};
    use tidings::{Consumer, Publisher, Route};
    let Some(mqtt) = connect("delete_group").await else {
        return;
    };
    common::handle_five_and_stop(&mqtt).await;
    assert!(!mqtt
        .delete_group(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap());
    // Published while the group has no member: nobody keeps it.
    let publisher = Publisher::new(mqtt.clone());
    publisher.publish("pings/a", Ping { n: 99 }).await.unwrap();
    let pings = Pings::default();
    let worker = Consumer::new(mqtt.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    publisher.publish("pings/a", Ping { n: 100 }).await.unwrap();
    until("the ping published while the member runs", || {
        pings.count() >= 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [100]);
    common::stop(running).await;
}

/// Per-key order with concurrency 64, and a stuck or failing key holds up no other key.
#[tokio::test]
async fn keys_keep_their_order_with_concurrency_and_do_not_stall_each_other() {
    let Some(mqtt) = connect("lanes").await else {
        return;
    };
    common::per_key_order_with_concurrency(&mqtt, Duration::ZERO).await;
}

/// Pings, handled slowly.
#[derive(Clone, Default)]
struct Slow(common::Pings);

impl tidings::Route for Slow {
    const OPERATION: &'static str = "pings";
    const ADDRESS: &'static str = "pings/{shard}";

    async fn route(
        &self,
        incoming: tidings::Incoming<'_>,
        ctx: &tidings::Context<'_>,
    ) -> tidings::Outcome {
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.0.route(incoming, ctx).await
    }
}

/// A member stopped with messages the broker sent it and it did not take gives them back
/// to its group: the other member handles them, none is lost or handled twice.
#[tokio::test]
async fn a_stopped_member_hands_back_what_it_did_not_take() {
    use common::{until, Ping, Pings};
    use tidings::{Consumer, Publisher};
    let Some(mqtt) = connect("hand_back").await else {
        return;
    };
    let first = Slow::default();
    let worker = Consumer::new(mqtt.clone())
        .concurrency(1)
        .subscribe(first.clone())
        .await
        .unwrap();
    // MQTT keeps nothing for a group with no member: the second one is there from the start.
    let second = Pings::default();
    let other = Consumer::new(mqtt.clone())
        .subscribe(second.clone())
        .await
        .unwrap();
    let other = tokio::spawn(other.run());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async {
        let _ = stopped.await;
    }));
    let publisher = Publisher::new(mqtt.clone());
    for n in 0..60 {
        publisher
            .publish(&format!("pings/s{}", n % 4), Ping { n })
            .await
            .unwrap();
    }
    until("a few handled", || first.0.count() >= 3).await;
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    let taken = first.0.count();
    assert!(
        taken < 30,
        "the first member took all it was sent ({taken})"
    );
    until("the rest, by the second member", || {
        first.0.count() + second.count() >= 60
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut all: Vec<u32> = first.0.seen.lock().unwrap().clone();
    all.extend(second.seen.lock().unwrap().iter());
    all.sort_unstable();
    assert_eq!(all, (0..60).collect::<Vec<_>>(), "each once");
    common::stop(other).await;
}

/// A mosquitto of the test's own with a TLS listener that asks for client certificates:
/// events round-trip over `mqtts://` with the test CA and a client certificate; a client
/// that trusts another CA is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_round_trip_over_tls_and_a_wrong_ca_is_refused() {
    use common::tls::{mosquitto, other_ca, Pki};
    use tidings::transport::tls::Tls;

    let pki = Pki::new("mqtt");
    let Some((_server, port)) = mosquitto("mqtt_tls", &pki, Some(("orders", "s3cret"))) else {
        return;
    };
    // Over TLS with a client certificate, and a user and password in the URL.
    let url = format!("mqtts://orders:s3cret@localhost:{port}");
    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let mqtt = Mqtt::connect_with(
        &url,
        MqttOptions {
            tls: Some(trusted),
            ..MqttOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| {
        panic!(
            "{e}: {}",
            std::fs::read_to_string(pki.dir.join("mosquitto.log")).unwrap_or_default()
        )
    });
    common::round_trip_in_order(&mqtt).await;

    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let refused = Mqtt::connect_with(
        &format!("mqtts://orders:guess@localhost:{port}"),
        MqttOptions {
            tls: Some(trusted),
            ..MqttOptions::default()
        },
    )
    .await;
    assert!(refused.is_err(), "a wrong password is refused");

    let wrong =
        Tls::with_roots(other_ca()).with_client(pki.client_cert.clone(), pki.client_key.clone());
    let refused = Mqtt::connect_with(
        &url,
        MqttOptions {
            tls: Some(wrong),
            ..MqttOptions::default()
        },
    )
    .await;
    let error = refused.expect_err("a client that trusts another CA is refused");
    assert!(
        format!("{error:?}").to_lowercase().contains("certificate"),
        "{error:?}"
    );
}

/// A message with no body is kept as a dead letter too (an empty retained message would
/// clear the topic instead), and read back empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_without_a_body_is_kept() {
    use tidings::transport::{DeadLetters, RawMessage, Transport};
    use tidings::Consumer;

    let Some(mqtt) = connect("dlq-empty").await else {
        return;
    };
    let worker = Consumer::new(mqtt.clone())
        .max_attempts(1)
        .subscribe(common::Pings::default())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    mqtt.publish(RawMessage {
        address: "pings/a".into(),
        ..RawMessage::default()
    })
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let letters = loop {
        let letters = mqtt.dead_letters().await.unwrap();
        if !letters.is_empty() || tokio::time::Instant::now() > deadline {
            break letters;
        }
    };
    running.abort();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert!(letters[0].message.body.is_empty());
    assert_eq!(letters[0].message.address, "pings/a");
}
