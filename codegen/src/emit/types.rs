//! Named types: structs, enums, unions, newtypes and aliases.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::upcast;
use super::{docs, ident, ty, validate};
use crate::model::{
    Catalog, Default, Field, FieldShape, Struct, Ty, TypeDef, TypeKind, Union, VariantContent,
};

const SERDE: &str = "::tidings::serde";

/// The item(s) for one named type.
pub(crate) fn type_def(catalog: &Catalog, def: &TypeDef) -> TokenStream {
    let name = ident(&def.rust_name);
    let doc = docs::attrs(&def.docs);
    let event = event_attrs(catalog, def);
    let derive_event = if def.message.is_some() {
        quote!(::tidings::Event,)
    } else {
        TokenStream::new()
    };
    match &def.kind {
        TypeKind::Pending => TokenStream::new(),
        TypeKind::Struct(s) => {
            let fields = struct_fields(catalog, s, true);
            let closed = s.closed.then(|| quote!(#[serde(deny_unknown_fields)]));
            let check = validate::container(catalog, def.check.as_ref());
            quote! {
                #doc
                #[derive(::tidings::serde::Serialize, ::tidings::serde::Deserialize, ::tidings::Validate, #derive_event Clone, Debug, PartialEq)]
                #[serde(crate = #SERDE)]
                #closed
                #check
                #event
                pub struct #name { #fields }
            }
        }
        TypeKind::StringEnum(variants) => {
            let variants = variants.iter().map(|v| {
                let vname = ident(&v.rust_name);
                let wire = &v.wire;
                let vdoc = docs::attrs(&v.docs);
                quote!(#vdoc #[serde(rename = #wire)] #vname,)
            });
            let check = validate::container(catalog, def.check.as_ref());
            quote! {
                #doc
                #[derive(::tidings::serde::Serialize, ::tidings::serde::Deserialize, ::tidings::Validate, #derive_event Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
                #[serde(crate = #SERDE)]
                #check
                #event
                pub enum #name { #(#variants)* }
            }
        }
        TypeKind::IntEnum(variants) => {
            let decl = variants.iter().map(|v| {
                let vname = ident(&v.rust_name);
                let value = Literal::i64_unsuffixed(v.value);
                quote!(#vname = #value,)
            });
            let arms = variants.iter().map(|v| {
                let vname = ident(&v.rust_name);
                let value = Literal::i64_unsuffixed(v.value);
                quote!(#value => Ok(Self::#vname),)
            });
            let message = format!("{{other}} is not a valid {}", def.rust_name);
            let check = validate::container(catalog, def.check.as_ref());
            quote! {
                #doc
                #[derive(::tidings::serde::Serialize, ::tidings::serde::Deserialize, ::tidings::Validate, #derive_event Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
                #[serde(crate = #SERDE, try_from = "i64", into = "i64")]
                #check
                #event
                #[repr(i64)]
                pub enum #name { #(#decl)* }

                impl From<#name> for i64 {
                    fn from(value: #name) -> Self {
                        value as i64
                    }
                }

                impl TryFrom<i64> for #name {
                    type Error = String;

                    fn try_from(value: i64) -> Result<Self, Self::Error> {
                        match value {
                            #(#arms)*
                            other => Err(format!(#message)),
                        }
                    }
                }
            }
        }
        TypeKind::Union(u) => union(catalog, def, u, &doc, &event, &derive_event),
        TypeKind::Newtype(inner_ty) => {
            let inner = ty(catalog, inner_ty);
            let field_check = validate::attr(catalog, inner_ty, &def.constraints);
            let check = validate::container(catalog, def.check.as_ref());
            quote! {
                #doc
                #[derive(::tidings::serde::Serialize, ::tidings::serde::Deserialize, ::tidings::Validate, #derive_event Clone, Debug, PartialEq)]
                #[serde(crate = #SERDE, transparent)]
                #check
                #event
                pub struct #name(#field_check pub #inner);
            }
        }
        TypeKind::Alias(inner) => {
            let inner = ty(catalog, inner);
            quote! {
                #doc
                pub type #name = #inner;
            }
        }
    }
}

fn event_attrs(catalog: &Catalog, def: &TypeDef) -> TokenStream {
    let Some(id) = def.message else {
        return TokenStream::new();
    };
    let m = &catalog.messages[id.0];
    let name = &m.name;
    let content_type = &m.content_type;
    let version = m.version.as_ref().map(|v| quote!(, version = #v));
    let channel = m
        .channels
        .iter()
        .find_map(|c| catalog.channels[c.0].address.as_ref())
        .map(|a| quote!(, channel = #a));
    let upcasts = upcast::attrs(catalog, id);
    quote! {
        #[event(type = #name, content_type = #content_type #version #channel)]
        #upcasts
    }
}

fn union(
    catalog: &Catalog,
    def: &TypeDef,
    u: &Union,
    doc: &TokenStream,
    event: &TokenStream,
    derive_event: &TokenStream,
) -> TokenStream {
    let name = ident(&def.rust_name);
    let variants = u.variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let vdoc = docs::attrs(&v.docs);
        let rename = v.tag_value.as_ref().map(|t| quote!(#[serde(rename = #t)]));
        match &v.content {
            VariantContent::Type(t) => {
                // Untagged unions are checked as a whole (see the container attribute).
                let check = if u.tag.is_none() {
                    quote!(#[validate(skip)])
                } else {
                    validate::attr(catalog, t, &v.constraints)
                };
                let t = ty(catalog, t);
                quote!(#vdoc #rename #vname(#check #t),)
            }
            VariantContent::Fields(s) if s.fields.is_empty() && s.extra.is_none() => {
                quote!(#vdoc #rename #vname {},)
            }
            VariantContent::Fields(s) => {
                let fields = struct_fields(catalog, s, false);
                quote!(#vdoc #rename #vname { #fields },)
            }
        }
    });
    let check = validate::container(catalog, def.check.as_ref());
    let mode = match &u.tag {
        Some(tag) => quote!(#[serde(tag = #tag)]),
        None => quote!(#[serde(untagged)]),
    };
    quote! {
        #doc
        #[derive(::tidings::serde::Serialize, ::tidings::serde::Deserialize, ::tidings::Validate, #derive_event Clone, Debug, PartialEq)]
        #[serde(crate = #SERDE)]
        #mode
        #check
        #event
        #[allow(clippy::large_enum_variant)]
        pub enum #name { #(#variants)* }
    }
}

fn struct_fields(catalog: &Catalog, s: &Struct, public: bool) -> TokenStream {
    let vis = public.then(|| quote!(pub));
    let mut out = TokenStream::new();
    for field in &s.fields {
        let fname = ident(&field.rust_name);
        let doc = docs::attrs(&field.docs);
        let inner = ty(catalog, &field.ty);
        let check = validate::attr(catalog, &field.ty, &field.constraints);
        let (mut serde, field_ty) = field_shape(field, inner);
        if field.rust_name != field.wire {
            let wire = &field.wire;
            serde.insert(0, quote!(rename = #wire));
        }
        let serde = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
        out.extend(quote! {
            #doc
            #serde
            #check
            #vis #fname: #field_ty,
        });
    }
    if let Some((extra_name, extra_ty)) = &s.extra {
        let fname = ident(extra_name);
        let inner = ty(catalog, extra_ty);
        out.extend(quote! {
            /// Properties not listed in the schema.
            #[serde(flatten)]
            #vis #fname: ::std::collections::BTreeMap<String, #inner>,
        });
    }
    out
}

/// The serde settings and Rust type of a field from its [`FieldShape`].
fn field_shape(field: &Field, inner: TokenStream) -> (Vec<TokenStream>, TokenStream) {
    let skip_none = quote!(skip_serializing_if = "Option::is_none");
    match (field.shape(), &field.default) {
        (FieldShape::Plain, _) => (Vec::new(), inner),
        (FieldShape::Nullable, _) => (Vec::new(), quote!(Option<#inner>)),
        (FieldShape::Defaulted, Some(Default::Value { function, .. })) => {
            (vec![quote!(default = #function)], inner)
        }
        (FieldShape::Defaulted, _) => (vec![quote!(default)], inner),
        (FieldShape::Optional, _) => (vec![quote!(default), skip_none], quote!(Option<#inner>)),
        (FieldShape::OptionalNullable, _) => (
            vec![
                quote!(default),
                skip_none,
                quote!(with = "::tidings::__private::double_option"),
            ],
            quote!(Option<Option<#inner>>),
        ),
    }
}

/// Functions for field defaults that `Default::default()` does not give.
pub(crate) fn default_fns(catalog: &Catalog) -> TokenStream {
    let mut out = TokenStream::new();
    let mut seen = std::collections::HashSet::new();
    for def in &catalog.types {
        let structs: Vec<&Struct> = match &def.kind {
            TypeKind::Struct(s) => vec![s],
            TypeKind::Union(u) => u
                .variants
                .iter()
                .filter_map(|v| match &v.content {
                    VariantContent::Fields(s) => Some(s),
                    VariantContent::Type(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for s in structs {
            for field in &s.fields {
                let (FieldShape::Defaulted, Some(Default::Value { value, function })) =
                    (field.shape(), &field.default)
                else {
                    continue;
                };
                if !seen.insert(function) {
                    continue;
                }
                let fn_ident = ident(function);
                let field_ty = ty(catalog, &field.ty);
                let body = default_value(catalog, &field.ty, value);
                out.extend(quote! {
                    fn #fn_ident() -> #field_ty { #body }
                });
            }
        }
    }
    out
}

fn default_value(catalog: &Catalog, field_ty: &Ty, value: &serde_json::Value) -> TokenStream {
    match (field_ty, value) {
        (Ty::Named(id), _) => {
            let def = catalog.ty(*id);
            let name = ident(&def.rust_name);
            match (&def.kind, value) {
                (TypeKind::StringEnum(vs), serde_json::Value::String(s)) => {
                    let v = vs
                        .iter()
                        .find(|v| v.wire == *s)
                        .map(|v| ident(&v.rust_name));
                    quote!(#name::#v)
                }
                (TypeKind::IntEnum(vs), serde_json::Value::Number(n)) => {
                    let v = vs
                        .iter()
                        .find(|v| Some(v.value) == n.as_i64())
                        .map(|v| ident(&v.rust_name));
                    quote!(#name::#v)
                }
                (TypeKind::Alias(inner), _) => default_value(catalog, inner, value),
                _ => quote!(::core::default::Default::default()),
            }
        }
        (_, serde_json::Value::Bool(b)) => quote!(#b),
        (_, serde_json::Value::String(s)) => quote!(String::from(#s)),
        (Ty::Float, serde_json::Value::Number(n)) => {
            let f = Literal::f64_unsuffixed(n.as_f64().unwrap_or_default());
            quote!(#f)
        }
        (_, serde_json::Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => {
                let l = Literal::i64_unsuffixed(i);
                quote!(#l)
            }
            (None, Some(u)) => {
                let l = Literal::u64_unsuffixed(u);
                quote!(#l)
            }
            _ => quote!(::core::default::Default::default()),
        },
        _ => quote!(::core::default::Default::default()),
    }
}
