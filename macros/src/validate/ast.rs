//! Validate input: the type, its variants and fields, with their checks and JSON places.
//!
//! Plain data: everything the later stages need is read here, from the attributes, once.

use syn::{DeriveInput, Generics, Ident};

use super::attr::Checks;
use super::pointer;
use super::shape::Shape;
use crate::ctxt::Ctxt;

/// A struct or enum that derives `Validate`, with every attribute read.
pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// `#[validate(...)]` on the type itself (where only `schema` applies).
    pub(crate) checks: Checks,
    pub(crate) data: Data<'a>,
}

pub(crate) enum Data<'a> {
    Struct(Fields<'a>),
    Enum(Vec<Variant<'a>>),
    /// Reported; nothing to expand.
    Union,
}

pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    /// The pointer token the variant's fields sit under: its JSON name when externally
    /// tagged; `None` when they sit in place (tagged, untagged, or a unit variant).
    pub(crate) key: Option<String>,
    pub(crate) fields: Fields<'a>,
}

/// The fields of a struct or variant, as its pattern binds them.
pub(crate) struct Fields<'a> {
    pub(crate) style: Style,
    pub(crate) fields: Vec<Field<'a>>,
}

#[derive(Clone, Copy)]
pub(crate) enum Style {
    Named,
    Unnamed,
    Unit,
}

pub(crate) struct Field<'a> {
    /// The field's name; `None` in a tuple struct or variant.
    pub(crate) ident: Option<&'a Ident>,
    pub(crate) checks: Checks,
    pub(crate) shape: Shape,
    pub(crate) step: Step,
    /// The field's type, whose own constraints `describe` writes too.
    pub(crate) ty: &'a syn::Type,
}

/// How a field's pointer continues from its container's.
pub(crate) enum Step {
    /// Under its JSON name.
    Key(String),
    /// At its position in a JSON array.
    Index(usize),
    /// Nowhere further: flattened, transparent, or the only field of a newtype.
    InPlace,
}

impl<'a> Input<'a> {
    /// Reads `input`, recording every problem in `cx`.
    pub(crate) fn from_syn(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        let checks = Checks::from_attrs(cx, &input.attrs);
        let serde = pointer::Container::from_attrs(&input.attrs);
        let data = match &input.data {
            syn::Data::Struct(data) => {
                Data::Struct(Fields::from_syn(cx, &data.fields, &serde, true))
            }
            syn::Data::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .map(|variant| {
                        let fields = Fields::from_syn(cx, &variant.fields, &serde, false);
                        let in_place = serde.in_place || matches!(fields.style, Style::Unit);
                        let key = (!in_place).then(|| {
                            pointer::rename(&variant.attrs)
                                .unwrap_or_else(|| serde.variant_name(&variant.ident))
                        });
                        Variant {
                            ident: &variant.ident,
                            key,
                            fields,
                        }
                    })
                    .collect(),
            ),
            syn::Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Validate)]` supports structs and enums, not unions",
                );
                Data::Union
            }
        };
        Input {
            ident: &input.ident,
            generics: &input.generics,
            checks,
            data,
        }
    }
}

impl<'a> Fields<'a> {
    fn from_syn(
        cx: &mut Ctxt,
        fields: &'a syn::Fields,
        serde: &pointer::Container,
        is_struct: bool,
    ) -> Self {
        let style = match fields {
            syn::Fields::Named(_) => Style::Named,
            syn::Fields::Unnamed(_) => Style::Unnamed,
            syn::Fields::Unit => Style::Unit,
        };
        // A newtype's one field, and a transparent tuple struct's, is the value itself.
        let newtype = matches!(fields, syn::Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1)
            || (is_struct && serde.transparent);
        let fields = fields
            .iter()
            .enumerate()
            .map(|(index, field)| {
                let step = if pointer::flatten(&field.attrs) {
                    Step::InPlace
                } else if let Some(ident) = &field.ident {
                    Step::Key(
                        pointer::rename(&field.attrs).unwrap_or_else(|| serde.field_name(ident)),
                    )
                } else if newtype {
                    Step::InPlace
                } else {
                    Step::Index(index)
                };
                Field {
                    ident: field.ident.as_ref(),
                    checks: Checks::from_attrs(cx, &field.attrs),
                    shape: Shape::of(&field.ty),
                    step,
                    ty: &field.ty,
                }
            })
            .collect();
        Fields { style, fields }
    }
}
