//! JSON comparison by meaning rather than by text.
//!
//! Two documents that differ only in key order or in how a number is written (`1` and `1.0`)
//! mean the same thing to every consumer; [`equal`] treats them as equal. The crate-private
//! part of this module finds *where* two documents first differ (as a JSON pointer), for
//! messages that say more than "not equal".

use serde_json::{Number, Value};

/// JSON equality by meaning.
///
/// - Numbers compare by mathematical value: `1 == 1.0`, large `u64`/`i64` values exactly
///   (`9007199254740993` differs from `9007199254740992`), and a float against a float as `f64`.
///   A float equals an integer only if it is that whole number, so the comparison never
///   rounds the integer to the nearest `f64`.
/// - Objects are equal when they have the same keys with equal values, in any order.
/// - Arrays are equal when they have equal elements in the same order.
/// - Strings, booleans and `null` compare as themselves.
///
/// ```
/// use serde_json::json;
///
/// assert!(tidings::json::equal(&json!({"a": 1, "b": [2.0]}), &json!({"b": [2], "a": 1.0})));
/// assert!(!tidings::json::equal(&json!([1, 2]), &json!([2, 1])));
/// ```
pub fn equal(a: &Value, b: &Value) -> bool {
    first_difference(a, b, &Rules::EXACT).is_none()
}

/// Rewrites every float that is a whole number in the range of `i64` or `u64` (`1.0`, `-3e2`)
/// as that integer, which JSON Schema counts as an integer and serde does not; whether any
/// changed. Other numbers are left as they are. (Values from serde_json are at most 128
/// levels deep, so the recursion is bounded.)
pub(crate) fn integral_floats_to_integers(value: &mut Value) -> bool {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // 2^63 and 2^64 are exact as f64; every whole f64 below them converts exactly.
            let whole = if f.fract() != 0.0 || !f.is_finite() {
                None
            } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
                Some(Number::from(f as i64))
            } else if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                Some(Number::from(f as u64))
            } else {
                None
            };
            match whole {
                Some(integer) => {
                    *n = integer;
                    true
                }
                None => false,
            }
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            integral_floats_to_integers(item) | changed
        }),
        Value::Object(map) => map.values_mut().fold(false, |changed, item| {
            integral_floats_to_integers(item) | changed
        }),
        _ => false,
    }
}

/// How [`first_difference`] compares two documents beyond [`equal`]'s semantics.
pub(crate) struct Rules {
    /// Decides whether two strings that are not byte-equal still mean the same thing.
    pub(crate) same_string: fn(&str, &str) -> bool,
    /// Whether `actual` may have object keys that `expected` lacks.
    pub(crate) extra_keys_ok: bool,
}

impl Rules {
    /// The rules of [`equal`].
    pub(crate) const EXACT: Rules = Rules {
        same_string: |_, _| false,
        extra_keys_ok: false,
    };
}

/// The JSON pointer of the first place where `actual` differs from `expected`, or `None` if
/// they are equal under `rules`.
///
/// Object keys are visited in the map's order (sorted, unless serde_json's `preserve_order` is
/// on), so the answer is deterministic. When an array is shorter or longer than the other, the
/// pointer names the first index that only one of them has.
pub(crate) fn first_difference(expected: &Value, actual: &Value, rules: &Rules) -> Option<String> {
    let mut reversed = difference(expected, actual, rules)?;
    reversed.reverse();
    Some(reversed.iter().fold(String::new(), |mut pointer, token| {
        pointer.push('/');
        pointer.push_str(token);
        pointer
    }))
}

/// The escaped pointer tokens leading to the first difference, innermost first: they are
/// pushed while returning from the recursion, so equal documents allocate nothing.
fn difference(expected: &Value, actual: &Value, rules: &Rules) -> Option<Vec<String>> {
    let within = |token: String, inner: Option<Vec<String>>| {
        inner.map(|mut tokens| {
            tokens.push(token);
            tokens
        })
    };
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, expected_value) in expected {
                let inner = match actual.get(key) {
                    Some(actual_value) => difference(expected_value, actual_value, rules),
                    None => Some(Vec::new()),
                };
                if inner.is_some() {
                    return within(escape_token(key), inner);
                }
            }
            if rules.extra_keys_ok {
                return None;
            }
            let extra = actual.keys().find(|key| !expected.contains_key(*key))?;
            Some(vec![escape_token(extra)])
        }
        (Value::Array(expected), Value::Array(actual)) => {
            for (index, (e, a)) in expected.iter().zip(actual).enumerate() {
                let inner = difference(e, a, rules);
                if inner.is_some() {
                    return within(index.to_string(), inner);
                }
            }
            if expected.len() == actual.len() {
                return None;
            }
            Some(vec![expected.len().min(actual.len()).to_string()])
        }
        (Value::Number(e), Value::Number(a)) if crate::validate::number::equal(e, a) => None,
        (Value::String(e), Value::String(a)) if e == a || (rules.same_string)(e, a) => None,
        (Value::Bool(e), Value::Bool(a)) if e == a => None,
        (Value::Null, Value::Null) => None,
        _ => Some(Vec::new()),
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901): `~` → `~0`, `/` → `~1`.
pub fn escape_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_token(&mut out, token);
    out
}

/// Appends `token` to `out` escaped as [`escape_token`] does, without a copy when there is
/// nothing to escape.
pub(crate) fn push_token(out: &mut String, token: &str) {
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// A pointer as prose: "the root" for `""`, the pointer in backticks otherwise.
pub(crate) fn describe_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "the root".to_owned()
    } else {
        format!("`{pointer}`")
    }
}

/// The JSON pointer that a serde path names: `parcels[0].weightGrams` → `/parcels/0/weightGrams`.
///
/// Segments serde_path_to_error could not name (through `#[serde(flatten)]` or untagged enums,
/// which buffer their input) are left out, so the pointer names the nearest known ancestor.
pub(crate) fn pointer_from_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;

    let mut pointer = String::new();
    for segment in path.iter() {
        let token = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => escape_token(key),
            Segment::Enum { variant } => escape_token(variant),
            Segment::Unknown => continue,
        };
        pointer.push('/');
        pointer.push_str(&token);
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_floats_become_integers_and_nothing_else_changes() {
        let mut value = json!({"a": [1.0, -3e2, 2.5, 7, "1.0"], "b": {"c": -0.0, "d": 1e300}});
        assert!(integral_floats_to_integers(&mut value));
        assert_eq!(
            value.to_string(),
            r#"{"a":[1,-300,2.5,7,"1.0"],"b":{"c":0,"d":1e+300}}"#
        );
        // The edges: 2^63 fits u64 but not i64, -2^63 fits i64, 2^64 fits neither.
        let mut edges = json!([2f64.powi(63), -(2f64.powi(63)), 2f64.powi(64)]);
        assert!(integral_floats_to_integers(&mut edges));
        assert_eq!(edges[0].as_u64(), Some(1 << 63));
        assert_eq!(edges[1].as_i64(), Some(i64::MIN));
        assert!(edges[2].is_f64());
        let mut unchanged = json!({"a": [1, 2.5, null]});
        assert!(!integral_floats_to_integers(&mut unchanged));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(equal(&json!(1), &json!(1.0)));
        assert!(equal(&json!(-3), &json!(-3.0)));
        assert!(equal(&json!(0), &json!(-0.0)));
        assert!(equal(&json!(2.5), &json!(2.5)));
        assert!(!equal(&json!(1), &json!(1.5)));
        assert!(!equal(&json!(1), &json!(2)));
        assert!(!equal(&json!(0.1), &json!(0.2)));
    }

    #[test]
    fn large_integers_compare_exactly() {
        assert!(equal(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(equal(&json!(i64::MIN), &json!(i64::MIN)));
        assert!(!equal(&json!(u64::MAX), &json!(u64::MAX - 1)));
        assert!(!equal(&json!(-1), &json!(u64::MAX)));
        // 2^53 + 1 has no f64 of its own; comparing through f64 would call these equal.
        assert!(!equal(
            &json!(9_007_199_254_740_993_u64),
            &json!(9_007_199_254_740_992.0)
        ));
        assert!(equal(
            &json!(9_007_199_254_740_992_u64),
            &json!(9_007_199_254_740_992.0)
        ));
        assert!(equal(
            &json!(i64::MIN),
            &json!(-9_223_372_036_854_775_808.0)
        ));
        assert!(!equal(&json!(u64::MAX), &json!(1e300)));
    }

    #[test]
    fn objects_ignore_order_and_arrays_keep_it() {
        assert!(equal(
            &json!({"a": 1, "b": {"c": [1, 2], "d": null}}),
            &json!({"b": {"d": null, "c": [1, 2.0]}, "a": 1})
        ));
        assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!equal(&json!({"a": 1, "b": 2}), &json!({"a": 1})));
        assert!(!equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!equal(&json!([1, 2]), &json!([1, 2, 3])));
    }

    #[test]
    fn kinds_never_mix() {
        assert!(!equal(&json!(null), &json!(false)));
        assert!(!equal(&json!("1"), &json!(1)));
        assert!(!equal(&json!([]), &json!({})));
        assert!(!equal(&json!(true), &json!(1)));
        assert!(equal(&json!("x"), &json!("x")));
        assert!(!equal(&json!("x"), &json!("X")));
    }

    #[test]
    fn first_difference_names_a_pointer() {
        let at = |a: Value, b: Value| first_difference(&a, &b, &Rules::EXACT);
        assert_eq!(
            at(json!({"a": [1, {"b": 2}]}), json!({"a": [1, {"b": 2}]})),
            None
        );
        assert_eq!(at(json!(1), json!(2)).as_deref(), Some(""));
        assert_eq!(
            at(json!({"a": [1, {"b": 2}]}), json!({"a": [1, {"b": 3}]})).as_deref(),
            Some("/a/1/b")
        );
        assert_eq!(
            at(json!({"a/b": {"c~d": 1}}), json!({"a/b": {"c~d": 2}})).as_deref(),
            Some("/a~1b/c~0d")
        );
        assert_eq!(at(json!({"a": 1}), json!({})).as_deref(), Some("/a"));
        assert_eq!(at(json!({}), json!({"z": 1})).as_deref(), Some("/z"));
        assert_eq!(at(json!([1, 2]), json!([1])).as_deref(), Some("/1"));
        assert_eq!(at(json!([1]), json!([1, 2, 3])).as_deref(), Some("/1"));
    }

    #[test]
    fn rules_widen_equality() {
        let lenient = Rules {
            same_string: |a, b| a.eq_ignore_ascii_case(b),
            extra_keys_ok: true,
        };
        let at = |a: Value, b: Value| first_difference(&a, &b, &lenient);
        assert_eq!(at(json!({"a": "X"}), json!({"a": "x", "b": 1})), None);
        assert_eq!(at(json!({"a": 1}), json!({"b": 1})).as_deref(), Some("/a"));
    }

    #[test]
    fn tokens_escape_tilde_before_slash() {
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
        assert_eq!(escape_token("~1"), "~01");
        assert_eq!(escape_token(""), "");
    }
}
