//! Differential test of generated validation against an independent JSON Schema validator.
//!
//! Random schemas (`tidings_tests::fuzz`) become the payloads of one AsyncAPI document,
//! generated in both typing modes and compiled; random payloads for each go through
//! `decode_message` and through the `jsonschema` crate. In strict mode the verdicts must be
//! identical; the default mode may refuse more than the schema (it types an object from
//! `properties`), never accept less. Every schema must generate and compile.
//!
//! Defaults: seed 2026, 300 schemas, 20 payloads each. `TIDINGS_FUZZ_SEED`,
//! `TIDINGS_FUZZ_SCHEMAS`, `TIDINGS_FUZZ_PAYLOADS` and `TIDINGS_FUZZ_FIRST` (the index of the
//! first schema, to replay one) change them; `cargo xtask fuzz-schemas --seed N --count M`
//! runs longer.

use std::collections::BTreeMap;

use serde_json::Value;
use tidings_tests::fuzz;
use tidings_tests::program::{self, Program};

fn env(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {text:?}")),
        Err(_) => default,
    }
}

/// Schemas per compiled program.
const BATCH: u64 = 400;

#[test]
fn generated_validation_agrees_with_an_independent_validator() {
    let seed = env("TIDINGS_FUZZ_SEED", 2026);
    let count = env("TIDINGS_FUZZ_SCHEMAS", 300);
    let per_schema = env("TIDINGS_FUZZ_PAYLOADS", 20) as usize;
    let first = env("TIDINGS_FUZZ_FIRST", 0);

    let mut mismatches: Vec<String> = Vec::new();
    let mut totals = Totals::default();
    let mut start = first;
    while start < first + count {
        let end = (start + BATCH).min(first + count);
        eprintln!("fuzz: seed {seed}, schemas {start}..{end}");
        let before = mismatches.len();
        run_batch(seed, start..end, per_schema, &mut totals, &mut mismatches);
        // A long run shows what it finds as it goes.
        for mismatch in mismatches[before..].iter().take(5) {
            eprintln!("{mismatch}\n");
        }
        eprintln!(
            "fuzz: seed {seed}, so far: {} schemas, {} payloads ({} valid), {} mismatches",
            totals.schemas,
            totals.payloads,
            totals.valid,
            mismatches.len()
        );
        start = end;
    }
    eprintln!(
        "fuzz: seed {seed}: {} schemas, {} payloads ({} valid), {} refused by the default mode \
         on purpose; {} mismatches",
        totals.schemas,
        totals.payloads,
        totals.valid,
        totals.default_refusals,
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches (first 10):\n\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[derive(Default)]
struct Totals {
    schemas: u64,
    payloads: u64,
    valid: u64,
    default_refusals: u64,
}

fn run_batch(
    seed: u64,
    indices: std::ops::Range<u64>,
    per_schema: usize,
    totals: &mut Totals,
    mismatches: &mut Vec<String>,
) {
    let cases: BTreeMap<u64, fuzz::Case> = indices
        .clone()
        .map(|i| (i, fuzz::schema(seed, i)))
        .collect();
    let messages: Vec<(String, Value)> = cases
        .iter()
        .map(|(i, case)| (format!("m{i}"), case.schema.clone()))
        .collect();
    let mut schemas = serde_json::Map::new();
    for case in cases.values() {
        for (k, d) in case.definitions.iter().enumerate() {
            schemas.insert(format!("{}{k}", case.prefix), d.clone());
        }
    }
    let document = program::document("fuzz", &messages, &Value::Object(schemas));
    let specs = program::in_both_modes(&document);
    // A long run (`cargo xtask fuzz-schemas`) builds apart from the test's own program.
    let name = std::env::var("TIDINGS_FUZZ_PROGRAM").unwrap_or_else(|_| "fuzz-schemas".into());
    let built = Program::build(&name, &specs).unwrap_or_else(|e| {
        panic!(
            "seed {seed}, schemas {indices:?}: {e}\n(replay one schema with TIDINGS_FUZZ_SEED={seed} \
             TIDINGS_FUZZ_FIRST=<index> TIDINGS_FUZZ_SCHEMAS=1)"
        )
    });
    for (module, error) in &built.refused {
        mismatches.push(format!(
            "seed {seed}, schemas {indices:?}: the {module} mode refused the document:\n{error}"
        ));
    }
    if !built.refused.is_empty() {
        return;
    }

    let mut runs = Vec::new();
    let mut verdicts = Vec::new();
    for (i, case) in &cases {
        let oracle = oracle_for(*i, case);
        for payload in fuzz::payloads(case, seed, *i, per_schema) {
            let value: Value = serde_json::from_str(&payload).expect("JSON");
            verdicts.push((*i, payload.clone(), oracle.is_valid(&value)));
            for (mode, _) in program::modes() {
                runs.push((mode.to_string(), format!("m{i}"), payload.clone()));
            }
        }
    }
    let answers = built.run(&runs);
    totals.schemas += cases.len() as u64;
    for ((i, payload, valid), answers) in verdicts.iter().zip(answers.chunks(2)) {
        totals.payloads += 1;
        totals.valid += u64::from(*valid);
        let (strict, default) = (&answers[0], &answers[1]);
        let mut report = |what: &str, answer: &Result<(), String>| {
            mismatches.push(format!(
                "schema {i} (TIDINGS_FUZZ_SEED={seed} TIDINGS_FUZZ_FIRST={i} TIDINGS_FUZZ_SCHEMAS=1): \
                 {what}\n  schema:  {}\n  payload: {payload}\n  tidings: {answer:?}",
                cases[i].standalone()
            ));
        };
        if strict.is_ok() != *valid {
            report(
                if *valid {
                    "strict mode refuses a valid payload"
                } else {
                    "strict mode accepts an invalid payload"
                },
                strict,
            );
        }
        match (default.is_ok(), valid) {
            (true, false) => report("the default mode accepts an invalid payload", default),
            (false, true) => totals.default_refusals += 1,
            _ => {}
        }
    }
}

/// The independent validator of schema `i`, draft-07, formats asserted.
fn oracle_for(i: u64, case: &fuzz::Case) -> jsonschema::Validator {
    let standalone = case.standalone();
    jsonschema::draft7::options()
        .should_validate_formats(true)
        // `uuid` is a format from 2019-09 on, which tidings checks in every draft.
        .with_format("uuid", is_uuid)
        .build(&standalone)
        .unwrap_or_else(|e| panic!("schema {i} is not a valid schema: {e}\n{standalone}"))
}

/// RFC 4122's hyphenated form: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The same random schemas written in OpenAPI 3.0's dialect (`nullable`, boolean exclusive
/// limits, no `const` or type arrays) and in JSON Schema 2020-12 (OpenAPI 3.1: `prefixItems`,
/// `dependentRequired`, keywords beside `$ref`), each in an OpenAPI document: decoding there
/// must agree with the independent validator on the draft-07 original. This checks the
/// dialects' readings, not only the evaluator.
#[test]
fn openapi_dialects_agree_with_the_draft_07_originals() {
    let seed = env("TIDINGS_FUZZ_SEED", 2026) + 1;
    let count = env("TIDINGS_FUZZ_OPENAPI_SCHEMAS", 120);
    let per_schema = env("TIDINGS_FUZZ_PAYLOADS", 20) as usize;
    let cases: BTreeMap<u64, fuzz::Case> = (0..count).map(|i| (i, fuzz::schema(seed, i))).collect();
    let mut components_30 = serde_json::Map::new();
    let mut components_31 = serde_json::Map::new();
    let mut paths = serde_json::Map::new();
    let mut webhooks = serde_json::Map::new();
    for (i, case) in &cases {
        for (k, d) in case.definitions.iter().enumerate() {
            components_30.insert(format!("{}{k}", case.prefix), to_openapi_30(d));
            components_31.insert(format!("{}{k}", case.prefix), to_2020_12(d));
        }
        let body = |schema: Value| {
            serde_json::json!({"requestBody": {"content": {"application/json": {"schema": schema}}},
                               "responses": {"204": {"description": "ok"}}})
        };
        let mut op = body(to_openapi_30(&case.schema));
        op["operationId"] = format!("m{i}").into();
        paths.insert(format!("/m{i}"), serde_json::json!({ "post": op }));
        webhooks.insert(
            format!("m{i}"),
            serde_json::json!({"post": body(to_2020_12(&case.schema))}),
        );
    }
    let info = serde_json::json!({"title": "fuzz", "version": "1"});
    let documents = [
        (
            "oas30",
            serde_json::json!({"openapi": "3.0.3", "info": info, "paths": paths,
                               "components": {"schemas": components_30}}),
            " body",
        ),
        (
            "oas31",
            serde_json::json!({"openapi": "3.1.0", "info": info, "webhooks": webhooks,
                               "components": {"schemas": components_31}}),
            "",
        ),
    ];
    let mut specs = Vec::new();
    for (name, document, _) in &documents {
        for (mode, options) in program::modes() {
            specs.push(program::Spec {
                module: format!("{name}_{mode}"),
                document: document.clone(),
                options,
            });
        }
    }
    let built =
        Program::build("fuzz-openapi", &specs).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert!(
        built.refused.is_empty(),
        "documents refused: {:?}",
        built.refused
    );
    let mut runs = Vec::new();
    let mut verdicts = Vec::new();
    for (i, case) in &cases {
        let oracle = oracle_for(*i, case);
        for payload in fuzz::payloads(case, seed, *i, per_schema) {
            let value: Value = serde_json::from_str(&payload).expect("JSON");
            verdicts.push((*i, payload.clone(), oracle.is_valid(&value)));
            for (name, _, suffix) in &documents {
                for (mode, _) in program::modes() {
                    runs.push((
                        format!("{name}_{mode}"),
                        format!("m{i}{suffix}"),
                        payload.clone(),
                    ));
                }
            }
        }
    }
    let answers = built.run(&runs);
    let mut mismatches = Vec::new();
    let mut valid_count = 0;
    for ((i, payload, valid), answers) in verdicts.iter().zip(answers.chunks(4)) {
        valid_count += usize::from(*valid);
        for (k, answer) in answers.iter().enumerate() {
            let (name, mode) = (
                documents[k / 2].0,
                if k % 2 == 0 { "strict" } else { "default" },
            );
            let wrong = match mode {
                "strict" => answer.is_ok() != *valid,
                _ => answer.is_ok() && !valid,
            };
            if wrong {
                mismatches.push(format!(
                    "schema {i} ({name}, {mode}): the original says {}, tidings {answer:?}\n  \
                     draft-07: {}\n  {name}: {}\n  payload: {payload}",
                    if *valid { "valid" } else { "invalid" },
                    cases[i].schema,
                    if name == "oas30" {
                        to_openapi_30(&cases[i].schema)
                    } else {
                        to_2020_12(&cases[i].schema)
                    },
                ));
            }
        }
    }
    eprintln!(
        "fuzz openapi: seed {seed}: {} schemas, {} payloads ({valid_count} valid), {} mismatches",
        cases.len(),
        verdicts.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches (first 5):\n\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// Applies `f` to each subschema of `schema` (not to data: `enum`, `const`, `default`, ...).
fn map_subschemas(schema: &Value, f: &dyn Fn(&Value) -> Value) -> serde_json::Map<String, Value> {
    let Value::Object(map) = schema else {
        return serde_json::Map::new();
    };
    let mut out = serde_json::Map::new();
    for (key, value) in map {
        let mapped = match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), f(v)))
                    .collect(),
            ),
            "dependencies" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), if v.is_array() { v.clone() } else { f(v) }))
                    .collect(),
            ),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(value.as_array().into_iter().flatten().map(f).collect())
            }
            "items" if value.is_array() => {
                Value::Array(value.as_array().into_iter().flatten().map(f).collect())
            }
            "items"
            | "additionalItems"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames" => f(value),
            _ => value.clone(),
        };
        out.insert(key.clone(), mapped);
    }
    out
}

/// A draft-07 schema in OpenAPI 3.0's dialect, meaning the same.
fn to_openapi_30(schema: &Value) -> Value {
    match schema {
        Value::Bool(true) => return serde_json::json!({}),
        Value::Bool(false) => return serde_json::json!({"not": {}}),
        _ => {}
    }
    let mut map = map_subschemas(schema, &to_openapi_30);
    if map.contains_key("$ref") {
        return Value::Object(map);
    }
    let mut all_of: Vec<Value> = Vec::new();
    if let Some(constant) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![constant]));
    }
    if let Some(types) = map.remove("type") {
        let names: Vec<String> = match types {
            Value::String(t) => vec![t],
            Value::Array(ts) => ts
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let nullable = names.iter().any(|t| t == "null");
        let others: Vec<&String> = names.iter().filter(|t| *t != "null").collect();
        match others.as_slice() {
            [] => all_of.push(serde_json::json!({"enum": [null]})),
            [one] => {
                map.insert("type".into(), (*one).clone().into());
                if nullable {
                    map.insert("nullable".into(), true.into());
                }
            }
            many => {
                let mut branches: Vec<Value> = many
                    .iter()
                    .map(|t| serde_json::json!({"type": t}))
                    .collect();
                if nullable {
                    branches.push(serde_json::json!({"enum": [null]}));
                }
                all_of.push(serde_json::json!({ "anyOf": branches }));
            }
        }
    }
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(limit) = map.remove(exclusive).filter(Value::is_number) {
            if let Some(other) = map.remove(inclusive) {
                all_of.push(serde_json::json!({ inclusive: other }));
            }
            map.insert(inclusive.into(), limit);
            map.insert(exclusive.into(), true.into());
        }
    }
    if !all_of.is_empty() {
        if let Some(Value::Array(existing)) = map.remove("allOf") {
            all_of.splice(0..0, existing);
        }
        map.insert("allOf".into(), Value::Array(all_of));
    }
    Value::Object(map)
}

/// A draft-07 schema in JSON Schema 2020-12, meaning the same.
fn to_2020_12(schema: &Value) -> Value {
    if !schema.is_object() {
        return schema.clone();
    }
    let mut map = map_subschemas(schema, &to_2020_12);
    if let Some(reference) = map.get("$ref").cloned() {
        // Draft-07 ignores what sits beside `$ref`; 2020-12 would apply it.
        let mut only = serde_json::Map::new();
        only.insert("$ref".into(), reference);
        return Value::Object(only);
    }
    match map.remove("items") {
        Some(Value::Array(tuple)) => {
            map.insert("prefixItems".into(), Value::Array(tuple));
            if let Some(rest) = map.remove("additionalItems") {
                map.insert("items".into(), rest);
            }
        }
        Some(items) => {
            map.remove("additionalItems");
            map.insert("items".into(), items);
        }
        None => {
            map.remove("additionalItems");
        }
    }
    if let Some(Value::Object(dependencies)) = map.remove("dependencies") {
        let (mut required, mut schemas) = (serde_json::Map::new(), serde_json::Map::new());
        for (name, dependency) in dependencies {
            if dependency.is_array() {
                required.insert(name, dependency);
            } else {
                schemas.insert(name, dependency);
            }
        }
        if !required.is_empty() {
            map.insert("dependentRequired".into(), Value::Object(required));
        }
        if !schemas.is_empty() {
            map.insert("dependentSchemas".into(), Value::Object(schemas));
        }
    }
    Value::Object(map)
}
