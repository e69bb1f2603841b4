//! `enum Message`, `decode_message`, and the round-trip tests of generated crates.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::{docs, ident, ty};
use crate::model::{Catalog, MessageId, Ty};

/// `impl ErrorEvent` for the messages that announce dead letters: each payload property
/// named for what a dead letter has (reason, original type and id, attempt, ...) filled
/// from it. Messages with a required property no dead letter fills get none.
pub(crate) fn error_events(catalog: &Catalog) -> TokenStream {
    let mut out = TokenStream::new();
    for message in catalog.messages.iter().filter(|m| m.error_event.is_some()) {
        let def = catalog.ty(message.type_id);
        let Ok(properties) = catalog.error_event_properties(message) else {
            continue;
        };
        let properties = properties.iter().map(|(wire, role)| {
            let role = ident(&format!("{role:?}"));
            quote!((#wire, ::tidings::consume::ErrorEventRole::#role))
        });
        let name = ident(&def.rust_name);
        out.extend(quote! {
            impl ::tidings::consume::ErrorEvent for #name {
                fn from_dead_letter(
                    letter: &::tidings::consume::DeadLettered<'_>,
                ) -> ::core::option::Option<Self> {
                    ::tidings::consume::error_event_from_properties(letter, &[#(#properties),*])
                }
            }
        });
    }
    out
}

pub(crate) fn message_enum(catalog: &Catalog) -> TokenStream {
    let title = if catalog.info.title.is_empty() {
        catalog.source_name.clone()
    } else {
        catalog.info.title.clone()
    };
    let enum_doc = docs::lines_attrs(&format!("Every message of {title}."));
    let variants = catalog.messages.iter().map(|m| {
        let def = catalog.ty(m.type_id);
        let name = ident(&def.rust_name);
        let doc = docs::lines_attrs(&format!("`{}`", m.name.replace('`', "'")));
        quote!(#doc #name(#name),)
    });
    let name_arms = catalog.messages.iter().map(|m| {
        let vname = ident(&catalog.ty(m.type_id).rust_name);
        let name = &m.name;
        quote!(Self::#vname(_) => #name,)
    });
    let name_body = if catalog.messages.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#name_arms)* })
    };
    let table = &catalog.aliases;
    // One arm per message, its names joined: `"a" | "b" => ...`.
    let mut grouped: Vec<(MessageId, Vec<&str>)> = Vec::new();
    for (alias, id) in table {
        match grouped.iter_mut().find(|(g, _)| g == id) {
            Some((_, names)) => names.push(alias),
            None => grouped.push((*id, vec![alias])),
        }
    }
    let header_arms = grouped
        .iter()
        .map(|(id, names)| match &catalog.messages[id.0].headers {
            Some(headers) => {
                let headers = ty(catalog, headers);
                quote!(#(#names)|* => ::tidings::decode_valid::<#headers>(headers).map(|_| ()),)
            }
            None => quote!(#(#names)|* => Ok(()),),
        });
    let headers_unused = catalog
        .messages
        .iter()
        .all(|m| m.headers.is_none())
        .then(|| quote!(let _ = headers;));
    let arms = grouped.iter().map(|(id, names)| {
        let vname = ident(&catalog.ty(catalog.messages[id.0].type_id).rust_name);
        quote!(#(#names)|* => ::tidings::decode_valid(payload).map(Message::#vname),)
    });
    // A spec without messages: every name is unknown.
    let unknown = quote!(Err(::tidings::DecodeError::UnknownMessage {
        name: name.to_owned()
    }));
    let decode_body = if grouped.is_empty() {
        quote!(let _ = payload; #unknown)
    } else {
        quote!(match name { #(#arms)* _ => #unknown, })
    };
    let headers_body = if grouped.is_empty() {
        quote!(#unknown)
    } else {
        quote!(match name { #(#header_arms)* _ => #unknown, })
    };
    quote! {
        #enum_doc
        #[derive(Clone, Debug, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Message { #(#variants)* }

        impl Message {
            /// The message's event type name, as in the spec.
            pub fn name(&self) -> &'static str {
                #name_body
            }
        }

        /// Decodes and validates the payload of the message known as `name` (its name, key or
        /// message id).
        ///
        /// Any JSON value can be a payload. Unknown names, malformed JSON, payloads of the wrong
        /// shape and payloads that break the spec's constraints (all of them listed) are errors,
        /// never panics.
        pub fn decode_message(name: &str, payload: &[u8]) -> Result<Message, ::tidings::DecodeError> {
            #decode_body
        }

        /// Checks the headers (as a JSON object) of the message known as `name` against the
        /// spec's headers schema; messages without one accept any headers.
        pub fn validate_headers(name: &str, headers: &[u8]) -> Result<(), ::tidings::DecodeError> {
            #headers_unused
            #headers_body
        }
    }
}

pub(crate) fn round_trip_tests(catalog: &Catalog, crate_ident: &str) -> TokenStream {
    let krate = ident(crate_ident);
    let decode_name: HashMap<MessageId, &str> = catalog
        .aliases
        .iter()
        .rev()
        .map(|(alias, id)| (*id, alias.as_str()))
        .collect();
    let mut tests = TokenStream::new();
    for (i, m) in catalog.messages.iter().enumerate() {
        let id = MessageId(i);
        let def = catalog.ty(m.type_id);
        let type_name = ident(&def.rust_name);
        let fills = may_fill_defaults(catalog, &Ty::Named(m.type_id));
        for (n, example) in m.examples.iter().enumerate() {
            let test_name = example.payload_test.as_deref().unwrap_or_default();
            if let (Some(payload), Some(mismatch)) = (&example.payload, &example.payload_mismatch) {
                let lossy = mismatch.contains(crate::model::examples::LOSSY);
                let fn_name = ident(test_name);
                let text =
                    super::raw_literal(&serde_json::to_string_pretty(payload).unwrap_or_default());
                let doc = docs::lines_attrs(&format!(
                    "Example {} of `{}` contradicts its schema ({}).",
                    n + 1,
                    m.name.replace('`', "'"),
                    mismatch.replace('`', "'")
                ));
                let outcome = if lossy { quote!(is_ok) } else { quote!(is_err) };
                let check = match decode_name.get(&id) {
                    Some(alias) => {
                        quote!(#krate::decode_message(#alias, TEXT.as_bytes()).#outcome())
                    }
                    None => {
                        quote!(::tidings::serde_json::from_str::<#krate::#type_name>(TEXT).#outcome())
                    }
                };
                tests.extend(quote! {
                    #doc
                    #[test]
                    fn #fn_name() {
                        const TEXT: &str = #text;
                        assert!(#check);
                    }
                });
            } else if let Some(payload) = &example.payload {
                let fn_name = ident(test_name);
                let text =
                    super::raw_literal(&serde_json::to_string_pretty(payload).unwrap_or_default());
                let decode = decode_name.get(&id).map(|alias| {
                    quote! {
                        let decoded = #krate::decode_message(#alias, TEXT.as_bytes())
                            .expect("decode_message accepts the example");
                        assert!(matches!(decoded, #krate::Message::#type_name(_)));
                    }
                });
                let label = example
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("#{}", n + 1));
                let doc = docs::lines_attrs(&format!(
                    "Example {} of `{}`.",
                    label.replace('`', "'"),
                    m.name.replace('`', "'")
                ));
                tests.extend(quote! {
                    #doc
                    #[test]
                    fn #fn_name() {
                        const TEXT: &str = #text;
                        let example: ::tidings::serde_json::Value =
                            ::tidings::serde_json::from_str(TEXT).expect("example is JSON");
                        ::tidings::testing::assert_round_trip::<#krate::#type_name>(&example, #fills);
                        #decode
                    }
                });
            }
            if let (Some(headers), Some(headers_ty), Some(test_name)) =
                (&example.headers, &m.headers, &example.headers_test)
            {
                let fn_name = ident(test_name);
                let text =
                    super::raw_literal(&serde_json::to_string_pretty(headers).unwrap_or_default());
                let hty = qualified(catalog, headers_ty, &krate);
                let fills = may_fill_defaults(catalog, headers_ty);
                tests.extend(quote! {
                    #[test]
                    fn #fn_name() {
                        let example: ::tidings::serde_json::Value =
                            ::tidings::serde_json::from_str(#text).expect("example is JSON");
                        ::tidings::testing::assert_round_trip::<#hty>(&example, #fills);
                    }
                });
            }
        }
    }
    if tests.is_empty() {
        // Still prove the crate links and rejects unknown names.
        tests.extend(quote! {
            #[test]
            fn unknown_message_names_are_rejected() {
                assert!(#krate::decode_message("no such message", b"{}").is_err());
            }
        });
    }
    tests
}

/// Type tokens with named types qualified by the crate.
fn qualified(catalog: &Catalog, t: &Ty, krate: &proc_macro2::Ident) -> TokenStream {
    match t {
        Ty::Named(_) => {
            let inner = ty(catalog, t);
            quote!(#krate::#inner)
        }
        Ty::Option(inner) => {
            let inner = qualified(catalog, inner, krate);
            quote!(Option<#inner>)
        }
        other => ty(catalog, other),
    }
}

/// Whether decoding may add fields with schema defaults that the example leaves out.
fn may_fill_defaults(catalog: &Catalog, t: &Ty) -> bool {
    let mut seen = std::collections::HashSet::new();
    fills(catalog, t, &mut seen)
}

fn fills(catalog: &Catalog, t: &Ty, seen: &mut std::collections::HashSet<usize>) -> bool {
    use crate::model::{TypeKind, VariantContent};
    match t {
        Ty::Named(id) => {
            if !seen.insert(id.0) {
                return false;
            }
            let check_struct =
                |s: &crate::model::Struct, seen: &mut std::collections::HashSet<usize>| {
                    s.fields
                        .iter()
                        .any(|f| f.default.is_some() || fills(catalog, &f.ty, seen))
                };
            match &catalog.ty(*id).kind {
                TypeKind::Struct(s) => check_struct(s, seen),
                TypeKind::Union(u) => u.variants.iter().any(|v| match &v.content {
                    VariantContent::Type(t) => fills(catalog, t, seen),
                    VariantContent::Fields(s) => check_struct(s, seen),
                }),
                TypeKind::Newtype(t) | TypeKind::Alias(t) => fills(catalog, t, seen),
                _ => false,
            }
        }
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Box(inner) => {
            fills(catalog, inner, seen)
        }
        Ty::Tuple(items) => items.iter().any(|t| fills(catalog, t, seen)),
        _ => false,
    }
}
