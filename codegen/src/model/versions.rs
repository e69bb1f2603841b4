//! Version families: which messages share a name, their order, and the upcasts between them.
//!
//! A family's messages share a name and differ in `x-version`; the model orders them and says which
//! `From` impls between their types can be derived.
//!
//! The newest member reads every older one (the emitter writes
//! `#[event(upcast(from = Old, version = ".."))]`). Where the newer schema only adds optional
//! fields or fields with defaults (recursively, through nested structs, enums that gained
//! variants, lists and maps), an [`Upcast`] plan says how each field is carried over; otherwise
//! (a field removed or retyped, a new required field, a lost enum value) there is none, and the
//! compiler asks for `impl From<Old> for New` by name.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Catalog, Default, Field, MessageId, Struct, Ty, TypeId, TypeKind};

/// A version family: its newest message and the older ones, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    /// The message every older member is read as.
    pub newest: MessageId,
    /// The older members, oldest first.
    pub older: Vec<MessageId>,
}

/// How a value of one type becomes a value of another.
#[derive(Clone, Debug, PartialEq)]
pub enum Conversion {
    /// The same type.
    Move,
    /// A `From` impl (planned here, or the user's).
    Into,
    /// Wrapped in `Some`.
    Some(Box<Conversion>),
    /// `Option::map`.
    Map(Box<Conversion>),
    /// Each item of a `Vec`.
    Items(Box<Conversion>),
    /// Each value of a map.
    Values(Box<Conversion>),
    /// The content of a `Box`.
    Boxed(Box<Conversion>),
}

/// Where a field of the newer type gets its value.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldSource {
    /// The older type's field of the same wire name (its Rust name), converted.
    Old(String, Conversion),
    /// `Default::default()`.
    Default,
    /// The named default function of the newer type's field.
    DefaultFn(String),
    /// `None`: the older version lacks the optional field.
    Absent,
}

/// The body of a derivable `impl From<old> for new`.
#[derive(Clone, Debug, PartialEq)]
pub enum UpcastBody {
    /// A struct literal: every field of the newer struct (Rust name, source), then its extra
    /// properties map (newer name, older name, conversion of the values).
    Struct {
        /// Each field of the newer struct, in order.
        fields: Vec<(String, FieldSource)>,
        /// The map of extra properties, when both versions keep one.
        extra: Option<(String, String, Conversion)>,
    },
    /// A `match` from each older variant to the newer one of the same wire value (Rust names).
    Enum(Vec<(String, String)>),
    /// A newtype around a converted value.
    Newtype(Conversion),
}

/// A derivable `impl From<old> for new`.
#[derive(Clone, Debug, PartialEq)]
pub struct Upcast {
    /// The older type.
    pub old: TypeId,
    /// The newer type.
    pub new: TypeId,
    /// How the newer value is built.
    pub body: UpcastBody,
}

/// Whether version `a` is newer than version `b` (`v2` > `1.10` > `1.9`; missing is `0`).
pub fn newer(a: Option<&str>, b: Option<&str>) -> bool {
    let parse = |v: Option<&str>| -> Vec<u64> {
        v.unwrap_or("0")
            .trim_start_matches('v')
            .split(['.', '-', '+'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    parse(a) > parse(b)
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
            if newer(a, b) {
                Ordering::Greater
            } else if newer(b, a) {
                Ordering::Less
            } else {
                Ordering::Equal
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

/// Every name `decode_message` accepts, with the message it selects, in a stable order.
///
/// A name claimed by several messages (a version family shares its `name`) goes to the message
/// with the highest `x-version`; otherwise to the first in document order.
pub(crate) fn aliases(catalog: &Catalog) -> Vec<(String, MessageId)> {
    let mut table: Vec<(String, MessageId)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, m) in catalog.messages.iter().enumerate() {
        for alias in &m.aliases {
            match index.get(alias) {
                None => {
                    index.insert(alias.clone(), table.len());
                    table.push((alias.clone(), MessageId(i)));
                }
                Some(&at) => {
                    let holder = &catalog.messages[table[at].1 .0];
                    if holder.name == m.name
                        && newer(m.version.as_deref(), holder.version.as_deref())
                    {
                        table[at].1 = MessageId(i);
                    }
                }
            }
        }
    }
    table
}

/// The `From` impls that can be derived for the members of `families`, each pair once, in the
/// order they were planned (nested types before the types holding them is not needed: impls
/// may come in any order).
pub(crate) fn upcasts(catalog: &Catalog, families: &[Family]) -> Vec<Upcast> {
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
    planner.planned
}

struct Planner<'a> {
    catalog: &'a Catalog,
    planned: Vec<Upcast>,
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
            (TypeKind::Struct(o), TypeKind::Struct(n)) => self.fields(o, n)?,
            (TypeKind::StringEnum(o), TypeKind::StringEnum(n)) => UpcastBody::Enum(
                o.iter()
                    .map(|ov| {
                        let nv = n.iter().find(|nv| nv.wire == ov.wire)?;
                        Some((ov.rust_name.clone(), nv.rust_name.clone()))
                    })
                    .collect::<Option<_>>()?,
            ),
            (TypeKind::IntEnum(o), TypeKind::IntEnum(n)) => UpcastBody::Enum(
                o.iter()
                    .map(|ov| {
                        let nv = n.iter().find(|nv| nv.value == ov.value)?;
                        Some((ov.rust_name.clone(), nv.rust_name.clone()))
                    })
                    .collect::<Option<_>>()?,
            ),
            (TypeKind::Newtype(o), TypeKind::Newtype(n)) => UpcastBody::Newtype(self.conv(o, n)?),
            _ => return None,
        };
        self.planned.push(Upcast { old, new, body });
        Some(())
    }

    /// How the newer struct is built from the fields of the older one.
    fn fields(&mut self, old: &Struct, new: &Struct) -> Option<UpcastBody> {
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
                    Conversion::Move => Conversion::Move,
                    inner => Conversion::Values(Box::new(inner)),
                };
                Some((nname.clone(), oname.clone(), conv))
            }
            _ => return None,
        };
        let mut fields = Vec::new();
        for field in &new.fields {
            let source = match old.fields.iter().find(|o| o.wire == field.wire) {
                Some(o) => FieldSource::Old(o.rust_name.clone(), self.field_conv(o, field)?),
                None => missing(field)?,
            };
            fields.push((field.rust_name.clone(), source));
        }
        Some(UpcastBody::Struct { fields, extra })
    }

    /// Converts a field kept from the old version, wrappers (`Option`) included.
    fn field_conv(&mut self, old: &Field, new: &Field) -> Option<Conversion> {
        let inner = self.conv(&old.ty, &new.ty)?;
        let (o, n) = (Wrap::of(old), Wrap::of(new));
        let boxed = Box::new;
        Some(match (o, n) {
            _ if o == n => match (o, inner) {
                (_, Conversion::Move) => Conversion::Move,
                (Wrap::Plain, inner) => inner,
                (Wrap::Option, inner) => Conversion::Map(boxed(inner)),
                (Wrap::Twice, inner) => Conversion::Map(boxed(Conversion::Map(boxed(inner)))),
            },
            (Wrap::Plain, Wrap::Option) => Conversion::Some(boxed(inner)),
            (Wrap::Plain, Wrap::Twice) => Conversion::Some(boxed(Conversion::Some(boxed(inner)))),
            _ => return None,
        })
    }

    /// Converts a value of type `old` into one of type `new`.
    fn conv(&mut self, old: &Ty, new: &Ty) -> Option<Conversion> {
        let (old, new) = (self.resolve(old), self.resolve(new));
        if old == new {
            return Some(Conversion::Move);
        }
        // Containers of the same content (up to aliases) are moved as they are.
        let wrap = |c: Conversion, f: fn(Box<Conversion>) -> Conversion| match c {
            Conversion::Move => Some(Conversion::Move),
            c => Some(f(Box::new(c))),
        };
        match (&old, &new) {
            (Ty::Named(o), Ty::Named(n)) => {
                self.pair(*o, *n)?;
                Some(Conversion::Into)
            }
            (Ty::Option(o), Ty::Option(n)) => wrap(self.conv(o, n)?, Conversion::Map),
            (Ty::Vec(o), Ty::Vec(n)) => wrap(self.conv(o, n)?, Conversion::Items),
            (Ty::Map(o), Ty::Map(n)) => wrap(self.conv(o, n)?, Conversion::Values),
            (Ty::Box(o), Ty::Box(n)) => wrap(self.conv(o, n)?, Conversion::Boxed),
            (o, Ty::Option(n)) => Some(Conversion::Some(Box::new(self.conv(o, n)?))),
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
fn missing(field: &Field) -> Option<FieldSource> {
    match (field.required, field.nullable, &field.default) {
        (false, false, Some(Default::Trait)) => Some(FieldSource::Default),
        (false, false, Some(Default::Value { function, .. })) => {
            Some(FieldSource::DefaultFn(function.clone()))
        }
        (false, _, None) | (false, true, _) => Some(FieldSource::Absent),
        (true, _, _) => None,
    }
}

/// The `Option`s a field's declaration adds around its type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Plain,
    Option,
    Twice,
}

impl Wrap {
    fn of(field: &Field) -> Wrap {
        match field.shape() {
            super::FieldShape::Plain | super::FieldShape::Defaulted => Wrap::Plain,
            super::FieldShape::Optional | super::FieldShape::Nullable => Wrap::Option,
            super::FieldShape::OptionalNullable => Wrap::Twice,
        }
    }
}
