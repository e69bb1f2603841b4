//! The NATS JetStream transport against the local server (127.0.0.1:4222, JetStream on).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `TIDINGS_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

mod common;

use std::time::Duration;

use tidings::nats::{AckMode, Nats, NatsOptions};
use tidings::{Consumer, Publisher, Route};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_one_trace_across_nats() {
    let Some(nats) = connect("trace").await else {
        return;
    };
    common::trace::one_trace_per_flow(&nats, "nats").await;
    cleanup(&nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_redriven() {
    let Some(nats) = connect("dlq_redrive").await else {
        return;
    };
    common::dead_letters_are_redriven(&nats).await;
    cleanup(&nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_group_replays_the_stream_from_the_beginning_a_time_or_a_sequence() {
    let Some(nats) = connect("replay").await else {
        return;
    };
    // The test's own stream: the 21st message is sequence 21.
    common::replay(&nats, Some(21)).await;
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

/// [`connect`], with the options `tweak` changes (stream and prefix are the test's own).
async fn connect_tweaked(test: &str, tweak: impl FnOnce(&mut NatsOptions)) -> Option<Nats> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let unique = format!("{test}_{}_{nanos}", std::process::id());
    let mut options = NatsOptions {
        stream: format!("HT_{unique}"),
        prefix: format!("ht_{unique}"),
        ack_wait: Duration::from_secs(5),
        ..NatsOptions::default()
    };
    tweak(&mut options);
    match Nats::connect_with(URL, options).await {
        Ok(nats) => Some(nats),
        Err(e) => {
            common::unreachable(test, "NATS", URL, e);
            None
        }
    }
}

/// How many messages the stream holds, read from the server.
async fn stored(nats: &Nats) -> u64 {
    let mut stream = nats
        .jetstream()
        .get_stream(&nats.options().stream)
        .await
        .unwrap();
    stream.info().await.unwrap().state.messages
}

/// Waits up to [`WAIT`] for the stream to hold `count` messages.
async fn until_stored(nats: &Nats, count: u64, what: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = stored(nats).await;
        if now == count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: the stream holds {now} messages, not {count}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks for a second that the stream keeps holding `count` messages.
async fn stays_stored(nats: &Nats, count: u64, what: &str) {
    for _ in 0..10 {
        assert_eq!(stored(nats).await, count, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Retention by trimming: a message is removed once every group has
/// acknowledged it or moved past it, and none that a group still needs is removed.
#[tokio::test]
async fn acknowledged_messages_are_trimmed_and_needed_ones_kept() {
    retention_keeps_what_groups_need("trimmed", Some(tidings::nats::Retention::Acked)).await;
}

/// Interest retention: the same, done by the server at each acknowledgement.
#[tokio::test]
async fn with_interest_retention_acknowledged_messages_are_removed() {
    retention_keeps_what_groups_need("interest", Some(tidings::nats::Retention::Interest)).await;
}

async fn retention_keeps_what_groups_need(test: &str, retention: Option<tidings::nats::Retention>) {
    let Some(nats) = connect_tweaked(test, |o| o.retention = retention).await else {
        return;
    };
    // Group `late` exists (its durable consumer) and handles nothing yet.
    let late = tidings::transport::Transport::subscribe(&nats, Pings::ADDRESS, "late")
        .await
        .unwrap();
    drop(late);
    let pings = Pings::default();
    let worker = Consumer::new(nats.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(nats.clone());
    for n in 0..100 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("100 pings handled", || pings.count() >= 100).await;
    stays_stored(
        &nats,
        100,
        "`pings` acked them all, `late` none: all are kept",
    )
    .await;

    // Once `late` has handled them too, the stream is empty.
    let late_pings = Pings::default();
    let late_worker = Consumer::new(nats.clone())
        .group("late")
        .subscribe(late_pings.clone())
        .await
        .unwrap();
    let late_running = tokio::spawn(late_worker.run());
    until("`late` has handled the backlog", || {
        late_pings.count() >= 100
    })
    .await;
    until_stored(&nats, 0, "every group acknowledged every message").await;

    // A group deleted no longer holds messages: with `late` stopped and deleted, what
    // `pings` acknowledges goes.
    common::stop(late_running).await;
    for n in 100..110 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("110 pings handled", || pings.count() >= 110).await;
    stays_stored(&nats, 10, "`late` has not handled the last 10").await;
    assert!(nats.delete_group(Pings::ADDRESS, "late").await.unwrap());
    until_stored(&nats, 0, "`late` was deleted").await;

    // A message of a channel no group subscribes to is not kept (for long, when trimmed).
    publisher.publish("other/a", Ping { n: 1 }).await.unwrap();
    until_stored(&nats, 0, "no group wants `other/a`").await;
    stays_stored(&nats, 0, "no group wants `other/a`").await;
    common::stop(running).await;
    cleanup(&nats).await;
}

/// With `Retention::Limits`, the stream keeps messages whoever acknowledged them, within
/// `max_messages`: refusing publishes beyond by default, or dropping the oldest.
#[tokio::test]
async fn limits_bound_the_stream_by_refusing_or_dropping() {
    let Some(nats) = connect_tweaked("limits", |o| {
        o.retention = Some(tidings::nats::Retention::Limits);
        o.max_messages = Some(5);
    })
    .await
    else {
        return;
    };
    let publisher = Publisher::new(nats.clone());
    for n in 0..5 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    let refused = publisher.publish("pings/a", Ping { n: 5 }).await;
    assert!(refused.is_err(), "a full stream refuses publishes");
    assert_eq!(stored(&nats).await, 5);

    // Connecting with other limits applies them to the existing stream.
    let mut options = nats.options().clone();
    options.when_full = tidings::nats::WhenFull::DropOldest;
    options.max_messages = Some(3);
    options.max_age = Some(Duration::from_secs(60));
    let dropping = Nats::connect_with(URL, options).await.unwrap();
    assert_eq!(stored(&dropping).await, 3, "the new limit applies at once");
    let publisher = Publisher::new(dropping.clone());
    for n in 10..20 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    assert_eq!(stored(&dropping).await, 3, "the oldest are dropped");
    let config = dropping
        .jetstream()
        .get_stream(&dropping.options().stream)
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    assert_eq!(config.max_age, Duration::from_secs(60));
    assert_eq!(
        config.duplicate_window,
        Duration::from_secs(60),
        "the duplicate window is cut to the age"
    );

    // Default options leave an existing stream's retention and limits as they are.
    let defaults = NatsOptions {
        stream: dropping.options().stream.clone(),
        prefix: dropping.options().prefix.clone(),
        ..NatsOptions::default()
    };
    let kept = Nats::connect_with(URL, defaults).await.unwrap();
    let config = kept
        .jetstream()
        .get_stream(&kept.options().stream)
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    assert_eq!(
        config.retention,
        tidings::nats::async_nats::jetstream::stream::RetentionPolicy::Limits
    );
    assert_eq!(config.max_messages, 3, "limits set earlier are kept");

    // Changing the retention policy: servers before 2.10 refuse it, with an error saying
    // what to do; later ones change it.
    let mut options = dropping.options().clone();
    options.retention = Some(tidings::nats::Retention::Interest);
    match Nats::connect_with(URL, options).await {
        Ok(interest) => assert_eq!(
            interest
                .jetstream()
                .get_stream(&interest.options().stream)
                .await
                .unwrap()
                .cached_info()
                .config
                .retention,
            tidings::nats::async_nats::jetstream::stream::RetentionPolicy::Interest
        ),
        Err(error) => {
            let error = error.to_string();
            assert!(error.contains("NatsOptions::retention"), "{error}");
            eprintln!("retention change refused as expected: {error}");
        }
    }
    cleanup(&nats).await;
}

/// Dead letters are kept whatever the groups do.
#[tokio::test]
async fn the_dead_letter_stream_keeps_its_messages() {
    let Some(nats) = connect_tweaked("dlq_kept", |o| {
        o.dead_letters_max_age = Some(Duration::from_secs(30));
        o.retention = Some(tidings::nats::Retention::Acked);
    })
    .await
    else {
        return;
    };
    let (_, running) = common::publish_poison(&nats).await;
    let mut dlq = nats
        .jetstream()
        .get_stream(format!("{}_DLQ", nats.options().stream))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while dlq.info().await.unwrap().state.messages == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no dead letter");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The original, terminated, is no longer needed by its group.
    until_stored(&nats, 0, "the buried message is let go").await;
    let info = dlq.info().await.unwrap();
    assert_eq!(
        info.config.retention,
        tidings::nats::async_nats::jetstream::stream::RetentionPolicy::Limits
    );
    assert_eq!(info.config.max_age, Duration::from_secs(30));
    assert_eq!(info.state.messages, 1);
    common::stop(running).await;
    cleanup(&nats).await;
}

/// `delete_group` deletes the group's durable consumer, and says whether there was one.
#[tokio::test]
async fn delete_group_deletes_the_durable_consumer() {
    let Some(nats) = connect("delete_group").await else {
        return;
    };
    common::handle_five_and_stop(&nats).await;
    let stream = nats
        .jetstream()
        .get_stream(&nats.options().stream)
        .await
        .unwrap();
    let consumers = || async {
        let mut names = stream.consumer_names();
        let mut all = Vec::new();
        while let Some(name) = names.next().await {
            all.push(name.unwrap());
        }
        all
    };
    assert_eq!(consumers().await.len(), 1);
    assert!(!nats.delete_group(Pings::ADDRESS, "other").await.unwrap());
    assert!(!nats
        .delete_group("other/{x}", Pings::OPERATION)
        .await
        .unwrap());
    assert_eq!(consumers().await.len(), 1, "other groups are not touched");
    assert!(nats
        .delete_group(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap());
    assert!(consumers().await.is_empty(), "the consumer is gone");
    assert!(!nats
        .delete_group(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap());
    cleanup(&nats).await;
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

/// Messages published as a group's first member starts (and trims an empty stream) are all
/// handled: trimming never removes what arrives while it runs.
#[tokio::test]
async fn a_burst_as_the_first_member_starts_is_not_trimmed_away() {
    let Some(nats) = connect_tweaked("burst", |o| {
        o.retention = Some(tidings::nats::Retention::Acked);
    })
    .await
    else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(nats.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let publisher = Publisher::new(nats.clone());
    let mut sent = tokio::task::JoinSet::new();
    for n in 0..2000 {
        let publisher = publisher.clone();
        sent.spawn(async move { publisher.publish("pings/a", Ping { n }).await.unwrap() });
    }
    while sent.join_next().await.is_some() {}
    let running = tokio::spawn(worker.run());
    until("2000 pings", || pings.count() >= 2000).await;
    common::stop(running).await;
    cleanup(&nats).await;
}

/// A nats-server of the test's own (with JetStream) whose listener is TLS only, verifies
/// client certificates and wants a user and password: events round-trip with the test CA, a
/// client certificate and the password in the URL; a wrong password and a client that
/// trusts another CA are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_round_trip_over_tls_and_a_wrong_ca_is_refused() {
    use common::tls::{other_ca, spare_port, start, Pki};
    use tidings::transport::tls::Tls;

    let pki = Pki::new("nats");
    let port = spare_port();
    let (cert, key, ca) = (
        pki.path("server.pem"),
        pki.path("server.key"),
        pki.path("ca.pem"),
    );
    let store = pki.path("jetstream");
    let port_text = port.to_string();
    let args = [
        "-a",
        "127.0.0.1",
        "-p",
        &port_text,
        "-js",
        "-sd",
        &store,
        "--tls",
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
        "--tlscacert",
        &ca,
        "--tlsverify",
        "--user",
        "orders",
        "--pass",
        "s3cret",
    ];
    let log = pki.dir.join("nats.log");
    let Some(_server) = start("nats_tls", "nats-server", &args, port, &log) else {
        return;
    };
    // Over TLS with a client certificate, and a user and password in the URL.
    let url = format!("tls://orders:s3cret@localhost:{port}");
    let options = |tls: Tls| NatsOptions {
        tls: Some(tls),
        ..NatsOptions::default()
    };
    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let nats = Nats::connect_with(&url, options(trusted))
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(&log).unwrap_or_default()));
    common::round_trip_in_order(&nats).await;

    let trusted = || {
        Tls::with_roots(pki.ca.clone()).with_client(pki.client_cert.clone(), pki.client_key.clone())
    };
    let wrong_password = format!("tls://orders:guess@localhost:{port}");
    let refused = Nats::connect_with(&wrong_password, options(trusted())).await;
    assert!(refused.is_err(), "a wrong password is refused");

    let wrong =
        Tls::with_roots(other_ca()).with_client(pki.client_cert.clone(), pki.client_key.clone());
    let refused = Nats::connect_with(&url, options(wrong)).await;
    let error = refused.expect_err("a client that trusts another CA is refused");
    assert!(
        format!("{error:?}").to_lowercase().contains("certificate"),
        "{error:?}"
    );
}
