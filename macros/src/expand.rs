//! Writes the `impl ::herald::Event` from checked settings.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, DeriveInput, WhereClause};

use crate::ast::Input;
use crate::ctxt::Ctxt;

/// Entry point of `#[derive(Event)]`: every error in `input`, or the impl.
pub(crate) fn derive_event(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let parsed = Input::from_syn(&mut cx, input);
    cx.check()?;
    match parsed {
        Some(parsed) => Ok(impl_event(&parsed)),
        // `from_syn` records an error whenever it gives up, so `check` returned it above.
        None => Err(syn::Error::new_spanned(
            &input.ident,
            "herald-macros bug: the input was rejected without a reason",
        )),
    }
}

fn impl_event(input: &Input) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let where_clause = bounded(where_clause, !input.generics.params.is_empty());

    let attrs = &input.attrs;
    let event_type = &attrs.event_type;
    let content_type = &attrs.content_type;
    let version = optional(&attrs.version);
    let channel = optional(&attrs.channel);
    let source = optional(&attrs.source);
    let subject = optional(&attrs.subject);

    quote! {
        #[automatically_derived]
        impl #impl_generics ::herald::Event for #ident #ty_generics #where_clause {
            const TYPE: &'static str = #event_type;
            const VERSION: ::core::option::Option<&'static str> = #version;
            const CONTENT_TYPE: &'static str = #content_type;
            const CHANNEL: ::core::option::Option<&'static str> = #channel;
            const SOURCE: ::core::option::Option<&'static str> = #source;
            const SUBJECT: ::core::option::Option<&'static str> = #subject;
        }
    }
}

/// The type's where-clause, plus, for generic types, the supertraits of `Event` on `Self`:
/// the impl then holds for exactly the instances that serde can handle. Non-generic types get
/// no such bound; a missing serde derive is reported as the unmet supertrait it is.
fn bounded(where_clause: Option<&WhereClause>, generic: bool) -> Option<WhereClause> {
    if !generic {
        return where_clause.cloned();
    }
    let mut where_clause = where_clause.cloned().unwrap_or_else(|| parse_quote!(where));
    where_clause.predicates.push(parse_quote! {
        Self: ::herald::serde::Serialize + ::herald::serde::de::DeserializeOwned
    });
    Some(where_clause)
}

fn optional(value: &Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
