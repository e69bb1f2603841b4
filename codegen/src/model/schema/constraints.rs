//! Validation constraints of a schema, and whether it needs a whole-value check.

use crate::error::Result;
use crate::model::{Constraints, Ty};
use crate::source::node::{Node, Value};
use crate::source::resolve::{ref_of, Loc};
use crate::source::vocabulary;

use super::TypeSpace;

impl<'a> TypeSpace<'a> {
    /// The constraints of the inline schema `node` on a value of type `ty`. A reference has
    /// none of its own: the named type it resolves to carries them.
    pub(crate) fn constraints(&self, node: &Node, loc: &Loc, ty: &Ty) -> Result<Constraints> {
        let mut c = Constraints::default();
        if ref_of(node).is_some() || node.as_map().is_none() {
            return Ok(c);
        }
        let ty = match ty {
            Ty::Option(inner) | Ty::Box(inner) => inner.as_ref(),
            other => other,
        };
        let uint = |k: &str| node.get(k).and_then(Node::as_u64);
        let number = |k: &str| match node.get(k).map(|n| &n.value) {
            Some(Value::Number(n)) => Some(n.clone()),
            _ => None,
        };
        if let Ty::Any = ty {
            // Nothing typed to check against: the whole schema, when it asserts anything.
            if has_assertions(node) {
                c.schema = Some(self.entry(node, loc)?);
            }
            return Ok(c);
        }
        match ty {
            Ty::String => {
                c.min_length = uint("minLength");
                c.max_length = uint("maxLength");
                if let Some(pattern) = node.get("pattern") {
                    let text = pattern.as_str().unwrap_or_default();
                    if let Err(e) = regress::Regex::new(text) {
                        return Err(self
                            .src
                            .diag(
                                pattern.span,
                                format!("`{text}` is not an ECMA-262 regular expression: {e}"),
                            )
                            .into());
                    }
                    c.pattern = Some(text.to_string());
                }
                c.format = node
                    .get("format")
                    .and_then(Node::as_str)
                    .filter(|f| tidings::format::Format::from_name(f).is_some())
                    .map(str::to_string);
            }
            Ty::Int(_) | Ty::Float => {
                c.minimum = number("minimum");
                c.maximum = number("maximum");
                c.exclusive_minimum = number("exclusiveMinimum");
                c.exclusive_maximum = number("exclusiveMaximum");
                // Draft 4: `exclusiveMinimum: true` turns `minimum` exclusive.
                if node.get("exclusiveMinimum").and_then(Node::as_bool) == Some(true) {
                    c.exclusive_minimum = c.minimum.take();
                }
                if node.get("exclusiveMaximum").and_then(Node::as_bool) == Some(true) {
                    c.exclusive_maximum = c.maximum.take();
                }
                c.multiple_of =
                    number("multipleOf").filter(|n| n.as_f64().is_some_and(|f| f > 0.0));
            }
            Ty::Vec(inner) => {
                c.min_length = uint("minItems");
                c.max_length = uint("maxItems");
                c.unique_items = node.get("uniqueItems").and_then(Node::as_bool) == Some(true);
                // Beside `prefixItems`, `items` is only the items after them.
                let items = node.get("items").filter(|i| i.as_map().is_some());
                if let (Some(items), None) = (items, node.get("prefixItems")) {
                    let item = self.constraints(items, &loc.child("items"), inner)?;
                    if !item.is_empty() {
                        c.items = Some(Box::new(item));
                    }
                }
            }
            Ty::Tuple(_) => {
                c.unique_items = node.get("uniqueItems").and_then(Node::as_bool) == Some(true);
            }
            Ty::Map(inner) => {
                c.min_length = uint("minProperties");
                c.max_length = uint("maxProperties");
                if let Some(values) = node
                    .get("additionalProperties")
                    .filter(|i| i.as_map().is_some())
                {
                    let value =
                        self.constraints(values, &loc.child("additionalProperties"), inner)?;
                    if !value.is_empty() {
                        c.values = Some(Box::new(value));
                    }
                }
            }
            _ => {}
        }
        let typed_enum = matches!(ty, Ty::Named(_));
        if !typed_enum {
            if let Some(values) = node.get("enum").and_then(Node::as_seq) {
                c.enumeration = Some(values.iter().map(Node::to_json).collect());
            }
            if let Some(value) = node.get("const") {
                c.constant = Some(value.to_json());
            }
        }
        if needs_whole_check(node) && !matches!(ty, Ty::Named(_)) {
            c.schema = Some(self.entry(node, loc)?);
        }
        Ok(c)
    }
}

/// Whether the schema asserts anything about a value (annotations alone do not).
pub(super) fn has_assertions(node: &Node) -> bool {
    match &node.value {
        Value::Bool(b) => !b,
        Value::Map(entries) => entries.iter().any(|(k, _)| vocabulary::asserts(k)),
        _ => false,
    }
}

/// Whether the schema uses keywords that only a whole-value check can enforce.
pub(super) fn needs_whole_check(node: &Node) -> bool {
    const WHOLE: &[&str] = &[
        "not",
        "if",
        "contains",
        "propertyNames",
        "dependencies",
        "minProperties",
        "maxProperties",
        "patternProperties",
        "additionalItems",
    ];
    let Some(entries) = node.as_map() else {
        return false;
    };
    entries.iter().any(|(k, v)| {
        WHOLE.contains(&k.as_str())
            // `oneOf` promises exactly one branch; deserialization only finds the first.
            || (k == "oneOf" && v.as_seq().is_some_and(|b| b.len() > 1))
            // allOf branches that are not plain object parts.
            || (k == "allOf" && v.as_seq().is_some_and(|branches| {
                branches.iter().any(|b| b.as_map().is_some_and(|m| m.iter().any(|(bk, _)| {
                    WHOLE.contains(&bk.as_str()) || matches!(bk.as_str(), "oneOf" | "anyOf" | "enum" | "const")
                })))
            }))
    })
}
