//! Dead letters announced as a spec's error event: published once the dead letter is kept,
//! caused by the failed event, with the reason, attempt, original type and id; a letter the
//! event type cannot describe is kept unannounced.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tidings::chrono::{DateTime, Utc};
use tidings::consume::{error_event_from_properties, DeadLettered, ErrorEvent, ErrorEventRole};
use tidings::memory::InMemory;
use tidings::transport::{RawMessage, Transport};
use tidings::{Consumer, Context, Envelope, Incoming, Outcome, Publisher, Route};

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.order.placed", source = "/shop")]
struct Placed {
    n: u32,
}

/// A spec's `system.error`, as the generator writes it.
#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "system.error", source = "/tidings")]
#[serde(rename_all = "camelCase")]
struct SystemError {
    #[validate(length(min = 1))]
    reason: String,
    attempt: u32,
    original_type: String,
    original_id: String,
    consumer_group: String,
    occurred_at: DateTime<Utc>,
}

impl ErrorEvent for SystemError {
    fn from_dead_letter(letter: &DeadLettered<'_>) -> Option<Self> {
        let names = [
            "reason",
            "attempt",
            "originalType",
            "originalId",
            "consumerGroup",
            "occurredAt",
        ];
        let properties: Vec<(&str, ErrorEventRole)> = names
            .iter()
            .map(|name| (*name, ErrorEventRole::of(name).expect("a known role")))
            .collect();
        error_event_from_properties(letter, &properties)
    }
}

/// Always fails order 3.
struct Orders;

impl Route for Orders {
    const OPERATION: &'static str = "orders";
    const ADDRESS: &'static str = "orders/{n}";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        match incoming.decode::<Placed>() {
            Ok(event) if event.data.n == 3 => Outcome::Retry("order 3 cannot ship".into()),
            Ok(_) => Outcome::Handled,
            Err(error) => Outcome::undecodable("com.acme.order.placed", error),
        }
    }
}

/// Records the error events.
#[derive(Clone, Default)]
struct Errors(Arc<Mutex<Vec<Envelope<SystemError>>>>);

impl Route for Errors {
    const OPERATION: &'static str = "errors";
    const ADDRESS: &'static str = "system/errors";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        match incoming.decode::<SystemError>() {
            Ok(event) => {
                self.0.lock().unwrap().push(event);
                Outcome::Handled
            }
            Err(error) => Outcome::undecodable("system.error", error),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_is_announced_by_the_error_event() {
    let bus = InMemory::new();
    let errors = Errors::default();
    let watcher = Consumer::new(bus.clone())
        .subscribe(errors.clone())
        .await
        .unwrap();
    tokio::spawn(watcher.run());
    let worker = Consumer::new(bus.clone())
        .retry(tidings::reliability::RetryPolicy::immediate().max_attempts(2))
        .error_events::<SystemError>("system/errors")
        .subscribe(Orders)
        .await
        .unwrap();
    tokio::spawn(worker.run());

    let publisher = Publisher::new(bus.clone());
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(
            publisher
                .publish(&format!("orders/{n}"), Placed { n })
                .await
                .unwrap(),
        );
    }
    // And a message that is no CloudEvent: dead-lettered, but `SystemError` needs the
    // original's type and id, so it is not announced.
    bus.publish(RawMessage {
        address: "orders/9".into(),
        body: b"not an event".to_vec(),
        ..RawMessage::default()
    })
    .await
    .unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while bus.dead_letters().len() < 2 || errors.0.lock().unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "two dead letters, one error event"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let announced = errors.0.lock().unwrap();
    assert_eq!(announced.len(), 1, "{announced:#?}");
    let error = &announced[0];
    let failed = &sent[3];
    assert_eq!(error.data.original_type, "com.acme.order.placed");
    assert_eq!(error.data.original_id, failed.id);
    assert_eq!(error.data.attempt, 2);
    assert_eq!(error.data.consumer_group, "orders");
    assert!(
        error.data.reason.contains("order 3 cannot ship"),
        "{error:#?}"
    );
    assert!((Utc::now() - error.data.occurred_at).num_seconds() < 10);
    // Caused by the failed event, in its flow and in its trace.
    assert_eq!(error.causation_id.as_deref(), Some(failed.id.as_str()));
    assert_eq!(error.correlation_id(), failed.correlation_id());
    assert_eq!(error.event_type, "system.error");
    let trace_id = |traceparent: &str| traceparent[3..35].to_owned();
    let letter = bus
        .dead_letters()
        .into_iter()
        .find(|letter| letter.message.address == "orders/3")
        .unwrap();
    let failed_trace = letter
        .message
        .headers
        .iter()
        .find(|(name, _)| name.ends_with("traceparent"))
        .map(|(_, value)| trace_id(value))
        .expect("the failed event carried a traceparent");
    assert_eq!(trace_id(&error.extensions["traceparent"]), failed_trace);
}

/// An error event whose original type and id are optional.
#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.failure", source = "/tidings")]
#[serde(rename_all = "camelCase")]
struct Failure {
    reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    original_id: Option<String>,
}

impl ErrorEvent for Failure {
    fn from_dead_letter(letter: &DeadLettered<'_>) -> Option<Self> {
        error_event_from_properties(
            letter,
            &[
                ("reason", ErrorEventRole::Reason),
                ("originalId", ErrorEventRole::Id),
            ],
        )
    }
}

#[test]
fn what_a_letter_does_not_know_is_left_out() {
    let letter = DeadLettered {
        event_type: None,
        id: None,
        source: None,
        address: "orders/9",
        group: "orders",
        operation: "orders",
        reason: "not a CloudEvent",
        attempt: 1,
        time: Utc::now(),
    };
    let failure = Failure::from_dead_letter(&letter).expect("the id is optional");
    assert_eq!(failure.original_id, None);
    assert_eq!(failure.reason, "not a CloudEvent");
    assert!(
        SystemError::from_dead_letter(&letter).is_none(),
        "a required original id cannot be left out"
    );
}

#[test]
fn roles_are_matched_by_name_whatever_the_case() {
    for (name, role) in [
        ("reason", ErrorEventRole::Reason),
        ("error_message", ErrorEventRole::Reason),
        ("original-type", ErrorEventRole::EventType),
        ("EventId", ErrorEventRole::Id),
        ("consumer_group", ErrorEventRole::Group),
        ("deliveryAttempt", ErrorEventRole::Attempt),
        ("timestamp", ErrorEventRole::Time),
    ] {
        assert_eq!(ErrorEventRole::of(name), Some(role), "{name}");
    }
    assert_eq!(
        ErrorEventRole::of("id"),
        None,
        "the error event's own id is not the original's"
    );
}

/// An error event whose schema asks for more than a dead letter says.
#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.ops.alert", source = "/ops")]
struct Alert {
    summary: String,
    severity: String,
}

/// Records the alerts.
#[derive(Clone, Default)]
struct Alerts(Arc<Mutex<Vec<Envelope<Alert>>>>);

impl Route for Alerts {
    const OPERATION: &'static str = "alerts";
    const ADDRESS: &'static str = "ops/alerts";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        match incoming.decode::<Alert>() {
            Ok(event) => {
                self.0.lock().unwrap().push(event);
                Outcome::Handled
            }
            Err(error) => Outcome::undecodable("com.acme.ops.alert", error),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_event_can_be_built_by_hand() {
    let bus = InMemory::new();
    let alerts = Alerts::default();
    let watcher = Consumer::new(bus.clone())
        .subscribe(alerts.clone())
        .await
        .unwrap();
    tokio::spawn(watcher.run());
    let worker = Consumer::new(bus.clone())
        .max_attempts(1)
        .error_events_with("ops/alerts", |letter: &DeadLettered<'_>| {
            Some(Alert {
                summary: format!(
                    "{} gave up on {} after {} attempt(s): {}",
                    letter.group, letter.event_type?, letter.attempt, letter.reason
                ),
                severity: "high".into(),
            })
        })
        .subscribe(Orders)
        .await
        .unwrap();
    tokio::spawn(worker.run());
    Publisher::new(bus.clone())
        .publish("orders/3", Placed { n: 3 })
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while alerts.0.lock().unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "an alert");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let alerts = alerts.0.lock().unwrap();
    assert!(
        alerts[0]
            .data
            .summary
            .starts_with("orders gave up on com.acme.order.placed after 1 attempt(s): order 3"),
        "{:?}",
        alerts[0].data
    );
}
