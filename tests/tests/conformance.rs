//! JSON-Schema-Test-Suite (draft 7) through generated code.
//!
//! Each keyword file becomes an AsyncAPI spec with one message per test group (its schema as
//! the payload), generated in strict JSON Schema mode; a small program built from the
//! generated modules runs `decode_message` on every test's data and prints whether the
//! outcome matches the test's `valid`. Known failures are listed, with a reason each, in
//! `tests/conformance/known-failures.tsv`: the test fails when an unlisted failure appears
//! or a listed one starts passing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use tidings_codegen::{LoadOptions, RuntimeDep};

const KEYWORDS: &[&str] = &[
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "enum",
    "const",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "contains",
    "not",
    "if-then-else",
    "dependencies",
    "oneOf",
    "anyOf",
];
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "uri",
    "hostname",
    "ipv4",
    "ipv6",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// `$ref`s inside a test schema point into the schema itself; in the spec it sits at `base`.
fn rebase_refs(value: &mut Value, base: &str) -> bool {
    let mut remote = false;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) if r.starts_with('#') => {
                        *r = format!("{base}{}", &r[1..])
                    }
                    ("$ref", Value::String(_)) => remote = true,
                    ("enum" | "const" | "default" | "examples", _) => {}
                    (_, v) => remote |= rebase_refs(v, base),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                remote |= rebase_refs(item, base);
            }
        }
        _ => {}
    }
    remote
}

struct Case {
    file: String,
    group: String,
    test: String,
}

#[test]
fn json_schema_test_suite_draft7_through_generated_code() {
    let repo = repo();
    let Some(suite) = tidings_tests::corpus::corpus(
        "json_schema_test_suite_draft7_through_generated_code",
        "json-schema-test-suite/tests/draft7",
    ) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    std::fs::create_dir_all(&src).unwrap();

    let mut cases: Vec<Case> = Vec::new();
    let mut skipped: Vec<(String, String)> = Vec::new();
    let mut table = String::new();
    let mut dispatch = String::new();
    let mut modules = String::new();
    let files: Vec<(String, PathBuf)> = KEYWORDS
        .iter()
        .map(|k| (k.to_string(), suite.join(format!("{k}.json"))))
        .chain(FORMATS.iter().map(|f| {
            (
                format!("format/{f}"),
                suite.join(format!("optional/format/{f}.json")),
            )
        }))
        .collect();
    for (file, path) in &files {
        let groups: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let module = format!("m_{}", file.replace(['-', '/'], "_").to_lowercase());
        let mut messages = serde_json::Map::new();
        for (g, group) in groups.iter().enumerate() {
            let mut schema = group["schema"].clone();
            let base = format!("#/components/messages/g{g}/payload");
            if rebase_refs(&mut schema, &base) {
                skipped.push((
                    file.clone(),
                    group["description"].as_str().unwrap_or_default().into(),
                ));
                continue;
            }
            messages.insert(format!("g{g}"), json!({ "payload": schema }));
            for test in group["tests"].as_array().unwrap() {
                let data = serde_json::to_string(&test["data"]).unwrap();
                let valid = test["valid"].as_bool().unwrap();
                writeln!(table, "    ({:?}, \"g{g}\", {:?}, {valid}),", file, data).unwrap();
                cases.push(Case {
                    file: file.clone(),
                    group: group["description"].as_str().unwrap_or_default().into(),
                    test: test["description"].as_str().unwrap_or_default().into(),
                });
            }
        }
        let spec = json!({
            "asyncapi": "3.0.0",
            "info": {"title": file, "version": "1.0.0"},
            "components": {"messages": messages},
        });
        let spec_path = work.path().join(format!("{module}.json"));
        std::fs::write(&spec_path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
        let options = LoadOptions {
            strict_json_schema: true,
            ..LoadOptions::default()
        };
        let generated = tidings_codegen::generate(&spec_path, &options)
            .unwrap_or_else(|e| panic!("{file}: generation failed: {e}"));
        std::fs::write(src.join(format!("{module}.rs")), generated.code).unwrap();
        writeln!(modules, "#[allow(dead_code)]\nmod {module};").unwrap();
        writeln!(
            dispatch,
            "        {file:?} => {module}::decode_message(name, data).is_ok(),"
        )
        .unwrap();
    }
    let main = format!(
        "{modules}\nconst CASES: &[(&str, &str, &str, bool)] = &[\n{table}];\n\n\
         fn accepts(file: &str, name: &str, data: &[u8]) -> bool {{\n    match file {{\n{dispatch}        _ => unreachable!(),\n    }}\n}}\n\n\
         fn main() {{\n    for (file, name, data, valid) in CASES {{\n        \
         println!(\"{{}}\", accepts(file, name, data.as_bytes()) == *valid);\n    }}\n}}\n"
    );
    std::fs::write(src.join("main.rs"), main).unwrap();
    let runtime = match RuntimeDep::detect() {
        RuntimeDep::Path(p) => p,
        RuntimeDep::Version(_) => repo.join("runtime"),
    };
    std::fs::write(
        work.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"conformance\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntidings = {{ path = {:?} }}\n\n[workspace]\n",
            runtime.to_string_lossy()
        ),
    )
    .unwrap();
    std::fs::copy(repo.join("Cargo.lock"), work.path().join("Cargo.lock")).unwrap();
    let output = Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet"])
        .current_dir(work.path())
        .env("CARGO_TARGET_DIR", repo.join("target/conformance"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the conformance program failed:\n{}\n{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let outcomes: Vec<bool> = stdout.lines().map(|l| l == "true").collect();
    assert_eq!(outcomes.len(), cases.len());

    let known: BTreeMap<(String, String, String), String> =
        std::fs::read_to_string(repo.join("tests/conformance/known-failures.tsv"))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let parts: Vec<&str> = l.split('\t').collect();
                assert_eq!(
                    parts.len(),
                    4,
                    "known-failures.tsv: file, group, test, reason: {l}"
                );
                (
                    (parts[0].into(), parts[1].into(), parts[2].into()),
                    parts[3].into(),
                )
            })
            .collect();

    let mut per_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let mut failed = BTreeSet::new();
    for (case, ok) in cases.iter().zip(&outcomes) {
        let entry = per_file.entry(case.file.as_str()).or_default();
        entry.1 += 1;
        let key = (case.file.clone(), case.group.clone(), case.test.clone());
        if *ok {
            entry.0 += 1;
            if known.contains_key(&key) {
                fixed.push(format!("{}: {} / {}", case.file, case.group, case.test));
            }
        } else {
            failed.insert(key.clone());
            if !known.contains_key(&key) {
                unexpected.push(format!("{}\t{}\t{}", case.file, case.group, case.test));
            }
        }
    }
    let (passed, total) = per_file
        .values()
        .fold((0, 0), |(p, t), (fp, ft)| (p + fp, t + ft));
    eprintln!("JSON-Schema-Test-Suite draft7 through generated code (strict JSON Schema typing):");
    for (file, (p, t)) in &per_file {
        eprintln!(
            "  {file:<24} {p:>4}/{t:<4} {:>6.1}%",
            100.0 * *p as f64 / *t as f64
        );
    }
    eprintln!(
        "  {:<24} {passed:>4}/{total:<4} {:>6.1}%",
        "total",
        100.0 * passed as f64 / total as f64
    );
    for (file, group) in &skipped {
        eprintln!("  skipped (remote $ref): {file}: {group}");
    }
    assert!(
        unexpected.is_empty(),
        "unexpected failures (fix, or list with a reason):\n{}",
        unexpected.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "listed failures now pass (remove them):\n{}",
        fixed.join("\n")
    );
    assert!(
        passed * 100 >= total * 97,
        "pass rate {passed}/{total} is below 97%"
    );
}
