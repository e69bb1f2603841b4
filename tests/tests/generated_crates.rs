//! Every spec generates a standalone crate that is lint-clean and passes its own tests.
//!
//! The specs are every AsyncAPI and OpenAPI document of the corpus, every spec in `specs/` and
//! every golden spec; each crate passes `cargo clippy --all-targets -- -D warnings` and `cargo test` (the
//! crate's tests round-trip every example of its spec).
//!
//! All crates go into one temporary workspace so their dependencies build once, into the
//! target folder the tests' other programs share (`target/programs`), with their profile.

use std::path::{Path, PathBuf};
use std::process::Command;

use tidings_codegen::{LoadOptions, RuntimeDep};
use tidings_tests::program::repo;

/// `(crate name, spec path, root folder for references)`.
fn documents() -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let repo = repo();
    let mut docs = Vec::new();
    // Without the corpus, the specs of this repository are still generated and tested.
    let corpus =
        tidings_tests::corpus::corpus("generated crates of the corpus", "asyncapi-spec-examples");
    let mut versions: Vec<_> = corpus
        .iter()
        .flat_map(|c| std::fs::read_dir(c).expect("the corpus folder is readable"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    for version in versions {
        let tag = slug(version.file_name().unwrap().to_str().unwrap());
        let mut files: Vec<_> = std::fs::read_dir(&version)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_stem().unwrap().to_str().unwrap().to_string();
            if file.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                docs.push((format!("gen-{tag}-{}", slug(&name)), file, None));
            } else if file.is_dir() {
                // Multi-file documents (social-media): services refer to ../common.
                let mut services: Vec<_> = std::fs::read_dir(&file)
                    .unwrap()
                    .filter_map(|e| e.ok().map(|e| e.path().join("asyncapi.yaml")))
                    .filter(|p| p.exists())
                    .collect();
                services.sort();
                for spec in services {
                    let service = spec
                        .parent()
                        .unwrap()
                        .file_name()
                        .unwrap()
                        .to_str()
                        .unwrap();
                    docs.push((
                        format!("gen-{tag}-{}-{}", slug(&name), slug(service)),
                        spec,
                        Some(file.clone()),
                    ));
                }
            }
        }
    }
    if corpus.is_some() {
        assert!(
            docs.len() >= 75,
            "found only {} corpus documents",
            docs.len()
        );
    }
    docs.extend(openapi_documents());
    for folder in ["specs", "tests/golden"] {
        let mut files: Vec<_> = std::fs::read_dir(repo.join(folder))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        for file in files {
            let name = slug(file.file_stem().unwrap().to_str().unwrap());
            docs.push((format!("gen-{}-{name}", slug(folder)), file, None));
        }
    }
    docs
}

/// Every OpenAPI document of the corpus: the OpenAPI Initiative's examples (3.0, 3.1, 3.2; JSON
/// and YAML), progenitor's samples, and the DigitalOcean tree by its entry file.
fn openapi_documents() -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let Some(corpus) =
        tidings_tests::corpus::corpus("generated crates of OpenAPI documents", "openapi")
    else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for folder in [
        "oai-learn/v3.0",
        "oai-learn/v3.1",
        "oai-learn/v3.2",
        "progenitor",
    ] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(corpus.join(folder))
            .expect("the corpus folder is readable")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
            })
            .collect();
        found.sort();
        files.extend(found);
    }
    files.push(corpus.join("digitalocean/specification/DigitalOcean-public.v2.yaml"));
    assert!(
        files.len() >= 25,
        "found only {} OpenAPI documents",
        files.len()
    );
    files
        .into_iter()
        .map(|file| {
            let rel = file
                .strip_prefix(&corpus)
                .unwrap()
                .to_string_lossy()
                .to_string();
            (format!("gen-openapi-{}", slug(&rel)), file, None)
        })
        .collect()
}

fn slug(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn cargo(args: &[&str], dir: &Path, target: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn every_document_generates_a_crate_that_passes_clippy_and_its_tests() {
    let repo = repo();
    let docs = documents();
    assert!(docs.len() >= 5, "found only {} documents", docs.len());
    let workspace = tempfile::tempdir().unwrap();
    let runtime = RuntimeDep::Path(repo.join("runtime"));
    let mut failures = Vec::new();
    let mut members = Vec::new();
    let mut examples = 0;
    for (name, spec, root) in &docs {
        let options = LoadOptions {
            root: root.clone(),
            ..LoadOptions::default()
        };
        let generated = match tidings_codegen::generate(spec, &options) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{}: {e}", spec.display()));
                continue;
            }
        };
        examples += generated
            .catalog
            .messages
            .iter()
            .map(|m| m.examples.iter().filter(|e| e.payload.is_some()).count())
            .sum::<usize>();
        let files = tidings_codegen::crate_files(&generated, name, &runtime, false).unwrap();
        files.write(&workspace.path().join(name)).unwrap();
        members.push(format!("{name:?}"));
    }
    assert!(
        failures.is_empty(),
        "generation failed:\n{}",
        failures.join("\n")
    );
    std::fs::write(
        workspace.path().join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n{}",
            members.join(", "),
            tidings_tests::program::PROFILE
        ),
    )
    .unwrap();
    // The checkout's lock file pins the same dependency versions, so this builds offline.
    std::fs::copy(repo.join("Cargo.lock"), workspace.path().join("Cargo.lock")).unwrap();
    let target = tidings_tests::program::target();

    let (ok, out) = cargo(
        &[
            "clippy",
            "--offline",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
        workspace.path(),
        &target,
    );
    assert!(ok, "clippy failed on generated crates:\n{out}");

    let (ok, out) = cargo(
        &[
            "test",
            "--offline",
            "--workspace",
            "--quiet",
            "--no-fail-fast",
        ],
        workspace.path(),
        &target,
    );
    assert!(ok, "tests of generated crates failed:\n{out}");
    let passed: usize = out
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    eprintln!(
        "{} generated crates: clippy clean; {passed} tests passed ({examples} payload examples)",
        members.len()
    );
    assert!(
        passed >= examples,
        "{passed} tests passed, fewer than the {examples} examples"
    );
}
