//! Messages: how violations and compile errors name kinds of values and show the values.

use std::fmt::Write as _;

use serde_json::Value;

use crate::validate::number::is_integer;

/// What kind of JSON value this is, for messages; `integer` for whole numbers if `fine`.
pub(super) fn kind(value: &Value, fine: bool) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(n) if fine && is_integer(n) => "an integer",
        Value::Number(_) => "a number",
    }
}

/// How much of a value messages show.
const BRIEF: usize = 60;

/// A string as a quoted literal, shortened if long.
pub(super) fn quote(s: &str) -> String {
    match s.char_indices().nth(BRIEF) {
        Some((end, _)) => format!("{:?}…", &s[..end]),
        None => format!("{s:?}"),
    }
}

/// A value as JSON text, shortened if long.
pub(super) fn brief(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(BRIEF) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// The allowed values of an `enum`, the first few of them if there are many.
pub(super) fn brief_list(values: &[Value]) -> String {
    const SHOWN: usize = 5;
    let mut text = values
        .iter()
        .take(SHOWN)
        .map(brief)
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > SHOWN {
        let _ = write!(text, " (and {} more)", values.len() - SHOWN);
    }
    format!("the allowed values {text}")
}
