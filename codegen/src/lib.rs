//! tidings-codegen: typed Rust from AsyncAPI event specs.
//!
//! The pipeline runs in one direction, one module per stage: [`source`] reads the spec and
//! every file it refers to (keeping line and column of each node), checks its structure and
//! references, reporting every problem at once, and follows `$ref`s;
//! [`model`] builds the IR ([`model::Catalog`]) and decides every Rust name, `emit` turns the
//! IR into formatted Rust, `package` wraps it in a crate's files when asked, and `write` puts it
//! on disk atomically.
//!
//! Three front doors share it: the `tidings` CLI, [`Builder`] for `build.rs`, and this library.
//!
//! ```no_run
//! // In build.rs; the crate then has `include!(concat!(env!("OUT_DIR"), "/orders.rs"));`
//! tidings_codegen::Builder::new()
//!     .spec("specs/orders.yaml")
//!     .generate()
//!     .unwrap();
//! ```

mod builder;
pub mod compat;
#[cfg(feature = "docs")]
pub mod docs;
mod emit;
pub mod error;
pub mod model;
mod package;
pub mod source;
pub mod write;

use std::path::{Path, PathBuf};

pub use builder::Builder;
pub use error::{Diagnostic, Error, Result};
pub use model::Catalog;
pub use package::{crate_files, default_crate_name, is_valid_crate_name, RuntimeDep};
pub use source::LoadOptions;

// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The result of generating code for one spec.
#[derive(Debug)]
pub struct Generated {
    /// The Rust module.
    pub code: String,
    /// The IR it was generated from.
    pub catalog: Catalog,
    /// Every file read, main spec first.
    pub files: Vec<PathBuf>,
}

/// Loads and resolves `spec` into the IR.
pub fn catalog(spec: &Path, options: &LoadOptions) -> Result<(Catalog, Vec<PathBuf>)> {
    let sources = source::Sources::load(spec, options)?;
    let mut catalog = model::build(&sources, options)?;
    // The structure checks' warnings come first: they are about the document as written.
    catalog
        .warnings
        .splice(0..0, sources.warnings().iter().cloned());
    Ok((catalog, sources.paths().map(Path::to_path_buf).collect()))
}

/// Generates the Rust module for `spec`.
pub fn generate(spec: &Path, options: &LoadOptions) -> Result<Generated> {
    let (catalog, files) = catalog(spec, options)?;
    let code = emit::module(&catalog)?;
    Ok(Generated {
        code,
        catalog,
        files,
    })
}
