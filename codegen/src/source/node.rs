//! A YAML/JSON document as a tree of nodes that remember where they came from.
//!
//! Every later stage reports problems by [`Span`], so the parsers keep the line and column of
//! each node: YAML through `super::yaml`, JSON strictly through `super::json`, both into
//! the same nodes.

use std::fmt;

/// Index of a loaded file in [`crate::source::Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId(pub u32);

/// Where a node starts: file, 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file.
    pub doc: DocId,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

/// A parsed value with its position.
#[derive(Clone, Debug)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it starts in its file.
    pub span: Span,
}

/// The value of a [`Node`]. Mappings keep their key order.
#[derive(Clone, Debug)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer or a finite float.
    Number(serde_json::Number),
    /// Any string, including quoted numbers.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys, in document order.
    Map(Vec<(String, Node)>),
}

/// Limits that bound the work a document can cause.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes a document may expand to, aliases included.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_nodes: 2_000_000,
        }
    }
}

/// A syntax error, or a document that breaks a [`Limits`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// 1-based line where the parser gave up.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// The construct still open there (an unclosed `{`, `[` or quote), if any.
    pub opened: Option<Opened>,
}

/// Where a construct that a syntax error left open starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// What it is ("the `[` opened here is never closed").
    pub label: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {}, column {})",
            self.message, self.line, self.col
        )
    }
}

impl Node {
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries when this node is a mapping.
    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items when this node is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The string when this node is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean when this node is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The number as `f64` when this node is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The number as `u64` when it is a non-negative integer (`2.0` counts).
    pub fn as_u64(&self) -> Option<u64> {
        match &self.value {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            }),
            _ => None,
        }
    }

    /// A short description of the kind of value, for diagnostics ("a mapping").
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// This node as plain JSON (positions dropped).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Where the keys of each mapping are: by the mapping's own line and column, each key with
/// its position (a [`Node`] keeps the position of values only).
pub(crate) type KeySpans = std::collections::HashMap<(u32, u32), Vec<(String, Span)>>;

/// Parses one JSON document, strictly (RFC 8259: no comments, no trailing commas).
pub fn parse_json(text: &str, doc: DocId, limits: Limits) -> Result<Node, ParseError> {
    super::json::parse(text, doc, limits).map(|(node, _)| node)
}

/// Parses one YAML document.
pub fn parse(text: &str, doc: DocId, limits: Limits) -> Result<Node, ParseError> {
    super::yaml::parse(text, doc, limits).map(|(node, _)| node)
}

/// [`parse_json`] or [`parse`], with the position of every key.
pub(crate) fn parse_with_keys(
    text: &str,
    doc: DocId,
    limits: Limits,
    json: bool,
) -> Result<(Node, KeySpans), ParseError> {
    if json {
        super::json::parse(text, doc, limits)
    } else {
        super::yaml::parse(text, doc, limits)
    }
}
