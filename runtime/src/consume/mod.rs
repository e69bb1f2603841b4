//! Consuming typed events: the [`Route`] contract generated routers implement, and the
//! [`Consumer`] loop that feeds them deliveries and settles each by its [`Outcome`].

mod consumer;
mod route;

pub use consumer::*;
pub use route::*;
