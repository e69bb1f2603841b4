//! Benchmark: what tidings' tracing spans and metrics cost, against the same flow without a
//! subscriber or recorder, in one run.
//!
//! Three configurations, each on a current-thread runtime (one core), with a subscriber and
//! a recorder installed for that thread only:
//!
//! - **off**: no `tracing` subscriber, no `metrics` recorder (every span and every metric is
//!   a no-op check);
//! - **INFO spans + metrics**: a `tracing_subscriber` registry with a layer that reads every
//!   span's fields (as an exporter does), at INFO (the `publish` and `process` spans), and the
//!   Prometheus exporter's recorder (`metrics-exporter-prometheus`), rendered once per round;
//! - **DEBUG spans + metrics**: the same at DEBUG (`handle` and `settle` spans too);
//! - **metrics alone**: the recorder alone.
//!
//! Two flows:
//!
//! - **bus**: publish → in-memory queue → worker → handler, saturated (events/s);
//! - **NATS publish** (when the local server is up): sequential `Publisher::publish` calls,
//!   each waiting for the JetStream acknowledgement.
//!
//! Rounds alternate the configurations (the order rotating); the bench prints the median
//! rate of each and the median per-round ratio to **off**, which cancels the machine's drift.
//!
//! Run: `cargo bench -p tidings --features nats --bench observe` (or `cargo xtask bench
//! observe`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tidings::memory::InMemory;
use tidings::transport::Transport;
use tidings::{Consumer, Context, Incoming, Outcome, Publisher, Route};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};

#[derive(Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.parcel.scanned", version = "1.0.0", source = "/depot")]
struct ParcelScanned {
    #[validate(pattern = "^P-[0-9]{6}$")]
    parcel_id: String,
    #[validate(minimum = 1, maximum = 70000)]
    weight_grams: u32,
}

#[derive(Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl Route for Counter {
    const OPERATION: &'static str = "bench";
    const ADDRESS: &'static str = "bench/{id}";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        match incoming.decode::<ParcelScanned>() {
            Ok(_) => {
                self.0.fetch_add(1, Ordering::Relaxed);
                Outcome::Handled
            }
            Err(error) => Outcome::undecodable("com.acme.parcel.scanned", error),
        }
    }
}

/// Reads every field of every span, as an exporter does (into a reused buffer).
struct Reader;

struct Sink(u64);

impl Visit for Sink {
    fn record_str(&mut self, _: &Field, value: &str) {
        self.0 = self.0.wrapping_add(value.len() as u64);
    }

    fn record_u64(&mut self, _: &Field, value: u64) {
        self.0 = self.0.wrapping_add(value);
    }

    fn record_i64(&mut self, _: &Field, value: i64) {
        self.0 = self.0.wrapping_add(value as u64);
    }

    fn record_bool(&mut self, _: &Field, value: bool) {
        self.0 = self.0.wrapping_add(u64::from(value));
    }

    fn record_debug(&mut self, _: &Field, value: &dyn std::fmt::Debug) {
        self.0 = self.0.wrapping_add(format!("{value:?}").len() as u64);
    }
}

impl<S: tracing::Subscriber> Layer<S> for Reader {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: LayerContext<'_, S>) {
        let mut sink = Sink(0);
        attrs.record(&mut sink);
        std::hint::black_box(sink.0);
    }

    fn on_record(&self, _: &Id, values: &Record<'_>, _: LayerContext<'_, S>) {
        let mut sink = Sink(0);
        values.record(&mut sink);
        std::hint::black_box(sink.0);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    Off,
    /// INFO spans (publish, process) and metrics: a production subscriber's level.
    On,
    /// Every span (handle and settle are DEBUG) and metrics.
    Debug,
    MetricsOnly,
}

const SETUPS: [Setup; 4] = [Setup::Off, Setup::On, Setup::Debug, Setup::MetricsOnly];

impl Setup {
    fn name(self) -> &'static str {
        match self {
            Setup::Off => "off",
            Setup::On => "INFO spans + metrics",
            Setup::Debug => "DEBUG spans + metrics",
            Setup::MetricsOnly => "metrics alone",
        }
    }

    /// Runs `work` on a new current-thread runtime with this setup's subscriber and recorder.
    fn run<T>(self, work: impl std::future::Future<Output = T>) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let out = match self {
            Setup::Off => runtime.block_on(work),
            Setup::On | Setup::Debug => {
                let level = if self == Setup::On {
                    tracing_subscriber::filter::LevelFilter::INFO
                } else {
                    tracing_subscriber::filter::LevelFilter::DEBUG
                };
                let subscriber = tracing_subscriber::registry().with(Reader.with_filter(level));
                tracing::subscriber::with_default(subscriber, || {
                    metrics::with_local_recorder(&recorder, || runtime.block_on(work))
                })
            }
            Setup::MetricsOnly => {
                metrics::with_local_recorder(&recorder, || runtime.block_on(work))
            }
        };
        if self != Setup::Off {
            // What a scrape costs is the exporter's; render once so that the work is real.
            assert!(handle.render().contains("tidings_published_total"));
        }
        out
    }
}

/// Publishes `count` events through the in-memory bus to a worker; events/s.
async fn bus(count: u64) -> f64 {
    let bus = InMemory::new();
    let counter = Counter::default();
    let worker = Consumer::new(bus.clone())
        .subscribe(counter.clone())
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
    let publisher = Publisher::new(bus.clone());
    let started = Instant::now();
    publish(&publisher, count).await;
    while counter.0.load(Ordering::Relaxed) < count {
        tokio::task::yield_now().await;
    }
    let rate = count as f64 / started.elapsed().as_secs_f64();
    running.abort();
    rate
}

/// Publishes `count` events, one after the other.
async fn publish(publisher: &Publisher, count: u64) {
    for i in 0..count {
        let event = ParcelScanned {
            parcel_id: format!("P-{:06}", i % 1_000_000),
            weight_grams: 1 + (i % 70_000) as u32,
        };
        publisher
            .publish(&format!("bench/{}", i % 64), event)
            .await
            .unwrap();
    }
}

/// Publishes `count` events to NATS one after the other; events/s.
async fn nats_publish<T: Transport>(transport: T, count: u64) -> f64 {
    let publisher = Publisher::new(transport);
    let started = Instant::now();
    publish(&publisher, count).await;
    count as f64 / started.elapsed().as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs `rounds` rounds of every setup (the first round a warm-up), printing the median rate
/// of each and the median ratio to `off` within a round.
fn compare(what: &str, rounds: usize, mut measure: impl FnMut(Setup) -> f64) {
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); SETUPS.len()];
    for round in 0..=rounds {
        let mut this = [0.0; SETUPS.len()];
        for k in 0..SETUPS.len() {
            let index = (round + k) % SETUPS.len();
            this[index] = measure(SETUPS[index]);
        }
        if round > 0 {
            for (index, rate) in this.iter().enumerate() {
                rates[index].push(*rate);
            }
        }
    }
    println!("\n{what} ({rounds} rounds, events/s, median):");
    let off = rates[0].clone();
    for (index, setup) in SETUPS.iter().enumerate() {
        let mut ratios: Vec<f64> = rates[index]
            .iter()
            .zip(&off)
            .map(|(rate, off)| rate / off)
            .collect();
        let rate = median(&mut rates[index].clone());
        let ratio = median(&mut ratios);
        println!(
            "  {:<24} {:>10.0}   {:.3}× off   (overhead {:+.1}%)",
            setup.name(),
            rate,
            ratio,
            (1.0 / ratio - 1.0) * 100.0
        );
    }
}

fn main() {
    compare(
        "bus: publish → in-memory queue → worker → handler",
        9,
        |setup| setup.run(bus(50_000)),
    );
    const NATS: &str = "nats://127.0.0.1:4222";
    let stream = format!("BENCH_OBSERVE_{}", std::process::id());
    let options = tidings::nats::NatsOptions {
        stream: stream.clone(),
        prefix: format!("bench_observe_{}", std::process::id()),
        ..Default::default()
    };
    let probe = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let up = probe
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(3),
                tidings::nats::Nats::connect_with(NATS, options.clone()),
            )
            .await
        })
        .is_ok_and(|connected| connected.is_ok());
    if !up {
        println!("\nNATS publish: skipped, no server at {NATS}");
        return;
    }
    compare(
        "NATS publish: one at a time, each acknowledged",
        9,
        |setup| {
            let options = options.clone();
            setup.run(async move {
                let nats = tidings::nats::Nats::connect_with(NATS, options)
                    .await
                    .unwrap();
                nats_publish(nats, 5_000).await
            })
        },
    );
    probe.block_on(async {
        let nats = tidings::nats::Nats::connect_with(NATS, options)
            .await
            .unwrap();
        let _ = nats.jetstream().delete_stream(&stream).await;
        let _ = nats
            .jetstream()
            .delete_stream(format!("{stream}_DLQ"))
            .await;
    });
}
