//! `#[derive(Event)]`: reads the type and its `#[event(...)]` attributes, then writes the impl.
//!
//! The stages, one file each: [`attr`] parses `#[event(...)]` into typed settings and checks
//! them (every problem recorded in a [`Ctxt`]), [`ast`] reads the input type around them, and
//! [`expand`] writes the impl from the result, never looking at the attributes again.

mod ast;
mod attr;
mod expand;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use self::ast::Input;
use crate::ctxt::Ctxt;

/// Every error in `input`, or the `impl ::tidings::Event`.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let parsed = Input::from_syn(&mut cx, input);
    cx.check()?;
    match parsed {
        Some(parsed) => Ok(expand::impl_event(&parsed)),
        // `from_syn` records an error whenever it gives up, so `check` returned it above.
        None => Err(syn::Error::new_spanned(
            &input.ident,
            "tidings-macros bug: the input was rejected without a reason",
        )),
    }
}
