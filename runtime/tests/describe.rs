//! `Validate::describe` against `Validate` itself: for code-first types, the schema schemars
//! writes plus the described checks accepts exactly the JSON that `decode_valid` accepts
//! (decodes into the type, and validates). Instances are generated from the schema (valid-looking and broken values,
//! missing and extra properties, wrong types), thousands per type, and both sides judge each.
//!
//! One known difference is kept out of the generated values: JSON Schema counts `3.0` as an
//! integer, serde does not decode it into an integer type (that is serde's form, not a check).

use std::collections::BTreeMap;

use proptest::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tidings::schema::Schema;
use tidings::Validate;

#[derive(Debug, Serialize, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase")]
struct Parcel {
    #[validate(minimum = 1, maximum = 30000)]
    weight_grams: i64,
    #[validate(pattern = "^[A-Z]{2}$")]
    country: String,
    #[validate(length(min = 1, max = 3), unique_items, items(length(max = 4)))]
    labels: Vec<String>,
    #[validate(multiple_of = 0.5, exclusive_minimum = 0)]
    price: Option<f64>,
    #[validate(format = "email")]
    contact: String,
    #[validate(values(minimum = 0), length(max = 2))]
    counts: BTreeMap<String, i64>,
    #[validate(enumeration = r#"["a", "b"]"#)]
    code: Option<String>,
    #[validate(constant = r#""parcel""#)]
    kind: String,
    items: Vec<Item>,
    first: Option<Item>,
    note: Option<Note>,
    // Checks beside a reference to a named type.
    #[validate(enumeration = r#"["ab", "abcde", "abcdef"]"#)]
    tag: Note,
    size: Size,
    shape: Shape,
}

/// An item.
#[derive(Debug, Serialize, Deserialize, JsonSchema, Validate)]
struct Item {
    #[validate(length(min = 2))]
    code: String,
    #[validate(minimum = 1)]
    quantity: u32,
    children: Vec<Item>,
}

/// A newtype with its own checks.
#[derive(Debug, Serialize, Deserialize, JsonSchema, Validate)]
struct Note(#[validate(length(max = 5))] String);

/// A tuple struct.
#[derive(Debug, Serialize, Deserialize, JsonSchema, Validate)]
struct Size(#[validate(minimum = 1)] u32, #[validate(maximum = 10)] u32);

/// An externally tagged enum.
#[derive(Debug, Serialize, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "snake_case")]
enum Shape {
    Circle {
        #[validate(exclusive_minimum = 0)]
        radius: f64,
    },
    Square(#[validate(maximum = 100)] u32),
    Point,
}

/// An internally tagged enum.
#[derive(Debug, Serialize, Deserialize, JsonSchema, Validate)]
#[serde(tag = "type")]
enum Payment {
    Card {
        #[validate(pattern = "^[0-9]{4}$")]
        last4: String,
    },
    Cash {
        #[validate(minimum = 1)]
        amount: i64,
    },
}

/// A type with a whole-value schema of its own.
#[derive(Debug, Serialize, Deserialize, JsonSchema, Validate)]
#[validate(schema = r#"{"not": {"required": ["gift", "discount"]}}"#)]
struct Offer {
    #[serde(skip_serializing_if = "Option::is_none")]
    gift: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount: Option<u32>,
}

/// The schema of `T`: schemars' structure with `T`'s checks described into it, in draft
/// 2020-12 (schemars' default) or draft-07 (what `tidings::spec::AsyncApi` writes: keywords
/// beside a `$ref` do not apply there).
fn described<T: JsonSchema + Validate>(draft07: bool) -> Value {
    let settings = if draft07 {
        schemars::generate::SchemaSettings::draft07()
    } else {
        schemars::generate::SchemaSettings::draft2020_12()
    };
    let mut schema =
        serde_json::to_value(settings.into_generator().into_root_schema_for::<T>()).unwrap();
    T::describe(&mut tidings::spec::Cursor::new(&mut schema));
    schema
}

/// A small deterministic generator (splitmix64), with the share of broken choices (percent)
/// the current instance is made with.
struct Rng(u64, u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A broken choice, at the current instance's rate.
    fn noise(&mut self) -> bool {
        let rate = self.1;
        self.chance(rate)
    }

    fn pick(&mut self, pool: &[Value]) -> Value {
        pool[self.below(pool.len())].clone()
    }
}

/// A value of `pool`: most often one that the leaf schema `schema` (no `$ref` inside)
/// accepts, when there is one, so that whole instances are valid often enough.
fn leaf(schema: &Value, pool: &[Value], rng: &mut Rng) -> Value {
    thread_local! {
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Schema>> =
            Default::default();
    }
    if rng.noise() {
        return rng.pick(pool);
    }
    let good: Vec<Value> = COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        let compiled = c
            .entry(schema.to_string())
            .or_insert_with(|| Schema::compile(schema).expect("a leaf schema compiles"));
        pool.iter()
            .filter(|v| compiled.is_valid(v))
            .cloned()
            .collect()
    });
    if good.is_empty() {
        rng.pick(pool)
    } else {
        rng.pick(&good)
    }
}

/// An instance of `schema` (inside `root`), near the edges of its constraints and sometimes
/// across them.
fn instance(root: &Value, schema: &Value, rng: &mut Rng, depth: usize) -> Value {
    let strings = [
        json!(""),
        json!("a"),
        json!("b"),
        json!("DE"),
        json!("de"),
        json!("abcde"),
        json!("abcdef"),
        json!("me@example.com"),
        json!("not an email"),
        json!("parcel"),
        json!("1234"),
        json!("12a4"),
    ];
    let integers = [
        json!(-1),
        json!(0),
        json!(1),
        json!(2),
        json!(10),
        json!(11),
        json!(100),
        json!(101),
        json!(30000),
        json!(30001),
    ];
    let numbers = [
        json!(0),
        json!(0.5),
        json!(0.25),
        json!(-0.5),
        json!(1.5),
        json!(2),
        json!(7),
    ];
    if depth > 12 || rng.noise() {
        let any = [
            json!(null),
            json!(true),
            json!("x"),
            json!(1),
            json!([]),
            json!({}),
        ];
        return rng.pick(&any);
    }
    let Some(map) = schema.as_object() else {
        return json!(null);
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let target = root.pointer(reference.trim_start_matches('#')).unwrap();
        return instance(root, target, rng, depth + 1);
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        if !rng.noise() {
            return rng.pick(values);
        }
    }
    if let Some(value) = map.get("const") {
        if !rng.noise() {
            return value.clone();
        }
    }
    // A reference moved into `allOf` beside keywords (draft-07): the referenced shape.
    if let Some(first) = map
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return instance(root, first, rng, depth + 1);
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(branches) = map.get(keyword).and_then(Value::as_array) {
            let branch = &branches[rng.below(branches.len())];
            return instance(root, branch, rng, depth + 1);
        }
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["string", "integer", "object"],
    };
    match types[rng.below(types.len())] {
        "null" => json!(null),
        "boolean" => json!(rng.chance(50)),
        "string" => leaf(schema, &strings, rng),
        "integer" => leaf(schema, &integers, rng),
        "number" => leaf(schema, &numbers, rng),
        "array" => {
            // Deeper down, shorter: recursive types end.
            let n = if depth > 4 { 0 } else { rng.below(4) };
            let tuple = map.get("prefixItems").or_else(|| map.get("items"));
            if let Some(prefix) = tuple.and_then(Value::as_array) {
                let mut items: Vec<Value> = prefix
                    .iter()
                    .map(|s| instance(root, s, rng, depth + 1))
                    .collect();
                if rng.noise() {
                    items.pop();
                }
                return Value::Array(items);
            }
            let items = map.get("items").cloned().unwrap_or(json!({}));
            let mut out: Vec<Value> = (0..n)
                .map(|_| instance(root, &items, rng, depth + 1))
                .collect();
            if n > 1 && rng.noise() {
                out[1] = out[0].clone();
            }
            Value::Array(out)
        }
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(properties) = map.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    let keep = if required.contains(&name.as_str()) {
                        !rng.noise()
                    } else {
                        rng.chance(60)
                    };
                    if keep {
                        out.insert(name.clone(), instance(root, property, rng, depth + 1));
                    }
                }
            }
            if let Some(values) = map.get("additionalProperties").filter(|v| v.is_object()) {
                for key in ["x", "y", "z"].iter().take(rng.below(4)) {
                    out.insert(key.to_string(), instance(root, values, rng, depth + 1));
                }
            } else if rng.noise() {
                out.insert("extra".into(), json!(1));
            }
            Value::Object(out)
        }
        _ => json!(null),
    }
}

/// How often each side accepted, over `runs` instances; panics at the first disagreement.
fn agree<T>(seed: u64, runs: usize, draft07: bool) -> (usize, usize)
where
    T: JsonSchema + Validate + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let schema_json = described::<T>(draft07);
    let schema = Schema::compile(&schema_json).unwrap_or_else(|e| panic!("{e}\n{schema_json:#}"));
    let mut rng = Rng(seed, 0);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..runs {
        // Instances from clean to noisy: both verdicts, and the edges between them.
        rng.1 = [0, 1, 3, 10, 30][rng.below(5)];
        let value = instance(&schema_json, &schema_json, &mut rng, 0);
        // As a payload is judged: decoded and validated (by the type's own schema, for a
        // type that has one).
        let by_type = tidings::decode_valid::<T>(value.to_string().as_bytes());
        let by_schema = schema.validate(&value);
        assert_eq!(
            by_type.is_ok(),
            by_schema.is_ok(),
            "value {value}\ntype says {by_type:?}\nschema says {by_schema:?}\nschema {schema_json:#}"
        );
        if by_type.is_ok() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    (accepted, rejected)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_described_schema_accepts_what_validate_accepts(seed in any::<u64>()) {
        let draft07 = seed % 2 == 0;
        for (name, (accepted, rejected)) in [
            ("Parcel", agree::<Parcel>(seed, 300, draft07)),
            ("Item", agree::<Item>(seed, 300, draft07)),
            ("Payment", agree::<Payment>(seed, 300, draft07)),
            ("Offer", agree::<Offer>(seed, 300, draft07)),
            ("Shape", agree::<Shape>(seed, 300, draft07)),
        ] {
            // Both verdicts occur: the instances are neither all valid nor all broken.
            prop_assert!(
                accepted > 0 && rejected > 0,
                "{name}: {accepted} accepted, {rejected} rejected"
            );
        }
    }
}

#[test]
fn checks_land_where_schemars_puts_the_values() {
    let schema = described::<Parcel>(false);
    let p = &schema["properties"];
    assert_eq!(p["weightGrams"]["minimum"], 1);
    assert_eq!(p["weightGrams"]["maximum"], 30000);
    assert_eq!(p["country"]["pattern"], "^[A-Z]{2}$");
    assert_eq!(p["labels"]["maxItems"], 3);
    assert_eq!(p["labels"]["uniqueItems"], true);
    assert_eq!(p["labels"]["items"]["maxLength"], 4);
    assert_eq!(p["price"]["multipleOf"], 0.5);
    assert_eq!(p["contact"]["format"], "email");
    assert_eq!(p["counts"]["maxProperties"], 2);
    assert_eq!(p["counts"]["additionalProperties"]["minimum"], 0);
    assert_eq!(p["code"]["enum"], json!(["a", "b", null]));
    assert_eq!(p["kind"]["const"], "parcel");
    // A nested type's checks go into its definition, once.
    assert_eq!(
        schema["$defs"]["Item"]["properties"]["quantity"]["minimum"],
        1
    );
    assert_eq!(schema["$defs"]["Note"]["maxLength"], 5);
}
