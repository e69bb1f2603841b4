//! Version families: messages that share a name and differ in `x-version`.
//!
//! The newest member reads every older one: its `#[event(upcast(from = Old, version = ".."))]`
//! attributes make the derive decode older data and convert it with `From`. Where the newer
//! schema only adds optional fields or fields with defaults (recursively, through nested
//! structs, enums that gained variants, lists and maps), the `From` impls are generated here;
//! otherwise (a field removed or retyped, a new required field, a lost enum value) none is,
//! and the compiler asks for `impl From<Old> for New` by name.

use std::collections::{BTreeMap, HashSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, types};
use crate::model::{Catalog, Default, Field, MessageId, Struct, Ty, TypeId, TypeKind};

/// A version family: its newest message and the older ones, oldest first.
#[derive(Clone, Debug)]
pub(crate) struct Family {
    pub(crate) newest: MessageId,
    pub(crate) older: Vec<MessageId>,
}

/// The families of `catalog`, in order of their first message. A name shared by messages that
/// do not all carry distinct versions is not a family.
pub(crate) fn families(catalog: &Catalog) -> Vec<Family> {
    let mut by_name: BTreeMap<&str, Vec<MessageId>> = BTreeMap::new();
    let mut order = Vec::new();
    for (i, m) in catalog.messages.iter().enumerate() {
        let members = by_name.entry(m.name.as_str()).or_default();
        if members.is_empty() {
            order.push(m.name.as_str());
        }
        members.push(MessageId(i));
    }
    let version = |id: &MessageId| catalog.messages[id.0].version.as_deref();
    let mut out = Vec::new();
    for name in order {
        let mut members = by_name.remove(name).unwrap_or_default();
        let versions: HashSet<_> = members.iter().filter_map(version).collect();
        if members.len() < 2
            || versions.len() != members.len()
            || members.iter().any(|m| version(m).is_none())
        {
            continue;
        }
        members.sort_by(|a, b| {
            let (a, b) = (version(a), version(b));
            if super::messages::newer(a, b) {
                std::cmp::Ordering::Greater
            } else if super::messages::newer(b, a) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Equal
            }
        });
        if let Some(newest) = members.pop() {
            out.push(Family {
                newest,
                older: members,
            });
        }
    }
    out
}

/// The `upcast(...)` entries for the message of type `def`, if it is the newest of a family.
pub(crate) fn attrs(catalog: &Catalog, families: &[Family], message: MessageId) -> TokenStream {
    let Some(family) = families.iter().find(|f| f.newest == message) else {
        return TokenStream::new();
    };
    let entries = family.older.iter().map(|old| {
        let m = &catalog.messages[old.0];
        let name = ident(&catalog.ty(m.type_id).rust_name);
        let version = m.version.as_deref().unwrap_or_default();
        quote!(upcast(from = #name, version = #version))
    });
    quote!(#[event(#(#entries),*)])
}

/// `From` impls for every family member whose newest version can be derived from it.
pub(crate) fn from_impls(catalog: &Catalog, families: &[Family]) -> TokenStream {
    let mut planner = Planner {
        catalog,
        planned: Vec::new(),
        known: HashSet::new(),
    };
    for family in families {
        let new = catalog.messages[family.newest.0].type_id;
        for old in &family.older {
            let old = catalog.messages[old.0].type_id;
            let mark = planner.planned.len();
            let known = planner.known.clone();
            if planner.pair(old, new).is_none() {
                // Not derivable: forget what this attempt planned; the user writes the impl.
                planner.planned.truncate(mark);
                planner.known = known;
            }
        }
    }
    let mut out = TokenStream::new();
    for (old, new, body) in planner.planned {
        let old_name = ident(&catalog.ty(old).rust_name);
        let new_name = ident(&catalog.ty(new).rust_name);
        out.extend(quote! {
            impl From<#old_name> for #new_name {
                fn from(old: #old_name) -> Self {
                    #body
                }
            }
        });
    }
    out
}

/// How a value of one type becomes a value of another.
#[derive(Clone, Debug)]
enum Conv {
    /// The same type.
    Move,
    /// A `From` impl (generated, or the user's).
    Into,
    /// Wrapped in `Some`.
    Some(Box<Conv>),
    /// `Option::map`.
    Map(Box<Conv>),
    /// Each item of a `Vec`.
    Items(Box<Conv>),
    /// Each value of a map.
    Values(Box<Conv>),
    /// The content of a `Box`.
    Boxed(Box<Conv>),
}

impl Conv {
    fn apply(&self, expr: TokenStream) -> TokenStream {
        match self {
            Conv::Move => expr,
            Conv::Into => quote!(::core::convert::Into::into(#expr)),
            Conv::Some(c) => {
                let inner = c.apply(expr);
                quote!(Some(#inner))
            }
            Conv::Map(c) => {
                let f = c.function();
                quote!(#expr.map(#f))
            }
            Conv::Items(c) => {
                let f = c.function();
                quote!(#expr.into_iter().map(#f).collect())
            }
            Conv::Values(c) => {
                let v = c.apply(quote!(v));
                quote!(#expr.into_iter().map(|(k, v)| (k, #v)).collect())
            }
            Conv::Boxed(c) => {
                let inner = c.apply(quote!(*#expr));
                quote!(Box::new(#inner))
            }
        }
    }

    fn function(&self) -> TokenStream {
        match self {
            Conv::Into => quote!(::core::convert::Into::into),
            other => {
                let body = other.apply(quote!(v));
                quote!(|v| #body)
            }
        }
    }
}

struct Planner<'a> {
    catalog: &'a Catalog,
    /// `(old, new, body of From::from)`, in the order they were planned.
    planned: Vec<(TypeId, TypeId, TokenStream)>,
    /// Pairs planned or being planned (recursive types meet themselves).
    known: HashSet<(TypeId, TypeId)>,
}

impl Planner<'_> {
    /// Plans `impl From<old> for new`; `None` when it cannot be derived.
    fn pair(&mut self, old: TypeId, new: TypeId) -> Option<()> {
        if !self.known.insert((old, new)) {
            return Some(());
        }
        let (old_def, new_def) = (self.catalog.ty(old), self.catalog.ty(new));
        let body = match (&old_def.kind, &new_def.kind) {
            (TypeKind::Struct(o), TypeKind::Struct(n)) => self.fields(new, o, n)?,
            (TypeKind::StringEnum(o), TypeKind::StringEnum(n)) => {
                let old_name = ident(&old_def.rust_name);
                let arms = o
                    .iter()
                    .map(|ov| {
                        let nv = n.iter().find(|nv| nv.wire == ov.wire)?;
                        let (ov, nv) = (ident(&ov.rust_name), ident(&nv.rust_name));
                        Some(quote!(#old_name::#ov => Self::#nv,))
                    })
                    .collect::<Option<Vec<_>>>()?;
                quote!(match old { #(#arms)* })
            }
            (TypeKind::IntEnum(o), TypeKind::IntEnum(n)) => {
                let old_name = ident(&old_def.rust_name);
                let arms = o
                    .iter()
                    .map(|ov| {
                        let nv = n.iter().find(|nv| nv.value == ov.value)?;
                        let (ov, nv) = (ident(&ov.rust_name), ident(&nv.rust_name));
                        Some(quote!(#old_name::#ov => Self::#nv,))
                    })
                    .collect::<Option<Vec<_>>>()?;
                quote!(match old { #(#arms)* })
            }
            (TypeKind::Newtype(o), TypeKind::Newtype(n)) => {
                let conv = self.conv(o, n)?;
                let inner = conv.apply(quote!(old.0));
                quote!(Self(#inner))
            }
            _ => return None,
        };
        self.planned.push((old, new, body));
        Some(())
    }

    /// The struct literal that builds `new` (type `new_id`) from the fields of `old`.
    fn fields(&mut self, new_id: TypeId, old: &Struct, new: &Struct) -> Option<TokenStream> {
        // Only additions: a field the new version dropped would be lost, and a field it adds
        // may be in the old version's extra properties.
        if old
            .fields
            .iter()
            .any(|o| !new.fields.iter().any(|n| n.wire == o.wire))
        {
            return None;
        }
        if old.extra.is_some() && new.fields.len() > old.fields.len() {
            return None;
        }
        let extra = match (&old.extra, &new.extra) {
            (None, None) => None,
            (Some((oname, oty)), Some((nname, nty))) => {
                let conv = match self.conv(oty, nty)? {
                    Conv::Move => Conv::Move,
                    inner => Conv::Values(Box::new(inner)),
                };
                let value = conv.apply({
                    let oname = ident(oname);
                    quote!(old.#oname)
                });
                let nname = ident(nname);
                Some(quote!(#nname: #value,))
            }
            _ => return None,
        };
        let new_def = self.catalog.ty(new_id);
        let mut inits = Vec::new();
        for field in &new.fields {
            let name = ident(&field.rust_name);
            let value = match old.fields.iter().find(|o| o.wire == field.wire) {
                Some(o) => {
                    let conv = self.field_conv(o, field)?;
                    let oname = ident(&o.rust_name);
                    conv.apply(quote!(old.#oname))
                }
                None => missing(new_def, field)?,
            };
            inits.push(quote!(#name: #value,));
        }
        if inits.is_empty() && extra.is_none() {
            return Some(quote!({
                let _ = old;
                Self {}
            }));
        }
        Some(quote!(Self { #(#inits)* #extra }))
    }

    /// Converts a field kept from the old version, wrappers (`Option`) included.
    fn field_conv(&mut self, old: &Field, new: &Field) -> Option<Conv> {
        let inner = self.conv(&old.ty, &new.ty)?;
        let (o, n) = (wrapping(old), wrapping(new));
        Some(match (o, n) {
            _ if o == n => match (o, inner) {
                (_, Conv::Move) => Conv::Move,
                (Wrap::Plain, inner) => inner,
                (Wrap::Option, inner) => Conv::Map(Box::new(inner)),
                (Wrap::Twice, inner) => Conv::Map(Box::new(Conv::Map(Box::new(inner)))),
            },
            (Wrap::Plain, Wrap::Option) => Conv::Some(Box::new(inner)),
            (Wrap::Plain, Wrap::Twice) => Conv::Some(Box::new(Conv::Some(Box::new(inner)))),
            _ => return None,
        })
    }

    /// Converts a value of type `old` into one of type `new`.
    fn conv(&mut self, old: &Ty, new: &Ty) -> Option<Conv> {
        let (old, new) = (self.resolve(old), self.resolve(new));
        if old == new {
            return Some(Conv::Move);
        }
        // Containers of the same content (up to aliases) are moved as they are.
        let wrap = |c: Conv, f: fn(Box<Conv>) -> Conv| match c {
            Conv::Move => Some(Conv::Move),
            c => Some(f(Box::new(c))),
        };
        match (&old, &new) {
            (Ty::Named(o), Ty::Named(n)) => {
                self.pair(*o, *n)?;
                Some(Conv::Into)
            }
            (Ty::Option(o), Ty::Option(n)) => wrap(self.conv(o, n)?, Conv::Map),
            (Ty::Vec(o), Ty::Vec(n)) => wrap(self.conv(o, n)?, Conv::Items),
            (Ty::Map(o), Ty::Map(n)) => wrap(self.conv(o, n)?, Conv::Values),
            (Ty::Box(o), Ty::Box(n)) => wrap(self.conv(o, n)?, Conv::Boxed),
            (o, Ty::Option(n)) => Some(Conv::Some(Box::new(self.conv(o, n)?))),
            _ => None,
        }
    }

    /// `ty` with aliases (`type X = ...`) replaced by what they stand for.
    fn resolve(&self, ty: &Ty) -> Ty {
        let mut ty = ty.clone();
        for _ in 0..64 {
            match &ty {
                Ty::Named(id) => match &self.catalog.ty(*id).kind {
                    TypeKind::Alias(target) => ty = target.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        ty
    }
}

/// The value of a field the old version lacks, when the new one can do without it.
fn missing(owner: &crate::model::TypeDef, field: &Field) -> Option<TokenStream> {
    match (field.required, field.nullable, &field.default) {
        (false, false, Some(Default::Trait)) => Some(quote!(::core::default::Default::default())),
        (false, false, Some(Default::Value(_))) => {
            let f = ident(&types::default_fn_name(owner, field));
            Some(quote!(#f()))
        }
        (false, _, None) | (false, true, _) => Some(quote!(None)),
        (true, _, _) => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Plain,
    Option,
    Twice,
}

/// The `Option`s the field's declaration adds around its type (see `types::field_shape`).
fn wrapping(field: &Field) -> Wrap {
    match (field.required, field.nullable, &field.default) {
        (true, false, _) | (false, false, Some(_)) => Wrap::Plain,
        (true, true, _) | (false, false, None) => Wrap::Option,
        (false, true, _) => Wrap::Twice,
    }
}
