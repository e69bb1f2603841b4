//! `Validate::describe`: the checks written into the type's JSON Schema, through a
//! `::tidings::spec::Cursor` that walks the schema as `schemars` lays it out.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::ast::{Data, Field, Fields, Input, Step};
use super::attr::{format_name, Checks, Num, SchemaSource};
use super::shape::Shape;

/// The body of `fn describe(cursor: &mut ::tidings::spec::Cursor<'_>)`.
pub(crate) fn body(input: &Input) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(whole) = keywords(&Checks {
        schema: input.checks.schema.clone(),
        ..Checks::default()
    }) {
        out.extend(quote!(cursor.keywords(#whole);));
    }
    match &input.data {
        Data::Struct(fields) => out.extend(fields_of(fields)),
        Data::Enum(variants) => {
            for (index, variant) in variants.iter().enumerate() {
                let fields = fields_of(&variant.fields);
                if fields.is_empty() {
                    continue;
                }
                let key = match &variant.key {
                    Some(key) => quote!(::core::option::Option::Some(#key)),
                    None => quote!(::core::option::Option::None),
                };
                out.extend(quote! {{
                    let cursor = &mut cursor.variant(#index, #key);
                    #fields
                }});
            }
        }
        Data::Union => {}
    }
    out
}

fn fields_of(fields: &Fields) -> TokenStream {
    fields.fields.iter().map(field).collect()
}

/// One field: its place, its checks through its wrappers, and its type's own constraints.
fn field(field: &Field) -> TokenStream {
    let place = match &field.step {
        Step::Key(key) => quote!(&mut cursor.property(#key)),
        Step::Index(index) => quote!(&mut cursor.index(#index)),
        Step::InPlace => quote!(&mut *cursor),
    };
    let checks = along(&field.checks, &field.shape);
    let ty = field.ty;
    let own = (!field.checks.skip).then(|| quote!(cursor.describe::<#ty>();));
    if checks.is_empty() && own.is_none() {
        return TokenStream::new();
    }
    quote! {{
        let cursor: &mut ::tidings::spec::Cursor<'_> = #place;
        #own
        #checks
    }}
}

/// The checks of a value of shape `shape` at `cursor`, through `Option` and smart pointers.
fn along(checks: &Checks, shape: &Shape) -> TokenStream {
    match shape {
        Shape::Optional(inner) => {
            let body = along(checks, inner);
            if body.is_empty() {
                body
            } else {
                quote!({ let cursor = &mut cursor.some(); #body })
            }
        }
        Shape::Deref(inner) => along(checks, inner),
        _ => at_value(checks, shape),
    }
}

/// The checks of the value at `cursor`, and of its items or values.
fn at_value(checks: &Checks, shape: &Shape) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(text) = keywords(checks) {
        out.extend(quote!(cursor.keywords(#text);));
    }
    if let Some(length) = &checks.length {
        let bound = |n: Option<u64>| match n {
            Some(n) => {
                let n = Literal::u64_unsuffixed(n);
                quote!(::core::option::Option::Some(#n))
            }
            None => quote!(::core::option::Option::None),
        };
        let (min, max) = (bound(length.min), bound(length.max));
        out.extend(quote!(cursor.length(#min, #max);));
    }
    if let Some(items) = &checks.items {
        let body = match (shape, inner(shape)) {
            (Shape::Tuple(shapes), _) => (0..shapes.len())
                .map(|i| {
                    let body = along(items, &shapes[i]);
                    quote!({ let cursor = &mut cursor.index(#i); #body })
                })
                .collect(),
            (_, Some(item)) => along(items, item),
            _ => along(items, &Shape::Opaque),
        };
        if !body.is_empty() && !matches!(shape, Shape::Tuple(_)) {
            out.extend(quote!({ let cursor = &mut cursor.items(); #body }));
        } else {
            out.extend(body);
        }
    }
    if let Some(values) = &checks.values {
        let body = along(values, inner(shape).unwrap_or(&Shape::Opaque));
        if !body.is_empty() {
            out.extend(quote!({ let cursor = &mut cursor.values(); #body }));
        }
    }
    out
}

/// The shape of each item or value of a sequence or map.
fn inner(shape: &Shape) -> Option<&Shape> {
    match shape {
        Shape::Sequence(item) | Shape::Map(item) => Some(item.as_ref()),
        _ => None,
    }
}

/// The JSON Schema keywords of `checks` (not `length`, `items`, `values`), as the text of
/// a JSON object; `None` when there are none.
fn keywords(checks: &Checks) -> Option<String> {
    let mut map = serde_json::Map::new();
    let number = |n: &Num| match n {
        Num::Int(i) => serde_json::Number::from_i128(*i).map(serde_json::Value::Number),
        Num::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number),
    };
    for (limit, keyword) in [
        (&checks.minimum, "minimum"),
        (&checks.maximum, "maximum"),
        (&checks.exclusive_minimum, "exclusiveMinimum"),
        (&checks.exclusive_maximum, "exclusiveMaximum"),
    ] {
        if let Some(value) = limit.as_ref().and_then(number) {
            map.insert(keyword.into(), value);
        }
    }
    if let Some(value) = (checks.multiple_of_text.as_deref())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    {
        map.insert("multipleOf".into(), value);
    }
    if let Some(pattern) = &checks.pattern {
        map.insert("pattern".into(), pattern.clone().into());
    }
    if let Some(name) = checks.format.and_then(format_name) {
        map.insert("format".into(), name.into());
    }
    if checks.unique_items {
        map.insert("uniqueItems".into(), true.into());
    }
    let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    if let Some(values) = checks.enumeration.as_deref().and_then(json) {
        map.insert("enum".into(), values);
    }
    if let Some(value) = checks.constant.as_deref().and_then(json) {
        map.insert("const".into(), value);
    }
    // A schema of its own applies as a whole, beside what the structure says. (An entry of
    // a generated module's schema document is that module's business: generated types are
    // described by their spec, not exported from code.)
    if let Some(SchemaSource::Text(text)) = &checks.schema {
        if let Some(schema) = json(text) {
            map.insert("allOf".into(), serde_json::Value::Array(vec![schema]));
        }
    }
    (!map.is_empty()).then(|| serde_json::Value::Object(map).to_string())
}
