//! Consuming typed events: the [`Route`] contract for routers and the [`Consumer`] loop.
//!
//! Generated routers implement [`Route`]; a [`Consumer`] feeds them deliveries and settles each
//! by its [`Outcome`].

mod consumer;
mod route;

pub use consumer::*;
pub use route::*;

/// Where a replaying consumer starts ([`Consumer::from`]).
pub use crate::transport::Position;
