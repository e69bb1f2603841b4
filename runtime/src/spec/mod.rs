//! Specs from code: the constraints of `#[derive(Validate)]` written into a type's JSON Schema.
//!
//! A code-first type's schema comes from [`schemars`](https://docs.rs/schemars) (its
//! `JsonSchema` derive reads the structure serde gives the type); what it cannot see are
//! tidings' checks (`minimum`, `pattern`, `format`, `enumeration`, `items(...)`, ...). Each
//! [`Validate`](crate::Validate) type describes its checks into that schema through a
//! [`Cursor`] ([`Validate::describe`](crate::Validate::describe), which `#[derive(Validate)]`
//! writes), so that the schema accepts what `Validate` accepts.
//!
//! ```
//! use serde_json::json;
//! use tidings::spec::Cursor;
//!
//! // A schema as schemars writes it for `struct Parcel { weight: u32, code: Option<String> }`.
//! let mut schema = json!({
//!     "type": "object",
//!     "properties": {
//!         "weight": {"type": "integer"},
//!         "code": {"type": ["string", "null"]},
//!     },
//! });
//! let mut cursor = Cursor::new(&mut schema);
//! cursor.property("weight").keywords(r#"{"minimum": 1}"#);
//! cursor.property("code").keywords(r#"{"enum": ["a", "b"]}"#);
//! assert_eq!(schema["properties"]["weight"]["minimum"], 1);
//! // The `Option` admits `null`: so does the enumeration.
//! assert_eq!(schema["properties"]["code"]["enum"], json!(["a", "b", null]));
//! ```

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::json::escape_token;

#[cfg(feature = "spec")]
mod asyncapi;
#[cfg(feature = "spec")]
pub use self::asyncapi::AsyncApi;

/// A place in a JSON Schema document (a type's schema with its `$defs`) where a value's
/// constraints go.
///
/// Every step into a place the schema does not have (a property it does not list, `items` of
/// a schema without them) leads nowhere, and constraints there are dropped: the schema
/// describes the type's JSON form, and a check of something that form never holds has
/// nothing to apply to.
pub struct Cursor<'d> {
    root: &'d mut Value,
    /// JSON pointer of the current schema; `None` once a step found nothing.
    at: Option<String>,
    /// Whether `null` is valid here because an `Option` around the value admits it.
    nullable: bool,
    /// Definitions already described, so that each type's constraints go in once and a
    /// recursive type ends.
    described: DescribedSet<'d>,
}

/// Owned at the root, borrowed by every cursor below it.
enum DescribedSet<'d> {
    Owned(HashSet<String>),
    Borrowed(&'d mut HashSet<String>),
}

impl DescribedSet<'_> {
    fn get(&mut self) -> &mut HashSet<String> {
        match self {
            DescribedSet::Owned(set) => set,
            DescribedSet::Borrowed(set) => set,
        }
    }
}

impl<'d> Cursor<'d> {
    /// A cursor at the root of `document`.
    pub fn new(document: &'d mut Value) -> Cursor<'d> {
        Cursor {
            root: document,
            at: Some(String::new()),
            nullable: false,
            described: DescribedSet::Owned(HashSet::new()),
        }
    }

    /// A cursor at `pointer` (a JSON pointer) in `document`, where `$ref`s resolve.
    pub fn at(document: &'d mut Value, pointer: &str) -> Cursor<'d> {
        let at = document.pointer(pointer).map(|_| pointer.to_owned());
        Cursor {
            root: document,
            at,
            nullable: false,
            described: DescribedSet::Owned(HashSet::new()),
        }
    }

    /// A cursor at `pointer` in the same document.
    fn to(&mut self, at: Option<String>, nullable: bool) -> Cursor<'_> {
        Cursor {
            root: &mut *self.root,
            at,
            nullable,
            described: DescribedSet::Borrowed(self.described.get()),
        }
    }

    /// The current schema, when it is an object.
    fn node(&mut self) -> Option<&mut Map<String, Value>> {
        let at = self.at.as_deref()?;
        self.root.pointer_mut(at)?.as_object_mut()
    }

    fn node_ref(&self) -> Option<&Map<String, Value>> {
        self.root.pointer(self.at.as_deref()?)?.as_object()
    }

    /// The pointer of the current schema, if the cursor is anywhere.
    pub fn pointer(&self) -> Option<&str> {
        self.at.as_deref()
    }

    /// Where `$ref` leads from the current schema (itself when it has none): the definition
    /// that the value's own constraints go into.
    fn definition(&self) -> Option<String> {
        let mut at = self.at.clone()?;
        for _ in 0..32 {
            let node = self.root.pointer(&at)?.as_object()?;
            match node.get("$ref").and_then(Value::as_str) {
                Some(reference) => at = reference.strip_prefix('#')?.to_owned(),
                None => return Some(at),
            }
        }
        None
    }

    /// The schema of property `name` of the current object schema (or of its definition).
    pub fn property(&mut self, name: &str) -> Cursor<'_> {
        let at = self.definition().and_then(|at| {
            let child = format!("{at}/properties/{}", escape_token(name));
            self.root.pointer(&child).map(|_| child)
        });
        self.to(at, false)
    }

    /// The schema of tuple item `index` (`prefixItems`, or draft-07's `items` array).
    pub fn index(&mut self, index: usize) -> Cursor<'_> {
        let at = self.definition().and_then(|at| {
            ["prefixItems", "items"]
                .iter()
                .map(|k| format!("{at}/{k}/{index}"))
                .find(|child| self.root.pointer(child).is_some())
        });
        self.to(at, false)
    }

    /// The schema of each item of the current array schema.
    pub fn items(&mut self) -> Cursor<'_> {
        let at = self.definition().and_then(|at| {
            let child = format!("{at}/items");
            self.root
                .pointer(&child)
                .filter(|v| v.is_object())
                .map(|_| child)
        });
        self.to(at, false)
    }

    /// The schema of each value of the current map schema (`additionalProperties`).
    pub fn values(&mut self) -> Cursor<'_> {
        let at = self.definition().and_then(|at| {
            let child = format!("{at}/additionalProperties");
            self.root
                .pointer(&child)
                .filter(|v| v.is_object())
                .map(|_| child)
        });
        self.to(at, false)
    }

    /// The schema of the value inside an `Option`: the branch of an `anyOf`/`oneOf` that is
    /// not `{"type": "null"}`, or the schema itself when its `type` lists `null`. Constraints
    /// there admit `null` too.
    pub fn some(&mut self) -> Cursor<'_> {
        let at = self.at.clone().map(|at| {
            let node = self.root.pointer(&at).and_then(Value::as_object);
            for keyword in ["anyOf", "oneOf"] {
                let Some(branches) = node.and_then(|n| n.get(keyword)).and_then(Value::as_array)
                else {
                    continue;
                };
                let is_null = |b: &Value| b.get("type").and_then(Value::as_str) == Some("null");
                if branches.len() == 2 && branches.iter().any(is_null) {
                    let i = branches.iter().position(|b| !is_null(b)).unwrap_or(0);
                    return format!("{at}/{keyword}/{i}");
                }
            }
            at
        });
        self.to(at, true)
    }

    /// The schema of enum variant `index` (its branch of `oneOf`/`anyOf`, in declaration
    /// order), or, for an externally tagged variant, the schema under its `key`.
    pub fn variant(&mut self, index: usize, key: Option<&str>) -> Cursor<'_> {
        let at = self.definition().and_then(|at| {
            let node = self.root.pointer(&at)?.as_object()?;
            let (keyword, branches) = ["oneOf", "anyOf"]
                .iter()
                .find_map(|k| Some((*k, node.get(*k)?.as_array()?)))?;
            match key {
                Some(key) => branches.iter().enumerate().find_map(|(i, b)| {
                    b.get("properties")?.get(key)?;
                    Some(format!(
                        "{at}/{keyword}/{i}/properties/{}",
                        escape_token(key)
                    ))
                }),
                None => (index < branches.len()).then(|| format!("{at}/{keyword}/{index}")),
            }
        });
        self.to(at, false)
    }

    /// Describes the constraints of `T` (the type of the value here) into its definition,
    /// once per definition.
    pub fn describe<T: crate::Validate + ?Sized>(&mut self) {
        let Some(definition) = self.definition() else {
            return;
        };
        if self.at.as_deref() != Some(definition.as_str())
            && !self.described.get().insert(definition.clone())
        {
            return;
        }
        // A definition is shared: `null` from an `Option` around this use is not its own.
        let nullable = self.nullable && self.at.as_deref() == Some(definition.as_str());
        let mut inner = self.to(Some(definition), nullable);
        T::describe(&mut inner);
    }

    /// Adds the keywords of the JSON object `text` to the current schema. Where the value may
    /// also be `null` (an `Option` around it), `enum` lists `null` and `const` becomes an
    /// `enum` of the constant and `null`; other keywords leave `null` valid by themselves.
    pub fn keywords(&mut self, text: &str) {
        let Ok(Value::Object(keywords)) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let nullable = self.nullable || self.node_ref().is_some_and(admits_null);
        let Some(node) = self.node() else { return };
        // Draft-07 ignores keywords beside `$ref`: the reference moves into an `allOf`.
        if let Some(reference) = node.remove("$ref") {
            let mut all = match node.remove("allOf") {
                Some(Value::Array(all)) => all,
                _ => Vec::new(),
            };
            all.insert(0, serde_json::json!({ "$ref": reference }));
            node.insert("allOf".into(), Value::Array(all));
        }
        for (keyword, mut value) in keywords {
            match (keyword.as_str(), &mut value) {
                ("enum", Value::Array(values)) if nullable && !values.contains(&Value::Null) => {
                    values.push(Value::Null);
                }
                ("const", constant) if nullable && !constant.is_null() => {
                    node.insert(
                        "enum".into(),
                        Value::Array(vec![constant.take(), Value::Null]),
                    );
                    continue;
                }
                // The stronger bound stays: the type's own range (`minimum: 0` of a `u64`)
                // still holds for values serde decodes.
                ("minimum" | "exclusiveMinimum", Value::Number(n))
                    if stronger(node.get(&keyword), n, |old, new| old >= new) =>
                {
                    continue;
                }
                ("maximum" | "exclusiveMaximum", Value::Number(n))
                    if stronger(node.get(&keyword), n, |old, new| old <= new) =>
                {
                    continue;
                }
                ("allOf", Value::Array(schemas)) => {
                    if let Some(Value::Array(existing)) = node.get_mut("allOf") {
                        existing.append(schemas);
                        continue;
                    }
                }
                _ => {}
            }
            node.insert(keyword, value);
        }
    }

    /// `length(min, max)`: characters, items or properties, by the schema's `type` (all three
    /// where it does not say: each applies to its own kind of value only).
    pub fn length(&mut self, min: Option<u64>, max: Option<u64>) {
        let types = self.node_ref().map(types_of).unwrap_or_default();
        let kinds: Vec<(&str, &str)> = [
            ("string", "Length"),
            ("array", "Items"),
            ("object", "Properties"),
        ]
        .into_iter()
        .filter(|(t, _)| types.is_empty() || types.iter().any(|x| x == t))
        .collect();
        let Some(node) = self.node() else { return };
        for (_, suffix) in kinds {
            if let Some(min) = min {
                let old = node.get(&format!("min{suffix}")).and_then(Value::as_u64);
                node.insert(format!("min{suffix}"), old.unwrap_or(0).max(min).into());
            }
            if let Some(max) = max {
                let old = node.get(&format!("max{suffix}")).and_then(Value::as_u64);
                node.insert(
                    format!("max{suffix}"),
                    old.unwrap_or(u64::MAX).min(max).into(),
                );
            }
        }
    }
}

/// Whether the bound `old` (if it is a number) is already at least as strong as `new`.
fn stronger(old: Option<&Value>, new: &serde_json::Number, keep: fn(f64, f64) -> bool) -> bool {
    match (old.and_then(Value::as_f64), new.as_f64()) {
        (Some(old), Some(new)) => keep(old, new),
        _ => false,
    }
}

/// The names in a schema's `type`.
fn types_of(node: &Map<String, Value>) -> Vec<String> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the schema's `type` lists `null`.
fn admits_null(node: &Map<String, Value>) -> bool {
    types_of(node).iter().any(|t| t == "null")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn steps_follow_references_and_lead_nowhere_when_the_schema_lacks_the_place() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}},
                "note": {"anyOf": [{"$ref": "#/$defs/Note"}, {"type": "null"}]},
            },
            "$defs": {
                "Line": {"type": "object", "properties": {"sku": {"type": "string"}}},
                "Note": {"type": "string"},
            },
        });
        let mut root = Cursor::new(&mut schema);
        root.property("lines")
            .items()
            .property("sku")
            .keywords(r#"{"pattern": "^[A-Z]"}"#);
        root.property("lines").length(Some(1), None);
        root.property("note").some().keywords(r#"{"const": "x"}"#);
        root.property("missing").keywords(r#"{"minimum": 1}"#);
        assert_eq!(
            schema["$defs"]["Line"]["properties"]["sku"]["pattern"],
            "^[A-Z]"
        );
        assert_eq!(schema["properties"]["lines"]["minItems"], 1);
        assert!(schema["properties"]["lines"].get("minLength").is_none());
        assert_eq!(
            schema["properties"]["note"]["anyOf"][0]["enum"],
            json!(["x", null])
        );
        assert!(schema["properties"].get("missing").is_none());
    }
}
