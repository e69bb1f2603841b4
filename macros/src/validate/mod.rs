//! `#[derive(Validate)]`: constraint attributes become calls into `::tidings::checks`.
//!
//! The stages, one file each: [`attr`] parses every `#[validate(...)]` into typed [`Checks`]
//! (each value checked on its own, at compile time), [`pointer`] reads where `#[serde(...)]`
//! puts each value in the JSON, [`shape`] sees the wrappers of each field's type, [`ast`]
//! gathers all that per field and variant, [`check`] applies the rules between keys, and
//! [`expand`] writes the impl from the result ([`describe`] its `describe`, the checks
//! written into a JSON Schema). Every problem is recorded in one [`Ctxt`].
//!
//! [`Checks`]: attr::Checks

mod ast;
mod attr;
mod check;
mod describe;
mod expand;
mod pointer;
mod shape;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use self::ast::Input;
use crate::ctxt::Ctxt;

/// Every error in `input`, or the `impl ::tidings::Validate`.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let parsed = Input::from_syn(&mut cx, input);
    check::check(&mut cx, &parsed);
    cx.check()?;
    Ok(expand::impl_validate(&parsed))
}
