//! Derive macros for [tidings](https://docs.rs/tidings): `Event` and `Validate`.
//!
//! Use them through the `tidings` crate, which re-exports them (`#[derive(tidings::Event)]`);
//! their expansions name `::tidings`.
//!
//! Each derive is a small compiler: parse the input and its attributes into typed settings,
//! check them, then expand from the settings alone. Errors are collected on the way, so the
//! user sees every mistake at once.
//!
//! - `ctxt`: the error collector both derives share.
//! - `event`: `#[derive(Event)]` — `ast` (the input), `attr` (`#[event(...)]`), `expand`.
//! - `validate`: `#[derive(Validate)]` — `attr` (`#[validate(...)]`), `pointer` (where
//!   `#[serde(...)]` puts each value in the JSON), `shape` (field types' wrappers), `ast`
//!   (the input), `check` (rules across keys), `expand`.

#![forbid(unsafe_code)]

mod ctxt;
mod event;
mod validate;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Implements `tidings::Event` from `#[event(...)]` attributes on a struct or enum.
///
/// ```ignore
/// #[derive(serde::Serialize, serde::Deserialize, tidings::Event)]
/// #[event(type = "com.acme.order.created", version = "1.0.0", channel = "orders/{orderId}")]
/// struct OrderCreated { order_id: String }
/// ```
///
/// Keys, each a string literal and each at most once (over one or several `#[event]`):
/// `type` (required, not empty), `version`, `content_type` (default `"application/json"`),
/// `channel`, `source`, `subject`.
///
/// And `upcast(from = Type, version = "...")`, once for each older schema version the type
/// still reads: data of that `version` is read as `from` (which must be `Deserialize` and
/// `tidings::Validate`) and converted with `impl From<Type> for Self`. It writes
/// `Event::decode_older`, which `tidings::decode_event` calls. The versions must differ from
/// each other and from the type's own `version`.
///
/// ```ignore
/// #[derive(serde::Serialize, serde::Deserialize, tidings::Event, tidings::Validate)]
/// #[event(type = "com.acme.user.registered", version = "2.0.0")]
/// #[event(upcast(from = RegisteredV1, version = "1.0.0"))]
/// struct Registered { name: String, vip: bool }
///
/// impl From<RegisteredV1> for Registered { /* ... */ }
/// ```
///
/// Generic types are accepted: the impl holds wherever the type is
/// `Serialize + DeserializeOwned`, which `Event` requires, and its upcasts' `from` types are
/// `DeserializeOwned + Validate` and convert into it.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    event::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `tidings::Validate` from `#[validate(...)]` constraint attributes.
///
/// ```ignore
/// #[derive(serde::Serialize, serde::Deserialize, tidings::Validate)]
/// #[serde(rename_all = "camelCase")]
/// struct Parcel {
///     #[validate(minimum = 1, maximum = 30000)]
///     weight_grams: u32,
///     #[validate(pattern = "^[A-Z]{2}$")]
///     country: String,
///     #[validate(length(min = 1), unique_items, items(length(max = 64)))]
///     labels: Vec<String>,
///     #[validate(multiple_of = 0.01, exclusive_minimum = 0)]
///     price: Option<f64>,
/// }
/// ```
///
/// Field keys: `length(min = N, max = N)` (characters of strings, items of sequences,
/// properties of maps), `pattern = "ECMA-262"`, `minimum`, `maximum`, `exclusive_minimum`,
/// `exclusive_maximum` (number literals), `multiple_of` (exact for decimals), `unique_items`,
/// `format` (`date-time`, `date`, `time`, `uuid`, `email`, `hostname`, `ipv4`, `ipv6`, `uri`),
/// `enumeration = "[JSON]"`, `constant = "JSON"`, `schema = "JSON Schema"` (checks the
/// value's JSON form), or `schema_in(DOCUMENT, "/definitions/Name")` (the same, with an entry
/// of a `static DOCUMENT: tidings::checks::SchemaDocument` in scope: generated modules share
/// one), `items(...)` and `values(...)` (the same keys for each element of a
/// sequence or value of a map), and `skip` (do not descend into the field's own `Validate`).
/// On the type itself, `#[validate(schema = "...")]` or `#[validate(schema_in(...))]` checks
/// the whole value.
///
/// Constraints apply to the value inside the wrappers a field's type has: an `Option<T>` (or
/// `Option<Option<T>>`, a key that may be missing or `null`) is checked when it holds a `T`,
/// and `Box`, `Rc`, `Arc`, `Cow` and references are looked through. `length`, `unique_items`
/// and `items(...)` take sequences, sets and tuples (each item of a tuple checked with its own
/// type; items compared as JSON, so `1` and `1.0` are equal); `length` and `values(...)` take
/// maps with any key that serializes as a JSON key. Every field also descends into its own
/// `Validate`.
///
/// Violations carry the JSON pointer of the value, built from serde's names (`rename`,
/// `rename_all`, `flatten`, `tag`, `untagged`, `transparent`). Patterns, JSON texts and
/// formats are checked at compile time.
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    validate::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
