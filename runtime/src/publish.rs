//! Publishing typed events: validated, wrapped in an envelope, encoded for the transport.
//!
//! A [`Publisher`] is a cheap handle over a transport. Generated code wraps it in one typed
//! publisher per send operation (a method per message, typed channel parameters); handlers get
//! one from their [`Context`](crate::Context) whose events inherit the handled event's
//! correlation and name it as their cause.

use std::sync::Arc;

use crate::address::AddressError;
use crate::envelope::{Envelope, Metadata, Text};
use crate::observe::trace::{hex_in, TraceContext, TRACEPARENT, TRACESTATE};
use crate::transport::{RawMessage, Sink, Transport, TransportError};
use crate::{Event, Validate, ValidationErrors};

/// How events are laid out on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// CloudEvents binary mode: attributes as headers, the data as the body (the default).
    #[default]
    Binary,
    /// CloudEvents structured mode: one JSON document, `application/cloudevents+json`.
    Structured,
}

/// The content type of structured-mode messages.
pub const STRUCTURED_CONTENT_TYPE: &str = "application/cloudevents+json";

/// Why an event was not published. Nothing was sent in any case but [`Transport`].
///
/// [`Transport`]: PublishError::Transport
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The event breaks constraints of its message; it was not sent.
    #[error("`{event_type}` was not published: {errors}")]
    Invalid {
        /// The event type.
        event_type: &'static str,
        /// Every violation.
        errors: ValidationErrors,
    },
    /// The channel address could not be built from the parameters.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// The event could not be serialized.
    #[error("`{event_type}` could not be encoded: {source}")]
    Encode {
        /// The event type.
        event_type: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Sends events through a transport; clones share it.
///
/// ```
/// use tidings::memory::InMemory;
/// use tidings::{Publisher, Validate};
///
/// #[derive(serde::Serialize, serde::Deserialize, tidings::Event, Validate)]
/// #[event(type = "com.acme.parcel.shipped", source = "/shipping")]
/// struct ParcelShipped {
///     #[validate(length(min = 1))]
///     parcel_id: String,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let publisher = Publisher::new(InMemory::new());
/// let sent = publisher
///     .publish("parcels/p-1", ParcelShipped { parcel_id: "p-1".into() })
///     .await
///     .unwrap();
/// assert_eq!(sent.correlation_id(), sent.id); // it starts a flow
///
/// // An event caused by it shares the flow and names it as cause.
/// let next = publisher
///     .caused_by(&sent)
///     .publish("parcels/p-1", ParcelShipped { parcel_id: "p-1".into() })
///     .await
///     .unwrap();
/// assert_eq!(next.correlation_id(), sent.id);
/// assert_eq!(next.causation_id.as_deref(), Some(sent.id.as_str()));
///
/// // An invalid event is never sent.
/// assert!(publisher.publish("parcels/x", ParcelShipped { parcel_id: "".into() }).await.is_err());
/// # });
/// ```
#[derive(Clone)]
pub struct Publisher {
    sink: Arc<dyn Sink>,
    published: crate::observe::Published,
    mode: Mode,
    source: Option<Text>,
    metadata: Arc<Metadata>,
    cause: Option<Arc<Cause>>,
}

/// What events caused by another inherit from it.
#[derive(Debug)]
struct Cause {
    id: String,
    correlation_id: String,
    metadata: Metadata,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("mode", &self.mode)
            .field("binding", &self.sink.binding())
            .field("source", &self.source)
            .field("cause", &self.cause)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// A publisher in binary mode over `transport`.
    pub fn new<T: Transport>(transport: T) -> Self {
        Publisher {
            sink: Arc::new(transport),
            published: crate::observe::Published::default(),
            mode: Mode::Binary,
            source: None,
            metadata: Arc::new(Metadata::default()),
            cause: None,
        }
    }

    /// The same publisher, writing `mode`.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The same publisher, naming `source` as the CloudEvents `source` of every event (instead
    /// of the one the event type declares). A `&'static str` is not copied per event.
    pub fn with_source(mut self, source: impl Into<Text>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The same publisher, attaching `metadata` (user, session, source version, environment)
    /// to events that do not inherit it from a cause.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Arc::new(metadata);
        self
    }

    /// A publisher whose events are caused by `parent`: they share its correlation id and
    /// metadata and take its id as their causation id.
    pub fn caused_by<P>(&self, parent: &Envelope<P>) -> Publisher {
        self.caused_by_parts(&parent.id, parent.correlation_id(), parent.metadata.clone())
    }

    pub(crate) fn caused_by_parts(
        &self,
        id: &str,
        correlation_id: &str,
        metadata: Metadata,
    ) -> Publisher {
        let mut publisher = self.clone();
        publisher.cause = Some(Arc::new(Cause {
            id: id.to_owned(),
            correlation_id: correlation_id.to_owned(),
            metadata,
        }));
        publisher
    }

    /// The envelope this publisher would send `data` in: a new id and time, the source, and
    /// the correlation, causation and metadata it passes on. An event that starts a flow is
    /// its own correlation id, so that every event on the wire carries one.
    pub fn envelope<E: Event>(&self, data: E) -> Envelope<E> {
        let mut envelope = Envelope::new(data);
        if let Some(source) = &self.source {
            envelope.source = source.clone();
        }
        match &self.cause {
            Some(cause) => {
                envelope.correlation_id = Some(cause.correlation_id.clone());
                envelope.causation_id = Some(cause.id.clone());
                envelope.metadata = cause.metadata.clone();
            }
            None => {
                envelope.correlation_id = Some(envelope.id.clone());
                envelope.metadata = (*self.metadata).clone();
            }
        }
        envelope
    }

    /// Validates `data`, wraps it in [`envelope`](Self::envelope) and sends it to `address`
    /// (also its ordering key). Returns the envelope that was sent.
    pub async fn publish<E: Event + Validate>(
        &self,
        address: &str,
        data: E,
    ) -> Result<Envelope<E>, PublishError> {
        let envelope = self.envelope(data);
        self.send(address, &envelope).await?;
        Ok(envelope)
    }

    /// Validates the data of `envelope` and sends the envelope, as it is, to `address`.
    pub async fn send<E: Event + Validate>(
        &self,
        address: &str,
        envelope: &Envelope<E>,
    ) -> Result<(), PublishError> {
        envelope
            .data
            .validate()
            .map_err(|errors| PublishError::Invalid {
                event_type: E::TYPE,
                errors,
            })?;
        // The publish span's place in the trace: a child of the handler (or envelope) this
        // event comes from, else a new trace.
        let parent = TraceContext::current().or_else(|| {
            let traceparent = envelope.extensions.get(TRACEPARENT)?;
            let tracestate = envelope.extensions.get(TRACESTATE);
            TraceContext::parse(traceparent, tracestate.map(String::as_str))
        });
        let trace = parent
            .as_ref()
            .map_or_else(TraceContext::root, TraceContext::child);
        let message = self.encode(address, envelope, &trace)?;
        // The ids in hex on the stack, written only for a span a subscriber takes (the macro
        // evaluates field values only then): recorded as text, no allocation.
        let (mut trace_hex, mut span_hex, mut parent_hex) = ([0; 32], [0; 32], [0; 32]);
        let span = tracing::info_span!(
            "publish",
            "otel.kind" = "producer",
            "messaging.system" = self.sink.system(),
            "messaging.operation.type" = "send",
            "messaging.destination.name" = address,
            "messaging.message.id" = envelope.id.as_str(),
            "cloudevents.event_type" = &*envelope.event_type,
            "cloudevents.event_source" = &*envelope.source,
            "trace_id" = hex_in(&trace.trace_id, &mut trace_hex),
            "span_id" = hex_in(&trace.span_id, &mut span_hex),
            "parent_span_id" = parent.as_ref().map(|p| hex_in(&p.span_id, &mut parent_hex)),
        );
        tracing::Instrument::instrument(self.sink.publish(message), span).await?;
        self.published
            .increment(&envelope.event_type, self.sink.system());
        Ok(())
    }

    fn encode<E: Event>(
        &self,
        address: &str,
        envelope: &Envelope<E>,
        trace: &TraceContext,
    ) -> Result<RawMessage, PublishError> {
        let encode_error = |source| PublishError::Encode {
            event_type: envelope.event_type.to_string(),
            source,
        };
        let binding = self.sink.binding();
        let (headers, body) = match self.mode {
            Mode::Binary => envelope
                .to_binary_traced(binding, Some(trace))
                .map_err(encode_error)?,
            Mode::Structured => (
                vec![(
                    binding.content_type_header().into(),
                    STRUCTURED_CONTENT_TYPE.to_owned(),
                )],
                envelope
                    .to_structured_traced(Some(trace))
                    .map_err(encode_error)?,
            ),
        };
        Ok(RawMessage {
            address: address.to_owned(),
            // The address is the default key.
            key: None,
            headers,
            body,
        })
    }
}
