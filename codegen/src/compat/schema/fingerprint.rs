//! Structural fingerprints of schemas, so that a refactor (inlining, reordering) is no change.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use super::{normalize, unwrap, MAX_DEPTH};
use crate::source::vocabulary::{self, Kind};

/// Structural fingerprints of schemas: equal for schemas that accept the same values by the
/// same rules, whether inline or behind a `$ref`, whatever the order of keys, `enum` values,
/// `required` names or combinator branches. Nested schemas count by their fingerprint, each
/// definition is fingerprinted once, and recursion is marked by its depth, so the work is
/// linear in the size of the bundle.
pub(crate) struct Canon<'v> {
    root: &'v Value,
    memo: HashMap<String, String>,
    stack: Vec<String>,
}

impl<'v> Canon<'v> {
    pub(crate) fn new(root: &'v Value) -> Self {
        Canon {
            root,
            memo: HashMap::new(),
            stack: Vec::new(),
        }
    }

    /// The fingerprint of the schema `value`.
    pub(crate) fn hash(&mut self, value: &'v Value) -> String {
        let (target, pointer) = unwrap(self.root, value, String::new());
        let by_ref = !pointer.is_empty();
        if self.stack.len() >= MAX_DEPTH {
            // Too deep to fingerprint: never equal to anything, so that the comparison goes
            // there and reports it.
            return format!("deep:{:p}:{}", self.root, self.stack.len());
        }
        if by_ref {
            if let Some(depth) = self.stack.iter().rposition(|p| *p == pointer) {
                return format!("cycle:{}", self.stack.len() - depth);
            }
            if let Some(known) = self.memo.get(&pointer) {
                return known.clone();
            }
            self.stack.push(pointer.clone());
        }
        let canonical = self.canonical(target);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        canonical.to_string().hash(&mut hasher);
        let fingerprint = format!("{:016x}", hasher.finish());
        if by_ref {
            self.stack.pop();
            self.memo.insert(pointer, fingerprint.clone());
        }
        fingerprint
    }

    fn canonical(&mut self, value: &'v Value) -> Value {
        let Value::Object(map) = value else {
            return normalize(value);
        };
        let mut out = Map::new();
        for (k, v) in map {
            if vocabulary::is_annotation(k) || k.starts_with("x-") {
                continue;
            }
            let kind = vocabulary::holds_schemas(k)
                .then(|| vocabulary::kind(k))
                .flatten();
            let v = match (k.as_str(), kind, v) {
                ("enum" | "required", _, Value::Array(items)) => {
                    let mut items: Vec<Value> = items.iter().map(normalize).collect();
                    items.sort_by_key(Value::to_string);
                    items.dedup();
                    Value::Array(items)
                }
                (_, None, _) => normalize(v),
                ("oneOf" | "anyOf" | "allOf", _, Value::Array(branches)) => {
                    let mut hashes: Vec<String> = branches.iter().map(|b| self.hash(b)).collect();
                    hashes.sort();
                    Value::from(hashes)
                }
                (_, Some(Kind::SchemaList | Kind::SchemaOrList), Value::Array(items)) => {
                    Value::from(items.iter().map(|i| self.hash(i)).collect::<Vec<_>>())
                }
                (_, Some(Kind::SchemaMap | Kind::Dependencies), Value::Object(members)) => {
                    Value::Object(
                        members
                            .iter()
                            .map(|(name, m)| {
                                let m = match m {
                                    Value::Object(_) | Value::Bool(_) => {
                                        Value::String(self.hash(m))
                                    }
                                    other => normalize(other),
                                };
                                (name.clone(), m)
                            })
                            .collect(),
                    )
                }
                (_, _, Value::Object(_)) => Value::String(self.hash(v)),
                (_, _, other) => normalize(other),
            };
            out.insert(k.clone(), v);
        }
        Value::Object(out)
    }
}
