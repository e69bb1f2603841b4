//! Event expansion: writes the `impl ::tidings::Event` from the checked settings.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_quote, parse_quote_spanned, WhereClause, WherePredicate};

use super::ast::Input;
use super::attr::Upcast;

/// The `impl ::tidings::Event` for a checked input.
pub(crate) fn impl_event(input: &Input) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let attrs = &input.attrs;
    let where_clause = bounded(
        where_clause,
        !input.generics.params.is_empty(),
        &attrs.upcasts,
    );

    let event_type = &attrs.event_type;
    let content_type = &attrs.content_type;
    let version = optional(&attrs.version);
    let channel = optional(&attrs.channel);
    let source = optional(&attrs.source);
    let subject = optional(&attrs.subject);
    let decode_older = decode_older(&attrs.upcasts);

    quote! {
        #[automatically_derived]
        // A deprecated type or field is still the type's own business.
        #[allow(deprecated)]
        impl #impl_generics ::tidings::Event for #ident #ty_generics #where_clause {
            const TYPE: &'static str = #event_type;
            const VERSION: ::core::option::Option<&'static str> = #version;
            const CONTENT_TYPE: &'static str = #content_type;
            const CHANNEL: ::core::option::Option<&'static str> = #channel;
            const SOURCE: ::core::option::Option<&'static str> = #source;
            const SUBJECT: ::core::option::Option<&'static str> = #subject;
            #decode_older
        }
    }
}

/// The type's where-clause, plus, for generic types, the supertraits of `Event` on `Self` and
/// what each upcast needs (its `from` type readable and validatable, and `Self: From` it):
/// the impl then holds for exactly the instances that serde and the upcasts can handle.
/// Non-generic types get no such bound; a missing serde derive is reported as the unmet
/// supertrait it is, and a missing `From` or `Validate` on the upcast's own tokens.
fn bounded(
    where_clause: Option<&WhereClause>,
    generic: bool,
    upcasts: &[Upcast],
) -> Option<WhereClause> {
    if !generic {
        return where_clause.cloned();
    }
    let mut where_clause = where_clause.cloned().unwrap_or_else(|| parse_quote!(where));
    where_clause.predicates.push(parse_quote! {
        Self: ::tidings::serde::Serialize + ::tidings::serde::de::DeserializeOwned
    });
    for Upcast { from, .. } in upcasts {
        let span = from.span();
        let predicates: [WherePredicate; 2] = [
            parse_quote_spanned! {span=>
                #from: ::tidings::serde::de::DeserializeOwned + ::tidings::Validate
            },
            parse_quote_spanned! {span=> Self: ::core::convert::From<#from> },
        ];
        where_clause.predicates.extend(predicates);
    }
    Some(where_clause)
}

/// `Event::decode_older`, which reads each upcast's version as its `from` type and converts
/// it; nothing (the trait's default, which knows no older version) if there are no upcasts.
///
/// The reading and the conversion are spanned on the `from` type, so that a missing
/// `impl From<OldType>` (or a `from` type that is not `Deserialize` or `Validate`) is
/// reported on the user's `upcast(...)`.
fn decode_older(upcasts: &[Upcast]) -> Option<TokenStream> {
    if upcasts.is_empty() {
        return None;
    }
    let arms = upcasts.iter().map(|Upcast { from, version }| {
        // `data` keeps the call-site span of the parameter it names: the `from` tokens may
        // come from a `macro_rules!` expansion, whose hygiene would not see it.
        let data = quote!(data);
        let upcast = quote_spanned! {from.span()=>
            ::tidings::decode_valid::<#from>(#data).map(<Self as ::core::convert::From<#from>>::from)
        };
        quote! {
            #version => ::core::option::Option::Some(#upcast),
        }
    });
    let versions = upcasts.iter().map(|Upcast { version, .. }| version);
    Some(quote! {
        const OLDER_VERSIONS: &'static [&'static str] = &[#(#versions),*];

        fn decode_older(
            version: ::core::option::Option<&str>,
            data: &[u8],
        ) -> ::core::option::Option<::core::result::Result<Self, ::tidings::DecodeError>> {
            match version? {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    })
}

fn optional(value: &Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
