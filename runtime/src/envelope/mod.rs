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

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{DecodeError, Event};

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

/// A protocol binding's way of carrying attributes in binary content mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// HTTP: `ce-` headers, `Content-Type`.
    Http,
    /// Kafka: `ce_` headers, `content-type`.
    Kafka,
    /// AMQP: `cloudEvents:` application properties, `content-type`.
    Amqp,
    /// MQTT 5: user properties named as the attributes, `Content Type`.
    Mqtt,
    /// NATS: `ce-` headers, `Content-Type`.
    Nats,
}

/// The header names of [`KNOWN`] attributes under `prefix`, in [`KNOWN`] order.
macro_rules! names {
    ($prefix:literal) => {
        [
            concat!($prefix, "specversion"),
            concat!($prefix, "id"),
            concat!($prefix, "source"),
            concat!($prefix, "type"),
            concat!($prefix, "time"),
            concat!($prefix, "datacontenttype"),
            concat!($prefix, "dataschema"),
            concat!($prefix, "subject"),
            concat!($prefix, "correlationid"),
            concat!($prefix, "causationid"),
            concat!($prefix, "dataversion"),
            concat!($prefix, "userid"),
            concat!($prefix, "sessionid"),
            concat!($prefix, "sourceversion"),
            concat!($prefix, "environment"),
        ]
    };
}

impl Binding {
    /// The header of the [`KNOWN`] attribute at `index` in binary mode: a static name, the
    /// content type under the binding's own header.
    fn known_header(self, index: usize) -> Cow<'static, str> {
        const DASH: [&str; KNOWN.len()] = names!("ce-");
        const UNDERSCORE: [&str; KNOWN.len()] = names!("ce_");
        const AMQP: [&str; KNOWN.len()] = names!("cloudEvents:");
        if index == DATACONTENTTYPE {
            return Cow::Borrowed(self.content_type_header());
        }
        Cow::Borrowed(match self {
            Binding::Http | Binding::Nats => DASH[index],
            Binding::Kafka => UNDERSCORE[index],
            Binding::Amqp => AMQP[index],
            Binding::Mqtt => KNOWN[index],
        })
    }

    /// The prefix of attribute headers.
    pub fn prefix(self) -> &'static str {
        match self {
            Binding::Http | Binding::Nats => "ce-",
            Binding::Kafka => "ce_",
            Binding::Amqp => "cloudEvents:",
            Binding::Mqtt => "",
        }
    }

    /// The header that carries `datacontenttype`.
    pub fn content_type_header(self) -> &'static str {
        match self {
            Binding::Http | Binding::Nats => "Content-Type",
            Binding::Kafka | Binding::Amqp => "content-type",
            Binding::Mqtt => "Content Type",
        }
    }
}

/// The header under which transports whose native address differs from tidings' (a NATS
/// subject, a Kafka topic, an AMQP routing key) keep the address a message was published to.
pub(crate) const ADDRESS_HEADER: &str = "tidings-address";

/// The header that counts attempts on transports that retry by republishing a copy.
pub(crate) const ATTEMPT_HEADER: &str = "tidings-attempt";

/// Attribute names of the context, in the order tidings writes them.
const KNOWN: &[&str] = &[
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "datacontenttype",
    "dataschema",
    "subject",
    "correlationid",
    "causationid",
    "dataversion",
    "userid",
    "sessionid",
    "sourceversion",
    "environment",
];

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

/// A UUIDv7 (hyphenated) for an event stamped `now`: it sorts by `now` to the millisecond.
/// Each thread keeps its own v7 context, so ids made on one thread sort in the order they
/// were made, and threads share no lock (uuid's `now_v7` takes a process-wide mutex, which
/// publishing tasks on several threads contend for); the random bits come from the thread's
/// generator (uuid's `fast-rng`), not a system call per id.
fn new_id(now: &DateTime<Utc>) -> String {
    use uuid::timestamp::context::ContextV7;
    thread_local! {
        static CONTEXT: ContextV7 = const { ContextV7::new() };
    }
    // Times before 1970 do not occur on a working clock; they get the epoch.
    let seconds = u64::try_from(now.timestamp()).unwrap_or(0);
    let uuid = CONTEXT.with(|context| {
        uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
            context,
            seconds,
            now.timestamp_subsec_nanos(),
        ))
    });
    let mut buffer = uuid::Uuid::encode_buffer();
    (*uuid.hyphenated().encode_lower(&mut buffer)).to_owned()
}

/// `time` in RFC 3339 as chrono writes it with `SecondsFormat::AutoSi` and `Z`, without
/// chrono's formatting machinery for the common case (years 0 to 9999, no leap second).
fn rfc3339(time: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // The naive UTC value: `DateTime`'s own accessors add the (zero) offset at every call.
    let time = time.naive_utc();
    let (year, nanos) = (time.year(), time.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return time.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    let mut text = *b"0000-00-00T00:00:00.000000000Z";
    put_digits(&mut text[0..4], year as u32);
    put_digits(&mut text[5..7], time.month());
    put_digits(&mut text[8..10], time.day());
    put_digits(&mut text[11..13], time.hour());
    put_digits(&mut text[14..16], time.minute());
    put_digits(&mut text[17..19], time.second());
    // As `AutoSi`: no fraction, or milli-, micro- or nanoseconds, whichever is exact.
    let (fraction, digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let end = if digits == 0 {
        19
    } else {
        put_digits(&mut text[20..20 + digits], fraction);
        20 + digits
    };
    text[end] = b'Z';
    std::str::from_utf8(&text[..=end])
        .expect("ASCII digits")
        .to_owned()
}

/// Writes `value` in decimal into `slot`, zero-padded to its length.
fn put_digits(slot: &mut [u8], mut value: u32) {
    for byte in slot.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

impl<E: Serialize> Envelope<E> {
    /// Structured content mode: one JSON document with the attributes and `data`.
    pub fn to_structured(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut map = serde_json::Map::new();
        self.visit_attributes(|index, v| {
            map.insert(KNOWN[index].to_owned(), Value::String(v.into_owned()));
        });
        for (k, v) in &self.extensions {
            map.entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
        }
        map.insert("data".into(), serde_json::to_value(&self.data)?);
        serde_json::to_vec(&Value::Object(map))
    }

    /// Binary content mode: attribute headers for `binding` (the content type under the
    /// binding's own header), and `data` as the JSON body.
    pub fn to_binary(&self, binding: Binding) -> Result<(Headers, Vec<u8>), serde_json::Error> {
        let values = self.attribute_values();
        let count = values.iter().flatten().count();
        let mut headers = Vec::with_capacity(count + self.extensions.len());
        headers.extend(
            present(values).map(|(index, value)| (binding.known_header(index), value.into_owned())),
        );
        for (name, value) in &self.extensions {
            let name = format!("{}{name}", binding.prefix());
            headers.push((Cow::Owned(name), value.clone()));
        }
        Ok((headers, serde_json::to_vec(&self.data)?))
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
    /// The attributes of a structured-mode document, and its `data` (`null` when absent).
    pub(crate) fn split_structured(bytes: &[u8]) -> Result<(Self, Value), DecodeError> {
        let Value::Object(mut map) = crate::decode_json::<Value>(bytes)? else {
            return Err(shape("", "a structured CloudEvent must be a JSON object"));
        };
        if map.contains_key("data_base64") {
            return Err(shape(
                "/data_base64",
                "binary data (`data_base64`) is not supported; tidings events carry JSON `data`",
            ));
        }
        let data = map.remove("data").unwrap_or(Value::Null);
        let mut attributes = Attributes::default();
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s,
                Value::Null => continue,
                other => other.to_string(),
            };
            attributes.set(&k, text);
        }
        Ok((attributes.finish(())?, data))
    }

    /// The attributes of a binary-mode message, from headers named for `binding`.
    pub(crate) fn context_from_headers(
        binding: Binding,
        headers: &[(Cow<'static, str>, String)],
    ) -> Result<Self, DecodeError> {
        let prefix = binding.prefix();
        let mut attributes = Attributes::default();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case(binding.content_type_header()) {
                attributes.known[DATACONTENTTYPE] = Some(value.clone());
            } else if let Some(attr) = strip_prefix_ignore_case(name, prefix) {
                // MQTT user properties carry no prefix: only known attributes are taken.
                if binding != Binding::Mqtt || known_index(attr).is_some() {
                    attributes.set(attr, value.clone());
                }
            }
        }
        attributes.finish(())
    }

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

/// Index of `datacontenttype` in [`KNOWN`].
const DATACONTENTTYPE: usize = 5;

/// The index in [`KNOWN`] of the attribute called `name` (ASCII case-insensitive).
fn known_index(name: &str) -> Option<usize> {
    KNOWN.iter().position(|k| k.eq_ignore_ascii_case(name))
}

/// Context attributes as read, before they are checked: known ones by their index in
/// [`KNOWN`], extensions by lowercase name.
#[derive(Default)]
struct Attributes {
    known: [Option<String>; KNOWN.len()],
    extensions: BTreeMap<String, String>,
}

impl Attributes {
    fn set(&mut self, name: &str, value: String) {
        match known_index(name) {
            Some(i) => self.known[i] = Some(value),
            None => {
                self.extensions.insert(name.to_ascii_lowercase(), value);
            }
        }
    }

    /// The envelope of `data`, once the required attributes are there and well formed.
    fn finish<E>(self, data: E) -> Result<Envelope<E>, DecodeError> {
        let [specversion, id, source, event_type, time, data_content_type, data_schema, subject, correlation_id, causation_id, data_version, user_id, session_id, source_version, environment] =
            self.known;
        match specversion.as_deref() {
            Some(SPEC_VERSION) => {}
            Some(other) => {
                return Err(shape(
                    "/specversion",
                    format!("CloudEvents {other} is not supported; tidings reads 1.0"),
                ))
            }
            None => {
                return Err(shape(
                    "/specversion",
                    "the `specversion` attribute is missing",
                ))
            }
        }
        let required = |value: Option<String>, name: &str| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| {
                shape(
                    &format!("/{name}"),
                    format!("the required `{name}` attribute is missing"),
                )
            })
        };
        let time = match time {
            Some(t) => Some(
                DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| {
                        shape("/time", format!("`time` is not an RFC 3339 timestamp: {e}"))
                    })?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        Ok(Envelope {
            id: required(id, "id")?,
            source: required(source, "source")?.into(),
            event_type: required(event_type, "type")?.into(),
            time,
            data_content_type: data_content_type.map(Cow::Owned),
            data_schema: data_schema.map(Cow::Owned),
            subject: subject.map(Cow::Owned),
            correlation_id,
            causation_id,
            data_version: data_version.map(Cow::Owned),
            metadata: Metadata {
                user_id,
                session_id,
                source_version,
                environment,
            },
            extensions: self.extensions,
            data,
        })
    }
}

fn strip_prefix_ignore_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    if name.len() >= prefix.len()
        && name.is_char_boundary(prefix.len())
        && name[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        Some(&name[prefix.len()..])
    } else {
        None
    }
}

fn shape(path: &str, message: impl Into<String>) -> DecodeError {
    DecodeError::Shape {
        path: path.to_string(),
        message: message.into(),
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
    struct ProjectCreated {
        name: String,
    }

    #[derive(Serialize, Deserialize, crate::Event, Debug, PartialEq, Clone)]
    #[event(type = "com.nx-monorepo.build.started")]
    struct BuildStarted {
        project: String,
    }

    fn created() -> Envelope<ProjectCreated> {
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
        let e = created();
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
                // MQTT user properties carry no prefix: unknown extensions cannot be told apart.
                let mut expected = e.clone();
                expected.extensions.clear();
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
    fn times_are_written_as_chrono_writes_them() {
        use chrono::TimeZone;
        let mut seconds: i64 = -62_135_596_800; // 0001-01-01
        let mut nanos: u32 = 0;
        for i in 0..20_000u32 {
            // Walks years 1 to 9999 and every fraction shape: none, milli, micro, nano.
            seconds = (seconds + 15_780_000 + i64::from(i) * 7) % 253_402_300_799;
            nanos = match i % 4 {
                0 => 0,
                1 => (nanos.wrapping_mul(31) % 1_000) * 1_000_000,
                2 => (nanos.wrapping_mul(17) % 1_000_000) * 1_000 + 1_000,
                _ => nanos.wrapping_mul(7_919).wrapping_add(i) % 1_000_000_000,
            };
            let time = Utc.timestamp_opt(seconds, nanos).unwrap();
            assert_eq!(
                rfc3339(&time),
                time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                "{seconds} {nanos}"
            );
        }
        let now = Utc::now();
        assert_eq!(
            rfc3339(&now),
            now.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        );
        // Every day from 1896 to 2104 (leap years, 1900 and 2100 not, 2000 is), at its
        // first and last second, and the edges of the range written without chrono.
        let mut instants: Vec<(i64, u32)> = (-27_000..50_000i64)
            .flat_map(|day| [(day * 86_400, 0), (day * 86_400 + 86_399, 999_999_999)])
            .collect();
        instants.extend([
            (-62_167_219_200, 0),           // 0000-01-01T00:00:00
            (-62_167_219_201, 0),           // a second before year 0: chrono writes it
            (253_402_300_799, 999_999_999), // 9999-12-31T23:59:59.999999999
            (253_402_300_800, 0),           // 10000-01-01: chrono writes it
            (-1, 0),
            (0, 0),
            (1_483_228_799, 1_500_000_000), // a leap second: chrono writes it
        ]);
        for (seconds, nanos) in instants {
            let time = Utc.timestamp_opt(seconds, nanos).unwrap();
            assert_eq!(
                rfc3339(&time),
                time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                "{seconds} {nanos}"
            );
        }
    }

    #[test]
    fn binary_header_names_are_static_for_known_attributes() {
        use std::borrow::Cow;
        let mut e = created();
        e.extensions.insert("traceparent".into(), "00-x".into());
        let (headers, _) = e.to_binary(Binding::Kafka).unwrap();
        for (name, _) in &headers {
            let extension = name == "ce_traceparent";
            assert_eq!(matches!(name, Cow::Owned(_)), extension, "{name}");
        }
        assert!(headers.iter().any(|(k, _)| k == "content-type"));
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
