//! Emitting operations: handler traits and routers for receive, typed publishers for send.
//!
//! What each carries and every name come from the model ([`crate::model::interfaces`]); this
//! module writes `mod handlers` and `mod publishers`. Both name the spec's types as
//! `super::Type`, so their own names (taken from the operation keys) never collide with them.

use proc_macro2::TokenStream;
use quote::quote;

use super::{docs, ident};
use crate::model::interfaces::{ArgumentType, EventMethod, ParamEnum};
use crate::model::{Catalog, ChannelId, MessageId, Operation, RetrySpec};

fn type_of(catalog: &Catalog, id: MessageId) -> TokenStream {
    let name = ident(&catalog.ty(catalog.messages[id.0].type_id).rust_name);
    quote!(super::#name)
}

fn operation_doc(catalog: &Catalog, op: &Operation, what: &str) -> TokenStream {
    let channel = &catalog.channels[op.channel.0];
    let address = channel.address.as_deref().unwrap_or("(any address)");
    let mut text = String::new();
    if let Some(summary) = op.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        text.push_str(summary.trim());
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{what} of the operation `{}` on `{}`.",
        op.key.replace('`', "'"),
        address.replace('`', "'")
    ));
    docs::lines_attrs(&text)
}

fn message_label(catalog: &Catalog, id: MessageId) -> String {
    let m = &catalog.messages[id.0];
    let mut label = format!("`{}`", m.name.replace('`', "'"));
    if let Some(version) = &m.version {
        label.push_str(&format!(" (version {})", version.replace('`', "'")));
    }
    if let Some(text) = m.summary.as_deref().or(m.title.as_deref()) {
        label.push_str(": ");
        label.push_str(text.trim());
    }
    label
}

/// `mod handlers`, or nothing when the spec receives nothing.
pub(crate) fn handlers(catalog: &Catalog) -> TokenStream {
    let mut items = TokenStream::new();
    for handler in &catalog.interfaces.handlers {
        let op = &catalog.operations[handler.operation];
        let trait_name = ident(&handler.trait_name);
        let router_name = ident(&handler.router_name);
        let mut decls = Vec::new();
        let mut arms = Vec::new();
        for event in &handler.methods {
            let id = &event.message;
            let method = ident(&event.name);
            let event_ty = type_of(catalog, *id);
            let doc = docs::lines_attrs(&format!(
                "Handles {}.",
                message_label(catalog, *id).trim_end_matches('.')
            ));
            decls.push(quote! {
                #doc
                fn #method(
                    &self,
                    event: ::tidings::Envelope<#event_ty>,
                    ctx: &::tidings::Context<'_>,
                ) -> impl ::core::future::Future<Output = ::tidings::HandlerResult> + ::core::marker::Send;
            });
            let name = &catalog.messages[id.0].name;
            arms.push(quote! {
                #name => match incoming.decode() {
                    ::core::result::Result::Ok(event) => self.0.#method(event, ctx).await.into(),
                    ::core::result::Result::Err(error) => ::tidings::Outcome::undecodable(#name, error),
                },
            });
        }
        let operation = &op.key;
        let address = subscription(catalog, op.channel);
        let retry = op.retry.as_ref().map(retry_policy);
        let plain = plain_type(catalog, op.channel, &handler.methods);
        let trait_doc = operation_doc(catalog, op, "Handlers");
        let router_doc = docs::lines_attrs(&format!(
            "Routes the messages of `{}` to an [`{}`] handler: decodes and validates them, \
             upcasts older versions, and ignores event types it does not handle.",
            op.key.replace('`', "'"),
            handler.trait_name
        ));
        items.extend(quote! {
            #trait_doc
            pub trait #trait_name: ::core::marker::Send + ::core::marker::Sync + 'static {
                #(#decls)*
            }

            #router_doc
            pub struct #router_name<H>(pub H);

            impl<H: #trait_name> ::tidings::Route for #router_name<H> {
                const OPERATION: &'static str = #operation;
                const ADDRESS: &'static str = #address;

                async fn route(
                    &self,
                    incoming: ::tidings::Incoming<'_>,
                    ctx: &::tidings::Context<'_>,
                ) -> ::tidings::Outcome {
                    match incoming.event_type() {
                        #(#arms)*
                        other => ::tidings::Outcome::unknown(other),
                    }
                }

                #retry
                #plain
            }
        });
    }
    if items.is_empty() {
        return items;
    }
    quote! {
        /// Handler traits and routers, one per receive operation of the spec.
        pub mod handlers {
            #items
        }
    }
}

/// `Route::retry_policy` for the operation's `x-tidings-retry`: tidings' default policy with
/// what the spec states.
fn retry_policy(spec: &RetrySpec) -> TokenStream {
    let mut setters = Vec::new();
    if let Some(n) = spec.max_attempts {
        setters.push(quote!(.max_attempts(#n)));
    }
    if let Some(ms) = spec.initial_delay_ms {
        setters.push(quote!(.initial_delay(::core::time::Duration::from_millis(#ms))));
    }
    if let Some(ms) = spec.max_delay_ms {
        setters.push(quote!(.max_delay(::core::time::Duration::from_millis(#ms))));
    }
    if let Some(m) = spec.multiplier {
        setters.push(quote!(.multiplier(#m)));
    }
    if let Some(j) = spec.jitter {
        setters.push(quote!(.jitter(#j)));
    }
    quote! {
        /// The retry policy of the spec's `x-tidings-retry`.
        fn retry_policy() -> ::core::option::Option<::tidings::reliability::RetryPolicy> {
            ::core::option::Option::Some(
                ::tidings::reliability::RetryPolicy::default() #(#setters)*
            )
        }
    }
}

/// `Route::plain_type` for a channel whose addresses name one message each (OpenAPI
/// webhooks): a plain request at such an address is that message.
fn plain_type(
    catalog: &Catalog,
    channel: ChannelId,
    methods: &[EventMethod],
) -> Option<TokenStream> {
    let fixed = &catalog.channels[channel.0].fixed;
    let arms: Vec<TokenStream> = fixed
        .iter()
        .filter(|(id, _)| methods.iter().any(|m| m.message == *id))
        .map(|(id, address)| {
            let name = &catalog.messages[id.0].name;
            quote!(#address => ::core::option::Option::Some(#name),)
        })
        .collect();
    if arms.is_empty() {
        return None;
    }
    Some(quote! {
        fn plain_type(address: &str) -> ::core::option::Option<&'static str> {
            match address {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    })
}

/// The address pattern a receive operation subscribes to.
fn subscription(catalog: &Catalog, channel: ChannelId) -> String {
    catalog.channels[channel.0]
        .address
        .clone()
        .unwrap_or_else(|| "#".to_owned())
}

/// `mod publishers`, or nothing when the spec sends nothing.
pub(crate) fn publishers(catalog: &Catalog) -> TokenStream {
    let interfaces = &catalog.interfaces;
    let mut items = TokenStream::new();
    for publisher in &interfaces.publishers {
        let op = &catalog.operations[publisher.operation];
        let channel = &catalog.channels[op.channel.0];
        // Parameters as method arguments: enums for the ones with listed values.
        let mut args = Vec::new();
        let mut fills = Vec::new();
        for arg in &publisher.args {
            let (name, param) = (ident(&arg.name), &arg.param);
            match arg.ty {
                ArgumentType::Enum(at) => {
                    let enum_name = ident(&interfaces.param_enums[at].name);
                    args.push(quote!(#name: #enum_name));
                    fills.push(quote!((#param, #name.as_str())));
                }
                ArgumentType::Text => {
                    args.push(quote!(#name: &str));
                    fills.push(quote!((#param, #name)));
                }
            }
        }
        let address_expr = match &channel.address {
            Some(address) => quote!(::tidings::address::fill(#address, &[#(#fills),*])?),
            None => {
                args.insert(0, quote!(address: &str));
                quote!(address.to_owned())
            }
        };
        let struct_name = ident(&publisher.struct_name);
        let fns = publisher.methods.iter().map(|event| {
            let id = &event.message;
            // A message with an address of its own (an OpenAPI webhook) is sent there.
            let address_expr = match channel.fixed.iter().find(|(m, _)| m == id) {
                Some((_, fixed)) => quote!(::std::borrow::ToOwned::to_owned(#fixed)),
                None => address_expr.clone(),
            };
            let method = ident(&event.name);
            let event_ty = type_of(catalog, *id);
            let doc = docs::lines_attrs(&format!(
                "Publishes {}.\n\nThe event is validated first (an invalid one is never sent), \
                 then sent in an envelope with a new id, the time, and the correlation this \
                 publisher passes on.",
                message_label(catalog, *id).trim_end_matches('.')
            ));
            let many = (args.len() >= 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
            quote! {
                #doc
                #many
                pub async fn #method(
                    &self,
                    #(#args,)*
                    event: #event_ty,
                ) -> ::core::result::Result<::tidings::Envelope<#event_ty>, ::tidings::PublishError> {
                    let address = #address_expr;
                    self.publisher.publish(&address, event).await
                }
            }
        });
        let doc = operation_doc(catalog, op, "The typed publisher");
        items.extend(quote! {
            #doc
            #[derive(Clone, Debug)]
            pub struct #struct_name {
                publisher: ::tidings::Publisher,
            }

            impl #struct_name {
                /// Publishes through `publisher` (in a handler: `ctx.publisher().clone()`, so
                /// that the events name the handled one as their cause).
                pub fn new(publisher: ::tidings::Publisher) -> Self {
                    Self { publisher }
                }

                #(#fns)*
            }
        });
    }
    if items.is_empty() {
        return items;
    }
    let enum_items = interfaces
        .param_enums
        .iter()
        .map(|e| param_enum(catalog, e));
    quote! {
        /// Typed publishers, one per send operation of the spec, and the values of channel
        /// parameters that the spec restricts.
        pub mod publishers {
            #items
            #(#enum_items)*
        }
    }
}

fn param_enum(catalog: &Catalog, e: &ParamEnum) -> TokenStream {
    let name = ident(&e.name);
    let address = catalog.channels[e.channel.0]
        .address
        .as_deref()
        .unwrap_or_default();
    let param = catalog.channels[e.channel.0]
        .parameters
        .iter()
        .find(|p| p.name == e.param);
    let variants: Vec<(proc_macro2::Ident, &String)> = e
        .variants
        .iter()
        .map(|(rust, wire)| (ident(rust), wire))
        .collect();
    let decl = variants.iter().map(|(v, wire)| {
        let doc = docs::lines_attrs(&format!("`{}`", wire.replace('`', "'")));
        quote!(#doc #v,)
    });
    let arms = variants.iter().map(|(v, wire)| quote!(Self::#v => #wire,));
    let mut text = format!(
        "Values of the parameter `{}` of `{}`.",
        e.param.replace('`', "'"),
        address.replace('`', "'")
    );
    if let Some(description) = param.and_then(|p| p.description.as_ref()) {
        text = format!("{}\n\n{text}", description.trim());
    }
    let doc = docs::lines_attrs(&text);
    quote! {
        #doc
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#decl)*
        }

        impl #name {
            /// The value as it appears in the address.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}
