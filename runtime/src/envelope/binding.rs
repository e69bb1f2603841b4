//! The binary-mode header table: how each protocol binding names the CloudEvents attributes.
//!
//! Each protocol binding is a [`Binding`]; the headers tidings' own transports add are here too.

use std::borrow::Cow;

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

/// The header under which transports whose native address differs from tidings' (a NATS
/// subject, a Kafka topic, an AMQP routing key) keep the address a message was published to.
#[cfg(any(feature = "nats", feature = "amqp", feature = "kafka"))]
pub(crate) const ADDRESS_HEADER: &str = "tidings-address";

/// The header that counts attempts on transports that retry by republishing a copy.
#[cfg(any(feature = "amqp", feature = "mqtt"))]
pub(crate) const ATTEMPT_HEADER: &str = "tidings-attempt";

/// Attribute names of the context, in the order tidings writes them.
pub(crate) const KNOWN: &[&str] = &[
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

/// Index of `datacontenttype` in [`KNOWN`].
pub(crate) const DATACONTENTTYPE: usize = 5;

/// The index in [`KNOWN`] of the attribute called `name` (ASCII case-insensitive).
pub(crate) fn known_index(name: &str) -> Option<usize> {
    KNOWN.iter().position(|k| k.eq_ignore_ascii_case(name))
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
    pub(crate) fn known_header(self, index: usize) -> Cow<'static, str> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::tests::created;

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
}
