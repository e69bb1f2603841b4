//! Consumer tests: failed settlements end the worker, and a spec's retry policy is the default.
//!
//! A settlement the broker does not take ends the worker with the error, before it takes another
//! message (the broker is the in-memory bus behind a wrapper that fails chosen settlements). A
//! router's retry policy from the spec applies unless code sets one.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{until, Ping, Pings};
use tidings::envelope::Binding;
use tidings::memory::{InMemory, MemorySubscription};
use tidings::transport::{
    BoxFuture, Delivered, Delivery, RawMessage, Settle, Settlement, Subscription, Transport,
    TransportError,
};
use tidings::{Consumer, Publisher};

/// Makes the error a failing settlement returns.
type MakeError = fn() -> TransportError;

/// The in-memory bus, but the next `failing` settlements fail with `error()`.
#[derive(Clone)]
struct Flaky {
    inner: InMemory,
    failing: Arc<AtomicU32>,
    error: MakeError,
}

impl Transport for Flaky {
    type Subscription = FlakySubscription;

    fn binding(&self) -> Binding {
        self.inner.binding()
    }

    fn publish(
        &self,
        message: RawMessage,
    ) -> impl Future<Output = Result<(), TransportError>> + Send {
        self.inner.publish(message)
    }

    async fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<FlakySubscription, TransportError> {
        Ok(FlakySubscription {
            inner: self.inner.subscribe(pattern, group).await?,
            flaky: self.clone(),
        })
    }
}

struct FlakySubscription {
    inner: MemorySubscription,
    flaky: Flaky,
}

impl Subscription for FlakySubscription {
    async fn next(&mut self) -> Option<Delivery> {
        let delivery = self.inner.next().await?;
        let (message, attempt) = (delivery.message().clone(), delivery.attempt());
        let settle = FlakySettle {
            inner: delivery,
            flaky: self.flaky.clone(),
        };
        Some(Delivery::new(message, attempt, Box::new(settle)))
    }
}

struct FlakySettle {
    inner: Delivery,
    flaky: Flaky,
}

impl Settle for FlakySettle {
    fn settle(
        self: Box<Self>,
        _delivery: Delivered,
        how: Settlement,
    ) -> BoxFuture<'static, Result<(), TransportError>> {
        Box::pin(async move {
            let fail = self
                .flaky
                .failing
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if fail {
                return Err((self.flaky.error)());
            }
            self.inner.settle(how).await
        })
    }
}

fn flaky(failing: u32, error: MakeError) -> Flaky {
    Flaky {
        inner: InMemory::new(),
        failing: Arc::new(AtomicU32::new(failing)),
        error,
    }
}

#[tokio::test]
async fn a_settlement_the_broker_refuses_ends_the_worker_with_the_error() {
    let cases: [(MakeError, &str); 2] = [
        (
            || TransportError::broker("injected: the dead-letter topic refused the message"),
            "injected",
        ),
        (|| TransportError::Closed, "closed"),
    ];
    for (error, expected) in cases {
        let transport = flaky(1, error);
        let pings = Pings::default();
        let worker = Consumer::new(transport.clone())
            .subscribe(pings.clone())
            .await
            .unwrap();
        let running = tokio::spawn(worker.run());
        let publisher = Publisher::new(transport.clone());
        publisher.publish("pings/a", Ping { n: 1 }).await.unwrap();
        let result = tokio::time::timeout(Duration::from_secs(10), running)
            .await
            .expect("the worker stops")
            .unwrap();
        let error = result.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
        // Nothing after it was taken (and acknowledged past it).
        publisher.publish("pings/a", Ping { n: 2 }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(*pings.seen.lock().unwrap(), [1]);
    }
}

/// `Pings`, with a retry policy from "the spec".
#[derive(Clone, Default)]
struct SpecPings(Pings);

impl tidings::Route for SpecPings {
    const OPERATION: &'static str = "pings";
    const ADDRESS: &'static str = "pings/{shard}";

    async fn route(
        &self,
        incoming: tidings::Incoming<'_>,
        ctx: &tidings::Context<'_>,
    ) -> tidings::Outcome {
        self.0.route(incoming, ctx).await
    }

    fn retry_policy() -> Option<tidings::reliability::RetryPolicy> {
        Some(tidings::reliability::RetryPolicy::immediate().max_attempts(2))
    }
}

/// Attempts a ping that always fails gets before it is dead-lettered, under `consumer`.
async fn attempts_before_dead_letter(
    consumer: impl FnOnce(Consumer<InMemory>) -> Consumer<InMemory>,
) -> u32 {
    let bus = InMemory::new();
    let router = SpecPings(Pings {
        fail_first: u32::MAX,
        ..Pings::default()
    });
    let worker = consumer(Consumer::new(bus.clone()))
        .subscribe(router.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    Publisher::new(bus.clone())
        .publish("pings/a", Ping { n: 1 })
        .await
        .unwrap();
    until("a dead letter", || !bus.dead_letters().is_empty()).await;
    common::stop(running).await;
    router.0.attempts.load(Ordering::SeqCst)
}

#[tokio::test]
async fn the_spec_retry_policy_applies_unless_code_sets_one() {
    use tidings::reliability::RetryPolicy;
    // The router's (the spec's) policy: 2 attempts.
    assert_eq!(attempts_before_dead_letter(|c| c).await, 2);
    // `max_attempts` in code goes on top of it.
    assert_eq!(attempts_before_dead_letter(|c| c.max_attempts(3)).await, 3);
    // A policy in code replaces it.
    let code = RetryPolicy::immediate().max_attempts(4);
    assert_eq!(attempts_before_dead_letter(|c| c.retry(code)).await, 4);
}

/// Per-key order with concurrency 64, and a stuck or failing key holds up no other key.
#[tokio::test]
async fn keys_keep_their_order_with_concurrency_and_do_not_stall_each_other() {
    common::per_key_order_with_concurrency(&InMemory::new(), Duration::ZERO).await;
}
