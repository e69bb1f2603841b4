//! Validate checks: the rules between keys, applied to the parsed input; all errors kept.

use super::ast::{Data, Fields, Input};
use super::attr::{Checks, Length};
use crate::ctxt::Ctxt;

/// Records in `cx` every rule that `input` breaks.
pub(crate) fn check(cx: &mut Ctxt, input: &Input) {
    // The type's own checks would need a value of the type in a field to apply to; only a
    // schema of the whole value makes sense there.
    for key in input
        .checks
        .keys
        .iter()
        .filter(|key| !key.is_ident("schema") && !key.is_ident("schema_in"))
    {
        cx.error_spanned_by(
            key,
            "on a type, `#[validate]` accepts only `schema = \"...\"` or `schema_in(...)`",
        );
    }
    check_checks(cx, &input.checks);
    match &input.data {
        Data::Struct(fields) => check_fields(cx, fields),
        Data::Enum(variants) => {
            for variant in variants {
                check_fields(cx, &variant.fields);
            }
        }
        Data::Union => {}
    }
}

fn check_fields(cx: &mut Ctxt, fields: &Fields) {
    for field in &fields.fields {
        check_checks(cx, &field.checks);
    }
}

/// The rules between the keys of one value, and of the items and values inside it.
fn check_checks(cx: &mut Ctxt, checks: &Checks) {
    if let Some(Length {
        min: Some(min),
        max: Some(max),
        tokens,
    }) = &checks.length
    {
        if min > max {
            cx.error_spanned_by(
                tokens,
                format!("`length(min = {min}, max = {max})`: min is greater than max"),
            );
        }
    }
    for inner in [&checks.items, &checks.values].into_iter().flatten() {
        check_checks(cx, inner);
    }
}
