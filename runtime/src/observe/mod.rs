//! Metrics of event flow, through the [`metrics`](https://docs.rs/metrics) facade, and the W3C
//! trace context events carry across brokers ([`trace`]).
//!
//! tidings records; the application chooses the exporter (Prometheus, StatsD, OpenTelemetry,
//! ...) by installing a `metrics` recorder. Without one every call here is a no-op.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `tidings_published_total` | counter | `event_type`, `transport` |
//! | `tidings_handled_total` | counter | `event_type`, `operation`, `transport` |
//! | `tidings_ignored_total` | counter | same |
//! | `tidings_retried_total` | counter | same |
//! | `tidings_dead_lettered_total` | counter | same |
//! | `tidings_duplicates_total` | counter | same (acked unhandled: the idempotency store had seen it) |
//! | `tidings_handle_seconds` | histogram | same: from taking a delivery to its outcome |
//! | `tidings_end_to_end_seconds` | histogram | same: from the event's `time` to its outcome |
//! | `tidings_in_flight` | gauge | `operation`, `transport`: deliveries being handled |
//!
//! A message that is not a readable CloudEvent has the `event_type` `(unreadable)`.
//!
//! Publishers and workers register their metrics with the recorder on first use (a worker
//! all five counters of an event type at once, so that each series starts at 0) and keep
//! the handles: install the recorder before they publish or handle.

pub mod trace;

pub use trace::TraceContext;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use metrics::{counter, gauge, histogram, Counter, Gauge, Histogram};

use crate::transport::{lock, Settlement};

/// `tidings_published_total`.
pub const PUBLISHED: &str = "tidings_published_total";
/// `tidings_handled_total`.
pub const HANDLED: &str = "tidings_handled_total";
/// `tidings_ignored_total`.
pub const IGNORED: &str = "tidings_ignored_total";
/// `tidings_retried_total`.
pub const RETRIED: &str = "tidings_retried_total";
/// `tidings_dead_lettered_total`.
pub const DEAD_LETTERED: &str = "tidings_dead_lettered_total";
/// `tidings_duplicates_total`.
pub const DUPLICATES: &str = "tidings_duplicates_total";
/// `tidings_handle_seconds`.
pub const HANDLE_SECONDS: &str = "tidings_handle_seconds";
/// `tidings_end_to_end_seconds`.
pub const END_TO_END_SECONDS: &str = "tidings_end_to_end_seconds";
/// `tidings_in_flight`.
pub const IN_FLIGHT: &str = "tidings_in_flight";

/// The `event_type` of a message that is not a readable CloudEvent.
pub const UNREADABLE: &str = "(unreadable)";

/// The `tidings_published_total` counters of a publisher (and its clones), by event type:
/// registered with the recorder at an event type's first publish, then incremented without
/// a lookup in the recorder or an allocation. A recorder installed after that does not see
/// them: install it before publishing.
#[derive(Clone, Default)]
pub(crate) struct Published(Arc<Mutex<HashMap<Box<str>, Counter>>>);

impl std::fmt::Debug for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Published")
    }
}

impl Published {
    /// One event of `event_type` published on `transport`.
    pub(crate) fn increment(&self, event_type: &str, transport: &'static str) {
        let mut counters = lock(&self.0);
        if let Some(counter) = counters.get(event_type) {
            counter.increment(1);
            return;
        }
        let counter =
            counter!(PUBLISHED, "event_type" => event_type.to_owned(), "transport" => transport);
        counter.increment(1);
        counters.insert(event_type.into(), counter);
    }
}

/// What ended a delivery, for its counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Handled,
    Ignored,
    Duplicate,
    /// Settled as the settlement says (retry or dead letter), else handled.
    Settled,
}

/// A worker's metrics: its in-flight gauge, and per event type its counters and histograms,
/// registered at the type's first delivery (every counter at once, so that each series
/// starts at 0) and then updated without a lookup in the recorder or an allocation.
pub(crate) struct WorkerMetrics {
    operation: &'static str,
    transport: &'static str,
    in_flight: Gauge,
    by_type: Mutex<HashMap<Box<str>, Arc<TypeMetrics>>>,
}

/// The metrics of one event type in one worker.
struct TypeMetrics {
    handled: Counter,
    ignored: Counter,
    retried: Counter,
    dead_lettered: Counter,
    duplicates: Counter,
    handle_seconds: Histogram,
    end_to_end_seconds: Histogram,
}

impl WorkerMetrics {
    pub(crate) fn new(operation: &'static str, transport: &'static str) -> Self {
        WorkerMetrics {
            operation,
            transport,
            in_flight: gauge!(IN_FLIGHT, "operation" => operation, "transport" => transport),
            by_type: Mutex::default(),
        }
    }

    fn of(&self, event_type: &str) -> Arc<TypeMetrics> {
        let mut by_type = lock(&self.by_type);
        if let Some(metrics) = by_type.get(event_type) {
            return metrics.clone();
        }
        let labels = [
            ("event_type", event_type.to_owned()),
            ("operation", self.operation.to_owned()),
            ("transport", self.transport.to_owned()),
        ];
        let metrics = Arc::new(TypeMetrics {
            handled: counter!(HANDLED, &labels),
            ignored: counter!(IGNORED, &labels),
            retried: counter!(RETRIED, &labels),
            dead_lettered: counter!(DEAD_LETTERED, &labels),
            duplicates: counter!(DUPLICATES, &labels),
            handle_seconds: histogram!(HANDLE_SECONDS, &labels),
            end_to_end_seconds: histogram!(END_TO_END_SECONDS, &labels),
        });
        by_type.insert(event_type.into(), metrics.clone());
        metrics
    }
}

/// One delivery being handled: in flight until dropped; [`Handled::end`] records how it ended.
pub(crate) struct Handled<'w> {
    metrics: &'w WorkerMetrics,
    started: Instant,
}

impl<'w> Handled<'w> {
    pub(crate) fn start(metrics: &'w WorkerMetrics) -> Self {
        metrics.in_flight.increment(1.0);
        Handled {
            metrics,
            started: Instant::now(),
        }
    }

    /// Records the delivery's ending (by `ending`, or by `settlement` for
    /// [`Ending::Settled`]), its handling time and, with the event's `time`, its end-to-end
    /// latency.
    pub(crate) fn end(
        &self,
        event_type: &str,
        ending: Ending,
        settlement: &Settlement,
        time: Option<DateTime<Utc>>,
    ) {
        let metrics = self.metrics.of(event_type);
        let counter = match (ending, settlement) {
            (Ending::Ignored, _) => &metrics.ignored,
            (Ending::Duplicate, _) => &metrics.duplicates,
            (_, Settlement::Retry { .. }) => &metrics.retried,
            (_, Settlement::DeadLetter { .. }) => &metrics.dead_lettered,
            (Ending::Handled | Ending::Settled, Settlement::Ack) => &metrics.handled,
        };
        counter.increment(1);
        metrics
            .handle_seconds
            .record(self.started.elapsed().as_secs_f64());
        if let Some(time) = time {
            let age = (Utc::now() - time).to_std().unwrap_or(Duration::ZERO);
            metrics.end_to_end_seconds.record(age.as_secs_f64());
        }
    }
}

impl Drop for Handled<'_> {
    fn drop(&mut self) {
        self.metrics.in_flight.decrement(1.0);
    }
}
