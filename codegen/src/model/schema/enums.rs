//! Enumerations: `enum` and `const` of strings and integers as Rust enums.

use crate::error::Result;
use crate::model::naming::{self, Scope};
use crate::model::{Docs, EnumVariant, IntVariant, Ty, TypeId, TypeKind};
use crate::source::node::{Node, Value};
use crate::source::resolve::Loc;

use super::{type_names, Made, TypeSpace};

impl<'a> TypeSpace<'a> {
    pub(super) fn enumeration(
        &mut self,
        node: &'a Node,
        values: &'a [Node],
        loc: &Loc,
        hint: &str,
        slot: Option<TypeId>,
        nullable: &mut bool,
    ) -> Result<Made> {
        let present: Vec<&Node> = values
            .iter()
            .filter(|v| !matches!(v.value, Value::Null))
            .collect();
        if present.len() != values.len() {
            *nullable = true;
        }
        if present.is_empty() {
            return Ok(Made::Ty(Ty::Unit));
        }
        if present.iter().all(|v| v.as_str().is_some()) {
            let id = self.slot_for(slot, hint, loc, node);
            if !matches!(self.types[id.0].kind, TypeKind::Pending) {
                return Ok(Made::Named(id));
            }
            let mut scope = Scope::with_reserved(&["Self"]);
            let mut variants = Vec::new();
            for value in present {
                let wire = value.as_str().unwrap_or_default().to_string();
                if variants.iter().any(|v: &EnumVariant| v.wire == wire) {
                    continue;
                }
                let rust_name = scope.take(&naming::type_name(&wire));
                variants.push(EnumVariant {
                    rust_name,
                    wire,
                    docs: Docs::default(),
                });
            }
            self.types[id.0].kind = TypeKind::StringEnum(variants);
            return Ok(Made::Named(id));
        }
        let ints: Option<Vec<i64>> = present
            .iter()
            .map(|v| match &v.value {
                Value::Number(n) => n.as_i64(),
                _ => None,
            })
            .collect();
        if let Some(ints) = ints {
            let id = self.slot_for(slot, hint, loc, node);
            if !matches!(self.types[id.0].kind, TypeKind::Pending) {
                return Ok(Made::Named(id));
            }
            let mut scope = Scope::with_reserved(&["Self"]);
            let mut variants = Vec::new();
            for value in ints {
                if variants.iter().any(|v: &IntVariant| v.value == value) {
                    continue;
                }
                let raw = if value < 0 {
                    format!("minus {}", value.unsigned_abs())
                } else {
                    format!("v{value}")
                };
                let rust_name = scope.take(&naming::type_name(&raw));
                variants.push(IntVariant { rust_name, value });
            }
            self.types[id.0].kind = TypeKind::IntEnum(variants);
            return Ok(Made::Named(id));
        }
        // Mixed or structured enum values: any JSON value (validators check membership).
        Ok(Made::Ty(
            match type_names(node)
                .iter()
                .find(|t| *t != "null")
                .map(String::as_str)
            {
                Some("number") => Ty::Float,
                Some("boolean") => Ty::Bool,
                _ => Ty::Any,
            },
        ))
    }
}

/// Whether `node` says only "this one string": `const` or a one-value `enum`, with nothing
/// beside it but `type: string` and annotations.
pub(super) fn is_single_string(node: &Node) -> bool {
    constant_string(node).is_some()
        && node.as_map().unwrap_or_default().iter().all(|(k, v)| {
            matches!(
                k.as_str(),
                "const" | "enum" | "description" | "title" | "deprecated" | "$comment"
            ) || k.starts_with("x-")
                || (k == "type" && v.as_str() == Some("string"))
        })
}

pub(super) fn constant_string(node: &Node) -> Option<String> {
    if let Some(c) = node.get("const").and_then(Node::as_str) {
        return Some(c.to_string());
    }
    match node.get("enum").and_then(Node::as_seq) {
        Some([only]) => only.as_str().map(str::to_string),
        _ => None,
    }
}
