//! The compiled tree: the nodes and keywords a [`Schema`](super::Schema) is compiled to.

use std::collections::BTreeMap;
use std::fmt;

use regress::Regex;
use serde_json::{Number, Value};

use crate::format::Format;
use crate::validate::number::{is_integer, Decimal};

/// Index of a sub-schema in [`Schema::nodes`](super::Schema::nodes).
pub(super) type NodeId = usize;

pub(super) const ROOT: NodeId = 0;

#[derive(Clone, Debug)]
pub(super) enum Node {
    /// `true` (anything) or `false` (nothing).
    Bool(bool),
    /// An object schema: its keywords, in evaluation order.
    Keywords(Box<[Keyword]>),
}

#[derive(Clone, Debug)]
pub(super) enum Keyword {
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
pub(super) struct Pattern {
    pub(super) regex: Regex,
    pub(super) source: String,
}

#[derive(Clone, Debug)]
pub(super) struct Properties {
    pub(super) named: BTreeMap<String, NodeId>,
    pub(super) patterns: Vec<(Pattern, NodeId)>,
    pub(super) additional: Option<NodeId>,
}

/// Leading items checked one schema each, and the rest against one schema: draft-07's array
/// of `items` with `additionalItems`, or 2020-12's `prefixItems` with `items`.
#[derive(Clone, Debug)]
pub(super) struct Tuple {
    pub(super) prefix: Vec<NodeId>,
    pub(super) rest: Option<NodeId>,
    /// The keywords that hold `prefix` and `rest`, for messages.
    pub(super) prefix_keyword: &'static str,
    pub(super) rest_keyword: &'static str,
}

/// `contains` with its bounds: `minContains` (1 when absent; 0 allows arrays with no matching
/// item) and `maxContains`.
#[derive(Clone, Debug)]
pub(super) struct Contains {
    pub(super) schema: NodeId,
    pub(super) min: u64,
    pub(super) max: Option<u64>,
}

#[derive(Clone, Debug)]
pub(super) enum Dependency {
    Required(Vec<String>),
    Schema(NodeId),
}

/// A set of JSON Schema types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Types(pub(super) u8);

impl Types {
    /// The type names, bit `i` of the set naming `NAMES[i]`; also the order messages use.
    const NAMES: [&'static str; 7] = [
        "null", "boolean", "object", "array", "number", "integer", "string",
    ];
    const NUMBER: u8 = 1 << 4;
    const INTEGER: u8 = 1 << 5;

    pub(super) fn bit(name: &str) -> Option<u8> {
        Self::NAMES.iter().position(|n| *n == name).map(|i| 1 << i)
    }

    pub(super) fn matches(self, value: &Value) -> bool {
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
