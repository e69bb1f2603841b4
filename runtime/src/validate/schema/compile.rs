//! The compiler: a schema document's JSON to the nodes a [`Schema`](super::Schema) evaluates.

use std::collections::{BTreeMap, HashMap};

use regress::Regex;
use serde_json::{Map, Number, Value};

use super::messages::kind;
use super::tree::{Contains, Dependency, Keyword, Node, NodeId, Pattern, Properties, Tuple, Types};
use super::{SchemaError, MAX_DEPTH};
use crate::format::Format;
use crate::json::{describe_pointer, escape_token};
use crate::validate::number::{is_negative, Decimal};

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
        Dialect::named(root).unwrap_or(Dialect::Draft7)
    }

    /// The dialect a schema's own `$schema` names, if it has one.
    fn named(schema: &Value) -> Option<Dialect> {
        Dialect::named_in(schema.as_object()?)
    }

    /// [`named`](Self::named), for a schema object.
    fn named_in(schema: &Map<String, Value>) -> Option<Dialect> {
        match schema.get("$schema")?.as_str()? {
            uri if uri.contains("/draft/2019-09/") || uri.contains("/draft/2020-12/") => {
                Some(Dialect::Modern)
            }
            _ => Some(Dialect::Draft7),
        }
    }

    /// The dialect of the schema at `pointer` in `document`: what the nearest `$schema` on
    /// the way there (the schema's own included) names, draft-07 without one. A document
    /// may hold schemas of several dialects, each entry or embedded resource naming its own.
    fn at(document: &Value, pointer: &str) -> Dialect {
        let mut dialect = Dialect::of(document);
        let mut node = document;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let next = match node {
                Value::Object(map) => map.get(&token),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            let Some(next) = next else { break };
            node = next;
            if let Some(named) = Dialect::named(node) {
                dialect = named;
            }
        }
        dialect
    }
}

/// Where no keyword beside them can evaluate properties or items in place (`$ref` under
/// 2019-09 and later, `allOf`, `anyOf`, `oneOf`, `if`/`then`/`else`, `dependentSchemas`,
/// schema `dependencies`, `$dynamicRef`, `$recursiveRef`, and `contains` for items), the
/// properties and items left unevaluated are exactly those `additionalProperties` and
/// `items` / `additionalItems` would see: the schema with `unevaluated*` in their place, or
/// without it where those are already there (then nothing is left unevaluated). `None` when
/// nothing changes. Beside applicators the keywords stay, and are refused.
fn without_unevaluated(map: &Map<String, Value>, draft7: bool) -> Option<Map<String, Value>> {
    let applicators = [
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "$dynamicRef",
        "$recursiveRef",
    ];
    let in_place = applicators.iter().any(|k| map.contains_key(*k))
        || (!draft7 && map.contains_key("$ref"))
        || map
            .get("dependencies")
            .and_then(Value::as_object)
            .is_some_and(|d| d.values().any(|v| !v.is_array()));
    if in_place {
        return None;
    }
    let mut out = None::<Map<String, Value>>;
    if let Some(unevaluated) = map.get("unevaluatedProperties") {
        let out = out.get_or_insert_with(|| map.clone());
        out.remove("unevaluatedProperties");
        if !map.contains_key("additionalProperties") {
            out.insert("additionalProperties".into(), unevaluated.clone());
        }
    }
    if let Some(unevaluated) = map
        .get("unevaluatedItems")
        .filter(|_| !map.contains_key("contains"))
    {
        let out = out.get_or_insert_with(|| map.clone());
        out.remove("unevaluatedItems");
        match (map.get("items"), map.get("prefixItems")) {
            // A schema for every item, or for every item after the prefix: all evaluated.
            (Some(items), _) if !items.is_array() => {}
            // Draft-07 tuples: the rest is `additionalItems`' unless it is already given.
            (Some(_), _) => {
                if !map.contains_key("additionalItems") {
                    out.insert("additionalItems".into(), unevaluated.clone());
                }
            }
            (None, _) => {
                out.insert("items".into(), unevaluated.clone());
            }
        }
    }
    out
}

/// Compiles `schema`, a whole document, into the nodes of a [`Schema`](super::Schema); the
/// root is the first.
pub(super) fn document(schema: &Value) -> Result<Vec<Node>, SchemaError> {
    entries(schema, &[""]).map(|(nodes, _)| nodes)
}

/// Compiles the schemas at `pointers` in `document` (JSON pointers, `""` for the root)
/// together: what several of them reach is compiled once. The nodes, and each entry's node
/// in the order of `pointers`.
pub(super) fn entries(
    document: &Value,
    pointers: &[&str],
) -> Result<(Vec<Node>, Vec<NodeId>), SchemaError> {
    let mut compiler = Compiler {
        root: document,
        dialect: Dialect::of(document),
        nodes: Vec::new(),
        locations: Vec::new(),
        by_location: HashMap::new(),
        pending: Vec::new(),
    };
    let mut ids = Vec::with_capacity(pointers.len());
    for &pointer in pointers {
        let Some(schema) = document.pointer(pointer) else {
            return Err(SchemaError {
                pointer: pointer.to_owned(),
                message: "no schema at this pointer".into(),
            });
        };
        compiler.dialect = Dialect::at(document, pointer);
        ids.push(compiler.compile(schema, pointer.to_owned(), 0)?);
        while let Some((id, location)) = compiler.pending.pop() {
            let target = document.pointer(&location).unwrap_or(&Value::Bool(true));
            compiler.dialect = Dialect::at(document, &location);
            compiler.fill(id, target, location, 0)?;
        }
    }
    compiler.reject_endless_cycles()?;
    Ok((compiler.nodes, ids))
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

    /// The keywords of the schema `map`, under the dialect its own `$schema` names, if any.
    fn keywords(
        &mut self,
        map: &Map<String, Value>,
        location: &str,
        depth: usize,
    ) -> Result<Vec<Keyword>, SchemaError> {
        let outer = self.dialect;
        self.dialect = Dialect::named_in(map).unwrap_or(outer);
        let keywords = self.keywords_in_dialect(map, location, depth);
        self.dialect = outer;
        keywords
    }

    fn keywords_in_dialect(
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
        // `unevaluated*` beside no applicator is `additional*` (see `without_unevaluated`).
        let rewritten = without_unevaluated(map, self.dialect == Dialect::Draft7);
        let map = rewritten.as_ref().unwrap_or(map);
        let get = |keyword: &str| map.get(keyword);

        // Keywords that need annotations or dynamic scopes, which this evaluator does not
        // collect: refused rather than ignored, so that no schema is checked for less than it
        // says. (`true` and `{}` allow everything and are no constraint.) `unevaluated*`
        // beside no applicator has been rewritten above.
        for keyword in [
            "unevaluatedProperties",
            "unevaluatedItems",
            "$dynamicRef",
            "$recursiveRef",
        ] {
            let allows_all = |value: &Value| match value {
                Value::Bool(b) => *b,
                Value::Object(m) => m.is_empty(),
                _ => false,
            };
            if get(keyword).is_some_and(|value| keyword.starts_with('$') || !allows_all(value)) {
                return Err(error(
                    location,
                    keyword,
                    format!(
                        "`{keyword}` is not supported: tidings does not evaluate it, and will \
                         not check the schema for less than it says"
                    ),
                ));
            }
        }

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

#[cfg(test)]
mod tests {
    use serde_json::{json, Map};

    use crate::validate::schema::tests::{compile, compile_error, violations, DRAFT_2020_12};
    use crate::validate::schema::Schema;

    #[test]
    fn keywords_it_cannot_evaluate_are_refused_not_ignored() {
        for schema in [
            json!({"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": false}),
            json!({"properties": {"a": {"anyOf": [{}], "unevaluatedItems": {"type": "string"}}}}),
            json!({"$schema": DRAFT_2020_12, "$ref": "#/$defs/a", "$defs": {"a": {}}, "unevaluatedProperties": false}),
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "$dynamicRef": "#meta"}),
            json!({"$recursiveRef": "#"}),
        ] {
            let message = compile_error(schema.clone());
            assert!(message.contains("is not supported"), "{schema}: {message}");
        }
        for allows_all in [
            json!({"unevaluatedProperties": true}),
            json!({"unevaluatedItems": {}}),
        ] {
            assert!(Schema::compile(&allows_all).is_ok(), "{allows_all}");
        }
    }

    #[test]
    fn unevaluated_keywords_without_applicators_are_the_additional_ones() {
        // Generated over every shape of object and array up to a few members: the verdicts of
        // `unevaluated*` and of the `additional*` keyword it stands for agree everywhere.
        let names = ["a", "b", "x"];
        for closed in [json!(false), json!({"type": "integer"})] {
            let pairs = [
                (
                    json!({"properties": {"a": {}}, "patternProperties": {"^b": {}}, "unevaluatedProperties": closed}),
                    json!({"properties": {"a": {}}, "patternProperties": {"^b": {}}, "additionalProperties": closed}),
                ),
                (
                    json!({"$schema": DRAFT_2020_12, "prefixItems": [{"type": "string"}], "unevaluatedItems": closed}),
                    json!({"$schema": DRAFT_2020_12, "prefixItems": [{"type": "string"}], "items": closed}),
                ),
                (
                    json!({"items": [{"type": "string"}], "unevaluatedItems": closed}),
                    json!({"items": [{"type": "string"}], "additionalItems": closed}),
                ),
            ];
            for mask in 0u32..(1 << names.len()) {
                let mut object = Map::new();
                let mut array = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    let value = if mask & (1 << i) != 0 {
                        json!(1)
                    } else {
                        json!("s")
                    };
                    object.insert((*name).to_owned(), value.clone());
                    array.push(value);
                }
                for (unevaluated, additional) in &pairs {
                    for instance in [json!(object), json!(array)] {
                        assert_eq!(
                            violations(unevaluated, instance.clone()).is_empty(),
                            violations(additional, instance.clone()).is_empty(),
                            "{unevaluated} and {additional} disagree on {instance}"
                        );
                    }
                }
            }
        }
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
}
