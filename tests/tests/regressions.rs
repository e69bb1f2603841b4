//! One regression test per class of generated-code bug, each with its minimized schema.
//!
//! The bugs were found by users or by the schema fuzzer (`fuzz_schemas.rs`). Each spec must
//! generate in both typing modes, compile, and give each payload the verdict JSON Schema gives it.
//! The default mode may refuse more than the schema (payloads marked `Refusable`), never accept
//! less.
//!
//! All cases build into one program; `TIDINGS_REGRESSIONS=name` runs the cases whose name
//! contains `name`.

use serde_json::{json, Value};
use tidings_tests::program::{self, Program};

use Verdict::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    /// Valid: both modes accept.
    Valid,
    /// Invalid: both modes refuse.
    Invalid,
    /// Valid, but the default mode's typing may refuse it.
    Refusable,
}

struct Case {
    name: &'static str,
    schema: Value,
    payloads: Vec<(Value, Verdict)>,
}

fn case(name: &'static str, schema: Value, payloads: Vec<(Value, Verdict)>) -> Case {
    Case {
        name,
        schema,
        payloads,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // Class 1: an optional nullable field with a constraint.
        case(
            "optional_nullable_with_max_length",
            json!({"type": "object", "properties": {
                "note": {"type": ["string", "null"], "maxLength": 3},
                "code": {"type": ["string", "null"], "pattern": "^[a-z]+$"},
                "when": {"type": ["string", "null"], "format": "date"},
                "n": {"type": ["integer", "null"], "minimum": 2},
                "tags": {"type": ["array", "null"], "items": {"type": "string", "minLength": 1}, "uniqueItems": true},
                "odd": {"oneOf": [{"type": "string", "maxLength": 2}, {"type": "null"}]}
            }}),
            vec![
                (json!({}), Valid),
                (
                    json!({"note": null, "code": null, "when": null, "n": null, "tags": null, "odd": null}),
                    Valid,
                ),
                (
                    json!({"note": "abc", "code": "ab", "when": "2024-02-29", "n": 2, "tags": ["a", "b"], "odd": "ab"}),
                    Valid,
                ),
                (json!({"note": "abcd"}), Invalid),
                (json!({"code": "A"}), Invalid),
                (json!({"when": "2023-02-29"}), Invalid),
                (json!({"n": 1}), Invalid),
                (json!({"tags": ["a", "a"]}), Invalid),
                (json!({"tags": [""]}), Invalid),
                (json!({"odd": "abc"}), Invalid),
            ],
        ),
        // Class 2: uniqueItems on a fixed-length tuple.
        case(
            "unique_items_on_a_tuple",
            json!({"type": "array", "items": [{"type": "boolean"}, {"type": "boolean"}],
                   "additionalItems": false, "minItems": 2, "uniqueItems": true}),
            vec![
                (json!([true, false]), Valid),
                (json!([true, true]), Invalid),
                (json!([true]), Invalid),
                (json!([true, false, true]), Invalid),
            ],
        ),
        case(
            "unique_items_on_a_tuple_of_numbers",
            json!({"type": "array", "items": [{"type": "number"}, {"type": "integer"}],
                   "minItems": 2, "maxItems": 2, "uniqueItems": true}),
            vec![
                (json!([1.5, 2]), Valid),
                (json!([1.0, 1]), Invalid),
                (json!([2, 2.0]), Invalid),
            ],
        ),
        // Class 4: a contradictory schema: `type: object` with an `enum` of strings.
        case(
            "type_object_with_string_enum",
            json!({"type": "object", "properties": {"kind": {"type": "object", "enum": ["a", "b"]}}}),
            vec![
                (json!({}), Valid),
                (json!({"kind": "a"}), Invalid),
                (json!({"kind": {}}), Invalid),
            ],
        ),
        // Class 5: what the default mode used to accept.
        case(
            "all_of_second_branch",
            json!({"allOf": [{"properties": {"bar": {"type": "integer"}}, "required": ["bar"]},
                             {"properties": {"foo": {"type": "string"}}, "required": ["foo"]}]}),
            vec![
                (json!({"foo": "baz", "bar": 2}), Valid),
                (json!({"foo": "baz"}), Invalid),
                (json!({"bar": 2}), Invalid),
                (json!({"foo": "baz", "bar": "quux"}), Invalid),
            ],
        ),
        case(
            "all_of_beside_a_base_schema",
            json!({"properties": {"bar": {"type": "integer"}}, "required": ["bar"],
                   "allOf": [{"properties": {"foo": {"type": "string"}}, "required": ["foo"]},
                             {"properties": {"baz": {"type": "null"}}, "required": ["baz"]}]}),
            vec![
                (json!({"foo": "quux", "bar": 2, "baz": null}), Valid),
                (json!({"foo": "quux", "bar": 2}), Invalid),
                (json!({"bar": 2, "baz": null}), Invalid),
                (json!({"foo": "quux", "bar": "2", "baz": null}), Invalid),
            ],
        ),
        case(
            "all_of_in_a_property",
            json!({"type": "object", "properties": {"x": {"allOf": [{"type": "integer"}, {"minimum": 2}]}}}),
            vec![
                (json!({"x": 3}), Valid),
                (json!({"x": 1}), Invalid),
                (json!({}), Valid),
            ],
        ),
        // The one deliberate difference: without `type`, the default mode types an object
        // from `properties` and refuses other values, which the schema allows.
        case(
            "properties_without_type",
            json!({"properties": {"a": {"type": "integer"}}, "required": ["a"]}),
            vec![
                (json!({"a": 1}), Valid),
                (json!({"a": "x"}), Invalid),
                (json!({}), Invalid),
                (json!("not an object"), Refusable),
                (json!([1]), Refusable),
            ],
        ),
        case(
            "one_of_two_matches",
            json!({"type": "string", "oneOf": [{"minLength": 2}, {"maxLength": 4}]}),
            vec![
                (json!("foobar"), Valid),
                (json!("foo"), Invalid),
                (json!(3), Invalid),
            ],
        ),
        case(
            "one_of_two_object_branches",
            json!({"oneOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]}]}),
            vec![
                (json!({"a": 1}), Valid),
                (json!({"b": 1}), Valid),
                (json!({"a": 1, "b": 2}), Invalid),
                (json!({}), Invalid),
            ],
        ),
        case(
            "false_under_properties_and_items",
            json!({"type": "object", "properties": {"no": false, "list": {"type": "array", "items": false}}}),
            vec![
                (json!({}), Valid),
                (json!({"list": []}), Valid),
                (json!({"no": 1}), Invalid),
                (json!({"no": null}), Invalid),
                (json!({"list": [1]}), Invalid),
            ],
        ),
        case(
            "tuple_with_wrong_element_types",
            json!({"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}),
            vec![
                (json!([1, "foo"]), Valid),
                (json!(["foo", 1]), Invalid),
                (json!([1, "foo", true]), Valid),
                (json!([]), Valid),
            ],
        ),
        case(
            "required_javascript_member_names",
            json!({"type": "object", "required": ["__proto__", "toString", "constructor", "foo\nbar", "foo\"bar"]}),
            vec![
                (
                    json!({"__proto__": 1, "toString": {}, "constructor": [], "foo\nbar": 1, "foo\"bar": 1}),
                    Valid,
                ),
                (
                    json!({"toString": {}, "constructor": [], "foo\nbar": 1, "foo\"bar": 1}),
                    Invalid,
                ),
                (
                    json!({"__proto__": 1, "toString": {}, "constructor": [], "foo\"bar": 1}),
                    Invalid,
                ),
            ],
        ),
        case(
            "additional_properties_false_beside_all_of",
            json!({"type": "object", "allOf": [{"properties": {"foo": {}}}], "properties": {"bar": {}},
                   "additionalProperties": false}),
            vec![
                (json!({"bar": 1}), Valid),
                (json!({"foo": 1, "bar": 1}), Invalid),
            ],
        ),
        case(
            "ref_to_false",
            json!({"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Nothing"}}}),
            vec![
                (json!({}), Valid),
                (json!({"x": 1}), Invalid),
                (json!({"x": null}), Invalid),
            ],
        ),
        case(
            "ref_into_an_array_of_items",
            json!({"type": "array", "items": [{"type": "integer"},
                   {"$ref": "#/components/messages/ref_into_an_array_of_items/payload/items/0"}]}),
            vec![(json!([1, 2]), Valid), (json!([1, "foo"]), Invalid)],
        ),
        // Class 6: a default that breaks its property's constraints.
        case(
            "default_breaking_its_constraints",
            json!({"type": "object", "properties": {
                "bar": {"type": "string", "minLength": 4, "default": "bad"},
                "n": {"type": "integer", "maximum": 3, "default": 10}}}),
            vec![
                (json!({}), Valid),
                (json!({"bar": "good"}), Valid),
                (json!({"bar": "bad"}), Invalid),
                (json!({"n": 10}), Invalid),
            ],
        ),
        // Class 7: `$ref` inside enum, const and default values is data.
        case(
            "ref_in_enum_and_const_is_data",
            json!({"type": "object", "properties": {
                "e": {"enum": [{"$ref": "#/definitions/a_string"}]},
                "c": {"const": {"$ref": "#/x", "n": 1}},
                "d": {"type": "object", "default": {"$ref": "#/nowhere"}}}}),
            vec![
                (json!({"e": {"$ref": "#/definitions/a_string"}}), Valid),
                (json!({"e": "a"}), Invalid),
                (json!({"c": {"$ref": "#/x", "n": 1}}), Valid),
                (json!({"c": {"n": 1}}), Invalid),
                (json!({}), Valid),
            ],
        ),
        // Class 8: JSON Schema's own notion of valid.
        case(
            "whole_floats_are_integers",
            json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0},
                   "list": {"type": "array", "items": {"type": "integer"}}}}),
            vec![
                (json!({"n": 1.0}), Valid),
                (json!({"n": 1.5}), Invalid),
                (json!({"list": [1.0, 2, -0.0]}), Valid),
                (json!({"n": -1.0}), Invalid),
            ],
        ),
        case(
            "null_in_a_union_of_array_object_null",
            json!({"type": ["array", "object", "null"], "items": {"type": "integer"}}),
            vec![
                (json!(null), Valid),
                (json!([1]), Valid),
                (json!({"a": "b"}), Valid),
                (json!(["x"]), Invalid),
                (json!("x"), Invalid),
            ],
        ),
        // Found by the fuzzer: the object variant of a union of types was the union itself
        // (a type that contains itself, and a stack overflow on decode).
        case(
            "union_of_types_with_an_object_variant",
            json!({"type": "object", "properties": {"v": {
                "type": ["string", "object", "array"],
                "properties": {"a/b": {"type": "boolean"}, "x": {"type": "string", "maxLength": 5}},
                "required": ["a/b"],
                "items": {"type": "integer"}}}}),
            vec![
                (json!({"v": {"a/b": true, "x": ""}}), Valid),
                (json!({"v": {"x": ""}}), Invalid),
                (json!({"v": [1, 2]}), Valid),
                (json!({"v": ["a"]}), Invalid),
                (json!({"v": "s"}), Valid),
                (json!({"v": 1}), Invalid),
            ],
        ),
        // Found by the fuzzer: the decoded value's typed checks judged a typed form that
        // had dropped members the struct does not list, or read a `null` as absent.
        case(
            "members_the_struct_does_not_list_count",
            json!({"type": "array", "items": {"type": "object",
                   "properties": {"a": {"type": "number"}}, "minProperties": 2}}),
            vec![
                (json!([{"a": 1, "extra": 1}]), Valid),
                (json!([{"a": 1}]), Invalid),
            ],
        ),
        case(
            "a_required_null_member_is_present",
            json!({"type": "object", "properties": {"o": {"type": "object",
                   "properties": {"enum": {}}, "required": ["enum"]}}}),
            vec![
                (json!({"o": {"enum": null}}), Valid),
                (json!({"o": {}}), Invalid),
            ],
        ),
        case(
            "short_tuple",
            json!({"type": "array", "items": [{"type": "integer"}, {"type": "string"}, {"type": "boolean"}],
                   "additionalItems": false}),
            vec![
                (json!([]), Valid),
                (json!([1]), Valid),
                (json!([1, "a"]), Valid),
                (json!([1, "a", true]), Valid),
                (json!([1, "a", true, 2]), Invalid),
                (json!(["a"]), Invalid),
            ],
        ),
        case(
            "short_tuple_with_min_items",
            json!({"type": "array", "items": [{"type": "integer"}, {"type": "string"}], "minItems": 2}),
            vec![(json!([1]), Invalid), (json!([1, "a"]), Valid)],
        ),
    ]
}

#[test]
fn every_class_of_generated_code_bug_stays_fixed() {
    let filter = std::env::var("TIDINGS_REGRESSIONS").unwrap_or_default();
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.name.contains(filter.as_str()))
        .collect();
    assert!(!cases.is_empty(), "no case matches {filter:?}");
    let messages: Vec<(String, Value)> = cases
        .iter()
        .map(|c| (c.name.to_string(), c.schema.clone()))
        .collect();
    let schemas = json!({"Nothing": false});
    let document = program::document("regressions", &messages, &schemas);
    let specs = program::in_both_modes(&document);
    let built = Program::build("regressions", &specs).unwrap_or_else(|e| panic!("{e}"));
    assert!(built.refused.is_empty(), "refused: {:#?}", built.refused);

    let mut runs = Vec::new();
    let mut expected = Vec::new();
    for c in &cases {
        for (payload, verdict) in &c.payloads {
            for (mode, _) in program::modes() {
                runs.push((mode.to_string(), c.name.to_string(), payload.to_string()));
                expected.push((c.name, mode, payload, *verdict));
            }
        }
    }
    let answers = built.run(&runs);
    let mut wrong = Vec::new();
    for ((name, mode, payload, verdict), answer) in expected.iter().zip(&answers) {
        let ok = match (verdict, mode) {
            (Valid, _) | (Refusable, &"strict") => answer.is_ok(),
            (Refusable, _) => true,
            (Invalid, _) => answer.is_err(),
        };
        if !ok {
            wrong.push(format!(
                "{name} ({mode} mode): {payload} should be {verdict:?}, got {answer:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The payloads' verdicts are JSON Schema's: the independent validator agrees with every
/// expectation above (so the expectations themselves cannot be wrong).
#[test]
fn the_expected_verdicts_are_json_schemas() {
    for c in cases() {
        let root = json!({
            "allOf": [c.schema],
            "components": {
                "schemas": {"Nothing": false},
                "messages": {c.name: {"payload": c.schema}},
            },
        });
        let validator = jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap();
        for (payload, verdict) in &c.payloads {
            assert_eq!(
                validator.is_valid(payload),
                *verdict != Invalid,
                "{}: {payload}",
                c.name
            );
        }
    }
}
