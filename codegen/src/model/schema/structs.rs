//! Objects as structs: properties, `required`, extra properties.

use crate::error::Result;
use crate::model::naming::{self, Scope};
use crate::model::{Docs, Field, Struct, Ty, TypeId, TypeKind};
use crate::source::node::Node;
use crate::source::resolve::Loc;

use super::{docs_of, is_empty_schema, Made, Parts, TypeSpace, MAX_ALL_OF_DEPTH};

impl<'a> TypeSpace<'a> {
    pub(super) fn object(
        &mut self,
        node: &'a Node,
        loc: &Loc,
        hint: &str,
        slot: Option<TypeId>,
    ) -> Result<Made> {
        let mut parts = Parts::default();
        self.collect(node, loc, &mut parts, 0)?;
        if parts.properties.is_empty() {
            let value = match parts.additional {
                // Values under `patternProperties` may have other types than the rest.
                Some(_) if parts.patterns => Ty::Any,
                Some((extra, extra_loc)) => {
                    match self.ty_of(extra, extra_loc, &format!("{hint}Value"))? {
                        (ty, true) => Ty::Option(Box::new(ty)),
                        (ty, false) => ty,
                    }
                }
                None => Ty::Any,
            };
            return Ok(Made::Ty(Ty::Map(Box::new(value))));
        }
        let id = self.slot_for(slot, hint, loc, node);
        if !matches!(self.types[id.0].kind, TypeKind::Pending) {
            return Ok(Made::Named(id));
        }
        let name = self.types[id.0].rust_name.clone();
        let shape = self.struct_from_parts(&parts, &name, None, loc)?;
        self.types[id.0].kind = TypeKind::Struct(shape);
        Ok(Made::Named(id))
    }

    pub(super) fn struct_from_parts(
        &mut self,
        parts: &Parts<'a>,
        type_name: &str,
        skip: Option<&str>,
        loc: &Loc,
    ) -> Result<Struct> {
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (wire, prop, prop_loc) in &parts.properties {
            if Some(wire.as_str()) == skip {
                continue;
            }
            let rust_name = scope.take(&naming::field_name(wire));
            let hint = format!("{type_name}{}", naming::type_name(wire));
            let (ty, nullable) = self.ty_of(prop, prop_loc.clone(), &hint)?;
            let (target, _) = self.src.resolve(prop, prop_loc.clone())?;
            let required = parts.required.iter().any(|r| r == wire);
            let mut docs = docs_of(prop);
            if docs == Docs::default() {
                docs = docs_of(target);
            }
            let default = match prop.get("default").or_else(|| target.get("default")) {
                Some(d) if !required => self.default_for(d, prop, prop_loc, wire)?,
                _ => None,
            };
            let mut constraints = self.constraints(prop, prop_loc, &ty)?;
            for (_, other) in parts.also.iter().filter(|(name, _)| name == wire) {
                let (other, other_loc) = self.src.resolve(other, prop_loc.clone())?;
                constraints = constraints.or(&self.constraints(other, &other_loc, &ty)?);
            }
            fields.push(Field {
                wire: wire.clone(),
                rust_name,
                ty,
                required,
                nullable,
                default,
                docs,
                constraints,
            });
        }
        let extra = match &parts.additional {
            // Members `patternProperties` matches may have other types than the rest.
            Some(_) if parts.patterns => Some((scope.take("additional_properties"), Ty::Any)),
            Some((extra, extra_loc)) => {
                let (ty, nullable) =
                    self.ty_of(extra, extra_loc.clone(), &format!("{type_name}Value"))?;
                let ty = if nullable {
                    Ty::Option(Box::new(ty))
                } else {
                    ty
                };
                Some((scope.take("additional_properties"), ty))
            }
            None if parts.patterns => Some((scope.take("additional_properties"), Ty::Any)),
            None => None,
        };
        let _ = loc;
        Ok(Struct {
            fields,
            closed: parts.closed && !parts.patterns,
            extra,
        })
    }

    /// Gathers properties through `allOf` (and the references in it).
    pub(super) fn collect(
        &self,
        node: &'a Node,
        loc: &Loc,
        parts: &mut Parts<'a>,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_ALL_OF_DEPTH {
            return Err(self
                .diag(
                    node,
                    loc,
                    format!("`allOf` nests deeper than {MAX_ALL_OF_DEPTH} levels"),
                )
                .into());
        }
        if let Some(branches) = node.get("allOf").and_then(Node::as_seq) {
            for (i, branch) in branches.iter().enumerate() {
                let (target, target_loc) = self
                    .src
                    .resolve(branch, loc.child("allOf").child(&i.to_string()))?;
                self.collect(target, &target_loc, parts, depth + 1)?;
            }
        }
        // The whole map may be a reference (`properties: {$ref: attributes.yml#/...}`).
        let properties = match node.get("properties") {
            Some(props) => Some(self.src.resolve(props, loc.child("properties"))?),
            None => None,
        };
        if let Some((props, props_loc)) = properties.and_then(|(p, l)| Some((p.as_map()?, l))) {
            for (name, prop) in props {
                let prop_loc = props_loc.child(name);
                match parts.properties.iter_mut().find(|(n, _, _)| n == name) {
                    // A later, more specific definition of the same property wins over `{}`.
                    Some(existing) if is_empty_schema(existing.1) => {
                        *existing = (name.clone(), prop, prop_loc)
                    }
                    Some(_) => parts.also.push((name.clone(), prop)),
                    None => parts.properties.push((name.clone(), prop, prop_loc)),
                }
            }
        }
        if let Some(required) = node.get("required").and_then(Node::as_seq) {
            for r in required.iter().filter_map(Node::as_str) {
                if !parts.required.iter().any(|x| x == r) {
                    parts.required.push(r.to_string());
                }
            }
        }
        match node.get("additionalProperties") {
            Some(a) if a.as_bool() == Some(false) => parts.closed = depth == 0,
            Some(a) if a.as_map().is_some_and(|m| !m.is_empty()) => {
                parts.additional = Some((a, loc.child("additionalProperties")))
            }
            _ => {}
        }
        if node.get("patternProperties").is_some() {
            parts.patterns = true;
        }
        Ok(())
    }
}
