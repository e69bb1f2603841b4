//! A schema with everything it references, as one JSON value for the runtime evaluator.

use std::collections::HashMap;

use crate::error::Result;
use crate::model::{SchemaPositions, SourcePosition};
use crate::source::node::{Node, Value};
use crate::source::resolve::{ref_of, Loc};

use super::{is_annotation, TypeSpace};
use crate::source::Dialect;

/// An OpenAPI 3.0 schema object's `nullable: true` in JSON Schema terms: `null` joins the
/// `type`, or, with no `type` to join, the schema becomes `anyOf: [{type: null}, schema]`.
/// An `enum` admits `null` only if it lists it (OpenAPI 3.0.3's clarification). OpenAPI 3.0 ignores `nullable` beside a
/// `$ref` (a reference object takes no siblings); so does tidings.
fn nullable_to_json_schema(
    mut map: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    use serde_json::Value;
    match map.remove("nullable") {
        Some(Value::Bool(true)) => {}
        _ => return Value::Object(map),
    }
    let has_enum = map.contains_key("enum");
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), serde_json::json!([t, "null"]));
            Value::Object(map)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&Value::from("null")) {
                types.push("null".into());
            }
            Value::Object(map)
        }
        _ if has_enum => Value::Object(map),
        _ => serde_json::json!({ "anyOf": [{ "type": "null" }, Value::Object(map)] }),
    }
}

impl<'a> TypeSpace<'a> {
    /// `node` as one self-contained JSON Schema: every `$ref` points into `definitions`.
    pub(crate) fn bundle(&self, node: &Node, loc: &Loc) -> Result<serde_json::Value> {
        self.bundle_into(node, loc, None)
    }

    /// [`bundle`](Self::bundle), plus the source position of every schema object in the
    /// bundle, by its JSON pointer there (for reports that name file and line).
    pub(crate) fn bundle_with_positions(
        &self,
        node: &Node,
        loc: &Loc,
    ) -> Result<(serde_json::Value, SchemaPositions)> {
        let mut positions = SchemaPositions::new();
        let bundle = self.bundle_into(node, loc, Some(&mut positions))?;
        Ok((bundle, positions))
    }

    pub(super) fn bundle_into(
        &self,
        node: &Node,
        loc: &Loc,
        mut positions: Option<&mut SchemaPositions>,
    ) -> Result<serde_json::Value> {
        let mut definitions = serde_json::Map::new();
        let mut keys: HashMap<Loc, String> = HashMap::new();
        let mut pending: Vec<(&Node, Loc, String)> = Vec::new();
        let mut at = String::new();
        let mut root = self.bundle_node(
            node,
            loc,
            false,
            &mut keys,
            &mut pending,
            &mut at,
            positions.as_deref_mut(),
        )?;
        while let Some((target, target_loc, key)) = pending.pop() {
            let mut at = format!("/definitions/{key}");
            let value = self.bundle_node(
                target,
                &target_loc,
                false,
                &mut keys,
                &mut pending,
                &mut at,
                positions.as_deref_mut(),
            )?;
            definitions.insert(key, value);
        }
        let uri = self.dialect.schema_uri();
        if !definitions.is_empty() || uri.is_some() {
            if !root.is_object() {
                // A boolean root schema with definitions: wrap it.
                root = serde_json::json!({ "allOf": [root] });
            }
            if let serde_json::Value::Object(map) = &mut root {
                if !definitions.is_empty() {
                    map.insert("definitions".into(), serde_json::Value::Object(definitions));
                }
                if let Some(uri) = uri {
                    map.insert("$schema".into(), uri.into());
                }
            }
        }
        Ok(root)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn bundle_node<'n>(
        &'n self,
        node: &'n Node,
        loc: &Loc,
        in_data: bool,
        keys: &mut HashMap<Loc, String>,
        pending: &mut Vec<(&'n Node, Loc, String)>,
        at: &mut String,
        mut positions: Option<&mut SchemaPositions>,
    ) -> Result<serde_json::Value> {
        if in_data {
            return Ok(node.to_json());
        }
        if let (Some(positions), Value::Map(_)) = (positions.as_deref_mut(), &node.value) {
            let doc = self.src.doc(node.span.doc);
            positions.insert(
                at.clone(),
                SourcePosition {
                    file: doc.display.clone(),
                    line: node.span.line,
                    col: node.span.col,
                },
            );
        }
        match &node.value {
            Value::Map(entries) => {
                // Under `properties` (and other maps of names) keys are names, all kept.
                let keywords = crate::source::keys_are_keywords(at);
                if !keywords && ref_of(node).is_some() {
                    // A whole map of names by reference: the map itself, in place.
                    let (target, target_loc) = self.src.resolve(node, loc.clone())?;
                    return self.bundle_node(
                        target,
                        &target_loc,
                        false,
                        keys,
                        pending,
                        at,
                        positions,
                    );
                }
                let mut map = serde_json::Map::new();
                let reference = ref_of(node).is_some();
                if reference {
                    let (target, target_loc) = self.src.resolve(node, loc.clone())?;
                    let key = match keys.get(&target_loc) {
                        Some(key) => key.clone(),
                        None => {
                            let key = format!("d{}", keys.len());
                            keys.insert(target_loc.clone(), key.clone());
                            pending.push((target, target_loc, key.clone()));
                            key
                        }
                    };
                    map.insert("$ref".into(), format!("#/definitions/{key}").into());
                }
                for (k, v) in entries {
                    // Our own `definitions` key holds the bundle; the spec's are reached by $ref.
                    if keywords
                        && (k == "definitions"
                            || k == "$defs"
                            || k.starts_with("x-")
                            || k == "examples")
                    {
                        continue;
                    }
                    // Beside a `$ref`, keywords that constrain stay (2019-09 on applies them;
                    // the evaluator ignores them under draft-07); annotations go.
                    if reference && (k == "$ref" || is_annotation(k)) {
                        continue;
                    }
                    let data = keywords && crate::source::is_data_key(k);
                    let mark = at.len();
                    at.push('/');
                    at.push_str(&crate::source::pointer::escape(k));
                    let value = self.bundle_node(
                        v,
                        &loc.child(k),
                        data,
                        keys,
                        pending,
                        at,
                        positions.as_deref_mut(),
                    );
                    at.truncate(mark);
                    map.insert(k.clone(), value?);
                }
                if self.dialect == Dialect::OpenApi30 && keywords && !reference {
                    return Ok(nullable_to_json_schema(map));
                }
                Ok(serde_json::Value::Object(map))
            }
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let mark = at.len();
                    at.push('/');
                    at.push_str(&i.to_string());
                    let value = self.bundle_node(
                        item,
                        &loc.child(&i.to_string()),
                        false,
                        keys,
                        pending,
                        at,
                        positions.as_deref_mut(),
                    );
                    at.truncate(mark);
                    out.push(value?);
                }
                Ok(serde_json::Value::Array(out))
            }
            _ => Ok(node.to_json()),
        }
    }
}
