//! Unions: `oneOf`/`anyOf` as Rust enums, tagged when a property tells the branches apart.

use crate::error::Result;
use crate::model::naming::{self, Scope};
use crate::model::{
    Constraints, EnumVariant, Ty, TypeId, TypeKind, Union, UnionVariant, VariantContent,
};
use crate::source::node::Node;
use crate::source::resolve::{ref_of, Loc};

use super::enums::{constant_string, is_single_string};
use super::{docs_of, is_null_schema, is_object_like, type_names, Made, Parts, TypeSpace};

impl<'a> TypeSpace<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn union(
        &mut self,
        node: &'a Node,
        key: &str,
        branches: &'a [Node],
        loc: &Loc,
        hint: &str,
        slot: Option<TypeId>,
        nullable: &mut bool,
    ) -> Result<Made> {
        let branches_loc = loc.child(key);
        let mut live: Vec<(&'a Node, Loc)> = Vec::new();
        for (i, branch) in branches.iter().enumerate() {
            let branch_loc = branches_loc.child(&i.to_string());
            let (target, _) = self.src.resolve(branch, branch_loc.clone())?;
            if is_null_schema(target) {
                *nullable = true;
            } else {
                live.push((branch, branch_loc));
            }
        }
        if live.is_empty() {
            return Ok(Made::Ty(Ty::Unit));
        }
        if live.len() == 1 && !has_own_shape(node) {
            let (branch, branch_loc) = live.remove(0);
            let (ty, branch_nullable) = self.ty_of(branch, branch_loc, hint)?;
            *nullable |= branch_nullable;
            return Ok(match ty {
                Ty::Named(id) if slot.is_none() => Made::Named(id),
                ty => Made::Ty(ty),
            });
        }
        let id = self.slot_for(slot, hint, loc, node);
        if !matches!(self.types[id.0].kind, TypeKind::Pending) {
            return Ok(Made::Named(id));
        }
        // Each branch one string (`oneOf: [{const: a, description: ...}, ...]`): a string
        // enum, each variant documented by its branch.
        if let Some(variants) = self.single_strings(&live)? {
            self.types[id.0].kind = TypeKind::StringEnum(variants);
            return Ok(Made::Named(id));
        }
        let union_name = self.types[id.0].rust_name.clone();
        let discriminator = node.get("discriminator").and_then(|d| {
            d.as_str()
                .or_else(|| d.get("propertyName").and_then(Node::as_str))
                .map(str::to_string)
        });
        let mapping = self.discriminator_mapping(node);
        let mut resolved = Vec::new();
        for (branch, branch_loc) in &live {
            let (target, target_loc) = self.src.resolve(branch, branch_loc.clone())?;
            let mut parts = Parts::default();
            self.collect(target, &target_loc, &mut parts, 0)?;
            resolved.push((target, target_loc, parts, ref_of(branch).is_some()));
        }
        let mut scope = Scope::with_reserved(&["Self"]);
        let mut variants = Vec::new();
        if let Some((tag, values)) = self.find_tag(&resolved, discriminator.as_deref(), &mapping) {
            for ((target, target_loc, parts, _), value) in resolved.iter().zip(values) {
                // `DeploymentTarget::Kubernetes { .. }` reads better than the branch's schema name.
                let base = value.clone();
                let rust_name = scope.take(&naming::type_name(&base));
                let fields_hint = format!("{union_name}{rust_name}");
                let content =
                    self.struct_from_parts(parts, &fields_hint, Some(&tag), target_loc)?;
                variants.push(UnionVariant {
                    rust_name,
                    tag_value: Some(value),
                    content: VariantContent::Fields(content),
                    docs: docs_of(target),
                    constraints: Constraints::default(),
                });
            }
            self.types[id.0].kind = TypeKind::Union(Union {
                tag: Some(tag),
                variants,
            });
            return Ok(Made::Named(id));
        }
        let mut ranked = Vec::new();
        for (i, ((branch, branch_loc), (target, target_loc, parts, is_ref))) in
            live.iter().zip(&resolved).enumerate()
        {
            let base = if *is_ref {
                target_loc
                    .last_token()
                    .unwrap_or_else(|| format!("variant{i}"))
            } else if let Some(title) = target.get("title").and_then(Node::as_str) {
                title.to_string()
            } else {
                kind_word(target)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("variant{i}"))
            };
            let rust_name = scope.take(&naming::type_name(&base));
            let (ty, branch_nullable) = self.ty_of(
                branch,
                branch_loc.clone(),
                &format!("{union_name}{rust_name}"),
            )?;
            let constraints = self.constraints(branch, branch_loc, &ty)?;
            let ty = if branch_nullable {
                Ty::Option(Box::new(ty))
            } else {
                ty
            };
            ranked.push((
                rank(target, parts),
                i,
                UnionVariant {
                    rust_name,
                    tag_value: None,
                    content: VariantContent::Type(ty),
                    docs: docs_of(target),
                    constraints,
                },
            ));
        }
        // Untagged variants are tried in order: the most specific first.
        ranked.sort_by_key(|(rank, i, _)| (*rank, *i));
        self.types[id.0].kind = TypeKind::Union(Union {
            tag: None,
            variants: ranked.into_iter().map(|(_, _, v)| v).collect(),
        });
        Ok(Made::Named(id))
    }

    /// The variants of a string enum when every branch is one distinct string, else `None`.
    fn single_strings(&self, live: &[(&'a Node, Loc)]) -> Result<Option<Vec<EnumVariant>>> {
        let mut scope = Scope::with_reserved(&["Self"]);
        let mut variants: Vec<EnumVariant> = Vec::new();
        for (branch, branch_loc) in live {
            let (target, _) = self.src.resolve(branch, branch_loc.clone())?;
            let Some(wire) = constant_string(target).filter(|_| is_single_string(target)) else {
                return Ok(None);
            };
            if variants.iter().any(|v| v.wire == wire) {
                return Ok(None);
            }
            variants.push(EnumVariant {
                rust_name: scope.take(&naming::type_name(&wire)),
                wire,
                docs: docs_of(target),
            });
        }
        Ok((variants.len() >= 2).then_some(variants))
    }

    /// OpenAPI's `discriminator.mapping`: each tag value with the location of the schema it
    /// names (a reference, or a bare name under `components/schemas`). Entries that do not
    /// resolve are left out (the branch's own name or constant decides then).
    fn discriminator_mapping(&self, node: &Node) -> Vec<(String, Loc)> {
        let Some(mapping) = node
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Node::as_map)
        else {
            return Vec::new();
        };
        mapping
            .iter()
            .filter_map(|(tag, target)| {
                let target = target.as_str()?;
                let reference = if target.contains('#') || target.contains('/') {
                    target.to_string()
                } else {
                    format!("#/components/schemas/{target}")
                };
                let (found, loc) = self.src.lookup(node.span.doc, &reference, node.span).ok()?;
                let (_, loc) = self.src.resolve(found, loc).ok()?;
                Some((tag.clone(), loc))
            })
            .collect()
    }

    /// The property whose constant value tells every branch apart, and those values.
    pub(super) fn find_tag(
        &self,
        branches: &[(&'a Node, Loc, Parts<'a>, bool)],
        discriminator: Option<&str>,
        mapping: &[(String, Loc)],
    ) -> Option<(String, Vec<String>)> {
        if branches.len() < 2 {
            return None;
        }
        let candidates: Vec<String> = match discriminator {
            Some(d) => vec![d.to_string()],
            None => branches[0]
                .2
                .properties
                .iter()
                .map(|(name, _, _)| name.clone())
                .collect(),
        };
        'candidates: for candidate in candidates {
            let mut values = Vec::new();
            for (_, target_loc, parts, is_ref) in branches {
                let constant = parts
                    .properties
                    .iter()
                    .find(|(name, _, _)| *name == candidate)
                    .and_then(|(_, prop, prop_loc)| {
                        let (prop, _) = self.src.resolve(prop, prop_loc.clone()).ok()?;
                        constant_string(prop)
                    });
                let mapped = mapping
                    .iter()
                    .find(|(_, loc)| loc == target_loc)
                    .map(|(tag, _)| tag.clone());
                let value = match constant.or(mapped) {
                    Some(v) => v,
                    None if discriminator.is_some() && *is_ref => match target_loc.last_token() {
                        Some(name) => name,
                        None => continue 'candidates,
                    },
                    None => continue 'candidates,
                };
                if values.contains(&value) {
                    continue 'candidates;
                }
                values.push(value);
            }
            return Some((candidate, values));
        }
        None
    }
}

/// Order of untagged variants: objects with more required properties, then narrower scalars.
pub(super) fn rank(node: &Node, parts: &Parts<'_>) -> (u8, usize) {
    let kind = kind_word(node).unwrap_or("any");
    let class = match kind {
        "object" if parts.closed => 0,
        "object" => 1,
        "array" => 2,
        "boolean" => 3,
        "integer" => 4,
        "number" => 5,
        "enum" => 6,
        "string" if node.get("format").is_some() || node.get("pattern").is_some() => 7,
        "string" => 8,
        _ => 9,
    };
    (class, usize::MAX - parts.required.len())
}

/// A word for a variant of an untagged union, from the branch's type.
pub(super) fn kind_word(node: &Node) -> Option<&'static str> {
    if is_object_like(node) {
        return Some("object");
    }
    if node.get("enum").is_some() {
        return Some("enum");
    }
    match type_names(node).first().map(String::as_str) {
        Some("object") => Some("object"),
        Some("array") => Some("array"),
        Some("string") => Some("string"),
        Some("integer") => Some("integer"),
        Some("number") => Some("number"),
        Some("boolean") => Some("boolean"),
        _ => None,
    }
}

/// Whether a union node has properties of its own beside `oneOf`/`anyOf`.
pub(super) fn has_own_shape(node: &Node) -> bool {
    node.get("properties").is_some()
}
