//! Field shapes: the wrappers a field's checks look through, the items they reach into.
//!
//! Only the syntax is known, so names are matched by their last segment, as serde does for
//! `Option`. A type the derive cannot see into (a type alias, a type of the user's) is
//! [`Shape::Opaque`]: its checks go through the traits of `tidings::checks`, which are
//! implemented for the same wrappers, so they compile and mean the same; only an `Option`
//! hidden that way reaches the JSON checks (`enumeration`, `constant`, `schema`) as `null`.

use syn::{GenericArgument, PathArguments, Type};

/// The shape of a type, as far as the derive can tell.
pub(crate) enum Shape {
    /// `Option<T>`: nothing to check when `None`; else the `T`.
    Optional(Box<Shape>),
    /// `Box<T>`, `Rc<T>`, `Arc<T>`, `Cow<'_, T>`, `&T`: checked as the `T` they hold.
    Deref(Box<Shape>),
    /// `Vec<T>`, `VecDeque<T>`, `[T; N]`, `[T]`, `BTreeSet<T>`, `HashSet<T>`: the items' shape.
    Sequence(Box<Shape>),
    /// `BTreeMap<K, V>`, `HashMap<K, V>`: the values' shape.
    Map(Box<Shape>),
    /// `(A, B, ...)`: each item's own shape.
    Tuple(Vec<Shape>),
    /// Anything else.
    Opaque,
}

impl Shape {
    /// The shape of `ty`.
    pub(crate) fn of(ty: &Type) -> Shape {
        match ty {
            Type::Paren(inner) => Shape::of(&inner.elem),
            Type::Group(inner) => Shape::of(&inner.elem),
            Type::Reference(inner) => Shape::Deref(Box::new(Shape::of(&inner.elem))),
            Type::Array(inner) => Shape::Sequence(Box::new(Shape::of(&inner.elem))),
            Type::Slice(inner) => Shape::Sequence(Box::new(Shape::of(&inner.elem))),
            Type::Tuple(tuple) if !tuple.elems.is_empty() => {
                Shape::Tuple(tuple.elems.iter().map(Shape::of).collect())
            }
            Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return Shape::Opaque;
                };
                let args = type_arguments(&last.arguments);
                let of = |ty: &Type| Box::new(Shape::of(ty));
                match (last.ident.to_string().as_str(), args.as_slice()) {
                    ("Option", [inner]) => Shape::Optional(of(inner)),
                    ("Box" | "Rc" | "Arc" | "Cow", [inner]) => Shape::Deref(of(inner)),
                    ("Vec" | "VecDeque" | "BTreeSet", [item]) | ("HashSet", [item, ..]) => {
                        Shape::Sequence(of(item))
                    }
                    ("BTreeMap", [_, value]) | ("HashMap", [_, value, ..]) => Shape::Map(of(value)),
                    _ => Shape::Opaque,
                }
            }
            _ => Shape::Opaque,
        }
    }
}

/// The type arguments of a path segment (`Cow<'a, str>` has one: `str`).
fn type_arguments(arguments: &PathArguments) -> Vec<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
