//! Derive macros for [herald](https://docs.rs/herald). Use them through the `herald` crate,
//! which re-exports them (`#[derive(herald::Event)]`); their expansions name `::herald`.
//!
//! Each derive is a small compiler, in stages with one file each:
//! `ast` reads the input type, `attr` parses its `#[event(...)]` attributes into typed
//! settings, `ctxt` collects every error on the way so the user sees all mistakes at once,
//! and `expand` writes the impl from the checked settings.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod ctxt;
mod expand;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Implements `herald::Event` from `#[event(...)]` attributes on a struct or enum.
///
/// ```ignore
/// #[derive(serde::Serialize, serde::Deserialize, herald::Event)]
/// #[event(type = "com.acme.order.created", version = "1.0.0", channel = "orders/{orderId}")]
/// struct OrderCreated { order_id: String }
/// ```
///
/// Keys, each a string literal and each at most once (over one or several `#[event]`):
/// `type` (required, not empty), `version`, `content_type` (default `"application/json"`),
/// `channel`, `source`, `subject`.
///
/// Generic types are accepted: the impl holds wherever the type is
/// `Serialize + DeserializeOwned`, which `Event` requires.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_event(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
