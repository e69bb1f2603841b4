//! The routing contract: [`Route`], what a delivery becomes ([`Outcome`]) and its dispatch.
//!
//! Raw deliveries are decoded (either CloudEvents mode), validated, upcast to the newest
//! version and dispatched to a handler; whatever goes wrong becomes an [`Outcome`], never a
//! panic. Generated code writes, per receive operation, a handler trait (one async method per
//! message) and a router implementing [`Route`] over it.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::task::Poll;

use crate::envelope::{Binding, Envelope, Headers};
use crate::publish::{Publisher, STRUCTURED_CONTENT_TYPE};
use crate::reliability::RetryPolicy;
use crate::transport::{Delivered, RawMessage};
use crate::{DecodeError, Event, Validate};

/// What became of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A handler took it.
    Handled,
    /// Nothing here handles it (an event type this operation does not receive).
    Ignored(String),
    /// It may succeed later: deliver it again.
    Retry(String),
    /// It can never succeed (malformed, invalid, or refused by its handler): set it aside.
    DeadLetter(String),
}

impl Outcome {
    /// The outcome of an event type that no handler of the router takes.
    pub fn unknown(event_type: &str) -> Self {
        Outcome::Ignored(format!("no handler for the event type `{event_type}`"))
    }

    /// The outcome of data that could not be decoded or broke the spec's constraints.
    pub fn undecodable(event_type: &str, error: DecodeError) -> Self {
        Outcome::DeadLetter(format!("`{event_type}` could not be decoded: {error}"))
    }
}

impl From<HandlerResult> for Outcome {
    fn from(result: HandlerResult) -> Self {
        match result {
            Ok(()) => Outcome::Handled,
            Err(HandlerError { retry: true, error }) => Outcome::Retry(error.to_string()),
            Err(HandlerError {
                retry: false,
                error,
            }) => Outcome::DeadLetter(format!("the handler refused it: {error}")),
        }
    }
}

/// What handlers return.
pub type HandlerResult = Result<(), HandlerError>;

/// A handler's failure: worth retrying (the default, which `?` gives) or not.
///
/// ```
/// use tidings::HandlerError;
///
/// fn parse(text: &str) -> Result<u32, HandlerError> {
///     // `?` turns any error into a retryable failure.
///     let n: u32 = text.parse()?;
///     if n == 0 {
///         // A failure that no retry can fix goes to the dead letters at once.
///         return Err(HandlerError::reject("zero items"));
///     }
///     Ok(n)
/// }
/// assert!(parse("x").unwrap_err().is_retryable());
/// assert!(!parse("0").unwrap_err().is_retryable());
/// ```
pub struct HandlerError {
    retry: bool,
    error: Box<dyn std::error::Error + Send + Sync>,
}

impl HandlerError {
    /// A failure that may pass on a later attempt (a timeout, a busy database).
    pub fn retry(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        HandlerError {
            retry: true,
            error: error.into(),
        }
    }

    /// A failure that no attempt will fix: the message is dead-lettered.
    pub fn reject(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        HandlerError {
            retry: false,
            error: error.into(),
        }
    }

    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retry
    }
}

// Not `std::error::Error`, so that this blanket conversion (what `?` uses) can exist.
impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> From<E> for HandlerError {
    fn from(error: E) -> Self {
        HandlerError::retry(error)
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError")
            .field("retry", &self.retry)
            .field("error", &self.error)
            .finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

/// A delivered message whose CloudEvents attributes have been read, before its data is.
#[derive(Debug)]
pub struct Incoming<'a> {
    context: Envelope<()>,
    data: Cow<'a, [u8]>,
}

impl<'a> Incoming<'a> {
    /// Reads the attributes of `message`: structured mode when its content type says
    /// `application/cloudevents+json`, else binary mode with headers named for `binding`.
    pub fn parse(binding: Binding, message: &'a RawMessage) -> Result<Self, DecodeError> {
        let structured = message
            .header(binding.content_type_header())
            .and_then(|ct| ct.get(..STRUCTURED_CONTENT_TYPE.len()))
            .is_some_and(|ct| ct.eq_ignore_ascii_case(STRUCTURED_CONTENT_TYPE));
        if structured {
            let (context, data) = Envelope::split_structured(&message.body)?;
            let data = serde_json::to_vec(&data).map_err(|e| DecodeError::Shape {
                path: "/data".into(),
                message: e.to_string(),
            })?;
            Ok(Incoming {
                context,
                data: Cow::Owned(data),
            })
        } else {
            Ok(Incoming {
                context: Envelope::context_from_headers(binding, &message.headers)?,
                data: Cow::Borrowed(&message.body),
            })
        }
    }

    /// Reads `message` for `R`: as [`Incoming::parse`] does, or, for a plain message (no
    /// CloudEvents attributes, not structured) at an address where `R` takes plain requests
    /// ([`Route::plain_type`]), with the attributes [`Envelope::plain`] gives it.
    pub fn read<R: Route>(binding: Binding, message: &'a RawMessage) -> Result<Self, DecodeError> {
        match Incoming::parse(binding, message) {
            Ok(incoming) => Ok(incoming),
            Err(error) => {
                // A message that says it is a CloudEvent (binary or structured) and is not a
                // readable one stays unreadable: it is not read as a plain request.
                let specversion = format!("{}specversion", binding.prefix());
                let structured = message
                    .header(binding.content_type_header())
                    .is_some_and(|ct| ct.to_ascii_lowercase().starts_with(STRUCTURED_CONTENT_TYPE));
                let attributes = structured || message.header(&specversion).is_some();
                match R::plain_type(&message.address).filter(|_| !attributes) {
                    Some(event_type) => Ok(Incoming {
                        context: Envelope::plain(event_type, &message.headers, &message.address),
                        data: Cow::Borrowed(&message.body),
                    }),
                    None => Err(error),
                }
            }
        }
    }

    /// The CloudEvents `type`.
    pub fn event_type(&self) -> &str {
        &self.context.event_type
    }

    /// The `dataversion` extension: the schema version the data was written in.
    pub fn data_version(&self) -> Option<&str> {
        self.context.data_version.as_deref()
    }

    /// The attributes, without the data.
    pub fn context(&self) -> &Envelope<()> {
        &self.context
    }

    /// Decodes and validates the data as `E`, upcasting an older `dataversion`
    /// ([`decode_event`](crate::decode_event)).
    pub fn decode<E: Event + Validate>(self) -> Result<Envelope<E>, DecodeError> {
        let data = crate::decode_event::<E>(self.context.data_version.as_deref(), &self.data)?;
        Ok(self.context.with_data(data))
    }
}

/// What a handler knows besides its event: the delivery, and a publisher for the events it
/// causes.
#[derive(Debug)]
pub struct Context<'a> {
    delivered: &'a Delivered,
    binding: Binding,
    base: &'a Publisher,
    /// Built on first use: most handlers publish nothing.
    caused: OnceLock<Publisher>,
}

impl<'a> Context<'a> {
    /// The context of `delivered` (read with `binding`); its publisher is `base`, with
    /// events caused by the delivered one.
    pub fn new(delivered: &'a Delivered, binding: Binding, base: &'a Publisher) -> Self {
        Context {
            delivered,
            binding,
            base,
            caused: OnceLock::new(),
        }
    }

    /// The message's headers, as delivered.
    pub fn headers(&self) -> &Headers {
        &self.delivered.message.headers
    }

    /// The address it was published to.
    pub fn address(&self) -> &str {
        &self.delivered.message.address
    }

    /// Delivery attempt, from 1.
    pub fn attempt(&self) -> u32 {
        self.delivered.attempt
    }

    /// A publisher whose events share the handled event's correlation id and metadata and
    /// name it as their cause.
    pub fn publisher(&self) -> &Publisher {
        self.caused.get_or_init(|| {
            match Incoming::parse(self.binding, &self.delivered.message) {
                Ok(incoming) => {
                    let context = &incoming.context;
                    self.base.caused_by_parts(
                        &context.id,
                        context.correlation_id(),
                        context.metadata.clone(),
                    )
                }
                // Not a CloudEvent (a router never hands one to a handler): nothing to inherit.
                Err(_) => self.base.clone(),
            }
        })
    }
}

/// Dispatches the messages of one receive operation to its handler.
///
/// Generated per receive operation; written by hand it looks like this:
///
/// ```
/// use tidings::{Context, Envelope, HandlerResult, Incoming, Outcome, Route};
///
/// #[derive(serde::Serialize, serde::Deserialize, tidings::Event, tidings::Validate)]
/// #[event(type = "com.acme.parcel.shipped")]
/// struct ParcelShipped { parcel_id: String }
///
/// trait OnParcels: Send + Sync + 'static {
///     fn on_parcel_shipped(
///         &self,
///         event: Envelope<ParcelShipped>,
///         ctx: &Context<'_>,
///     ) -> impl std::future::Future<Output = HandlerResult> + Send;
/// }
///
/// struct OnParcelsRouter<H>(H);
///
/// impl<H: OnParcels> Route for OnParcelsRouter<H> {
///     const OPERATION: &'static str = "onParcels";
///     const ADDRESS: &'static str = "parcels/{parcelId}";
///
///     async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
///         match incoming.event_type() {
///             "com.acme.parcel.shipped" => match incoming.decode() {
///                 Ok(event) => self.0.on_parcel_shipped(event, ctx).await.into(),
///                 Err(error) => Outcome::undecodable("com.acme.parcel.shipped", error),
///             },
///             other => Outcome::unknown(other),
///         }
///     }
/// }
/// ```
pub trait Route: Send + Sync + 'static {
    /// The operation's name in the spec; consumers use it as their default group.
    const OPERATION: &'static str;
    /// The channel address template it subscribes to.
    const ADDRESS: &'static str;

    /// Decodes `incoming` and hands it to the handler.
    fn route(
        &self,
        incoming: Incoming<'_>,
        ctx: &Context<'_>,
    ) -> impl Future<Output = Outcome> + Send;

    /// The retry policy the spec gives this operation (its `x-tidings-retry` extension), if
    /// any. A policy set on the [`Consumer`](super::Consumer) in code takes precedence;
    /// without either, [`RetryPolicy::default`] applies.
    fn retry_policy() -> Option<RetryPolicy> {
        None
    }

    /// The event type of a plain message at `address`: one without CloudEvents attributes,
    /// as a webhook sender that knows nothing of CloudEvents posts it. Routers of OpenAPI
    /// webhooks answer by the webhook's address; `None` (the default, and for any other
    /// address) leaves such a message unreadable, so it is dead-lettered.
    fn plain_type(address: &str) -> Option<&'static str> {
        let _ = address;
        None
    }
}

/// Runs `router` on one delivered message: reads its attributes (a message that is not a
/// CloudEvent is dead-lettered), then decodes, validates and dispatches it.
pub async fn process<R: Route>(
    router: &R,
    binding: Binding,
    delivered: &Delivered,
    publisher: &Publisher,
) -> Outcome {
    match Incoming::read::<R>(binding, &delivered.message) {
        Ok(incoming) => dispatch(router, incoming, binding, delivered, publisher).await,
        Err(error) => unreadable(error),
    }
}

pub(super) fn unreadable(error: DecodeError) -> Outcome {
    Outcome::DeadLetter(format!("not a readable CloudEvent: {error}"))
}

/// Runs `router` on a message whose attributes were read; a handler panic is an outcome.
pub(super) async fn dispatch<R: Route>(
    router: &R,
    incoming: Incoming<'_>,
    binding: Binding,
    delivered: &Delivered,
    publisher: &Publisher,
) -> Outcome {
    let ctx = Context::new(delivered, binding, publisher);
    match catch_unwind(router.route(incoming, &ctx)).await {
        Ok(outcome) => outcome,
        // A panicking handler is a bug that a later attempt may not hit (or that a fix will
        // cure): the message is retried, then dead-lettered, and the consumer carries on.
        Err(panic) => Outcome::Retry(format!("the handler panicked: {}", panic_message(&*panic))),
    }
}

/// Runs `future`, turning a panic while polling it into an error.
async fn catch_unwind<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_errors_map_to_outcomes() {
        let retry: HandlerResult = Err("db busy".into());
        assert_eq!(Outcome::from(retry), Outcome::Retry("db busy".into()));
        let reject: HandlerResult = Err(HandlerError::reject("no such order"));
        assert_eq!(
            Outcome::from(reject),
            Outcome::DeadLetter("the handler refused it: no such order".into())
        );
    }
}
