//! `cargo xtask package`: the library crates can be published as they stand.
//!
//! 1. **Manifests** (`cargo metadata`): each library crate has a description, a licence, a
//!    readme, a documentation link, keywords and categories, no placeholder repository, and
//!    a `rust-version` no older than what its dependencies (all features, as locked) declare;
//!    every other workspace member says `publish = false`.
//! 2. **Files** (`cargo package --list`): each package carries its README, both licence texts
//!    and its `src/lib.rs`, and nothing but its sources beside them.
//! 3. **Build** (`cargo publish --dry-run` of all of them at once): packages each crate and
//!    builds it from the package against the others' packages, as a user of the registry would
//!    get it. It reads the registry index; nothing is uploaded.

use std::process::{Command, ExitCode};

use serde_json::Value;

/// The crates we publish, in dependency order.
pub const LIBRARIES: [&str; 3] = ["tidings-macros", "tidings", "tidings-codegen"];

/// Fields of `[package]` every published crate must fill in.
const REQUIRED_FIELDS: [&str; 4] = ["description", "license", "readme", "documentation"];

/// Files every package must carry, beside its sources.
const REQUIRED_FILES: [&str; 4] = ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "src/lib.rs"];

/// Files cargo writes into every package itself.
const CARGO_FILES: [&str; 4] = [
    "Cargo.toml",
    "Cargo.toml.orig",
    "Cargo.lock",
    ".cargo_vcs_info.json",
];

pub fn package() -> ExitCode {
    let cargo = env!("CARGO");
    let metadata = match output(Command::new(cargo).args([
        "metadata",
        "--all-features",
        "--locked",
        "--format-version",
        "1",
    ])) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let metadata: Value = match serde_json::from_str(&metadata) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("xtask package: cargo metadata printed no JSON: {e}");
            return ExitCode::from(1);
        }
    };
    let mut problems = manifest_problems(&metadata);
    for name in LIBRARIES {
        match output(Command::new(cargo).args(["package", "--list", "--allow-dirty", "-p", name])) {
            Ok(list) => problems.extend(file_problems(name, &list)),
            Err(code) => return code,
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("xtask package: {p}");
        }
        return ExitCode::from(1);
    }
    forget_unpacked_packages();
    let mut publish = Command::new(cargo);
    publish.args(["publish", "--dry-run", "--allow-dirty", "--quiet"]);
    for name in LIBRARIES {
        publish.args(["-p", name]);
    }
    crate::run(&mut publish)
}

/// Removes the copies of our packages that an earlier `cargo publish --dry-run` unpacked.
///
/// The dry run builds each crate against the others' packages through a local registry in
/// `target/package`, unpacked into `$CARGO_HOME/registry/src/-<hash of that folder>/`; a later
/// run from the same folder finds `tidings-0.1.0` unpacked there and uses it as it is, however
/// the sources changed since (seen: the generator built against last run's runtime). Those
/// folders are ours alone (crates.io's are named after its host), so they go.
fn forget_unpacked_packages() {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".cargo"))
        });
    let Some(sources) = home.map(|home| home.join("registry").join("src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return;
    };
    for registry in registries.flatten() {
        // Local registries have no host: their folder names start with `-`.
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(unpacked) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for package in unpacked.flatten() {
            let name = package.file_name().to_string_lossy().into_owned();
            let ours = LIBRARIES.iter().any(|library| {
                name.strip_prefix(library)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
            });
            if ours {
                let _ = std::fs::remove_dir_all(package.path());
            }
        }
    }
}

/// What is missing from the manifests in `cargo metadata --all-features` output.
fn manifest_problems(metadata: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let members = metadata["workspace_members"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let packages: Vec<&Value> = metadata["packages"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter(|p| members.contains(&p["id"]))
        .collect();
    for name in LIBRARIES {
        if !packages.iter().any(|p| p["name"] == name) {
            problems.push(format!("{name}: not a member of the workspace"));
        }
    }
    for package in packages {
        let name = package["name"].as_str().unwrap_or("?");
        let publishable = !package["publish"].as_array().is_some_and(Vec::is_empty);
        if !LIBRARIES.contains(&name) {
            if publishable {
                problems.push(format!(
                    "{name}: not a library we publish: set `publish = false`"
                ));
            }
            continue;
        }
        if !publishable {
            problems.push(format!("{name}: says `publish = false`"));
        }
        for field in REQUIRED_FIELDS {
            if package[field].as_str().is_none_or(|s| s.trim().is_empty()) {
                problems.push(format!("{name}: `{field}` is missing"));
            }
        }
        for field in ["keywords", "categories"] {
            if package[field].as_array().is_none_or(Vec::is_empty) {
                problems.push(format!("{name}: `{field}` is missing"));
            }
        }
        if let Some((needed, by)) = &needed_rust_version(metadata, name) {
            let declared = package["rust_version"].as_str().unwrap_or("0");
            if version_key(declared) < version_key(needed) {
                problems.push(format!(
                    "{name}: `rust-version` is {declared}, but {by} needs {needed}"
                ));
            }
        }
        if let Some(repository) = package["repository"].as_str() {
            if repository.contains(".invalid") || repository.contains("example.") {
                problems.push(format!(
                    "{name}: `repository` is a placeholder ({repository}): give the real one or leave it out"
                ));
            }
        }
    }
    problems
}

/// The highest `rust-version` among what the library `name` builds with (normal and build
/// dependencies, followed through the resolved graph), and the package that declares it.
fn needed_rust_version(metadata: &Value, name: &str) -> Option<(String, String)> {
    let nodes = metadata["resolve"]["nodes"].as_array()?;
    let packages = metadata["packages"].as_array()?;
    let is_library = |p: &Value| LIBRARIES.iter().any(|l| p["name"] == *l);
    let mut stack: Vec<&Value> = packages
        .iter()
        .filter(|p| p["name"] == name)
        .map(|p| &p["id"])
        .collect();
    let mut seen: Vec<&Value> = Vec::new();
    let mut highest: Option<(String, String)> = None;
    while let Some(id) = stack.pop() {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let package = packages.iter().find(|p| &p["id"] == id)?;
        // The libraries' own declaration is what is checked, not a requirement.
        if let (false, Some(v)) = (is_library(package), package["rust_version"].as_str()) {
            if highest
                .as_ref()
                .is_none_or(|(h, _)| version_key(v) > version_key(h))
            {
                let by = format!(
                    "{} {}",
                    package["name"].as_str()?,
                    package["version"].as_str()?
                );
                highest = Some((v.to_string(), by));
            }
        }
        let node = nodes.iter().find(|n| &n["id"] == id)?;
        for dep in node["deps"].as_array()? {
            let built = dep["dep_kinds"].as_array().is_some_and(|kinds| {
                kinds
                    .iter()
                    .any(|k| k["kind"].is_null() || k["kind"] == "build")
            });
            if built {
                stack.push(&dep["pkg"]);
            }
        }
    }
    highest
}

/// `1.89.0` → `[1, 89, 0]`, for comparing Rust versions (`1.89` equals `1.89.0`).
fn version_key(v: &str) -> [u64; 3] {
    let mut key = [0; 3];
    for (slot, part) in key.iter_mut().zip(v.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    key
}

/// What is wrong with the file list `cargo package --list` printed for `name`.
fn file_problems(name: &str, list: &str) -> Vec<String> {
    let files: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut problems: Vec<String> = REQUIRED_FILES
        .iter()
        .filter(|f| !files.contains(f))
        .map(|f| format!("{name}: the package lacks {f}"))
        .collect();
    for file in files {
        let expected = file.starts_with("src/")
            || REQUIRED_FILES.contains(&file)
            || CARGO_FILES.contains(&file);
        if !expected {
            problems.push(format!(
                "{name}: the package carries {file}, which is not a source of the crate"
            ));
        }
    }
    problems
}

/// The standard output of `command`, or the exit code to stop with.
fn output(command: &mut Command) -> Result<String, ExitCode> {
    match command.output() {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => {
            eprintln!(
                "xtask package: {command:?} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            Err(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("xtask package: cannot run {command:?}: {e}");
            Err(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn library(name: &str) -> Value {
        json!({
            "id": name,
            "name": name,
            "version": "0.1.0",
            "rust_version": "1.89",
            "publish": null,
            "description": "d",
            "license": "MIT OR Apache-2.0",
            "readme": "README.md",
            "documentation": format!("https://docs.rs/{name}"),
            "keywords": ["events"],
            "categories": ["encoding"],
            "repository": null,
        })
    }

    /// The three libraries and `extra` members. tidings builds with `dep` (Rust 1.89, which
    /// builds with `build-dep`, 1.88); `dev-dep` (1.99) is only a dev-dependency of it.
    fn workspace(extra: Vec<Value>) -> Value {
        let mut packages: Vec<Value> = LIBRARIES.iter().map(|n| library(n)).collect();
        packages.extend(extra);
        let members: Vec<Value> = packages.iter().map(|p| p["id"].clone()).collect();
        for (name, rust) in [("dep", "1.89"), ("build-dep", "1.88"), ("dev-dep", "1.99")] {
            packages
                .push(json!({"id": name, "name": name, "version": "1.0.0", "rust_version": rust}));
        }
        let edge = |pkg: &str, kind: Value| json!({"pkg": pkg, "dep_kinds": [{"kind": kind}]});
        let mut nodes: Vec<Value> = members
            .iter()
            .map(|id| json!({"id": id, "deps": []}))
            .collect();
        nodes[1]["deps"] = json!([edge("dep", Value::Null), edge("dev-dep", json!("dev"))]);
        nodes.push(json!({"id": "dep", "deps": [edge("build-dep", json!("build"))]}));
        nodes.push(json!({"id": "build-dep", "deps": []}));
        nodes.push(json!({"id": "dev-dep", "deps": []}));
        json!({
            "packages": packages,
            "workspace_members": members,
            "resolve": {"nodes": nodes},
        })
    }

    #[test]
    fn rust_version_is_checked_against_what_the_libraries_build_with() {
        let mut metadata = workspace(vec![]);
        assert_eq!(
            needed_rust_version(&metadata, "tidings"),
            Some(("1.89".into(), "dep 1.0.0".into()))
        );
        // Only what a library builds with counts: tidings-macros does not use `dep`.
        assert_eq!(needed_rust_version(&metadata, "tidings-macros"), None);
        metadata["packages"][0]["rust_version"] = Value::Null;
        metadata["packages"][1]["rust_version"] = json!("1.85");
        assert_eq!(
            manifest_problems(&metadata),
            ["tidings: `rust-version` is 1.85, but dep 1.0.0 needs 1.89"]
        );
        // Through a build-dependency too.
        metadata["packages"][4]["rust_version"] = json!("1.90.1");
        assert_eq!(
            needed_rust_version(&metadata, "tidings"),
            Some(("1.90.1".into(), "build-dep 1.0.0".into()))
        );
        assert!(version_key("1.89") == version_key("1.89.0"));
        assert!(version_key("1.100") > version_key("1.99.9"));
    }

    #[test]
    fn complete_manifests_pass() {
        let tests = json!({"id": "t", "name": "tidings-tests", "publish": []});
        assert_eq!(
            manifest_problems(&workspace(vec![tests])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_missing_field_is_reported() {
        let mut metadata = workspace(vec![json!({"id": "x", "name": "xtask", "publish": null})]);
        let runtime = &mut metadata["packages"][1];
        runtime["description"] = json!(" ");
        runtime["keywords"] = json!([]);
        runtime["readme"] = Value::Null;
        runtime["repository"] = json!("https://example.invalid/tidings");
        let problems = manifest_problems(&metadata);
        assert_eq!(
            problems,
            [
                "tidings: `description` is missing",
                "tidings: `readme` is missing",
                "tidings: `keywords` is missing",
                "tidings: `repository` is a placeholder (https://example.invalid/tidings): give the real one or leave it out",
                "xtask: not a library we publish: set `publish = false`",
            ]
        );
    }

    #[test]
    fn a_library_left_out_of_the_workspace_or_unpublishable_is_reported() {
        let mut metadata = workspace(vec![]);
        metadata["packages"][0]["publish"] = json!([]);
        metadata["packages"].as_array_mut().unwrap().remove(2);
        metadata["workspace_members"]
            .as_array_mut()
            .unwrap()
            .remove(2);
        assert_eq!(
            manifest_problems(&metadata),
            [
                "tidings-codegen: not a member of the workspace",
                "tidings-macros: says `publish = false`",
            ]
        );
    }

    #[test]
    fn package_file_lists() {
        let good = "Cargo.toml\nCargo.toml.orig\nLICENSE-APACHE\nLICENSE-MIT\nREADME.md\nsrc/lib.rs\nsrc/a/b.rs\n";
        assert_eq!(file_problems("tidings", good), Vec::<String>::new());
        let bad = "Cargo.toml\nLICENSE-MIT\nsrc/lib.rs\ntests/corpus.rs\n";
        assert_eq!(
            file_problems("tidings", bad),
            [
                "tidings: the package lacks README.md",
                "tidings: the package lacks LICENSE-APACHE",
                "tidings: the package carries tests/corpus.rs, which is not a source of the crate",
            ]
        );
    }
}
