//! Checking schema objects: the types of known keywords' values, and near misses of known keywords.
//!
//! The value of every known JSON Schema keyword must have the keyword's type (an error otherwise:
//! `required: id`, `minimum: "zero"`); other keywords are allowed, as JSON Schema is open, but one
//! that is a near miss of a known keyword (`propertis`, `requird`) is a warning, since the schema
//! would silently mean less than intended.

use std::collections::HashSet;

use crate::source::node::{Node, Value};
use crate::source::resolve::Loc;
use crate::source::vocabulary::{self, Kind};

use super::document::Walker;
use super::suggest;

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// Schemas already checked, by location.
#[derive(Debug, Default)]
pub(super) struct Schemas {
    seen: HashSet<Loc>,
}

/// Checks the schema `node` at `loc` (following a reference to check its target).
pub(super) fn check<'a>(w: &mut Walker<'a, '_>, node: &'a Node, loc: Loc) {
    let Some((node, loc)) = w.follow(node, loc) else {
        return;
    };
    if !w.schemas.seen.insert(loc.clone()) {
        return;
    }
    let entries = match &node.value {
        Value::Bool(_) => return,
        Value::Map(entries) => entries,
        _ => {
            let message = format!(
                "a schema must be a mapping or a boolean, found {}",
                node.kind()
            );
            return w.error(node, &loc, message, None);
        }
    };
    for (key, value) in entries {
        let at = loc.child(key);
        match vocabulary::kind(key) {
            Some(kind) => keyword(w, key, kind, value, at),
            None if key.starts_with("x-") || key.starts_with('$') => {}
            None => {
                let near = suggest::nearest(key, vocabulary::KEYWORDS.iter().map(|(k, _, _)| *k));
                if let Some(near) = near {
                    let span = w.src.key_span(node, key);
                    w.out.warning(
                        w.src
                            .diag(
                                span,
                                format!(
                                    "`{key}` is not a JSON Schema keyword, so it checks nothing"
                                ),
                            )
                            .with_pointer(at.fragment())
                            .with_help(format!("did you mean `{near}`?")),
                    );
                }
            }
        }
    }
}

fn keyword<'a>(w: &mut Walker<'a, '_>, key: &str, kind: Kind, node: &'a Node, loc: Loc) {
    let wrong = |what: &str| format!("`{key}` must be {what}, found {}", describe(node));
    match kind {
        Kind::Any => {}
        Kind::Schema => check(w, node, loc),
        Kind::SchemaOrList => match node.as_seq() {
            Some(items) => each(w, items, &loc),
            None => check(w, node, loc),
        },
        Kind::SchemaList => match node.as_seq() {
            Some(items) => each(w, items, &loc),
            None => w.error(node, &loc, wrong("a list of schemas"), None),
        },
        Kind::SchemaMap => match node.as_map() {
            Some(entries) => {
                for (name, schema) in entries {
                    check(w, schema, loc.child(name));
                }
            }
            None => w.error(node, &loc, wrong("a mapping of names to schemas"), None),
        },
        Kind::Dependencies => match node.as_map() {
            Some(entries) => {
                for (name, value) in entries {
                    match value.as_seq() {
                        Some(_) => names(w, name, value, loc.child(name)),
                        None => check(w, value, loc.child(name)),
                    }
                }
            }
            None => w.error(node, &loc, wrong("a mapping"), None),
        },
        Kind::NamesMap => match node.as_map() {
            Some(entries) => {
                for (name, value) in entries {
                    names(w, name, value, loc.child(name));
                }
            }
            None => w.error(node, &loc, wrong("a mapping of lists of names"), None),
        },
        Kind::Names => names(w, key, node, loc),
        Kind::Number => {
            if node.as_f64().is_none() {
                w.error(node, &loc, wrong("a number"), None);
            }
        }
        Kind::NumberOrFlag => {
            if node.as_f64().is_none() && node.as_bool().is_none() {
                w.error(node, &loc, wrong("a number"), None);
            }
        }
        Kind::Count => {
            if node.as_u64().is_none() {
                w.error(node, &loc, wrong("a whole number of at least 0"), None);
            }
        }
        Kind::Flag => {
            if node.as_bool().is_none() {
                w.error(node, &loc, wrong("`true` or `false`"), None);
            }
        }
        Kind::Text => {
            if node.as_str().is_none() {
                w.error(node, &loc, wrong("a string"), None);
            }
        }
        Kind::Type => match &node.value {
            Value::String(name) => type_name(w, node, name, &loc),
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(name) => type_name(w, item, name, &loc.child(&i.to_string())),
                        None => {
                            let message = format!(
                                "the items of `type` must be type names, found {}",
                                describe(item)
                            );
                            w.error(item, &loc.child(&i.to_string()), message, None);
                        }
                    }
                }
            }
            _ => w.error(node, &loc, wrong("a type name or a list of them"), None),
        },
        Kind::List => {
            if node.as_seq().is_none() {
                w.error(node, &loc, wrong("a list of values"), None);
            }
        }
        Kind::TextOrMap => {
            if node.as_str().is_none() && node.as_map().is_none() {
                w.error(node, &loc, wrong("a string or a mapping"), None);
            }
        }
        Kind::Map => {
            if node.as_map().is_none() {
                w.error(node, &loc, wrong("a mapping"), None);
            }
        }
    }
}

fn each<'a>(w: &mut Walker<'a, '_>, items: &'a [Node], loc: &Loc) {
    for (i, item) in items.iter().enumerate() {
        check(w, item, loc.child(&i.to_string()));
    }
}

/// A list of property names (`required`, `dependentRequired`'s values).
fn names(w: &mut Walker<'_, '_>, key: &str, node: &Node, loc: Loc) {
    let Some(items) = node.as_seq() else {
        let help = node.as_str().map(|name| format!("write `{key}: [{name}]`"));
        let message = format!(
            "`{key}` must be a list of property names, found {}",
            describe(node)
        );
        return w.error(node, &loc, message, help);
    };
    for (i, item) in items.iter().enumerate() {
        if item.as_str().is_none() {
            let message = format!(
                "the items of `{key}` must be property names (strings), found {}",
                describe(item)
            );
            w.error(item, &loc.child(&i.to_string()), message, None);
        }
    }
}

fn type_name(w: &mut Walker<'_, '_>, node: &Node, name: &str, loc: &Loc) {
    if TYPES.contains(&name) {
        return;
    }
    let help = suggest::nearest(name, TYPES.iter().copied())
        .map(|near| format!("did you mean `{near}`?"))
        .unwrap_or_else(|| format!("the types are {}", TYPES.join(", ")));
    let message = format!("unknown JSON Schema type `{name}`");
    w.error(node, loc, message, Some(help));
}

/// The kind of a value, with the value when it is short (`a string ("zero")`).
fn describe(node: &Node) -> String {
    match &node.value {
        Value::String(s) if s.chars().count() <= 30 => format!("the string {s:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("`{b}`"),
        _ => node.kind().to_string(),
    }
}
