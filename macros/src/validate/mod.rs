//! `#[derive(Validate)]`: constraint attributes → calls into `::tidings::checks`.
//!
//! Stages as for `Event`: read every `#[validate(...)]` into [`Checks`] (all errors collected
//! in a [`Ctxt`]), then expand. Patterns, JSON texts and format names are checked here, at
//! compile time, so the statics the expansion builds cannot fail at run time.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, Lit, LitStr, UnOp};

mod shape;

use self::shape::Shape;
use crate::ctxt::Ctxt;

const FORMATS: &[(&str, &str)] = &[
    ("date-time", "DateTime"),
    ("date", "Date"),
    ("time", "Time"),
    ("uuid", "Uuid"),
    ("email", "Email"),
    ("hostname", "Hostname"),
    ("ipv4", "Ipv4"),
    ("ipv6", "Ipv6"),
    ("uri", "Uri"),
];

/// A numeric limit, exact for integers.
#[derive(Clone)]
enum Num {
    Int(i128),
    Float(f64),
}

/// The checks of one value (a field, or the items/values inside it).
#[derive(Default, Clone)]
struct Checks {
    min: Option<u64>,
    max: Option<u64>,
    pattern: Option<String>,
    minimum: Option<Num>,
    maximum: Option<Num>,
    exclusive_minimum: Option<Num>,
    exclusive_maximum: Option<Num>,
    multiple_of: Option<(i128, u32)>,
    unique_items: bool,
    format: Option<&'static str>,
    enumeration: Option<String>,
    constant: Option<String>,
    schema: Option<String>,
    items: Option<Box<Checks>>,
    values: Option<Box<Checks>>,
    skip: bool,
}

/// Entry point of the derive.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let container = read_attrs(&mut cx, &input.attrs, 0, true);
    let serde = SerdeContainer::read(&input.attrs);
    let mut statics = Statics::default();
    let body = match &input.data {
        Data::Struct(data) => {
            let (bindings, checks) = fields(&mut cx, &data.fields, &serde, &mut statics, true);
            quote! {
                let Self #bindings = self;
                #checks
            }
        }
        Data::Enum(data) => {
            let arms: Vec<TokenStream> = data
                .variants
                .iter()
                .map(|v| {
                    let name = &v.ident;
                    let (bindings, checks) =
                        fields(&mut cx, &v.fields, &serde, &mut statics, false);
                    // Externally tagged variants sit under their name; tagged and untagged ones in place.
                    let wire = serde_rename(&v.attrs)
                        .unwrap_or_else(|| serde.rename_variants(&unraw(name)));
                    let push = if serde.in_place || matches!(v.fields, Fields::Unit) {
                        quote!(let mark = at.as_str().len();)
                    } else {
                        quote!(let mark = at.push_key(#wire);)
                    };
                    quote! {
                        Self::#name #bindings => {
                            #push
                            #checks
                            at.truncate(mark);
                        }
                    }
                })
                .collect();
            if arms.is_empty() {
                quote!(match *self {})
            } else {
                quote!(match self { #(#arms)* })
            }
        }
        Data::Union(u) => {
            cx.error_spanned_by(
                u.union_token,
                "`#[derive(Validate)]` supports structs and enums, not unions",
            );
            TokenStream::new()
        }
    };
    // A type's own schema: decoding checks the payload's JSON against it (through
    // `json_schema`); a value built in code is checked in its JSON form.
    let whole = container.schema.as_ref().map(|text| {
        quote! {
            fn json_schema() -> ::core::option::Option<&'static ::tidings::checks::Schema> {
                static SCHEMA: ::std::sync::LazyLock<::tidings::checks::Schema> =
                    ::std::sync::LazyLock::new(|| ::tidings::checks::Schema::from_json_str(#text));
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
    if container != Checks::default_with(container.schema.clone()) {
        let attr = input.attrs.iter().find(|a| a.path().is_ident("validate"));
        cx.error_spanned_by(
            attr,
            "on a type, `#[validate]` accepts only `schema = \"...\"`",
        );
    }
    cx.check()?;
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let statics = statics.tokens;
    // With a schema of its own, the type's own checks are what is left after that schema.
    let checks_fn = if whole.is_some() {
        format_ident!("validate_decoded_at")
    } else {
        format_ident!("validate_at")
    };
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::tidings::Validate for #name #ty_generics #where_clause {
            #[allow(unused_variables, clippy::let_unit_value)]
            fn #checks_fn(&self, at: &mut ::tidings::Pointer, errors: &mut ::tidings::ValidationErrors) {
                #(#statics)*
                #body
            }
            #whole
        }
    })
}

impl Checks {
    fn default_with(schema: Option<String>) -> Checks {
        Checks {
            schema,
            ..Checks::default()
        }
    }
}

impl PartialEq for Checks {
    fn eq(&self, other: &Self) -> bool {
        self.min == other.min
            && self.max == other.max
            && self.pattern == other.pattern
            && self.minimum.is_none() == other.minimum.is_none()
            && self.maximum.is_none() == other.maximum.is_none()
            && self.exclusive_minimum.is_none() == other.exclusive_minimum.is_none()
            && self.exclusive_maximum.is_none() == other.exclusive_maximum.is_none()
            && self.multiple_of == other.multiple_of
            && self.unique_items == other.unique_items
            && self.format == other.format
            && self.enumeration == other.enumeration
            && self.constant == other.constant
            && self.schema == other.schema
            && self.items.is_none() == other.items.is_none()
            && self.values.is_none() == other.values.is_none()
            && self.skip == other.skip
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

    fn schema(&mut self, text: &str) -> Ident {
        self.get("SCHEMA", text, |name| {
            quote! {
                static #name: ::std::sync::LazyLock<::tidings::checks::Schema> =
                    ::std::sync::LazyLock::new(|| ::tidings::checks::Schema::from_json_str(#text));
            }
        })
    }
}

/// What serde says about where fields sit in the JSON.
struct SerdeContainer {
    rename_all: Option<String>,
    /// Internally tagged or untagged: variant fields sit at the container's pointer.
    in_place: bool,
    transparent: bool,
}

impl SerdeContainer {
    fn read(attrs: &[Attribute]) -> SerdeContainer {
        let mut out = SerdeContainer {
            rename_all: None,
            in_place: false,
            transparent: false,
        };
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename_all") {
                    if let Ok(v) = meta.value().and_then(|v| v.parse::<LitStr>()) {
                        out.rename_all = Some(v.value());
                    }
                } else if meta.path.is_ident("tag") || meta.path.is_ident("untagged") {
                    out.in_place = true;
                    if let Ok(v) = meta.value() {
                        let _ = v.parse::<LitStr>();
                    }
                } else if meta.path.is_ident("transparent") {
                    out.transparent = true;
                } else if let Ok(v) = meta.value() {
                    let _ = v.parse::<Expr>();
                }
                Ok(())
            });
        }
        out
    }

    fn rename_field(&self, name: &str) -> String {
        apply_case(self.rename_all.as_deref(), name, false)
    }

    fn rename_variants(&self, name: &str) -> String {
        apply_case(self.rename_all.as_deref(), name, true)
    }
}

fn apply_case(rule: Option<&str>, name: &str, variant: bool) -> String {
    use heck::{
        ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase,
        ToUpperCamelCase,
    };
    match rule {
        Some("lowercase") => name.to_lowercase(),
        Some("UPPERCASE") => name.to_uppercase(),
        Some("camelCase") => name.to_lower_camel_case(),
        Some("PascalCase") => name.to_upper_camel_case(),
        Some("snake_case") if variant => name.to_snake_case(),
        Some("snake_case") => name.to_string(),
        Some("SCREAMING_SNAKE_CASE") => name.to_shouty_snake_case(),
        Some("kebab-case") => name.to_kebab_case(),
        Some("SCREAMING-KEBAB-CASE") => name.to_shouty_kebab_case(),
        _ => name.to_string(),
    }
}

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// `#[serde(rename = "...")]` on a field or variant.
fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    let mut out = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Ok(v) = meta.value().and_then(|v| v.parse::<LitStr>()) {
                    out = Some(v.value());
                }
            } else if let Ok(v) = meta.value() {
                let _ = v.parse::<Expr>();
            } else if meta.input.peek(syn::token::Paren) {
                let _ = meta.parse_nested_meta(|inner| {
                    if let Ok(v) = inner.value() {
                        let _ = v.parse::<Expr>();
                    }
                    Ok(())
                });
            }
            Ok(())
        });
    }
    out
}

fn serde_flag(attrs: &[Attribute], flag: &str) -> bool {
    let mut found = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(flag) {
                found = true;
            }
            if let Ok(v) = meta.value() {
                let _ = v.parse::<Expr>();
            }
            Ok(())
        });
    }
    found
}

/// Pattern bindings for the fields, and the checks of all of them.
fn fields(
    cx: &mut Ctxt,
    fields: &Fields,
    serde: &SerdeContainer,
    statics: &mut Statics,
    is_struct: bool,
) -> (TokenStream, TokenStream) {
    let in_place_single = matches!(fields, Fields::Unnamed(f) if f.unnamed.len() == 1);
    let mut bindings = Vec::new();
    let mut checks = TokenStream::new();
    for (i, field) in fields.iter().enumerate() {
        let binding = format_ident!("field_{}", i);
        let c = read_attrs(cx, &field.attrs, 0, false);
        let token = match &field.ident {
            Some(ident) => {
                let name = ident;
                bindings.push(quote!(#name: #binding));
                Some(
                    serde_rename(&field.attrs).unwrap_or_else(|| serde.rename_field(&unraw(ident))),
                )
            }
            None => {
                bindings.push(quote!(#binding));
                (!(in_place_single || (is_struct && serde.transparent))).then(|| i.to_string())
            }
        };
        let flatten = serde_flag(&field.attrs, "flatten");
        let (push, pop) = match token.filter(|_| !flatten) {
            Some(token) if field.ident.is_some() => (
                quote!(let mark = at.push_key(#token);),
                quote!(at.truncate(mark);),
            ),
            Some(_) => (
                quote!(let mark = at.push_index(#i);),
                quote!(at.truncate(mark);),
            ),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let value = quote!(#binding);
        let local = expand(&c, &Shape::of(&field.ty), statics);
        if c.skip && local.is_empty() {
            continue;
        }
        let recurse =
            (!c.skip).then(|| quote!(::tidings::Validate::validate_at(value, at, errors);));
        // Checks run on a detached pointer: the path is only built when something fails.
        checks.extend(quote! {
            {
                let value = #value;
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
        });
    }
    let bindings = match fields {
        Fields::Named(_) => quote!({ #(#bindings),* }),
        Fields::Unnamed(_) => quote!(( #(#bindings),* )),
        Fields::Unit => TokenStream::new(),
    };
    (bindings, checks)
}

/// The checks on `value`, a reference to a value of shape `shape`, at `at`: through the
/// wrappers the shape shows, to the value inside (when there is one).
fn expand(c: &Checks, shape: &Shape, statics: &mut Statics) -> TokenStream {
    let (wrapper, inner) = match shape {
        Shape::Optional(inner) => (
            quote!(if let ::core::option::Option::Some(value) = value),
            inner,
        ),
        Shape::Deref(inner) => (quote!(let value = &**value;), inner),
        _ => return expand_checks(c, shape, statics),
    };
    let body = expand(c, inner, statics);
    if body.is_empty() {
        body
    } else if matches!(shape, Shape::Optional(_)) {
        quote!(#wrapper { #body })
    } else {
        quote!({ #wrapper #body })
    }
}

/// The checks on `value` itself (a reference) at `at`, and on its items or values.
fn expand_checks(c: &Checks, shape: &Shape, statics: &mut Statics) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(min) = c.min {
        let min = proc_macro2::Literal::u64_unsuffixed(min);
        out.extend(quote!(::tidings::checks::min_length(value, #min, at, errors);));
    }
    if let Some(max) = c.max {
        let max = proc_macro2::Literal::u64_unsuffixed(max);
        out.extend(quote!(::tidings::checks::max_length(value, #max, at, errors);));
    }
    if let Some(source) = &c.pattern {
        let regex = statics.pattern(source);
        out.extend(quote! {
            ::tidings::checks::pattern(value, &#regex, #source, at, errors);
        });
    }
    for (limit, check) in [
        (&c.minimum, "minimum"),
        (&c.maximum, "maximum"),
        (&c.exclusive_minimum, "exclusive_minimum"),
        (&c.exclusive_maximum, "exclusive_maximum"),
    ] {
        if let Some(limit) = limit {
            let check = Ident::new(check, Span::call_site());
            let limit = match limit {
                Num::Int(i) => quote!(::tidings::checks::Num::Int(#i)),
                Num::Float(f) => quote!(::tidings::checks::Num::Float(#f)),
            };
            out.extend(quote!(::tidings::checks::#check(value, #limit, at, errors);));
        }
    }
    if let Some((mantissa, scale)) = c.multiple_of {
        out.extend(quote! {
            ::tidings::checks::multiple_of(value, ::tidings::checks::Decimal::new(#mantissa, #scale), at, errors);
        });
    }
    if c.unique_items {
        out.extend(quote!(::tidings::checks::unique_items(value, at, errors);));
    }
    if let Some(format) = c.format {
        let variant = Ident::new(format, Span::call_site());
        out.extend(quote! {
            ::tidings::checks::format(value, ::tidings::checks::Format::#variant, at, errors);
        });
    }
    if let Some(text) = &c.enumeration {
        let allowed = statics.json(text, true);
        out.extend(quote!(::tidings::checks::enumeration(value, &#allowed, at, errors);));
    }
    if let Some(text) = &c.constant {
        let expected = statics.json(text, false);
        out.extend(quote!(::tidings::checks::constant(value, &#expected, at, errors);));
    }
    if let Some(text) = &c.schema {
        let schema = statics.schema(text);
        out.extend(quote!(::tidings::checks::schema(value, &#schema, at, errors);));
    }
    if let Some(items) = &c.items {
        out.extend(expand_items(items, shape, statics));
    }
    if let Some(values) = &c.values {
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

/// Reads every `#[validate(...)]` among `attrs` into one [`Checks`].
fn read_attrs(cx: &mut Ctxt, attrs: &[Attribute], depth: usize, container: bool) -> Checks {
    let mut c = Checks::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("validate")) {
        let result = attr.parse_nested_meta(|meta| {
            read_key(cx, &mut c, meta, depth);
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    let _ = container;
    if let (Some(min), Some(max)) = (c.min, c.max) {
        if min > max {
            let attr = attrs.iter().find(|a| a.path().is_ident("validate"));
            cx.error_spanned_by(
                attr,
                format!("`length(min = {min}, max = {max})`: min is greater than max"),
            );
        }
    }
    c
}

fn read_key(cx: &mut Ctxt, c: &mut Checks, meta: syn::meta::ParseNestedMeta<'_>, depth: usize) {
    let Some(key) = meta.path.get_ident().map(Ident::to_string) else {
        cx.error_spanned_by(&meta.path, "expected a validation key");
        return;
    };
    let path = meta.path.clone();
    match key.as_str() {
        "length" => {
            duplicate(cx, &path, &key, c.min.is_some() || c.max.is_some());
            let result = meta.parse_nested_meta(|inner| {
                let which = inner
                    .path
                    .get_ident()
                    .map(Ident::to_string)
                    .unwrap_or_default();
                let lit: syn::LitInt = inner.value()?.parse()?;
                let n: u64 = lit.base10_parse()?;
                match which.as_str() {
                    "min" => c.min = Some(n),
                    "max" => c.max = Some(n),
                    _ => return Err(inner.error("expected `min` or `max`")),
                }
                Ok(())
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
        }
        "pattern" => {
            duplicate(cx, &path, &key, c.pattern.is_some());
            if let Some(lit) = string_value(cx, &meta) {
                match regress::Regex::new(&lit.value()) {
                    Ok(_) => c.pattern = Some(lit.value()),
                    Err(e) => cx
                        .error_spanned_by(&lit, format!("not an ECMA-262 regular expression: {e}")),
                }
            }
        }
        "minimum" | "maximum" | "exclusive_minimum" | "exclusive_maximum" => {
            let slot = match key.as_str() {
                "minimum" => &mut c.minimum,
                "maximum" => &mut c.maximum,
                "exclusive_minimum" => &mut c.exclusive_minimum,
                _ => &mut c.exclusive_maximum,
            };
            if slot.is_some() {
                cx.error_spanned_by(&meta.path, format!("duplicate `{key}`"));
            }
            match meta.value().and_then(|v| v.parse::<Expr>()) {
                Ok(expr) => match number(&expr) {
                    Some((num, _)) => *slot = Some(num),
                    None => cx.error_spanned_by(&expr, format!("`{key}` takes a number literal")),
                },
                Err(e) => cx.syn_error(e),
            }
        }
        "multiple_of" => {
            duplicate(cx, &path, &key, c.multiple_of.is_some());
            match meta.value().and_then(|v| v.parse::<Expr>()) {
                Ok(expr) => match number(&expr).and_then(|(_, text)| decimal(&text)) {
                    Some((m, s)) if m > 0 => c.multiple_of = Some((m, s)),
                    _ => {
                        cx.error_spanned_by(&expr, "`multiple_of` takes a positive number literal")
                    }
                },
                Err(e) => cx.syn_error(e),
            }
        }
        "unique_items" => {
            duplicate(cx, &path, &key, c.unique_items);
            c.unique_items = true;
        }
        "skip" => c.skip = true,
        "format" => {
            duplicate(cx, &path, &key, c.format.is_some());
            if let Some(lit) = string_value(cx, &meta) {
                match FORMATS.iter().find(|(name, _)| *name == lit.value()) {
                    Some((_, variant)) => c.format = Some(variant),
                    None => {
                        let known: Vec<&str> = FORMATS.iter().map(|(n, _)| *n).collect();
                        cx.error_spanned_by(
                            &lit,
                            format!("unknown format; known: {}", known.join(", ")),
                        )
                    }
                }
            }
        }
        "enumeration" | "constant" | "schema" => {
            let slot_set = match key.as_str() {
                "enumeration" => c.enumeration.is_some(),
                "constant" => c.constant.is_some(),
                _ => c.schema.is_some(),
            };
            duplicate(cx, &path, &key, slot_set);
            if let Some(lit) = string_value(cx, &meta) {
                match serde_json::from_str::<serde_json::Value>(&lit.value()) {
                    Ok(value) => {
                        if key == "enumeration" && !value.is_array() {
                            cx.error_spanned_by(&lit, "`enumeration` takes a JSON array");
                        }
                        let text = Some(lit.value());
                        match key.as_str() {
                            "enumeration" => c.enumeration = text,
                            "constant" => c.constant = text,
                            _ => c.schema = text,
                        }
                    }
                    Err(e) => cx.error_spanned_by(&lit, format!("not JSON: {e}")),
                }
            }
        }
        "items" | "values" => {
            if depth >= 4 {
                cx.error_spanned_by(&meta.path, "`items`/`values` nest at most 4 deep");
                return;
            }
            let mut inner = Checks::default();
            let result = meta.parse_nested_meta(|m| {
                read_key(cx, &mut inner, m, depth + 1);
                Ok(())
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
            if key == "items" {
                duplicate(cx, &path, &key, c.items.is_some());
                c.items = Some(Box::new(inner));
            } else {
                duplicate(cx, &path, &key, c.values.is_some());
                c.values = Some(Box::new(inner));
            }
        }
        _ => {
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown validation key `{key}`; expected one of: length, pattern, minimum, maximum, \
                     exclusive_minimum, exclusive_maximum, multiple_of, unique_items, format, enumeration, \
                     constant, schema, items, values, skip"
                ),
            );
            // Skip its value so parsing goes on to the next key.
            if let Ok(v) = meta.value() {
                let _ = v.parse::<Expr>();
            } else if meta.input.peek(syn::token::Paren) {
                let _ = meta.parse_nested_meta(|m| {
                    if let Ok(v) = m.value() {
                        let _ = v.parse::<Expr>();
                    }
                    Ok(())
                });
            }
        }
    }
}

fn duplicate(cx: &mut Ctxt, path: &syn::Path, key: &str, set: bool) {
    if set {
        cx.error_spanned_by(path, format!("duplicate `{key}`"));
    }
}

fn string_value(cx: &mut Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> Option<LitStr> {
    match meta.value().and_then(|v| v.parse::<Lit>()) {
        Ok(Lit::Str(s)) => Some(s),
        Ok(other) => {
            cx.error_spanned_by(&other, "expected a string literal");
            None
        }
        Err(e) => {
            cx.syn_error(e);
            None
        }
    }
}

/// A number literal (optionally negated), and its text.
fn number(expr: &Expr) -> Option<(Num, String)> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(i) => Some((
                Num::Int(i.base10_parse().ok()?),
                i.base10_digits().to_string(),
            )),
            Lit::Float(f) => Some((
                Num::Float(f.base10_parse().ok()?),
                f.base10_digits().to_string(),
            )),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match number(&u.expr)? {
            (Num::Int(i), text) => Some((Num::Int(-i), format!("-{text}"))),
            (Num::Float(f), text) => Some((Num::Float(-f), format!("-{text}"))),
        },
        Expr::Group(g) => number(&g.expr),
        _ => None,
    }
}

/// Decimal text → `(mantissa, scale)`: `0.01` → `(1, 2)`, `1e-3` → `(1, 3)`, `5` → `(5, 0)`.
fn decimal(text: &str) -> Option<(i128, u32)> {
    let (number, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, number) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let mut mantissa: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(b - b'0'))?;
    }
    let mut scale = fraction.len() as i32 - exponent;
    while scale < 0 {
        mantissa = mantissa.checked_mul(10)?;
        scale += 1;
    }
    // Normalise trailing zeros so 0.50 and 0.5 are the same divisor.
    while scale > 0 && mantissa % 10 == 0 && mantissa != 0 {
        mantissa /= 10;
        scale -= 1;
    }
    Some((if negative { -mantissa } else { mantissa }, scale as u32))
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimals() {
        assert_eq!(decimal("0.01"), Some((1, 2)));
        assert_eq!(decimal("1e-3"), Some((1, 3)));
        assert_eq!(decimal("5"), Some((5, 0)));
        assert_eq!(decimal("2.5e2"), Some((250, 0)));
        assert_eq!(decimal("0.50"), Some((5, 1)));
    }
}
