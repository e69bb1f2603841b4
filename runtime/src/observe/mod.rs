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

pub mod trace;

pub use trace::TraceContext;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use metrics::{counter, gauge, histogram};

use crate::transport::Settlement;

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

/// One event published.
pub(crate) fn published(event_type: &str, transport: &'static str) {
    counter!(PUBLISHED, "event_type" => event_type.to_owned(), "transport" => transport)
        .increment(1);
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

/// One delivery being handled: in flight until dropped; [`Handled::end`] records how it ended.
pub(crate) struct Handled {
    operation: &'static str,
    transport: &'static str,
    started: Instant,
}

impl Handled {
    pub(crate) fn start(operation: &'static str, transport: &'static str) -> Handled {
        gauge!(IN_FLIGHT, "operation" => operation, "transport" => transport).increment(1.0);
        Handled {
            operation,
            transport,
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
        let labels = [
            ("event_type", event_type.to_owned()),
            ("operation", self.operation.to_owned()),
            ("transport", self.transport.to_owned()),
        ];
        let name = match (ending, settlement) {
            (Ending::Ignored, _) => IGNORED,
            (Ending::Duplicate, _) => DUPLICATES,
            (_, Settlement::Retry { .. }) => RETRIED,
            (_, Settlement::DeadLetter { .. }) => DEAD_LETTERED,
            (Ending::Handled | Ending::Settled, Settlement::Ack) => HANDLED,
        };
        counter!(name, &labels).increment(1);
        histogram!(HANDLE_SECONDS, &labels).record(self.started.elapsed().as_secs_f64());
        if let Some(time) = time {
            let age = (Utc::now() - time).to_std().unwrap_or(Duration::ZERO);
            histogram!(END_TO_END_SECONDS, &labels).record(age.as_secs_f64());
        }
    }
}

impl Drop for Handled {
    fn drop(&mut self) {
        gauge!(IN_FLIGHT, "operation" => self.operation, "transport" => self.transport)
            .decrement(1.0);
    }
}
