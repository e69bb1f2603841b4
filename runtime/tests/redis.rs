//! The Redis Streams transport against the local server (127.0.0.1:6379).
//!
//! When the server is unreachable these tests skip with a loud message, unless
//! `HERALD_REQUIRE_BROKERS=1` (set by `.ci/run`), in which case they fail. Each test works in
//! its own stream and subject prefix, deleted at the end.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald::redis::{Redis, RedisOptions};
use herald::reliability::RetryPolicy;
use herald::transport::{RawMessage, Transport};
use herald::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use serde::{Deserialize, Serialize};

const URL: &str = "redis://127.0.0.1:6379";
const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Serialize, Deserialize, herald::Event, herald::Validate)]
#[event(type = "com.acme.ping", version = "1.0.0", source = "/tests")]
struct Ping {
    #[validate(maximum = 1_000_000)]
    n: u32,
}

/// A connection with streams of its own, or `None` (with a loud message) when the server is
/// not there and brokers are not required.
async fn connect(test: &str) -> Option<Redis> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let unique = format!("{test}:{}:{nanos}", std::process::id());
    let options = RedisOptions {
        stream: format!("herald-test:{unique}:events"),
        dead_letters: format!("herald-test:{unique}:dlq"),
        claim_after: Duration::from_millis(500),
        from_now: false,
    };
    match Redis::connect_with(URL, options).await {
        Ok(redis) => Some(redis),
        Err(e) if std::env::var("HERALD_REQUIRE_BROKERS").as_deref() == Ok("1") => {
            panic!("Redis is required (HERALD_REQUIRE_BROKERS=1) but unreachable at {URL}: {e}")
        }
        Err(e) => {
            eprintln!(
                "\n!!!!! SKIPPED {test}: Redis unreachable at {URL} ({e}); \
                 set HERALD_REQUIRE_BROKERS=1 to make this a failure !!!!!\n"
            );
            None
        }
    }
}

async fn cleanup(redis: &Redis) {
    let mut connection = redis.connection();
    let _: Result<u64, _> = herald::redis::client::AsyncCommands::del(
        &mut connection,
        &[&redis.options().stream, &redis.options().dead_letters],
    )
    .await;
}

/// Records the pings it handles; fails a ping's first `fail_first` attempts.
#[derive(Clone, Default)]
struct Pings {
    seen: Arc<Mutex<Vec<u32>>>,
    attempts: Arc<AtomicU32>,
    fail_first: u32,
}

impl Route for Pings {
    const OPERATION: &'static str = "pings";
    const ADDRESS: &'static str = "pings/{shard}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        match incoming.event_type() {
            "com.acme.ping" => match incoming.decode::<Ping>() {
                Ok(event) => self.handle(event, ctx).await.into(),
                Err(error) => Outcome::undecodable("com.acme.ping", error),
            },
            other => Outcome::unknown(other),
        }
    }
}

impl Pings {
    async fn handle(&self, event: Envelope<Ping>, ctx: &Context<'_>) -> HandlerResult {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if ctx.attempt() <= self.fail_first {
            return Err(format!("attempt {} fails", ctx.attempt()).into());
        }
        self.seen.lock().unwrap().push(event.data.n);
        Ok(())
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::exponential(Duration::from_millis(50), Duration::from_millis(500)).max_attempts(4)
}

#[tokio::test]
async fn events_round_trip_in_order() {
    let Some(redis) = connect("round_trip").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(redis.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(redis.clone());
    for n in 0..50 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("50 pings", || pings.count() >= 50).await;
    assert_eq!(*pings.seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
    running.abort();
    cleanup(&redis).await;
}

#[tokio::test]
async fn a_handler_that_fails_twice_is_retried_and_handled_once() {
    let Some(redis) = connect("retry").await else {
        return;
    };
    let pings = Pings {
        fail_first: 2,
        ..Pings::default()
    };
    let worker = Consumer::new(redis.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    Publisher::new(redis.clone())
        .publish("pings/a", Ping { n: 7 })
        .await
        .unwrap();
    until("the ping", || pings.count() >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(*pings.seen.lock().unwrap(), [7]);
    assert_eq!(pings.attempts.load(Ordering::SeqCst), 3);
    running.abort();
    cleanup(&redis).await;
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_stream_with_its_reason() {
    let Some(redis) = connect("poison").await else {
        return;
    };
    let pings = Pings::default();
    let worker = Consumer::new(redis.clone())
        .retry(quick_retries())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    // A CloudEvent whose data is not JSON.
    let good = Publisher::new(redis.clone()).envelope(Ping { n: 1 });
    let (headers, _) = good.to_binary(redis.binding()).unwrap();
    redis
        .publish(RawMessage {
            address: "pings/a".into(),
            key: None,
            headers,
            body: b"{\"n\": ".to_vec(),
        })
        .await
        .unwrap();

    let mut connection = redis.connection();
    let deadline = tokio::time::Instant::now() + WAIT;
    let dead = loop {
        let range: herald::redis::client::streams::StreamRangeReply =
            herald::redis::client::AsyncCommands::xrange_all(
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
    let (a, b) = (Pings::default(), Pings::default());
    let consumer = Consumer::new(redis.clone());
    let wa = consumer.subscribe(a.clone()).await.unwrap();
    let wb = consumer.subscribe(b.clone()).await.unwrap();
    let (ra, rb) = (tokio::spawn(wa.run()), tokio::spawn(wb.run()));
    let publisher = Publisher::new(redis.clone());
    for n in 0..200 {
        publisher
            .publish(&format!("pings/s{}", n % 8), Ping { n })
            .await
            .unwrap();
    }
    until("200 pings", || a.count() + b.count() >= 200).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut all: Vec<u32> = a.seen.lock().unwrap().clone();
    all.extend(b.seen.lock().unwrap().iter());
    all.sort();
    assert_eq!(all, (0..200).collect::<Vec<_>>(), "each once");
    assert!(
        a.count() > 0 && b.count() > 0,
        "{} / {}",
        a.count(),
        b.count()
    );
    ra.abort();
    rb.abort();
    cleanup(&redis).await;
}

#[tokio::test]
async fn entries_a_member_left_pending_are_reclaimed_by_another() {
    let Some(redis) = connect("reclaim").await else {
        return;
    };
    // A member that takes a message and dies before settling it.
    let mut crashed = redis
        .subscribe(Pings::ADDRESS, Pings::OPERATION)
        .await
        .unwrap();
    Publisher::new(redis.clone())
        .publish("pings/a", Ping { n: 42 })
        .await
        .unwrap();
    let taken = tokio::time::timeout(WAIT, herald::transport::Subscription::next(&mut crashed))
        .await
        .unwrap()
        .unwrap();
    drop(taken);
    drop(crashed);
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

#[tokio::test]
async fn the_redis_idempotency_store_is_shared_between_consumers() {
    use herald::reliability::IdempotencyStore;
    let Some(redis) = connect("idempotency").await else {
        return;
    };
    let prefix = format!("{}:seen", redis.options().stream);
    let a = herald::redis::RedisIdempotency::new(&redis, prefix.clone(), Duration::from_secs(60));
    let b = herald::redis::RedisIdempotency::new(&redis, prefix.clone(), Duration::from_secs(60));
    assert!(!a.seen("g", "e-1").await);
    a.record("g", "e-1").await;
    assert!(b.seen("g", "e-1").await, "another consumer sees it");
    assert!(!b.seen("other", "e-1").await, "per group");
    let mut connection = redis.connection();
    let _: Result<u64, _> =
        herald::redis::client::AsyncCommands::del(&mut connection, format!("{prefix}:g:e-1")).await;
    cleanup(&redis).await;
}
