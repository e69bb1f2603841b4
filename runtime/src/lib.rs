//! Runtime for tidings: the code that generated and hand-written event types link against.
//!
//! tidings turns an event spec (AsyncAPI) into plain Rust types. Those types, and types written
//! by hand in code-first projects, implement [`Event`], decode with [`decode_json`] into
//! [`DecodeError`]s that say where a payload went wrong, and are checked against the spec's
//! examples with [`testing::assert_round_trip`].
//!
//! Depend on this crate alone: it re-exports the derive macro ([`Event`](macro@Event), like
//! serde's `Serialize`) and the crates generated code names ([`serde`], [`serde_json`],
//! [`chrono`], [`uuid`]).
//!
//! # Features
//!
//! - `tokio` (default): the in-memory transport ([`memory`]) and the test bus
//!   ([`testing::TestBus`]), which run on tokio. Without it the crate validates, decodes,
//!   wraps envelopes, routes and publishes through any [`transport::Transport`], and pulls in
//!   no async runtime: `default-features = false` suits a crate that only checks generated
//!   types.
//! - `nats`, `amqp`, `kafka`, `redis`, `mqtt`, `http`: one broker transport each (in
//!   [`transport`], also at `tidings::nats` and so on); each turns on `tokio`.
//! - `postgres`: a PostgreSQL [`reliability::IdempotencyStore`]; turns on `tokio`.
//!
//! # Example
//!
//! ```
//! use tidings::{decode_json, DecodeError, Event};
//! use serde::{Deserialize, Serialize};
//!
//! /// An order was placed.
//! #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
//! #[serde(rename_all = "camelCase")]
//! #[event(type = "com.acme.order.created", version = "1.0.0", channel = "orders/{orderId}")]
//! struct OrderCreated {
//!     order_id: String,
//!     total_cents: u64,
//! }
//!
//! assert_eq!(OrderCreated::TYPE, "com.acme.order.created");
//! assert_eq!(OrderCreated::VERSION, Some("1.0.0"));
//! assert_eq!(OrderCreated::CONTENT_TYPE, "application/json");
//!
//! let order: OrderCreated = decode_json(br#"{"orderId": "o-1", "totalCents": 1250}"#)?;
//! assert_eq!(order.total_cents, 1250);
//!
//! // A payload of the wrong shape is an error that points into the payload.
//! let err = decode_json::<OrderCreated>(br#"{"orderId": "o-1", "totalCents": "lots"}"#)
//!     .unwrap_err();
//! assert!(matches!(&err, DecodeError::Shape { path, .. } if path == "/totalCents"));
//!
//! // The spec's examples survive a trip through the type.
//! tidings::testing::assert_round_trip::<OrderCreated>(
//!     &serde_json::json!({"orderId": "o-2", "totalCents": 99}),
//!     false,
//! );
//! # Ok::<(), DecodeError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Lets `#[derive(Event)]`, which names `::tidings`, expand inside this crate's own tests.
extern crate self as tidings;

pub mod address;
pub mod consume;
pub mod decode;
pub mod envelope;
pub mod error;
pub mod event;
pub mod observe;
pub mod publish;
pub mod reliability;
pub mod spec;
pub mod testing;
pub mod transport;
pub mod validate;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

// The paths these modules had before they were grouped, which users and generated code name.
pub use crate::consume as route;
#[cfg(feature = "postgres")]
pub use crate::reliability::postgres;
#[cfg(feature = "amqp")]
pub use crate::transport::amqp;
#[cfg(feature = "http")]
pub use crate::transport::http;
#[cfg(feature = "kafka")]
pub use crate::transport::kafka;
#[cfg(feature = "tokio")]
pub use crate::transport::memory;
#[cfg(feature = "mqtt")]
pub use crate::transport::mqtt;
#[cfg(feature = "nats")]
pub use crate::transport::nats;
#[cfg(feature = "redis")]
pub use crate::transport::redis;
pub use crate::validate::{checks, format, json, pattern, schema};

pub use crate::decode::{decode_event, decode_json, decode_valid};
pub use crate::envelope::Envelope;
pub use crate::error::DecodeError;
pub use crate::event::Event;
pub use crate::publish::{PublishError, Publisher};
pub use crate::route::{
    Consumer, Context, HandlerError, HandlerResult, Incoming, Outcome, Route, Worker,
};
pub use crate::validate::{Pointer, Validate, ValidationErrors, Violation};

// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
/// Derives [`Event`](trait@Event) from `#[event(type = "...", ...)]`; see the trait for the keys.
pub use tidings_macros::Event;
/// Derives [`Validate`](trait@Validate) from `#[validate(...)]` constraint attributes.
pub use tidings_macros::Validate;

// Crates that generated code names, so that users depend on tidings alone.
pub use chrono;
pub use serde;
pub use serde_json;
pub use uuid;
