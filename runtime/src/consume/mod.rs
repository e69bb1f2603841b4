//! Consuming typed events: the [`Route`] contract for routers and the [`Consumer`] loop.
//!
//! Generated routers implement [`Route`]; a [`Consumer`] feeds them deliveries and settles each
//! by its [`Outcome`].

mod consumer;
mod error_event;
mod route;

pub use consumer::*;
pub use error_event::{DeadLettered, ErrorEvent};
pub use route::*;

#[doc(hidden)]
pub use error_event::{from_properties as error_event_from_properties, Role as ErrorEventRole};

/// Where a replaying consumer starts ([`Consumer::from`]).
pub use crate::transport::Position;
