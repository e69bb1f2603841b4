//! The `build.rs` front door.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::source::LoadOptions;

/// Generates Rust for specs from `build.rs`, into `OUT_DIR`.
///
/// Each spec `specs/orders.yaml` becomes `$OUT_DIR/orders.rs`, to be used with
/// `include!(concat!(env!("OUT_DIR"), "/orders.rs"));`. Every file read is announced with
/// `cargo:rerun-if-changed`, and warnings with `cargo:warning`; so is every problem of a spec
/// that fails, before the error (which holds them all) is returned.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    specs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    options: LoadOptions,
    cargo_output: bool,
}

impl Builder {
    /// A builder with no specs, writing to `OUT_DIR`.
    pub fn new() -> Self {
        Builder {
            cargo_output: true,
            ..Builder::default()
        }
    }

    /// Adds a spec.
    pub fn spec(mut self, path: impl AsRef<Path>) -> Self {
        self.specs.push(path.as_ref().to_path_buf());
        self
    }

    /// Writes to `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Allows `http(s)://` references (needs the `remote` feature).
    pub fn allow_remote(mut self, allow: bool) -> Self {
        self.options.allow_remote = allow;
        self
    }

    /// Lets references reach files under `root`. By default they may reach the spec's
    /// repository (the nearest folder above it holding `.git`), else only its folder.
    pub fn root(mut self, root: impl AsRef<Path>) -> Self {
        self.options.root = Some(root.as_ref().to_path_buf());
        self
    }

    /// Generate past dangling `$ref`s, each a warning (see [`LoadOptions::keep_going`]).
    pub fn keep_going(mut self, on: bool) -> Self {
        self.options.keep_going = on;
        self
    }

    /// Strict JSON Schema typing (see [`LoadOptions::strict_json_schema`]).
    pub fn strict_json_schema(mut self, on: bool) -> Self {
        self.options.strict_json_schema = on;
        self
    }

    /// Whether to print `cargo:` lines (on by default).
    pub fn cargo_output(mut self, on: bool) -> Self {
        self.cargo_output = on;
        self
    }

    /// Generates every spec; returns the paths written.
    pub fn generate(self) -> Result<Vec<PathBuf>> {
        let mut stdout = std::io::stdout();
        self.generate_to(&mut stdout)
    }

    /// [`Builder::generate`], with the `cargo:` lines written to `cargo`.
    fn generate_to(self, cargo: &mut dyn std::io::Write) -> Result<Vec<PathBuf>> {
        let out_dir = match self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
        {
            Some(dir) => dir,
            None => {
                return Err(Error::Io {
                    path: PathBuf::from("OUT_DIR"),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "OUT_DIR is not set: call from build.rs or set Builder::out_dir",
                    ),
                })
            }
        };
        let mut written = Vec::new();
        for spec in &self.specs {
            if self.cargo_output {
                let _ = writeln!(cargo, "cargo:rerun-if-changed={}", spec.display());
            }
            let generated = match crate::generate(spec, &self.options) {
                Ok(generated) => generated,
                Err(e) => {
                    // Every problem, one line each (the error itself holds them too).
                    if self.cargo_output {
                        for d in e.diagnostics() {
                            let _ = writeln!(cargo, "cargo:warning=error: {}", d.one_line());
                        }
                    }
                    return Err(e);
                }
            };
            if self.cargo_output {
                for file in generated.files.iter().skip(1) {
                    let _ = writeln!(cargo, "cargo:rerun-if-changed={}", file.display());
                }
                for warning in &generated.catalog.warnings {
                    let _ = writeln!(cargo, "cargo:warning={}", warning.one_line());
                }
            }
            let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
            let path = out_dir.join(format!("{stem}.rs"));
            crate::write::atomic(&path, &generated.code)?;
            written.push(path);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_to_the_out_dir_and_announces_every_file_read() {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/refs/main.yaml");
        let out = tempfile::tempdir().unwrap();
        let mut lines = Vec::new();
        let written = Builder::new()
            .spec(&spec)
            .out_dir(out.path())
            .generate_to(&mut lines)
            .unwrap();
        assert_eq!(written, [out.path().join("main.rs")]);
        assert!(std::fs::read_to_string(&written[0])
            .unwrap()
            .contains("pub fn decode_message"));
        let lines = String::from_utf8(lines).unwrap();
        let reruns: Vec<&str> = lines
            .lines()
            .filter(|l| l.starts_with("cargo:rerun-if-changed="))
            .collect();
        assert_eq!(reruns.len(), 3, "{lines}");
        for file in ["main.yaml", "common.yaml", "other.json"] {
            assert!(
                reruns.iter().any(|l| l.ends_with(file)),
                "{file} in {lines}"
            );
        }
    }

    #[test]
    fn a_broken_spec_leaves_the_previous_output() {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bad/syntax.yaml");
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("syntax.rs"), "// good").unwrap();
        let err = Builder::new()
            .spec(&spec)
            .out_dir(out.path())
            .generate_to(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("syntax.yaml:5:9"), "{err}");
        assert_eq!(
            std::fs::read_to_string(out.path().join("syntax.rs")).unwrap(),
            "// good"
        );
    }

    #[test]
    fn every_problem_of_a_failing_spec_is_announced() {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("two.yaml");
        std::fs::write(
            &spec,
            "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannel: {}\ncomponents:\n  messages:\n    m: {payload: {$ref: '#/nope'}}\n",
        )
        .unwrap();
        let mut lines = Vec::new();
        let err = Builder::new()
            .spec(&spec)
            .out_dir(dir.path())
            .generate_to(&mut lines)
            .unwrap_err();
        assert_eq!(err.diagnostics().len(), 2, "{err}");
        let lines = String::from_utf8(lines).unwrap();
        let errors: Vec<&str> = lines
            .lines()
            .filter(|l| l.starts_with("cargo:warning=error: "))
            .collect();
        assert_eq!(errors.len(), 2, "{lines}");
        assert!(
            errors[0].contains("two.yaml:3:1") && errors[0].contains("did you mean `channels`?"),
            "{lines}"
        );
        assert!(errors[1].contains("two.yaml:6:"), "{lines}");
    }
}
