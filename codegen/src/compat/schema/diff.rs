//! Comparing two bundled JSON Schemas keyword by keyword, through their `$ref`s.
//!
//! Each difference becomes a [`Change`] with its rule id and [`Effect`]: whether NEW accepts
//! more (widens), less (narrows), or some of each (breaks). Keywords that only document
//! (titles, descriptions, examples, defaults, `x-` extensions) are ignored.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use super::fingerprint::Canon;
use super::{normalize, unwrap, MAX_DEPTH};
use crate::compat::{Change, Effect, Position};
use crate::model::SchemaPositions;
use crate::source::vocabulary;

/// One side of the comparison: the document (whose `$ref`s point into its `definitions`) and
/// where its objects are in the spec.
#[derive(Clone, Copy)]
pub(crate) struct Side<'a> {
    pub(crate) root: &'a Value,
    pub(crate) positions: &'a SchemaPositions,
}

/// Lower bounds: a larger value accepts less.
const LOWER: &[&str] = &[
    "minLength",
    "minItems",
    "minProperties",
    "minimum",
    "exclusiveMinimum",
];
/// Upper bounds: a smaller value accepts less.
const UPPER: &[&str] = &[
    "maxLength",
    "maxItems",
    "maxProperties",
    "maximum",
    "exclusiveMaximum",
];

/// Keywords compared by the dedicated rules below; any other keyword is compared as a whole.
const HANDLED: &[&str] = &[
    "type",
    "nullable",
    "enum",
    "const",
    "pattern",
    "format",
    "uniqueItems",
    "multipleOf",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "items",
    "oneOf",
    "anyOf",
    "allOf",
    "$ref",
];

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "integer", "string",
];

/// Compares schemas and collects the changes.
pub(crate) struct Differ<'a> {
    old: Side<'a>,
    new: Side<'a>,
    strict: bool,
    seen: HashSet<(String, String)>,
    depth: usize,
    old_canon: Canon<'a>,
    new_canon: Canon<'a>,
    pub(crate) changes: Vec<Change>,
}

/// Where a schema is: in the bundle (for positions and cycles) and in the message (for the
/// report).
#[derive(Clone)]
struct At {
    old: String,
    new: String,
    path: String,
}

impl At {
    fn child(&self, old: &str, new: &str, path: &str) -> At {
        At {
            old: format!("{}/{old}", self.old),
            new: format!("{}/{new}", self.new),
            path: format!("{}/{path}", self.path),
        }
    }

    fn both(&self, segment: &str) -> At {
        self.child(segment, segment, segment)
    }
}

impl<'a> Differ<'a> {
    pub(crate) fn new(old: Side<'a>, new: Side<'a>, strict: bool) -> Self {
        Differ {
            old,
            new,
            strict,
            seen: HashSet::new(),
            depth: 0,
            old_canon: Canon::new(old.root),
            new_canon: Canon::new(new.root),
            changes: Vec::new(),
        }
    }

    /// Compares the schemas at two JSON pointers (into each side's document), reporting
    /// paths under `path`; a side without one (`None`, or a pointer to nothing) allows all.
    pub(crate) fn compare_entries(&mut self, old: Option<&str>, new: Option<&str>, path: &str) {
        static OPEN: Value = Value::Bool(true);
        let old_value = old.and_then(|p| self.old.root.pointer(p)).unwrap_or(&OPEN);
        let new_value = new.and_then(|p| self.new.root.pointer(p)).unwrap_or(&OPEN);
        let at = At {
            old: old.unwrap_or_default().to_owned(),
            new: new.unwrap_or_default().to_owned(),
            path: path.to_owned(),
        };
        self.compare(old_value, new_value, at);
    }

    fn push(
        &mut self,
        rule: impl Into<String>,
        at: &At,
        old: Option<String>,
        new: Option<String>,
        effect: Effect,
    ) {
        // The new side's position, or the old one's for what the new side no longer has.
        let position = nearest(self.new.positions, &at.new)
            .filter(|_| new.is_some() || old.is_none())
            .or_else(|| nearest(self.old.positions, &at.old))
            .or_else(|| nearest(self.new.positions, &at.new));
        self.changes.push(Change {
            rule: rule.into(),
            path: at.path.clone(),
            old,
            new,
            effect,
            at: position,
            accepted: None,
        });
    }

    fn compare(&mut self, old: &'a Value, new: &'a Value, at: At) {
        let (old, old_ptr) = unwrap(self.old.root, old, at.old.clone());
        let (new, new_ptr) = unwrap(self.new.root, new, at.new.clone());
        if !self.seen.insert((old_ptr.clone(), new_ptr.clone())) {
            return;
        }
        let at = At {
            old: old_ptr,
            new: new_ptr,
            path: at.path,
        };
        if self.depth >= MAX_DEPTH {
            self.push(
                "schema-too-deep",
                &at,
                None,
                Some(format!("nested more than {MAX_DEPTH} levels")),
                Effect::Breaks,
            );
            return;
        }
        self.depth += 1;
        self.compare_schemas(old, new, &at);
        self.depth -= 1;
    }

    fn compare_schemas(&mut self, old: &'a Value, new: &'a Value, at: &At) {
        let at = at.clone();
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let empty = EMPTY.get_or_init(Map::new);
        let (o, n) = match (old, new) {
            (Value::Bool(false), Value::Bool(false)) => return,
            (Value::Bool(false), _) => {
                self.push("schema-opened", &at, text(old), text(new), Effect::Widens);
                return;
            }
            (_, Value::Bool(false)) => {
                self.push("schema-closed", &at, text(old), text(new), Effect::Narrows);
                return;
            }
            (Value::Object(o), Value::Object(n)) => (o, n),
            (Value::Object(o), _) => (o, empty),
            (_, Value::Object(n)) => (empty, n),
            _ => return,
        };
        self.types(o, n, &at);
        self.values(o, n, &at);
        self.bounds(o, n, &at);
        for keyword in ["pattern", "format"] {
            self.replaced_keyword(o, n, keyword, &at);
        }
        self.unique_items(o, n, &at);
        self.multiple_of(o, n, &at);
        self.object(o, n, &at);
        self.array(o, n, &at);
        for keyword in ["oneOf", "anyOf"] {
            self.branches(o, n, keyword, Effect::Widens, &at);
        }
        self.branches(o, n, "allOf", Effect::Narrows, &at);
        self.other_keywords(o, n, &at);
    }

    fn types(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &At) {
        let (old, new) = (type_set(o), type_set(n));
        if old == new {
            return;
        }
        let accepts = |set: &Option<BTreeSet<&str>>, t: &str| match set {
            None => true,
            Some(s) => s.contains(t) || (t == "integer" && s.contains("number")),
        };
        let widened: Vec<&str> = TYPES
            .iter()
            .copied()
            .filter(|t| accepts(&new, t) && !accepts(&old, t))
            .collect();
        let narrowed: Vec<&str> = TYPES
            .iter()
            .copied()
            .filter(|t| accepts(&old, t) && !accepts(&new, t))
            .collect();
        let show = |set: &Option<BTreeSet<&str>>| {
            Some(match set {
                None => "any".to_owned(),
                Some(s) => s.iter().copied().collect::<Vec<_>>().join(" | "),
            })
        };
        let (rule, effect) = match (widened.as_slice(), narrowed.as_slice()) {
            ([], []) => return,
            (["null"], []) => ("nullable-added", Effect::Widens),
            ([], ["null"]) => ("nullable-removed", Effect::Narrows),
            (_, []) => ("type-widened", Effect::Widens),
            ([], _) => ("type-narrowed", Effect::Narrows),
            _ => ("type-changed", Effect::Breaks),
        };
        self.push(rule, &at.both("type"), show(&old), show(&new), effect);
    }

    /// Reports `{keyword}-added` (narrows) or `{keyword}-removed` (widens) when only one
    /// side has `keyword`; gives both values when both sides have it.
    fn presence<'v>(
        &mut self,
        keyword: &str,
        old: Option<&'v Value>,
        new: Option<&'v Value>,
        at: &At,
    ) -> Option<(&'v Value, &'v Value)> {
        match (old, new) {
            (Some(old), Some(new)) => return Some((old, new)),
            (None, Some(new)) => self.push(
                format!("{keyword}-added"),
                at,
                None,
                text(new),
                Effect::Narrows,
            ),
            (Some(old), None) => self.push(
                format!("{keyword}-removed"),
                at,
                text(old),
                None,
                Effect::Widens,
            ),
            (None, None) => {}
        }
        None
    }

    /// `enum` and `const`, which both list the values allowed (`const: x` is `enum: [x]`).
    fn values(&mut self, o: &'a Map<String, Value>, n: &'a Map<String, Value>, at: &At) {
        if !o.contains_key("enum") && !n.contains_key("enum") {
            let at = at.both("const");
            if let Some((old, new)) = self.presence("const", o.get("const"), n.get("const"), &at) {
                if normalize(old) != normalize(new) {
                    self.push("const-changed", &at, text(old), text(new), Effect::Breaks);
                }
            }
            return;
        }
        let at = at.both("enum");
        match (allowed_values(o), allowed_values(n)) {
            (Some(old_set), Some(new_set)) => {
                for added in new_set.difference(&old_set) {
                    self.push(
                        "enum-value-added",
                        &at,
                        None,
                        Some(added.clone()),
                        Effect::Widens,
                    );
                }
                for removed in old_set.difference(&new_set) {
                    self.push(
                        "enum-value-removed",
                        &at,
                        Some(removed.clone()),
                        None,
                        Effect::Narrows,
                    );
                }
            }
            (None, Some(new)) => {
                let new = Some(new.into_iter().collect::<Vec<_>>().join(", "));
                self.push("enum-added", &at, None, new, Effect::Narrows);
            }
            (Some(old), None) => {
                let old = Some(old.into_iter().collect::<Vec<_>>().join(", "));
                self.push("enum-removed", &at, old, None, Effect::Widens);
            }
            (None, None) => {}
        }
    }

    fn bounds(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &At) {
        for (keywords, lower) in [(LOWER, true), (UPPER, false)] {
            for keyword in keywords {
                let at = at.both(keyword);
                let Some((old_value, new_value)) =
                    self.presence(keyword, o.get(*keyword), n.get(*keyword), &at)
                else {
                    continue;
                };
                // Draft 4's boolean `exclusiveMinimum`: on is tighter.
                let (old_n, new_n) = match (old_value, new_value) {
                    (Value::Bool(a), Value::Bool(b)) => {
                        (f64::from(u8::from(*a)), f64::from(u8::from(*b)))
                    }
                    (a, b) => match (a.as_f64(), b.as_f64()) {
                        (Some(a), Some(b)) if lower => (a, b),
                        (Some(a), Some(b)) => (-a, -b),
                        _ => continue,
                    },
                };
                let (rule, effect) = if new_n > old_n {
                    ("tightened", Effect::Narrows)
                } else if new_n < old_n {
                    ("loosened", Effect::Widens)
                } else {
                    continue;
                };
                self.push(
                    format!("{keyword}-{rule}"),
                    &at,
                    text(old_value),
                    text(new_value),
                    effect,
                );
            }
        }
    }

    /// `pattern` and `format`: a constraint that can be added, removed or replaced by one
    /// that is not comparable.
    fn replaced_keyword(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        keyword: &str,
        at: &At,
    ) {
        let at = at.both(keyword);
        if let Some((old, new)) = self.presence(keyword, o.get(keyword), n.get(keyword), &at) {
            if old != new {
                self.push(
                    format!("{keyword}-changed"),
                    &at,
                    text(old),
                    text(new),
                    Effect::Breaks,
                );
            }
        }
    }

    fn unique_items(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &At) {
        let on = |m: &Map<String, Value>| m.get("uniqueItems") == Some(&Value::Bool(true));
        let at = at.both("uniqueItems");
        match (on(o), on(n)) {
            (false, true) => self.push(
                "uniqueItems-added",
                &at,
                None,
                Some("true".into()),
                Effect::Narrows,
            ),
            (true, false) => self.push(
                "uniqueItems-removed",
                &at,
                Some("true".into()),
                None,
                Effect::Widens,
            ),
            _ => {}
        }
    }

    fn multiple_of(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, at: &At) {
        let at = at.both("multipleOf");
        let Some((old_value, new_value)) =
            self.presence("multipleOf", o.get("multipleOf"), n.get("multipleOf"), &at)
        else {
            return;
        };
        let (Some(a), Some(b)) = (old_value.as_f64(), new_value.as_f64()) else {
            return;
        };
        if a == b || a <= 0.0 || b <= 0.0 {
            return;
        }
        let divides = |big: f64, small: f64| {
            let ratio = big / small;
            (ratio - ratio.round()).abs() < 1e-9 * ratio.max(1.0)
        };
        let (rule, effect) = if divides(a, b) {
            // Every multiple of the old value is one of the new.
            ("multipleOf-loosened", Effect::Widens)
        } else if divides(b, a) {
            ("multipleOf-tightened", Effect::Narrows)
        } else {
            ("multipleOf-changed", Effect::Breaks)
        };
        self.push(rule, &at, text(old_value), text(new_value), effect);
    }

    fn object(&mut self, o: &'a Map<String, Value>, n: &'a Map<String, Value>, at: &At) {
        static NONE: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let none = NONE.get_or_init(Map::new);
        let props = |m: &'a Map<String, Value>| match m.get("properties") {
            Some(Value::Object(p)) => p,
            _ => none,
        };
        let (op, np) = (props(o), props(n));

        // required
        let (or, nr) = (required(o), required(n));
        let at_required = at.both("required");
        for name in nr.difference(&or) {
            self.push(
                "required-added",
                &at_required,
                None,
                Some((*name).to_owned()),
                Effect::Narrows,
            );
        }
        for name in or.difference(&nr) {
            self.push(
                "required-removed",
                &at_required,
                Some((*name).to_owned()),
                None,
                Effect::Widens,
            );
        }

        // properties present on both sides
        for (name, old_schema) in op {
            if let Some(new_schema) = np.get(name) {
                let segment = format!("properties/{}", crate::source::pointer::escape(name));
                self.compare(
                    old_schema,
                    new_schema,
                    at.child(&segment, &segment, &segment),
                );
            }
        }

        let (old_model, new_model) = (content_model(o), content_model(n));
        // properties added
        for (name, new_schema) in np.iter().filter(|(k, _)| !op.contains_key(*k)) {
            let segment = format!("properties/{}", crate::source::pointer::escape(name));
            let at_prop = at.child(&segment, &segment, &segment);
            match old_model {
                Model::Closed => self.push(
                    "property-added-to-closed-content-model",
                    &at_prop,
                    None,
                    Some(name.clone()),
                    Effect::Widens,
                ),
                Model::Partial(old_extra) => {
                    // The old schema constrained the property through `additionalProperties`.
                    let at_pair = at.child("additionalProperties", &segment, &segment);
                    self.compare(old_extra, new_schema, at_pair);
                }
                _ if self.strict => self.push(
                    "property-added-to-open-content-model",
                    &at_prop,
                    None,
                    Some(name.clone()),
                    Effect::Narrows,
                ),
                _ => self.push(
                    "property-added",
                    &at_prop,
                    None,
                    Some(name.clone()),
                    Effect::Compatible,
                ),
            }
        }
        // properties removed
        for (name, old_schema) in op.iter().filter(|(k, _)| !np.contains_key(*k)) {
            let segment = format!("properties/{}", crate::source::pointer::escape(name));
            let at_prop = at.child(&segment, &segment, &segment);
            match new_model {
                Model::Closed => self.push(
                    "property-removed-from-closed-content-model",
                    &at_prop,
                    Some(name.clone()),
                    None,
                    Effect::Narrows,
                ),
                Model::Partial(new_extra) => {
                    let at_pair = at.child(&segment, "additionalProperties", &segment);
                    self.compare(old_schema, new_extra, at_pair);
                }
                _ if self.strict => self.push(
                    "property-removed-from-open-content-model",
                    &at_prop,
                    Some(name.clone()),
                    None,
                    Effect::Widens,
                ),
                _ => self.push(
                    "property-removed",
                    &at_prop,
                    Some(name.clone()),
                    None,
                    Effect::Compatible,
                ),
            }
        }

        // additionalProperties
        let at_extra = at.both("additionalProperties");
        let (oa, na) = (extra(o), extra(n));
        match (oa, na) {
            (Extra::Schema(a), Extra::Schema(b)) => self.compare(a, b, at_extra),
            (a, b) if a.kind() == b.kind() => {}
            (a, b) => {
                let (rule, effect) = match (a.kind(), b.kind()) {
                    (0, _) => ("additionalProperties-opened", Effect::Widens),
                    (_, 0) => ("additionalProperties-closed", Effect::Narrows),
                    (old, new) if new > old => ("additionalProperties-widened", Effect::Widens),
                    _ => ("additionalProperties-narrowed", Effect::Narrows),
                };
                self.push(rule, &at_extra, a.text(), b.text(), effect);
            }
        }

        // patternProperties, pattern by pattern
        let pattern_props = |m: &'a Map<String, Value>| match m.get("patternProperties") {
            Some(Value::Object(p)) => p,
            _ => none,
        };
        let (opp, npp) = (pattern_props(o), pattern_props(n));
        for (pattern, old_schema) in opp {
            let segment = format!(
                "patternProperties/{}",
                crate::source::pointer::escape(pattern)
            );
            let at_pattern = at.child(&segment, &segment, &segment);
            match npp.get(pattern) {
                Some(new_schema) => self.compare(old_schema, new_schema, at_pattern),
                // Names of that pattern now fall to NEW's `additionalProperties`.
                None => self.push(
                    "patternProperty-removed",
                    &at_pattern,
                    Some(pattern.clone()),
                    None,
                    match extra(n) {
                        Extra::Open => Effect::Widens,
                        Extra::Closed => Effect::Narrows,
                        Extra::Schema(_) => Effect::Breaks,
                    },
                ),
            }
        }
        for pattern in npp.keys().filter(|k| !opp.contains_key(*k)) {
            let segment = format!(
                "patternProperties/{}",
                crate::source::pointer::escape(pattern)
            );
            // Names of that pattern were governed by OLD's `additionalProperties`.
            self.push(
                "patternProperty-added",
                &at.child(&segment, &segment, &segment),
                None,
                Some(pattern.clone()),
                match extra(o) {
                    Extra::Open => Effect::Narrows,
                    Extra::Closed => Effect::Widens,
                    Extra::Schema(_) => Effect::Breaks,
                },
            );
        }
    }

    fn array(&mut self, o: &'a Map<String, Value>, n: &'a Map<String, Value>, at: &At) {
        let at_items = at.both("items");
        match (o.get("items"), n.get("items")) {
            (Some(Value::Array(old)), Some(Value::Array(new))) => {
                for (i, (a, b)) in old.iter().zip(new).enumerate() {
                    let segment = format!("items/{i}");
                    self.compare(a, b, at.child(&segment, &segment, &segment));
                }
                let open = |m: &Map<String, Value>| {
                    matches!(m.get("additionalItems"), None | Some(Value::Bool(true)))
                };
                if new.len() != old.len() && !(open(o) && open(n)) {
                    // Positions past the shorter tuple move between `items` and a closed or
                    // constrained `additionalItems`: no direction is safe to assume.
                    self.push(
                        "tuple-length-changed",
                        &at_items,
                        Some(old.len().to_string()),
                        Some(new.len().to_string()),
                        Effect::Breaks,
                    );
                } else if new.len() > old.len() {
                    self.push(
                        "tuple-item-added",
                        &at_items,
                        Some(old.len().to_string()),
                        Some(new.len().to_string()),
                        Effect::Narrows,
                    );
                } else if new.len() < old.len() {
                    self.push(
                        "tuple-item-removed",
                        &at_items,
                        Some(old.len().to_string()),
                        Some(new.len().to_string()),
                        Effect::Widens,
                    );
                }
            }
            (Some(Value::Array(_)), Some(_)) | (Some(_), Some(Value::Array(_))) => {
                self.push("items-changed", &at_items, None, None, Effect::Breaks)
            }
            (Some(a), Some(b)) => self.compare(a, b, at_items),
            (None, Some(b)) => self.push("items-added", &at_items, None, text(b), Effect::Narrows),
            (Some(a), None) => self.push("items-removed", &at_items, text(a), None, Effect::Widens),
            (None, None) => {}
        }
    }

    /// `oneOf` / `anyOf` (a branch more accepts more) and `allOf` (a branch more accepts
    /// less): branches are matched by content, not position.
    fn branches(
        &mut self,
        o: &'a Map<String, Value>,
        n: &'a Map<String, Value>,
        keyword: &str,
        added_effect: Effect,
        at: &At,
    ) {
        let removed_effect = match added_effect {
            Effect::Widens => Effect::Narrows,
            _ => Effect::Widens,
        };
        let list = |m: &'a Map<String, Value>| match m.get(keyword) {
            Some(Value::Array(items)) => Some(items),
            _ => None,
        };
        let (old, new) = match (list(o), list(n)) {
            (None, None) => return,
            (None, Some(_)) => {
                // A first `oneOf` / `anyOf` / `allOf` restricts what was unconstrained.
                self.push(
                    format!("{keyword}-added"),
                    &at.both(keyword),
                    None,
                    None,
                    Effect::Narrows,
                );
                return;
            }
            (Some(_), None) => {
                self.push(
                    format!("{keyword}-removed"),
                    &at.both(keyword),
                    None,
                    None,
                    Effect::Widens,
                );
                return;
            }
            (Some(old), Some(new)) => (old, new),
        };
        let old_keys: Vec<String> = old.iter().map(|b| self.old_canon.hash(b)).collect();
        let new_keys: Vec<String> = new.iter().map(|b| self.new_canon.hash(b)).collect();
        // A value must match exactly one `oneOf` branch: unless the branches exclude each
        // other (by type, or by a required property's constant), a branch added or widened
        // can make old data match two, so every change counts both ways.
        let overlapping =
            keyword == "oneOf" && !(disjoint(self.old.root, old) && disjoint(self.new.root, new));
        let mark = self.changes.len();
        let mut new_matched = vec![false; new.len()];
        let mut old_unmatched = Vec::new();
        for (i, key) in old_keys.iter().enumerate() {
            match (0..new.len()).find(|&j| !new_matched[j] && new_keys[j] == *key) {
                Some(j) => new_matched[j] = true,
                None => old_unmatched.push(i),
            }
        }
        let new_unmatched: Vec<usize> = (0..new.len()).filter(|j| !new_matched[*j]).collect();
        if let ([i], [j]) = (old_unmatched.as_slice(), new_unmatched.as_slice()) {
            // One branch changed: say how.
            let (os, ns) = (format!("{keyword}/{i}"), format!("{keyword}/{j}"));
            self.compare(&old[*i], &new[*j], at.child(&os, &ns, &ns));
            self.escalate_from(mark, overlapping);
            return;
        }
        for i in old_unmatched {
            let segment = format!("{keyword}/{i}");
            self.push(
                format!("{keyword}-branch-removed"),
                &at.child(&segment, keyword, &segment),
                Some(summary(&old[i])),
                None,
                removed_effect,
            );
        }
        for j in new_unmatched {
            let segment = format!("{keyword}/{j}");
            self.push(
                format!("{keyword}-branch-added"),
                &at.child(keyword, &segment, &segment),
                None,
                Some(summary(&new[j])),
                added_effect,
            );
        }
        self.escalate_from(mark, overlapping);
    }

    /// Makes the changes recorded since `mark` break both ways, when `overlapping`.
    fn escalate_from(&mut self, mark: usize, overlapping: bool) {
        if overlapping {
            for change in &mut self.changes[mark..] {
                if matches!(change.effect, Effect::Widens | Effect::Narrows) {
                    change.effect = Effect::Breaks;
                    change.rule = format!("{} (overlapping oneOf)", change.rule);
                }
            }
        }
    }

    /// Any other keyword (`not`, `if`/`then`/`else`, `contains`, `propertyNames`,
    /// `dependencies`, ...): compared as a whole.
    fn other_keywords(&mut self, o: &'a Map<String, Value>, n: &'a Map<String, Value>, at: &At) {
        let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
        for keyword in keys {
            if HANDLED.contains(&keyword.as_str())
                || vocabulary::is_annotation(keyword)
                || LOWER.contains(&keyword.as_str())
                || UPPER.contains(&keyword.as_str())
                || keyword.starts_with("x-")
            {
                continue;
            }
            let at = at.both(keyword);
            if let Some((a, b)) = self.presence(keyword, o.get(keyword), n.get(keyword), &at) {
                if self.old_canon.hash(a) != self.new_canon.hash(b) {
                    self.push(
                        format!("{keyword}-changed"),
                        &at,
                        text(a),
                        text(b),
                        Effect::Breaks,
                    );
                }
            }
        }
    }
}

/// The position recorded at `pointer`, or at its nearest ancestor.
fn nearest(positions: &SchemaPositions, pointer: &str) -> Option<Position> {
    let mut p = pointer;
    loop {
        if let Some(pos) = positions.get(p) {
            return Some(Position {
                file: pos.file.clone(),
                line: pos.line,
                col: pos.col,
            });
        }
        p = &p[..p.rfind('/')?];
    }
}

fn type_set(m: &Map<String, Value>) -> Option<BTreeSet<&str>> {
    let mut set: BTreeSet<&str> = match m.get("type") {
        Some(Value::String(t)) => [t.as_str()].into(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    if m.get("nullable") == Some(&Value::Bool(true)) {
        set.insert("null");
    }
    Some(set)
}

fn required(m: &Map<String, Value>) -> BTreeSet<&str> {
    match m.get("required") {
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    }
}

enum Model<'a> {
    Closed,
    Partial(&'a Value),
    Open,
}

fn content_model(m: &Map<String, Value>) -> Model<'_> {
    match m.get("additionalProperties") {
        // With `patternProperties` beside it, some names stay open: judged as closed, which
        // errs towards reporting.
        Some(Value::Bool(false)) => Model::Closed,
        Some(schema @ Value::Object(o)) if !o.is_empty() => Model::Partial(schema),
        _ => Model::Open,
    }
}

enum Extra<'a> {
    Closed,
    Open,
    Schema(&'a Value),
}

impl Extra<'_> {
    /// 0 closed, 1 a schema, 2 open: larger accepts more.
    fn kind(&self) -> u8 {
        match self {
            Extra::Closed => 0,
            Extra::Schema(_) => 1,
            Extra::Open => 2,
        }
    }

    fn text(&self) -> Option<String> {
        Some(match self {
            Extra::Closed => "false".into(),
            Extra::Open => "true".into(),
            Extra::Schema(s) => summary(s),
        })
    }
}

fn extra(m: &Map<String, Value>) -> Extra<'_> {
    match m.get("additionalProperties") {
        Some(Value::Bool(false)) => Extra::Closed,
        Some(schema @ Value::Object(o)) if !o.is_empty() => Extra::Schema(schema),
        _ => Extra::Open,
    }
}

/// The values `enum` and `const` allow together (as canonical JSON text), if they restrict.
fn allowed_values(m: &Map<String, Value>) -> Option<BTreeSet<String>> {
    let from_enum = match m.get("enum") {
        Some(Value::Array(values)) => Some(value_set(values)),
        _ => None,
    };
    let from_const = m.get("const").map(|c| value_set(std::slice::from_ref(c)));
    match (from_enum, from_const) {
        (Some(e), Some(c)) => Some(e.intersection(&c).cloned().collect()),
        (e, c) => e.or(c),
    }
}

/// Enum values as canonical JSON text, so that order and `1` versus `1.0` do not matter.
fn value_set(values: &[Value]) -> BTreeSet<String> {
    values.iter().map(|v| normalize(v).to_string()).collect()
}

/// What tells a branch apart: its types (if declared) and the constants of properties it
/// requires.
type BranchFacts = (Option<BTreeSet<String>>, Vec<(String, Value)>);

/// Whether no value can match two of `branches`: their types do not overlap, or a property
/// they all require has a different constant in each.
fn disjoint(root: &Value, branches: &[Value]) -> bool {
    let facts: Vec<BranchFacts> = branches
        .iter()
        .map(|b| {
            let (b, _) = unwrap(root, b, String::new());
            let Some(map) = b.as_object() else {
                return (None, Vec::new());
            };
            let types = type_set(map).map(|t| t.into_iter().map(str::to_owned).collect());
            let required = required(map);
            let consts =
                match map.get("properties") {
                    Some(Value::Object(props)) => props
                        .iter()
                        .filter(|(name, _)| required.contains(name.as_str()))
                        .filter_map(|(name, schema)| {
                            let (schema, _) = unwrap(root, schema, String::new());
                            let constant = schema.get("const").cloned().or_else(|| match schema
                                .get("enum")
                            {
                                Some(Value::Array(one)) if one.len() == 1 => Some(one[0].clone()),
                                _ => None,
                            })?;
                            Some((name.clone(), normalize(&constant)))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
            (types, consts)
        })
        .collect();
    let overlap_types = |a: &Option<BTreeSet<String>>, b: &Option<BTreeSet<String>>| match (a, b) {
        (Some(a), Some(b)) => a.iter().any(|t| {
            b.contains(t)
                || (t == "integer" && b.contains("number"))
                || (t == "number" && b.contains("integer"))
        }),
        _ => true,
    };
    facts.iter().enumerate().all(|(i, (ta, ca))| {
        facts[i + 1..].iter().all(|(tb, cb)| {
            !overlap_types(ta, tb)
                || ca
                    .iter()
                    .any(|(name, value)| cb.iter().any(|(other, v)| other == name && v != value))
        })
    })
}

/// Short text for a schema or value in a report.
fn summary(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn text(value: &Value) -> Option<String> {
    Some(summary(value))
}
