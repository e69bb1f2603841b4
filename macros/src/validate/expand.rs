//! Validate expansion: writes the `impl ::tidings::Validate` from the checked input.
//!
//! Each check is a call into `::tidings::checks`; patterns and JSON texts become statics.

use std::collections::HashMap;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use super::ast::{Data, Field, Fields, Input, Step, Style, Variant};
use super::attr::{Checks, Num, SchemaSource};
use super::shape::Shape;

/// The `impl ::tidings::Validate` for a checked input.
pub(crate) fn impl_validate(input: &Input) -> TokenStream {
    let mut statics = Statics::default();
    let body = match &input.data {
        Data::Struct(fields) => {
            let (bindings, checks) = expand_fields(fields, &mut statics);
            quote! {
                let Self #bindings = self;
                #checks
            }
        }
        Data::Enum(variants) if variants.is_empty() => quote!(match *self {}),
        Data::Enum(variants) => {
            let arms = variants
                .iter()
                .map(|variant| expand_variant(variant, &mut statics));
            quote!(match self { #(#arms)* })
        }
        Data::Union => TokenStream::new(),
    };
    // A type's own schema: decoding checks the payload's JSON against it (through
    // `json_schema`); a value built in code is checked in its JSON form.
    let whole = input.checks.schema.as_ref().map(|source| {
        let init = schema_init(source);
        quote! {
            fn json_schema() -> ::core::option::Option<&'static ::tidings::checks::Schema> {
                static SCHEMA: ::std::sync::LazyLock<::tidings::checks::Schema> =
                    ::std::sync::LazyLock::new(|| #init);
                ::core::option::Option::Some(&SCHEMA)
            }

            fn validate_at(&self, at: &mut ::tidings::Pointer, errors: &mut ::tidings::ValidationErrors) {
                self.validate_decoded_at(at, errors);
                if let ::core::option::Option::Some(schema) = <Self as ::tidings::Validate>::json_schema() {
                    ::tidings::checks::schema(self, schema, at, errors);
                }
            }
        }
    });
    let describe = super::describe::body(input);
    let describe = (!describe.is_empty()).then(|| {
        quote! {
            fn describe(cursor: &mut ::tidings::spec::Cursor<'_>) {
                #describe
            }
        }
    });
    let name = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let statics = statics.tokens;
    // With a schema of its own, the type's own checks are what is left after that schema.
    let checks_fn = if whole.is_some() {
        format_ident!("validate_decoded_at")
    } else {
        format_ident!("validate_at")
    };
    quote! {
        #[automatically_derived]
        // A deprecated type or field is still the type's own business.
        #[allow(deprecated)]
        impl #impl_generics ::tidings::Validate for #name #ty_generics #where_clause {
            #[allow(unused_variables, clippy::let_unit_value)]
            fn #checks_fn(&self, at: &mut ::tidings::Pointer, errors: &mut ::tidings::ValidationErrors) {
                #(#statics)*
                #body
            }
            #whole
            #describe
        }
    }
}

/// The match arm of one variant.
fn expand_variant(variant: &Variant, statics: &mut Statics) -> TokenStream {
    let name = variant.ident;
    let (bindings, checks) = expand_fields(&variant.fields, statics);
    let push = match &variant.key {
        Some(key) => quote!(let mark = at.push_key(#key);),
        None => quote!(let mark = at.as_str().len();),
    };
    quote! {
        Self::#name #bindings => {
            #push
            #checks
            at.truncate(mark);
        }
    }
}

/// The pattern that binds the fields, and the checks of all of them.
fn expand_fields(fields: &Fields, statics: &mut Statics) -> (TokenStream, TokenStream) {
    let mut bindings = Vec::new();
    let mut checks = TokenStream::new();
    for (index, field) in fields.fields.iter().enumerate() {
        let binding = format_ident!("field_{}", index);
        bindings.push(match field.ident {
            Some(ident) => quote!(#ident: #binding),
            None => quote!(#binding),
        });
        checks.extend(expand_field(field, &binding, statics));
    }
    let bindings = match fields.style {
        Style::Named => quote!({ #(#bindings),* }),
        Style::Unnamed => quote!(( #(#bindings),* )),
        Style::Unit => TokenStream::new(),
    };
    (bindings, checks)
}

/// The checks of one field, bound to `binding`, and its descent into its own `Validate`.
fn expand_field(field: &Field, binding: &Ident, statics: &mut Statics) -> TokenStream {
    let local = expand(&field.checks, &field.shape, statics);
    if field.checks.skip && local.is_empty() {
        return TokenStream::new();
    }
    let recurse =
        (!field.checks.skip).then(|| quote!(::tidings::Validate::validate_at(value, at, errors);));
    let (push, pop) = match &field.step {
        Step::Key(key) => (
            quote!(let mark = at.push_key(#key);),
            quote!(at.truncate(mark);),
        ),
        Step::Index(index) => (
            quote!(let mark = at.push_index(#index);),
            quote!(at.truncate(mark);),
        ),
        Step::InPlace => (TokenStream::new(), TokenStream::new()),
    };
    // Checks run on a detached pointer: the path is only built when something fails.
    quote! {
        {
            let value = #binding;
            let mut local = ::tidings::ValidationErrors::new();
            {
                let errors = &mut local;
                let mut here = ::tidings::Pointer::root();
                let at = &mut here;
                #local
                #recurse
            }
            if !local.is_empty() {
                #push
                local.rebase(at);
                errors.append(&mut local);
                #pop
            }
        }
    }
}

/// The checks on `value`, a reference to a value of shape `shape`, at `at`: through the
/// wrappers the shape shows, to the value inside (when there is one).
fn expand(checks: &Checks, shape: &Shape, statics: &mut Statics) -> TokenStream {
    let (wrapper, inner) = match shape {
        Shape::Optional(inner) => (
            quote!(if let ::core::option::Option::Some(value) = value),
            inner,
        ),
        Shape::Deref(inner) => (quote!(let value = &**value;), inner),
        _ => return expand_checks(checks, shape, statics),
    };
    let body = expand(checks, inner, statics);
    if body.is_empty() {
        body
    } else if matches!(shape, Shape::Optional(_)) {
        quote!(#wrapper { #body })
    } else {
        quote!({ #wrapper #body })
    }
}

/// The checks on `value` itself (a reference) at `at`, and on its items or values.
fn expand_checks(checks: &Checks, shape: &Shape, statics: &mut Statics) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(length) = &checks.length {
        if let Some(min) = length.min {
            let min = Literal::u64_unsuffixed(min);
            out.extend(quote!(::tidings::checks::min_length(value, #min, at, errors);));
        }
        if let Some(max) = length.max {
            let max = Literal::u64_unsuffixed(max);
            out.extend(quote!(::tidings::checks::max_length(value, #max, at, errors);));
        }
    }
    if let Some(source) = &checks.pattern {
        let regex = statics.pattern(source);
        out.extend(quote! {
            ::tidings::checks::pattern(value, &#regex, #source, at, errors);
        });
    }
    for (limit, check) in [
        (&checks.minimum, "minimum"),
        (&checks.maximum, "maximum"),
        (&checks.exclusive_minimum, "exclusive_minimum"),
        (&checks.exclusive_maximum, "exclusive_maximum"),
    ] {
        if let Some(limit) = limit {
            let check = Ident::new(check, Span::call_site());
            let limit = match limit {
                Num::Int(int) => quote!(::tidings::checks::Num::Int(#int)),
                Num::Float(float) => quote!(::tidings::checks::Num::Float(#float)),
            };
            out.extend(quote!(::tidings::checks::#check(value, #limit, at, errors);));
        }
    }
    if let Some(divisor) = &checks.multiple_of {
        out.extend(quote! {
            ::tidings::checks::multiple_of(value, #divisor, at, errors);
        });
    }
    if checks.unique_items {
        out.extend(quote!(::tidings::checks::unique_items(value, at, errors);));
    }
    if let Some(format) = checks.format {
        let variant = Ident::new(format, Span::call_site());
        out.extend(quote! {
            ::tidings::checks::format(value, ::tidings::checks::Format::#variant, at, errors);
        });
    }
    if let Some(text) = &checks.enumeration {
        let allowed = statics.json(text, true);
        out.extend(quote!(::tidings::checks::enumeration(value, &#allowed, at, errors);));
    }
    if let Some(text) = &checks.constant {
        let expected = statics.json(text, false);
        out.extend(quote!(::tidings::checks::constant(value, &#expected, at, errors);));
    }
    if let Some(source) = &checks.schema {
        let schema = statics.schema(source);
        out.extend(quote!(::tidings::checks::schema(value, &#schema, at, errors);));
    }
    if let Some(items) = &checks.items {
        out.extend(expand_items(items, shape, statics));
    }
    if let Some(values) = &checks.values {
        let inner = match shape {
            Shape::Map(value) => expand(values, value, statics),
            _ => expand(values, &Shape::Opaque, statics),
        };
        if !inner.is_empty() {
            out.extend(quote! {
                for (key, value) in ::tidings::checks::Entries::entries(value) {
                    ::tidings::checks::at_key(key, at, errors, |at, errors| { #inner });
                }
            });
        }
    }
    out
}

/// `items(...)`: the checks on each item, at its index. A tuple's items each have a shape
/// (and a type) of their own, so each gets its own checks.
fn expand_items(items: &Checks, shape: &Shape, statics: &mut Statics) -> TokenStream {
    if let Shape::Tuple(shapes) = shape {
        let mut out = TokenStream::new();
        for (index, shape) in shapes.iter().enumerate() {
            let inner = expand(items, shape, statics);
            if inner.is_empty() {
                continue;
            }
            let field = syn::Index::from(index);
            out.extend(quote! {
                {
                    let value = &value.#field;
                    let mark = at.push_index(#index);
                    #inner
                    at.truncate(mark);
                }
            });
        }
        return out;
    }
    let inner = match shape {
        Shape::Sequence(item) => expand(items, item, statics),
        _ => expand(items, &Shape::Opaque, statics),
    };
    if inner.is_empty() {
        return inner;
    }
    quote! {
        for (index, value) in ::core::iter::Iterator::enumerate(::tidings::checks::Sequence::elements(value)) {
            let mark = at.push_index(index);
            #inner
            at.truncate(mark);
        }
    }
}

/// Statics the expansion needs (compiled patterns, parsed JSON), each built once and shared
/// by the checks that need the same one (the items of a tuple each get the same checks).
#[derive(Default)]
struct Statics {
    tokens: Vec<TokenStream>,
    made: HashMap<(&'static str, String), Ident>,
}

impl Statics {
    /// The static of `kind` for `text`, made by `make` with its name the first time.
    fn get(
        &mut self,
        kind: &'static str,
        text: &str,
        make: impl FnOnce(&Ident) -> TokenStream,
    ) -> Ident {
        let key = (kind, text.to_owned());
        if let Some(name) = self.made.get(&key) {
            return name.clone();
        }
        let name = format_ident!("{}_{}", kind, self.tokens.len());
        self.tokens.push(make(&name));
        self.made.insert(key, name.clone());
        name
    }

    fn pattern(&mut self, source: &str) -> Ident {
        self.get("PATTERN", source, |name| {
            quote! {
                static #name: ::std::sync::LazyLock<::tidings::checks::Pattern> =
                    ::std::sync::LazyLock::new(|| ::tidings::checks::compile_pattern(#source));
            }
        })
    }

    fn json(&mut self, text: &str, list: bool) -> Ident {
        let kind = if list { "ALLOWED" } else { "EXPECTED" };
        let (ty, init) = if list {
            (
                quote!(::std::vec::Vec<::tidings::serde_json::Value>),
                quote!(match ::tidings::checks::parse_json(#text) {
                    ::tidings::serde_json::Value::Array(values) => values,
                    other => ::std::vec![other],
                }),
            )
        } else {
            (
                quote!(::tidings::serde_json::Value),
                quote!(::tidings::checks::parse_json(#text)),
            )
        };
        self.get(kind, text, |name| {
            quote! {
                static #name: ::std::sync::LazyLock<#ty> = ::std::sync::LazyLock::new(|| #init);
            }
        })
    }

    fn schema(&mut self, source: &SchemaSource) -> Ident {
        let key = match source {
            SchemaSource::Text(text) => text.clone(),
            SchemaSource::In { document, pointer } => {
                format!("{} {pointer}", quote!(#document))
            }
        };
        let init = schema_init(source);
        self.get("SCHEMA", &key, |name| {
            quote! {
                static #name: ::std::sync::LazyLock<::tidings::checks::Schema> =
                    ::std::sync::LazyLock::new(|| #init);
            }
        })
    }
}

/// The expression that makes the compiled schema of `source`.
fn schema_init(source: &SchemaSource) -> TokenStream {
    match source {
        SchemaSource::Text(text) => quote!(::tidings::checks::Schema::from_json_str(#text)),
        SchemaSource::In { document, pointer } => quote!(#document.schema(#pointer)),
    }
}
