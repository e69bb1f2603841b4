//! What `tidings diff` reports, rule by rule, and what it must not report.
//!
//! One table row per rule, checked in all three modes; refactors that must report nothing; the
//! API level; allow-lists and major bumps; the command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use tidings_codegen::compat::{self, AllowList, Format, Mode, Options, Report};
use tidings_codegen::LoadOptions;

/// A spec with one message `Thing` whose payload is `payload` (YAML flow or block text,
/// indented for `payload:`), plus `components` schemas `extra`.
fn spec(payload: &str, extra: &str) -> String {
    format!(
        "asyncapi: 3.0.0
info: {{title: t, version: '1'}}
channels:
  things:
    address: things/{{id}}
    parameters:
      id: {{}}
    messages:
      thing: {{$ref: '#/components/messages/Thing'}}
components:
  messages:
    Thing:
      name: com.acme.thing
      payload: {payload}
  schemas: {{Unused: {{type: string}}{extra}}}
"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn diff_texts(old: &str, new: &str, mode: Mode, strict: bool) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let (o, n) = (
        write(dir.path(), "old.yaml", old),
        write(dir.path(), "new.yaml", new),
    );
    compat::diff_specs(&o, &n, &LoadOptions::default(), &Options { mode, strict }).unwrap()
}

/// Checks that `old` → `new` reports `rule` and passes exactly the modes marked `true`.
#[track_caller]
fn check(old: &str, new: &str, rule: &str, backward: bool, forward: bool, strict: bool) {
    for (mode, expected) in [
        (Mode::Backward, backward),
        (Mode::Forward, forward),
        (Mode::Full, backward && forward),
    ] {
        let report = diff_texts(old, new, mode, strict);
        let rules: Vec<&str> = report.changes().map(|c| c.rule.as_str()).collect();
        assert!(
            rules.contains(&rule),
            "expected `{rule}`, got {rules:?}\n{}",
            report.render(Format::Text)
        );
        assert_eq!(
            report.is_compatible(),
            expected,
            "`{rule}` in {mode} mode\n{}",
            report.render(Format::Text)
        );
    }
}

/// Payload-level rule: the payloads as YAML flow mappings.
#[track_caller]
fn rule(old: &str, new: &str, rule: &str, backward: bool, forward: bool) {
    check(
        &spec(old, ""),
        &spec(new, ""),
        rule,
        backward,
        forward,
        false,
    );
}

#[track_caller]
fn strict_rule(old: &str, new: &str, rule: &str, backward: bool, forward: bool) {
    check(
        &spec(old, ""),
        &spec(new, ""),
        rule,
        backward,
        forward,
        true,
    );
}

const OBJ: &str = "{type: object, properties: {a: {type: string}}}";

#[test]
fn types() {
    rule(
        "{type: integer}",
        "{type: number}",
        "type-widened",
        true,
        false,
    );
    rule(
        "{type: number}",
        "{type: integer}",
        "type-narrowed",
        false,
        true,
    );
    rule(
        "{type: string}",
        "{type: integer}",
        "type-changed",
        false,
        false,
    );
    rule(
        "{type: string}",
        "{type: [string, 'null']}",
        "nullable-added",
        true,
        false,
    );
    rule(
        "{type: [string, 'null']}",
        "{type: string}",
        "nullable-removed",
        false,
        true,
    );
    rule(
        "{type: string}",
        "{type: [string, integer]}",
        "type-widened",
        true,
        false,
    );
    rule("{type: string}", "{}", "type-widened", true, false);
    rule("{}", "{type: string}", "type-narrowed", false, true);
}

#[test]
fn required_and_properties() {
    let with = |required: &str, props: &str| {
        format!("{{type: object, required: [{required}], properties: {{{props}}}}}")
    };
    rule(
        &with("a", "a: {type: string}, b: {type: string}"),
        &with("a, b", "a: {type: string}, b: {type: string}"),
        "required-added",
        false,
        true,
    );
    rule(
        &with("a, b", "a: {type: string}, b: {type: string}"),
        &with("a", "a: {type: string}, b: {type: string}"),
        "required-removed",
        true,
        false,
    );
    // Default policy: optional properties of open objects come and go freely.
    rule(
        OBJ,
        "{type: object, properties: {a: {type: string}, b: {type: integer}}}",
        "property-added",
        true,
        true,
    );
    rule(
        "{type: object, properties: {a: {type: string}, b: {type: integer}}}",
        OBJ,
        "property-removed",
        true,
        true,
    );
    // A new required property is a required-added (narrows) whatever the policy.
    rule(
        OBJ,
        "{type: object, required: [b], properties: {a: {type: string}, b: {type: integer}}}",
        "required-added",
        false,
        true,
    );
}

#[test]
fn content_models_strict() {
    let closed = |props: &str| {
        format!("{{type: object, additionalProperties: false, properties: {{{props}}}}}")
    };
    // Closed: adding a property widens, removing narrows (both policies).
    rule(
        &closed("a: {type: string}"),
        &closed("a: {type: string}, b: {type: string}"),
        "property-added-to-closed-content-model",
        true,
        false,
    );
    strict_rule(
        &closed("a: {type: string}, b: {type: string}"),
        &closed("a: {type: string}"),
        "property-removed-from-closed-content-model",
        false,
        true,
    );
    // Open, strict: old data may hold anything under the new name.
    strict_rule(
        OBJ,
        "{type: object, properties: {a: {type: string}, b: {type: integer}}}",
        "property-added-to-open-content-model",
        false,
        true,
    );
    strict_rule(
        "{type: object, properties: {a: {type: string}, b: {type: integer}}}",
        OBJ,
        "property-removed-from-open-content-model",
        true,
        false,
    );
    // Partially open, strict: the new property is compared with `additionalProperties`.
    strict_rule(
        "{type: object, properties: {a: {type: string}}, additionalProperties: {type: string}}",
        "{type: object, properties: {a: {type: string}, b: {type: string, maxLength: 3}}, additionalProperties: {type: string}}",
        "maxLength-added",
        false,
        true,
    );
}

#[test]
fn additional_properties() {
    rule(
        "{type: object, additionalProperties: false}",
        "{type: object}",
        "additionalProperties-opened",
        true,
        false,
    );
    rule(
        "{type: object}",
        "{type: object, additionalProperties: false}",
        "additionalProperties-closed",
        false,
        true,
    );
    rule(
        "{type: object}",
        "{type: object, additionalProperties: {type: string}}",
        "additionalProperties-narrowed",
        false,
        true,
    );
    rule(
        "{type: object, additionalProperties: {type: string}}",
        "{type: object}",
        "additionalProperties-widened",
        true,
        false,
    );
    rule(
        "{type: object, additionalProperties: {type: integer}}",
        "{type: object, additionalProperties: {type: number}}",
        "type-widened",
        true,
        false,
    );
}

#[test]
fn enums_and_const() {
    rule(
        "{enum: [a, b]}",
        "{enum: [a, b, c]}",
        "enum-value-added",
        true,
        false,
    );
    rule(
        "{enum: [a, b]}",
        "{enum: [a]}",
        "enum-value-removed",
        false,
        true,
    );
    rule(
        "{type: string}",
        "{type: string, enum: [a]}",
        "enum-added",
        false,
        true,
    );
    rule(
        "{type: string, enum: [a]}",
        "{type: string}",
        "enum-removed",
        true,
        false,
    );
    rule("{const: a}", "{const: b}", "const-changed", false, false);
    rule(
        "{type: string}",
        "{type: string, const: a}",
        "const-added",
        false,
        true,
    );
    rule(
        "{type: string, const: a}",
        "{type: string}",
        "const-removed",
        true,
        false,
    );
}

#[test]
fn bounds() {
    for (lower, upper) in [
        ("minLength", "maxLength"),
        ("minItems", "maxItems"),
        ("minProperties", "maxProperties"),
        ("minimum", "maximum"),
        ("exclusiveMinimum", "exclusiveMaximum"),
    ] {
        let s = |k: &str, v: u32| format!("{{{k}: {v}}}");
        rule("{}", &s(lower, 2), &format!("{lower}-added"), false, true);
        rule(&s(lower, 2), "{}", &format!("{lower}-removed"), true, false);
        rule(
            &s(lower, 2),
            &s(lower, 3),
            &format!("{lower}-tightened"),
            false,
            true,
        );
        rule(
            &s(lower, 3),
            &s(lower, 2),
            &format!("{lower}-loosened"),
            true,
            false,
        );
        rule("{}", &s(upper, 9), &format!("{upper}-added"), false, true);
        rule(&s(upper, 9), "{}", &format!("{upper}-removed"), true, false);
        rule(
            &s(upper, 9),
            &s(upper, 8),
            &format!("{upper}-tightened"),
            false,
            true,
        );
        rule(
            &s(upper, 8),
            &s(upper, 9),
            &format!("{upper}-loosened"),
            true,
            false,
        );
    }
}

#[test]
fn pattern_format_unique_multiple() {
    rule(
        "{type: string}",
        "{type: string, pattern: '^a'}",
        "pattern-added",
        false,
        true,
    );
    rule(
        "{type: string, pattern: '^a'}",
        "{type: string}",
        "pattern-removed",
        true,
        false,
    );
    rule(
        "{type: string, pattern: '^a'}",
        "{type: string, pattern: '^b'}",
        "pattern-changed",
        false,
        false,
    );
    rule(
        "{type: string}",
        "{type: string, format: uuid}",
        "format-added",
        false,
        true,
    );
    rule(
        "{type: string, format: uuid}",
        "{type: string}",
        "format-removed",
        true,
        false,
    );
    rule(
        "{type: string, format: uuid}",
        "{type: string, format: email}",
        "format-changed",
        false,
        false,
    );
    rule(
        "{type: array}",
        "{type: array, uniqueItems: true}",
        "uniqueItems-added",
        false,
        true,
    );
    rule(
        "{type: array, uniqueItems: true}",
        "{type: array}",
        "uniqueItems-removed",
        true,
        false,
    );
    rule(
        "{multipleOf: 0.01}",
        "{multipleOf: 0.001}",
        "multipleOf-loosened",
        true,
        false,
    );
    rule(
        "{multipleOf: 0.01}",
        "{multipleOf: 0.1}",
        "multipleOf-tightened",
        false,
        true,
    );
    rule(
        "{multipleOf: 2}",
        "{multipleOf: 3}",
        "multipleOf-changed",
        false,
        false,
    );
    rule("{}", "{multipleOf: 2}", "multipleOf-added", false, true);
    rule("{multipleOf: 2}", "{}", "multipleOf-removed", true, false);
}

#[test]
fn arrays() {
    rule(
        "{type: array, items: {type: integer}}",
        "{type: array, items: {type: number}}",
        "type-widened",
        true,
        false,
    );
    rule(
        "{type: array}",
        "{type: array, items: {type: string}}",
        "items-added",
        false,
        true,
    );
    rule(
        "{type: array, items: {type: string}}",
        "{type: array}",
        "items-removed",
        true,
        false,
    );
    rule(
        "{type: array, items: [{type: string}]}",
        "{type: array, items: [{type: string}, {type: integer}]}",
        "tuple-item-added",
        false,
        true,
    );
}

#[test]
fn combinators_match_branches_by_content() {
    rule(
        "{oneOf: [{type: string}, {type: integer}]}",
        "{oneOf: [{type: integer}, {type: string}, {type: boolean}]}",
        "oneOf-branch-added",
        true,
        false,
    );
    rule(
        "{anyOf: [{type: string}, {type: integer}, {type: boolean}]}",
        "{anyOf: [{type: boolean}, {type: string}]}",
        "anyOf-branch-removed",
        false,
        true,
    );
    // One branch changed, in another position: compared with its counterpart.
    rule(
        "{oneOf: [{type: string, maxLength: 5}, {type: integer}]}",
        "{oneOf: [{type: integer}, {type: string, maxLength: 3}]}",
        "maxLength-tightened",
        false,
        true,
    );
    rule(
        "{allOf: [{type: object}, {required: [a]}]}",
        "{allOf: [{type: object}, {required: [a]}, {required: [b]}]}",
        "allOf-branch-added",
        false,
        true,
    );
    rule(
        "{allOf: [{type: object}, {required: [a]}, {required: [b]}]}",
        "{allOf: [{required: [a]}, {type: object}]}",
        "allOf-branch-removed",
        true,
        false,
    );
    rule(
        "{type: string}",
        "{type: string, not: {const: x}}",
        "not-added",
        false,
        true,
    );
    rule(
        "{type: string, not: {const: x}}",
        "{type: string, not: {const: y}}",
        "not-changed",
        false,
        false,
    );
}

#[test]
fn changes_are_found_through_refs_with_their_path_and_place() {
    let old = spec(
        "{$ref: '#/components/schemas/Order'}",
        ", Order: {type: object, properties: {item: {$ref: '#/components/schemas/Item'}}}, Item: {type: object, properties: {sku: {type: string, maxLength: 9}}}",
    );
    let new = old.replace("maxLength: 9", "maxLength: 8");
    let report = diff_texts(&old, &new, Mode::Backward, false);
    let change = report.changes().next().expect("one change");
    assert_eq!(change.rule, "maxLength-tightened");
    assert_eq!(
        change.path,
        "/payload/properties/item/properties/sku/maxLength"
    );
    let at = change.at.as_ref().expect("a position");
    assert!(at.file.ends_with("new.yaml"), "{at:?}");
    assert_eq!(at.line, 15, "{}", report.render(Format::Text));
    assert_eq!(report.messages[0].message, "com.acme.thing (Thing)");
}

#[test]
fn recursive_schemas_terminate() {
    let tree = |max: u32| {
        spec(
            "{$ref: '#/components/schemas/Node'}",
            &format!(", Node: {{type: object, properties: {{name: {{type: string, maxLength: {max}}}, children: {{type: array, items: {{$ref: '#/components/schemas/Node'}}}}}}}}"),
        )
    };
    let report = diff_texts(&tree(5), &tree(4), Mode::Backward, false);
    let rules: Vec<&str> = report.changes().map(|c| c.rule.as_str()).collect();
    assert_eq!(rules, ["maxLength-tightened"]);
}

#[test]
fn headers_are_compared_too() {
    let with_headers = |h: &str| {
        spec("{type: string}", "").replace(
            "      payload: {type: string}",
            &format!("      payload: {{type: string}}\n      headers: {h}"),
        )
    };
    check(
        &with_headers("{type: object, properties: {trace: {type: string}}}"),
        &with_headers("{type: object, required: [trace], properties: {trace: {type: string}}}"),
        "required-added",
        false,
        true,
        false,
    );
}

// ----- refactors: nothing to report -----

#[test]
fn refactors_report_nothing() {
    let inline = spec(
        "{type: object, required: [id], properties: {id: {type: string, format: uuid}, kind: {type: string, enum: [a, b, c]}}}",
        "",
    );
    let referenced = spec(
        "{$ref: '#/components/schemas/Payload'}",
        ", Payload: {description: moved, type: object, properties: {kind: {$ref: '#/components/schemas/Kind'}, id: {type: string, format: uuid, title: Id}}, required: [id]}, Kind: {type: string, enum: [c, a, b], examples: [a]}",
    );
    let wrapped = spec(
        "{allOf: [{$ref: '#/components/schemas/Payload'}]}",
        ", Payload: {type: object, properties: {id: {type: string, format: uuid}, kind: {type: string, enum: [b, c, a]}}, required: [id]}",
    );
    let documented = inline.replace(
        "info: {title: t, version: '1'}",
        "info: {title: Other title, version: '9.9.9', description: changed}",
    );
    let json = serde_json_of(&inline);
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.yaml", &inline);
    for (name, text, file) in [
        (
            "inline → $ref, key and enum order, docs",
            referenced.as_str(),
            "ref.yaml",
        ),
        ("wrapped in allOf", wrapped.as_str(), "wrapped.yaml"),
        ("info and descriptions", documented.as_str(), "doc.yaml"),
        ("YAML → JSON", json.as_str(), "spec.json"),
    ] {
        let other = write(dir.path(), file, text);
        for (old, new) in [(&base, &other), (&other, &base)] {
            for mode in [Mode::Backward, Mode::Forward, Mode::Full] {
                for strict in [false, true] {
                    let report = compat::diff_specs(
                        old,
                        new,
                        &LoadOptions::default(),
                        &Options { mode, strict },
                    )
                    .unwrap();
                    assert!(
                        report.changes().next().is_none(),
                        "{name}: {}",
                        report.render(Format::Text)
                    );
                }
            }
        }
    }
}

/// The spec as JSON, through tidings' own loader, for the YAML ↔ JSON refactor.
fn serde_json_of(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.yaml", yaml);
    let sources = tidings_codegen::source::Sources::load(&path, &LoadOptions::default()).unwrap();
    let root = sources
        .doc(tidings_codegen::source::node::DocId(0))
        .root
        .to_json();
    serde_json::to_string_pretty(&root).unwrap()
}

// ----- API level -----

const API: &str = "asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  things:
    address: things/{id}
    parameters:
      id: {enum: [a, b]}
    messages:
      thing: {$ref: '#/components/messages/Thing'}
      other: {$ref: '#/components/messages/Other'}
operations:
  sendThing:
    action: send
    channel: {$ref: '#/channels/things'}
components:
  messages:
    Thing: {name: thing, payload: {type: string}}
    Other: {name: other, payload: {type: string}}
";

#[test]
fn api_changes() {
    let api = |old: &str, new: &str, rule: &str, backward: bool, forward: bool| {
        check(old, new, rule, backward, forward, false)
    };
    api(
        API,
        &API.replace("      other: {$ref: '#/components/messages/Other'}\n", ""),
        "message-removed",
        false,
        true,
    );
    let with_third = API
        .replace(
            "      other: {$ref: '#/components/messages/Other'}\n",
            "      other: {$ref: '#/components/messages/Other'}\n      third: {$ref: '#/components/messages/Third'}\n",
        )
        .replace(
            "    Other: {name: other, payload: {type: string}}\n",
            "    Other: {name: other, payload: {type: string}}\n    Third: {name: third, payload: {type: string}}\n",
        );
    api(API, &with_third, "message-added", true, true);
    api(
        API,
        &API.replace("address: things/{id}", "address: stuff/{id}"),
        "channel-address-changed",
        false,
        false,
    );
    api(
        API,
        &API.replace("id: {enum: [a, b]}", "id: {enum: [a, b, c]}"),
        "channel-parameters-changed",
        false,
        false,
    );
    api(
        API,
        &API.replace("action: send", "action: receive"),
        "operation-action-changed",
        false,
        false,
    );
}

#[test]
fn more_api_changes() {
    let api = |old: &str, new: &str, rule: &str, backward: bool, forward: bool| {
        check(old, new, rule, backward, forward, false)
    };
    let two_channels = API.replace(
        "operations:",
        "  extra:\n    address: extra\n    messages:\n      other: {$ref: '#/components/messages/Other'}\noperations:",
    );
    api(&two_channels, API, "channel-removed", false, true);
    api(API, &two_channels, "channel-added", true, true);
    api(
        API,
        &API.replace(
            "Thing: {name: thing, payload: {type: string}}",
            "Thing: {name: thing, contentType: application/xml, payload: {type: string}}",
        ),
        "content-type-changed",
        false,
        false,
    );
}

#[test]
fn pattern_properties_and_partial_content_models() {
    rule(
        "{type: object}",
        "{type: object, patternProperties: {'^x-': {type: string}}}",
        "patternProperty-added",
        false,
        true,
    );
    rule(
        "{type: object, patternProperties: {'^x-': {type: string}}}",
        "{type: object}",
        "patternProperty-removed",
        true,
        false,
    );
    rule(
        "{type: object, patternProperties: {'^x-': {type: string}}}",
        "{type: object, patternProperties: {'^x-': {type: string, minLength: 1}}}",
        "minLength-added",
        false,
        true,
    );
    // Strict, partially open: a removed property falls under `additionalProperties`.
    strict_rule(
        "{type: object, properties: {a: {type: string}, b: {type: integer}}, additionalProperties: {type: string}}",
        "{type: object, properties: {a: {type: string}}, additionalProperties: {type: string}}",
        "type-changed",
        false,
        false,
    );
}

#[test]
fn boolean_schemas() {
    rule(
        "{type: object, properties: {a: false}}",
        "{type: object, properties: {a: {type: string}}}",
        "schema-opened",
        true,
        false,
    );
    rule(
        "{type: object, properties: {a: {type: string}}}",
        "{type: object, properties: {a: false}}",
        "schema-closed",
        false,
        true,
    );
}

// ----- accepted changes -----

#[test]
fn a_major_version_bump_accepts_breaking_changes() {
    let versioned = |v: &str, required: &str| {
        spec(
            &format!("{{type: object, required: [{required}], properties: {{a: {{type: string}}, b: {{type: string}}}}}}"),
            "",
        )
        .replace("      name: com.acme.thing", &format!("      name: com.acme.thing\n      x-version: '{v}'"))
    };
    let minor = diff_texts(
        &versioned("1.0.0", "a"),
        &versioned("1.1.0", "a, b"),
        Mode::Backward,
        false,
    );
    assert!(!minor.is_compatible());
    let major = diff_texts(
        &versioned("1.4.0", "a"),
        &versioned("2.0.0", "a, b"),
        Mode::Backward,
        false,
    );
    assert!(major.is_compatible(), "{}", major.render(Format::Text));
    let change = major.changes().next().unwrap();
    assert_eq!(
        change.accepted.as_deref(),
        Some("x-version 1.4.0 → 2.0.0 (a major step)")
    );
}

#[test]
fn the_allow_list_accepts_named_rules_at_paths() {
    let old = spec(OBJ, "");
    let new = spec(
        "{type: object, required: [a], properties: {a: {type: string, maxLength: 3}}}",
        "",
    );
    let mut report = diff_texts(&old, &new, Mode::Backward, false);
    assert!(!report.is_compatible());
    let allow = AllowList::parse(
        "[[allow]]\nrule = \"required-added\"\nmessage = \"com.acme.thing\"\npath = \"/payload\"\nreason = \"producers set it since 4.2\"\n",
        "tidings-compat.toml",
    )
    .unwrap();
    allow.apply(&mut report);
    assert!(!report.is_compatible(), "maxLength is not allowed yet");
    let allow = AllowList::parse(
        "[[allow]]\nrule = \"required-added\"\nreason = \"r\"\n[[allow]]\nrule = \"maxLength-added\"\npath = \"/payload/properties/a\"\nreason = \"checked\"\n",
        "tidings-compat.toml",
    )
    .unwrap();
    allow.apply(&mut report);
    assert!(report.is_compatible(), "{}", report.render(Format::Text));

    let bad = AllowList::parse("[[allow]]\nrule = 3\n", "tidings-compat.toml").unwrap_err();
    assert!(bad.to_string().contains("tidings-compat.toml:2"), "{bad}");
    let no_reason = AllowList::parse("[[allow]]\nrule = \"x\"\nreason = \" \"\n", "f.toml");
    assert!(no_reason.is_err());
}

// ----- output formats -----

#[test]
fn every_format_names_the_rule_path_and_place() {
    let old = spec(OBJ, "");
    let new = spec(
        "{type: object, required: [a], properties: {a: {type: string}}}",
        "",
    );
    let report = diff_texts(&old, &new, Mode::Full, false);
    let text = report.render(Format::Text);
    assert!(
        text.contains("INCOMPATIBLE") && text.contains("✗ required-added at /payload/required"),
        "{text}"
    );
    assert!(
        text.contains("backward breaks, forward ok, full breaks"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&report.render(Format::Json)).unwrap();
    let change = &json["messages"][0]["changes"][0];
    assert_eq!(change["rule"], "required-added");
    assert_eq!(change["backward"], false);
    assert_eq!(change["forward"], true);
    assert!(change["line"].as_u64().is_some());
    assert_eq!(json["compatible"], false);
    let github = report.render(Format::Github);
    assert!(github.starts_with("::error file="), "{github}");
    assert!(
        github.contains("title=tidings diff%3A required-added"),
        "{github}"
    );
    let junit = report.render(Format::Junit);
    assert!(
        junit.contains("<failure message=\"1 incompatible change(s)\">"),
        "{junit}"
    );
    assert!(junit.contains("name=\"com.acme.thing (Thing)\""), "{junit}");
}

// ----- the command line -----

fn tidings(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", &spec(OBJ, ""));
    let same = write(dir.path(), "same.yaml", &spec(OBJ, ""));
    let breaking = write(
        dir.path(),
        "breaking.yaml",
        &spec(
            "{type: object, required: [a], properties: {a: {type: string}}}",
            "",
        ),
    );
    let broken = write(dir.path(), "broken.yaml", "asyncapi: 3.0.0\ninfo: [\n");
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let code = |args: &[&str]| tidings(args).status.code();
    assert_eq!(code(&["diff", &path(&old), &path(&same)]), Some(0));
    assert_eq!(code(&["diff", &path(&old), &path(&breaking)]), Some(1));
    assert_eq!(
        code(&["diff", &path(&old), &path(&breaking), "--mode", "forward"]),
        Some(0)
    );
    let unreadable = tidings(&["diff", &path(&old), &path(&broken)]);
    assert_eq!(unreadable.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unreadable.stderr);
    assert!(stderr.contains("broken.yaml:"), "{stderr}");
    assert_eq!(code(&["diff", &path(&old), "/no/such/spec.yaml"]), Some(2));
    assert_eq!(code(&["diff", &path(&old)]), Some(2), "NEW is missing");
    assert_eq!(
        code(&["diff", &path(&old), &path(&same), "--mode", "sideways"]),
        Some(2)
    );
    let json = tidings(&["diff", &path(&old), &path(&breaking), "--format", "json"]);
    assert!(serde_json::from_slice::<serde_json::Value>(&json.stdout).is_ok());
}

#[test]
fn history_checks_every_earlier_version() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let spec_path = write(
        dir.path(),
        "spec.yaml",
        &spec("{type: string, maxLength: 9}", ""),
    );
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "v1"]);
    write(
        dir.path(),
        "spec.yaml",
        &spec("{type: string, maxLength: 12}", ""),
    );
    git(&["commit", "-q", "-am", "v2 loosens"]);
    // Backward against both: 9 → 10 and 12 → 10 tighten only against v2.
    write(
        dir.path(),
        "spec.yaml",
        &spec("{type: string, maxLength: 10}", ""),
    );
    let run = |mode: &str| {
        Command::new(env!("CARGO_BIN_EXE_tidings"))
            .args([
                "diff",
                "--history",
                spec_path.to_str().unwrap(),
                "--mode",
                mode,
            ])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let backward = run("backward");
    let text = String::from_utf8_lossy(&backward.stdout);
    assert_eq!(backward.status.code(), Some(1), "{text}");
    assert!(text.matches(" → ").count() >= 2, "{text}");
    assert!(
        text.contains("maxLength-tightened") && text.contains("maxLength-loosened"),
        "{text}"
    );
    // Forward: loosening against v1 (9 → 10) breaks forward.
    assert_eq!(run("forward").status.code(), Some(1));
}

// ----- cases found in review -----

#[test]
fn one_of_branches_that_overlap_break_both_ways() {
    // 5 matched one branch; with `number` beside `integer` it matches two.
    rule(
        "{oneOf: [{type: string}, {type: integer}]}",
        "{oneOf: [{type: string}, {type: integer}, {type: number}]}",
        "oneOf-branch-added (overlapping oneOf)",
        false,
        false,
    );
    rule(
        "{oneOf: [{type: string, maxLength: 5}, {type: string, minLength: 10}]}",
        "{oneOf: [{type: string, maxLength: 20}, {type: string, minLength: 10}]}",
        "maxLength-loosened (overlapping oneOf)",
        false,
        false,
    );
    // Branches told apart by a required constant stay disjoint: adding one only widens.
    let tagged = |kinds: &[&str]| {
        let branches: Vec<String> = kinds
            .iter()
            .map(|k| {
                format!("{{type: object, required: [kind], properties: {{kind: {{const: {k}}}}}}}")
            })
            .collect();
        format!("{{oneOf: [{}]}}", branches.join(", "))
    };
    rule(
        &tagged(&["a", "b"]),
        &tagged(&["a", "b", "c"]),
        "oneOf-branch-added",
        true,
        false,
    );
}

#[test]
fn tuples_with_closed_additional_items() {
    rule(
        "{type: array, items: [{type: string}, {type: integer}], additionalItems: false}",
        "{type: array, items: [{type: string}], additionalItems: false}",
        "tuple-length-changed",
        false,
        false,
    );
}

#[test]
fn closed_objects_with_pattern_properties() {
    let closed = |props: &str, patterns: &str| {
        format!("{{type: object, properties: {{{props}}}, patternProperties: {{{patterns}}}, additionalProperties: false}}")
    };
    rule(
        &closed("a: {type: string}", "'^x-': {}"),
        &closed("", "'^x-': {}"),
        "property-removed-from-closed-content-model",
        false,
        true,
    );
    rule(
        &closed("a: {type: string}", "'^x-': {type: string}"),
        &closed("a: {type: string}", ""),
        "patternProperty-removed",
        false,
        true,
    );
    rule(
        &closed("a: {type: string}", ""),
        &closed("a: {type: string}", "'^x-': {type: string}"),
        "patternProperty-added",
        true,
        false,
    );
}

#[test]
fn partially_open_objects_constrain_new_properties_by_default() {
    rule(
        "{type: object, additionalProperties: {type: string}}",
        "{type: object, properties: {b: {type: integer}}, additionalProperties: {type: string}}",
        "type-changed",
        false,
        false,
    );
}

#[test]
fn const_and_single_value_enum_are_the_same() {
    for (old, new) in [("{const: a}", "{enum: [a]}"), ("{enum: [a]}", "{const: a}")] {
        let report = diff_texts(&spec(old, ""), &spec(new, ""), Mode::Full, true);
        assert!(
            report.changes().next().is_none(),
            "{}",
            report.render(Format::Text)
        );
    }
    rule(
        "{const: a}",
        "{enum: [a, b]}",
        "enum-value-added",
        true,
        false,
    );
}

/// `depth` nested definitions, the last with `leaf`, under a `oneOf` branch.
fn chain(depth: usize, leaf: &str) -> String {
    let mut extra = String::new();
    for i in 0..depth {
        extra.push_str(&format!(
            ", D{i}: {{type: object, properties: {{next: {{$ref: '#/components/schemas/D{}'}}}}}}",
            i + 1
        ));
    }
    extra.push_str(&format!(", D{depth}: {leaf}"));
    spec(
        "{oneOf: [{type: string}, {$ref: '#/components/schemas/D0'}]}",
        &extra,
    )
}

#[test]
fn deep_changes_inside_branches_are_found() {
    let report = diff_texts(
        &chain(30, "{type: string}"),
        &chain(30, "{type: integer}"),
        Mode::Full,
        false,
    );
    assert!(
        report.changes().any(|c| c.rule == "type-changed"),
        "{}",
        report.render(Format::Text)
    );
    // Deeper than tidings compares: reported, never a stack overflow. (The thread gets the
    // main thread's 8 MiB, as the CLI has; loading 400 nested refs needs more than a test
    // thread's 2 MiB in a debug build.)
    let deep = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            diff_texts(
                &chain(400, "{type: string}"),
                &chain(400, "{type: integer}"),
                Mode::Full,
                false,
            )
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(
        deep.changes().any(|c| c.rule == "schema-too-deep"),
        "{}",
        deep.render(Format::Text)
    );
}

#[test]
fn schemas_that_reference_each_other_twice_stay_linear() {
    // Every level references the next twice: inlining would double at each level.
    let mut extra = String::new();
    for i in 0..40 {
        extra.push_str(&format!(
            ", N{i}: {{type: object, properties: {{l: {{$ref: '#/components/schemas/N{n}'}}, r: {{$ref: '#/components/schemas/N{n}'}}}}}}",
            n = i + 1
        ));
    }
    let tree = |leaf: &str| {
        spec(
            "{oneOf: [{type: string}, {$ref: '#/components/schemas/N0'}]}",
            &format!("{extra}, N40: {leaf}"),
        )
    };
    let start = std::time::Instant::now();
    let report = diff_texts(
        &tree("{type: string}"),
        &tree("{type: boolean}"),
        Mode::Full,
        false,
    );
    assert!(!report.is_compatible());
    // Not a timing assertion on speed, only a guard against exponential work.
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn unnamed_messages_are_matched_by_position_in_their_channel() {
    let v2 = |a: &str| {
        format!(
            "asyncapi: '2.6.0'\ninfo: {{title: t, version: '1'}}\nchannels:\n  things:\n    subscribe:\n      operationId: sendThings\n      message:\n        oneOf:\n          - payload: {{type: string}}\n          - payload: {{type: object, properties: {{a: {{type: {a}}}}}}}\n"
        )
    };
    let same = diff_texts(&v2("integer"), &v2("integer"), Mode::Full, false);
    assert!(
        same.changes().next().is_none(),
        "{}",
        same.render(Format::Text)
    );
    let changed = diff_texts(&v2("integer"), &v2("string"), Mode::Forward, false);
    assert!(
        changed.changes().any(|c| c.rule == "type-changed"),
        "{}",
        changed.render(Format::Text)
    );
}

#[test]
fn removed_operations_and_unreferenced_messages_are_reported() {
    api_check(
        API,
        &API.replace(
            "  sendThing:\n    action: send\n    channel: {$ref: '#/channels/things'}\n",
            "",
        ),
        "operation-removed",
    );
    let with_orphan = API.replace(
        "    Other: {name: other, payload: {type: string}}\n",
        "    Other: {name: other, payload: {type: string}}\n    Orphan: {name: orphan, payload: {type: string}}\n",
    );
    api_check(&with_orphan, API, "message-removed");
}

#[track_caller]
fn api_check(old: &str, new: &str, rule: &str) {
    check(old, new, rule, false, true, false);
}

#[test]
fn history_reports_form_one_document() {
    let reports = vec![
        diff_texts(&spec(OBJ, ""), &spec(OBJ, ""), Mode::Full, false),
        diff_texts(
            &spec(OBJ, ""),
            &spec("{type: string}", ""),
            Mode::Full,
            false,
        ),
    ];
    let json: serde_json::Value =
        serde_json::from_str(&compat::render_all(&reports, Format::Json)).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(2));
    let junit = compat::render_all(&reports, Format::Junit);
    assert_eq!(junit.matches("<?xml").count(), 1);
    assert_eq!(junit.matches("<testsuite ").count(), 2);
}
