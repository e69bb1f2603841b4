//! Metrics of event flow, recorded through the `metrics` facade: on the in-memory bus, what a
//! test recorder counts matches what was published, handled, ignored, retried and
//! dead-lettered, with the event type, operation and transport as labels.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::MetricKind;
use serde::{Deserialize, Serialize};
use tidings::memory::InMemory;
use tidings::observe;
use tidings::reliability::RetryPolicy;
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.good", source = "/tests")]
struct Good {
    n: u32,
}

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.flaky", source = "/tests")]
struct Flaky {
    n: u32,
}

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.stranger", source = "/tests")]
struct Stranger {
    n: u32,
}

/// Handles `Good`, always fails `Flaky`, knows nothing of `Stranger`.
#[derive(Clone, Default)]
struct Router {
    calls: Arc<AtomicU32>,
}

impl Route for Router {
    const OPERATION: &'static str = "work";
    const ADDRESS: &'static str = "work/{n}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match incoming.event_type() {
            "com.acme.good" => match incoming.decode::<Good>() {
                Ok(event) => good(event, ctx).await.into(),
                Err(error) => Outcome::undecodable("com.acme.good", error),
            },
            "com.acme.flaky" => Outcome::Retry("always fails".into()),
            other => Outcome::unknown(other),
        }
    }
}

async fn good(_event: Envelope<Good>, _ctx: &Context<'_>) -> HandlerResult {
    Ok(())
}

/// Every metric seen so far, by name and sorted labels: counters summed and histograms'
/// samples gathered over the snapshots (each drains them), gauges at their last value.
#[derive(Default)]
struct Seen {
    values: HashMap<Id, f64>,
    samples: HashMap<Id, Vec<f64>>,
}

/// A metric: its name and its labels, sorted.
type Id = (String, Vec<(String, String)>);

impl Seen {
    fn take(&mut self, snapshotter: &Snapshotter) {
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            let (kind, key) = key.into_parts();
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            let id = (key.name().to_owned(), labels);
            match (kind, value) {
                (MetricKind::Counter, DebugValue::Counter(n)) => {
                    *self.values.entry(id).or_default() += n as f64;
                }
                (MetricKind::Gauge, DebugValue::Gauge(g)) => {
                    self.values.insert(id, g.into_inner());
                }
                (MetricKind::Histogram, DebugValue::Histogram(samples)) => {
                    self.samples
                        .entry(id)
                        .or_default()
                        .extend(samples.into_iter().map(|s| s.into_inner()));
                }
                _ => {}
            }
        }
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        self.values
            .get(&(name.to_owned(), labels))
            .copied()
            .unwrap_or(0.0)
    }

    fn samples(&self, name: &str, labels: &[(&str, &str)]) -> usize {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        self.samples
            .get(&(name.to_owned(), labels))
            .map_or(0, Vec::len)
    }
}

#[tokio::test]
async fn counters_match_what_was_published_handled_retried_and_dead_lettered() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this test binary");

    let bus = InMemory::new();
    let router = Router::default();
    let worker = Consumer::new(bus.clone())
        .retry(
            RetryPolicy::exponential(Duration::from_millis(1), Duration::from_millis(5))
                .max_attempts(3)
                .jitter(0.0),
        )
        .subscribe(router.clone())
        .await
        .unwrap();
    tokio::spawn(worker.run());
    let publisher = Publisher::new(bus.clone());
    for n in 0..5 {
        publisher
            .publish(&format!("work/{n}"), Good { n })
            .await
            .unwrap();
    }
    for n in 0..2 {
        publisher
            .publish(&format!("work/f{n}"), Flaky { n })
            .await
            .unwrap();
    }
    publisher
        .publish("work/s", Stranger { n: 0 })
        .await
        .unwrap();

    // 5 handled, 1 ignored, 2 × 3 attempts of the flaky ones.
    let expected_calls = 5 + 1 + 2 * 3;
    let mut seen = Seen::default();
    for _ in 0..500 {
        seen.take(&snapshotter);
        let dead = seen.value(
            observe::DEAD_LETTERED,
            &[
                ("event_type", "com.acme.flaky"),
                ("operation", "work"),
                ("transport", "memory"),
            ],
        );
        if router.calls.load(Ordering::SeqCst) >= expected_calls && dead >= 2.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    seen.take(&snapshotter);
    let handled = |event_type| {
        [
            ("event_type", event_type),
            ("operation", "work"),
            ("transport", "memory"),
        ]
    };
    for (event_type, count) in [
        ("com.acme.good", 5.0),
        ("com.acme.flaky", 2.0),
        ("com.acme.stranger", 1.0),
    ] {
        let labels = [("event_type", event_type), ("transport", "memory")];
        assert_eq!(
            seen.value(observe::PUBLISHED, &labels),
            count,
            "{event_type}"
        );
    }
    assert_eq!(seen.value(observe::HANDLED, &handled("com.acme.good")), 5.0);
    assert_eq!(
        seen.value(observe::IGNORED, &handled("com.acme.stranger")),
        1.0
    );
    assert_eq!(
        seen.value(observe::RETRIED, &handled("com.acme.flaky")),
        4.0,
        "2 retries each"
    );
    assert_eq!(
        seen.value(observe::DEAD_LETTERED, &handled("com.acme.flaky")),
        2.0
    );
    assert_eq!(
        seen.value(observe::HANDLED, &handled("com.acme.flaky")),
        0.0
    );
    // A latency for every attempt; end to end too, since events carry their time.
    assert_eq!(
        seen.samples(observe::HANDLE_SECONDS, &handled("com.acme.good")),
        5
    );
    assert_eq!(
        seen.samples(observe::HANDLE_SECONDS, &handled("com.acme.flaky")),
        6
    );
    assert_eq!(
        seen.samples(observe::END_TO_END_SECONDS, &handled("com.acme.good")),
        5
    );
    // Nothing left in flight.
    let in_flight = [("operation", "work"), ("transport", "memory")];
    assert_eq!(seen.value(observe::IN_FLIGHT, &in_flight), 0.0);
}
