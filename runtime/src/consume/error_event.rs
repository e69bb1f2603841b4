//! Dead letters announced as events: a spec's `system.error` (or any message marked
//! `x-tidings-error-event: true`) published for every delivery a worker gives up on.
//!
//! The dead letter itself is kept as always; the error event is a notification on top,
//! published once the dead letter is kept, caused by the event that failed (same correlation
//! id, its id as causation id). A failure to publish it is logged, not retried.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::{Event, Validate};

/// A delivery a worker gave up on, as an error event describes it.
#[derive(Clone, Copy, Debug)]
pub struct DeadLettered<'a> {
    /// The CloudEvents type of the failed event (`None` when it was no readable CloudEvent).
    pub event_type: Option<&'a str>,
    /// Its id.
    pub id: Option<&'a str>,
    /// Its source.
    pub source: Option<&'a str>,
    /// The address it was delivered from.
    pub address: &'a str,
    /// The consumer group that gave up.
    pub group: &'a str,
    /// The operation (router) that handled it.
    pub operation: &'static str,
    /// Why it was given up on.
    pub reason: &'a str,
    /// On which attempt.
    pub attempt: u32,
    /// When.
    pub time: DateTime<Utc>,
}

/// An event that announces dead letters ([`Consumer::error_events`](crate::Consumer::error_events)).
///
/// The code generator implements it for a spec's error message (one of type `system.error`,
/// or marked `x-tidings-error-event: true`), filling the payload's properties by their
/// names: `reason`/`error`/`message`, `originalType`/`eventType`, `originalId`/`eventId`,
/// `source`, `address`/`channel`, `group`, `operation`, `attempt`, `time`/`timestamp`
/// (matched without regard to case, `_` or `-`).
pub trait ErrorEvent: Event + Validate + Send + Sync + Sized + 'static {
    /// The event for `letter`; `None` when it cannot carry it (a required property has no
    /// counterpart, or the result breaks the schema).
    fn from_dead_letter(letter: &DeadLettered<'_>) -> Option<Self>;
}

/// What a payload property of an error event carries.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Reason,
    EventType,
    Id,
    Source,
    Address,
    Group,
    Operation,
    Attempt,
    Time,
}

impl Role {
    /// The role of a property called `name`, if any.
    #[doc(hidden)]
    pub fn of(name: &str) -> Option<Role> {
        let key: String = name
            .chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match key.as_str() {
            "reason" | "error" | "message" | "errormessage" | "cause" => Role::Reason,
            "originaltype" | "eventtype" | "originaleventtype" | "failedtype" => Role::EventType,
            "originalid" | "eventid" | "originaleventid" | "failedid" => Role::Id,
            "source" | "originalsource" | "eventsource" => Role::Source,
            "address" | "channel" | "subject" | "topic" | "destination" => Role::Address,
            "group" | "consumergroup" => Role::Group,
            "operation" | "handler" => Role::Operation,
            "attempt" | "attempts" | "attemptcount" | "deliveryattempt" => Role::Attempt,
            "time" | "timestamp" | "occurredat" | "failedat" | "deadletteredat" => Role::Time,
            _ => return None,
        })
    }
}

/// `E` with each of `properties` (wire name, role) filled from `letter`, if it reads as `E`
/// and is valid: what generated [`ErrorEvent`] impls call.
#[doc(hidden)]
pub fn from_properties<E: ErrorEvent>(
    letter: &DeadLettered<'_>,
    properties: &[(&str, Role)],
) -> Option<E> {
    let mut object = Map::new();
    for (name, role) in properties {
        // What the letter does not know (the type, id and source of a message that was no
        // readable CloudEvent) is left out: the schema says whether that will do.
        let value = match role {
            Role::Reason => Value::from(letter.reason),
            Role::EventType => match letter.event_type {
                Some(event_type) => Value::from(event_type),
                None => continue,
            },
            Role::Id => match letter.id {
                Some(id) => Value::from(id),
                None => continue,
            },
            Role::Source => match letter.source {
                Some(source) => Value::from(source),
                None => continue,
            },
            Role::Address => Value::from(letter.address),
            Role::Group => Value::from(letter.group),
            Role::Operation => Value::from(letter.operation),
            Role::Attempt => Value::from(letter.attempt),
            Role::Time => Value::from(
                letter
                    .time
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
        };
        object.insert((*name).to_owned(), value);
    }
    let event: E = serde_json::from_value(Value::Object(object)).ok()?;
    event.validate().ok()?;
    Some(event)
}
