//! Reading a message's context attributes, in either content mode, and checking them.
//!
//! The checks are on `specversion`, the required attributes and an RFC 3339 `time`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::binding::{known_index, Binding, DATACONTENTTYPE, KNOWN};
use super::{Envelope, Metadata, SPEC_VERSION};
use crate::observe::trace::{TRACEPARENT, TRACESTATE};
use crate::DecodeError;

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
                // MQTT user properties carry no prefix: only known attributes and the
                // distributed-tracing extension are taken.
                if binding != Binding::Mqtt
                    || known_index(attr).is_some()
                    || attr.eq_ignore_ascii_case(TRACEPARENT)
                    || attr.eq_ignore_ascii_case(TRACESTATE)
                {
                    attributes.set(attr, value.clone());
                }
            }
        }
        attributes.finish(())
    }
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

pub(crate) fn shape(path: &str, message: impl Into<String>) -> DecodeError {
    DecodeError::Shape {
        path: path.to_string(),
        message: message.into(),
    }
}
