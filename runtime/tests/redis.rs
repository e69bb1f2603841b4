//! The Redis Streams transport against the local server (127.0.0.1:6379).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `TIDINGS_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

mod common;

use std::time::Duration;

use tidings::redis::{Redis, RedisOptions};
use tidings::transport::{Position, Transport, TransportError};
use tidings::{Consumer, Publisher, Route};

use common::{until, Ping, Pings, WAIT};

const URL: &str = "redis://127.0.0.1:6379";

/// A connection with streams of its own, or `None` (with a loud message) when the server is
/// not there and brokers are not required.
async fn connect(test: &str) -> Option<Redis> {
    connect_with(test, |_| ()).await
}

/// [`connect`], with `tweak` applied to the options.
async fn connect_with(test: &str, tweak: impl FnOnce(&mut RedisOptions)) -> Option<Redis> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let unique = format!("{test}:{}:{nanos}", std::process::id());
    let options = RedisOptions {
        stream: format!("tidings-test:{unique}:events"),
        dead_letters: format!("tidings-test:{unique}:dlq"),
        claim_after: Duration::from_millis(500),
        ..RedisOptions::default()
    };
    let mut options = options;
    tweak(&mut options);
    match Redis::connect_with(URL, options).await {
        Ok(redis) => Some(redis),
        Err(e) => {
            common::unreachable(test, "Redis", URL, e);
            None
        }
    }
}

async fn cleanup(redis: &Redis) {
    let mut connection = redis.connection();
    let _: Result<u64, _> = tidings::redis::client::AsyncCommands::del(
        &mut connection,
        &[&redis.options().stream, &redis.options().dead_letters],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_one_trace_across_redis() {
    let Some(redis) = connect("trace").await else {
        return;
    };
    common::trace::one_trace_per_flow(&redis, "redis").await;
    cleanup(&redis).await;
}

/// Replay reads the history the stream keeps: with trimming off, all of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_redriven() {
    let Some(redis) = connect("dlq-redrive").await else {
        return;
    };
    common::dead_letters_are_redriven(&redis).await;
    cleanup(&redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_group_replays_the_stream_from_the_beginning_or_a_time() {
    let Some(redis) = connect_with("replay", |options| options.trim = false).await else {
        return;
    };
    common::replay(&redis, None).await;
    // Entries are numbered by time, not by sequence.
    let refused = Consumer::new(redis.clone())
        .group("by-sequence")
        .from(Position::Sequence(3))
        .subscribe(Pings::default())
        .await;
    assert!(
        matches!(&refused, Err(TransportError::Unsupported(why)) if why.contains("time")),
        "{:?}",
        refused.err()
    );
    cleanup(&redis).await;
}

#[tokio::test]
async fn events_round_trip_in_order() {
    let Some(redis) = connect("round_trip").await else {
        return;
    };
    common::round_trip_in_order(&redis).await;
    cleanup(&redis).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(redis) = connect("retry").await else {
        return;
    };
    common::retried_then_handled_once(&redis).await;
    cleanup(&redis).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(redis) = connect("poison").await else {
        return;
    };
    let (pings, running) = common::publish_poison(&redis).await;

    let mut connection = redis.connection();
    let deadline = tokio::time::Instant::now() + WAIT;
    let dead = loop {
        let range: tidings::redis::client::streams::StreamRangeReply =
            tidings::redis::client::AsyncCommands::xrange_all(
                &mut connection,
                &redis.options().dead_letters,
            )
            .await
            .unwrap();
        if let Some(entry) = range.ids.into_iter().next() {
            break entry;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no dead letter in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let reason: String = dead.get("reason").unwrap();
    assert!(reason.contains("not valid JSON"), "{reason}");
    assert_eq!(dead.get::<String>("dead-attempt").unwrap(), "1");
    assert_eq!(dead.get::<String>("group").unwrap(), "pings");
    assert_eq!(dead.get::<Vec<u8>>("body").unwrap(), b"{\"n\": ");
    assert_eq!(dead.get::<String>("address").unwrap(), "pings/a");
    assert_eq!(pings.count(), 0);
    running.abort();
    cleanup(&redis).await;
}

#[tokio::test]
async fn two_consumers_in_one_group_share_the_work() {
    let Some(redis) = connect("group").await else {
        return;
    };
    common::a_group_shares_the_work(&redis).await;
    cleanup(&redis).await;
}

#[tokio::test]
async fn entries_a_member_left_pending_are_reclaimed_by_another() {
    let Some(redis) = connect("reclaim").await else {
        return;
    };
    // A member that takes a message and dies before settling it.
    let crashed = redis
        .subscribe(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap();
    Publisher::new(redis.clone())
        .publish("pings/a", Ping { n: 42 })
        .await
        .unwrap();
    drop(crashed);
    take_and_leave_pending(&redis, Pings::OPERATION).await;
    // Another member of the group takes it over once it has been idle long enough.
    let pings = Pings::default();
    let worker = Consumer::new(redis.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    until("the reclaimed ping", || pings.count() >= 1).await;
    assert_eq!(*pings.seen.lock().unwrap(), [42]);
    running.abort();
    cleanup(&redis).await;
}

/// A member of `group` that takes the next message and dies before settling it.
async fn take_and_leave_pending(redis: &Redis, group: &str) {
    let mut member = redis.subscribe(Pings::ADDRESS, group).await.unwrap();
    let taken = tokio::time::timeout(WAIT, tidings::transport::Subscription::next(&mut member))
        .await
        .unwrap()
        .unwrap();
    drop(taken);
}

/// Waits until members have trimmed a few times (at most once a second each), then checks
/// the stream still holds `len` entries.
async fn assert_len_after_trims(redis: &Redis, len: u64, why: &str) {
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(stream_len(redis).await, len, "{why}");
}

/// The stream's length, read from the server.
async fn stream_len(redis: &Redis) -> u64 {
    let mut connection = redis.connection();
    tidings::redis::client::AsyncCommands::xlen(&mut connection, &redis.options().stream)
        .await
        .unwrap()
}

/// Retention: entries every group has acknowledged are trimmed; none a group still has
/// pending or has not read yet is.
#[tokio::test]
async fn acknowledged_entries_are_trimmed_and_needed_ones_kept() {
    let Some(redis) = connect("trim").await else {
        return;
    };
    // Group `late` exists and has read nothing yet; group `pings` handles everything.
    let late = redis.subscribe(Pings::ADDRESS, "late").await.unwrap();
    let pings = Pings::default();
    let worker = Consumer::new(redis.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(redis.clone());
    for n in 0..200 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("200 pings handled", || pings.count() >= 200).await;
    // `late` still needs it all.
    assert_len_after_trims(&redis, 200, "nothing `late` has not read is trimmed").await;

    // `late` takes one entry and leaves it pending; then it is gone and another member of
    // `late` reads the rest: everything before the pending entry may go, not the entry.
    drop(late);
    take_and_leave_pending(&redis, "late").await;
    assert_len_after_trims(&redis, 200, "the pending entry and those after it stay").await;

    // Once `late` has acknowledged everything too, the stream empties.
    let late_pings = Pings::default();
    let late_worker = Consumer::new(redis.clone())
        .group("late")
        .subscribe(late_pings.clone())
        .await
        .unwrap();
    let late_running = tokio::spawn(late_worker.run());
    until("`late` has handled the backlog", || {
        late_pings.count() >= 200
    })
    .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while stream_len(&redis).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} acknowledged entries were never trimmed",
            stream_len(&redis).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.abort();
    late_running.abort();
    cleanup(&redis).await;
}

#[tokio::test]
async fn the_redis_idempotency_store_is_shared_between_consumers() {
    use tidings::reliability::IdempotencyStore;
    let Some(redis) = connect("idempotency").await else {
        return;
    };
    let prefix = format!("{}:seen", redis.options().stream);
    let a = tidings::redis::RedisIdempotency::new(&redis, prefix.clone(), Duration::from_secs(60));
    let b = tidings::redis::RedisIdempotency::new(&redis, prefix.clone(), Duration::from_secs(60));
    assert!(!a.seen("g", "e-1").await);
    a.record("g", "e-1").await;
    assert!(b.seen("g", "e-1").await, "another consumer sees it");
    assert!(!b.seen("other", "e-1").await, "per group");
    let mut connection = redis.connection();
    let _: Result<u64, _> =
        tidings::redis::client::AsyncCommands::del(&mut connection, format!("{prefix}:g:e-1"))
            .await;
    cleanup(&redis).await;
}

/// The groups of the stream, read from the server.
async fn group_names(redis: &Redis) -> Vec<String> {
    let mut connection = redis.connection();
    let groups: tidings::redis::client::streams::StreamInfoGroupsReply =
        tidings::redis::client::AsyncCommands::xinfo_groups(
            &mut connection,
            &redis.options().stream,
        )
        .await
        .unwrap();
    groups.groups.into_iter().map(|g| g.name).collect()
}

/// `delete_group` destroys the group's Redis consumer group, and says whether there was one;
/// entries only a deleted group needed are trimmed then.
#[tokio::test]
async fn delete_group_destroys_the_consumer_group() {
    let Some(redis) = connect("delete_group").await else {
        return;
    };
    assert!(
        !redis.delete_group(Pings::ADDRESS, "pings").await.unwrap(),
        "no stream yet"
    );
    // `late` exists and reads nothing; `pings` handles 5.
    let late = redis.subscribe(Pings::ADDRESS, "late").await.unwrap();
    drop(late);
    common::handle_five_and_stop(&redis).await;
    assert_eq!(group_names(&redis).await.len(), 2);
    redis.trim().await.unwrap();
    assert_eq!(stream_len(&redis).await, 5, "`late` still needs them");
    assert!(!redis.delete_group(Pings::ADDRESS, "other").await.unwrap());
    assert!(!redis.delete_group("other/{x}", "late").await.unwrap());
    assert!(redis.delete_group(Pings::ADDRESS, "late").await.unwrap());
    assert_eq!(group_names(&redis).await, ["pings|pings/{shard}"]);
    assert!(!redis.delete_group(Pings::ADDRESS, "late").await.unwrap());
    redis.trim().await.unwrap();
    assert_eq!(stream_len(&redis).await, 0, "no group needs them any more");
    assert!(redis.delete_group(Pings::ADDRESS, "pings").await.unwrap());
    assert!(group_names(&redis).await.is_empty());
    cleanup(&redis).await;
}

/// Per-key order with concurrency 64, and a stuck or failing key holds up no other key.
#[tokio::test]
async fn keys_keep_their_order_with_concurrency_and_do_not_stall_each_other() {
    let Some(redis) = connect("lanes").await else {
        return;
    };
    // Held past the claim timeout (500 ms here): the member must not reclaim its own.
    common::per_key_order_with_concurrency(&redis, Duration::from_millis(1500)).await;
    cleanup(&redis).await;
}

/// A redis-server of the test's own with only a TLS port, asking for client certificates
/// and a password: events round-trip over `rediss://` with the test CA, a client certificate
/// and the password in the URL; a wrong password and a client that trusts another CA are
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_round_trip_over_tls_and_a_wrong_ca_is_refused() {
    use common::tls::{other_ca, spare_port, start, Pki};
    use tidings::transport::tls::Tls;

    let pki = Pki::new("redis");
    let port = spare_port();
    let (cert, key, ca) = (
        pki.path("server.pem"),
        pki.path("server.key"),
        pki.path("ca.pem"),
    );
    let port_text = port.to_string();
    let args = [
        "--port",
        "0",
        "--tls-port",
        &port_text,
        "--bind",
        "127.0.0.1",
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca,
        "--tls-auth-clients",
        "yes",
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        "s3cret",
    ];
    let log = pki.dir.join("redis.log");
    let Some(_server) = start("redis_tls", "redis-server", &args, port, &log) else {
        return;
    };
    // Over TLS with a client certificate, and the password in the URL.
    let url = format!("rediss://:s3cret@localhost:{port}");
    let options = |tls: Tls| RedisOptions {
        tls: Some(tls),
        claim_after: Duration::from_millis(500),
        ..RedisOptions::default()
    };
    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let redis = Redis::connect_with(&url, options(trusted))
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(&log).unwrap_or_default()));
    common::round_trip_in_order(&redis).await;

    let trusted = Tls::with_roots(pki.ca.clone())
        .with_client(pki.client_cert.clone(), pki.client_key.clone());
    let wrong_password = format!("rediss://:guess@localhost:{port}");
    let refused = Redis::connect_with(&wrong_password, options(trusted)).await;
    assert!(refused.is_err(), "a wrong password is refused");

    let wrong =
        Tls::with_roots(other_ca()).with_client(pki.client_cert.clone(), pki.client_key.clone());
    let refused = Redis::connect_with(&url, options(wrong)).await;
    let error = refused.expect_err("a client that trusts another CA is refused");
    assert!(
        format!("{error:?}").to_lowercase().contains("certificate"),
        "{error:?}"
    );
}
