//! A consumer goes on when the broker does not take a settlement (the message stays
//! unsettled, so the broker delivers it again), and stops when the transport is closed.
//! The broker is the in-memory bus behind a wrapper that fails chosen settlements.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{until, Ping, Pings};
use herald::envelope::Binding;
use herald::memory::{InMemory, MemorySubscription};
use herald::transport::{
    BoxFuture, Delivered, Delivery, RawMessage, Settle, Settlement, Subscription, Transport,
    TransportError,
};
use herald::{Consumer, Publisher};

/// The in-memory bus, but the next `failing` settlements fail with `error()`.
#[derive(Clone)]
struct Flaky {
    inner: InMemory,
    failing: Arc<AtomicU32>,
    error: fn() -> TransportError,
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

fn flaky(failing: u32, error: fn() -> TransportError) -> Flaky {
    Flaky {
        inner: InMemory::new(),
        failing: Arc::new(AtomicU32::new(failing)),
        error,
    }
}

#[tokio::test]
async fn a_settlement_the_broker_refuses_does_not_stop_the_consumer() {
    let transport = flaky(2, || {
        TransportError::broker("injected: connection reset by peer")
    });
    let pings = Pings::default();
    let worker = Consumer::new(transport.clone())
        .subscribe(pings.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(transport.clone());
    for n in 1..=5 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    until("five pings", || pings.count() >= 5).await;
    // The first two settlements failed; the worker is still there and takes more.
    assert_eq!(transport.failing.load(Ordering::SeqCst), 0);
    assert!(
        !running.is_finished(),
        "the worker stopped on a settle error"
    );
    publisher.publish("pings/a", Ping { n: 6 }).await.unwrap();
    until("the sixth ping", || pings.seen.lock().unwrap().contains(&6)).await;
    assert!(!running.is_finished());
    common::stop(running).await;
}

#[tokio::test]
async fn a_closed_transport_stops_the_consumer() {
    let transport = flaky(1, || TransportError::Closed);
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
    assert!(matches!(result, Err(TransportError::Closed)), "{result:?}");
    assert_eq!(*pings.seen.lock().unwrap(), [1]);
}
