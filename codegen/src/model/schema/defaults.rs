//! Field defaults: which schema defaults the generated types can honour, and how.

use crate::error::Result;
use crate::model::{Default, Field, IntTy, Ty, TypeDef, TypeKind, VariantContent};
use crate::source::node::{Node, Value};
use crate::source::resolve::Loc;

use super::TypeSpace;

impl<'a> TypeSpace<'a> {
    /// Records a field default; whether tidings can honour it is decided once every type is
    /// known ([`settle_defaults`]).
    ///
    /// `default` is an annotation: a payload that leaves the property out is valid whatever
    /// the default is. A default that breaks the property's own schema would turn such a
    /// payload into an invalid value once filled in, so it is dropped, with a warning.
    pub(super) fn default_for(
        &mut self,
        value: &Node,
        property: &Node,
        loc: &Loc,
        name: &str,
    ) -> Result<Option<Default>> {
        if matches!(value.value, Value::Null) {
            return Ok(None);
        }
        let json = value.to_json();
        let schema = self.bundle(property, &Loc::root(property.span.doc))?;
        let verdict = tidings::schema::Schema::compile(&schema).map(|s| s.validate(&json));
        if let Ok(Err(errors)) = verdict {
            let reason = errors
                .iter()
                .next()
                .map(|v| v.message.clone())
                .unwrap_or_default();
            self.warnings.push(
                self.src
                    .diag(
                        value.span,
                        format!(
                            "the default of property `{name}` breaks the property's own schema \
                         ({reason}); a payload without the property stays as sent (no default \
                         is filled in)"
                        ),
                    )
                    .with_pointer(loc.child("default").fragment()),
            );
            return Ok(None);
        }
        Ok(Some(Default::Value {
            value: json,
            function: String::new(),
        }))
    }
}

/// Keeps each field default that fits the field's final type: as `Default::Trait` when it is
/// the type's `Default::default()`, as a literal for scalars and enum variants; drops others.
pub(crate) fn settle_defaults(types: &mut [TypeDef]) {
    let kinds: Vec<TypeKind> = types.iter().map(|t| t.kind.clone()).collect();
    let resolve = |ty: &Ty| -> Ty {
        let mut ty = ty.clone();
        for _ in 0..16 {
            match &ty {
                Ty::Named(id) => match &kinds[id.0] {
                    TypeKind::Alias(inner) => ty = inner.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        ty
    };
    let settle = |field: &mut Field| {
        let Some(Default::Value { value: json, .. }) = &field.default else {
            return;
        };
        let ty = resolve(&field.ty);
        let is_zero = match json {
            serde_json::Value::Bool(b) => !b,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            serde_json::Value::Number(n) => n.as_f64() == Some(0.0),
            serde_json::Value::Null => false,
        };
        let trait_default = is_zero
            && matches!(
                (&ty, json),
                (Ty::Bool, serde_json::Value::Bool(_))
                    | (Ty::String, serde_json::Value::String(_))
                    | (Ty::Vec(_), serde_json::Value::Array(_))
                    | (Ty::Map(_), serde_json::Value::Object(_))
                    | (Ty::Int(_), serde_json::Value::Number(_))
                    | (Ty::Float, serde_json::Value::Number(_))
            );
        let literal = match (&ty, json) {
            (Ty::Bool, serde_json::Value::Bool(_)) | (Ty::String, serde_json::Value::String(_)) => {
                true
            }
            (Ty::Float, serde_json::Value::Number(_)) => true,
            (Ty::Int(IntTy::U64 | IntTy::U32), serde_json::Value::Number(n)) => {
                n.as_u64().is_some()
            }
            (Ty::Int(_), serde_json::Value::Number(n)) => n.as_i64().is_some(),
            (Ty::Named(id), serde_json::Value::String(s)) => {
                matches!(&kinds[id.0], TypeKind::StringEnum(vs) if vs.iter().any(|v| v.wire == *s))
            }
            (Ty::Named(id), serde_json::Value::Number(n)) => {
                matches!(&kinds[id.0], TypeKind::IntEnum(vs) if vs.iter().any(|v| Some(v.value) == n.as_i64()))
            }
            _ => false,
        };
        field.default = if trait_default {
            Some(Default::Trait)
        } else if literal {
            field.default.take()
        } else {
            None
        };
    };
    for def in types.iter_mut() {
        match &mut def.kind {
            TypeKind::Struct(s) => s.fields.iter_mut().for_each(settle),
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    if let VariantContent::Fields(s) = &mut v.content {
                        s.fields.iter_mut().for_each(settle);
                    }
                }
            }
            _ => {}
        }
    }
}
