//! Version families in code: the newest member's `upcast(...)` attributes and the `From` impls.
//!
//! The `From` impls written are the ones the model planned ([`crate::model::versions`]).

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::model::versions::{Conversion, FieldSource, Upcast, UpcastBody};
use crate::model::{Catalog, MessageId};

/// The `upcast(...)` entries for `message`, if it is the newest of a family.
pub(crate) fn attrs(catalog: &Catalog, message: MessageId) -> TokenStream {
    let Some(family) = catalog.families.iter().find(|f| f.newest == message) else {
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

/// The planned `From` impls.
pub(crate) fn from_impls(catalog: &Catalog) -> TokenStream {
    let mut out = TokenStream::new();
    for Upcast { old, new, body } in &catalog.upcasts {
        let old_name = ident(&catalog.ty(*old).rust_name);
        let new_name = ident(&catalog.ty(*new).rust_name);
        let body = match body {
            UpcastBody::Struct { fields, extra } => {
                let inits = fields.iter().map(|(name, source)| {
                    let value = match source {
                        FieldSource::Old(old_field, conv) => {
                            let old_field = ident(old_field);
                            apply(conv, quote!(old.#old_field))
                        }
                        FieldSource::Default => quote!(::core::default::Default::default()),
                        FieldSource::DefaultFn(function) => {
                            let function = ident(function);
                            quote!(#function())
                        }
                        FieldSource::Absent => quote!(None),
                    };
                    let name = ident(name);
                    quote!(#name: #value,)
                });
                let extra = extra.as_ref().map(|(new_field, old_field, conv)| {
                    let value = apply(conv, {
                        let old_field = ident(old_field);
                        quote!(old.#old_field)
                    });
                    let new_field = ident(new_field);
                    quote!(#new_field: #value,)
                });
                if fields.is_empty() && extra.is_none() {
                    quote!({
                        let _ = old;
                        Self {}
                    })
                } else {
                    quote!(Self { #(#inits)* #extra })
                }
            }
            UpcastBody::Enum(arms) => {
                let arms = arms.iter().map(|(ov, nv)| {
                    let (ov, nv) = (ident(ov), ident(nv));
                    quote!(#old_name::#ov => Self::#nv,)
                });
                quote!(match old { #(#arms)* })
            }
            UpcastBody::Newtype(conv) => {
                let inner = apply(conv, quote!(old.0));
                quote!(Self(#inner))
            }
        };
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

/// `expr` converted.
fn apply(conv: &Conversion, expr: TokenStream) -> TokenStream {
    match conv {
        Conversion::Move => expr,
        Conversion::Into => quote!(::core::convert::Into::into(#expr)),
        Conversion::Some(c) => {
            let inner = apply(c, expr);
            quote!(Some(#inner))
        }
        Conversion::Map(c) => {
            let f = function(c);
            quote!(#expr.map(#f))
        }
        Conversion::Items(c) => {
            let f = function(c);
            quote!(#expr.into_iter().map(#f).collect())
        }
        Conversion::Values(c) => {
            let v = apply(c, quote!(v));
            quote!(#expr.into_iter().map(|(k, v)| (k, #v)).collect())
        }
        Conversion::Boxed(c) => {
            let inner = apply(c, quote!(*#expr));
            quote!(Box::new(#inner))
        }
    }
}

/// The conversion as a function for `map`.
fn function(conv: &Conversion) -> TokenStream {
    match conv {
        Conversion::Into => quote!(::core::convert::Into::into),
        other => {
            let body = apply(other, quote!(v));
            quote!(|v| #body)
        }
    }
}
