//! CloudEvents 1.0 envelopes around typed events, in structured and binary content mode.
//!
//! An [`Envelope`] carries the CloudEvents context attributes (`id`, `source`, `type`, `time`,
//! ...), tidings' extensions (`correlationid`, `causationid`, `dataversion`) and the seeds'
//! metadata (user, session, source version, environment) as typed optional extensions.
//! Ids are UUIDv7: unique, sortable by creation time to the millisecond, and in creation order
//! among those made on one thread.
//!
//! ```
//! use tidings::envelope::{Binding, Envelope};
//!
//! #[derive(serde::Serialize, serde::Deserialize, tidings::Event, Debug, PartialEq)]
//! #[event(type = "com.acme.order.created", version = "1.0.0", source = "/orders")]
//! struct OrderCreated { order_id: String }
//!
//! #[derive(serde::Serialize, serde::Deserialize, tidings::Event, Debug, PartialEq)]
//! #[event(type = "com.acme.order.shipped", source = "/shipping")]
//! struct OrderShipped { order_id: String }
//!
//! let created = Envelope::new(OrderCreated { order_id: "o-1".into() });
//! // An event caused by another shares its correlation id and names it as its cause.
//! let shipped = Envelope::caused_by(&created, OrderShipped { order_id: "o-1".into() });
//! assert_eq!(shipped.correlation_id(), created.correlation_id());
//! assert_eq!(shipped.causation_id.as_deref(), Some(created.id.as_str()));
//!
//! // Structured mode: one JSON document.
//! let json = created.to_structured().unwrap();
//! let back: Envelope<OrderCreated> = Envelope::from_structured(&json).unwrap();
//! assert_eq!(back, created);
//!
//! // Binary mode: attributes as headers named by the protocol binding, data as the body.
//! let (headers, body) = created.to_binary(Binding::Kafka).unwrap();
//! assert!(headers.iter().any(|(k, v)| k == "ce_type" && v == "com.acme.order.created"));
//! let back: Envelope<OrderCreated> = Envelope::from_binary(Binding::Kafka, &headers, &body).unwrap();
//! assert_eq!(back, created);
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::observe::trace::{TraceContext, TRACEPARENT, TRACESTATE};
use crate::{DecodeError, Event};

mod attributes;
mod binding;
mod id;
mod time;

pub use binding::Binding;
#[cfg(any(feature = "nats", feature = "amqp", feature = "kafka"))]
pub(crate) use binding::ADDRESS_HEADER;
#[cfg(any(feature = "amqp", feature = "mqtt"))]
pub(crate) use binding::ATTEMPT_HEADER;

use attributes::shape;
use binding::KNOWN;
use id::new_id;
use time::rfc3339;

/// Headers of a binary-mode message: `(name, value)` in order. Names are usually static
/// (`ce-id`), so they are not allocated per message.
pub type Headers = Vec<(Cow<'static, str>, String)>;

/// An attribute value that is usually known at compile time (an event's type, source,
/// content type or version): borrowed from the [`Event`] impl then, owned when read from a
/// message or set at run time (`"/orders".into()`, `name.to_string().into()`).
pub type Text = Cow<'static, str>;

/// The CloudEvents spec version tidings writes and reads.
pub const SPEC_VERSION: &str = "1.0";

/// A typed event with its CloudEvents context.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope<E> {
    /// `id`: unique per source (a UUIDv7 unless set otherwise).
    pub id: String,
    /// `source`: where the event happened (a URI reference).
    pub source: Text,
    /// `type`: the event type (`com.acme.order.created`).
    pub event_type: Text,
    /// `time`: when it happened.
    pub time: Option<DateTime<Utc>>,
    /// `datacontenttype`.
    pub data_content_type: Option<Text>,
    /// `dataschema`.
    pub data_schema: Option<Text>,
    /// `subject`.
    pub subject: Option<Text>,
    /// `correlationid` extension: the flow this event belongs to.
    pub correlation_id: Option<String>,
    /// `causationid` extension: the id of the event that caused this one.
    pub causation_id: Option<String>,
    /// `dataversion` extension: the schema version of `data`.
    pub data_version: Option<Text>,
    /// `userid`, `sessionid`, `sourceversion`, `environment` extensions.
    pub metadata: Metadata,
    /// Other extension attributes, as read.
    pub extensions: BTreeMap<String, String>,
    /// The event.
    pub data: E,
}

/// Who and what produced an event (typed CloudEvents extensions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `userid`.
    pub user_id: Option<String>,
    /// `sessionid`.
    pub session_id: Option<String>,
    /// `sourceversion`: version of the producing service.
    pub source_version: Option<String>,
    /// `environment`: `development`, `staging`, `production`, ...
    pub environment: Option<String>,
}

impl Envelope<()> {
    /// The attributes of a plain message, one without CloudEvents attributes (a webhook from a
    /// sender that knows nothing of CloudEvents), whose type its address decides. The id is the
    /// sender's delivery id where it gives one (Standard Webhooks' `webhook-id`, else
    /// `Idempotency-Key`, else `X-Request-Id`), so that an idempotency store recognises a
    /// redelivery; else a new one. The time is `webhook-timestamp` (Unix seconds) where given,
    /// else now; the source is the address.
    pub fn plain(event_type: &'static str, headers: &Headers, address: &str) -> Self {
        let header = |wanted: &str| {
            headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.trim())
                .filter(|value| !value.is_empty())
        };
        let now = Utc::now();
        let time = header("webhook-timestamp")
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .unwrap_or(now);
        let id = ["webhook-id", "idempotency-key", "x-request-id"]
            .iter()
            .find_map(|h| header(h))
            .map_or_else(|| new_id(&now), str::to_owned);
        Envelope {
            id,
            source: Cow::Owned(format!("/{}", address.trim_start_matches('/'))),
            event_type: Cow::Borrowed(event_type),
            time: Some(time),
            data_content_type: header("content-type").map(|c| Cow::Owned(c.to_owned())),
            data_schema: None,
            subject: None,
            correlation_id: None,
            causation_id: None,
            data_version: None,
            metadata: Metadata::default(),
            extensions: BTreeMap::new(),
            data: (),
        }
    }
}

impl<E: Event> Envelope<E> {
    /// Wraps `data` with a new id, the current time and the attributes its [`Event`] impl names.
    pub fn new(data: E) -> Self {
        let now = Utc::now();
        Envelope {
            id: new_id(&now),
            source: Cow::Borrowed(E::SOURCE.unwrap_or("urn:tidings")),
            event_type: Cow::Borrowed(E::TYPE),
            time: Some(now),
            data_content_type: Some(Cow::Borrowed(E::CONTENT_TYPE)),
            data_schema: None,
            subject: E::SUBJECT.map(Cow::Borrowed),
            correlation_id: None,
            causation_id: None,
            data_version: E::VERSION.map(Cow::Borrowed),
            metadata: Metadata::default(),
            extensions: BTreeMap::new(),
            data,
        }
    }

    /// An event caused by `parent`: same correlation (the parent's, or the parent's id when it
    /// started the flow), the parent's id as causation id, the parent's metadata.
    pub fn caused_by<P>(parent: &Envelope<P>, data: E) -> Self {
        let mut envelope = Envelope::new(data);
        envelope.correlation_id = Some(parent.correlation_id().to_string());
        envelope.causation_id = Some(parent.id.clone());
        envelope.metadata = parent.metadata.clone();
        envelope
    }
}

impl<E> Envelope<E> {
    /// The flow this event belongs to: its correlation id, or its own id when it starts one.
    pub fn correlation_id(&self) -> &str {
        self.correlation_id.as_deref().unwrap_or(&self.id)
    }

    /// The context attributes as `(name, value)` pairs, `specversion` first.
    pub fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(KNOWN.len());
        self.visit_attributes(|index, value| out.push((KNOWN[index], value.into_owned())));
        out
    }

    /// Calls `f` with the [`KNOWN`] index and value of every attribute that is set, in
    /// [`KNOWN`] order: one list of them for every encoding. Values are borrowed but for
    /// `time`, which is formatted.
    fn visit_attributes(&self, mut f: impl FnMut(usize, Cow<'_, str>)) {
        for (index, value) in present(self.attribute_values()) {
            f(index, value);
        }
    }

    /// The value of each [`KNOWN`] attribute, in its order, where present.
    fn attribute_values(&self) -> [Option<Cow<'_, str>>; KNOWN.len()] {
        fn borrowed<T: AsRef<str>>(value: &Option<T>) -> Option<Cow<'_, str>> {
            value.as_ref().map(|value| Cow::Borrowed(value.as_ref()))
        }
        let time = self.time.as_ref().map(|time| Cow::Owned(rfc3339(time)));
        [
            Some(Cow::Borrowed(SPEC_VERSION)),
            Some(Cow::Borrowed(self.id.as_str())),
            Some(Cow::Borrowed(&*self.source)),
            Some(Cow::Borrowed(&*self.event_type)),
            time,
            borrowed(&self.data_content_type),
            borrowed(&self.data_schema),
            borrowed(&self.subject),
            borrowed(&self.correlation_id),
            borrowed(&self.causation_id),
            borrowed(&self.data_version),
            borrowed(&self.metadata.user_id),
            borrowed(&self.metadata.session_id),
            borrowed(&self.metadata.source_version),
            borrowed(&self.metadata.environment),
        ]
    }
}

/// The attributes of `values` that are present, with their index in [`KNOWN`].
fn present<'a>(
    values: [Option<Cow<'a, str>>; KNOWN.len()],
) -> impl Iterator<Item = (usize, Cow<'a, str>)> {
    values
        .into_iter()
        .enumerate()
        .filter_map(|(index, value)| Some((index, value?)))
}

impl<E: Serialize> Envelope<E> {
    /// Structured content mode: one JSON document with the attributes and `data`.
    pub fn to_structured(&self) -> Result<Vec<u8>, serde_json::Error> {
        self.to_structured_traced(None)
    }

    /// [`to_structured`](Self::to_structured) with `trace` as the `traceparent` and
    /// `tracestate` in place of the envelope's own.
    pub(crate) fn to_structured_traced(
        &self,
        trace: Option<&TraceContext>,
    ) -> Result<Vec<u8>, serde_json::Error> {
        let mut map = serde_json::Map::new();
        self.visit_attributes(|index, v| {
            map.insert(KNOWN[index].to_owned(), Value::String(v.into_owned()));
        });
        for (name, value) in self.extensions_traced(trace) {
            map.entry(name.into_owned())
                .or_insert_with(|| Value::String(value.into_owned()));
        }
        map.insert("data".into(), serde_json::to_value(&self.data)?);
        serde_json::to_vec(&Value::Object(map))
    }

    /// Binary content mode: attribute headers for `binding` (the content type under the
    /// binding's own header), and `data` as the JSON body.
    pub fn to_binary(&self, binding: Binding) -> Result<(Headers, Vec<u8>), serde_json::Error> {
        self.to_binary_traced(binding, None)
    }

    /// [`to_binary`](Self::to_binary) with `trace` as the `traceparent` and `tracestate` in
    /// place of the envelope's own.
    pub(crate) fn to_binary_traced(
        &self,
        binding: Binding,
        trace: Option<&TraceContext>,
    ) -> Result<(Headers, Vec<u8>), serde_json::Error> {
        let values = self.attribute_values();
        let count = values.iter().flatten().count();
        let mut headers = Vec::with_capacity(count + self.extensions.len() + 2);
        headers.extend(
            present(values).map(|(index, value)| (binding.known_header(index), value.into_owned())),
        );
        for (name, value) in self.extensions_traced(trace) {
            let name = format!("{}{name}", binding.prefix());
            headers.push((Cow::Owned(name), value.into_owned()));
        }
        Ok((headers, serde_json::to_vec(&self.data)?))
    }

    /// The extensions to write: the envelope's, with `trace`'s `traceparent` and `tracestate`
    /// in place of any the envelope has.
    fn extensions_traced<'a>(
        &'a self,
        trace: Option<&'a TraceContext>,
    ) -> impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)> {
        let own = self
            .extensions
            .iter()
            .filter(move |(name, _)| {
                trace.is_none() || (name.as_str() != TRACEPARENT && name.as_str() != TRACESTATE)
            })
            .map(|(name, value)| (Cow::Borrowed(name.as_str()), Cow::Borrowed(value.as_str())));
        let traced = trace.into_iter().flat_map(|trace| {
            let parent = (Cow::Borrowed(TRACEPARENT), Cow::Owned(trace.traceparent()));
            let state = trace
                .state
                .as_deref()
                .map(|state| (Cow::Borrowed(TRACESTATE), Cow::Borrowed(state)));
            std::iter::once(parent).chain(state)
        });
        own.chain(traced)
    }
}

impl<E: DeserializeOwned> Envelope<E> {
    /// Reads a structured-mode document.
    pub fn from_structured(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (context, data) = Envelope::split_structured(bytes)?;
        let data = serde_json::from_value(data).map_err(|e| shape("/data", e.to_string()))?;
        Ok(context.with_data(data))
    }

    /// Reads binary mode: attributes from `headers` (named for `binding`), `data` from `body`.
    pub fn from_binary(
        binding: Binding,
        headers: &[(Cow<'static, str>, String)],
        body: &[u8],
    ) -> Result<Self, DecodeError> {
        let context = Envelope::context_from_headers(binding, headers)?;
        Ok(context.with_data(crate::decode_json(body)?))
    }
}

impl Envelope<()> {
    /// These attributes around `data`.
    pub fn with_data<E>(self, data: E) -> Envelope<E> {
        Envelope {
            id: self.id,
            source: self.source,
            event_type: self.event_type,
            time: self.time,
            data_content_type: self.data_content_type,
            data_schema: self.data_schema,
            subject: self.subject,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            data_version: self.data_version,
            metadata: self.metadata,
            extensions: self.extensions,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, crate::Event, Debug, PartialEq, Clone)]
    #[event(
        type = "com.nx-monorepo.project.created",
        version = "1.0.0",
        source = "/nx/projects"
    )]
    pub(super) struct ProjectCreated {
        name: String,
    }

    #[derive(Serialize, Deserialize, crate::Event, Debug, PartialEq, Clone)]
    #[event(type = "com.nx-monorepo.build.started")]
    struct BuildStarted {
        project: String,
    }

    pub(super) fn created() -> Envelope<ProjectCreated> {
        let mut e = Envelope::new(ProjectCreated { name: "api".into() });
        e.metadata.user_id = Some("user_456".into());
        e.metadata.environment = Some("production".into());
        e.extensions
            .insert("traceparent".into(), "00-abc-def-01".into());
        e
    }

    #[test]
    fn causation_chains_share_the_correlation_id() {
        let a = created();
        let b = Envelope::caused_by(
            &a,
            BuildStarted {
                project: "api".into(),
            },
        );
        let c = Envelope::caused_by(
            &b,
            BuildStarted {
                project: "api".into(),
            },
        );
        assert_eq!(b.correlation_id(), a.id);
        assert_eq!(c.correlation_id(), a.id);
        assert_eq!(c.causation_id.as_deref(), Some(b.id.as_str()));
        assert_eq!(c.metadata.user_id.as_deref(), Some("user_456"));
        assert_eq!(b.event_type, "com.nx-monorepo.build.started");
        assert_eq!(a.data_version.as_deref(), Some("1.0.0"));
        assert_eq!(a.source, "/nx/projects");
    }

    #[test]
    fn structured_mode_round_trips() {
        let e = created();
        let json: Value = serde_json::from_slice(&e.to_structured().unwrap()).unwrap();
        assert_eq!(json["specversion"], "1.0");
        assert_eq!(json["type"], "com.nx-monorepo.project.created");
        assert_eq!(json["userid"], "user_456");
        assert_eq!(json["traceparent"], "00-abc-def-01");
        assert_eq!(json["data"]["name"], "api");
        assert!(json["time"].as_str().unwrap().ends_with('Z'));
        let back: Envelope<ProjectCreated> =
            Envelope::from_structured(&e.to_structured().unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn binary_mode_round_trips_in_every_binding() {
        let mut e = created();
        e.extensions.insert("region".into(), "eu-west".into());
        for (binding, id_header, content_type) in [
            (Binding::Http, "ce-id", "Content-Type"),
            (Binding::Kafka, "ce_id", "content-type"),
            (Binding::Amqp, "cloudEvents:id", "content-type"),
            (Binding::Mqtt, "id", "Content Type"),
            (Binding::Nats, "ce-id", "Content-Type"),
        ] {
            let (headers, body) = e.to_binary(binding).unwrap();
            assert!(
                headers.iter().any(|(k, v)| k == id_header && *v == e.id),
                "{binding:?}"
            );
            assert!(headers
                .iter()
                .any(|(k, v)| k == content_type && v == "application/json"));
            let back: Envelope<ProjectCreated> =
                Envelope::from_binary(binding, &headers, &body).unwrap();
            if binding == Binding::Mqtt {
                // MQTT user properties carry no prefix: unknown extensions cannot be told
                // apart, but the distributed-tracing ones are known.
                let mut expected = e.clone();
                expected.extensions.retain(|name, _| name == "traceparent");
                assert_eq!(expected.extensions.len(), 1);
                assert_eq!(back, expected);
            } else {
                assert_eq!(back, e, "{binding:?}");
            }
        }
    }

    #[test]
    fn ids_are_uuid_v7_of_the_event_time_unique_and_ordered_per_thread() {
        let ids: Vec<(String, DateTime<Utc>)> = (0..5_000)
            .map(|_| {
                let envelope = Envelope::new(BuildStarted {
                    project: "api".into(),
                });
                (envelope.id, envelope.time.unwrap())
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (id, time) in &ids {
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(uuid.get_version_num(), 7, "{id}");
            let (seconds, nanos) = uuid.get_timestamp().unwrap().to_unix();
            assert_eq!(
                seconds * 1_000 + u64::from(nanos) / 1_000_000,
                time.timestamp_millis() as u64,
                "{id} is stamped with its event's time"
            );
            assert!(seen.insert(id.clone()), "{id} twice");
        }
        assert!(ids.windows(2).all(|w| w[0].0 < w[1].0), "ids sort as made");
        // Another thread has its own context: still unique.
        let other = std::thread::spawn(|| {
            (0..1_000)
                .map(|_| {
                    Envelope::new(BuildStarted {
                        project: "web".into(),
                    })
                    .id
                })
                .collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        assert!(other.iter().all(|id| seen.insert(id.clone())));
    }

    #[test]
    fn missing_or_wrong_attributes_are_errors() {
        let bad = br#"{"specversion": "0.3", "id": "1", "source": "/s", "type": "t", "data": {"name": "x"}}"#;
        assert!(
            matches!(Envelope::<ProjectCreated>::from_structured(bad), Err(DecodeError::Shape { path, .. }) if path == "/specversion")
        );
        let missing =
            br#"{"specversion": "1.0", "source": "/s", "type": "t", "data": {"name": "x"}}"#;
        assert!(
            matches!(Envelope::<ProjectCreated>::from_structured(missing), Err(DecodeError::Shape { path, .. }) if path == "/id")
        );
        let bad_time = br#"{"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "time": "yesterday", "data": {"name": "x"}}"#;
        assert!(Envelope::<ProjectCreated>::from_structured(bad_time).is_err());
        assert!(Envelope::<ProjectCreated>::from_structured(b"[1]").is_err());
        assert!(Envelope::<ProjectCreated>::from_structured(b"{").is_err());
    }
}
