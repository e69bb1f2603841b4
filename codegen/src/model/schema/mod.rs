//! JSON Schema → Rust types: the type space of one catalog.
//!
//! A `$ref` becomes a named type, identified by where the reference chain ends, and is converted
//! later from a queue, so a chain of ten thousand references never deepens the stack. Inline
//! schemas are converted on the spot and named from their path (`Order` + `shippingAddress` →
//! `OrderShippingAddress`).

mod bundle;
mod constraints;
pub(super) mod defaults;
mod enums;
mod merge;
mod structs;
mod unions;

use std::collections::{HashMap, VecDeque};

use crate::error::{Diagnostic, Result};
use crate::source::node::{Node, Value};
use crate::source::resolve::{ref_of, Loc};
use crate::source::vocabulary::is_annotation;
use crate::source::{Dialect, Sources};

use super::naming::{self, Scope};
use super::{
    Constraints, Docs, IntTy, Ty, TypeDef, TypeId, TypeKind, Union, UnionVariant, VariantContent,
};
use constraints::needs_whole_check;

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
    /// The rules of the spec's schemas, which the bundles for the runtime carry.
    pub dialect: Dialect,
    /// The catalog's schema document as it is built (see [`TypeSpace::entry`]).
    pub(crate) shared: std::cell::RefCell<bundle::Shared>,
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
            dialect: Dialect::Draft7,
            shared: Default::default(),
        }
    }

    /// Allocates a named type that is filled in later.
    pub fn reserve(&mut self, hint: &str, loc: &Loc) -> TypeId {
        let base = naming::type_name(hint);
        // A schema named like a message yields the name to the message: `OrderPlacedPayload`.
        let rust_name = if self.names.contains(&base) && loc.pointer.contains("/schemas/") {
            self.names.take(&format!("{base}Payload"))
        } else if self.names.contains(&base) {
            // Taken: qualified by where the schema is (`DatabaseClusterVersion` for
            // `database_cluster.yml#/version`) before a number is added.
            let mut context = self.context_of(loc);
            if naming::type_name(&context) == base {
                // `urn.yml#/urn`: the folder says more.
                let display = &self.src.doc(loc.doc).display;
                let folder = display.rsplit('/').nth(1).unwrap_or_default();
                context = folder.to_string();
            }
            let qualified = naming::type_name(&format!("{context} {hint}"));
            self.names.take(if qualified.is_empty() {
                &base
            } else {
                &qualified
            })
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

    /// The nearest name of the place around `loc`: the pointer's token before the last one that
    /// is no keyword (`properties`, `$defs`, ...), else the file's name.
    fn context_of(&self, loc: &Loc) -> String {
        let tokens: Vec<&str> = loc.pointer.split('/').skip(1).collect();
        let structural = |t: &str| {
            crate::source::vocabulary::kind(t).is_some()
                || matches!(t, "components" | "schemas" | "content" | "schema" | "paths")
                || t.chars().all(|c| c.is_ascii_digit())
        };
        tokens
            .iter()
            .rev()
            .skip(1)
            .find(|t| !structural(t))
            .and_then(|t| crate::source::pointer::unescape(t).ok())
            .unwrap_or_else(|| file_stem(&self.src.doc(loc.doc).display))
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
        self.named_as(node, loc, None)
    }

    /// [`named_at`](Self::named_at), named from `key` (a `components/schemas` key that
    /// references the schema) before the schema's own place; a name already given stays.
    pub fn named_as(&mut self, node: &'a Node, loc: Loc, key: Option<&str>) -> TypeId {
        if let Some(id) = self.by_loc.get(&loc) {
            return *id;
        }
        let hint = key
            .map(str::to_string)
            .or_else(|| {
                node.get("title")
                    .and_then(Node::as_str)
                    .filter(|_| loc.pointer.is_empty())
                    .map(str::to_string)
            })
            .or_else(|| loc.last_token().filter(|t| !t.is_empty()))
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
                    let name = self.types[id.0].rust_name.clone();
                    self.types[id.0].check = Some(self.entry_named(node, &loc, Some(&name))?);
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
                    self.types[id.0].constraints = self.constraints(node, &loc, &ty)?;
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
}

pub(crate) fn file_stem(display: &str) -> String {
    let name = display.rsplit('/').next().unwrap_or(display);
    name.split('.').next().unwrap_or(name).to_string()
}

fn docs_of(node: &Node) -> Docs {
    Docs {
        deprecated: node.get("deprecated").and_then(Node::as_bool) == Some(true),
        extensions: node
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter(|(k, _)| k.starts_with("x-"))
            .map(|(k, v)| (k.clone(), v.to_json().to_string()))
            .collect(),
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
