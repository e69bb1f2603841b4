//! Generated code as a program: specs in, `decode_message` verdicts out.
//!
//! The fuzz, regression and conformance tests all ask the same question of generated code:
//! given this spec and this payload, does `decode_message` accept it? [`Program::build`]
//! generates a module per spec (each in its own typing mode), compiles them into one small
//! binary that reads `module<TAB>message<TAB>payload` lines on stdin and answers `ok` or
//! `err<TAB>reason` per line, so one compile serves any number of payloads.
//!
//! The crate lives under `target/<name>` of the checkout and builds offline with the
//! checkout's lock file. Every program of the tests (and the generated-crates workspace)
//! builds into one target folder, [`target`], with one [`PROFILE`], so the runtime and its
//! dependencies compile once for all of them; later runs only compile what changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tidings_codegen::LoadOptions;

/// The two typing modes of the generator, as `(module suffix, options)`.
pub fn modes() -> [(&'static str, LoadOptions); 2] {
    [("strict", strict()), ("default", LoadOptions::default())]
}

/// `document` as one spec per typing mode, each a module named after its mode.
pub fn in_both_modes(document: &Value) -> Vec<Spec> {
    modes()
        .into_iter()
        .map(|(mode, options)| Spec {
            module: mode.to_string(),
            document: document.clone(),
            options,
        })
        .collect()
}

/// Options for strict JSON Schema typing.
pub fn strict() -> LoadOptions {
    LoadOptions {
        strict_json_schema: true,
        ..LoadOptions::default()
    }
}

/// The `[profile]` of every program the tests build: no debug info (linking dozens of
/// binaries dominates otherwise), dependencies lightly optimised (the fuzzer and the
/// conformance suite run thousands of payloads through them).
pub const PROFILE: &str = "[profile.dev]\ndebug = false\nincremental = false\n\n\
                           [profile.dev.package.\"*\"]\nopt-level = 1\n";

/// The target folder all programs of the tests share.
pub fn target() -> PathBuf {
    repo().join("target").join("programs")
}

/// The checkout this test crate belongs to.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the checkout exists")
}

/// One spec to generate a module from.
pub struct Spec {
    /// The Rust module name (and the spec's file name).
    pub module: String,
    /// The AsyncAPI document.
    pub document: Value,
    /// How to generate.
    pub options: LoadOptions,
}

/// A compiled program over the modules that generated.
pub struct Program {
    binary: PathBuf,
    /// Modules whose spec did not generate, with the generator's error.
    pub refused: BTreeMap<String, String>,
    /// Warnings of the generator, per module.
    pub warnings: BTreeMap<String, Vec<String>>,
}

/// Why a program could not be built.
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Program {
    /// Generates every spec and compiles the program `target/<name>`; specs that do not
    /// generate are left out and listed in [`Program::refused`]. Code that does not compile
    /// is an error, with the compiler's output.
    pub fn build(name: &str, specs: &[Spec]) -> Result<Program, BuildError> {
        let repo = repo();
        let target = target();
        let dir = repo.join("target").join(name).join("program");
        let src = dir.join("src");
        let spec_dir = dir.join("specs");
        for folder in [&src, &spec_dir] {
            // Modules of an earlier run must not linger.
            let _ = std::fs::remove_dir_all(folder);
            std::fs::create_dir_all(folder).map_err(|e| BuildError(e.to_string()))?;
        }
        let mut refused = BTreeMap::new();
        let mut warnings = BTreeMap::new();
        let mut modules = String::new();
        let mut dispatch = String::new();
        for spec in specs {
            let path = spec_dir.join(format!("{}.json", spec.module));
            let text = serde_json::to_string_pretty(&spec.document).expect("JSON");
            std::fs::write(&path, text).map_err(|e| BuildError(e.to_string()))?;
            let generated = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                tidings_codegen::generate(&path, &spec.options)
            })) {
                Ok(Ok(generated)) => generated,
                Ok(Err(e)) => {
                    refused.insert(spec.module.clone(), e.to_string());
                    continue;
                }
                Err(panic) => {
                    let text = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    refused.insert(
                        spec.module.clone(),
                        format!("the generator panicked: {text}"),
                    );
                    continue;
                }
            };
            warnings.insert(
                spec.module.clone(),
                generated
                    .catalog
                    .warnings
                    .iter()
                    .map(|w| w.to_string())
                    .collect(),
            );
            std::fs::write(src.join(format!("{}.rs", spec.module)), &generated.code)
                .map_err(|e| BuildError(e.to_string()))?;
            writeln!(modules, "#[allow(dead_code)]\nmod {};", spec.module).unwrap();
            writeln!(
                dispatch,
                "        {:?} => verdict({}::decode_message(message, payload)),",
                spec.module, spec.module
            )
            .unwrap();
        }
        let main = format!(
            "{modules}\n\
             use std::io::{{BufRead, Write}};\n\n\
             fn verdict<T>(result: Result<T, tidings::DecodeError>) -> String {{\n    \
                 match result {{\n        \
                     Ok(_) => \"ok\".to_string(),\n        \
                     Err(e) => format!(\"err\\t{{}}\", e.to_string().replace(['\\n', '\\t'], \" \")),\n    \
                 }}\n\
             }}\n\n\
             fn main() {{\n    \
                 let stdin = std::io::stdin();\n    \
                 let mut out = std::io::BufWriter::new(std::io::stdout().lock());\n    \
                 for line in stdin.lock().lines() {{\n        \
                     let line = line.unwrap();\n        \
                     let mut parts = line.splitn(3, '\\t');\n        \
                     let (module, message, payload) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());\n        \
                     let payload = payload.as_bytes();\n        \
                     let answer = match module {{\n{dispatch}        \
                         _ => format!(\"err\\tno module {{module}}\"),\n        \
                     }};\n        \
                     writeln!(out, \"{{answer}}\").unwrap();\n        \
                     out.flush().unwrap();\n    \
                 }}\n\
             }}\n"
        );
        std::fs::write(src.join("main.rs"), main).map_err(|e| BuildError(e.to_string()))?;
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\ntidings = {{ path = {:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n{PROFILE}\n[workspace]\n",
                repo.join("runtime").to_string_lossy()
            ),
        )
        .map_err(|e| BuildError(e.to_string()))?;
        std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| BuildError(e.to_string()))?;
        let output = Command::new(env!("CARGO"))
            .args(["build", "--offline", "--quiet", "--message-format=short"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .output()
            .map_err(|e| BuildError(format!("cargo did not run: {e}")))?;
        if !output.status.success() {
            return Err(BuildError(format!(
                "the generated code of {} does not compile:\n{}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        Ok(Program {
            binary: target.join("debug").join(name),
            refused,
            warnings,
        })
    }

    /// `decode_message` of `module` on each `(module, message, payload)`: `Ok` when accepted,
    /// the error's text when refused.
    pub fn run(&self, cases: &[(String, String, String)]) -> Vec<Result<(), String>> {
        let mut child = Command::new(&self.binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the program runs");
        let mut input = String::new();
        for (module, message, payload) in cases {
            assert!(!payload.contains('\n'), "payloads are one line");
            writeln!(input, "{module}\t{message}\t{payload}").unwrap();
        }
        let mut stdin = child.stdin.take().expect("stdin");
        // A program that dies early closes its end: what it answered tells where.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output().expect("the program ends");
        let _ = writer.join().expect("writer");
        let text = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            let at = text.lines().count();
            let (module, message, payload) = &cases[at.min(cases.len() - 1)];
            panic!(
                "the generated code failed on payload {at} ({module} mode, message {message}): \
                 {payload}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let answers: Vec<Result<(), String>> = text
            .lines()
            .map(|line| match line.strip_prefix("err\t") {
                Some(reason) => Err(reason.to_string()),
                None => Ok(()),
            })
            .collect();
        assert_eq!(answers.len(), cases.len(), "one answer per payload");
        answers
    }
}

/// An AsyncAPI 3.0 document with one message per `(name, payload schema)` and `schemas`
/// under `components/schemas` (where the payloads' `$ref`s point).
pub fn document(title: &str, messages: &[(String, Value)], schemas: &Value) -> Value {
    let messages: serde_json::Map<String, Value> = messages
        .iter()
        .map(|(name, payload)| (name.clone(), serde_json::json!({ "payload": payload })))
        .collect();
    serde_json::json!({
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": "1.0.0"},
        "components": {"messages": messages, "schemas": schemas},
    })
}
