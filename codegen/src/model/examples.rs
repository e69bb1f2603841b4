//! Do the spec's examples fit its types and schemas? Each misfit is marked and warned about.
//!
//! Real specs ship examples that contradict their own schemas (a string where the schema says
//! array, an enum value it does not list). This check predicts, from the IR alone, whether the
//! generated decoder accepts an example: such examples get a generation warning and a test that
//! the decoder rejects them, instead of a round-trip test that could never pass.

use serde_json::Value;

use super::{Catalog, Field, IntTy, Struct, Ty, TypeKind, VariantContent};
use crate::source::{pointer, Sources};

/// `Err((pointer, reason))` when `value` does not fit `ty`.
pub fn check(catalog: &Catalog, ty: &Ty, value: &Value) -> Result<(), (String, String)> {
    check_at(catalog, ty, value, "", 0)
}

type Mismatch = (String, String);

/// Prefix of reasons for examples that decode but lose data on the way back.
pub const LOSSY: &str = "decodes, but drops ";

fn fail(at: &str, reason: impl Into<String>) -> Result<(), Mismatch> {
    Err((at.to_string(), reason.into()))
}

/// Whether a mismatch only loses data: the value decodes (serde takes it) but does not come back.
fn is_lossy(result: &Result<(), Mismatch>) -> bool {
    matches!(result, Err((_, reason)) if reason.starts_with(LOSSY))
}

/// The outcome of several parts of one value: the first mismatch that refuses it, else the first
/// that loses data (so that a lossy part never hides a refused one after it).
fn all(results: impl Iterator<Item = Result<(), Mismatch>>) -> Result<(), Mismatch> {
    let mut lossy = None;
    for result in results {
        if is_lossy(&result) {
            lossy.get_or_insert(result);
        } else if result.is_err() {
            return result;
        }
    }
    lossy.unwrap_or(Ok(()))
}

fn check_at(
    catalog: &Catalog,
    ty: &Ty,
    value: &Value,
    at: &str,
    depth: usize,
) -> Result<(), Mismatch> {
    if depth > 200 {
        return fail(at, "nested too deeply");
    }
    match (ty, value) {
        (Ty::Any, _) => Ok(()),
        (Ty::Unit, Value::Null) | (Ty::Bool, Value::Bool(_)) | (Ty::Float, Value::Number(_)) => {
            Ok(())
        }
        (Ty::Int(kind), Value::Number(n)) => {
            let fits = match kind {
                IntTy::I64 => n.as_i64().is_some(),
                IntTy::U64 => n.as_u64().is_some(),
                IntTy::I32 => n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
                IntTy::U32 => n.as_u64().is_some_and(|v| u32::try_from(v).is_ok()),
            };
            if fits {
                Ok(())
            } else {
                fail(at, format!("{n} is not a {kind:?} integer"))
            }
        }
        (Ty::String, Value::String(_)) => Ok(()),
        (Ty::DateTime, Value::String(s)) if is_date_time(s) => Ok(()),
        (Ty::Date, Value::String(s)) if is_date(s) => Ok(()),
        (Ty::Uuid, Value::String(s)) if is_uuid(s) => Ok(()),
        (Ty::Option(_), Value::Null) => Ok(()),
        (Ty::Option(inner) | Ty::Box(inner), v) => check_at(catalog, inner, v, at, depth + 1),
        (Ty::Vec(inner), Value::Array(items)) => all(items.iter().enumerate().map(|(i, item)| {
            check_at(
                catalog,
                inner,
                item,
                &pointer::push(at, &i.to_string()),
                depth + 1,
            )
        })),
        (Ty::Map(inner), Value::Object(map)) => all(map
            .iter()
            .map(|(k, v)| check_at(catalog, inner, v, &pointer::push(at, k), depth + 1))),
        (Ty::Tuple(items), Value::Array(values)) if items.len() == values.len() => {
            all(items.iter().zip(values).enumerate().map(|(i, (t, v))| {
                check_at(catalog, t, v, &pointer::push(at, &i.to_string()), depth + 1)
            }))
        }
        (Ty::Named(id), v) => match &catalog.ty(*id).kind {
            TypeKind::Pending => Ok(()),
            TypeKind::Struct(s) => check_struct(catalog, s, None, v, at, depth),
            TypeKind::StringEnum(variants) => match v {
                Value::String(s) if variants.iter().any(|x| x.wire == *s) => Ok(()),
                _ => fail(at, format!("{v} is not one of the enum's values")),
            },
            TypeKind::IntEnum(variants) => match v {
                Value::Number(n) if variants.iter().any(|x| Some(x.value) == n.as_i64()) => Ok(()),
                _ => fail(at, format!("{v} is not one of the enum's values")),
            },
            TypeKind::Newtype(inner) | TypeKind::Alias(inner) => {
                check_at(catalog, inner, v, at, depth + 1)
            }
            TypeKind::Union(u) => match &u.tag {
                Some(tag) => {
                    let Some(Value::String(tag_value)) = v.get(tag) else {
                        return fail(at, format!("no `{tag}` tag"));
                    };
                    let Some(variant) = u
                        .variants
                        .iter()
                        .find(|x| x.tag_value.as_ref() == Some(tag_value))
                    else {
                        return fail(at, format!("unknown `{tag}` value `{tag_value}`"));
                    };
                    match &variant.content {
                        VariantContent::Fields(s) => {
                            check_struct(catalog, s, Some(tag), v, at, depth)
                        }
                        VariantContent::Type(t) => check_at(catalog, t, v, at, depth + 1),
                    }
                }
                None => {
                    let mut first = None;
                    for variant in &u.variants {
                        let result = match &variant.content {
                            VariantContent::Type(t) => check_at(catalog, t, v, at, depth + 1),
                            VariantContent::Fields(s) => {
                                check_struct(catalog, s, None, v, at, depth)
                            }
                        };
                        // Serde takes the first variant that decodes, losing data or not.
                        if result.is_ok() || is_lossy(&result) {
                            return result;
                        }
                        if let Err(e) = result {
                            first.get_or_insert(e);
                        }
                    }
                    Err(first.unwrap_or_else(|| (at.to_string(), "no variant fits".into())))
                }
            },
        },
        (ty, v) => fail(
            at,
            format!("expected {}, found {}", describe(ty), kind_of(v)),
        ),
    }
}

fn check_struct(
    catalog: &Catalog,
    s: &Struct,
    tag: Option<&str>,
    value: &Value,
    at: &str,
    depth: usize,
) -> Result<(), Mismatch> {
    let Value::Object(map) = value else {
        return fail(at, format!("expected an object, found {}", kind_of(value)));
    };
    let fields = s.fields.iter().map(|field| {
        let here = pointer::push(at, &field.wire);
        match map.get(&field.wire) {
            None if field.required && !field.nullable => {
                fail(at, format!("required property `{}` is missing", field.wire))
            }
            None => Ok(()),
            Some(Value::Null) if accepts_null(field) => Ok(()),
            Some(v) => check_at(catalog, &field.ty, v, &here, depth + 1),
        }
    });
    let known = |k: &str| s.fields.iter().any(|f| f.wire == k) || Some(k) == tag;
    let others = map.keys().filter(|k| !known(k)).map(|key| match &s.extra {
        Some((_, extra)) => check_at(
            catalog,
            extra,
            &map[key],
            &pointer::push(at, key),
            depth + 1,
        ),
        None if s.closed => fail(at, format!("property `{key}` is not allowed")),
        // Open objects accept it, but the typed value does not keep it.
        None => fail(at, format!("{LOSSY}property `{key}` is not in the schema")),
    });
    all(fields.chain(others))
}

fn accepts_null(field: &Field) -> bool {
    field.nullable || matches!(field.ty, Ty::Any | Ty::Unit | Ty::Option(_))
}

fn describe(ty: &Ty) -> &'static str {
    match ty {
        Ty::Bool => "a boolean",
        Ty::Int(_) => "an integer",
        Ty::Float => "a number",
        Ty::String => "a string",
        Ty::DateTime => "an RFC 3339 date-time",
        Ty::Date => "a full date",
        Ty::Uuid => "a UUID",
        Ty::Vec(_) | Ty::Tuple(_) => "an array",
        Ty::Map(_) => "an object",
        Ty::Unit => "null",
        _ => "a value of another type",
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// The runtime's format checks: what the generated code's whole-schema check applies.
fn is_date(s: &str) -> bool {
    tidings::format::Format::Date.is_valid(s)
}

fn is_date_time(s: &str) -> bool {
    tidings::format::Format::DateTime.is_valid(s)
}

fn is_uuid(s: &str) -> bool {
    tidings::format::Format::Uuid.is_valid(s)
}

/// The first constraint `value` breaks, as `(pointer, reason)`.
fn constraint_mismatch(
    schema: Option<&tidings::schema::Schema>,
    value: &serde_json::Value,
) -> Option<(String, String)> {
    let errors = schema?.validate(value).err()?;
    let first = errors.iter().next()?;
    Some((
        first.pointer.clone(),
        format!("{} (`{}`)", first.message, first.keyword),
    ))
}

/// Marks examples that contradict their schema, with a warning for each.
/// `schemas` is the catalog's schema document, compiled.
pub(crate) fn check_all(catalog: &mut Catalog, src: &Sources, schemas: &tidings::schema::Schemas) {
    let mut warnings = Vec::new();
    let mut marks = Vec::new();
    let compile = |entry: &Option<crate::model::SchemaEntry>| {
        entry.as_ref().and_then(|e| schemas.get(e.pointer()))
    };
    for (i, m) in catalog.messages.iter().enumerate() {
        if m.examples.is_empty() {
            continue;
        }
        let payload_schema = compile(&m.payload_schema);
        let headers_schema = compile(&m.headers_schema);
        for (n, example) in m.examples.iter().enumerate() {
            let payload = example.payload.as_ref().and_then(|p| {
                check(catalog, &Ty::Named(m.type_id), p)
                    .err()
                    .or_else(|| constraint_mismatch(payload_schema.as_ref(), p))
            });
            let headers = match (&example.headers, &m.headers) {
                (Some(h), Some(ty)) => check(catalog, ty, h)
                    .err()
                    .or_else(|| constraint_mismatch(headers_schema.as_ref(), h)),
                _ => None,
            };
            for (what, mismatch) in [("payload", &payload), ("headers", &headers)] {
                if let Some((at, reason)) = mismatch {
                    warnings.push(src.diag(
                        m.span,
                        format!(
                            "example {} of message `{}` contradicts its {what} schema at `{}`: {reason}; \
                             the generated test checks that it is rejected",
                            n + 1,
                            m.name,
                            if at.is_empty() { "/" } else { at },
                        ),
                    ));
                }
            }
            let fmt = |m: Option<(String, String)>| m.map(|(at, reason)| format!("{at}: {reason}"));
            marks.push((i, n, fmt(payload), fmt(headers)));
        }
    }
    for (i, n, payload, headers) in marks {
        let example = &mut catalog.messages[i].examples[n];
        example.payload_mismatch = payload;
        example.headers_mismatch = headers;
    }
    catalog.warnings.extend(warnings);
    super::naming::example_tests(catalog);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_date_time("2025-01-02T03:04:05Z"));
        assert!(is_date_time("2025-01-02T03:04:05.123+01:00"));
        assert!(!is_date_time("2025-01-02"));
        assert!(!is_date_time("2025-01-02T03:04:05"));
        assert!(is_date("2025-01-02"));
        assert!(is_uuid("5f1c3c36-6a7a-4c9b-8f0e-0a8d7a0c1b2e"));
        assert!(!is_uuid("not-a-uuid"));
    }
}
