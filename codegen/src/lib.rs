//! tidings-codegen: typed Rust from AsyncAPI event specs.
//!
//! The pipeline runs in one direction, one module per stage: [`load`] reads the spec and every
//! file it refers to (keeping line and column of each node) and checks its structure and
//! references, reporting every problem at once; [`resolve`] follows `$ref`s,
//! [`model`] builds the IR ([`model::Catalog`]) and decides every Rust name, [`emit`] turns the
//! IR into formatted Rust, and [`write`] puts it on disk atomically.
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
mod check;
pub mod compat;
pub mod emit;
pub mod error;
mod json;
pub mod load;
pub mod model;
pub mod node;
pub mod package_name;
pub mod pointer;
pub mod resolve;
pub mod write;

use std::path::{Path, PathBuf};

pub use builder::Builder;
pub use error::{Diagnostic, Error, Result};
pub use load::LoadOptions;
pub use model::Catalog;

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
    let sources = load::Sources::load(spec, options)?;
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

/// How a standalone crate depends on the tidings runtime.
#[derive(Clone, Debug)]
pub enum RuntimeDep {
    /// `tidings = { path = ... }`.
    Path(PathBuf),
    /// `tidings = "VERSION"` from a registry.
    Version(String),
}

impl RuntimeDep {
    /// The runtime of the checkout this generator was built from, when it is still there;
    /// the registry version of the same release otherwise (a generator installed with
    /// `cargo install tidings-codegen`).
    pub fn detect() -> Self {
        Self::beside(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            env!("CARGO_PKG_VERSION"),
        )
    }

    /// The runtime in the folder `runtime` next to `codegen_dir`, if that folder holds the
    /// package `tidings` at `version`; else `tidings = "version"` from the registry. A
    /// `runtime` folder of another project, or of another release, is never picked.
    pub fn beside(codegen_dir: &Path, version: &str) -> Self {
        let runtime = codegen_dir.join("../runtime");
        match runtime.canonicalize() {
            Ok(path) if runtime_package_version(&path).as_deref() == Some(version) => {
                RuntimeDep::Path(path)
            }
            _ => RuntimeDep::Version(version.to_string()),
        }
    }
}

/// The version of the package in `dir` if it is the tidings runtime (`version.workspace =
/// true` is read from the enclosing workspace's manifest).
fn runtime_package_version(dir: &Path) -> Option<String> {
    let read =
        |path: &Path| -> Option<toml::Table> { std::fs::read_to_string(path).ok()?.parse().ok() };
    let manifest = read(&dir.join("Cargo.toml"))?;
    let package = manifest.get("package")?.as_table()?;
    if package.get("name")?.as_str()? != "tidings" {
        return None;
    }
    match package.get("version")? {
        toml::Value::String(v) => Some(v.clone()),
        toml::Value::Table(t) if t.get("workspace")?.as_bool()? => {
            let root = dir.ancestors().skip(1).find_map(|a| {
                read(&a.join("Cargo.toml")).filter(|m| m.contains_key("workspace"))
            })?;
            let version = root.get("workspace")?.get("package")?.get("version")?;
            Some(version.as_str()?.to_string())
        }
        _ => None,
    }
}

/// The files of a standalone crate for `generated`, named `name`.
pub fn crate_files(
    generated: &Generated,
    name: &str,
    runtime: &RuntimeDep,
    own_workspace: bool,
) -> Result<write::CrateFiles> {
    let catalog = &generated.catalog;
    let dep = match runtime {
        RuntimeDep::Path(p) => format!("tidings = {{ path = {:?} }}", p.to_string_lossy()),
        RuntimeDep::Version(v) => format!("tidings = \"{v}\""),
    };
    let description = format!(
        "Typed events for {}, generated by tidings from {}",
        if catalog.info.title.is_empty() {
            name
        } else {
            &catalog.info.title
        },
        catalog.source_name
    );
    let workspace = if own_workspace { "\n[workspace]\n" } else { "" };
    let manifest = format!(
        "# @generated by tidings-codegen {}. Do not edit by hand.\n[package]\nname = {:?}\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\ndescription = {:?}\n\n[dependencies]\n{dep}\n{workspace}",
        env!("CARGO_PKG_VERSION"),
        name,
        description.replace(['\n', '\r'], " "),
    );
    let crate_ident = name.replace('-', "_");
    let mut crate_doc = String::new();
    for line in emit_doc_lines(&description) {
        crate_doc.push_str(&format!(
            "//!{}{line}\n",
            if line.is_empty() { "" } else { " " }
        ));
    }
    let lib = format!("{crate_doc}\n{}", generated.code);
    let tests = emit::crate_tests(catalog, &crate_ident)?;
    Ok(write::CrateFiles {
        files: vec![
            (PathBuf::from("Cargo.toml"), manifest),
            (PathBuf::from("src/lib.rs"), lib),
            (PathBuf::from("tests/examples.rs"), tests),
        ],
    })
}

fn emit_doc_lines(text: &str) -> Vec<String> {
    emit::sanitize_doc(text)
}

/// A crate name from a spec path: the file stem (or its folder for `asyncapi.yaml`), kebab-case.
pub fn default_crate_name(spec: &Path) -> String {
    let stem = spec
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("events");
    let base = if stem == "asyncapi" {
        spec.parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or(stem)
    } else {
        stem
    };
    let name = heck::ToKebabCase::to_kebab_case(model::naming::field_name(base).as_str());
    let name = name.trim_matches('-').to_string();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("events-{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder with `codegen/` and a `runtime/Cargo.toml` holding `runtime_manifest`, under
    /// a workspace root whose manifest is `root_manifest`.
    fn layout(runtime_manifest: &str, root_manifest: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("codegen")).unwrap();
        std::fs::create_dir_all(dir.path().join("runtime")).unwrap();
        std::fs::write(dir.path().join("runtime/Cargo.toml"), runtime_manifest).unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), root_manifest).unwrap();
        dir
    }

    fn dep(dir: &tempfile::TempDir, version: &str) -> RuntimeDep {
        RuntimeDep::beside(&dir.path().join("codegen"), version)
    }

    #[test]
    fn a_crate_outside_a_checkout_depends_on_the_registry_runtime_of_the_same_release() {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/orders.yaml");
        let generated = generate(&spec, &LoadOptions::default()).unwrap();
        let runtime = RuntimeDep::Version(env!("CARGO_PKG_VERSION").into());
        let files = crate_files(&generated, "orders", &runtime, true).unwrap();
        let manifest = &files.files[0].1;
        let dependencies = manifest.split("[dependencies]\n").nth(1).unwrap();
        assert_eq!(
            dependencies.trim(),
            format!("tidings = \"{}\"\n\n[workspace]", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn the_checkouts_own_runtime_is_used_by_path() {
        let RuntimeDep::Path(path) = RuntimeDep::detect() else {
            panic!("the checkout's runtime was not found");
        };
        assert_eq!(
            runtime_package_version(&path).as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn only_the_tidings_runtime_of_the_same_release_is_used_by_path() {
        let workspace = "[workspace]\n[workspace.package]\nversion = \"0.3.1\"\n";
        let ours = layout(
            "[package]\nname = \"tidings\"\nversion.workspace = true\n",
            workspace,
        );
        assert!(matches!(dep(&ours, "0.3.1"), RuntimeDep::Path(_)));
        assert!(matches!(dep(&ours, "0.4.0"), RuntimeDep::Version(v) if v == "0.4.0"));

        let literal = layout("[package]\nname = \"tidings\"\nversion = \"0.3.1\"\n", "");
        assert!(matches!(dep(&literal, "0.3.1"), RuntimeDep::Path(_)));

        for unrelated in [
            "[package]\nname = \"runtime\"\nversion = \"0.3.1\"\n",
            "[package]\nname = \"tidings-runtime\"\nversion.workspace = true\n",
            "not toml [",
            "",
        ] {
            let other = layout(unrelated, workspace);
            assert!(
                matches!(dep(&other, "0.3.1"), RuntimeDep::Version(v) if v == "0.3.1"),
                "{unrelated:?}"
            );
        }
        let none = tempfile::tempdir().unwrap();
        assert!(matches!(
            RuntimeDep::beside(none.path(), "0.3.1"),
            RuntimeDep::Version(_)
        ));
    }
}
