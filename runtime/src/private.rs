//! Helpers that generated code and tidings' derives name by path.
//!
//! Not a public API: their paths and signatures may change in any release.

/// Serde `with` module for `Option<Option<T>>` fields that tell a missing key from `null`.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize)]
/// struct Patch {
///     #[serde(
///         default,
///         skip_serializing_if = "Option::is_none",
///         with = "::tidings::__private::double_option"
///     )]
///     nickname: Option<Option<String>>,
/// }
/// ```
///
/// | JSON                    | value                   |
/// |-------------------------|-------------------------|
/// | key missing             | `None`                  |
/// | `"nickname": null`      | `Some(None)`            |
/// | `"nickname": "Ace"`     | `Some(Some("Ace"))`     |
///
/// `default` is what makes a missing key `None`, and `skip_serializing_if` what keeps `None`
/// missing on the way out; without it `None` serializes as `null`, like `Some(None)`.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes `Some(Some(v))` as `v`, and `Some(None)` (and `None`) as `null`.
    pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        match value {
            Some(Some(inner)) => serializer.serialize_some(inner),
            Some(None) | None => serializer.serialize_none(),
        }
    }

    /// Deserializes a present key: `null` as `Some(None)`, anything else as `Some(Some(v))`.
    /// A missing key never reaches this function; `#[serde(default)]` makes it `None`.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::{json, Value};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Patch {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "::tidings::__private::double_option"
        )]
        nickname: Option<Option<String>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "::tidings::__private::double_option"
        )]
        age: Option<Option<u8>>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct AlwaysWritten {
        #[serde(default, with = "::tidings::__private::double_option")]
        note: Option<Option<String>>,
    }

    fn patch(value: Value) -> Patch {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn missing_null_and_value_are_three_states() {
        assert_eq!(
            patch(json!({})),
            Patch {
                nickname: None,
                age: None
            }
        );
        assert_eq!(
            patch(json!({"nickname": null, "age": 40})),
            Patch {
                nickname: Some(None),
                age: Some(Some(40))
            }
        );
        assert_eq!(
            patch(json!({"nickname": "Ace"})),
            Patch {
                nickname: Some(Some("Ace".into())),
                age: None
            }
        );
    }

    #[test]
    fn serialization_keeps_the_three_states() {
        for value in [
            json!({}),
            json!({"nickname": null}),
            json!({"nickname": "Ace", "age": null}),
            json!({"age": 7}),
        ] {
            assert_eq!(serde_json::to_value(patch(value.clone())).unwrap(), value);
        }
    }

    #[test]
    fn wrong_types_are_still_errors() {
        let err = serde_json::from_value::<Patch>(json!({"age": "old"})).unwrap_err();
        assert!(err.to_string().contains("expected u8"), "{err}");
    }

    #[test]
    fn none_without_skip_serializes_as_null() {
        let written = serde_json::to_value(AlwaysWritten { note: None }).unwrap();
        assert_eq!(written, json!({"note": null}));
        let read: AlwaysWritten = serde_json::from_value(json!({})).unwrap();
        assert_eq!(read, AlwaysWritten { note: None });
    }
}
