//! Event input: the type's name, generics and parsed `#[event]` settings, as plain data.

use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident};

use super::attr::{self, Container};
use crate::ctxt::Ctxt;

/// A struct or enum that derives `Event`, with its `#[event]` settings parsed.
pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: Container,
}

impl<'a> Input<'a> {
    /// Reads `input`, recording every problem in `cx`. `None` only if a problem was recorded.
    pub(crate) fn from_syn(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = Container::from_attrs(cx, &input.ident, &input.attrs);
        match &input.data {
            Data::Struct(data) => reject_misplaced(cx, &data.fields, "a field"),
            Data::Enum(data) => {
                for variant in &data.variants {
                    reject_attrs(cx, &variant.attrs, "a variant");
                    reject_misplaced(cx, &variant.fields, "a field");
                }
            }
            Data::Union(data) => cx.error_spanned_by(
                data.union_token,
                "`Event` cannot be derived for unions; use a struct or an enum",
            ),
        }
        Some(Input {
            ident: &input.ident,
            generics: &input.generics,
            attrs: attrs?,
        })
    }
}

fn reject_misplaced(cx: &mut Ctxt, fields: &Fields, what: &str) {
    for field in fields {
        reject_attrs(cx, &field.attrs, what);
    }
}

/// `#[event]` describes the message as a whole, so it is an error anywhere inside the type.
fn reject_attrs(cx: &mut Ctxt, attrs: &[Attribute], what: &str) {
    for attr in attrs
        .iter()
        .filter(|attr| attr.path().is_ident(attr::EVENT))
    {
        cx.error_spanned_by(
            attr,
            format_args!("`#[event]` goes on the type itself, not on {what}"),
        );
    }
}
