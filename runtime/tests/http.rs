//! The CloudEvents HTTP binding: a webhook sender and a receiver on a local port.
//!
//! No service needs starting: the receiver runs in the test.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tidings::http::Http;
use tidings::reliability::RetryPolicy;
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};

#[derive(Debug, Clone, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.ping", version = "1.0.0", source = "/tests")]
struct Ping {
    #[validate(maximum = 1_000_000)]
    n: u32,
}

/// Records the pings it handles; fails each ping's first `fail_first` requests.
#[derive(Clone, Default)]
struct Pings {
    seen: Arc<Mutex<Vec<u32>>>,
    calls: Arc<AtomicU32>,
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
    async fn handle(&self, event: Envelope<Ping>, _ctx: &Context<'_>) -> HandlerResult {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call <= self.fail_first {
            return Err(format!("call {call} fails").into());
        }
        self.seen.lock().unwrap().push(event.data.n);
        Ok(())
    }
}

/// A receiver on a free port serving `pings`, and a webhook sender pointing at it.
async fn pair(pings: Pings) -> (Http, Http) {
    let (receiver, addr) = Http::receiver("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let worker = Consumer::new(receiver.clone())
        // A failed handler is answered with 503 (every request is a first attempt here, so
        // two attempts mean "retry"); the sender owns the retries.
        .max_attempts(2)
        .subscribe(pings)
        .await
        .unwrap();
    tokio::spawn(worker.run());
    let sender = Http::webhook(&format!("http://{addr}")).with_retry(
        RetryPolicy::exponential(Duration::from_millis(10), Duration::from_millis(100))
            .max_attempts(4)
            .jitter(0.0),
    );
    (sender, receiver)
}

#[tokio::test]
async fn webhooks_deliver_in_binary_mode() {
    let pings = Pings::default();
    let (sender, _receiver) = pair(pings.clone()).await;
    let publisher = Publisher::new(sender);
    for n in 0..20 {
        publisher.publish("pings/a", Ping { n }).await.unwrap();
    }
    // Each publish returned after its 200: everything is there.
    assert_eq!(*pings.seen.lock().unwrap(), (0..20).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_failing_receiver_is_retried_until_it_takes_the_event() {
    let pings = Pings {
        fail_first: 2,
        ..Pings::default()
    };
    let (sender, _receiver) = pair(pings.clone()).await;
    Publisher::new(sender)
        .publish("pings/a", Ping { n: 9 })
        .await
        .unwrap();
    assert_eq!(*pings.seen.lock().unwrap(), [9]);
    assert_eq!(pings.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_invalid_event_is_refused_and_not_retried() {
    use tidings::transport::{RawMessage, Transport};
    let pings = Pings::default();
    let (sender, receiver) = pair(pings.clone()).await;
    let good = Publisher::new(sender.clone()).envelope(Ping { n: 1 });
    let (headers, _) = good.to_binary(sender.binding()).unwrap();
    let err = sender
        .publish(RawMessage {
            address: "pings/a".into(),
            key: None,
            headers,
            body: br#"{"n": 5000000}"#.to_vec(),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("422"), "{err}");
    let dead = receiver.dead_letters();
    assert_eq!(dead.len(), 1, "dead-lettered once, not retried");
    assert!(dead[0].reason.contains("/n"), "{}", dead[0].reason);
    assert!(pings.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_address_nobody_serves_is_a_final_404_and_a_dead_server_is_retried() {
    let (sender, _receiver) = pair(Pings::default()).await;
    let err = Publisher::new(sender)
        .publish("elsewhere/a", Ping { n: 1 })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");

    // Nothing listens there: every attempt fails to connect, then it gives up.
    let nobody = Http::webhook("http://127.0.0.1:9").with_retry(
        RetryPolicy::exponential(Duration::from_millis(5), Duration::from_millis(20))
            .max_attempts(3),
    );
    let err = Publisher::new(nobody)
        .publish("pings/a", Ping { n: 1 })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("attempt 3"), "{err}");
}
