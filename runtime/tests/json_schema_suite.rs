//! JSON-Schema-Test-Suite (draft 7) straight through [`tidings::schema::Schema`].
//!
//! Every test of the keyword files below and of the optional format files runs through both
//! `Schema::is_valid` and `Schema::validate_at`; each must agree with the test's `valid`, and
//! `validate_at` must leave the pointer where it was and point only at values that exist.
//! Groups that need what tidings leaves out (other documents, `$id` base URIs) are skipped,
//! each with a reason (their schemas must fail to compile, not validate wrongly), and tests
//! tidings knowingly fails are listed, each with a reason. The test fails when an unlisted
//! failure appears, a listed one starts passing, or a skipped group's schema compiles.

use std::collections::BTreeSet;

use serde_json::Value;
use tidings::schema::Schema;
use tidings::{Pointer, ValidationErrors};

#[path = "../../tests/src/corpus.rs"]
mod corpus;

/// The draft-7 keyword files, in `tests/draft7/`.
const KEYWORD_FILES: &[&str] = &[
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
    "allOf",
    "items",
    "additionalItems",
    "properties",
    "type",
    "boolean_schema",
    "default",
    "ref",
    "definitions",
    "infinite-loop-detection",
    "format",
];

/// The format files, in `tests/draft7/optional/format/`.
const FORMAT_FILES: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "uri",
    "hostname",
    "ipv4",
    "ipv6",
    "unknown",
];

/// Groups not run: (file, group description, reason).
const SKIPPED: &[(&str, &str, &str)] = &[
    (
        "ref",
        "$ref prevents a sibling $id from changing the base uri",
        "relative `$ref`s resolved against `$id` base URIs",
    ),
    (
        "ref",
        "remote ref, containing refs itself",
        "remote `$ref` to the draft-07 meta-schema",
    ),
    (
        "ref",
        "Recursive references between schemas",
        "`$ref`s resolved against `$id` base URIs",
    ),
    (
        "ref",
        "Location-independent identifier",
        "`$id` anchors (`#foo`)",
    ),
    (
        "ref",
        "Reference an anchor with a non-relative URI",
        "`$id` anchors and absolute-URI `$ref`s",
    ),
    (
        "ref",
        "Location-independent identifier with base URI change in subschema",
        "`$id` anchors under a changed base URI",
    ),
    (
        "ref",
        "refs with relative uris and defs",
        "`$ref`s resolved against `$id` base URIs",
    ),
    (
        "ref",
        "relative refs with absolute uris and defs",
        "`$ref`s resolved against `$id` base URIs",
    ),
    (
        "ref",
        "$id must be resolved against nearest parent, not just immediate parent",
        "`$ref`s resolved against `$id` base URIs",
    ),
    (
        "ref",
        "simple URN base URI with $ref via the URN",
        "absolute-URI `$ref` naming the document by its `$id`",
    ),
    (
        "ref",
        "URN base URI with URN and JSON pointer ref",
        "absolute-URI `$ref` naming the document by its `$id`",
    ),
    (
        "ref",
        "URN base URI with URN and anchor ref",
        "absolute-URI `$ref` to an `$id` anchor",
    ),
    (
        "ref",
        "ref to if",
        "absolute-URI `$ref` to an embedded `$id`",
    ),
    (
        "ref",
        "ref to then",
        "absolute-URI `$ref` to an embedded `$id`",
    ),
    (
        "ref",
        "ref to else",
        "absolute-URI `$ref` to an embedded `$id`",
    ),
    (
        "ref",
        "ref with absolute-path-reference",
        "`$ref`s resolved against `$id` base URIs",
    ),
    (
        "definitions",
        "validate definition against metaschema",
        "remote `$ref` to the draft-07 meta-schema",
    ),
];

/// Tests tidings fails on purpose: (file, group description, test description, reason).
const KNOWN_FAILURES: &[(&str, &str, &str, &str)] = &[];

/// One test's outcome, named by file, group and test.
type Case = (String, String, String);

struct Tally {
    file: String,
    passed: usize,
    total: usize,
    skipped_groups: usize,
}

#[test]
fn json_schema_test_suite_draft7() {
    let Some(root) = corpus::corpus(
        "json_schema_test_suite_draft7",
        "json-schema-test-suite/tests/draft7",
    ) else {
        return;
    };
    let files = (KEYWORD_FILES
        .iter()
        .map(|f| (f.to_string(), root.join(format!("{f}.json")))))
    .chain(FORMAT_FILES.iter().map(|f| {
        (
            format!("format/{f}"),
            root.join(format!("optional/format/{f}.json")),
        )
    }));

    let mut failures: Vec<(Case, String)> = Vec::new();
    let mut complaints = Vec::new();
    let mut tallies = Vec::new();
    let mut skips_used = BTreeSet::new();
    for (file, path) in files {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let groups: Vec<Value> = serde_json::from_str(&text).expect("suite file is JSON");
        let mut tally = Tally {
            file: file.clone(),
            passed: 0,
            total: 0,
            skipped_groups: 0,
        };
        for group in &groups {
            let description = group["description"].as_str().unwrap_or_default();
            if let Some(skip) = SKIPPED
                .iter()
                .find(|(f, g, _)| *f == file && *g == description)
            {
                skips_used.insert((skip.0, skip.1));
                tally.skipped_groups += 1;
                if Schema::compile(&group["schema"]).is_ok() {
                    complaints.push(format!(
                        "skipped group now compiles (run it): {file} / {description}"
                    ));
                }
                continue;
            }
            let schema = Schema::compile(&group["schema"]);
            for test in group["tests"].as_array().into_iter().flatten() {
                let case = (
                    file.clone(),
                    description.to_owned(),
                    test["description"].as_str().unwrap_or_default().to_owned(),
                );
                tally.total += 1;
                let problem = match &schema {
                    Err(e) => Some(format!("schema does not compile: {e}")),
                    Ok(schema) => run(schema, &test["data"], test["valid"].as_bool() == Some(true)),
                };
                match problem {
                    None => tally.passed += 1,
                    Some(problem) => failures.push((case, problem)),
                }
            }
        }
        tallies.push(tally);
    }

    eprintln!("JSON-Schema-Test-Suite draft7 through tidings::schema::Schema:");
    for t in &tallies {
        let rate = if t.total == 0 {
            100.0
        } else {
            100.0 * t.passed as f64 / t.total as f64
        };
        let skipped = match t.skipped_groups {
            0 => String::new(),
            n => format!(" ({n} groups skipped)"),
        };
        eprintln!(
            "  {:<28} {:>3}/{:<3} {rate:>5.1}%{skipped}",
            t.file, t.passed, t.total
        );
    }

    let known = |case: &Case| {
        KNOWN_FAILURES
            .iter()
            .any(|(f, g, t, _)| *f == case.0 && *g == case.1 && *t == case.2)
    };
    for (case, problem) in &failures {
        if !known(case) {
            complaints.push(format!("unexpected failure: {case:?}: {problem}"));
        }
    }
    for (f, g, t, reason) in KNOWN_FAILURES {
        if !failures
            .iter()
            .any(|(case, _)| case.0 == *f && case.1 == *g && case.2 == *t)
        {
            complaints.push(format!(
                "listed failure now passes (remove it): {f} / {g} / {t} ({reason})"
            ));
        }
    }
    for (f, g, reason) in SKIPPED {
        if !skips_used.contains(&(*f, *g)) {
            complaints.push(format!("skipped group not found: {f} / {g} ({reason})"));
        }
    }
    assert!(complaints.is_empty(), "\n{}", complaints.join("\n"));
}

/// What is wrong with how `schema` judges `data`, or `None`.
fn run(schema: &Schema, data: &Value, valid: bool) -> Option<String> {
    let quick = schema.is_valid(data);
    let mut at = Pointer::root();
    let mut errors = ValidationErrors::new();
    schema.validate_at(data, &mut at, &mut errors);
    if quick != valid {
        return Some(format!("is_valid says {quick}, the suite {valid}"));
    }
    if errors.is_empty() != valid {
        return Some(format!(
            "validate_at found {:?}, the suite says valid = {valid}",
            errors.to_string()
        ));
    }
    if !at.as_str().is_empty() {
        return Some(format!("validate_at left the pointer at {:?}", at.as_str()));
    }
    if let Some(v) = errors.iter().find(|v| data.pointer(&v.pointer).is_none()) {
        return Some(format!("violation points at nothing: {v}"));
    }
    None
}
