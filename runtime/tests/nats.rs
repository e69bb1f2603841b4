//! The NATS JetStream transport against the local server (127.0.0.1:4222, JetStream on).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `TIDINGS_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

mod common;

use std::time::Duration;

use tidings::nats::{AckMode, Nats, NatsOptions};
use tidings::{Consumer, Publisher};
use tokio_stream::StreamExt;

use common::{until, Ping, Pings, WAIT};

const URL: &str = "nats://127.0.0.1:4222";

/// A connection in a stream of its own, or `None` (with a loud message) when the server is
/// not there and brokers are not required.
async fn connect(test: &str) -> Option<Nats> {
    connect_acking(test, AckMode::default()).await
}

/// [`connect`], acknowledging as `ack` says.
async fn connect_acking(test: &str, ack: AckMode) -> Option<Nats> {
    connect_with(test, ack, Duration::from_secs(5)).await
}

/// [`connect`], acknowledging as `ack` says, with `ack_wait`.
async fn connect_with(test: &str, ack: AckMode, ack_wait: Duration) -> Option<Nats> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let unique = format!("{test}_{}_{nanos}", std::process::id());
    let options = NatsOptions {
        stream: format!("HT_{unique}"),
        prefix: format!("ht_{unique}"),
        ack_wait,
        ack,
        ..NatsOptions::default()
    };
    match Nats::connect_with(URL, options).await {
        Ok(nats) => Some(nats),
        Err(e) => {
            common::unreachable(test, "NATS", URL, e);
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

#[tokio::test]
async fn events_round_trip_in_order() {
    let Some(nats) = connect("round_trip").await else {
        return;
    };
    common::round_trip_in_order(&nats).await;
    cleanup(&nats).await;
}

/// Plain and confirmed acks alike settle every handled message: nothing is left pending or
/// delivered again.
#[tokio::test]
async fn handled_messages_are_acked_in_both_ack_modes() {
    for ack in [AckMode::Plain, AckMode::Confirmed] {
        let Some(nats) = connect_acking(&format!("ack_{ack:?}"), ack).await else {
            return;
        };
        common::round_trip_in_order(&nats).await;
        let js = nats.jetstream();
        let stream = js.get_stream(&nats.options().stream).await.unwrap();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let mut names = stream.consumer_names();
            let (mut pending, mut consumers) = (0, 0);
            while let Some(name) = names.next().await {
                consumers += 1;
                let consumer: tidings::nats::async_nats::jetstream::consumer::PullConsumer =
                    stream.get_consumer(&name.unwrap()).await.unwrap();
                let info = consumer.cached_info();
                pending += info.num_ack_pending + info.num_pending as usize;
                assert_eq!(
                    info.num_redelivered, 0,
                    "{ack:?}: nothing is delivered twice"
                );
            }
            assert!(consumers > 0, "{ack:?}: the group's consumer is there");
            if pending == 0 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{ack:?}: {pending} handled messages are still not acked"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        cleanup(&nats).await;
    }
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(nats) = connect("retry").await else {
        return;
    };
    common::retried_then_handled_once(&nats).await;
    cleanup(&nats).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(nats) = connect("poison").await else {
        return;
    };
    let (pings, running) = common::publish_poison(&nats).await;

    let dlq = nats
        .jetstream()
        .get_stream(format!("{}_DLQ", nats.options().stream))
        .await
        .unwrap();
    let reader: tidings::nats::async_nats::jetstream::consumer::PullConsumer = dlq
        .create_consumer(tidings::nats::async_nats::jetstream::consumer::pull::Config::default())
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
        .get("tidings-dlq-reason")
        .unwrap()
        .as_str()
        .to_owned();
    assert!(reason.contains("not valid JSON"), "{reason}");
    assert_eq!(headers.get("tidings-dlq-attempt").unwrap().as_str(), "1");
    assert_eq!(headers.get("tidings-dlq-group").unwrap().as_str(), "pings");
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
    common::a_group_shares_the_work(&nats).await;
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

#[tokio::test]
async fn headers_nats_cannot_carry_are_errors_not_panics() {
    let Some(nats) = connect("headers").await else {
        return;
    };
    let publisher = Publisher::new(nats.clone());
    let mut envelope = publisher.envelope(Ping { n: 5 });
    envelope.subject = Some("two\nlines".into());
    let error = publisher.send("pings/a", &envelope).await.unwrap_err();
    assert!(error.to_string().contains("line break"), "{error}");
    // A static name and an owned one.
    for name in [
        std::borrow::Cow::Borrowed("bad:name"),
        std::borrow::Cow::Owned("bad name".to_owned()),
    ] {
        let message = tidings::transport::RawMessage {
            address: "pings/a".into(),
            key: None,
            headers: vec![(name, "x".into())],
            body: b"{}".to_vec(),
        };
        let error = tidings::transport::Transport::publish(&nats, message)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("cannot be a NATS header name"),
            "{error}"
        );
    }
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
    assert!(nats.subject("").is_err());
    for refused in [
        "acme/o 1",
        "acme/o\t1",
        "acme/o\u{7f}",
        "acme/o\u{a0}1",
        "acme/o\u{2028}",
    ] {
        assert!(nats.subject(refused).is_err(), "{refused:?}");
    }
    assert_eq!(
        nats.subject("acme/commandes/né-1").unwrap(),
        format!("{prefix}.acme.commandes.né-1")
    );
    assert!(tidings::address::fill("acme/orders/{id}", &[("id", "a.b")]).is_err());
    rt.block_on(cleanup(&nats));
}

/// Per-key order with concurrency 64, and a stuck or failing key holds up no other key.
#[tokio::test]
async fn keys_keep_their_order_with_concurrency_and_do_not_stall_each_other() {
    let Some(nats) = connect_with("lanes", AckMode::Plain, Duration::from_secs(1)).await else {
        return;
    };
    // Held past `ack_wait` (1 s here): the server's redeliveries of messages waiting in a
    // lane are not handled twice.
    common::per_key_order_with_concurrency(&nats, Duration::from_millis(2500)).await;
    cleanup(&nats).await;
}
