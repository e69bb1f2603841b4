//! Dead letters as an operator handles them: list them, look at one, send them back.
//!
//! Every broker transport keeps the messages a group gave up on (see each transport's module
//! for where) with why, on which attempt, in which group and when. [`DeadLetters`] reads them
//! back as the messages they were, and redrives them: publishes each to its original address
//! and, only once the broker has it, removes the dead letter, so that a letter is never lost
//! between the two (a crash in between leaves it redriven and still listed).

use std::future::Future;

use chrono::{DateTime, Utc};

use super::{RawMessage, Transport, TransportError};

/// The header with the reason a message was dead-lettered.
pub const REASON_HEADER: &str = "tidings-dlq-reason";
/// The header with the attempt on which it was.
pub const ATTEMPT_HEADER: &str = "tidings-dlq-attempt";
/// The header with the consumer group that gave up on it.
pub const GROUP_HEADER: &str = "tidings-dlq-group";
/// The header with when it was dead-lettered (RFC 3339).
pub const TIME_HEADER: &str = "tidings-dlq-time";

/// One dead letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// Where the broker keeps it: the dead-letter stream's sequence (NATS), entry id (Redis),
    /// `partition:offset` (Kafka), retained topic (MQTT), or the event id and group
    /// (RabbitMQ, whose queue has no other handle). What [`DeadLetters::redrive`] and the CLI
    /// select it by.
    pub key: String,
    /// The message as it was delivered: its address, key, headers and body (without the
    /// dead-letter headers).
    pub message: RawMessage,
    /// Why the group gave up on it.
    pub reason: String,
    /// The attempt on which it did.
    pub attempt: u32,
    /// The consumer group that did.
    pub group: String,
    /// When, where the broker or the dead letter says.
    pub time: Option<DateTime<Utc>>,
}

/// A transport whose dead letters can be listed and redriven.
pub trait DeadLetters: Transport {
    /// Every dead letter kept, oldest first.
    fn dead_letters(&self) -> impl Future<Output = Result<Vec<DeadLetter>, TransportError>> + Send;

    /// Publishes `letter` (as read by [`dead_letters`](Self::dead_letters)) to its original
    /// address and, once the broker has it, removes the dead letter. A letter that is no
    /// longer there (redriven by someone else) is an error, with nothing published.
    fn redrive(
        &self,
        letter: &DeadLetter,
    ) -> impl Future<Output = Result<(), TransportError>> + Send;
}

/// The dead-letter headers (reason, attempt, group and time) a buried message carries.
#[cfg(any(
    feature = "nats",
    feature = "amqp",
    feature = "mqtt",
    feature = "kafka"
))]
pub(crate) fn headers(reason: String, attempt: u32, group: String) -> [(&'static str, String); 4] {
    [
        (REASON_HEADER, reason),
        (ATTEMPT_HEADER, attempt.to_string()),
        (GROUP_HEADER, group),
        (
            TIME_HEADER,
            Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
    ]
}

/// Whether `name` is one of the dead-letter headers.
#[cfg(any(
    feature = "nats",
    feature = "amqp",
    feature = "mqtt",
    feature = "kafka"
))]
pub(crate) fn is_dead_letter_header(name: &str) -> bool {
    [REASON_HEADER, ATTEMPT_HEADER, GROUP_HEADER, TIME_HEADER]
        .iter()
        .any(|header| header.eq_ignore_ascii_case(name))
}

/// A dead letter of `message` whose headers still hold the dead-letter headers: those are
/// taken out and read (`time` when the headers have none).
#[cfg(any(
    feature = "nats",
    feature = "amqp",
    feature = "mqtt",
    feature = "kafka"
))]
pub(crate) fn from_headers(
    key: String,
    mut message: RawMessage,
    time: Option<DateTime<Utc>>,
) -> DeadLetter {
    let value = |name: &str| message.header(name).map(str::to_owned);
    let reason = value(REASON_HEADER).unwrap_or_default();
    let attempt = value(ATTEMPT_HEADER)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let group = value(GROUP_HEADER).unwrap_or_default();
    let time = value(TIME_HEADER)
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.to_utc())
        .or(time);
    message
        .headers
        .retain(|(name, _)| !is_dead_letter_header(name));
    DeadLetter {
        key,
        message,
        reason,
        attempt,
        group,
        time,
    }
}

/// `Ok` when `transport` still keeps `letter` (by its key), else the error a redrive of a
/// letter that is gone gives (`kept_in` names where it looked).
#[cfg(any(feature = "mqtt", feature = "kafka"))]
pub(crate) async fn still_kept<T: DeadLetters>(
    transport: &T,
    letter: &DeadLetter,
    kept_in: &str,
) -> Result<(), TransportError> {
    let letters = transport.dead_letters().await?;
    if letters.iter().any(|kept| kept.key == letter.key) {
        Ok(())
    } else {
        Err(TransportError::broker(format!(
            "no dead letter {} in {kept_in}",
            letter.key
        )))
    }
}
