//! Test helpers: check that a spec's examples survive a trip through their Rust types.
//!
//! Generated crates call [`assert_round_trip`] once per example in the spec; hand-written
//! types can do the same in their own tests.

#[cfg(feature = "tokio")]
mod bus;

#[cfg(feature = "tokio")]
pub use bus::{TestBus, WaitError};

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::json::{self, describe_pointer, Rules};

/// Asserts that `example` deserializes into `T` and serializes back to the same JSON.
///
/// Steps, each of which panics with a message naming what failed and where:
///
/// 1. `example` deserializes into `T` (the message names the serde path and JSON pointer of
///    the value that did not fit);
/// 2. that value serializes to JSON, which deserializes into a `T` equal to the first one;
/// 3. the serialized JSON equals `example` by [`round_trip_equal`] (the message shows both
///    documents and the JSON pointer of the first difference).
///
/// Pass `defaults_may_fill = true` when `T` fills missing fields from schema defaults, so
/// the output may have keys the example lacks.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use serde_json::json;
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// struct Parcel {
///     weight_kg: f64,
///     #[serde(default)]
///     fragile: bool,
/// }
///
/// // `2` comes back as `2.0`, which means the same.
/// tidings::testing::assert_round_trip::<Parcel>(&json!({"weight_kg": 2, "fragile": true}), false);
/// // `fragile` comes back although the example left it out.
/// tidings::testing::assert_round_trip::<Parcel>(&json!({"weight_kg": 2}), true);
/// ```
///
/// # Panics
///
/// When any of the steps above fails.
#[track_caller]
pub fn assert_round_trip<T>(example: &Value, defaults_may_fill: bool)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let type_name = std::any::type_name::<T>();

    let first: T = match deserialize(example) {
        Ok(value) => value,
        Err(why) => panic!(
            "the example does not deserialize into `{type_name}`: {why}\nexample:\n{}",
            pretty(example)
        ),
    };

    let output = match serde_json::to_value(&first) {
        Ok(output) => output,
        Err(err) => panic!(
            "`{type_name}` read the example but does not serialize back to JSON: {err}\n\
             example:\n{}\nread as:\n{first:#?}",
            pretty(example)
        ),
    };

    let second: T = match deserialize(&output) {
        Ok(value) => value,
        Err(why) => panic!(
            "`{type_name}` does not read back its own JSON: {why}\n\
             example:\n{}\nre-serialized:\n{}",
            pretty(example),
            pretty(&output)
        ),
    };
    if first != second {
        panic!(
            "`{type_name}` reads back its own JSON as a different value\n\
             from the example:\n{first:#?}\nfrom the re-serialized JSON:\n{second:#?}\n\
             re-serialized:\n{}",
            pretty(&output)
        );
    }

    if let Some(pointer) = round_trip_difference(example, &output, defaults_may_fill) {
        let at = |document: &Value| {
            document
                .pointer(&pointer)
                .map_or_else(|| "nothing".to_owned(), |value| value.to_string())
        };
        panic!(
            "`{type_name}` does not round-trip the example: the JSON differs at {} \
             (example has {}, re-serialized has {})\nexample:\n{}\nre-serialized:\n{}",
            describe_pointer(&pointer),
            at(example),
            at(&output),
            pretty(example),
            pretty(&output)
        );
    }
}

/// Whether `output`, the re-serialized form of `example`, says the same as `example`.
///
/// The semantics of [`json::equal`] (numbers by value, objects in any order), plus the
/// canonical forms a typed round trip may produce:
///
/// - two strings that both parse as RFC 3339 date-times are equal if they denote the same
///   instant (`2024-05-01T12:00:00+02:00` and `2024-05-01T10:00:00Z`);
/// - two strings that both parse as UUIDs are equal if the UUIDs are
///   (`67E55044-10B1-426F-9247-BB680E5FE0C8` and `67e55044-10b1-426f-9247-bb680e5fe0c8`);
/// - only if `defaults_may_fill`: `output`'s objects may have keys that `example`'s lack, for
///   fields filled from schema defaults.
///
/// ```
/// use serde_json::json;
/// use tidings::testing::round_trip_equal;
///
/// let example = json!({"at": "2024-05-01T12:00:00+02:00"});
/// let output = json!({"at": "2024-05-01T10:00:00Z", "retries": 3});
/// assert!(round_trip_equal(&example, &output, true));
/// assert!(!round_trip_equal(&example, &output, false));
/// ```
pub fn round_trip_equal(example: &Value, output: &Value, defaults_may_fill: bool) -> bool {
    round_trip_difference(example, output, defaults_may_fill).is_none()
}

/// The JSON pointer of the first place where [`round_trip_equal`] fails, if any.
fn round_trip_difference(
    example: &Value,
    output: &Value,
    defaults_may_fill: bool,
) -> Option<String> {
    let rules = Rules {
        same_string: |a, b| same_instant(a, b) || same_uuid(a, b),
        extra_keys_ok: defaults_may_fill,
    };
    json::first_difference(example, output, &rules)
}

fn same_instant(a: &str, b: &str) -> bool {
    use chrono::DateTime;
    match (
        DateTime::parse_from_rfc3339(a),
        DateTime::parse_from_rfc3339(b),
    ) {
        // `DateTime` equality compares instants, whatever the offsets.
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn same_uuid(a: &str, b: &str) -> bool {
    use uuid::Uuid;
    match (Uuid::parse_str(a), Uuid::parse_str(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Deserializes `value` into `T`, describing a failure by serde path, JSON pointer and cause.
fn deserialize<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let pointer = json::pointer_from_path(err.path());
        format!(
            "{} (serde path `{}`, JSON pointer {})",
            err.inner(),
            err.path(),
            describe_pointer(&pointer)
        )
    })
}

fn pretty(value: &Value) -> String {
    // Serializing a `Value` to a string cannot fail: its keys are strings.
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serializer};
    use serde_json::json;
    use std::panic::{catch_unwind, UnwindSafe};
    use uuid::Uuid;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Shipment {
        id: Uuid,
        shipped_at: DateTime<Utc>,
        weight_kg: f64,
        parcels: Vec<Parcel>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Parcel {
        weight_grams: u32,
        #[serde(default = "default_priority")]
        priority: u8,
    }

    fn default_priority() -> u8 {
        3
    }

    /// Drops keys it does not know, so its examples do not round-trip.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Forgetful {
        kept: u32,
    }

    /// Serializes a value other than the one it read.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Drifting(u32);

    impl Serialize for Drifting {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_u32(self.0 + 1)
        }
    }

    fn shipment() -> Value {
        json!({
            "id": "67E55044-10B1-426F-9247-BB680E5FE0C8",
            "shippedAt": "2024-05-01T12:00:00.000+02:00",
            "weightKg": 2,
            "parcels": [{"weightGrams": 1200, "priority": 1}],
        })
    }

    fn panic_message(f: impl FnOnce() + UnwindSafe) -> String {
        let payload = catch_unwind(f).expect_err("the assertion passed");
        match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => payload
                .downcast_ref::<&str>()
                .map(|message| (*message).to_owned())
                .unwrap_or_default(),
        }
    }

    #[test]
    fn canonical_forms_round_trip() {
        // Upper-case UUID, offset date-time with millis, an integer for an f64: the output
        // writes each differently, and means the same.
        assert_round_trip::<Shipment>(&shipment(), false);
    }

    #[test]
    fn optional_fields_round_trip_when_absent_or_present() {
        let mut example = shipment();
        example["note"] = json!("leave at the door");
        assert_round_trip::<Shipment>(&example, false);
    }

    #[test]
    fn defaults_may_fill_accepts_filled_keys() {
        let example = json!({"weightGrams": 10});
        assert_round_trip::<Parcel>(&example, true);
        let mut nested = shipment();
        nested["parcels"] = json!([{"weightGrams": 5}]);
        assert_round_trip::<Shipment>(&nested, true);
    }

    #[test]
    #[should_panic(expected = "the JSON differs at `/priority` (example has nothing, \
                               re-serialized has 3)")]
    fn filled_keys_fail_without_defaults_may_fill() {
        assert_round_trip::<Parcel>(&json!({"weightGrams": 10}), false);
    }

    #[test]
    #[should_panic(expected = "the example does not deserialize into")]
    fn examples_that_do_not_fit_fail() {
        assert_round_trip::<Parcel>(&json!({"weightGrams": "heavy"}), false);
    }

    #[test]
    fn misfit_messages_name_the_path_and_the_example() {
        let mut example = shipment();
        example["parcels"][0]["weightGrams"] = json!(-1);
        let message = panic_message(move || assert_round_trip::<Shipment>(&example, false));
        assert!(message.contains("Shipment"), "{message}");
        assert!(message.contains("parcels[0].weightGrams"), "{message}");
        assert!(message.contains("`/parcels/0/weightGrams`"), "{message}");
        assert!(message.contains("invalid value: integer `-1`"), "{message}");
        assert!(message.contains("\"weightGrams\": -1"), "{message}");
    }

    #[test]
    #[should_panic(expected = "the JSON differs at `/dropped`")]
    fn lost_keys_fail_even_when_defaults_may_fill() {
        assert_round_trip::<Forgetful>(&json!({"kept": 1, "dropped": true}), true);
    }

    #[test]
    #[should_panic(expected = "reads back its own JSON as a different value")]
    fn unstable_values_fail() {
        assert_round_trip::<Drifting>(&json!(1), false);
    }

    #[test]
    fn difference_messages_show_both_documents_and_the_pointer() {
        let message =
            panic_message(|| assert_round_trip::<Forgetful>(&json!({"kept": 1, "lost": 2}), false));
        assert!(message.contains("differs at `/lost`"), "{message}");
        assert!(
            message.contains("example has 2, re-serialized has nothing"),
            "{message}"
        );
        assert!(
            message.contains("example:\n{\n  \"kept\": 1,\n  \"lost\": 2\n}"),
            "{message}"
        );
        assert!(
            message.contains("re-serialized:\n{\n  \"kept\": 1\n}"),
            "{message}"
        );
    }

    #[test]
    fn round_trip_equal_accepts_canonical_forms() {
        assert!(round_trip_equal(
            &json!("2024-05-01T12:00:00+02:00"),
            &json!("2024-05-01T10:00:00Z"),
            false
        ));
        assert!(round_trip_equal(
            &json!("2024-05-01T10:00:00.000000Z"),
            &json!("2024-05-01T10:00:00Z"),
            false
        ));
        assert!(round_trip_equal(
            &json!(["67E55044-10B1-426F-9247-BB680E5FE0C8"]),
            &json!(["67e55044-10b1-426f-9247-bb680e5fe0c8"]),
            false
        ));
        assert!(round_trip_equal(
            &json!("67e5504410b1426f9247bb680e5fe0c8"),
            &json!("67e55044-10b1-426f-9247-bb680e5fe0c8"),
            false
        ));
        assert!(round_trip_equal(
            &json!({"n": 1, "m": 2}),
            &json!({"m": 2.0, "n": 1}),
            false
        ));
    }

    #[test]
    fn round_trip_equal_rejects_different_meanings() {
        // Different instants, different UUIDs.
        assert!(!round_trip_equal(
            &json!("2024-05-01T12:00:00+02:00"),
            &json!("2024-05-01T12:00:00Z"),
            false
        ));
        assert!(!round_trip_equal(
            &json!("67e55044-10b1-426f-9247-bb680e5fe0c8"),
            &json!("67e55044-10b1-426f-9247-bb680e5fe0c9"),
            false
        ));
        // Only one side parses: no allowance applies.
        assert!(!round_trip_equal(
            &json!("2024-05-01"),
            &json!("2024-05-01T00:00:00Z"),
            false
        ));
        assert!(!round_trip_equal(&json!("ABC"), &json!("abc"), false));
        // Filled keys are one-way: the output may gain keys, never lose them.
        assert!(!round_trip_equal(&json!({"a": 1}), &json!({}), true));
        assert!(!round_trip_equal(&json!({}), &json!({"a": 1}), false));
        assert!(round_trip_equal(&json!({}), &json!({"a": 1}), true));
        assert!(round_trip_equal(
            &json!([{}]),
            &json!([{"a": {"b": 1}}]),
            true
        ));
        // Arrays keep their length and order.
        assert!(!round_trip_equal(&json!([1, 2]), &json!([2, 1]), true));
        assert!(!round_trip_equal(&json!([1]), &json!([1, 1]), true));
    }
}
