//! The [`Event`] trait: what a message type says about itself.

use crate::DecodeError;

/// A message type of an event catalog, with the metadata the spec gives it.
///
/// Generated code implements it for one type per message; hand-written types derive it:
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize, tidings::Event)]
/// #[event(
///     type = "com.acme.parcel.shipped",    // required, not empty
///     version = "2.1.0",                   // optional
///     content_type = "application/json",   // optional, this is the default
///     channel = "parcels/{parcelId}",      // optional
///     source = "/warehouse",               // optional
///     subject = "parcel",                  // optional
/// )]
/// struct ParcelShipped {
///     parcel_id: String,
/// }
///
/// use tidings::Event;
/// assert_eq!(ParcelShipped::CHANNEL, Some("parcels/{parcelId}"));
/// assert_eq!(ParcelShipped::SUBJECT, Some("parcel"));
/// ```
///
/// The derive accepts structs and enums, generic ones included: their impl holds wherever the
/// type is `Serialize + DeserializeOwned`.
pub trait Event: serde::Serialize + serde::de::DeserializeOwned {
    /// Event type (CloudEvents `type`): the message name in the spec.
    const TYPE: &'static str;
    /// Schema version (`x-version` in the spec), if any.
    const VERSION: Option<&'static str>;
    /// Content type of the payload; "application/json" unless the spec says otherwise.
    const CONTENT_TYPE: &'static str;
    /// Address template of the channel that carries it (`orders/{orderId}`), if known.
    const CHANNEL: Option<&'static str>;
    /// CloudEvents `source`, if declared.
    const SOURCE: Option<&'static str>;
    /// CloudEvents `subject`, if declared.
    const SUBJECT: Option<&'static str>;
    /// The older schema versions this type reads and upcasts (`#[event(upcast(...))]`),
    /// which a spec exported from code must list as messages of the same type
    /// (`tidings::spec::AsyncApi::missing_versions`, feature
    /// `spec`).
    const OLDER_VERSIONS: &'static [&'static str] = &[];

    /// Reads `data` written in an older schema `version` of this event (the envelope's
    /// `dataversion`) and upcasts it; `None` when `version` is not an older version this type
    /// knows, so the data is read as `Self`.
    ///
    /// `#[derive(Event)]` writes it from `#[event(upcast(from = OldType, version = "1.0.0"))]`,
    /// which needs `impl From<OldType> for Self`; use [`decode_event`](crate::decode_event) rather than calling it.
    fn decode_older(version: Option<&str>, data: &[u8]) -> Option<Result<Self, DecodeError>> {
        let _ = (version, data);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Event;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, tidings::Event)]
    #[event(type = "minimal")]
    struct Minimal;

    #[derive(Serialize, Deserialize, tidings::Event)]
    #[serde(tag = "kind")]
    #[event(type = "com.acme.shape", content_type = "application/cloudevents+json")]
    #[event(source = "/shapes", subject = "shape")]
    enum Shape {
        Circle { radius: f64 },
        Square { side: f64 },
    }

    #[derive(Serialize, Deserialize, tidings::Event)]
    #[event(type = "com.acme.batch", version = "3")]
    struct Batch<T> {
        items: Vec<T>,
    }

    #[test]
    fn optional_keys_default_to_none_and_json() {
        assert_eq!(Minimal::TYPE, "minimal");
        assert_eq!(Minimal::VERSION, None);
        assert_eq!(Minimal::CONTENT_TYPE, "application/json");
        assert_eq!(Minimal::CHANNEL, None);
        assert_eq!(Minimal::SOURCE, None);
        assert_eq!(Minimal::SUBJECT, None);
    }

    #[test]
    fn keys_may_spread_over_several_attributes() {
        assert_eq!(Shape::TYPE, "com.acme.shape");
        assert_eq!(Shape::CONTENT_TYPE, "application/cloudevents+json");
        assert_eq!(Shape::SOURCE, Some("/shapes"));
        assert_eq!(Shape::SUBJECT, Some("shape"));
    }

    #[derive(Serialize, Deserialize, tidings::Event, crate::Validate)]
    #[event(type = "com.acme.tag", version = "1")]
    struct TagV1 {
        name: String,
    }

    #[derive(Serialize, Deserialize, tidings::Event, crate::Validate, Debug)]
    #[event(type = "com.acme.tag", version = "2", upcast(from = TagV1, version = "1"))]
    struct Tag {
        #[validate(length(max = 3))]
        name: String,
    }

    impl From<TagV1> for Tag {
        fn from(old: TagV1) -> Self {
            Tag { name: old.name }
        }
    }

    #[test]
    fn upcast_data_must_also_be_valid_as_the_newest_version() {
        let short: Tag = crate::decode_event(Some("1"), br#"{"name": "abc"}"#).unwrap();
        assert_eq!(short.name, "abc");
        let err = crate::decode_event::<Tag>(Some("1"), br#"{"name": "abcd"}"#).unwrap_err();
        assert!(
            matches!(&err, crate::DecodeError::Invalid(errors) if errors.iter().any(|v| v.pointer == "/name")),
            "{err}"
        );
    }

    #[test]
    fn generic_types_implement_event_when_serializable() {
        fn version_of<E: Event>() -> Option<&'static str> {
            E::VERSION
        }
        assert_eq!(version_of::<Batch<u32>>(), Some("3"));
        assert_eq!(<Batch<String> as Event>::TYPE, "com.acme.batch");
    }
}
