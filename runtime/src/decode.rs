//! Decoding payloads into typed messages, with or without validation, in any known version.
//!
//! [`decode_json`] decodes the shape; [`decode_valid`] the shape and every constraint;
//! [`decode_event`] an event's data in any version it knows.

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::{DecodeError, Event, Validate};

/// Decodes a JSON payload into `T`, telling where it went wrong if it does not fit.
///
/// Any JSON value can be a payload, not only an object. Trailing characters after the value
/// are a [`DecodeError::Syntax`] error. It never panics, whatever the bytes: invalid UTF-8,
/// truncated input and deep nesting (serde_json's recursion limit) all give errors.
///
/// ```
/// use tidings::{decode_json, DecodeError};
///
/// let weights: Vec<u32> = decode_json(b"[1, 2, 3]")?;
/// assert_eq!(weights, [1, 2, 3]);
///
/// let err = decode_json::<Vec<u32>>(b"[1, -2]").unwrap_err();
/// assert!(matches!(err, DecodeError::Shape { ref path, .. } if path == "/1"));
///
/// let err = decode_json::<Vec<u32>>(b"[1, ").unwrap_err();
/// assert!(matches!(err, DecodeError::Syntax { line: 1, .. }));
/// # Ok::<(), DecodeError>(())
/// ```
pub fn decode_json<T: DeserializeOwned>(payload: &[u8]) -> Result<T, DecodeError> {
    // The fast path costs nothing extra; the path of a failure is found by decoding again.
    match serde_json::from_slice(payload) {
        Ok(value) => Ok(value),
        Err(_) => decode_json_slow(payload),
    }
}

/// Decodes a payload into `T` and checks every constraint of `T` ([`Validate`]).
///
/// Malformed JSON, a wrong shape and broken constraints are told apart by the
/// [`DecodeError`] variant; a [`DecodeError::Invalid`] lists every violation at once.
///
/// [`Validate`]: Validate
pub fn decode_valid<T: DeserializeOwned + Validate>(payload: &[u8]) -> Result<T, DecodeError> {
    if let Some(schema) = T::json_schema() {
        return decode_checked(decode_json(payload)?, schema);
    }
    let value: T = decode_json(payload)?;
    value.validate().map_err(DecodeError::Invalid)?;
    Ok(value)
}

/// A payload's JSON checked against its type's whole schema first, then decoded: the schema
/// judges the JSON as sent and decides alone. The typed checks of the decoded value are not
/// run again: the typed form may leave out what was sent (members a struct does not list, a
/// `null` read as absent), so checking it could refuse a payload the schema allows.
fn decode_checked<T: DeserializeOwned + Validate>(
    mut json: serde_json::Value,
    schema: &crate::schema::Schema,
) -> Result<T, DecodeError> {
    use crate::validate::{Pointer, ValidationErrors};
    let valid = schema.is_valid(&json);
    let decoded: Result<T, DecodeError> = match T::deserialize(&json) {
        Ok(decoded) => Ok(decoded),
        // JSON Schema counts `1.0` as an integer; serde does not. Only the retry pays for it.
        Err(_) if crate::json::integral_floats_to_integers(&mut json) => decode_value(&json),
        Err(_) => decode_value(&json),
    };
    if !valid {
        // A payload of the wrong shape stays a `Shape` error, as for types without a schema;
        // one that has the shape lists every violation of the schema.
        decoded?;
        let mut errors = ValidationErrors::new();
        schema.validate_at(&json, &mut Pointer::root(), &mut errors);
        return Err(DecodeError::Invalid(errors));
    }
    decoded
}

/// Decodes `json` into `T`, with the pointer of the value that does not fit.
fn decode_value<T: DeserializeOwned>(json: &serde_json::Value) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(json).map_err(|err| {
        let path = crate::json::pointer_from_path(err.path());
        let message = message_of(err.inner());
        DecodeError::Shape { path, message }
    })
}

#[cold]
fn decode_json_slow<T: DeserializeOwned>(payload: &[u8]) -> Result<T, DecodeError> {
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = crate::json::pointer_from_path(err.path());
        classify(err.into_inner(), path)
    })?;
    deserializer
        .end()
        .map_err(|err| classify(err, String::new()))?;
    Ok(value)
}

fn classify(err: serde_json::Error, path: String) -> DecodeError {
    let message = message_of(&err);
    match err.classify() {
        Category::Data => DecodeError::Shape { path, message },
        Category::Syntax | Category::Eof | Category::Io => DecodeError::Syntax {
            line: err.line(),
            column: err.column(),
            message,
        },
    }
}

/// The error's message without the " at line L column C" that serde_json appends, since the
/// variants carry the position as fields (or as a JSON pointer).
fn message_of(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    match full.strip_suffix(&position) {
        Some(message) => message.to_owned(),
        None => full,
    }
}

/// Decodes and validates the data of an event of type `E` written in schema `version`: older
/// versions that `E` declares are read and validated as such, upcast, and validated again as
/// `E`; any other version (or none) is read as `E` itself (a tolerant reader: a newer producer's extra fields are ignored unless `E`
/// forbids them).
///
/// ```
/// use tidings::{decode_event, Event, Validate};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Event, Validate)]
/// #[event(type = "com.acme.user.registered", version = "1.0.0")]
/// struct RegisteredV1 { full_name: String }
///
/// #[derive(Serialize, Deserialize, Event, Validate, Debug, PartialEq)]
/// #[event(type = "com.acme.user.registered", version = "2.0.0")]
/// #[event(upcast(from = RegisteredV1, version = "1.0.0"))]
/// struct Registered { name: String, #[serde(default)] vip: bool }
///
/// impl From<RegisteredV1> for Registered {
///     fn from(old: RegisteredV1) -> Self {
///         Registered { name: old.full_name, vip: false }
///     }
/// }
///
/// let old: Registered = decode_event(Some("1.0.0"), br#"{"full_name": "ada"}"#)?;
/// let new: Registered = decode_event(Some("2.0.0"), br#"{"name": "ada", "vip": true}"#)?;
/// assert_eq!((old.name.as_str(), old.vip, new.vip), ("ada", false, true));
/// # Ok::<(), tidings::DecodeError>(())
/// ```
pub fn decode_event<E: Event + Validate>(
    version: Option<&str>,
    data: &[u8],
) -> Result<E, DecodeError> {
    match E::decode_older(version, data) {
        // Valid as the old version, and as the new one once upcast: a conversion must not
        // hand handlers data that breaks the newest schema.
        Some(result) => {
            let event = result?;
            event.validate().map_err(DecodeError::Invalid)?;
            Ok(event)
        }
        None => decode_valid(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::Value;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)] // Fields are read by serde only.
    struct Shipment {
        id: String,
        parcels: Vec<Parcel>,
        #[serde(default)]
        labels: BTreeMap<String, u8>,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Parcel {
        weight_grams: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum Mode {
        Air { altitude: u32 },
        Sea,
    }

    fn shape_error(payload: &str) -> (String, String) {
        match decode_json::<Shipment>(payload.as_bytes()) {
            Err(DecodeError::Shape { path, message }) => (path, message),
            other => panic!("expected a shape error, got {other:?}"),
        }
    }

    #[test]
    fn decodes_a_fitting_payload() {
        let shipment: Shipment =
            decode_json(br#"{"id": "s-1", "parcels": [{"weightGrams": 1200}]}"#).unwrap();
        assert_eq!(shipment.parcels[0].weight_grams, 1200);
    }

    #[test]
    fn any_json_value_is_a_payload() {
        assert_eq!(decode_json::<u8>(b" 7 ").unwrap(), 7);
        assert_eq!(decode_json::<Option<u8>>(b"null").unwrap(), None);
        assert_eq!(decode_json::<String>(br#""x""#).unwrap(), "x");
    }

    #[test]
    fn shape_errors_point_into_the_payload() {
        let (path, message) =
            shape_error(r#"{"id": "s-1", "parcels": [{"weightGrams": 1}, {"weightGrams": "9"}]}"#);
        assert_eq!(path, "/parcels/1/weightGrams");
        assert_eq!(message, r#"invalid type: string "9", expected u32"#);

        let (path, message) = shape_error(r#"{"id": "s-1", "parcels": [{}]}"#);
        assert_eq!(path, "/parcels/0");
        assert_eq!(message, "missing field `weightGrams`");

        let (path, _) = shape_error(r#"{"id": 5, "parcels": []}"#);
        assert_eq!(path, "/id");

        let (path, message) = shape_error(r#"{"id": "s-1"}"#);
        assert_eq!(path, "");
        assert_eq!(message, "missing field `parcels`");

        let (path, message) = shape_error(r#"{"id": "s-1", "parcels": [], "extra": 1}"#);
        assert_eq!(path, "/extra");
        assert!(message.starts_with("unknown field `extra`"), "{message}");
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        let (path, _) = shape_error(r#"{"id": "s", "parcels": [], "labels": {"a/b~c": 300}}"#);
        assert_eq!(path, "/labels/a~1b~0c");
    }

    #[test]
    fn enum_variants_are_pointer_tokens() {
        let (path, _) =
            shape_error(r#"{"id": "s", "parcels": [], "mode": {"Air": {"altitude": -1}}}"#);
        assert_eq!(path, "/mode/Air/altitude");
    }

    #[test]
    fn syntax_errors_carry_the_position() {
        let err = decode_json::<Value>(b"{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        match err {
            DecodeError::Syntax {
                line,
                column,
                message,
            } => {
                assert_eq!((line, column), (3, 7));
                assert_eq!(message, "expected `:`");
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn truncated_and_trailing_input_are_syntax_errors() {
        for payload in [&b""[..], b"{", b"[1, 2", br#"{"a": "#, b"1 2", b"{} x"] {
            let err = decode_json::<Value>(payload).unwrap_err();
            assert!(
                matches!(err, DecodeError::Syntax { .. }),
                "{payload:?}: {err:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_a_syntax_error() {
        let err = decode_json::<Value>(b"\"\xff\xfe\"").unwrap_err();
        assert!(matches!(err, DecodeError::Syntax { .. }), "{err:?}");
        let err = decode_json::<String>(b"\"a\xc3\"").unwrap_err();
        assert!(matches!(err, DecodeError::Syntax { .. }), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let payload = "[".repeat(100_000) + &"]".repeat(100_000);
        let err = decode_json::<Value>(payload.as_bytes()).unwrap_err();
        match err {
            DecodeError::Syntax { message, .. } => {
                assert_eq!(message, "recursion limit exceeded")
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn every_prefix_of_a_payload_is_handled() {
        let payload = r#"{"id": "s-1", "parcels": [{"weightGrams": 1200}], "labels": {"x": 1}}"#;
        for end in 0..payload.len() {
            let result = decode_json::<Shipment>(&payload.as_bytes()[..end]);
            assert!(result.is_err(), "prefix {end} decoded");
        }
        assert!(decode_json::<Shipment>(payload.as_bytes()).is_ok());
    }

    #[test]
    fn messages_read_well() {
        let unknown = DecodeError::UnknownMessage {
            name: "OrderVoided".into(),
        };
        assert_eq!(unknown.to_string(), "unknown message `OrderVoided`");

        let syntax = DecodeError::Syntax {
            line: 2,
            column: 5,
            message: "expected `:`".into(),
        };
        assert_eq!(
            syntax.to_string(),
            "payload is not valid JSON at line 2, column 5: expected `:`"
        );

        let nested = DecodeError::Shape {
            path: "/parcels/0/weightGrams".into(),
            message: "invalid type: string \"9\", expected u32".into(),
        };
        assert_eq!(
            nested.to_string(),
            "payload does not fit the message at `/parcels/0/weightGrams`: \
             invalid type: string \"9\", expected u32"
        );

        let root = DecodeError::Shape {
            path: String::new(),
            message: "missing field `id`".into(),
        };
        assert_eq!(
            root.to_string(),
            "payload does not fit the message at the root: missing field `id`"
        );
    }
}
