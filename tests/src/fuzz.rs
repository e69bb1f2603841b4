//! A seeded generator of JSON Schemas and of payloads for them, for differential tests.
//!
//! [`schemas`] draws draft-07 schemas over every keyword tidings types or checks: types and
//! type arrays, nested objects, arrays and tuples, required/optional/nullable properties,
//! `allOf`/`anyOf`/`oneOf`/`not`/`if`, `const`/`enum` (objects and nulls included),
//! defaults (some breaking their own schema), numeric and string bounds, `multipleOf`,
//! formats, patterns, `additionalProperties`/`patternProperties`/`propertyNames`,
//! `dependencies`, and `$ref`s to shared definitions, recursive ones and references to
//! references. [`payloads`] draws values for a schema: most follow the schema (valid by
//! construction where the schema lets a walk decide), the rest are mutated (a type swapped,
//! a bound crossed, a required property dropped, `1.0` for `1`). An independent validator
//! decides which are valid; the generator only makes both kinds likely.
//!
//! The random source is a SplitMix64 of our own rather than a crate's generator: the
//! sequence for a seed must stay the same across dependency updates, so that a seed printed
//! by a failing run reproduces it later.

use serde_json::{json, Map, Value};

/// SplitMix64: small, fast, and stable for a given seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// The generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.bits() % 100 < percent
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.bits() % ((high - low + 1) as u64)) as i64
    }
}

/// Property names, the awkward ones included (keywords, JavaScript object members,
/// characters that need escaping in a pointer or in Rust).
const NAMES: &[&str] = &[
    "id",
    "name",
    "kind",
    "count",
    "items",
    "type",
    "enum",
    "$ref",
    "default",
    "a b",
    "a/b",
    "t~1",
    "__proto__",
    "toString",
    "constructor",
    "é",
    "self",
    "MixedCase",
    "snake_case",
    "x-ext",
    "1st",
    "",
];

/// Patterns and strings that match them (any of them may also be drawn for a pattern that
/// it does not match).
const PATTERNS: &[(&str, &[&str])] = &[
    ("^[a-z]+$", &["abc", "z"]),
    ("^o-", &["o-1", "o-"]),
    ("[0-9]{3}", &["x123", "999"]),
    ("^[A-Z][a-z]*$", &["Abc", "Z"]),
    ("^\\p{L}+$", &["héllo", "abc"]),
    ("^(ab|cd)*$", &["", "abcd"]),
];

/// Formats both tidings and the reference validator check, with valid and invalid values.
const FORMATS: &[(&str, &[&str], &[&str])] = &[
    (
        "date-time",
        &["2024-02-29T10:00:00Z", "1999-12-31T23:59:59.5+01:00"],
        &["2023-02-29T10:00:00Z", "2024-01-01", "2024-01-01T25:00:00Z"],
    ),
    (
        "date",
        &["2024-02-29", "0001-01-01"],
        &["2024-13-01", "24-01-01"],
    ),
    (
        "uuid",
        &["d9428888-122b-11e1-b85c-61cd3cbb3210"],
        &["d9428888-122b-11e1-b85c", "x"],
    ),
    ("ipv4", &["192.168.0.1", "0.0.0.0"], &["256.1.1.1", "1.2.3"]),
    ("ipv6", &["::1", "fe80::1"], &["12345::", "1:2:3"]),
    ("email", &["a@example.com"], &["no-at-sign"]),
    ("hostname", &["example.com", "a-b.c"], &["-bad.com", "a..b"]),
];

/// Draws one schema and its definitions.
struct Generator {
    rng: Rng,
    /// Definitions so far, named `{prefix}{index}`.
    definitions: Vec<Value>,
    prefix: String,
    depth: usize,
}

/// One schema of a run: the payload schema and the definitions its `$ref`s point at.
#[derive(Clone, Debug)]
pub struct Case {
    /// The payload schema.
    pub schema: Value,
    /// Definitions, referred to as `#/components/schemas/{prefix}N`, N their index.
    pub definitions: Vec<Value>,
    /// The prefix of the definitions' names.
    pub prefix: String,
}

impl Case {
    /// The schema with its definitions beside it, for a validator that reads one document:
    /// references point into `components/schemas` as they do in the AsyncAPI document.
    pub fn standalone(&self) -> Value {
        let definitions: Map<String, Value> = (self.definitions.iter().enumerate())
            .map(|(i, d)| (format!("{}{i}", self.prefix), d.clone()))
            .collect();
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "allOf": [self.schema],
            "components": {"schemas": definitions},
        })
    }
}

/// The schema number `index` of the run `seed`: the same pair always gives the same schema.
/// Its definitions are named `c{index}dN`, so that the schemas of a run can share one
/// document.
pub fn schema(seed: u64, index: u64) -> Case {
    let mut g = Generator {
        rng: Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(index)),
        definitions: Vec::new(),
        prefix: format!("c{index}d"),
        depth: 0,
    };
    // Definitions first, so that references can point to earlier ones (chains) or to
    // themselves (recursion, always behind an optional property or an array).
    let count = g.rng.below(3);
    for i in 0..count {
        let definition = if i > 0 && g.rng.chance(25) {
            let target = g.rng.below(i);
            g.reference_to(target)
        } else if g.rng.chance(30) {
            g.recursive(i)
        } else {
            g.any(2)
        };
        g.definitions.push(definition);
    }
    let schema = if g.rng.chance(70) {
        g.object(3)
    } else {
        g.any(3)
    };
    Case {
        schema,
        definitions: g.definitions,
        prefix: g.prefix,
    }
}

impl Generator {
    fn reference(&mut self) -> Option<Value> {
        if self.definitions.is_empty() {
            return None;
        }
        let target = self.rng.below(self.definitions.len());
        Some(self.reference_to(target))
    }

    fn reference_to(&self, target: usize) -> Value {
        json!({"$ref": format!("#/components/schemas/{}{target}", self.prefix)})
    }

    /// A tree: an object whose optional `children` (or `next`) refer back to itself.
    fn recursive(&mut self, me: usize) -> Value {
        let me = self.reference_to(me);
        let mut properties = Map::new();
        properties.insert("name".into(), self.string());
        if self.rng.chance(50) {
            properties.insert("children".into(), json!({"type": "array", "items": me}));
        } else {
            properties.insert("next".into(), me);
        }
        let mut schema = json!({"type": "object", "properties": properties});
        if self.rng.chance(50) {
            schema["required"] = json!(["name"]);
        }
        schema
    }

    /// Any schema, `budget` levels deep at most.
    fn any(&mut self, budget: usize) -> Value {
        self.depth += 1;
        let schema = if budget == 0 {
            self.scalar()
        } else {
            match self.rng.below(100) {
                0..=24 => self.object(budget - 1),
                25..=36 => self.array(budget - 1),
                37..=56 => self.scalar(),
                57..=62 => self.nullable(budget - 1),
                63..=67 => self.enumeration(),
                68..=70 => self.constant(),
                71..=80 => self.composition(budget - 1),
                81..=83 => self.conditional(budget - 1),
                84..=91 => self.reference().unwrap_or_else(|| self.scalar()),
                92..=93 => json!(self.rng.chance(70)),
                94..=95 => json!({}),
                _ => self.type_array(budget - 1),
            }
        };
        self.depth -= 1;
        schema
    }

    fn scalar(&mut self) -> Value {
        match self.rng.below(10) {
            0..=3 => self.string(),
            4..=5 => self.integer(),
            6..=7 => self.number(),
            8 => json!({"type": "boolean"}),
            _ => json!({"type": "null"}),
        }
    }

    fn string(&mut self) -> Value {
        let mut s = json!({"type": "string"});
        if self.rng.chance(30) {
            let min = self.rng.range(0, 3);
            s["minLength"] = json!(min);
        }
        if self.rng.chance(30) {
            s["maxLength"] = json!(self.rng.range(1, 6));
        }
        if self.rng.chance(20) {
            s["pattern"] = json!(self.rng.pick(PATTERNS).0);
        } else if self.rng.chance(20) {
            s["format"] = json!(self.rng.pick(FORMATS).0);
        }
        if self.rng.chance(10) {
            s["default"] = json!(self.rng.pick(&["", "abc", "toolongvalue", "o-1"]));
        }
        s
    }

    fn integer(&mut self) -> Value {
        let mut s = json!({"type": "integer"});
        self.bounds(&mut s, true);
        if self.rng.chance(15) {
            s["format"] = json!(self.rng.pick(&["int32", "int64", "uint8"]));
        }
        s
    }

    fn number(&mut self) -> Value {
        let mut s = json!({"type": "number"});
        self.bounds(&mut s, false);
        if self.rng.chance(10) {
            s["format"] = json!(self.rng.pick(&["float", "double"]));
        }
        s
    }

    fn bounds(&mut self, s: &mut Value, integer: bool) {
        let low = self.rng.range(-5, 5);
        match self.rng.below(6) {
            0 => s["minimum"] = json!(low),
            1 => s["exclusiveMinimum"] = json!(low),
            2 => {
                s["minimum"] = json!(low);
                s["maximum"] = json!(low + self.rng.range(0, 10));
            }
            3 => s["exclusiveMaximum"] = json!(low),
            _ => {}
        }
        if self.rng.chance(20) {
            s["multipleOf"] = if integer {
                json!(self.rng.range(2, 3))
            } else {
                json!(*self.rng.pick(&[0.5, 0.1, 2.0, 1.5]))
            };
        }
        if self.rng.chance(10) {
            s["default"] = json!(self.rng.range(-10, 10));
        }
    }

    fn nullable(&mut self, budget: usize) -> Value {
        let mut inner = match self.rng.below(4) {
            0 => self.object(budget),
            1 => self.array(budget),
            _ => self.scalar(),
        };
        match inner.get("type").cloned() {
            Some(Value::String(t)) if t != "null" && self.rng.chance(60) => {
                inner["type"] = json!([t, "null"])
            }
            _ => inner = json!({"oneOf": [inner, {"type": "null"}]}),
        }
        inner
    }

    fn type_array(&mut self, budget: usize) -> Value {
        let all = [
            "string", "integer", "number", "boolean", "null", "array", "object",
        ];
        let mut types: Vec<&str> = Vec::new();
        for _ in 0..self.rng.range(2, 3) {
            let t = *self.rng.pick(&all);
            if !types.contains(&t) {
                types.push(t);
            }
        }
        let mut s = json!({"type": types});
        if types.contains(&"string") && self.rng.chance(40) {
            s["maxLength"] = json!(self.rng.range(1, 4));
        }
        if (types.contains(&"integer") || types.contains(&"number")) && self.rng.chance(40) {
            s["minimum"] = json!(self.rng.range(-2, 2));
        }
        if types.contains(&"object") && self.rng.chance(50) {
            let o = self.object(budget);
            for key in ["properties", "required", "additionalProperties"] {
                if let Some(v) = o.get(key) {
                    s[key] = v.clone();
                }
            }
        }
        if types.contains(&"array") && self.rng.chance(50) {
            s["items"] = self.any(budget);
        }
        s
    }

    fn literal(&mut self) -> Value {
        match self.rng.below(9) {
            0 => json!(null),
            1 => json!(self.rng.chance(50)),
            2 => json!(self.rng.range(-3, 3)),
            3 => json!(1.5),
            4 => json!({"$ref": "#/x", "a": 1}),
            5 => json!([1, "a"]),
            6 => json!({"k": [null]}),
            _ => json!(self.rng.pick(&["a", "b", "", "é", "o-1"])),
        }
    }

    fn enumeration(&mut self) -> Value {
        let mut values = Vec::new();
        let strings = self.rng.chance(50);
        for _ in 0..self.rng.range(1, 4) {
            let v = if strings {
                json!(self
                    .rng
                    .pick(&["a", "b", "red", "Red", "x-y", "1", "", "a b"]))
            } else {
                self.literal()
            };
            if !values.contains(&v) {
                values.push(v);
            }
        }
        let mut s = json!({"enum": values});
        if strings && self.rng.chance(60) {
            s["type"] = json!("string");
        } else if self.rng.chance(10) {
            // Contradictory: a type no value of the enum has.
            s["type"] = json!("object");
        }
        s
    }

    fn constant(&mut self) -> Value {
        json!({"const": self.literal()})
    }

    fn composition(&mut self, budget: usize) -> Value {
        let n = self.rng.range(1, 3) as usize;
        let object_parts = self.rng.chance(50);
        let parts: Vec<Value> = (0..n)
            .map(|_| {
                if object_parts {
                    self.object(budget)
                } else {
                    self.any(budget)
                }
            })
            .collect();
        match self.rng.below(4) {
            0 => json!({"allOf": parts}),
            1 => json!({"anyOf": parts}),
            2 => json!({"oneOf": parts}),
            _ => json!({"not": parts[0]}),
        }
    }

    fn conditional(&mut self, budget: usize) -> Value {
        let mut s = json!({"if": self.any(budget.min(1))});
        if self.rng.chance(80) {
            s["then"] = self.any(budget);
        }
        if self.rng.chance(60) {
            s["else"] = self.any(budget);
        }
        s
    }

    fn array(&mut self, budget: usize) -> Value {
        let mut s = json!({"type": "array"});
        if self.rng.chance(25) {
            let items: Vec<Value> = (0..self.rng.range(1, 3))
                .map(|_| self.any(budget))
                .collect();
            if self.rng.chance(50) {
                // Exactly as long as the list: a Rust tuple.
                s["minItems"] = json!(items.len());
            }
            s["items"] = json!(items);
            match self.rng.below(3) {
                0 => s["additionalItems"] = json!(false),
                1 => s["additionalItems"] = self.scalar(),
                _ => {}
            }
        } else if self.rng.chance(85) {
            s["items"] = self.any(budget);
        }
        if self.rng.chance(20) && s.get("minItems").is_none() {
            s["minItems"] = json!(self.rng.range(0, 2));
        }
        if self.rng.chance(25) {
            s["maxItems"] = json!(self.rng.range(1, 4));
        }
        if self.rng.chance(20) {
            s["uniqueItems"] = json!(true);
        }
        if self.rng.chance(10) {
            s["contains"] = self.scalar();
        }
        if self.rng.chance(10) {
            s.as_object_mut().unwrap().remove("type");
        }
        s
    }

    fn object(&mut self, budget: usize) -> Value {
        let mut properties = Map::new();
        for _ in 0..self.rng.below(5) {
            let name = *self.rng.pick(NAMES);
            let schema = if budget == 0 {
                self.scalar()
            } else {
                self.any(budget - 1)
            };
            properties.insert(name.to_string(), schema);
        }
        let mut s = json!({"type": "object"});
        if !properties.is_empty() || self.rng.chance(50) {
            let names: Vec<String> = properties.keys().cloned().collect();
            s["properties"] = Value::Object(properties);
            let mut required: Vec<String> =
                names.into_iter().filter(|_| self.rng.chance(50)).collect();
            if self.rng.chance(10) {
                // Required but not described.
                let name = (*self.rng.pick(NAMES)).to_string();
                if !required.contains(&name) {
                    required.push(name);
                }
            }
            if !required.is_empty() {
                s["required"] = json!(required);
            }
        }
        match self.rng.below(10) {
            0..=2 => s["additionalProperties"] = json!(false),
            3 => s["additionalProperties"] = self.scalar(),
            4 => {
                let (pattern, _) = *self.rng.pick(PATTERNS);
                s["patternProperties"] = json!({ pattern: self.scalar() });
                if self.rng.chance(50) {
                    s["additionalProperties"] = json!(false);
                }
            }
            _ => {}
        }
        if self.rng.chance(8) {
            s["propertyNames"] = json!({"maxLength": self.rng.range(1, 4)});
        }
        if self.rng.chance(8) {
            s["minProperties"] = json!(self.rng.range(1, 2));
        }
        if self.rng.chance(8) {
            s["maxProperties"] = json!(self.rng.range(1, 3));
        }
        if self.rng.chance(6) {
            let a = *self.rng.pick(NAMES);
            let b = *self.rng.pick(NAMES);
            s["dependencies"] = if self.rng.chance(50) {
                json!({ a: [b] })
            } else {
                json!({ a: {"required": [b]} })
            };
        }
        if self.rng.chance(15) {
            // No `type`: the keywords apply to objects only, anything else is valid.
            s.as_object_mut().unwrap().remove("type");
        }
        s
    }
}

/// `count` payloads for `case`, as one-line JSON texts.
pub fn payloads(case: &Case, seed: u64, index: u64, count: usize) -> Vec<String> {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0xabcdef);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut walker = Walker {
            rng: &mut rng,
            definitions: &case.definitions,
            depth: 0,
        };
        let mut value = walker.instance(&case.schema);
        // Two in five are mutated.
        if i % 5 >= 3 {
            walker.mutate(&mut value);
        }
        out.push(value.to_string());
    }
    out
}

struct Walker<'a> {
    rng: &'a mut Rng,
    definitions: &'a [Value],
    depth: usize,
}

impl Walker<'_> {
    /// A value that follows `schema` where following it is a local decision.
    fn instance(&mut self, schema: &Value) -> Value {
        if self.depth > 6 {
            return json!(null);
        }
        self.depth += 1;
        let value = self.instance_of(schema);
        self.depth -= 1;
        value
    }

    fn instance_of(&mut self, schema: &Value) -> Value {
        let Value::Object(s) = schema else {
            return self.random();
        };
        if let Some(Value::String(r)) = s.get("$ref") {
            let index = r
                .rsplit('d')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            return match self.definitions.get(index) {
                Some(d) => self.instance(d),
                None => self.random(),
            };
        }
        if let Some(c) = s.get("const") {
            return c.clone();
        }
        if let Some(Value::Array(values)) = s.get("enum") {
            if !values.is_empty() && self.rng.chance(90) {
                return self.rng.pick(values).clone();
            }
        }
        if let Some(Value::Array(parts)) = s.get("allOf") {
            let mut merged = Value::Null;
            for part in parts {
                let v = self.instance(part);
                match (&mut merged, v) {
                    (Value::Object(m), Value::Object(o)) => m.extend(o),
                    (m @ Value::Null, v) => *m = v,
                    _ => {}
                }
            }
            return merged;
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(parts)) = s.get(key) {
                if !parts.is_empty() {
                    let part = self.rng.pick(parts).clone();
                    return self.instance(&part);
                }
            }
        }
        if s.contains_key("if") {
            let branch = if self.rng.chance(50) { "then" } else { "else" };
            if let Some(b) = s.get(branch) {
                return self.instance(b);
            }
        }
        let t = match s.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) if !ts.is_empty() => {
                self.rng.pick(ts).as_str().unwrap_or("null").to_string()
            }
            _ if s.contains_key("properties") || s.contains_key("required") => "object".into(),
            _ if s.contains_key("items") => "array".into(),
            _ => return self.random(),
        };
        match t.as_str() {
            "object" => self.object(s),
            "array" => self.array(s),
            "string" => self.string(s),
            "integer" | "number" => self.number(s, t == "integer"),
            "boolean" => json!(self.rng.chance(50)),
            _ => json!(null),
        }
    }

    fn object(&mut self, s: &Map<String, Value>) -> Value {
        let mut out = Map::new();
        let empty = Map::new();
        let properties = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, schema) in properties {
            if required.contains(&name.as_str()) || self.rng.chance(50) {
                let v = self.instance(schema);
                out.insert(name.clone(), v);
            }
        }
        for name in required {
            if !out.contains_key(name) {
                let v = self.random();
                out.insert(name.to_string(), v);
            }
        }
        if let Some(Value::Object(patterns)) = s.get("patternProperties") {
            if self.rng.chance(50) {
                for (pattern, schema) in patterns {
                    let samples = PATTERNS
                        .iter()
                        .find(|(p, _)| p == pattern)
                        .map(|(_, s)| *s)
                        .unwrap_or(&["k"]);
                    let key = self.rng.pick(samples).to_string();
                    let v = self.instance(schema);
                    out.insert(key, v);
                }
            }
        }
        match s.get("additionalProperties") {
            Some(Value::Bool(false)) => {}
            Some(schema) if self.rng.chance(30) => {
                let v = self.instance(schema);
                out.insert("extra".into(), v);
            }
            None if self.rng.chance(20) => {
                out.insert("extra".into(), json!(1));
            }
            _ => {}
        }
        Value::Object(out)
    }

    fn array(&mut self, s: &Map<String, Value>) -> Value {
        let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) as i64;
        let max = s.get("maxItems").and_then(Value::as_u64).unwrap_or(3) as i64;
        let len = self.rng.range(min, max.max(min)) as usize;
        let mut out = Vec::with_capacity(len);
        match s.get("items") {
            Some(Value::Array(tuple)) => {
                for i in 0..len {
                    let v = match tuple.get(i) {
                        Some(schema) => self.instance(schema),
                        None => match s.get("additionalItems") {
                            Some(Value::Bool(false)) => break,
                            Some(schema) => self.instance(schema),
                            None => self.random(),
                        },
                    };
                    out.push(v);
                }
            }
            Some(schema) => {
                for _ in 0..len {
                    let v = self.instance(schema);
                    out.push(v);
                }
            }
            None => {
                for _ in 0..len {
                    out.push(self.random());
                }
            }
        }
        if let Some(contains) = s.get("contains") {
            if self.rng.chance(70) {
                let v = self.instance(contains);
                out.push(v);
            }
        }
        Value::Array(out)
    }

    fn string(&mut self, s: &Map<String, Value>) -> Value {
        if let Some(Value::String(pattern)) = s.get("pattern") {
            if let Some((_, samples)) = PATTERNS.iter().find(|(p, _)| p == pattern) {
                return json!(self.rng.pick(samples));
            }
        }
        if let Some(Value::String(format)) = s.get("format") {
            if let Some((_, good, bad)) = FORMATS.iter().find(|(f, _, _)| f == format) {
                return json!(if self.rng.chance(80) {
                    self.rng.pick(good)
                } else {
                    self.rng.pick(bad)
                });
            }
        }
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as i64;
        let max = s.get("maxLength").and_then(Value::as_u64).unwrap_or(6) as i64;
        let len = self.rng.range(min, max.max(min));
        let alphabet = ['a', 'b', 'z', 'é', '7', ' ', '😀'];
        json!((0..len)
            .map(|_| *self.rng.pick(&alphabet))
            .collect::<String>())
    }

    fn number(&mut self, s: &Map<String, Value>, integer: bool) -> Value {
        let low = s
            .get("minimum")
            .or(s.get("exclusiveMinimum"))
            .and_then(Value::as_f64)
            .unwrap_or(-20.0);
        let high = s
            .get("maximum")
            .or(s.get("exclusiveMaximum"))
            .and_then(Value::as_f64)
            .unwrap_or(low + 20.0);
        let (low, high) = (low.ceil() as i64, high.floor() as i64);
        let mut n = self.rng.range(low, high.max(low));
        if let Some(m) = s.get("multipleOf").and_then(Value::as_f64) {
            if m >= 1.0 {
                n = (n / m as i64) * m as i64;
            }
        }
        if !integer && self.rng.chance(40) {
            json!(n as f64 + 0.5)
        } else {
            json!(n)
        }
    }

    /// Any value, small.
    fn random(&mut self) -> Value {
        match self.rng.below(10) {
            0 => json!(null),
            1 => json!(self.rng.chance(50)),
            2 => json!(self.rng.range(-3, 300)),
            3 => json!(2.5),
            4 => json!(1.0),
            5 => json!(self.rng.pick(&["a", "", "o-1", "2024-02-29"])),
            6 => json!([1, "a"]),
            7 => json!({"a": 1}),
            8 => json!({"$ref": "#/x", "a": 1}),
            _ => json!([]),
        }
    }

    /// Changes one node of `value`.
    fn mutate(&mut self, value: &mut Value) {
        match value {
            Value::Object(map) if !map.is_empty() && self.rng.chance(70) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = self.rng.pick(&keys).clone();
                match self.rng.below(3) {
                    0 => {
                        map.remove(&key);
                    }
                    _ => self.mutate(map.get_mut(&key).expect("key")),
                }
            }
            Value::Object(map) if self.rng.chance(50) => {
                let name = *self.rng.pick(NAMES);
                let v = self.random();
                map.insert(name.to_string(), v);
            }
            Value::Array(items) if !items.is_empty() && self.rng.chance(70) => {
                match self.rng.below(3) {
                    0 => {
                        items.pop();
                    }
                    1 => {
                        let first = items[0].clone();
                        items.push(first);
                    }
                    _ => {
                        let i = self.rng.below(items.len());
                        self.mutate(&mut items[i]);
                    }
                }
            }
            Value::Number(n) => {
                let f = n.as_f64().unwrap_or(0.0);
                *value = match self.rng.below(4) {
                    0 => json!(f + 1.0),
                    1 => json!(f - 1.0),
                    2 => json!(f + 0.25),
                    _ => json!(f.trunc()),
                };
            }
            Value::String(s) => match self.rng.below(3) {
                0 => s.push('x'),
                1 => {
                    s.pop();
                }
                _ => *value = json!(s.len()),
            },
            _ => *value = self.random(),
        }
    }
}
