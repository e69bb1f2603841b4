//! The evaluator: a value checked against the compiled nodes, each violation sent to a sink.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::messages::{brief, brief_list, kind, quote};
use super::sink::{Quiet, Report, Sink};
use super::tree::{Contains, Dependency, Keyword, Node, NodeId, Properties, Tuple};
use super::unique::first_duplicate;
use super::{Schema, MAX_DEPTH};
use crate::validate::number::{compare, Decimal};
use crate::validate::{Pointer, ValidationErrors};

/// Notes a failed check: the quiet sink stops the evaluation, the reporting one goes on.
macro_rules! track {
    ($valid:ident, $ok:expr) => {
        if !$ok {
            if !S::REPORT {
                return false;
            }
            $valid = false;
        }
    };
}

impl Schema {
    /// Whether `value` is valid under node `id`, telling `sink` why not.
    pub(super) fn check<S: Sink>(
        &self,
        id: NodeId,
        value: &Value,
        sink: &mut S,
        depth: usize,
    ) -> bool {
        let keywords = match &self.nodes[id] {
            Node::Bool(true) => return true,
            Node::Bool(false) => {
                return sink.fail("false", || "no value is allowed here".to_owned());
            }
            Node::Keywords(keywords) => keywords,
        };
        if depth >= MAX_DEPTH {
            sink.too_deep();
            return false;
        }
        let mut valid = true;
        for keyword in keywords.iter() {
            track!(valid, self.keyword(keyword, value, sink, depth + 1));
        }
        valid
    }

    /// Evaluates a sub-schema whose failure does not make the value invalid by itself (a
    /// branch of `anyOf`, ...); `None` when it went too deep, which makes the value invalid
    /// whatever the keyword would have concluded.
    fn branch<S: Sink>(
        &self,
        id: NodeId,
        value: &Value,
        sink: &mut S,
        depth: usize,
    ) -> Option<bool> {
        let mut quiet = Quiet::default();
        let valid = self.check(id, value, &mut quiet, depth);
        if quiet.too_deep {
            sink.too_deep();
            return None;
        }
        Some(valid)
    }

    /// Checks a member or item against node `id`; when that is `false`, reports `keyword`
    /// with `message` rather than a bare "nothing is allowed".
    fn child<S: Sink>(
        &self,
        id: NodeId,
        value: &Value,
        sink: &mut S,
        depth: usize,
        keyword: &'static str,
        message: impl FnOnce() -> String,
    ) -> bool {
        match self.nodes[id] {
            Node::Bool(false) => sink.fail(keyword, message),
            _ => self.check(id, value, sink, depth),
        }
    }

    /// Applies one keyword. Only the applicators recurse; each has its own small function, so
    /// the frames on the recursion path stay small (deep values recurse through them).
    fn keyword<S: Sink>(
        &self,
        keyword: &Keyword,
        value: &Value,
        sink: &mut S,
        depth: usize,
    ) -> bool {
        match (keyword, value) {
            (Keyword::Ref(id), _) => self.check(*id, value, sink, depth),
            (Keyword::Items(id), Value::Array(items)) => self.items(*id, items, sink, depth),
            (Keyword::TupleItems(tuple), Value::Array(items)) => {
                self.tuple_items(tuple, items, sink, depth)
            }
            (Keyword::Contains(contains), Value::Array(items)) => {
                self.contains(contains, items, sink, depth)
            }
            (Keyword::Properties(properties), Value::Object(map)) => {
                self.properties(properties, map, sink, depth)
            }
            (Keyword::Dependencies { keyword, entries }, Value::Object(map)) => {
                self.dependencies(keyword, entries, value, map, sink, depth)
            }
            (Keyword::PropertyNames(id), Value::Object(map)) => {
                let mut valid = true;
                for key in map.keys() {
                    track!(valid, self.property_name(*id, key, sink, depth));
                }
                valid
            }
            (
                Keyword::Conditional {
                    condition,
                    then,
                    otherwise,
                },
                _,
            ) => {
                let branch = match self.branch(*condition, value, sink, depth) {
                    Some(true) => then,
                    Some(false) => otherwise,
                    None => return false,
                };
                branch.is_none_or(|id| self.check(id, value, sink, depth))
            }
            (Keyword::AllOf(ids), _) => {
                let mut valid = true;
                for id in ids {
                    track!(valid, self.check(*id, value, sink, depth));
                }
                valid
            }
            (Keyword::AnyOf(ids), _) => self.any_of(ids, value, sink, depth),
            (Keyword::OneOf(ids), _) => self.one_of(ids, value, sink, depth),
            (Keyword::Not(id), _) => match self.branch(*id, value, sink, depth) {
                Some(false) => true,
                Some(true) => sink.fail("not", || {
                    "value is valid under the `not` schema, so it is rejected".to_owned()
                }),
                None => false,
            },
            _ => assertion(keyword, value, sink),
        }
    }

    #[inline(never)]
    fn items<S: Sink>(&self, id: NodeId, items: &[Value], sink: &mut S, depth: usize) -> bool {
        let mut valid = true;
        for (i, item) in items.iter().enumerate() {
            let mark = sink.enter_index(i);
            let ok = self.child(id, item, sink, depth, "items", || {
                "no item is allowed here: `items` is `false`".to_owned()
            });
            sink.leave(mark);
            track!(valid, ok);
        }
        valid
    }

    #[inline(never)]
    fn tuple_items<S: Sink>(
        &self,
        tuple: &Tuple,
        items: &[Value],
        sink: &mut S,
        depth: usize,
    ) -> bool {
        let mut valid = true;
        for (i, item) in items.iter().enumerate() {
            let (id, keyword) = match tuple.prefix.get(i) {
                Some(id) => (*id, tuple.prefix_keyword),
                None => match tuple.rest {
                    Some(id) => (id, tuple.rest_keyword),
                    None => break,
                },
            };
            let mark = sink.enter_index(i);
            let ok = self.child(id, item, sink, depth, keyword, || {
                format!("item {i} is not allowed here (`{keyword}` is `false`)")
            });
            sink.leave(mark);
            track!(valid, ok);
        }
        valid
    }

    #[inline(never)]
    fn contains<S: Sink>(
        &self,
        contains: &Contains,
        items: &[Value],
        sink: &mut S,
        depth: usize,
    ) -> bool {
        let Contains { schema, min, max } = *contains;
        if min == 0 && max.is_none() {
            return true;
        }
        let mut count: u64 = 0;
        for item in items {
            match self.branch(schema, item, sink, depth) {
                Some(true) => count += 1,
                Some(false) => continue,
                None => return false,
            }
            // Without an upper bound, enough matches settle it.
            if max.is_none() && count >= min {
                return true;
            }
            if let Some(max) = max.filter(|&max| count > max) {
                return sink.fail("maxContains", || {
                    format!("more than {max} items are valid under the `contains` schema")
                });
            }
        }
        if count >= min {
            return true;
        }
        match (min, count) {
            (1, _) => sink.fail("contains", || {
                "no item is valid under the `contains` schema".to_owned()
            }),
            _ => sink.fail("minContains", || {
                format!(
                    "{count} {} valid under the `contains` schema, fewer than the minimum {min}",
                    if count == 1 { "item is" } else { "items are" }
                )
            }),
        }
    }

    #[inline(never)]
    fn dependencies<S: Sink>(
        &self,
        keyword: &'static str,
        dependencies: &[(String, Dependency)],
        value: &Value,
        map: &Map<String, Value>,
        sink: &mut S,
        depth: usize,
    ) -> bool {
        let mut valid = true;
        for (name, dependency) in dependencies {
            if !map.contains_key(name) {
                continue;
            }
            match dependency {
                Dependency::Required(required) => {
                    for other in required {
                        track!(
                            valid,
                            map.contains_key(other)
                                || sink.fail(keyword, || {
                                    format!("`{other}` is required when `{name}` is present")
                                })
                        );
                    }
                }
                Dependency::Schema(id) => {
                    let ok = self.child(*id, value, sink, depth, keyword, || {
                        format!("`{name}` is not allowed (its dependency is `false`)")
                    });
                    track!(valid, ok);
                }
            }
        }
        valid
    }

    #[inline(never)]
    fn any_of<S: Sink>(&self, ids: &[NodeId], value: &Value, sink: &mut S, depth: usize) -> bool {
        for id in ids {
            match self.branch(*id, value, sink, depth) {
                Some(true) => return true,
                Some(false) => {}
                None => return false,
            }
        }
        sink.fail("anyOf", || {
            format!(
                "value is valid under none of the {} `anyOf` schemas",
                ids.len()
            )
        })
    }

    #[inline(never)]
    fn one_of<S: Sink>(&self, ids: &[NodeId], value: &Value, sink: &mut S, depth: usize) -> bool {
        // Quietly, a second match settles it; reporting, the message names them all.
        let mut count = 0;
        let mut matched: Vec<usize> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match self.branch(*id, value, sink, depth) {
                Some(true) => {
                    count += 1;
                    if S::REPORT {
                        matched.push(i);
                    } else if count > 1 {
                        return false;
                    }
                }
                Some(false) => {}
                None => return false,
            }
        }
        count == 1
            || sink.fail("oneOf", || match count {
                0 => format!(
                    "value is valid under none of the {} `oneOf` schemas; exactly one must match",
                    ids.len()
                ),
                count => format!(
                    "value is valid under {count} of the {} `oneOf` schemas ({}); exactly one \
                     must match",
                    ids.len(),
                    matched
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }

    /// `properties`, `patternProperties` and `additionalProperties` over the members of `map`.
    #[inline(never)]
    fn properties<S: Sink>(
        &self,
        properties: &Properties,
        map: &Map<String, Value>,
        sink: &mut S,
        depth: usize,
    ) -> bool {
        let mut valid = true;
        for (key, member) in map {
            let mark = sink.enter_key(key);
            let mut matched = false;
            if let Some(&id) = properties.named.get(key) {
                matched = true;
                let ok = self.child(id, member, sink, depth, "properties", || {
                    format!("property `{key}` is not allowed")
                });
                track!(valid, ok);
            }
            for (pattern, id) in &properties.patterns {
                if pattern.regex.find(key).is_some() {
                    matched = true;
                    let ok = self.child(*id, member, sink, depth, "patternProperties", || {
                        format!(
                            "property `{key}` is not allowed (it matches `{}`)",
                            pattern.source
                        )
                    });
                    track!(valid, ok);
                }
            }
            if let (false, Some(id)) = (matched, properties.additional) {
                let ok = self.child(id, member, sink, depth, "additionalProperties", || {
                    format!("property `{key}` is not allowed")
                });
                track!(valid, ok);
            }
            sink.leave(mark);
        }
        valid
    }

    /// `propertyNames` for one name, reported at the member it names.
    #[inline(never)]
    fn property_name<S: Sink>(&self, id: NodeId, key: &str, sink: &mut S, depth: usize) -> bool {
        if let Node::Bool(true) = self.nodes[id] {
            return true;
        }
        let name = Value::String(key.to_owned());
        let Some(valid) = self.branch(id, &name, sink, depth) else {
            return false;
        };
        if valid || !S::REPORT {
            return valid;
        }
        // Checked again to say why, with the name's violations moved to its member.
        let mut inner = ValidationErrors::new();
        self.check(
            id,
            &name,
            &mut Report {
                at: &mut Pointer::root(),
                errors: &mut inner,
            },
            depth,
        );
        let mark = sink.enter_key(key);
        for violation in inner {
            sink.push(
                violation.keyword,
                format!("property name {}: {}", quote(key), violation.message),
            );
        }
        sink.leave(mark);
        false
    }
}

/// Applies a keyword that checks `value` itself (no sub-schema); `true` for keywords about
/// another type of value.
#[inline(never)]
fn assertion<S: Sink>(keyword: &Keyword, value: &Value, sink: &mut S) -> bool {
    match (keyword, value) {
        (Keyword::Type(types), _) => {
            types.matches(value)
                || sink.fail("type", || {
                    format!("expected {types}, found {}", kind(value, true))
                })
        }
        (Keyword::Enum(allowed), _) => {
            allowed.iter().any(|a| crate::json::equal(a, value))
                || sink.fail("enum", || {
                    format!("{} is not one of {}", brief(value), brief_list(allowed))
                })
        }
        (Keyword::Const(expected), _) => {
            crate::json::equal(expected, value)
                || sink.fail("const", || {
                    format!(
                        "{} is not the required value {}",
                        brief(value),
                        brief(expected)
                    )
                })
        }
        (Keyword::MultipleOf(divisor, text), Value::Number(n)) => {
            Decimal::of_number(n).is_some_and(|d| d.is_multiple_of(*divisor) == Some(true))
                || sink.fail("multipleOf", || format!("{n} is not a multiple of {text}"))
        }
        (Keyword::Minimum(limit), Value::Number(n)) => {
            compare(n, limit).is_some_and(Ordering::is_ge)
                || sink.fail("minimum", || {
                    format!("{n} is less than the minimum {limit}")
                })
        }
        (Keyword::Maximum(limit), Value::Number(n)) => {
            compare(n, limit).is_some_and(Ordering::is_le)
                || sink.fail("maximum", || {
                    format!("{n} is greater than the maximum {limit}")
                })
        }
        (Keyword::ExclusiveMinimum(limit), Value::Number(n)) => {
            compare(n, limit).is_some_and(Ordering::is_gt)
                || sink.fail("exclusiveMinimum", || {
                    format!("{n} is not greater than the exclusive minimum {limit}")
                })
        }
        (Keyword::ExclusiveMaximum(limit), Value::Number(n)) => {
            compare(n, limit).is_some_and(Ordering::is_lt)
                || sink.fail("exclusiveMaximum", || {
                    format!("{n} is not less than the exclusive maximum {limit}")
                })
        }
        (Keyword::MinLength(min), Value::String(s)) => {
            let len = s.chars().count() as u64;
            len >= *min
                || sink.fail("minLength", || {
                    format!(
                        "{} has {len} characters, fewer than the minimum {min}",
                        quote(s)
                    )
                })
        }
        (Keyword::MaxLength(max), Value::String(s)) => {
            let len = s.chars().count() as u64;
            len <= *max
                || sink.fail("maxLength", || {
                    format!(
                        "{} has {len} characters, more than the maximum {max}",
                        quote(s)
                    )
                })
        }
        (Keyword::Pattern(pattern), Value::String(s)) => {
            pattern.regex.find(s).is_some()
                || sink.fail("pattern", || {
                    format!(
                        "{} does not match the pattern `{}`",
                        quote(s),
                        pattern.source
                    )
                })
        }
        (Keyword::Format(format), Value::String(s)) => {
            format.is_valid(s)
                || sink.fail("format", || {
                    format!("{} is not a valid {}", quote(s), format.name())
                })
        }
        (Keyword::MinItems(min), Value::Array(items)) => {
            items.len() as u64 >= *min
                || sink.fail("minItems", || {
                    format!("has {} items, fewer than the minimum {min}", items.len())
                })
        }
        (Keyword::MaxItems(max), Value::Array(items)) => {
            items.len() as u64 <= *max
                || sink.fail("maxItems", || {
                    format!("has {} items, more than the maximum {max}", items.len())
                })
        }
        (Keyword::UniqueItems, Value::Array(items)) => match first_duplicate(items) {
            None => true,
            Some((i, j)) => sink.fail("uniqueItems", || {
                format!("items {i} and {j} are equal; every item must be unique")
            }),
        },
        (Keyword::MinProperties(min), Value::Object(map)) => {
            map.len() as u64 >= *min
                || sink.fail("minProperties", || {
                    format!("has {} properties, fewer than the minimum {min}", map.len())
                })
        }
        (Keyword::MaxProperties(max), Value::Object(map)) => {
            map.len() as u64 <= *max
                || sink.fail("maxProperties", || {
                    format!("has {} properties, more than the maximum {max}", map.len())
                })
        }
        (Keyword::Required(names), Value::Object(map)) => {
            let mut valid = true;
            for name in names {
                if !map.contains_key(name) {
                    if !S::REPORT {
                        return false;
                    }
                    valid = sink.fail("required", || format!("`{name}` is a required property"));
                }
            }
            valid
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::validate::schema::tests::{compile, compile_error, violations, DRAFT_2020_12};

    #[test]
    fn branches_are_summed_up_at_the_value() {
        let one_of = json!({"oneOf": [{"type": "integer"}, {"minimum": 0}, {"type": "string"}]});
        assert_eq!(
            violations(&one_of, json!(3)),
            [" oneOf: value is valid under 2 of the 3 `oneOf` schemas (0, 1); exactly one must match"]
        );
        assert_eq!(
            violations(&one_of, json!(-1.5)),
            [" oneOf: value is valid under none of the 3 `oneOf` schemas; exactly one must match"]
        );
        assert!(violations(&one_of, json!(0.5)).is_empty());
        assert_eq!(
            violations(
                &json!({"anyOf": [{"type": "string"}, {"minimum": 2}]}),
                json!(1)
            ),
            [" anyOf: value is valid under none of the 2 `anyOf` schemas"]
        );
        assert_eq!(
            violations(&json!({"not": {"type": "null"}}), json!(null)),
            [" not: value is valid under the `not` schema, so it is rejected"]
        );
        assert_eq!(
            violations(&json!({"contains": {"const": 1}}), json!([2, 3])),
            [" contains: no item is valid under the `contains` schema"]
        );
    }

    #[test]
    fn then_and_else_report_what_they_require() {
        let schema = json!({
            "if": {"properties": {"kind": {"const": "card"}}, "required": ["kind"]},
            "then": {"required": ["cardNumber"]},
            "else": {"properties": {"cardNumber": false}},
        });
        assert_eq!(
            violations(&schema, json!({"kind": "card"})),
            [" required: `cardNumber` is a required property"]
        );
        assert_eq!(
            violations(&schema, json!({"kind": "cash", "cardNumber": "4111"})),
            ["/cardNumber properties: property `cardNumber` is not allowed"]
        );
        assert!(violations(&schema, json!({"kind": "cash"})).is_empty());
    }

    #[test]
    fn simple_keywords_say_what_is_wrong() {
        let cases = [
            (
                json!({"type": "string"}),
                json!(1),
                " type: expected string, found an integer",
            ),
            (
                json!({"type": ["integer", "string", "null"]}),
                json!(true),
                " type: expected null, integer or string, found a boolean",
            ),
            (
                json!({"enum": [1, "a", null]}),
                json!(2),
                " enum: 2 is not one of the allowed values 1, \"a\", null",
            ),
            (
                json!({"const": {"a": 1}}),
                json!({"a": 2}),
                " const: {\"a\":2} is not the required value {\"a\":1}",
            ),
            (
                json!({"multipleOf": 0.01}),
                json!(19.999),
                " multipleOf: 19.999 is not a multiple of 0.01",
            ),
            (
                json!({"exclusiveMaximum": 5}),
                json!(5),
                " exclusiveMaximum: 5 is not less than the exclusive maximum 5",
            ),
            (
                json!({"maximum": 5, "exclusiveMaximum": true}),
                json!(5.0),
                " exclusiveMaximum: 5.0 is not less than the exclusive maximum 5",
            ),
            (
                json!({"format": "date"}),
                json!("2021-02-29"),
                " format: \"2021-02-29\" is not a valid date",
            ),
            (
                json!({"uniqueItems": true}),
                json!([1, [2], 1.0]),
                " uniqueItems: items 0 and 2 are equal; every item must be unique",
            ),
            (
                json!({"maxProperties": 1}),
                json!({"a": 1, "b": 2}),
                " maxProperties: has 2 properties, more than the maximum 1",
            ),
            (
                json!({"dependencies": {"card": ["cvv"]}}),
                json!({"card": 1}),
                " dependencies: `cvv` is required when `card` is present",
            ),
            (
                json!({"propertyNames": {"maxLength": 2}}),
                json!({"abc": 1}),
                "/abc maxLength: property name \"abc\": \"abc\" has 3 characters, more than \
                 the maximum 2",
            ),
            (
                json!({"items": [{}], "additionalItems": false}),
                json!([1, 2]),
                "/1 additionalItems: item 1 is not allowed here (`additionalItems` is `false`)",
            ),
            (false.into(), json!(1), " false: no value is allowed here"),
        ];
        for (schema, value, expected) in cases {
            assert_eq!(violations(&schema, value), [expected], "{schema}");
        }
    }

    #[test]
    fn lengths_count_characters() {
        let schema = json!({"minLength": 2, "maxLength": 2});
        assert!(violations(&schema, json!("💩💩")).is_empty());
        assert_eq!(violations(&schema, json!("💩")).len(), 1);
    }

    #[test]
    fn integers_include_whole_floats() {
        let schema = json!({"type": "integer"});
        assert!(violations(&schema, json!(1.0)).is_empty());
        assert!(violations(&schema, json!(-0.0)).is_empty());
        assert!(violations(&schema, json!(u64::MAX)).is_empty());
        assert!(violations(&schema, json!(1e300)).is_empty());
        assert_eq!(violations(&schema, json!(1.5)).len(), 1);
    }

    #[test]
    fn multiple_of_is_exact_for_decimals() {
        let is_multiple =
            |value: Value, divisor: Value| compile(json!({"multipleOf": divisor})).is_valid(&value);
        assert!(is_multiple(json!(19.99), json!(0.01)));
        assert!(is_multiple(json!(0.3), json!(0.1)));
        assert!(is_multiple(json!(0.0075), json!(0.0001)));
        assert!(!is_multiple(json!(0.00751), json!(0.0001)));
        assert!(is_multiple(json!(-4.5), json!(1.5)));
        assert!(!is_multiple(json!(35), json!(1.5)));
        assert!(is_multiple(json!(0), json!(0.7)));
        assert!(is_multiple(json!(12391239123_u64), json!(1e-8)));
        assert!(!is_multiple(json!(1e308), json!(0.123456789)));
        assert!(is_multiple(json!(1e308), json!(2)));
        assert!(is_multiple(json!(1e308), json!(1e300)));
        assert!(!is_multiple(json!(1e300), json!(1e308)));
        assert!(is_multiple(json!(u64::MAX), json!(5)));
        assert!(!is_multiple(json!(u64::MAX), json!(2)));
        assert!(is_multiple(json!(i64::MIN), json!(2)));
        assert!(!is_multiple(json!(5e-324), json!(1e-323)));
        assert!(is_multiple(json!(1e-323), json!(5e-324)));
    }

    #[test]
    fn ranges_compare_exactly() {
        let schema = compile(json!({"maximum": 9_007_199_254_740_992.0_f64}));
        assert!(schema.is_valid(&json!(9_007_199_254_740_992_u64)));
        assert!(!schema.is_valid(&json!(9_007_199_254_740_993_u64)));
        let schema = compile(json!({"minimum": u64::MAX}));
        assert!(schema.is_valid(&json!(u64::MAX)));
        assert!(!schema.is_valid(&json!(u64::MAX - 1)));
        assert!(schema.is_valid(&json!(1e20)));
        let schema = compile(json!({"exclusiveMinimum": -0.5}));
        assert!(schema.is_valid(&json!(0)));
        assert!(!schema.is_valid(&json!(-1)));
        assert!(!schema.is_valid(&json!(i64::MIN)));
    }

    #[test]
    fn deep_values_under_recursive_refs_stop_with_a_violation() {
        let schema = compile(json!({"type": "array", "items": {"$ref": "#"}}));
        let mut deep = json!([]);
        for _ in 0..10_000 {
            deep = Value::Array(vec![deep]);
        }
        assert!(!schema.is_valid(&deep));
        let errors = schema.validate(&deep).unwrap_err();
        assert_eq!(errors.len(), 1);
        let violation = errors
            .iter()
            .next()
            .map(|v| (v.keyword, v.pointer.matches('/').count()));
        assert_eq!(violation, Some(("$ref", MAX_DEPTH / 2)));

        // Going too deep inside `not` must not flip into "valid".
        let negated = compile(json!({
            "not": {"$ref": "#/definitions/arrays"},
            "definitions": {"arrays": {"type": "array", "items": {"$ref": "#/definitions/arrays"}}},
        }));
        assert!(negated.is_valid(&json!([[1]])));
        assert!(!negated.is_valid(&json!([[]])));
        assert!(!negated.is_valid(&deep));
        let errors = negated.validate(&deep).unwrap_err();
        assert_eq!(
            errors.iter().map(|v| v.keyword).collect::<Vec<_>>(),
            ["$ref"]
        );
        std::mem::forget(deep); // Dropping 10,000 nested arrays recurses as deep.
    }

    #[test]
    fn prefix_items_check_the_leading_items_and_items_the_rest() {
        let schema = json!({
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "items": {"type": "boolean"},
        });
        assert!(violations(&schema, json!([1, "a", true, false])).is_empty());
        assert!(
            violations(&schema, json!([1])).is_empty(),
            "shorter is fine"
        );
        assert_eq!(
            violations(&schema, json!(["a", 1, 2])),
            [
                "/0 type: expected integer, found a string",
                "/1 type: expected string, found an integer",
                "/2 type: expected boolean, found an integer",
            ]
        );
        // `items: false` closes the tuple; alone, `prefixItems` leaves the rest open.
        let closed = json!({"prefixItems": [{}], "items": false});
        assert_eq!(
            violations(&closed, json!([1, 2])),
            ["/1 items: item 1 is not allowed here (`items` is `false`)"]
        );
        assert!(violations(&json!({"prefixItems": [{}]}), json!([1, 2])).is_empty());
        // In 2020-12 without `prefixItems`, `items` is every item, as in draft-07.
        let every = json!({"$schema": DRAFT_2020_12, "items": {"type": "integer"}});
        assert_eq!(
            violations(&every, json!([1, "2"])),
            ["/1 type: expected integer, found a string"]
        );
        // Draft-07's array of `items` with `additionalItems` is unchanged.
        let draft7 = json!({"items": [{"type": "integer"}], "additionalItems": false});
        assert_eq!(
            violations(&draft7, json!([1, 2])),
            ["/1 additionalItems: item 1 is not allowed here (`additionalItems` is `false`)"]
        );
        assert!(compile_error(json!({"prefixItems": [{}], "items": [{}]}))
            .starts_with("invalid schema at `/items`: must be one schema beside `prefixItems`"));
    }

    #[test]
    fn dependent_required_and_dependent_schemas() {
        let schema = json!({
            "dependentRequired": {"card": ["billing"]},
            "dependentSchemas": {"gift": {"required": ["message"], "maxProperties": 2}},
        });
        assert!(violations(&schema, json!({"billing": 1})).is_empty());
        assert!(violations(&schema, json!({"card": 1, "billing": 2})).is_empty());
        assert!(violations(&schema, json!("not an object")).is_empty());
        assert_eq!(
            violations(&schema, json!({"card": 1, "gift": true})),
            [
                " dependentRequired: `billing` is required when `card` is present",
                " required: `message` is a required property",
            ]
        );
        assert_eq!(
            violations(&json!({"dependentSchemas": {"a": false}}), json!({"a": 1})),
            [" dependentSchemas: `a` is not allowed (its dependency is `false`)"]
        );
        assert!(compile_error(json!({"dependentRequired": {"a": {}}}))
            .starts_with("invalid schema at `/dependentRequired/a`: must be an array of strings"));
    }

    #[test]
    fn min_and_max_contains_count_the_matching_items() {
        let schema = json!({"contains": {"const": 1}, "minContains": 2, "maxContains": 3});
        assert!(violations(&schema, json!([1, 2, 1])).is_empty());
        assert!(violations(&schema, json!([1, 1, 1])).is_empty());
        assert_eq!(
            violations(&schema, json!([1, 2])),
            [" minContains: 1 item is valid under the `contains` schema, fewer than the minimum 2"]
        );
        assert_eq!(
            violations(&schema, json!([1, 1, 1, 1])),
            [" maxContains: more than 3 items are valid under the `contains` schema"]
        );
        // `minContains: 0` allows arrays without a match, the empty one included.
        let optional = json!({"contains": {"const": 1}, "minContains": 0});
        assert!(violations(&optional, json!([])).is_empty());
        assert!(violations(&optional, json!([2])).is_empty());
        let at_most = json!({"contains": {"const": 1}, "minContains": 0, "maxContains": 1});
        assert!(violations(&at_most, json!([2])).is_empty());
        assert!(!compile(at_most).is_valid(&json!([1, 1])));
        // Alone, `contains` still asks for one match; the bounds without it mean nothing.
        assert_eq!(
            violations(
                &json!({"contains": {"const": 1}, "maxContains": 1}),
                json!([])
            ),
            [" contains: no item is valid under the `contains` schema"]
        );
        assert!(violations(&json!({"minContains": 2}), json!([])).is_empty());
    }
}
