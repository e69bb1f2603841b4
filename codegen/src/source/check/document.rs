//! Checking a document's AsyncAPI objects for unknown keys and values of the wrong type.
//!
//! The objects are walked from the document's root by the tables of [`super::fields`], in every
//! file a reference reaches.

use std::collections::HashSet;

use crate::error::{Collector, Diagnostic};
use crate::source::node::{Node, Value};
use crate::source::resolve::{ref_of, Loc};
use crate::source::{is_json_schema_format, Sources};

use super::fields::{self, Kind, Object};
use super::{schema, suggest, Version};

/// Checks the main document of `src`, an AsyncAPI `shown` document of `version`.
pub(super) fn check(src: &Sources, version: Version, shown: &str, out: &mut Collector) {
    let mut walker = Walker {
        src,
        version,
        shown: shown.to_string(),
        out,
        seen: HashSet::new(),
        schemas: schema::Schemas::default(),
    };
    let root = &src.main().root;
    walker.object(root, Loc::root(root.span.doc), Object::Document);
}

pub(super) struct Walker<'a, 'o> {
    pub(super) src: &'a Sources,
    version: Version,
    shown: String,
    pub(super) out: &'o mut Collector,
    /// Objects already checked, as what (a node reached by several references is checked once).
    seen: HashSet<(Loc, Object)>,
    pub(super) schemas: schema::Schemas,
}

impl<'a> Walker<'a, '_> {
    /// `node` at `loc`, which must be `object` (or a reference to one).
    fn object(&mut self, node: &'a Node, loc: Loc, object: Object) {
        // An example is data: a `$ref` in it is part of the example.
        if object == Object::MessageExample && ref_of(node).is_some() {
            return;
        }
        let Some((node, loc)) = self.follow(node, loc) else {
            return;
        };
        if !self.seen.insert((loc.clone(), object)) {
            return;
        }
        let Some(entries) = node.as_map() else {
            let message = format!(
                "{} must be a mapping, found {}",
                capitalized(object.name()),
                node.kind()
            );
            self.error(node, &loc, message, None);
            return;
        };
        if fields::is_open(object, self.version) {
            return;
        }
        for (key, value) in entries {
            if key.starts_with("x-") {
                continue;
            }
            match fields::field(object, key, self.version) {
                Some(field) => self.value(node, value, loc.child(key), key, field.kind),
                None => self.unknown(node, key, &loc, object),
            }
        }
    }

    /// The value of `key` in `parent`, which must be of `kind`.
    fn value(&mut self, parent: &'a Node, node: &'a Node, loc: Loc, key: &str, kind: Kind) {
        let expect = |what: &str| format!("`{key}` must be {what}, found {}", node.kind());
        // An empty `operations:` in YAML is null: none, as if left out.
        let container = !matches!(kind, Kind::Text | Kind::Flag | Kind::Address | Kind::Any);
        if container && matches!(node.value, Value::Null) {
            return;
        }
        match kind {
            Kind::Any => {}
            Kind::Text => {
                if node.as_str().is_none() {
                    self.error(node, &loc, expect("a string"), None);
                }
            }
            Kind::Flag => {
                if node.as_bool().is_none() {
                    self.error(node, &loc, expect("`true` or `false`"), None);
                }
            }
            Kind::Address => {
                if !matches!(node.value, Value::String(_) | Value::Null) {
                    self.error(node, &loc, expect("a string or null"), None);
                }
            }
            Kind::TextList => match node.as_seq() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if item.as_str().is_none() {
                            let message = format!(
                                "the items of `{key}` must be strings, found {}",
                                item.kind()
                            );
                            self.error(item, &loc.child(&i.to_string()), message, None);
                        }
                    }
                }
                None => self.error(node, &loc, expect("a list of strings"), None),
            },
            Kind::TextMap => match node.as_map() {
                Some(entries) => {
                    for (name, item) in entries {
                        if item.as_str().is_none() {
                            let message = format!(
                                "the values of `{key}` must be strings, found {}",
                                item.kind()
                            );
                            self.error(item, &loc.child(name), message, None);
                        }
                    }
                }
                None => self.error(node, &loc, expect("a mapping of strings"), None),
            },
            Kind::AnyMap => {
                if node.as_map().is_none() {
                    self.error(node, &loc, expect("a mapping"), None);
                }
            }
            Kind::AnyList => {
                if node.as_seq().is_none() {
                    self.error(node, &loc, expect("a list"), None);
                }
            }
            Kind::Object(object) => self.object(node, loc, object),
            Kind::MapOf(object) => {
                let Some((node, loc)) = self.follow(node, loc) else {
                    return;
                };
                match node.as_map() {
                    Some(entries) => {
                        for (name, item) in entries {
                            self.object(item, loc.child(name), object);
                        }
                    }
                    None => self.error(
                        node,
                        &loc,
                        format!(
                            "`{key}` must be a mapping of names to objects, found {}",
                            node.kind()
                        ),
                        None,
                    ),
                }
            }
            Kind::ListOf(object) | Kind::Traits(object) => match node.as_seq() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        // A 3.x trait may come with options: `[trait, {...}]`.
                        if kind == Kind::Traits(object) && item.as_seq().is_some() {
                            continue;
                        }
                        self.object(item, loc.child(&i.to_string()), object);
                    }
                }
                None => self.error(node, &loc, expect("a list"), None),
            },
            Kind::Schema => schema::check(self, node, loc),
            Kind::Payload => self.payload(parent, node, loc),
            Kind::Payloads => {
                let Some((node, loc)) = self.follow(node, loc) else {
                    return;
                };
                match node.as_map() {
                    Some(entries) => {
                        for (name, item) in entries {
                            self.payload(node, item, loc.child(name));
                        }
                    }
                    None => self.error(
                        node,
                        &loc,
                        format!(
                            "`{key}` must be a mapping of names to schemas, found {}",
                            node.kind()
                        ),
                        None,
                    ),
                }
            }
        }
    }

    /// A payload or headers schema: in 2.x in the message's `schemaFormat`; in 3.x a Multi
    /// Format Schema object (`schemaFormat` and `schema`) or a schema. Schemas in other
    /// languages (Avro, Protobuf, ...) are not checked.
    fn payload(&mut self, parent: &Node, node: &'a Node, loc: Loc) {
        let format = |n: &Node| {
            n.get("schemaFormat")
                .and_then(Node::as_str)
                .map(str::to_string)
        };
        if self.version.0 < 3 {
            if format(parent).is_some_and(|f| !is_json_schema_format(&f)) {
                return;
            }
            return schema::check(self, node, loc);
        }
        let Some((target, target_loc)) = self.follow(node, loc.clone()) else {
            return;
        };
        if target.get("schemaFormat").is_none() {
            return schema::check(self, node, loc);
        }
        // A Multi Format Schema object.
        for (key, value) in target.as_map().unwrap_or_default() {
            match key.as_str() {
                "schemaFormat" => {
                    if value.as_str().is_none() {
                        let message =
                            format!("`schemaFormat` must be a string, found {}", value.kind());
                        self.error(value, &target_loc.child(key), message, None);
                    }
                }
                "schema" => {
                    if format(target).is_none_or(|f| is_json_schema_format(&f)) {
                        schema::check(self, value, target_loc.child(key));
                    }
                }
                _ if key.starts_with("x-") => {}
                _ => {
                    let help = suggest::nearest(key, ["schemaFormat", "schema"])
                        .map(|near| format!("did you mean `{near}`?"))
                        .unwrap_or_else(|| {
                            "a Multi Format Schema object has `schemaFormat` and `schema`, and \
                             extensions named `x-...`"
                                .into()
                        });
                    let message = format!(
                        "`{key}` is not a field of a Multi Format Schema object in AsyncAPI {}",
                        self.shown
                    );
                    let span = self.src.key_span(target, key);
                    self.out.error(
                        self.src
                            .diag(span, message)
                            .with_pointer(target_loc.child(key).fragment())
                            .with_help(help),
                    );
                }
            }
        }
    }

    /// The error for `key`, unknown to `object` in this version.
    fn unknown(&mut self, node: &Node, key: &str, loc: &Loc, object: Object) {
        let known: Vec<&str> = fields::names(object, self.version).collect();
        let help = match suggest::nearest(key, known.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => match fields::other_version(object, key) {
                Some(major) => format!(
                    "`{key}` belongs to AsyncAPI {major}.x; this document is AsyncAPI {}",
                    self.shown
                ),
                None => {
                    let mut known = known;
                    known.dedup();
                    format!(
                        "{} has {}, and extensions named `x-...`",
                        capitalized(object.name()),
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            },
        };
        let message = format!(
            "`{key}` is not a field of {} in AsyncAPI {}",
            object.name(),
            self.shown
        );
        let span = self.src.key_span(node, key);
        self.out.error(
            self.src
                .diag(span, message)
                .with_pointer(loc.child(key).fragment())
                .with_help(help),
        );
    }

    /// `node`, or what it refers to when it is a reference; `None` when that does not
    /// resolve (the reference check reports it).
    pub(super) fn follow(&self, node: &'a Node, loc: Loc) -> Option<(&'a Node, Loc)> {
        if ref_of(node).is_none() {
            return Some((node, loc));
        }
        self.src.resolve(node, loc).ok()
    }

    pub(super) fn error(&mut self, node: &Node, loc: &Loc, message: String, help: Option<String>) {
        let mut d: Diagnostic = self
            .src
            .diag(node.span, message)
            .with_pointer(loc.fragment());
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.out.error(d);
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
