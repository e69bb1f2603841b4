//! Schemas as JSON for the runtime evaluator: entries of the catalog's one shared document
//! ([`SchemaDocument`]), or one self-contained bundle.
//!
//! Every schema a catalog uses becomes an entry of `definitions`, reached by `$ref` from the
//! others, and keyed by the node it comes from: a component schema referenced by 700
//! operations is bundled, embedded, parsed and compiled once. (A self-contained bundle per
//! message, as tidings made before, costs the schemas each message reaches, again for every
//! message: on a 3.7 MB OpenAPI document whose responses reach most of its 300 schemas,
//! 630 MB of generated code, 50 s and 10 GB to generate it.)

use std::collections::{HashMap, HashSet};

use crate::error::Result;
use crate::model::{SchemaDocument, SchemaEntry, SchemaPositions, SourcePosition};
use crate::source::node::{Node, Value};
use crate::source::resolve::{ref_of, Loc};
use crate::source::{Dialect, Sources};

use super::{is_annotation, TypeSpace};

/// The shared document as it is built: which nodes have an entry, under which key.
#[derive(Default)]
pub(crate) struct Shared {
    /// The key of each node with an entry, by the node's address: nodes stay where they are
    /// while the sources are borrowed, and one node bundles the same however it is reached.
    keys: HashMap<usize, String>,
    /// Keys given, to keep them unique.
    taken: HashSet<String>,
    definitions: serde_json::Map<String, serde_json::Value>,
    positions: SchemaPositions,
}

impl Shared {
    /// The finished document, with the dialect's `$schema`.
    pub(crate) fn finish(self, dialect: Dialect) -> SchemaDocument {
        let mut root = serde_json::Map::new();
        if let Some(uri) = dialect.schema_uri() {
            root.insert("$schema".into(), uri.into());
        }
        root.insert(
            "definitions".into(),
            serde_json::Value::Object(self.definitions),
        );
        SchemaDocument {
            document: serde_json::Value::Object(root),
            positions: self.positions,
        }
    }
}

/// How one bundling names the schemas it adds: after where they are in the spec (the shared
/// document, stable when unrelated parts of the spec change), or numbered (a bundle made and
/// dropped at once).
struct Keys<'s> {
    keys: &'s mut HashMap<usize, String>,
    taken: &'s mut HashSet<String>,
    by_location: bool,
}

impl Keys<'_> {
    /// The key of `node` at `loc` (`name` if it is new and given), and whether it is new.
    fn of(&mut self, node: &Node, loc: &Loc, name: Option<&str>, src: &Sources) -> (String, bool) {
        let address = node as *const Node as usize;
        if let Some(key) = self.keys.get(&address) {
            return (key.clone(), false);
        }
        let base = match name {
            _ if !self.by_location => format!("d{}", self.keys.len()),
            Some(name) => name.to_owned(),
            None => key_from_location(loc, src),
        };
        let mut key = base.clone();
        let mut n = 1;
        while !self.taken.insert(key.clone()) {
            n += 1;
            key = format!("{base}-{n}");
        }
        self.keys.insert(address, key.clone());
        (key, true)
    }
}

/// A key for the schema at `loc`: its pointer's tokens joined with `.`, without the usual
/// `components/schemas`, `definitions` or `$defs` in front, after the file's path (relative to
/// the main file's folder) when it is another file; only `[A-Za-z0-9_.-]`.
fn key_from_location(loc: &Loc, src: &Sources) -> String {
    let mut parts: Vec<String> = Vec::new();
    if loc.doc != src.main().root.span.doc {
        let path = &src.doc(loc.doc).path;
        let base = src.main().path.parent();
        let relative = base.and_then(|b| path.strip_prefix(b).ok()).unwrap_or(path);
        let relative = relative.with_extension("");
        parts.extend(relative.components().filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        }));
    }
    let tokens: Vec<String> = (loc.pointer.split('/').skip(1))
        .map(|t| crate::source::pointer::unescape(t).unwrap_or_else(|_| t.to_owned()))
        .collect();
    let skip = match tokens.as_slice() {
        [a, b, _, ..] if a == "components" && b == "schemas" => 2,
        [a, _, ..] if a == "definitions" || a == "$defs" => 1,
        _ => 0,
    };
    parts.extend(tokens.into_iter().skip(skip));
    let key: String = parts
        .join(".")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if key.is_empty() {
        "root".into()
    } else {
        key
    }
}

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
    /// The dialect of the schema at `loc`: what the nearest `$schema` on the way there from
    /// its file's root names (the schema's own included), else the spec's.
    fn dialect_at(&self, loc: &Loc) -> Dialect {
        let mut dialect = self.dialect;
        let mut node = &self.src.doc(loc.doc).root;
        let named = |node: &Node| {
            node.get("$schema")
                .and_then(Node::as_str)
                .map(Dialect::of_uri)
        };
        if let Some(d) = named(node) {
            dialect = d;
        }
        for token in loc.pointer.split('/').skip(1) {
            let token =
                crate::source::pointer::unescape(token).unwrap_or_else(|_| token.to_owned());
            let Some(next) = crate::source::pointer::step(node, &token) else {
                break;
            };
            node = next;
            if let Some(d) = named(node) {
                dialect = d;
            }
        }
        dialect
    }

    /// A definition of the shared document: `node` at `loc` bundled, saying its dialect
    /// where it is not `outer`, the document's (an AsyncAPI payload's own `$schema`, a JSON
    /// Schema file referenced from a spec of another dialect).
    #[allow(clippy::too_many_arguments)]
    fn definition<'n>(
        &'n self,
        node: &'n Node,
        loc: &Loc,
        outer: Dialect,
        key: &str,
        keys: &mut Keys<'_>,
        pending: &mut Vec<(&'n Node, Loc, String)>,
        positions: Option<&mut SchemaPositions>,
    ) -> Result<serde_json::Value> {
        let mut at = format!("/definitions/{key}");
        let mut value = self.bundle_node(node, loc, false, keys, pending, &mut at, positions)?;
        let dialect = self.dialect_at(loc);
        if dialect != outer {
            if let serde_json::Value::Object(map) = &mut value {
                let uri = dialect
                    .schema_uri()
                    .unwrap_or("http://json-schema.org/draft-07/schema#");
                map.entry("$schema").or_insert_with(|| uri.into());
            }
        }
        Ok(value)
    }

    /// `node` at `loc` as an entry of the catalog's shared schema document, with every schema
    /// it references. A reference with nothing beside it that the evaluator applies is the
    /// entry of its target.
    pub(crate) fn entry(&self, node: &Node, loc: &Loc) -> Result<SchemaEntry> {
        self.entry_named(node, loc, None)
    }

    /// [`entry`](Self::entry), keyed `name` (the Rust type's name) rather than after its
    /// location when it is new and not a reference.
    pub(crate) fn entry_named(
        &self,
        node: &Node,
        loc: &Loc,
        name: Option<&str>,
    ) -> Result<SchemaEntry> {
        let (mut node, mut loc, mut name) = (node, loc.clone(), name);
        for _ in 0..64 {
            let bare = ref_of(node).is_some()
                && (matches!(self.dialect_at(&loc), Dialect::Draft7 | Dialect::OpenApi30)
                    || node
                        .as_map()
                        .unwrap_or_default()
                        .iter()
                        .all(|(k, _)| k == "$ref" || is_annotation(k)));
            if !bare {
                break;
            }
            (node, loc) = self.src.resolve(node, loc)?;
            name = None;
        }
        let mut guard = self.shared.borrow_mut();
        let shared = &mut *guard;
        let mut keys = Keys {
            keys: &mut shared.keys,
            taken: &mut shared.taken,
            by_location: true,
        };
        let (key, new) = keys.of(node, &loc, name, self.src);
        if new {
            let mut pending = vec![(node, loc, key.clone())];
            while let Some((target, target_loc, key)) = pending.pop() {
                let value = self.definition(
                    target,
                    &target_loc,
                    self.dialect,
                    &key,
                    &mut keys,
                    &mut pending,
                    Some(&mut shared.positions),
                )?;
                shared.definitions.insert(key, value);
            }
        }
        Ok(SchemaEntry(format!("/definitions/{key}")))
    }

    /// `node` as one self-contained JSON Schema: every `$ref` points into `definitions`.
    /// For a check made and dropped at once; what the catalog keeps is an [`entry`](Self::entry).
    pub(crate) fn bundle(&self, node: &Node, loc: &Loc) -> Result<serde_json::Value> {
        let (mut keys, mut taken) = (HashMap::new(), HashSet::new());
        let mut keys = Keys {
            keys: &mut keys,
            taken: &mut taken,
            by_location: false,
        };
        let mut definitions = serde_json::Map::new();
        let mut pending: Vec<(&Node, Loc, String)> = Vec::new();
        let mut root = self.bundle_node(
            node,
            loc,
            false,
            &mut keys,
            &mut pending,
            &mut String::new(),
            None,
        )?;
        let outer = self.dialect_at(loc);
        while let Some((target, target_loc, key)) = pending.pop() {
            let value = self.definition(
                target,
                &target_loc,
                outer,
                &key,
                &mut keys,
                &mut pending,
                None,
            )?;
            definitions.insert(key, value);
        }
        // Under the root schema's dialect: a definition of another says its own.
        let uri = match outer {
            Dialect::Draft7 | Dialect::OpenApi30 if self.dialect != Dialect::Draft7 => {
                Some("http://json-schema.org/draft-07/schema#")
            }
            dialect => dialect.schema_uri(),
        };
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
    fn bundle_node<'n>(
        &'n self,
        node: &'n Node,
        loc: &Loc,
        in_data: bool,
        keys: &mut Keys<'_>,
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
                    let (key, new) = keys.of(target, &target_loc, None, self.src);
                    if new {
                        pending.push((target, target_loc, key.clone()));
                    }
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
                    if reference && (k == "$ref" || (is_annotation(k) && k != "$schema")) {
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
