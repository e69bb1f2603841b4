//! `#[validate(...)]` attributes from IR constraints, in the vocabulary of `#[derive(Validate)]`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::model::{Catalog, Constraints, SchemaEntry, Ty, TypeKind};

/// `#[validate(...)]` for a value of type `ty`, or nothing when it has no constraints.
pub(crate) fn attr(catalog: &Catalog, ty: &Ty, constraints: &Constraints) -> TokenStream {
    let mut c = effective(catalog, ty, constraints, 0);
    drop_implied_by_type(catalog, ty, &mut c);
    // Plain values need no attribute: their `Validate` is a no-op the derive inlines away.
    let keys = keys(&c);
    if keys.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[validate(#(#keys),*)])
    }
}

/// The name of the module's schema document, which every `schema_in(...)` check names.
const DOCUMENT: &str = "SCHEMAS";

/// `#[validate(schema_in(SCHEMAS, "/definitions/..."))]` for a whole-value check; none for a
/// schema that allows all.
pub(crate) fn container(catalog: &Catalog, check: Option<&SchemaEntry>) -> TokenStream {
    match check {
        Some(entry) if !allows_everything(catalog.schema_document.get(entry)) => {
            let check = schema_in(entry);
            quote!(#[validate(#check)])
        }
        _ => TokenStream::new(),
    }
}

/// `schema_in(SCHEMAS, "/definitions/...")`.
fn schema_in(entry: &SchemaEntry) -> TokenStream {
    let document = super::ident(DOCUMENT);
    let pointer = entry.pointer();
    quote!(schema_in(#document, #pointer))
}

/// The module's schema document, when any check uses it: one `static` that every
/// `schema_in(...)` check takes its entry from.
pub(crate) fn schema_document(catalog: &Catalog) -> TokenStream {
    let document = &catalog.schema_document.document;
    let empty = document
        .get("definitions")
        .and_then(serde_json::Value::as_object)
        .is_none_or(serde_json::Map::is_empty);
    if empty {
        return TokenStream::new();
    }
    let name = super::ident(DOCUMENT);
    let text = json_literal(document);
    quote! {
        /// Every JSON Schema of this module's messages and types, each once: the checks
        /// take their entries from it (`#[validate(schema_in(SCHEMAS, "/definitions/..."))]`).
        /// Parsed and compiled on first use.
        pub static #name: ::tidings::checks::SchemaDocument =
            ::tidings::checks::SchemaDocument::new(#text);
    }
}

/// `{}` and `true`, with nothing but annotations.
fn allows_everything(schema: &serde_json::Value) -> bool {
    match schema {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Object(map) => map.keys().all(|k| {
            matches!(
                k.as_str(),
                "title" | "description" | "default" | "examples" | "$comment" | "deprecated"
            )
        }),
        _ => false,
    }
}

/// JSON text as a raw string literal (`r#"{"type":"string"}"#`), which reads as the JSON it is.
pub(crate) fn json_literal(value: &serde_json::Value) -> Literal {
    super::raw_literal(&value.to_string())
}

/// Removes range checks the Rust type already guarantees (`minimum: 0` on a `u64`).
fn drop_implied_by_type(catalog: &Catalog, ty: &Ty, c: &mut Constraints) {
    use crate::model::IntTy;
    let mut ty = ty;
    for _ in 0..8 {
        ty = match ty {
            Ty::Option(inner) | Ty::Box(inner) => inner,
            Ty::Named(id) => match &catalog.ty(*id).kind {
                TypeKind::Alias(inner) => inner,
                _ => return,
            },
            _ => break,
        };
    }
    let unsigned = matches!(ty, Ty::Int(IntTy::U64 | IntTy::U32));
    if unsigned
        && c.minimum
            .as_ref()
            .and_then(|n| n.as_f64())
            .is_some_and(|m| m <= 0.0)
    {
        c.minimum = None;
    }
    if unsigned
        && c.exclusive_minimum
            .as_ref()
            .and_then(|n| n.as_f64())
            .is_some_and(|m| m < 0.0)
    {
        c.exclusive_minimum = None;
    }
}

/// The constraints on a value, with those of the aliases its type names.
fn effective(catalog: &Catalog, ty: &Ty, c: &Constraints, depth: usize) -> Constraints {
    if depth > 8 {
        return c.clone();
    }
    match ty {
        Ty::Option(inner) | Ty::Box(inner) => effective(catalog, inner, c, depth + 1),
        Ty::Named(id) => match &catalog.ty(*id).kind {
            TypeKind::Alias(inner) => {
                let base = effective(catalog, inner, &catalog.ty(*id).constraints, depth + 1);
                c.clone().or(&base)
            }
            _ => c.clone(),
        },
        Ty::Vec(inner) | Ty::Map(inner) => {
            let mut c = c.clone();
            let is_vec = matches!(ty, Ty::Vec(_));
            let slot = if is_vec { &mut c.items } else { &mut c.values };
            let nested = effective(
                catalog,
                inner,
                slot.as_deref().unwrap_or(&Constraints::default()),
                depth + 1,
            );
            *slot = (!nested.is_empty()).then(|| Box::new(nested));
            c
        }
        _ => c.clone(),
    }
}

fn number(n: &serde_json::Number) -> TokenStream {
    let lit = if let Some(i) = n.as_i64() {
        Literal::i64_unsuffixed(i)
    } else if let Some(u) = n.as_u64() {
        Literal::u64_unsuffixed(u)
    } else {
        Literal::f64_unsuffixed(n.as_f64().unwrap_or_default())
    };
    quote!(#lit)
}

fn keys(c: &Constraints) -> Vec<TokenStream> {
    let mut keys = Vec::new();
    if let (Some(min), Some(max)) = (c.min_length, c.max_length) {
        if min > max {
            // No value has such a length (the model warns); `length(min > max)` would not
            // compile, so the check says so directly.
            keys.push(quote!(schema = "false"));
            return keys;
        }
    }
    let bounds: Vec<TokenStream> = [("min", c.min_length), ("max", c.max_length)]
        .into_iter()
        .filter_map(|(k, v)| {
            let k = proc_macro2::Ident::new(k, proc_macro2::Span::call_site());
            v.map(|v| {
                let v = Literal::u64_unsuffixed(v);
                quote!(#k = #v)
            })
        })
        .collect();
    if !bounds.is_empty() {
        keys.push(quote!(length(#(#bounds),*)));
    }
    if let Some(p) = &c.pattern {
        keys.push(quote!(pattern = #p));
    }
    for (key, value) in [
        ("minimum", &c.minimum),
        ("maximum", &c.maximum),
        ("exclusive_minimum", &c.exclusive_minimum),
        ("exclusive_maximum", &c.exclusive_maximum),
        ("multiple_of", &c.multiple_of),
    ] {
        if let Some(n) = value {
            let key = proc_macro2::Ident::new(key, proc_macro2::Span::call_site());
            let n = number(n);
            keys.push(quote!(#key = #n));
        }
    }
    if c.unique_items {
        keys.push(quote!(unique_items));
    }
    if let Some(f) = &c.format {
        keys.push(quote!(format = #f));
    }
    if let Some(values) = &c.enumeration {
        let text = json_literal(&serde_json::Value::Array(values.clone()));
        keys.push(quote!(enumeration = #text));
    }
    if let Some(value) = &c.constant {
        let text = json_literal(value);
        keys.push(quote!(constant = #text));
    }
    if let Some(entry) = &c.schema {
        keys.push(schema_in(entry));
    }
    if let Some(items) = &c.items {
        let inner = self::keys(items);
        if !inner.is_empty() {
            keys.push(quote!(items(#(#inner),*)));
        }
    }
    if let Some(values) = &c.values {
        let inner = self::keys(values);
        if !inner.is_empty() {
            keys.push(quote!(values(#(#inner),*)));
        }
    }
    keys
}
