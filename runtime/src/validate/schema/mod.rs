//! A compiled JSON Schema (draft-07, with the 2019-09 and 2020-12 keywords) evaluator over
//! [`serde_json::Value`].
//!
//! Generated code checks with typed fields and `#[derive(Validate)]` wherever it can; values
//! it cannot type (a schema without `type`, `not`, `if`/`then`/`else`, ...) are checked here
//! against the JSON Schema the generator embeds. A [`Schema`] is compiled once (regexes,
//! numbers, sub-schemas, local `$ref`s) and then evaluated any number of times.
//!
//! Two ways to evaluate:
//! - [`Schema::is_valid`] answers yes or no, stops at the first problem and allocates nothing
//!   on the way to "yes" (but for `propertyNames`, which checks each name as a JSON string);
//! - [`Schema::validate_at`] records every violation with the JSON pointer of the offending
//!   value, the keyword and a message. Branches that may fail without the value being invalid
//!   (`anyOf`, `oneOf`, `not`, `if`, `contains`) are summed up in one violation at the value;
//!   what must hold (`allOf`, `then`, `else`, `$ref`, sub-schemas of properties and items) is
//!   reported in detail.
//!
//! ```
//! use tidings::schema::Schema;
//! use serde_json::json;
//!
//! let schema = Schema::compile(&json!({
//!     "required": ["id"],
//!     "properties": {"weight": {"minimum": 0}},
//! }))?;
//! assert!(schema.is_valid(&json!({"id": "p-1", "weight": 3})));
//!
//! let errors = schema.validate(&json!({"weight": -1})).unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "/: `id` is a required property (required); \
//!      /weight: -1 is less than the minimum 0 (minimum)"
//! );
//! # Ok::<(), tidings::schema::SchemaError>(())
//! ```
//!
//! Scope: draft-07 validation keywords, and those of 2019-09 and 2020-12 that need no
//! annotations: `prefixItems`, `dependentRequired`, `dependentSchemas`, `minContains`,
//! `maxContains`. `$ref` reaches anywhere in the same document (`#`, `#/definitions/x`,
//! `#/$defs/x`, escaped and percent-encoded pointers) and may recurse; `$id` is read as an
//! annotation only, so references to other documents or to `$id` anchors do not compile.
//! `format` checks the formats of [`Format`]; other formats pass.
//!
//! The root's `$schema` picks the rules where the drafts differ. Under 2019-09 and 2020-12 the
//! keywords beside a `$ref` apply too; under draft-07 (and without `$schema`) they are ignored.
//! `items` is one schema for the items after `prefixItems` where those are given; otherwise an
//! array of `items` is draft-07's tuple, with `additionalItems` for the items beyond it.
//! `unevaluatedItems`, `unevaluatedProperties` and `$dynamicRef` are not evaluated.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};

use regress::Regex;
use serde_json::{Map, Number, Value};

use crate::format::Format;
use crate::json::{describe_pointer, escape_token};
use crate::validate::number::{compare, integer, is_integer, is_negative, whole, Decimal};
use crate::validate::{Pointer, ValidationErrors};

/// How deep schema evaluation nests (each sub-schema applied is one level) before it gives up
/// with a violation: a recursive `$ref` over a very deep value must not overflow the stack.
const MAX_DEPTH: usize = 512;

/// A JSON Schema (draft-07, 2019-09 or 2020-12), compiled.
#[derive(Clone, Debug)]
pub struct Schema {
    /// Every sub-schema reached from the root; the root is `nodes[0]`.
    nodes: Vec<Node>,
}

/// Why a document is not a schema tidings can evaluate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid schema at {}: {message}", describe_pointer(.pointer))]
pub struct SchemaError {
    /// JSON pointer into the schema document (`/properties/id/minLength`; `""` is the root).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Schema {
    /// Compiles `schema`, a JSON Schema document: draft-07, or the draft its `$schema` names.
    pub fn compile(schema: &Value) -> Result<Schema, SchemaError> {
        let mut compiler = Compiler {
            root: schema,
            dialect: Dialect::of(schema),
            nodes: Vec::new(),
            locations: Vec::new(),
            by_location: HashMap::new(),
            pending: Vec::new(),
        };
        compiler.compile(schema, String::new(), 0)?;
        while let Some((id, location)) = compiler.pending.pop() {
            let target = schema.pointer(&location).unwrap_or(&Value::Bool(true));
            compiler.fill(id, target, location, 0)?;
        }
        compiler.reject_endless_cycles()?;
        Ok(Schema {
            nodes: compiler.nodes,
        })
    }

    /// Compiles schema text; for statics in generated code, whose text the generator compiled
    /// when it wrote the code.
    ///
    /// # Panics
    /// If `text` is not JSON or not a schema [`compile`](Self::compile) accepts.
    pub fn from_json_str(text: &str) -> Schema {
        let document: Value = match serde_json::from_str(text) {
            Ok(document) => document,
            Err(e) => panic!("schema is not JSON: {e}"),
        };
        match Schema::compile(&document) {
            Ok(schema) => schema,
            Err(e) => panic!("{e}"),
        }
    }

    /// Checks `value`, which sits at `at` in the payload, recording every violation in
    /// `errors`. `at` is the same when this returns.
    pub fn validate_at(&self, value: &Value, at: &mut Pointer, errors: &mut ValidationErrors) {
        self.check(ROOT, value, &mut Report { at, errors }, 0);
    }

    /// Checks `value`; every violation, or `Ok(())`.
    pub fn validate(&self, value: &Value) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        self.validate_at(value, &mut Pointer::root(), &mut errors);
        errors.into_result()
    }

    /// Whether `value` is valid: stops at the first violation and builds no messages.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.check(ROOT, value, &mut Quiet::default(), 0)
    }
}

// ---- the compiled tree ---------------------------------------------------------------------

/// Index of a sub-schema in [`Schema::nodes`].
type NodeId = usize;

const ROOT: NodeId = 0;

#[derive(Clone, Debug)]
enum Node {
    /// `true` (anything) or `false` (nothing).
    Bool(bool),
    /// An object schema: its keywords, in evaluation order.
    Keywords(Box<[Keyword]>),
}

#[derive(Clone, Debug)]
enum Keyword {
    Ref(NodeId),
    Type(Types),
    Enum(Vec<Value>),
    Const(Value),
    MultipleOf(Decimal, Number),
    Minimum(Number),
    Maximum(Number),
    ExclusiveMinimum(Number),
    ExclusiveMaximum(Number),
    MinLength(u64),
    MaxLength(u64),
    Pattern(Box<Pattern>),
    Format(Format),
    /// `items` as one schema for every item.
    Items(NodeId),
    /// A schema for each leading item, and one for the items beyond.
    TupleItems(Box<Tuple>),
    MinItems(u64),
    MaxItems(u64),
    UniqueItems,
    Contains(Box<Contains>),
    MinProperties(u64),
    MaxProperties(u64),
    Required(Vec<String>),
    /// `properties`, `patternProperties` and `additionalProperties`, which depend on each other.
    Properties(Box<Properties>),
    /// `dependencies`, `dependentRequired` or `dependentSchemas` (named by `keyword`).
    Dependencies {
        keyword: &'static str,
        entries: Vec<(String, Dependency)>,
    },
    PropertyNames(NodeId),
    Conditional {
        condition: NodeId,
        then: Option<NodeId>,
        otherwise: Option<NodeId>,
    },
    AllOf(Vec<NodeId>),
    AnyOf(Vec<NodeId>),
    OneOf(Vec<NodeId>),
    Not(NodeId),
}

#[derive(Clone, Debug)]
struct Pattern {
    regex: Regex,
    source: String,
}

#[derive(Clone, Debug)]
struct Properties {
    named: BTreeMap<String, NodeId>,
    patterns: Vec<(Pattern, NodeId)>,
    additional: Option<NodeId>,
}

/// Leading items checked one schema each, and the rest against one schema: draft-07's array
/// of `items` with `additionalItems`, or 2020-12's `prefixItems` with `items`.
#[derive(Clone, Debug)]
struct Tuple {
    prefix: Vec<NodeId>,
    rest: Option<NodeId>,
    /// The keywords that hold `prefix` and `rest`, for messages.
    prefix_keyword: &'static str,
    rest_keyword: &'static str,
}

/// `contains` with its bounds: `minContains` (1 when absent; 0 allows arrays with no matching
/// item) and `maxContains`.
#[derive(Clone, Debug)]
struct Contains {
    schema: NodeId,
    min: u64,
    max: Option<u64>,
}

#[derive(Clone, Debug)]
enum Dependency {
    Required(Vec<String>),
    Schema(NodeId),
}

/// A set of JSON Schema types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Types(u8);

impl Types {
    /// The type names, bit `i` of the set naming `NAMES[i]`; also the order messages use.
    const NAMES: [&'static str; 7] = [
        "null", "boolean", "object", "array", "number", "integer", "string",
    ];
    const NUMBER: u8 = 1 << 4;
    const INTEGER: u8 = 1 << 5;

    fn bit(name: &str) -> Option<u8> {
        Self::NAMES.iter().position(|n| *n == name).map(|i| 1 << i)
    }

    fn matches(self, value: &Value) -> bool {
        let bit = match value {
            Value::Null => 1,
            Value::Bool(_) => 1 << 1,
            Value::Object(_) => 1 << 2,
            Value::Array(_) => 1 << 3,
            Value::String(_) => 1 << 6,
            Value::Number(n) => {
                return self.0 & Self::NUMBER != 0 || (self.0 & Self::INTEGER != 0 && is_integer(n))
            }
        };
        self.0 & bit != 0
    }
}

impl fmt::Display for Types {
    /// `string`, `string or null`, `integer, string or null`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = (Self::NAMES.iter().enumerate())
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, name)| *name)
            .collect();
        for (i, name) in names.iter().enumerate() {
            match i {
                0 => {}
                _ if i + 1 == names.len() => f.write_str(" or ")?,
                _ => f.write_str(", ")?,
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

// ---- compiling -----------------------------------------------------------------------------

/// The rules a document follows where the drafts differ, from its root's `$schema`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    /// Draft-07, also for documents without `$schema` (and older drafts).
    Draft7,
    /// 2019-09 or 2020-12: keywords beside `$ref` apply.
    Modern,
}

impl Dialect {
    fn of(root: &Value) -> Dialect {
        match root.get("$schema").and_then(Value::as_str) {
            Some(uri) if uri.contains("/draft/2019-09/") || uri.contains("/draft/2020-12/") => {
                Dialect::Modern
            }
            _ => Dialect::Draft7,
        }
    }
}

struct Compiler<'a> {
    /// The whole document, for `$ref`s.
    root: &'a Value,
    dialect: Dialect,
    nodes: Vec<Node>,
    /// Where each node sits in the document, for errors found after compiling.
    locations: Vec<String>,
    /// Each sub-schema is compiled once, however many `$ref`s reach it.
    by_location: HashMap<String, NodeId>,
    /// Targets of `$ref`s, reserved but not compiled yet: compiling them from a queue keeps
    /// a long chain of references (each one a level deeper) off the stack.
    pending: Vec<(NodeId, String)>,
}

fn error(location: &str, keyword: &str, message: impl Into<String>) -> SchemaError {
    SchemaError {
        pointer: format!("{location}/{}", escape_token(keyword)),
        message: message.into(),
    }
}

impl Compiler<'_> {
    /// Compiles the schema `value` found at `location` (a JSON pointer into the document).
    fn compile(
        &mut self,
        value: &Value,
        location: String,
        depth: usize,
    ) -> Result<NodeId, SchemaError> {
        if let Some(&id) = self.by_location.get(&location) {
            return Ok(id);
        }
        if depth > MAX_DEPTH {
            return Err(SchemaError {
                pointer: location,
                message: format!("schemas nest deeper than {MAX_DEPTH} levels"),
            });
        }
        // Registered before the keywords compile, so a `$ref` back to here finds it.
        let id = self.reserve(&location);
        self.fill(id, value, location, depth)?;
        Ok(id)
    }

    /// A node for the schema at `location`, to be filled in.
    fn reserve(&mut self, location: &str) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(Node::Bool(true));
        self.locations.push(location.to_owned());
        self.by_location.insert(location.to_owned(), id);
        id
    }

    /// Compiles `value`, the schema at `location`, into the reserved node `id`.
    fn fill(
        &mut self,
        id: NodeId,
        value: &Value,
        location: String,
        depth: usize,
    ) -> Result<(), SchemaError> {
        self.nodes[id] = match value {
            Value::Bool(b) => Node::Bool(*b),
            Value::Object(map) => Node::Keywords(self.keywords(map, &location, depth)?.into()),
            _ => {
                return Err(SchemaError {
                    pointer: location,
                    message: format!(
                        "a schema is an object or a boolean, not {}",
                        kind(value, false)
                    ),
                })
            }
        };
        Ok(())
    }

    /// Compiles the sub-schema at `path` (unescaped tokens) below the schema at `location`.
    fn sub(
        &mut self,
        value: &Value,
        location: &str,
        path: &[&str],
        depth: usize,
    ) -> Result<NodeId, SchemaError> {
        let mut at = location.to_owned();
        for token in path {
            at.push('/');
            at.push_str(&escape_token(token));
        }
        self.compile(value, at, depth + 1)
    }

    /// Compiles each schema of the non-empty array under `keyword`.
    fn sub_array(
        &mut self,
        value: &Value,
        location: &str,
        keyword: &str,
        depth: usize,
    ) -> Result<Vec<NodeId>, SchemaError> {
        match value {
            Value::Array(items) if !items.is_empty() => (items.iter().enumerate())
                .map(|(i, item)| self.sub(item, location, &[keyword, &i.to_string()], depth))
                .collect(),
            _ => Err(error(
                location,
                keyword,
                "must be a non-empty array of schemas",
            )),
        }
    }

    fn keywords(
        &mut self,
        map: &Map<String, Value>,
        location: &str,
        depth: usize,
    ) -> Result<Vec<Keyword>, SchemaError> {
        let mut out = Vec::new();
        if let Some(reference) = map.get("$ref") {
            let Value::String(reference) = reference else {
                return Err(error(location, "$ref", "must be a string"));
            };
            let target = self.reference(reference, location, depth)?;
            out.push(Keyword::Ref(target));
            // Draft-07: keywords beside `$ref` are ignored.
            if self.dialect == Dialect::Draft7 {
                return Ok(out);
            }
        }
        let get = |keyword: &str| map.get(keyword);

        if let Some(types) = get("type") {
            out.push(Keyword::Type(types_of(types, location)?));
        }
        if let Some(allowed) = get("enum") {
            let Value::Array(allowed) = allowed else {
                return Err(error(location, "enum", "must be an array"));
            };
            out.push(Keyword::Enum(allowed.clone()));
        }
        if let Some(expected) = get("const") {
            out.push(Keyword::Const(expected.clone()));
        }

        // Numbers.
        if let Some(divisor) = get("multipleOf") {
            let number = number_of(divisor, location, "multipleOf")?;
            match Decimal::of_number(&number) {
                Some(decimal) if decimal.mantissa() != 0 && !is_negative(&number) => {
                    out.push(Keyword::MultipleOf(decimal, number));
                }
                _ => return Err(error(location, "multipleOf", "must be a number above 0")),
            }
        }
        // Draft-04 spelled exclusive limits as booleans beside `minimum` / `maximum`.
        let exclusive = |keyword: &str| matches!(get(keyword), Some(Value::Bool(true)));
        if let Some(limit) = get("minimum") {
            let limit = number_of(limit, location, "minimum")?;
            out.push(if exclusive("exclusiveMinimum") {
                Keyword::ExclusiveMinimum(limit)
            } else {
                Keyword::Minimum(limit)
            });
        }
        if let Some(limit) = get("maximum") {
            let limit = number_of(limit, location, "maximum")?;
            out.push(if exclusive("exclusiveMaximum") {
                Keyword::ExclusiveMaximum(limit)
            } else {
                Keyword::Maximum(limit)
            });
        }
        match get("exclusiveMinimum") {
            None | Some(Value::Bool(_)) => {}
            Some(limit) => out.push(Keyword::ExclusiveMinimum(number_of(
                limit,
                location,
                "exclusiveMinimum",
            )?)),
        }
        match get("exclusiveMaximum") {
            None | Some(Value::Bool(_)) => {}
            Some(limit) => out.push(Keyword::ExclusiveMaximum(number_of(
                limit,
                location,
                "exclusiveMaximum",
            )?)),
        }

        // Strings.
        if let Some(n) = get("minLength") {
            out.push(Keyword::MinLength(count_of(n, location, "minLength")?));
        }
        if let Some(n) = get("maxLength") {
            out.push(Keyword::MaxLength(count_of(n, location, "maxLength")?));
        }
        if let Some(source) = get("pattern") {
            out.push(Keyword::Pattern(Box::new(pattern_of(
                source,
                &format!("{location}/pattern"),
            )?)));
        }
        if let Some(name) = get("format") {
            let Value::String(name) = name else {
                return Err(error(location, "format", "must be a string"));
            };
            // Formats tidings does not know are annotations.
            if let Some(format) = Format::from_name(name) {
                out.push(Keyword::Format(format));
            }
        }

        // Arrays.
        if let Some(items) = self.items(map, location, depth)? {
            out.push(items);
        }
        if let Some(n) = get("minItems") {
            out.push(Keyword::MinItems(count_of(n, location, "minItems")?));
        }
        if let Some(n) = get("maxItems") {
            out.push(Keyword::MaxItems(count_of(n, location, "maxItems")?));
        }
        match get("uniqueItems") {
            None | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => out.push(Keyword::UniqueItems),
            Some(_) => return Err(error(location, "uniqueItems", "must be a boolean")),
        }
        if let Some(schema) = get("contains") {
            let schema = self.sub(schema, location, &["contains"], depth)?;
            let min = match get("minContains") {
                Some(n) => count_of(n, location, "minContains")?,
                None => 1,
            };
            let max = match get("maxContains") {
                Some(n) => Some(count_of(n, location, "maxContains")?),
                None => None,
            };
            out.push(Keyword::Contains(Box::new(Contains { schema, min, max })));
        }

        // Objects.
        if let Some(n) = get("minProperties") {
            out.push(Keyword::MinProperties(count_of(
                n,
                location,
                "minProperties",
            )?));
        }
        if let Some(n) = get("maxProperties") {
            out.push(Keyword::MaxProperties(count_of(
                n,
                location,
                "maxProperties",
            )?));
        }
        if let Some(names) = get("required") {
            out.push(Keyword::Required(strings_of(names, location, "required")?));
        }
        if let Some(properties) = self.properties(map, location, depth)? {
            out.push(Keyword::Properties(Box::new(properties)));
        }
        for keyword in ["dependencies", "dependentRequired", "dependentSchemas"] {
            if let Some(dependencies) = get(keyword) {
                out.push(self.dependencies(keyword, dependencies, location, depth)?);
            }
        }
        if let Some(schema) = get("propertyNames") {
            out.push(Keyword::PropertyNames(self.sub(
                schema,
                location,
                &["propertyNames"],
                depth,
            )?));
        }

        // Composition.
        if let Some(condition) = get("if") {
            let condition = self.sub(condition, location, &["if"], depth)?;
            let then = match get("then") {
                Some(schema) => Some(self.sub(schema, location, &["then"], depth)?),
                None => None,
            };
            let otherwise = match get("else") {
                Some(schema) => Some(self.sub(schema, location, &["else"], depth)?),
                None => None,
            };
            if then.is_some() || otherwise.is_some() {
                out.push(Keyword::Conditional {
                    condition,
                    then,
                    otherwise,
                });
            }
        }
        if let Some(all) = get("allOf") {
            out.push(Keyword::AllOf(
                self.sub_array(all, location, "allOf", depth)?,
            ));
        }
        if let Some(any) = get("anyOf") {
            out.push(Keyword::AnyOf(
                self.sub_array(any, location, "anyOf", depth)?,
            ));
        }
        if let Some(one) = get("oneOf") {
            out.push(Keyword::OneOf(
                self.sub_array(one, location, "oneOf", depth)?,
            ));
        }
        if let Some(schema) = get("not") {
            out.push(Keyword::Not(self.sub(schema, location, &["not"], depth)?));
        }
        Ok(out)
    }

    /// `items`, `prefixItems` and `additionalItems`, which depend on each other.
    fn items(
        &mut self,
        map: &Map<String, Value>,
        location: &str,
        depth: usize,
    ) -> Result<Option<Keyword>, SchemaError> {
        let (items, prefix, additional) = (
            map.get("items"),
            map.get("prefixItems"),
            map.get("additionalItems"),
        );
        if let Some(prefix) = prefix {
            // 2020-12: `items` is the schema for the items after the prefix.
            let prefix = self.sub_array(prefix, location, "prefixItems", depth)?;
            let rest = match items {
                None => None,
                Some(Value::Array(_)) => {
                    return Err(error(
                        location,
                        "items",
                        "must be one schema beside `prefixItems` (for the items after them)",
                    ))
                }
                Some(schema) => Some(self.sub(schema, location, &["items"], depth)?),
            };
            return Ok(Some(Keyword::TupleItems(Box::new(Tuple {
                prefix,
                rest,
                prefix_keyword: "prefixItems",
                rest_keyword: "items",
            }))));
        }
        match items {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let prefix = (items.iter().enumerate())
                    .map(|(i, item)| self.sub(item, location, &["items", &i.to_string()], depth))
                    .collect::<Result<Vec<_>, _>>()?;
                // `additionalItems` only means something beside an array of `items`.
                let rest = match additional {
                    Some(schema) => {
                        Some(self.sub(schema, location, &["additionalItems"], depth)?)
                    }
                    None => None,
                };
                Ok(Some(Keyword::TupleItems(Box::new(Tuple {
                    prefix,
                    rest,
                    prefix_keyword: "items",
                    rest_keyword: "additionalItems",
                }))))
            }
            Some(schema) => Ok(Some(Keyword::Items(self.sub(
                schema,
                location,
                &["items"],
                depth,
            )?))),
        }
    }

    /// `dependencies` (draft-07: each an array of names or a schema), `dependentRequired`
    /// (arrays of names) or `dependentSchemas` (schemas).
    fn dependencies(
        &mut self,
        keyword: &'static str,
        dependencies: &Value,
        location: &str,
        depth: usize,
    ) -> Result<Keyword, SchemaError> {
        let Value::Object(dependencies) = dependencies else {
            return Err(error(location, keyword, "must be an object"));
        };
        let mut entries = Vec::with_capacity(dependencies.len());
        for (name, dependency) in dependencies {
            let names = keyword == "dependentRequired"
                || (keyword == "dependencies" && dependency.is_array());
            let dependency = if names {
                Dependency::Required(strings_of(
                    dependency,
                    &format!("{location}/{keyword}"),
                    name,
                )?)
            } else {
                Dependency::Schema(self.sub(dependency, location, &[keyword, name], depth)?)
            };
            entries.push((name.clone(), dependency));
        }
        Ok(Keyword::Dependencies { keyword, entries })
    }

    fn properties(
        &mut self,
        map: &Map<String, Value>,
        location: &str,
        depth: usize,
    ) -> Result<Option<Properties>, SchemaError> {
        let (named, patterns, additional) = (
            map.get("properties"),
            map.get("patternProperties"),
            map.get("additionalProperties"),
        );
        if named.is_none() && patterns.is_none() && additional.is_none() {
            return Ok(None);
        }
        let mut properties = Properties {
            named: BTreeMap::new(),
            patterns: Vec::new(),
            additional: None,
        };
        match named {
            None => {}
            Some(Value::Object(named)) => {
                for (name, schema) in named {
                    let id = self.sub(schema, location, &["properties", name], depth)?;
                    properties.named.insert(name.clone(), id);
                }
            }
            Some(_) => return Err(error(location, "properties", "must be an object")),
        }
        match patterns {
            None => {}
            Some(Value::Object(patterns)) => {
                for (source, schema) in patterns {
                    let at = format!("{location}/patternProperties/{}", escape_token(source));
                    let pattern = pattern_of(&Value::String(source.clone()), &at)?;
                    let id = self.sub(schema, location, &["patternProperties", source], depth)?;
                    properties.patterns.push((pattern, id));
                }
            }
            Some(_) => return Err(error(location, "patternProperties", "must be an object")),
        }
        if let Some(schema) = additional {
            properties.additional =
                Some(self.sub(schema, location, &["additionalProperties"], depth)?);
        }
        Ok(Some(properties))
    }

    /// Compiles the target of the `$ref` in the schema at `location`.
    fn reference(
        &mut self,
        reference: &str,
        location: &str,
        depth: usize,
    ) -> Result<NodeId, SchemaError> {
        let fail = |message: String| Err(error(location, "$ref", message));
        let Some(fragment) = reference.strip_prefix('#') else {
            return fail(format!(
                "`{reference}` is not in this document; only `#...` references are supported"
            ));
        };
        let Some(pointer) = percent_decode(fragment) else {
            return fail(format!("`{reference}` has a malformed percent-encoding"));
        };
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return fail(format!(
                "`{reference}` names an `$id` anchor, which tidings does not support; \
                 use a JSON pointer such as `#/definitions/name`"
            ));
        }
        // Escapes are `~0` and `~1` only; with that, the pointer is already in the form
        // locations are registered under.
        let bytes = pointer.as_bytes();
        let bad_escape = (bytes.iter().enumerate())
            .any(|(i, &b)| b == b'~' && !matches!(bytes.get(i + 1), Some(b'0' | b'1')));
        if bad_escape {
            return fail(format!("`{reference}` has a `~` that is not `~0` or `~1`"));
        }
        if self.root.pointer(&pointer).is_none() {
            return fail(format!("`{reference}` points to nothing in this document"));
        }
        let _ = depth;
        if let Some(&id) = self.by_location.get(&pointer) {
            return Ok(id);
        }
        let id = self.reserve(&pointer);
        self.pending.push((id, pointer));
        Ok(id)
    }

    /// Rejects a schema that applies itself to the same value without end, through `$ref`s
    /// and the keywords that apply sub-schemas to the value in place (`allOf`, `not`, ...):
    /// evaluating it could never finish.
    fn reject_endless_cycles(&self) -> Result<(), SchemaError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let mut marks = vec![Mark::New; self.nodes.len()];
        for start in 0..self.nodes.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Depth-first, with an explicit stack: (node, its in-place children, next child).
            let mut stack = vec![(start, in_place(&self.nodes[start]), 0)];
            marks[start] = Mark::OnPath;
            while let Some((node, children, next)) = stack.last_mut() {
                let Some(&child) = children.get(*next) else {
                    marks[*node] = Mark::Done;
                    stack.pop();
                    continue;
                };
                *next += 1;
                match marks[child] {
                    Mark::Done => {}
                    Mark::OnPath => {
                        return Err(SchemaError {
                            pointer: self.locations[*node].clone(),
                            message: format!(
                                "this schema leads back to the schema at {} for the same \
                                 value, without end",
                                describe_pointer(&self.locations[child])
                            ),
                        })
                    }
                    Mark::New => {
                        marks[child] = Mark::OnPath;
                        stack.push((child, in_place(&self.nodes[child]), 0));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The sub-schemas a node applies to the very value it checks.
fn in_place(node: &Node) -> Vec<NodeId> {
    let Node::Keywords(keywords) = node else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for keyword in keywords.iter() {
        match keyword {
            Keyword::Ref(id) | Keyword::Not(id) => out.push(*id),
            Keyword::AllOf(ids) | Keyword::AnyOf(ids) | Keyword::OneOf(ids) => {
                out.extend_from_slice(ids)
            }
            Keyword::Conditional {
                condition,
                then,
                otherwise,
            } => out.extend([Some(*condition), *then, *otherwise].into_iter().flatten()),
            Keyword::Dependencies { entries, .. } => {
                out.extend(entries.iter().filter_map(|(_, d)| match d {
                    Dependency::Schema(id) => Some(*id),
                    Dependency::Required(_) => None,
                }))
            }
            _ => {}
        }
    }
    out
}

fn types_of(value: &Value, location: &str) -> Result<Types, SchemaError> {
    let one = |name: &Value| match name {
        Value::String(name) => Types::bit(name).ok_or_else(|| {
            error(
                location,
                "type",
                format!("`{name}` is not a JSON Schema type"),
            )
        }),
        _ => Err(error(
            location,
            "type",
            "must be a type name or an array of them",
        )),
    };
    match value {
        Value::Array(names) => names
            .iter()
            .try_fold(Types(0), |t, n| Ok(Types(t.0 | one(n)?))),
        name => Ok(Types(one(name)?)),
    }
}

fn number_of(value: &Value, location: &str, keyword: &str) -> Result<Number, SchemaError> {
    match value {
        Value::Number(n) => Ok(n.clone()),
        _ => Err(error(location, keyword, "must be a number")),
    }
}

/// A non-negative integer (`2.0` too).
fn count_of(value: &Value, location: &str, keyword: &str) -> Result<u64, SchemaError> {
    let n = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    n.ok_or_else(|| error(location, keyword, "must be a non-negative integer"))
}

fn strings_of(value: &Value, location: &str, keyword: &str) -> Result<Vec<String>, SchemaError> {
    let strings = match value {
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    };
    strings.ok_or_else(|| error(location, keyword, "must be an array of strings"))
}

/// Compiles the ECMA-262 regex `source`, which sits at `pointer`.
fn pattern_of(source: &Value, pointer: &str) -> Result<Pattern, SchemaError> {
    let fail = |message: String| SchemaError {
        pointer: pointer.to_owned(),
        message,
    };
    let Value::String(source) = source else {
        return Err(fail("must be a string".to_owned()));
    };
    // Unicode mode, as JSON Schema asks (`\p{Letter}` is a property escape there, not `p`);
    // a pattern that only the older, Annex B syntax accepts (`\_`, a lone `{`) compiles
    // without it.
    match Regex::with_flags(source, "u").or_else(|_| Regex::new(source)) {
        Ok(regex) => Ok(Pattern {
            regex,
            source: source.clone(),
        }),
        Err(e) => Err(fail(format!(
            "`{source}` is not an ECMA-262 regular expression: {e}"
        ))),
    }
}

/// Decodes `%XX` escapes; `None` when one is malformed or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
            let (high, low) = (hex(bytes.get(i + 1))?, hex(bytes.get(i + 2))?);
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

// ---- evaluating ----------------------------------------------------------------------------

/// Where an evaluation sends what it finds: [`Report`] records every violation, [`Quiet`]
/// records nothing and lets the evaluation stop at the first. Evaluation is generic over the
/// sink, so the quiet one compiles to a plain yes/no walk.
trait Sink {
    /// Whether violations are recorded (and evaluation goes on after the first).
    const REPORT: bool;
    /// Records a violation at the current pointer.
    fn push(&mut self, keyword: &'static str, message: String);
    /// Moves the pointer to an object member; returns the mark to [`leave`](Self::leave) to.
    fn enter_key(&mut self, key: &str) -> usize;
    /// Moves the pointer to an array item; returns the mark to [`leave`](Self::leave) to.
    fn enter_index(&mut self, index: usize) -> usize;
    /// Moves the pointer back to `mark`.
    fn leave(&mut self, mark: usize);
    /// Notes that evaluation went deeper than [`MAX_DEPTH`].
    fn too_deep(&mut self);

    /// Records a violation whose message is only built when it is recorded; always `false`.
    fn fail(&mut self, keyword: &'static str, message: impl FnOnce() -> String) -> bool {
        if Self::REPORT {
            self.push(keyword, message());
        }
        false
    }
}

/// Records every violation.
struct Report<'a> {
    at: &'a mut Pointer,
    errors: &'a mut ValidationErrors,
}

impl Sink for Report<'_> {
    const REPORT: bool = true;

    fn push(&mut self, keyword: &'static str, message: String) {
        self.errors.push(self.at, keyword, message);
    }

    fn enter_key(&mut self, key: &str) -> usize {
        self.at.push_key(key)
    }

    fn enter_index(&mut self, index: usize) -> usize {
        self.at.push_index(index)
    }

    fn leave(&mut self, mark: usize) {
        self.at.truncate(mark);
    }

    fn too_deep(&mut self) {
        self.push(
            "$ref",
            format!("the value nests too deeply to check: more than {MAX_DEPTH} levels of schemas"),
        );
    }
}

/// Records only whether evaluation went too deep.
#[derive(Default)]
struct Quiet {
    too_deep: bool,
}

impl Sink for Quiet {
    const REPORT: bool = false;

    fn push(&mut self, _: &'static str, _: String) {}

    fn enter_key(&mut self, _: &str) -> usize {
        0
    }

    fn enter_index(&mut self, _: usize) -> usize {
        0
    }

    fn leave(&mut self, _: usize) {}

    fn too_deep(&mut self) {
        self.too_deep = true;
    }
}

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
    fn check<S: Sink>(&self, id: NodeId, value: &Value, sink: &mut S, depth: usize) -> bool {
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

// ---- uniqueItems ---------------------------------------------------------------------------

/// The first pair of equal items (JSON equality), by the index of the later one.
pub(crate) fn first_duplicate(items: &[Value]) -> Option<(usize, usize)> {
    // Pairwise for short arrays; longer ones compare only items whose hashes collide.
    if items.len() <= 16 {
        return (1..items.len()).find_map(|j| {
            (0..j)
                .find(|&i| crate::json::equal(&items[i], &items[j]))
                .map(|i| (i, j))
        });
    }
    let mut hashed: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (json_hash(item, 0), i))
        .collect();
    hashed.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for run in hashed.chunk_by(|a, b| a.0 == b.0) {
        for (n, &(_, j)) in run.iter().enumerate() {
            if let Some(&(_, i)) = run[..n]
                .iter()
                .find(|(_, i)| crate::json::equal(&items[*i], &items[j]))
            {
                if best.is_none_or(|(_, b)| j < b) {
                    best = Some((i, j));
                }
                break;
            }
        }
    }
    best
}

/// A hash under which values that [`crate::json::equal`] calls equal hash the same: numbers
/// by value, objects regardless of key order. Below a depth of 32 values hash alike, which
/// keeps it cheap and bounded on deep values.
fn json_hash(value: &Value, depth: usize) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if depth > 32 {
        return 0;
    }
    match value {
        Value::Null => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Number(n) => {
            2u8.hash(&mut h);
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Whole floats hash as the integer they equal.
            match integer(n).or_else(|| whole(f)) {
                Some(i) => i.hash(&mut h),
                None => f.to_bits().hash(&mut h),
            }
        }
        Value::String(s) => (3u8, s).hash(&mut h),
        Value::Array(items) => {
            4u8.hash(&mut h);
            for item in items {
                json_hash(item, depth + 1).hash(&mut h);
            }
        }
        Value::Object(map) => {
            5u8.hash(&mut h);
            let members = map.iter().fold(0u64, |sum, (key, member)| {
                let mut m = std::collections::hash_map::DefaultHasher::new();
                (key, json_hash(member, depth + 1)).hash(&mut m);
                sum.wrapping_add(m.finish())
            });
            members.hash(&mut h);
        }
    }
    h.finish()
}

// ---- messages ------------------------------------------------------------------------------

/// What kind of JSON value this is, for messages; `integer` for whole numbers if `fine`.
fn kind(value: &Value, fine: bool) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(n) if fine && is_integer(n) => "an integer",
        Value::Number(_) => "a number",
    }
}

/// How much of a value messages show.
const BRIEF: usize = 60;

/// A string as a quoted literal, shortened if long.
fn quote(s: &str) -> String {
    match s.char_indices().nth(BRIEF) {
        Some((end, _)) => format!("{:?}…", &s[..end]),
        None => format!("{s:?}"),
    }
}

/// A value as JSON text, shortened if long.
fn brief(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(BRIEF) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// The allowed values of an `enum`, the first few of them if there are many.
fn brief_list(values: &[Value]) -> String {
    const SHOWN: usize = 5;
    let mut text = values
        .iter()
        .take(SHOWN)
        .map(brief)
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > SHOWN {
        let _ = write!(text, " (and {} more)", values.len() - SHOWN);
    }
    format!("the allowed values {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(schema: Value) -> Schema {
        match Schema::compile(&schema) {
            Ok(schema) => schema,
            Err(e) => panic!("{e}"),
        }
    }

    /// Every violation as `pointer keyword: message`, after checking `is_valid` agrees.
    fn violations(schema: &Value, value: Value) -> Vec<String> {
        let schema = compile(schema.clone());
        let mut at = Pointer::root();
        let mut errors = ValidationErrors::new();
        schema.validate_at(&value, &mut at, &mut errors);
        assert_eq!(at.as_str(), "", "the pointer is restored");
        assert_eq!(schema.is_valid(&value), errors.is_empty(), "{errors}");
        errors
            .iter()
            .map(|v| format!("{} {}: {}", v.pointer, v.keyword, v.message))
            .collect()
    }

    fn compile_error(schema: Value) -> String {
        match Schema::compile(&schema) {
            Ok(_) => panic!("{schema} compiled"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn reports_every_violation_with_its_pointer() {
        let schema = json!({
            "type": "object",
            "required": ["id", "lines", "kind"],
            "properties": {
                "id": {"type": "string", "minLength": 3, "pattern": "^o-"},
                "lines": {"type": "array", "items": {"$ref": "#/definitions/line"}},
                "note": {"type": ["string", "null"], "maxLength": 4},
                "kind": {},
            },
            "additionalProperties": false,
            "definitions": {
                "line": {
                    "type": "object",
                    "required": ["sku"],
                    "properties": {"quantity": {"type": "integer", "minimum": 1}},
                },
            },
        });
        let value = json!({
            "id": "x",
            "lines": [{"sku": "a", "quantity": 0}, {"quantity": 2.5}],
            "note": "too long",
            "extra/field": true,
        });
        assert_eq!(
            violations(&schema, value),
            [
                " required: `kind` is a required property",
                "/extra~1field additionalProperties: property `extra/field` is not allowed",
                "/id minLength: \"x\" has 1 characters, fewer than the minimum 3",
                "/id pattern: \"x\" does not match the pattern `^o-`",
                "/lines/0/quantity minimum: 0 is less than the minimum 1",
                "/lines/1 required: `sku` is a required property",
                "/lines/1/quantity type: expected integer, found a number",
                "/note maxLength: \"too long\" has 8 characters, more than the maximum 4",
            ]
        );
        assert!(violations(&schema, json!({"id": "o-1", "lines": [], "kind": 1})).is_empty());
    }

    #[test]
    fn validate_at_appends_below_the_given_pointer() {
        let schema = compile(json!({"items": {"minimum": 0}}));
        let mut at = Pointer::root();
        let mark = at.push_key("payload");
        let mut errors = ValidationErrors::new();
        schema.validate_at(&json!([1, -1]), &mut at, &mut errors);
        assert_eq!(at.as_str(), "/payload");
        at.truncate(mark);
        assert_eq!(
            errors.to_string(),
            "/payload/1: -1 is less than the minimum 0 (minimum)"
        );
    }

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
    fn decimals_come_from_the_shortest_text() {
        // Magnitudes: the sign plays no part in `multipleOf`.
        let of =
            |f: f64| Decimal::of_number(&Number::from_f64(f).unwrap_or(0.into())).map(Decimal::abs);
        let decimal = Decimal::with_exponent;
        assert_eq!(of(0.01), Some(decimal(1, -2)));
        assert_eq!(of(-19.99), Some(decimal(1999, -2)));
        assert_eq!(of(1.5e300), Some(decimal(15, 299)));
        assert_eq!(of(1200.0), Some(decimal(12, 2)));
        assert_eq!(
            Decimal::of_number(&Number::from(100u64)),
            Some(decimal(1, 2))
        );
        assert_eq!(Decimal::of_number(&Number::from(0u64)), Some(decimal(0, 0)));
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
    fn unique_items_hash_long_arrays_by_meaning() {
        let mut items: Vec<Value> = (0..100)
            .map(|i| json!({"n": i, "tags": [i, "x"]}))
            .collect();
        let schema = compile(json!({"uniqueItems": true}));
        assert!(schema.is_valid(&Value::Array(items.clone())));
        items.push(json!({"tags": [42.0, "x"], "n": 42.0}));
        items.push(json!({"tags": [7, "x"], "n": 7}));
        assert_eq!(
            violations(&json!({"uniqueItems": true}), Value::Array(items)),
            [" uniqueItems: items 42 and 100 are equal; every item must be unique"]
        );
        let floats: Vec<Value> = (0..40).map(|i| json!(f64::from(i) + 0.5)).collect();
        assert!(schema.is_valid(&Value::Array(floats)));
    }

    #[test]
    fn refs_resolve_escaped_pointers_and_recurse() {
        let schema = json!({
            "definitions": {
                "a/b": {"type": "integer"},
                "c~d": {"type": "string"},
                "e%f": {"type": "null"},
                "node": {
                    "type": "object",
                    "properties": {"children": {"items": {"$ref": "#/definitions/node"}}},
                    "required": ["name"],
                },
            },
            "properties": {
                "slash": {"$ref": "#/definitions/a~1b"},
                "tilde": {"$ref": "#/definitions/c~0d"},
                "percent": {"$ref": "#/definitions/e%25f"},
                "tree": {"$ref": "#/definitions/node", "type": "string"},
                "itself": {"$ref": "#"},
            },
        });
        let ok = json!({
            "slash": 1, "tilde": "x", "percent": null,
            "tree": {"name": "r", "children": [{"name": "c", "children": []}]},
            "itself": {"slash": 2, "itself": {}},
        });
        assert!(violations(&schema, ok).is_empty());
        let bad = json!({
            "slash": "1", "tilde": 1, "percent": 0,
            "tree": {"name": "r", "children": [{"children": [{"name": 1}]}]},
            "itself": {"itself": {"slash": 1.5}},
        });
        assert_eq!(
            violations(&schema, bad),
            [
                "/itself/itself/slash type: expected integer, found a number",
                "/percent type: expected null, found an integer",
                "/slash type: expected integer, found a string",
                "/tilde type: expected string, found an integer",
                "/tree/children/0 required: `name` is a required property",
            ]
        );
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
    fn long_chains_of_references_compile_without_deep_recursion() {
        // Each link is a `$ref` one level further in: 5,000 levels would overflow a
        // recursive compiler's stack (and exceed the nesting limit).
        let n = 5_000;
        let mut definitions = Map::new();
        for i in 0..n {
            definitions.insert(
                format!("d{i}"),
                json!({"type": "object", "properties": {"next": {"$ref": format!("#/definitions/d{}", i + 1)}}}),
            );
        }
        definitions.insert(format!("d{n}"), json!({"type": "string"}));
        let schema = compile(json!({"$ref": "#/definitions/d0", "definitions": definitions}));
        assert!(schema.is_valid(&json!({"next": {"next": {"next": {}}}})));
        assert!(!schema.is_valid(&json!({"next": {"next": 1}})));
    }

    #[test]
    fn compile_errors_say_where() {
        let cases = [
            (
                json!(1),
                "invalid schema at the root: a schema is an object or a boolean, not a number",
            ),
            (
                json!({"properties": {"a": {"minLength": -1}}}),
                "invalid schema at `/properties/a/minLength`: must be a non-negative integer",
            ),
            (
                json!({"type": "text"}),
                "invalid schema at `/type`: `text` is not a JSON Schema type",
            ),
            (
                json!({"multipleOf": 0}),
                "invalid schema at `/multipleOf`: must be a number above 0",
            ),
            (
                json!({"allOf": []}),
                "invalid schema at `/allOf`: must be a non-empty array of schemas",
            ),
            (
                json!({"patternProperties": {"(": {}}}),
                "invalid schema at `/patternProperties/(`: `(` is not an ECMA-262 regular \
                 expression",
            ),
            (
                json!({"$ref": "other.json#/a"}),
                "invalid schema at `/$ref`: `other.json#/a` is not in this document; only `#...` \
                 references are supported",
            ),
            (
                json!({"$ref": "#foo"}),
                "invalid schema at `/$ref`: `#foo` names an `$id` anchor, which tidings does not \
                 support; use a JSON pointer such as `#/definitions/name`",
            ),
            (
                json!({"items": {"$ref": "#/definitions/missing"}}),
                "invalid schema at `/items/$ref`: `#/definitions/missing` points to nothing in \
                 this document",
            ),
            (
                json!({"$ref": "#/definitions/a%zz"}),
                "invalid schema at `/$ref`: `#/definitions/a%zz` has a malformed percent-encoding",
            ),
            (
                json!({"$ref": "#"}),
                "invalid schema at the root: this schema leads back to the schema at the root \
                 for the same value, without end",
            ),
            (
                json!({
                    "properties": {"a": {"$ref": "#/definitions/x"}},
                    "definitions": {
                        "x": {"anyOf": [{"type": "string"}, {"$ref": "#/definitions/y"}]},
                        "y": {"not": {"$ref": "#/definitions/x"}},
                    },
                }),
                "invalid schema at `/definitions/y/not`: this schema leads back to the schema at \
                 `/definitions/x` for the same value, without end",
            ),
        ];
        for (schema, expected) in cases {
            let error = compile_error(schema);
            assert!(error.starts_with(expected), "{error}");
        }
        // Recursion through a child value is fine.
        assert!(Schema::compile(&json!({"properties": {"a": {"$ref": "#"}}})).is_ok());
    }

    #[test]
    fn ref_siblings_and_unknown_keywords_are_ignored() {
        let schema = json!({
            "definitions": {"s": {"type": "string"}},
            "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 1}},
            "format": "color",
            "x-anything": {"type": 5},
        });
        assert!(violations(&schema, json!({"a": "long"})).is_empty());
    }

    const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

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
    fn patterns_are_unicode_where_they_can_be() {
        let letters = json!({"pattern": "^\\p{Letter}+$"});
        assert!(violations(&letters, json!("Hello")).is_empty());
        assert!(violations(&letters, json!("π")).is_empty());
        assert_eq!(violations(&letters, json!("p{Letter}")).len(), 1);
        // Identity escapes of the older syntax still compile, with their old meaning.
        let legacy = json!({"pattern": "^a\\_b$"});
        assert!(violations(&legacy, json!("a_b")).is_empty());
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

    #[test]
    fn ref_siblings_apply_from_2019_09_on() {
        for draft in [
            DRAFT_2020_12,
            "https://json-schema.org/draft/2019-09/schema",
        ] {
            let schema = json!({
                "$schema": draft,
                "$defs": {"s": {"type": "string"}, "object": {"type": "object"}},
                "$ref": "#/$defs/object",
                "properties": {"a": {"$ref": "#/$defs/s", "maxLength": 1}},
                "required": ["a"],
            });
            assert!(violations(&schema, json!({"a": "x"})).is_empty());
            assert_eq!(
                violations(&schema, json!({"a": "long"})),
                ["/a maxLength: \"long\" has 4 characters, more than the maximum 1"]
            );
            assert_eq!(
                violations(&schema, json!({})),
                [" required: `a` is a required property"]
            );
            assert_eq!(
                violations(&schema, json!([])),
                [" type: expected object, found an array"]
            );
        }
        // Draft-07 (named, or no `$schema`) ignores them.
        let draft7 = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"s": {"type": "string"}},
            "$ref": "#/definitions/s",
            "maxLength": 1,
        });
        assert!(violations(&draft7, json!("long")).is_empty());
    }

    #[test]
    fn from_json_str_compiles_or_panics() {
        let schema = Schema::from_json_str(r#"{"type": "boolean"}"#);
        assert!(schema.is_valid(&json!(true)));
        let result = std::panic::catch_unwind(|| Schema::from_json_str(r#"{"type": 1}"#));
        assert!(result.is_err());
        let result = std::panic::catch_unwind(|| Schema::from_json_str("{"));
        assert!(result.is_err());
    }
}
