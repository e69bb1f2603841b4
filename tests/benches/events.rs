//! Throughput and latency of typed events on the in-memory bus, on one core.
//!
//! 1. **Router**: decode + validate + dispatch of a delivered message (binary mode) through a
//!    router to a handler, against the floor of `decode_valid` on the data alone (measured in
//!    the same run, interleaved). The goal: at least 500,000 small events/s.
//! 2. **Bus**: publish → in-memory queue → router → handler, one producer and one consumer on
//!    a current-thread runtime (one core): events/s when saturated, and latency percentiles
//!    (publish call to handler) when paced at the seeds' 10,000 events/s.
//!
//! Run: `cargo bench -p tidings-tests --bench events` (or `cargo xtask bench events`).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tidings::envelope::Envelope;
use tidings::memory::InMemory;
use tidings::transport::{Delivered, RawMessage};
use tidings::{Context, Event, HandlerResult, Incoming, Outcome, Publisher, Route, Validate};
use tidings_tests::orders;

/// A small event with a few constraints, as a code-first service would write it.
#[derive(Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.parcel.scanned", version = "1.0.0", source = "/depot")]
struct ParcelScanned {
    #[validate(pattern = "^P-[0-9]{6}$")]
    parcel_id: String,
    #[validate(minimum = 1, maximum = 70000)]
    weight_grams: u32,
    #[validate(length(min = 2, max = 2))]
    depot: String,
}

/// Counts what it handles, and records when (for latency).
#[derive(Clone, Default)]
struct Counter {
    handled: Arc<AtomicU64>,
    latencies: Option<Arc<Mutex<Vec<Duration>>>>,
    origin: Option<Instant>,
}

impl Counter {
    fn record(&self, sent_at_nanos: Option<u64>) {
        self.handled.fetch_add(1, Ordering::Relaxed);
        if let (Some(latencies), Some(origin), Some(sent)) =
            (&self.latencies, self.origin, sent_at_nanos)
        {
            let now = origin.elapsed().as_nanos() as u64;
            let mut l = latencies.lock().unwrap();
            l.push(Duration::from_nanos(now.saturating_sub(sent)));
        }
    }
}

/// A router for one event type, like the generated ones.
struct Router<E>(Counter, std::marker::PhantomData<fn() -> E>);

impl<E: Event + Validate + Send + 'static> Route for Router<E> {
    const OPERATION: &'static str = "bench";
    const ADDRESS: &'static str = "bench/{id}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        if incoming.event_type() != E::TYPE {
            return Outcome::unknown(incoming.event_type());
        }
        let sent = incoming
            .context()
            .extensions
            .get("benchsent")
            .and_then(|s| s.parse().ok());
        match incoming.decode::<E>() {
            Ok(event) => handle(&self.0, event, ctx, sent).await.into(),
            Err(error) => Outcome::undecodable(E::TYPE, error),
        }
    }
}

async fn handle<E>(
    counter: &Counter,
    event: Envelope<E>,
    _ctx: &Context<'_>,
    sent: Option<u64>,
) -> HandlerResult {
    black_box(&event.data);
    counter.record(sent);
    Ok(())
}

fn small_event(n: u32) -> ParcelScanned {
    ParcelScanned {
        parcel_id: format!("P-{:06}", n % 1_000_000),
        weight_grams: 1 + n % 60_000,
        depot: "LN".into(),
    }
}

fn order_cancelled() -> orders::OrderCancelled {
    serde_json::from_value(serde_json::json!({
        "id": "55555555-6666-4777-8888-999999999999",
        "type": "com.acme.order.cancelled",
        "timestamp": "2025-03-02T09:00:07Z",
        "version": "1.0.0",
        "source": "order-saga",
        "correlationId": "5e4d3c2b-1a0f-4e9d-8c7b-6a5948372615",
        "causationId": "77777777-8888-4999-8aaa-bbbbbbbbbbbb",
        "metadata": {},
        "data": {
            "orderId": "9b8a7c6d-5e4f-4321-a0b9-c8d7e6f5a4b3",
            "reason": "payment_failed",
            "cancelledBy": null,
            "cancelledAt": "2025-03-02T09:00:07Z",
            "note": null
        }
    }))
    .expect("the example fits")
}

fn delivered<E: Event>(data: E) -> Delivered {
    let envelope = Publisher::new(InMemory::new()).envelope(data);
    let (headers, body) = envelope.to_binary(tidings::memory::BINDING).unwrap();
    Delivered {
        message: RawMessage {
            address: "bench/1".into(),
            key: None,
            headers,
            body,
        },
        attempt: 1,
    }
}

/// Median events/s of `router` on `message` and of `decode_valid::<E>` on its body,
/// interleaved in batches.
fn router_rate<E: Event + Validate + Send + 'static>(message: &Delivered) -> (f64, f64, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let counter = Counter::default();
    let router = Router::<E>(counter.clone(), std::marker::PhantomData);
    let publisher = Publisher::new(InMemory::new());
    let binding = tidings::memory::BINDING;
    let batch = 20_000;
    let (mut routed, mut floor) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(4) || routed.len() < 9 {
        let t = Instant::now();
        runtime.block_on(async {
            for _ in 0..batch {
                let outcome = tidings::route::process(&router, binding, message, &publisher).await;
                debug_assert_eq!(outcome, Outcome::Handled);
                black_box(outcome);
            }
        });
        routed.push(batch as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        for _ in 0..batch {
            black_box(tidings::decode_valid::<E>(black_box(&message.message.body)).unwrap());
        }
        floor.push(batch as f64 / t.elapsed().as_secs_f64());
    }
    assert!(counter.handled.load(Ordering::Relaxed) > 0);
    (median(routed), median(floor), message.message.body.len())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Publishes `count` small events through the bus to a router on one core; `pace` spaces
/// them out. Returns events/s (publish of the first to handling of the last) and latencies.
fn bus_run(count: u32, pace: Option<Duration>) -> (f64, Vec<Duration>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let bus = InMemory::new();
        let origin = Instant::now();
        let latencies = Arc::new(Mutex::new(Vec::with_capacity(count as usize)));
        let counter = Counter {
            handled: Arc::new(AtomicU64::new(0)),
            latencies: Some(latencies.clone()),
            origin: Some(origin),
        };
        let worker = tidings::Consumer::new(bus.clone())
            .subscribe(Router::<ParcelScanned>(
                counter.clone(),
                std::marker::PhantomData,
            ))
            .await
            .unwrap();
        let consumer = tokio::spawn(worker.run());
        let publisher = Publisher::new(bus.clone());
        let start = Instant::now();
        let mut next = tokio::time::Instant::now();
        for n in 0..count {
            if let Some(pace) = pace {
                next += pace;
                tokio::time::sleep_until(next).await;
            }
            let mut envelope = publisher.envelope(small_event(n));
            envelope.extensions.insert(
                "benchsent".into(),
                (origin.elapsed().as_nanos() as u64).to_string(),
            );
            publisher.send("bench/1", &envelope).await.unwrap();
        }
        while counter.handled.load(Ordering::Relaxed) < u64::from(count) {
            tokio::task::yield_now().await;
        }
        let rate = f64::from(count) / start.elapsed().as_secs_f64();
        bus.close();
        consumer.await.unwrap().unwrap();
        let mut l = latencies.lock().unwrap().clone();
        l.sort();
        (rate, l)
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("router: decode + validate + dispatch of a delivered binary-mode message");
    println!(
        "{:<34} {:>7} {:>14} {:>14} {:>8}",
        "event", "bytes", "routed/s", "floor/s", "ratio"
    );
    let rows = [
        (
            "small (ParcelScanned, code-first)",
            router_rate::<ParcelScanned>(&delivered(small_event(7))),
        ),
        (
            "orders OrderCancelled (generated)",
            router_rate::<orders::OrderCancelled>(&delivered(order_cancelled())),
        ),
    ];
    for (name, (routed, floor, bytes)) in rows {
        println!(
            "{name:<34} {bytes:>7} {routed:>14.0} {floor:>14.0} {:>7.2}x",
            floor / routed
        );
    }
    println!("  floor = decode_valid of the data alone; ratio = floor / routed (time per event)");

    println!("\nbus: publish → in-memory queue → router → handler, one core");
    let (rate, latencies) = bus_run(200_000, None);
    println!(
        "saturated: {rate:>10.0} events/s   latency p50 {:?}  p95 {:?}  p99 {:?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99)
    );
    let (rate, latencies) = bus_run(20_000, Some(Duration::from_micros(100)));
    println!(
        "paced 10k/s: {rate:>8.0} events/s   latency p50 {:?}  p95 {:?}  p99 {:?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99)
    );
    println!("  seeds' targets: 10,000 events/s, p95 < 100 ms");
}
