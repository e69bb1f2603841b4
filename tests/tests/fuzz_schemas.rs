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
        let standalone = case.standalone();
        let oracle = jsonschema::draft7::options()
            .should_validate_formats(true)
            // `uuid` is a format from 2019-09 on, which tidings checks in every draft.
            .with_format("uuid", is_uuid)
            .build(&standalone)
            .unwrap_or_else(|e| panic!("schema {i} is not a valid schema: {e}\n{standalone}"));
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

/// RFC 4122's hyphenated form: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}
