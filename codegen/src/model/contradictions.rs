//! Checks on schemas the generated code evaluates: they must compile; contradictions get warnings.
//!
//! Each schema must compile in the runtime's evaluator (an error now, not a panic in the generated
//! crate later), and each part no value can satisfy gets a warning that says so.
//!
//! A contradictory schema is valid JSON Schema and tidings generates it faithfully: the
//! whole-schema check refuses every payload the schema refuses, and the example check uses
//! that same evaluator. The warning is for the author, who rarely means it.

use serde_json::Value;

use crate::error::{Diagnostic, Error, Result};
use crate::source::{pointer, Sources};

use std::collections::HashSet;

use super::{Catalog, Constraints, SchemaEntry, SchemaPositions, TypeKind};

/// Errors for schemas the runtime cannot evaluate; warnings for contradictions. The schema
/// document is compiled once (what every check of the generated code takes its entry from);
/// returned for the example check.
pub(crate) fn check(catalog: &mut Catalog, src: &Sources) -> Result<tidings::schema::Schemas> {
    let document = &catalog.schema_document;
    let at = |pointer: &str, message: String| match position(&document.positions, pointer) {
        Some((file, line, col)) => {
            let text = (src.doc_ids().map(|id| src.doc(id)))
                .find(|d| d.display == file)
                .map_or("", |d| d.text.as_str());
            Diagnostic::at(file, text, (line, col), message)
        }
        None => Diagnostic::file(src.main().display.clone(), message),
    };
    let compiled = match tidings::schema::Schemas::compile(&document.document) {
        Ok(compiled) => compiled,
        Err(_) => return Err(Error::Specs(evaluation_errors(catalog, &at))),
    };
    let mut warnings = Vec::new();
    let mut seen = HashSet::new();
    let definitions = document
        .document
        .get("definitions")
        .and_then(Value::as_object);
    for (key, schema) in definitions.into_iter().flatten() {
        let base = format!("/definitions/{}", pointer::escape(key));
        let mut found = Vec::new();
        contradictions(schema, &mut base.clone(), &mut found, 0);
        for (pointer, reason) in found {
            let diagnostic = at(&pointer, String::new());
            // A schema inside another entry is also an entry of its own when it has a check
            // of its own: the same place, said once.
            if !seen.insert((diagnostic.location(), reason.clone())) {
                continue;
            }
            let inside = &pointer[base.len()..];
            warnings.push(
                at(
                    &pointer,
                    format!(
                        "schema `{key}` can never be satisfied at `{}`: {reason}; every value \
                         there is refused",
                        if inside.is_empty() { "/" } else { inside },
                    ),
                )
                .with_pointer(inside.to_owned()),
            );
        }
    }
    catalog.warnings.extend(warnings);
    Ok(compiled)
}

/// Every place the document does not compile, each once, naming the first message (or
/// type) that uses it. Entries compiled one by one: only a broken spec pays for that.
fn evaluation_errors(
    catalog: &Catalog,
    at: &dyn Fn(&str, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let document = &catalog.schema_document.document;
    let mut users: Vec<(String, &SchemaEntry)> = Vec::new();
    for m in &catalog.messages {
        for (what, entry) in [
            ("payload", &m.payload_schema),
            ("headers", &m.headers_schema),
        ] {
            if let Some(entry) = entry {
                users.push((format!("the {what} schema of message `{}`", m.name), entry));
            }
        }
    }
    for ty in &catalog.types {
        let mut entries: Vec<&SchemaEntry> = ty.check.iter().collect();
        collect(&ty.constraints, &mut entries);
        if let TypeKind::Struct(s) = &ty.kind {
            for field in &s.fields {
                collect(&field.constraints, &mut entries);
            }
        }
        let user = format!("the schema of `{}` ({})", ty.rust_name, ty.origin);
        users.extend(entries.into_iter().map(|e| (user.clone(), e)));
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (user, entry) in users {
        let Err(e) = tidings::schema::Schemas::compile_at(document, [entry.pointer()]) else {
            continue;
        };
        if seen.insert(e.pointer.clone()) {
            errors.push(
                at(
                    &e.pointer,
                    format!("{user} cannot be evaluated: {}", e.message),
                )
                .with_pointer(e.pointer.clone()),
            );
        }
    }
    if errors.is_empty() {
        // Only an entry no check uses could fail; still, say where.
        if let Err(e) = tidings::schema::Schemas::compile(document) {
            errors.push(at(
                &e.pointer,
                format!("a schema cannot be evaluated: {}", e.message),
            ));
        }
    }
    errors
}

fn collect<'c>(c: &'c Constraints, out: &mut Vec<&'c SchemaEntry>) {
    out.extend(c.schema.iter());
    for nested in [&c.items, &c.values].into_iter().flatten() {
        collect(nested, out);
    }
}

/// The position of the schema at `pointer`, or of the nearest schema above it.
fn position<'p>(positions: &'p SchemaPositions, pointer: &str) -> Option<(&'p str, u32, u32)> {
    let mut p = pointer;
    loop {
        if let Some(pos) = positions.get(p) {
            return Some((&pos.file, pos.line, pos.col));
        }
        p = &p[..p.rfind('/')?];
    }
}

/// JSON types, as JSON Schema names them.
fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn allows(types: &[&str], value: &Value) -> bool {
    let t = type_of(value);
    types.contains(&t) || (t == "integer" && types.contains(&"number"))
}

/// Finds subschemas no value satisfies, as `(pointer, reason)`.
fn contradictions(schema: &Value, at: &mut String, found: &mut Vec<(String, String)>, depth: u32) {
    let Value::Object(map) = schema else { return };
    if depth > 64 {
        return;
    }
    let types: Option<Vec<&str>> = match map.get("type") {
        Some(Value::String(t)) => Some(vec![t.as_str()]),
        Some(Value::Array(ts)) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    };
    if let Some(Value::Array(values)) = map.get("enum") {
        if values.is_empty() {
            found.push((at.clone(), "`enum` lists no value".into()));
        } else if let Some(types) = &types {
            if !values.iter().any(|v| allows(types, v)) {
                found.push((
                    at.clone(),
                    format!("no value of `enum` is of type {}", types.join(" or ")),
                ));
            }
        }
    }
    if let (Some(value), Some(types)) = (map.get("const"), &types) {
        if !allows(types, value) {
            found.push((
                at.clone(),
                format!("`const` is not of type {}", types.join(" or ")),
            ));
        }
    }
    let only = |kind: &str| {
        types.as_ref().is_some_and(|t| {
            t.len() == 1 && (t[0] == kind || (kind == "number" && t[0] == "integer"))
        })
    };
    for (low, high, kind) in [
        ("minLength", "maxLength", "string"),
        ("minItems", "maxItems", "array"),
        ("minProperties", "maxProperties", "object"),
        ("minimum", "maximum", "number"),
    ] {
        let (Some(l), Some(h)) = (
            map.get(low).and_then(Value::as_f64),
            map.get(high).and_then(Value::as_f64),
        ) else {
            continue;
        };
        if l > h && only(kind) {
            found.push((at.clone(), format!("`{low}` {l} is above `{high}` {h}")));
        }
    }
    if let (Some(Value::Array(required)), Some(Value::Object(properties))) =
        (map.get("required"), map.get("properties"))
    {
        for name in required.iter().filter_map(Value::as_str) {
            if properties.get(name) == Some(&Value::Bool(false)) {
                found.push((
                    at.clone(),
                    format!("property `{name}` is required and its schema is `false`"),
                ));
            }
        }
    }
    // Descend into every subschema.
    let len = at.len();
    for (key, value) in map {
        let children: Vec<(String, &Value)> = match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependentSchemas" => {
                value
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (format!("/{key}/{}", pointer::escape(k)), v))
                            .collect()
                    })
                    .unwrap_or_default()
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" | "items" if value.is_array() => value
                .as_array()
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .map(|(i, v)| (format!("/{key}/{i}"), v))
                        .collect()
                })
                .unwrap_or_default(),
            "items"
            | "additionalItems"
            | "additionalProperties"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else" => vec![(format!("/{key}"), value)],
            _ => Vec::new(),
        };
        for (suffix, child) in children {
            at.push_str(&suffix);
            contradictions(child, at, found, depth + 1);
            at.truncate(len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn found(schema: Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        contradictions(&schema, &mut String::new(), &mut out, 0);
        out
    }

    #[test]
    fn finds_what_no_value_satisfies() {
        let f = found(json!({
            "type": "object",
            "properties": {
                "kind": {"type": "object", "enum": ["a", "b"]},
                "n": {"type": "integer", "minimum": 5, "maximum": 1},
                "s": {"type": "string", "minLength": 3, "maxLength": 1},
                "c": {"type": "string", "const": 1},
                "gone": false,
                "fine": {"type": ["string", "null"], "enum": [null], "minLength": 3, "maxLength": 1}
            },
            "required": ["gone"],
            "allOf": [{"enum": []}]
        }));
        let pointers: Vec<&str> = f.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "",
                "/allOf/0",
                "/properties/c",
                "/properties/kind",
                "/properties/n",
                "/properties/s"
            ],
            "{f:?}"
        );
        assert!(f[3].1.contains("no value of `enum` is of type object"));
    }

    #[test]
    fn bounds_of_other_types_are_no_contradiction() {
        // minLength > maxLength only excludes strings; numbers still pass.
        assert!(found(json!({"minLength": 3, "maxLength": 1})).is_empty());
        assert!(found(json!({"type": "integer", "enum": [1.0, 2]})).is_empty());
        assert!(found(json!({"type": "number", "enum": [1]})).is_empty());
    }
}
