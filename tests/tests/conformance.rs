//! JSON-Schema-Test-Suite (draft 7 and 2020-12) through generated code, in both typing modes.
//!
//! Each suite file becomes an AsyncAPI spec with one message per test group (its schema as
//! the payload), generated twice: with strict JSON Schema typing and in the default mode. A
//! small program per draft, built from the generated modules, runs `decode_message` on every
//! test's data; the verdicts are compared with the tests' `valid`:
//! - strict: the verdict is `valid`;
//! - default: what the suite calls invalid is never accepted. Valid data may be refused where
//!   the default mode types a value from its keywords alone (`properties` without `type` makes
//!   an object, ...); each such refusal is counted under its reason, and a refusal that no
//!   reason explains is a failure.
//!
//! The programs are binaries of one crate under `target/conformance`, built together into
//! the tests' shared target folder (and incrementally: unchanged generated code is not
//! rebuilt). A module whose code does not
//! compile is split into one module per group, and a group whose code alone does not compile
//! is left out: its tests fail with that reason, the rest still run.
//!
//! Failures are listed, with a reason each, in `tests/conformance/known-failures.tsv`; the
//! test fails when an unlisted failure appears or a listed one passes. What is not run (files
//! of keywords tidings does not evaluate, groups that need `$id`, anchors or other documents)
//! is listed, with a reason, in `tests/conformance/skipped.tsv`, which must match what the
//! test skips.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Map, Value};
use tidings_codegen::LoadOptions;
use tidings_tests::program::repo;

/// The drafts run, each with the `$schema` its payload schemas carry (which makes the
/// evaluator follow that draft where drafts differ).
const DRAFTS: &[(&str, Option<&str>)] = &[
    ("draft7", None),
    (
        "draft2020-12",
        Some("https://json-schema.org/draft/2020-12/schema"),
    ),
];

/// The `optional/format` files run, for the formats tidings checks.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "uri",
    "hostname",
    "ipv4",
    "ipv6",
    "uri-reference",
    "iri",
    "iri-reference",
];

const MODES: [&str; 2] = ["strict", "default"];

fn options(mode: &str) -> LoadOptions {
    LoadOptions {
        strict_json_schema: mode == "strict",
        ..LoadOptions::default()
    }
}

// ---- walking test schemas ------------------------------------------------------------------

/// Calls `f` on every schema object in `value`, a schema: not on data (`enum`, `const`, ...)
/// and not on maps of names (`properties`, `$defs`, ...), only on the schemas they hold.
fn each_schema(value: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            f(map);
            for (key, v) in map.iter_mut() {
                match key.as_str() {
                    "enum" | "const" | "default" | "examples" | "required" | "type"
                    | "dependentRequired" => {}
                    "properties" | "patternProperties" | "definitions" | "$defs"
                    | "dependentSchemas" | "dependencies" => {
                        if let Value::Object(named) = v {
                            for schema in named.values_mut() {
                                each_schema(schema, f);
                            }
                        }
                    }
                    _ => each_schema(v, f),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                each_schema(item, f);
            }
        }
        _ => {}
    }
}

/// Why tidings cannot run a group's schema, if it cannot: it needs base URIs, anchors, other
/// documents or annotations, none of which tidings evaluates.
fn unsupported(schema: &Value) -> Option<&'static str> {
    let mut reason = None;
    each_schema(&mut schema.clone(), &mut |map| {
        let found = if map.contains_key("$id") {
            Some("`$id` sets a base URI; tidings resolves JSON pointers only")
        } else if map.contains_key("$anchor") || map.contains_key("$dynamicAnchor") {
            Some("anchors are not supported")
        } else if map.contains_key("$dynamicRef") || map.contains_key("$recursiveRef") {
            Some("`$dynamicRef` is not supported")
        } else if (map.contains_key("unevaluatedProperties")
            || map.contains_key("unevaluatedItems"))
            && beside_applicators(map)
        {
            Some("`unevaluated*` beside applicators is not evaluated")
        } else {
            match map.get("$ref") {
                Some(Value::String(r)) if r != "#" && !r.starts_with("#/") => {
                    Some("`$ref` to another document or an anchor")
                }
                _ => None,
            }
        };
        reason = reason.or(found);
    });
    reason
}

/// Whether `unevaluated*` sits beside a keyword that evaluates in place (then tidings refuses
/// it; alone, it is `additional*` and is evaluated).
fn beside_applicators(map: &serde_json::Map<String, Value>) -> bool {
    [
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependencies",
        "$ref",
        "contains",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
}

/// `$ref`s inside a test schema point into the schema itself; in the spec it sits at `base`.
fn rebase_refs(schema: &mut Value, base: &str) {
    each_schema(schema, &mut |map| {
        if let Some(Value::String(r)) = map.get_mut("$ref") {
            if let Some(pointer) = r.strip_prefix('#') {
                *r = format!("{base}{pointer}");
            }
        }
    });
}

// ---- the lists -----------------------------------------------------------------------------

/// The rows of a tab-separated list under `tests/conformance`, with `columns` columns each.
fn rows(name: &str, columns: &[&str]) -> Vec<Vec<String>> {
    let path = repo().join("tests/conformance").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<String> = l.split('\t').map(str::to_owned).collect();
            assert_eq!(
                parts.len(),
                columns.len(),
                "{name}: {} per line: {l}",
                columns.join(", ")
            );
            parts
        })
        .collect()
}

// ---- the program ---------------------------------------------------------------------------

/// One test of the suite, in one mode.
struct Case {
    draft: &'static str,
    mode: &'static str,
    file: String,
    group: String,
    test: String,
    schema: Value,
    data: Value,
    valid: bool,
    module: String,
    message: String,
}

/// What `decode_message` said.
enum Verdict {
    Accepted,
    /// The typed decode refused (`DecodeError::Shape`).
    Shape(String),
    /// Any other refusal, as `kind: message`.
    Refused(String),
}

/// Writes `text` to `path` unless it holds that already: unchanged sources are not rebuilt.
fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap();
    }
}

const MAIN: &str = r#"
use std::io::{BufRead, Write};

fn verdict<T>(result: Result<T, tidings::DecodeError>) -> String {
    let flat = |e: &dyn std::fmt::Display| e.to_string().replace(['\n', '\t'], " ");
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e @ tidings::DecodeError::Shape { .. }) => format!("shape\t{}", flat(&e)),
        Err(e @ tidings::DecodeError::Invalid(_)) => format!("invalid\t{}", flat(&e)),
        Err(e) => format!("other\t{}", flat(&e)),
    }
}

fn main() {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let mut parts = line.splitn(3, '\t');
        let (module, message, payload) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap().as_bytes(),
        );
        let answer = decode(module, message, payload);
        writeln!(out, "{answer}").unwrap();
    }
}
"#;

/// A generated module of the program: one suite file (or, when its code does not compile,
/// one group of it) in one mode.
struct Unit {
    draft: &'static str,
    /// The module of the whole file, which cases name.
    origin: String,
    module: String,
    title: String,
    /// The messages (one per group), by name.
    messages: Map<String, Value>,
    options: LoadOptions,
}

/// Generates the units and builds one program per draft (binaries of one crate, built
/// together): the binaries' paths by draft, or the modules whose code does not compile.
fn build(units: &[Unit]) -> Result<BTreeMap<&'static str, PathBuf>, (BTreeSet<String>, String)> {
    let repo = repo();
    let target = tidings_tests::program::target();
    let dir = repo.join("target/conformance/program");
    let mut binaries = BTreeMap::new();
    let drafts: BTreeSet<&'static str> = units.iter().map(|u| u.draft).collect();
    for draft in drafts {
        let bin = draft.replace('-', "_");
        let src = dir.join("src/bin").join(&bin);
        std::fs::create_dir_all(&src).unwrap();
        let mut wanted = BTreeSet::from(["main.rs".to_owned()]);
        let mut declarations = String::new();
        let mut dispatch = String::new();
        for unit in units.iter().filter(|u| u.draft == draft) {
            let module = &unit.module;
            let spec = json!({
                "asyncapi": "3.0.0",
                "info": {"title": unit.title, "version": "1.0.0"},
                "components": {"messages": unit.messages},
            });
            let spec_path = src.join(format!("{module}.json"));
            write_if_changed(&spec_path, &serde_json::to_string_pretty(&spec).unwrap());
            let generated = tidings_codegen::generate(&spec_path, &unit.options)
                .unwrap_or_else(|e| panic!("{draft} {module}: generation failed: {e}"));
            write_if_changed(&src.join(format!("{module}.rs")), &generated.code);
            wanted.extend([format!("{module}.rs"), format!("{module}.json")]);
            writeln!(declarations, "#[allow(dead_code)]\nmod {module};").unwrap();
            writeln!(
                dispatch,
                "        {module:?} => verdict({module}::decode_message(message, payload)),"
            )
            .unwrap();
        }
        // Modules of an earlier run must not linger.
        for entry in std::fs::read_dir(&src).unwrap() {
            let entry = entry.unwrap();
            if !wanted.contains(entry.file_name().to_string_lossy().as_ref()) {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
        let main = format!(
            "{declarations}{MAIN}\nfn decode(module: &str, message: &str, payload: &[u8]) -> String {{\n    \
             match module {{\n{dispatch}        _ => unreachable!(),\n    }}\n}}\n"
        );
        write_if_changed(&src.join("main.rs"), &main);
        binaries.insert(draft, target.join("debug").join(&bin));
    }
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"conformance\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntidings = {{ path = {:?} }}\n\n{}\n[workspace]\n",
            repo.join("runtime").to_string_lossy(),
            tidings_tests::program::PROFILE
        ),
    );
    write_if_changed(
        &dir.join("Cargo.lock"),
        &std::fs::read_to_string(repo.join("Cargo.lock")).unwrap(),
    );
    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet", "--bins", "--keep-going"])
        .args(["--message-format=short"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    if output.status.success() {
        return Ok(binaries);
    }
    // `src/bin/draft7/m_items_strict.rs:10:5: error: ...`
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let failing = (stderr.lines())
        .filter(|line| line.contains(": error"))
        .filter_map(|line| {
            line.strip_prefix("src/bin/")?
                .split_once('/')?
                .1
                .split_once(".rs:")
        })
        .map(|(module, _)| module.to_owned())
        .collect();
    Err((failing, stderr))
}

/// Builds the program, splitting a module whose code does not compile into one module per
/// group, and leaving out groups whose code alone does not compile. The binaries by draft,
/// the module of each `(file module, message)` and the groups left out.
#[allow(clippy::type_complexity)]
fn build_what_compiles(
    mut units: Vec<Unit>,
) -> (
    BTreeMap<&'static str, PathBuf>,
    BTreeMap<(String, String), String>,
    BTreeSet<(String, String)>,
) {
    let mut left_out = BTreeSet::new();
    let binaries = loop {
        let (failing, stderr) = match build(&units) {
            Ok(binaries) => break binaries,
            Err(failure) => failure,
        };
        let (broken, fine): (Vec<Unit>, Vec<Unit>) =
            units.into_iter().partition(|u| failing.contains(&u.module));
        assert!(
            !broken.is_empty(),
            "the conformance program does not compile:\n{stderr}"
        );
        units = fine;
        for unit in broken {
            if unit.messages.len() == 1 {
                left_out.extend(
                    unit.messages
                        .keys()
                        .map(|m| (unit.origin.clone(), m.clone())),
                );
                continue;
            }
            for (message, value) in unit.messages {
                units.push(Unit {
                    draft: unit.draft,
                    origin: unit.origin.clone(),
                    module: format!("{}_{message}", unit.origin),
                    title: unit.title.clone(),
                    messages: Map::from_iter([(message, value)]),
                    options: unit.options.clone(),
                });
            }
        }
    };
    let routes = (units.iter())
        .flat_map(|u| {
            (u.messages.keys()).map(|m| ((u.origin.clone(), m.clone()), u.module.clone()))
        })
        .collect();
    (binaries, routes, left_out)
}

/// Runs `binary` on `cases`, each with the module that holds its group.
fn run(binary: &Path, cases: &[(String, &Case)]) -> Vec<Verdict> {
    let mut input = String::new();
    for (module, case) in cases {
        let data = serde_json::to_string(&case.data).unwrap();
        writeln!(input, "{module}\t{}\t{data}", case.message).unwrap();
    }
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        binary.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<Verdict> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| match line.split_once('\t') {
            None => Verdict::Accepted,
            Some(("shape", message)) => Verdict::Shape(message.to_owned()),
            Some((kind, message)) => Verdict::Refused(format!("{kind}: {message}")),
        })
        .collect();
    assert_eq!(verdicts.len(), cases.len());
    verdicts
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Accepted => f.write_str("accepted"),
            Verdict::Shape(message) | Verdict::Refused(message) => f.write_str(message),
        }
    }
}

// ---- default-mode refusals -----------------------------------------------------------------

/// A rewrite of a schema object: one thing the default mode infers beyond the schema.
type Inference = fn(&mut Map<String, Value>);

/// What the default mode enforces beyond a schema, by reason, each as a rewrite of every
/// schema object in it. Valid data that the rewritten schema rejects is refused on purpose.
const INFERENCES: &[(&str, Inference)] = &[
    (
        "object typed from properties/required/additionalProperties/patternProperties \
         without `type`",
        |map| {
            let objecty = [
                "properties",
                "required",
                "additionalProperties",
                "patternProperties",
            ]
            .iter()
            .any(|k| map.contains_key(*k));
            if objecty && !map.contains_key("type") {
                map.insert("type".into(), json!("object"));
            }
        },
    ),
    ("array typed from items/prefixItems without `type`", |map| {
        let arrayish = map.contains_key("items") || map.contains_key("prefixItems");
        if arrayish && !map.contains_key("type") {
            map.insert("type".into(), json!("array"));
        }
    }),
    (
        "extra members typed from additionalProperties, names that patternProperties match too",
        |map| {
            let Some(extra @ Value::Object(_)) = map.get("additionalProperties").cloned() else {
                return;
            };
            if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
                for schema in patterns.values_mut() {
                    *schema = json!({"allOf": [schema.take(), extra.clone()]});
                }
            }
        },
    ),
];

/// Why the default mode refuses valid `data`, where that is on purpose: the typed decode
/// refused it, and so does the schema with one of the [`INFERENCES`] applied.
fn deliberate_refusal(schema: &Value, data: &Value, verdict: &Verdict) -> Option<&'static str> {
    let Verdict::Shape(_) = verdict else {
        return None;
    };
    INFERENCES.iter().find_map(|(reason, inference)| {
        let mut inferred = schema.clone();
        each_schema(&mut inferred, &mut |map| inference(map));
        let inferred = tidings::schema::Schema::compile(&inferred).ok()?;
        (!inferred.is_valid(data)).then_some(*reason)
    })
}

// ---- the test ------------------------------------------------------------------------------

#[test]
fn json_schema_test_suite_through_generated_code() {
    let mut suites = Vec::new();
    for (draft, _) in DRAFTS {
        let Some(suite) = tidings_tests::corpus::corpus(
            "json_schema_test_suite_through_generated_code",
            &format!("json-schema-test-suite/tests/{draft}"),
        ) else {
            return;
        };
        suites.push(suite);
    }
    let listed_skips: BTreeMap<(String, String, String), String> =
        rows("skipped.tsv", &["draft", "file", "group", "reason"])
            .into_iter()
            .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), r[3].clone()))
            .collect();
    let known: BTreeMap<(String, String, String, String, String), String> = rows(
        "known-failures.tsv",
        &["draft", "mode", "file", "group", "test", "reason"],
    )
    .into_iter()
    .map(|r| {
        (
            (
                r[0].clone(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
            ),
            r[5].clone(),
        )
    })
    .collect();

    let mut cases: Vec<Case> = Vec::new();
    let mut skipped: BTreeMap<(String, String, String), String> = BTreeMap::new();
    let mut units: Vec<Unit> = Vec::new();
    for ((draft, dialect), suite) in DRAFTS.iter().zip(&suites) {
        let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(suite)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
            .collect();
        files.sort();
        files.extend(FORMATS.iter().map(|f| {
            (
                format!("format/{f}"),
                suite.join(format!("optional/format/{f}.json")),
            )
        }));
        // Draft 7 has no `uuid` format file; 2020-12 has.
        let uuid = suite.join("optional/format/uuid.json");
        if uuid.exists() {
            files.push(("format/uuid".to_owned(), uuid));
        }
        for (file, path) in files {
            let whole = (draft.to_string(), file.clone(), "*".to_owned());
            if let Some(reason) = listed_skips.get(&whole) {
                skipped.insert(whole, reason.clone());
                continue;
            }
            let groups: Vec<Value> =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let stem = format!("m_{}", file.replace(['-', '/'], "_").to_lowercase());
            let mut messages = Map::new();
            for (g, group) in groups.iter().enumerate() {
                let description = group["description"].as_str().unwrap_or_default();
                let mut schema = group["schema"].clone();
                if let Some(reason) = unsupported(&schema) {
                    let key = (draft.to_string(), file.clone(), description.to_owned());
                    skipped.insert(key, reason.to_owned());
                    continue;
                }
                if let (Some(uri), Value::Object(map)) = (dialect, &mut schema) {
                    map.entry("$schema").or_insert_with(|| json!(uri));
                }
                let original = schema.clone();
                rebase_refs(&mut schema, &format!("#/components/messages/g{g}/payload"));
                messages.insert(format!("g{g}"), json!({ "payload": schema }));
                for test in group["tests"].as_array().unwrap() {
                    for mode in MODES {
                        cases.push(Case {
                            draft,
                            mode,
                            file: file.clone(),
                            group: description.to_owned(),
                            test: test["description"].as_str().unwrap_or_default().into(),
                            schema: original.clone(),
                            data: test["data"].clone(),
                            valid: test["valid"].as_bool().unwrap(),
                            module: format!("{stem}_{mode}"),
                            message: format!("g{g}"),
                        });
                    }
                }
            }
            if messages.is_empty() {
                continue;
            }
            for mode in MODES {
                units.push(Unit {
                    draft,
                    origin: format!("{stem}_{mode}"),
                    module: format!("{stem}_{mode}"),
                    title: file.clone(),
                    messages: messages.clone(),
                    options: options(mode),
                });
            }
        }
    }

    let (binaries, routes, left_out) = build_what_compiles(units);
    let mut verdicts: Vec<Option<Verdict>> = (cases.iter())
        .map(|c| {
            let group = (c.module.clone(), c.message.clone());
            left_out
                .contains(&group)
                .then(|| Verdict::Refused("the generated code does not compile".into()))
        })
        .collect();
    for (draft, binary) in &binaries {
        let (indices, of_draft): (Vec<usize>, Vec<(String, &Case)>) = (cases.iter().enumerate())
            .filter(|(i, c)| c.draft == *draft && verdicts[*i].is_none())
            .map(|(i, c)| {
                (
                    i,
                    (routes[&(c.module.clone(), c.message.clone())].clone(), c),
                )
            })
            .unzip();
        for (i, verdict) in indices.into_iter().zip(run(binary, &of_draft)) {
            verdicts[i] = Some(verdict);
        }
    }

    // Per draft, mode and file: (agreeing, total).
    let mut agreement: BTreeMap<(&str, &str, &str), (usize, usize)> = BTreeMap::new();
    let mut accepted_invalid = Vec::new();
    let mut refusals: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    for (case, verdict) in cases.iter().zip(verdicts.iter().flatten()) {
        let accepted = matches!(verdict, Verdict::Accepted);
        let entry = agreement
            .entry((case.draft, case.mode, case.file.as_str()))
            .or_default();
        entry.1 += 1;
        if accepted == case.valid {
            entry.0 += 1;
        }
        let failure = match (case.mode, accepted, case.valid) {
            (_, true, true) | (_, false, false) => None,
            ("strict", true, false) => Some("accepted, but invalid".to_owned()),
            ("strict", false, true) => Some(format!("refused: {verdict}")),
            (_, true, false) => {
                accepted_invalid.push(format!(
                    "{} {}: {} / {}",
                    case.draft, case.file, case.group, case.test
                ));
                Some("accepted, but invalid".to_owned())
            }
            (_, false, true) => match deliberate_refusal(&case.schema, &case.data, verdict) {
                Some(reason) => {
                    *refusals.entry((case.draft, reason)).or_default() += 1;
                    None
                }
                None => Some(format!("refused without a reason: {verdict}")),
            },
        };
        let key = (
            case.draft.to_owned(),
            case.mode.to_owned(),
            case.file.clone(),
            case.group.clone(),
            case.test.clone(),
        );
        match (failure, known.contains_key(&key)) {
            (None, true) => fixed.push(format!(
                "{}\t{}\t{}\t{}\t{}",
                key.0, key.1, key.2, key.3, key.4
            )),
            (Some(why), false) => unexpected.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{why} (schema {}, data {})",
                key.0, key.1, key.2, key.3, key.4, case.schema, case.data
            )),
            _ => {}
        }
    }

    let mut report = String::new();
    for (draft, _) in DRAFTS {
        writeln!(
            report,
            "JSON-Schema-Test-Suite {draft} through generated code, agreement with `valid`:"
        )
        .unwrap();
        writeln!(report, "  {:<28} {:<18} default", "file", "strict").unwrap();
        let files: BTreeSet<&str> = (agreement.keys())
            .filter(|(d, _, _)| d == draft)
            .map(|(_, _, f)| *f)
            .collect();
        let mut totals = [(0, 0); 2];
        let cell = |(p, t): (usize, usize)| {
            format!("{p:>4}/{t:<4} {:>6.1}%", 100.0 * p as f64 / t.max(1) as f64)
        };
        for file in files {
            let mut line = format!("  {file:<28}");
            for (m, mode) in MODES.iter().enumerate() {
                let counts = agreement[&(*draft, *mode, file)];
                totals[m].0 += counts.0;
                totals[m].1 += counts.1;
                write!(line, " {:<18}", cell(counts)).unwrap();
            }
            writeln!(report, "{}", line.trim_end()).unwrap();
        }
        writeln!(
            report,
            "  {:<28} {:<18} {}",
            "total",
            cell(totals[0]),
            cell(totals[1])
        )
        .unwrap();
        let count = |mode: &str| {
            cases
                .iter()
                .filter(|c| c.draft == *draft && c.mode == mode && !c.valid)
                .count()
        };
        let accepted = accepted_invalid
            .iter()
            .filter(|a| a.starts_with(&format!("{draft} ")))
            .count();
        writeln!(
            report,
            "  default mode: {accepted} of {} invalid cases accepted; valid cases refused on \
             purpose, by reason:",
            count("default")
        )
        .unwrap();
        for ((d, reason), n) in &refusals {
            if d == draft {
                writeln!(report, "    {n:>4}  {reason}").unwrap();
            }
        }
        for ((d, file, group), reason) in &skipped {
            if d == draft {
                writeln!(report, "  skipped: {file}: {group} ({reason})").unwrap();
            }
        }
    }
    eprint!("{report}");

    let unlisted_skips: Vec<String> = (skipped.iter())
        .filter(|(key, _)| !listed_skips.contains_key(key))
        .map(|((d, f, g), reason)| format!("{d}\t{f}\t{g}\t{reason}"))
        .collect();
    let stale_skips: Vec<String> = (listed_skips.keys())
        .filter(|key| !skipped.contains_key(key))
        .map(|(d, f, g)| format!("{d}\t{f}\t{g}"))
        .collect();
    let mut problems = Vec::new();
    for (what, list) in [
        ("skipped, but not listed in skipped.tsv", unlisted_skips),
        ("listed in skipped.tsv, but not skipped", stale_skips),
        (
            "unexpected failures (fix, or list in known-failures.tsv with a reason)",
            unexpected,
        ),
        (
            "listed in known-failures.tsv, but passing (remove them)",
            fixed,
        ),
    ] {
        if !list.is_empty() {
            problems.push(format!("{what}:\n{}", list.join("\n")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
