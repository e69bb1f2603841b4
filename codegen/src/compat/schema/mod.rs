//! Comparing two bundled JSON Schemas: a keyword-by-keyword diff and a structural fingerprint.
//!
//! [`diff`] compares them keyword by keyword; the structural [`fingerprint`] makes a refactor (a
//! schema moved behind a `$ref`, keys reordered) no change.

pub(super) mod diff;
mod fingerprint;

use serde_json::Value;

use crate::source::vocabulary;

/// How deep comparisons go before tidings reports the schema as too deep to compare.
pub(super) const MAX_DEPTH: usize = 128;

/// Follows `$ref`s into the bundle's `definitions`; returns the schema and its pointer.
pub(super) fn deref<'v>(
    root: &'v Value,
    mut value: &'v Value,
    mut pointer: String,
) -> (&'v Value, String) {
    for _ in 0..64 {
        let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match root.pointer(target) {
            Some(next) => {
                value = next;
                pointer = target.to_owned();
            }
            None => break,
        }
    }
    (value, pointer)
}

/// Follows `$ref`s, and `allOf` of a single schema with nothing beside it (a wrapper that
/// changes nothing, as when an inline schema moves into `components`).
pub(super) fn unwrap<'v>(
    root: &'v Value,
    value: &'v Value,
    pointer: String,
) -> (&'v Value, String) {
    let (mut value, mut pointer) = deref(root, value, pointer);
    for _ in 0..64 {
        let Some(map) = value.as_object() else { break };
        let mut keys = map
            .keys()
            .filter(|k| !vocabulary::is_annotation(k) && !k.starts_with("x-"));
        let (Some(only), None) = (keys.next(), keys.next()) else {
            break;
        };
        match map.get(only) {
            Some(Value::Array(branches)) if only == "allOf" && branches.len() == 1 => {
                (value, pointer) = deref(root, &branches[0], format!("{pointer}/allOf/0"));
            }
            _ => break,
        }
    }
    (value, pointer)
}

/// `value` with integral floats as integers.
pub(super) fn normalize(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}
