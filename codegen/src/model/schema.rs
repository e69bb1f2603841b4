//! JSON Schema → Rust types: the type space of one catalog.
//!
//! A `$ref` becomes a named type, identified by where the reference chain ends, and is converted
//! later from a queue, so a chain of ten thousand references never deepens the stack. Inline
//! schemas are converted on the spot and named from their path (`Order` + `shippingAddress` →
//! `OrderShippingAddress`).

use std::collections::{HashMap, VecDeque};

use crate::error::{Diagnostic, Result};
use crate::source::node::{Node, Value};
use crate::source::resolve::{ref_of, Loc};
use crate::source::Sources;

use super::naming::{self, Scope};
use super::{
    Constraints, Default, Docs, EnumVariant, Field, IntTy, IntVariant, SchemaPositions,
    SourcePosition, Struct, Ty, TypeDef, TypeId, TypeKind, Union, UnionVariant, VariantContent,
};

/// How deep `allOf` may nest through references before tidings gives up.
const MAX_ALL_OF_DEPTH: usize = 64;

pub(crate) struct TypeSpace<'a> {
    src: &'a Sources,
    pub types: Vec<TypeDef>,
    pub names: Scope,
    by_loc: HashMap<Loc, TypeId>,
    queue: VecDeque<(TypeId, &'a Node, Loc)>,
    pub warnings: Vec<Diagnostic>,
    /// Type only what `type` declares (see [`crate::LoadOptions::strict_json_schema`]).
    pub strict: bool,
}

/// The object view of a schema, with `allOf` merged.
#[derive(Default)]
struct Parts<'a> {
    properties: Vec<(String, &'a Node, Loc)>,
    /// Further definitions of a property from other `allOf` branches: their constraints apply too.
    also: Vec<(String, &'a Node)>,
    required: Vec<String>,
    additional: Option<(&'a Node, Loc)>,
    patterns: bool,
    closed: bool,
}

/// A converted schema: either a plain type, or the shape of a named type.
enum Made {
    Ty(Ty),
    Named(TypeId),
}

impl<'a> TypeSpace<'a> {
    pub fn new(src: &'a Sources, names: Scope) -> Self {
        TypeSpace {
            src,
            types: Vec::new(),
            names,
            by_loc: HashMap::new(),
            queue: VecDeque::new(),
            warnings: Vec::new(),
            strict: false,
        }
    }

    /// Allocates a named type that is filled in later.
    pub fn reserve(&mut self, hint: &str, loc: &Loc) -> TypeId {
        let base = naming::type_name(hint);
        // A schema named like a message yields the name to the message: `OrderPlacedPayload`.
        let rust_name = if self.names.contains(&base) && loc.pointer.contains("/schemas/") {
            self.names.take(&format!("{base}Payload"))
        } else {
            self.names.take(&base)
        };
        let id = TypeId(self.types.len());
        self.types.push(TypeDef {
            rust_name,
            docs: Docs::default(),
            kind: TypeKind::Pending,
            message: None,
            origin: format!("{}{}", self.src.doc(loc.doc).display, loc.fragment()),
            constraints: Constraints::default(),
            check: None,
        });
        id
    }

    /// A new type `pub struct Hint(pub ty)`, named from `hint`.
    pub fn newtype(&mut self, hint: &str, ty: Ty, origin: String) -> TypeId {
        let id = TypeId(self.types.len());
        self.types.push(TypeDef {
            rust_name: self.names.take(&naming::type_name(hint)),
            docs: Docs::default(),
            kind: TypeKind::Newtype(ty),
            message: None,
            origin,
            constraints: Constraints::default(),
            check: None,
        });
        id
    }

    /// The type of the schema `node`, for a field or variant. Returns whether `null` is allowed.
    pub fn ty_of(&mut self, node: &'a Node, loc: Loc, hint: &str) -> Result<(Ty, bool)> {
        if ref_of(node).is_some() {
            let (target, target_loc) = self.src.resolve(node, loc)?;
            return Ok((Ty::Named(self.named_at(target, target_loc)), false));
        }
        self.build(node, loc, hint, None)
    }

    /// The named type for the (non-reference) schema at `loc`, queued for conversion if new.
    pub fn named_at(&mut self, node: &'a Node, loc: Loc) -> TypeId {
        if let Some(id) = self.by_loc.get(&loc) {
            return *id;
        }
        let hint = node
            .get("title")
            .and_then(Node::as_str)
            .filter(|_| loc.pointer.is_empty())
            .map(str::to_string)
            .or_else(|| loc.last_token())
            .unwrap_or_else(|| file_stem(&self.src.doc(loc.doc).display));
        let id = self.reserve(&hint, &loc);
        self.by_loc.insert(loc.clone(), id);
        self.queue.push_back((id, node, loc));
        id
    }

    /// Makes the reserved type `slot` the type of a message with this payload schema: the payload
    /// type itself when inline and named, else a newtype around it.
    pub fn define_message(&mut self, slot: TypeId, payload: Option<(&'a Node, Loc)>) -> Result<Ty> {
        let Some((node, loc)) = payload else {
            self.types[slot.0].kind = TypeKind::Newtype(Ty::Any);
            return Ok(Ty::Any);
        };
        if ref_of(node).is_some() {
            let (ty, _) = self.ty_of(node, loc, "")?;
            self.types[slot.0].kind = TypeKind::Newtype(ty.clone());
            return Ok(ty);
        }
        let hint = self.types[slot.0].rust_name.clone();
        let (ty, nullable) = self.build(node, loc, &hint, Some(slot))?;
        let kind = std::mem::replace(&mut self.types[slot.0].kind, TypeKind::Pending);
        self.types[slot.0].kind = match kind {
            TypeKind::Alias(inner) => TypeKind::Newtype(inner),
            TypeKind::Pending => TypeKind::Newtype(if nullable {
                Ty::Option(Box::new(ty.clone()))
            } else {
                ty.clone()
            }),
            // `null` is valid too: the shape moves to a type of its own, the message wraps
            // it in an `Option`.
            named if nullable => {
                let inner = self.move_shape(slot, named);
                TypeKind::Newtype(Ty::Option(Box::new(Ty::Named(inner))))
            }
            named => named,
        };
        Ok(ty)
    }

    /// Converts everything still queued.
    pub fn drain(&mut self) -> Result<()> {
        while let Some((id, node, loc)) = self.queue.pop_front() {
            let (ty, nullable) =
                self.build(node, loc, &self.types[id.0].rust_name.clone(), Some(id))?;
            match std::mem::replace(&mut self.types[id.0].kind, TypeKind::Pending) {
                TypeKind::Pending => {
                    let ty = if nullable {
                        Ty::Option(Box::new(ty))
                    } else {
                        ty
                    };
                    self.types[id.0].kind = TypeKind::Alias(ty);
                }
                // A named shape that also allows `null`: the name stands for the `Option`.
                named if nullable && !matches!(named, TypeKind::Alias(_)) => {
                    let inner = self.move_shape(id, named);
                    self.types[id.0].kind = TypeKind::Alias(Ty::Option(Box::new(Ty::Named(inner))));
                }
                named => self.types[id.0].kind = named,
            }
        }
        Ok(())
    }

    /// Gives `kind`, built in the slot `id`, a type of its own (`{Name}Value`) and returns
    /// it; the slot is free to name something around it.
    fn move_shape(&mut self, id: TypeId, kind: TypeKind) -> TypeId {
        let inner = TypeId(self.types.len());
        let name = self.names.take(&naming::type_name(&format!(
            "{}Value",
            self.types[id.0].rust_name
        )));
        let def = TypeDef {
            rust_name: name,
            docs: Docs::default(),
            kind,
            message: None,
            origin: self.types[id.0].origin.clone(),
            constraints: std::mem::take(&mut self.types[id.0].constraints),
            check: self.types[id.0].check.take(),
        };
        self.types.push(def);
        inner
    }

    fn diag(&self, node: &Node, loc: &Loc, message: impl Into<String>) -> Diagnostic {
        self.src
            .diag(node.span, message)
            .with_pointer(loc.fragment())
    }

    /// Converts an inline schema. With `slot`, a named shape is written into that type.
    fn build(
        &mut self,
        node: &'a Node,
        loc: Loc,
        hint: &str,
        slot: Option<TypeId>,
    ) -> Result<(Ty, bool)> {
        if let Some(b) = node.as_bool() {
            let _ = b;
            return Ok((Ty::Any, false));
        }
        if node.as_map().is_none() {
            return Err(self
                .diag(
                    node,
                    &loc,
                    format!(
                        "a schema must be a mapping or a boolean, found {}",
                        node.kind()
                    ),
                )
                .into());
        }
        let docs = docs_of(node);
        let mut nullable = type_names(node).iter().any(|t| t == "null")
            || node.get("nullable").and_then(Node::as_bool) == Some(true);

        let made = if let Some(values) = node.get("enum").and_then(Node::as_seq) {
            let all_strings = values
                .iter()
                .all(|v| matches!(v.value, Value::String(_) | Value::Null));
            if self.strict && !all_strings {
                // 1 == 1.0 and other JSON equalities: checked on the value, not by a Rust enum.
                Made::Ty(Ty::Any)
            } else {
                // A nullable enum cannot be the slot's type itself: it goes inside an Option.
                let has_null = values.iter().any(|v| matches!(v.value, Value::Null));
                let slot = if nullable || has_null { None } else { slot };
                self.enumeration(node, values, &loc, hint, slot, &mut nullable)?
            }
        } else if let Some(value) = node.get("const") {
            Made::Ty(match &value.value {
                Value::Null => {
                    nullable = true;
                    Ty::Unit
                }
                Value::String(_) => Ty::String,
                _ if self.strict => Ty::Any,
                _ => ty_of_json(&value.to_json()),
            })
        } else if let Some((key, branches)) = ["oneOf", "anyOf"]
            .iter()
            .find_map(|k| node.get(k).and_then(Node::as_seq).map(|b| (*k, b)))
        {
            self.union(node, key, branches, &loc, hint, slot, &mut nullable)?
        } else {
            let types: Vec<String> = type_names(node)
                .into_iter()
                .filter(|t| t != "null")
                .collect();
            let has_all_of = node.get("allOf").is_some();
            match types.as_slice() {
                // Strict JSON Schema: without `type`, any JSON value may be valid.
                [] if self.strict => Made::Ty(Ty::Any),
                [] if has_all_of => self.all_of(node, &loc, hint, slot, &mut nullable)?,
                [] if is_object_like(node) => self.object(node, &loc, hint, slot)?,
                [] if node.get("items").is_some() || node.get("prefixItems").is_some() => {
                    Made::Ty(self.array(node, &loc, hint)?)
                }
                [] => Made::Ty(Ty::Any),
                [one] if one == "object" && has_all_of => {
                    self.all_of(node, &loc, hint, slot, &mut nullable)?
                }
                [one] => match one.as_str() {
                    "object" => self.object(node, &loc, hint, slot)?,
                    "array" => Made::Ty(self.array(node, &loc, hint)?),
                    "string" => Made::Ty(string_ty(node)),
                    "integer" => Made::Ty(Ty::Int(int_ty(node))),
                    "number" => Made::Ty(Ty::Float),
                    "boolean" => Made::Ty(Ty::Bool),
                    other => {
                        return Err(self
                            .diag(node, &loc, format!("unknown JSON Schema type `{other}`"))
                            .into())
                    }
                },
                many => self.multi_type(node, many, &loc, hint, slot)?,
            }
        };
        match made {
            Made::Named(id) => {
                if self.types[id.0].docs == Docs::default() {
                    self.types[id.0].docs = docs;
                }
                let (tagged, untagged) = match &self.types[id.0].kind {
                    TypeKind::Union(u) => (u.tag.is_some(), u.tag.is_none()),
                    _ => (false, false),
                };
                // An untagged union decodes into the first variant that fits, which need not be
                // the branch the value is valid under: the whole schema decides validity.
                if self.types[id.0].check.is_none()
                    && !tagged
                    && (untagged || needs_whole_check(node))
                {
                    self.types[id.0].check = Some(self.bundle(node, &loc)?);
                }
                Ok((Ty::Named(id), nullable))
            }
            Made::Ty(Ty::Unit) if nullable && slot.is_none() => Ok((Ty::Unit, false)),
            Made::Ty(ty) => match slot {
                Some(id) => {
                    let ty = if nullable {
                        Ty::Option(Box::new(ty))
                    } else {
                        ty
                    };
                    self.types[id.0].constraints = self.constraints(node, &ty)?;
                    self.types[id.0].kind = TypeKind::Alias(ty);
                    self.types[id.0].docs = docs;
                    Ok((Ty::Named(id), false))
                }
                None => Ok((ty, nullable)),
            },
        }
    }

    /// The slot for a named shape: the given one, or a new type named from `hint`.
    fn slot_for(&mut self, slot: Option<TypeId>, hint: &str, loc: &Loc, node: &'a Node) -> TypeId {
        if let Some(id) = slot {
            return id;
        }
        if let Some(id) = self.by_loc.get(loc) {
            return *id;
        }
        let id = self.reserve(hint, loc);
        // Remember inline schemas too, so a `$ref` into them reuses the same type.
        self.by_loc.insert(loc.clone(), id);
        let _ = node;
        id
    }

    fn enumeration(
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
                variants.push(EnumVariant { rust_name, wire });
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

    #[allow(clippy::too_many_arguments)]
    fn union(
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
        let union_name = self.types[id.0].rust_name.clone();
        let discriminator = node.get("discriminator").and_then(|d| {
            d.as_str()
                .or_else(|| d.get("propertyName").and_then(Node::as_str))
                .map(str::to_string)
        });
        let mut resolved = Vec::new();
        for (branch, branch_loc) in &live {
            let (target, target_loc) = self.src.resolve(branch, branch_loc.clone())?;
            let mut parts = Parts::default();
            self.collect(target, &target_loc, &mut parts, 0)?;
            resolved.push((target, target_loc, parts, ref_of(branch).is_some()));
        }
        let mut scope = Scope::with_reserved(&["Self"]);
        let mut variants = Vec::new();
        if let Some((tag, values)) = self.find_tag(&resolved, discriminator.as_deref()) {
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
            let constraints = self.constraints(branch, &ty)?;
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

    /// The property whose constant value tells every branch apart, and those values.
    fn find_tag(
        &self,
        branches: &[(&'a Node, Loc, Parts<'a>, bool)],
        discriminator: Option<&str>,
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
                let value = match constant {
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

    fn all_of(
        &mut self,
        node: &'a Node,
        loc: &Loc,
        hint: &str,
        slot: Option<TypeId>,
        nullable: &mut bool,
    ) -> Result<Made> {
        let branches = node.get("allOf").and_then(Node::as_seq).unwrap_or_default();
        // `allOf: [{$ref: X}]` with nothing else is just X.
        if branches.len() == 1 && !is_object_like(node) {
            let (ty, n) = self.ty_of(&branches[0], loc.child("allOf").child("0"), hint)?;
            *nullable |= n;
            return Ok(match ty {
                Ty::Named(id) if slot.is_none() => Made::Named(id),
                ty => Made::Ty(ty),
            });
        }
        let mut objecty = is_object_like(node);
        for (i, branch) in branches.iter().enumerate() {
            let (target, _) = self
                .src
                .resolve(branch, loc.child("allOf").child(&i.to_string()))?;
            objecty |= is_object_like(target) || target.get("allOf").is_some();
        }
        if !objecty {
            // allOf of non-objects: the first branch with a type describes the value.
            for (i, branch) in branches.iter().enumerate() {
                let branch_loc = loc.child("allOf").child(&i.to_string());
                let (target, _) = self.src.resolve(branch, branch_loc.clone())?;
                if !type_names(target).is_empty() || target.get("enum").is_some() {
                    let (ty, n) = self.ty_of(branch, branch_loc, hint)?;
                    *nullable |= n;
                    return Ok(Made::Ty(ty));
                }
            }
            return Ok(Made::Ty(Ty::Any));
        }
        self.object(node, loc, hint, slot)
    }

    fn object(
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

    fn struct_from_parts(
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
            let mut constraints = self.constraints(prop, &ty)?;
            for (_, other) in parts.also.iter().filter(|(name, _)| name == wire) {
                let (other, _) = self.src.resolve(other, prop_loc.clone())?;
                constraints = constraints.or(&self.constraints(other, &ty)?);
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
    fn collect(
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
        if let Some(props) = node.get("properties").and_then(Node::as_map) {
            let props_loc = loc.child("properties");
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

    fn array(&mut self, node: &'a Node, loc: &Loc, hint: &str) -> Result<Ty> {
        let tuple_items = node
            .get("prefixItems")
            .map(|n| (n, "prefixItems"))
            .or_else(|| {
                node.get("items")
                    .filter(|i| i.as_seq().is_some())
                    .map(|n| (n, "items"))
            });
        if let Some((items, key)) = tuple_items {
            let items = items.as_seq().unwrap_or_default();
            let rest_closed = match key {
                "prefixItems" => node.get("items").and_then(Node::as_bool) == Some(false),
                _ => node.get("additionalItems").and_then(Node::as_bool) == Some(false),
            };
            let len = items.len() as u64;
            // A Rust tuple only when every valid array has exactly `len` items: an array
            // shorter than its `items` list is valid unless `minItems` says otherwise.
            let at_least = node
                .get("minItems")
                .and_then(Node::as_u64)
                .is_some_and(|min| min >= len);
            let at_most = rest_closed
                || node
                    .get("maxItems")
                    .and_then(Node::as_u64)
                    .is_some_and(|max| max <= len);
            let fixed = at_least && at_most && len <= 12;
            if fixed && !items.is_empty() {
                let mut tys = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let (ty, n) = self.ty_of(
                        item,
                        loc.child(key).child(&i.to_string()),
                        &format!("{hint}Item{i}"),
                    )?;
                    tys.push(if n { Ty::Option(Box::new(ty)) } else { ty });
                }
                return Ok(Ty::Tuple(tys));
            }
            return Ok(Ty::Vec(Box::new(Ty::Any)));
        }
        match node.get("items") {
            Some(items) => {
                let (ty, n) = self.ty_of(items, loc.child("items"), &format!("{hint}Item"))?;
                Ok(Ty::Vec(Box::new(if n {
                    Ty::Option(Box::new(ty))
                } else {
                    ty
                })))
            }
            None => Ok(Ty::Vec(Box::new(Ty::Any))),
        }
    }

    fn multi_type(
        &mut self,
        node: &'a Node,
        types: &[String],
        loc: &Loc,
        hint: &str,
        slot: Option<TypeId>,
    ) -> Result<Made> {
        let id = self.slot_for(slot, hint, loc, node);
        if !matches!(self.types[id.0].kind, TypeKind::Pending) {
            return Ok(Made::Named(id));
        }
        let name = self.types[id.0].rust_name.clone();
        // Arrays before objects: a struct also deserializes from a JSON array of its fields.
        let order = ["array", "object", "boolean", "integer", "number", "string"];
        let mut variants = Vec::new();
        for t in order.iter().filter(|o| types.iter().any(|t| t == *o)) {
            let ty = match *t {
                // The object variant is a type of its own: the union already stands for
                // this schema's location.
                "object" => {
                    let own = self.reserve(&format!("{name}Object"), loc);
                    match self.object(node, loc, &format!("{name}Object"), Some(own))? {
                        Made::Ty(ty) => {
                            self.types[own.0].kind = TypeKind::Alias(ty.clone());
                            ty
                        }
                        Made::Named(inner) => Ty::Named(inner),
                    }
                }
                "array" => self.array(node, loc, &name)?,
                "boolean" => Ty::Bool,
                "integer" => Ty::Int(int_ty(node)),
                "number" => Ty::Float,
                _ => string_ty(node),
            };
            variants.push(UnionVariant {
                rust_name: naming::type_name(t),
                tag_value: None,
                content: VariantContent::Type(ty),
                docs: Docs::default(),
                constraints: Constraints::default(),
            });
        }
        self.types[id.0].kind = TypeKind::Union(Union {
            tag: None,
            variants,
        });
        Ok(Made::Named(id))
    }

    /// The constraints of the inline schema `node` on a value of type `ty`. A reference has
    /// none of its own: the named type it resolves to carries them.
    pub fn constraints(&self, node: &Node, ty: &Ty) -> Result<Constraints> {
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
                c.schema = Some(self.bundle(node, &Loc::root(node.span.doc))?);
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
                    .filter(|f| CHECKED_FORMATS.contains(f))
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
                    let item = self.constraints(items, inner)?;
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
                    let value = self.constraints(values, inner)?;
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
            c.schema = Some(self.bundle(node, &Loc::root(node.span.doc))?);
        }
        Ok(c)
    }

    /// `node` as one self-contained JSON Schema: every `$ref` points into `definitions`.
    pub fn bundle(&self, node: &Node, loc: &Loc) -> Result<serde_json::Value> {
        self.bundle_into(node, loc, None)
    }

    /// [`bundle`](Self::bundle), plus the source position of every schema object in the
    /// bundle, by its JSON pointer there (for reports that name file and line).
    pub fn bundle_with_positions(
        &self,
        node: &Node,
        loc: &Loc,
    ) -> Result<(serde_json::Value, SchemaPositions)> {
        let mut positions = SchemaPositions::new();
        let bundle = self.bundle_into(node, loc, Some(&mut positions))?;
        Ok((bundle, positions))
    }

    fn bundle_into(
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
        if !definitions.is_empty() {
            if let serde_json::Value::Object(map) = &mut root {
                map.insert("definitions".into(), serde_json::Value::Object(definitions));
            } else {
                // A boolean root schema with definitions: wrap it.
                root = serde_json::json!({"allOf": [root], "definitions": definitions});
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
                // Under `properties` (and other maps of names) keys are names, all kept.
                let keywords = crate::source::keys_are_keywords(at);
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

    /// Records a field default; whether tidings can honour it is decided once every type is
    /// known ([`settle_defaults`]).
    ///
    /// `default` is an annotation: a payload that leaves the property out is valid whatever
    /// the default is. A default that breaks the property's own schema would turn such a
    /// payload into an invalid value once filled in, so it is dropped, with a warning.
    fn default_for(
        &mut self,
        value: &Node,
        property: &Node,
        loc: &Loc,
        name: &str,
    ) -> Result<Option<Default>> {
        if matches!(value.value, Value::Null) {
            return Ok(None);
        }
        let json = value.to_json();
        let schema = self.bundle(property, &Loc::root(property.span.doc))?;
        let verdict = tidings::schema::Schema::compile(&schema).map(|s| s.validate(&json));
        if let Ok(Err(errors)) = verdict {
            let reason = errors
                .iter()
                .next()
                .map(|v| v.message.clone())
                .unwrap_or_default();
            self.warnings.push(
                self.src
                    .diag(
                        value.span,
                        format!(
                            "the default of property `{name}` breaks the property's own schema \
                         ({reason}); a payload without the property stays as sent (no default \
                         is filled in)"
                        ),
                    )
                    .with_pointer(loc.child("default").fragment()),
            );
            return Ok(None);
        }
        Ok(Some(Default::Value {
            value: json,
            function: String::new(),
        }))
    }
}

/// Keeps each field default that fits the field's final type: as `Default::Trait` when it is
/// the type's `Default::default()`, as a literal for scalars and enum variants; drops others.
pub(crate) fn settle_defaults(types: &mut [TypeDef]) {
    let kinds: Vec<TypeKind> = types.iter().map(|t| t.kind.clone()).collect();
    let resolve = |ty: &Ty| -> Ty {
        let mut ty = ty.clone();
        for _ in 0..16 {
            match &ty {
                Ty::Named(id) => match &kinds[id.0] {
                    TypeKind::Alias(inner) => ty = inner.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        ty
    };
    let settle = |field: &mut Field| {
        let Some(Default::Value { value: json, .. }) = &field.default else {
            return;
        };
        let ty = resolve(&field.ty);
        let is_zero = match json {
            serde_json::Value::Bool(b) => !b,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            serde_json::Value::Number(n) => n.as_f64() == Some(0.0),
            serde_json::Value::Null => false,
        };
        let trait_default = is_zero
            && matches!(
                (&ty, json),
                (Ty::Bool, serde_json::Value::Bool(_))
                    | (Ty::String, serde_json::Value::String(_))
                    | (Ty::Vec(_), serde_json::Value::Array(_))
                    | (Ty::Map(_), serde_json::Value::Object(_))
                    | (Ty::Int(_), serde_json::Value::Number(_))
                    | (Ty::Float, serde_json::Value::Number(_))
            );
        let literal = match (&ty, json) {
            (Ty::Bool, serde_json::Value::Bool(_)) | (Ty::String, serde_json::Value::String(_)) => {
                true
            }
            (Ty::Float, serde_json::Value::Number(_)) => true,
            (Ty::Int(IntTy::U64 | IntTy::U32), serde_json::Value::Number(n)) => {
                n.as_u64().is_some()
            }
            (Ty::Int(_), serde_json::Value::Number(n)) => n.as_i64().is_some(),
            (Ty::Named(id), serde_json::Value::String(s)) => {
                matches!(&kinds[id.0], TypeKind::StringEnum(vs) if vs.iter().any(|v| v.wire == *s))
            }
            (Ty::Named(id), serde_json::Value::Number(n)) => {
                matches!(&kinds[id.0], TypeKind::IntEnum(vs) if vs.iter().any(|v| Some(v.value) == n.as_i64()))
            }
            _ => false,
        };
        field.default = if trait_default {
            Some(Default::Trait)
        } else if literal {
            field.default.take()
        } else {
            None
        };
    };
    for def in types.iter_mut() {
        match &mut def.kind {
            TypeKind::Struct(s) => s.fields.iter_mut().for_each(settle),
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    if let VariantContent::Fields(s) = &mut v.content {
                        s.fields.iter_mut().for_each(settle);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Formats the runtime checks on strings (date-time, date and uuid are typed instead).
const CHECKED_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "uuid",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uri",
];

/// Keywords that assert something about a value (annotations excluded).
const ASSERTIONS: &[&str] = &[
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "items",
    "additionalItems",
    "maxItems",
    "minItems",
    "uniqueItems",
    "contains",
    "maxProperties",
    "minProperties",
    "required",
    "properties",
    "patternProperties",
    "additionalProperties",
    "dependencies",
    "propertyNames",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "format",
    "$ref",
];

fn has_assertions(node: &Node) -> bool {
    match &node.value {
        Value::Bool(b) => !b,
        Value::Map(entries) => entries
            .iter()
            .any(|(k, _)| ASSERTIONS.contains(&k.as_str())),
        _ => false,
    }
}

/// Keywords that describe a schema without constraining values (AsyncAPI's `summary` and
/// `description` beside a `$ref` among them).
fn is_annotation(keyword: &str) -> bool {
    matches!(
        keyword,
        "title"
            | "description"
            | "summary"
            | "$comment"
            | "$id"
            | "default"
            | "examples"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
    )
}

/// Whether the schema uses keywords that only a whole-value check can enforce.
fn needs_whole_check(node: &Node) -> bool {
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

fn file_stem(display: &str) -> String {
    let name = display.rsplit('/').next().unwrap_or(display);
    name.split('.').next().unwrap_or(name).to_string()
}

fn docs_of(node: &Node) -> Docs {
    Docs {
        title: node.get("title").and_then(Node::as_str).map(str::to_string),
        description: node
            .get("description")
            .and_then(Node::as_str)
            .map(str::to_string),
    }
}

/// The names in `type`, whether a string or a list.
fn type_names(node: &Node) -> Vec<String> {
    match node.get("type") {
        Some(t) => match &t.value {
            Value::String(s) => vec![s.clone()],
            Value::Seq(items) => items
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    }
}

fn is_object_like(node: &Node) -> bool {
    [
        "properties",
        "additionalProperties",
        "patternProperties",
        "required",
    ]
    .iter()
    .any(|k| node.get(k).is_some())
}

/// Whether a union node has properties of its own beside `oneOf`/`anyOf`.
fn has_own_shape(node: &Node) -> bool {
    node.get("properties").is_some()
}

fn is_null_schema(node: &Node) -> bool {
    let types = type_names(node);
    (types.len() == 1 && types[0] == "null")
        || node
            .get("const")
            .is_some_and(|c| matches!(c.value, Value::Null))
}

fn is_empty_schema(node: &Node) -> bool {
    node.as_map().is_some_and(|m| m.is_empty()) || node.as_bool() == Some(true)
}

fn constant_string(node: &Node) -> Option<String> {
    if let Some(c) = node.get("const").and_then(Node::as_str) {
        return Some(c.to_string());
    }
    match node.get("enum").and_then(Node::as_seq) {
        Some([only]) => only.as_str().map(str::to_string),
        _ => None,
    }
}

fn string_ty(node: &Node) -> Ty {
    match node.get("format").and_then(Node::as_str) {
        Some("date-time") => Ty::DateTime,
        Some("date") => Ty::Date,
        Some("uuid") => Ty::Uuid,
        _ => Ty::String,
    }
}

fn int_ty(node: &Node) -> IntTy {
    match node.get("format").and_then(Node::as_str) {
        Some("int32") => IntTy::I32,
        Some("int64") => IntTy::I64,
        Some("uint32") => IntTy::U32,
        Some("uint64" | "uint") => IntTy::U64,
        _ => match node.get("minimum").and_then(Node::as_f64) {
            Some(min) if min >= 0.0 => IntTy::U64,
            _ => IntTy::I64,
        },
    }
}

fn ty_of_json(value: &serde_json::Value) -> Ty {
    match value {
        serde_json::Value::String(_) => Ty::String,
        serde_json::Value::Bool(_) => Ty::Bool,
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Ty::Int(IntTy::I64),
        serde_json::Value::Number(_) => Ty::Float,
        _ => Ty::Any,
    }
}

/// A word for a variant of an untagged union, from the branch's type.
fn kind_word(node: &Node) -> Option<&'static str> {
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

/// Order of untagged variants: objects with more required properties, then narrower scalars.
fn rank(node: &Node, parts: &Parts<'_>) -> (u8, usize) {
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
