//! YAML files read by `saphyr-parser` into [`Node`]s, with limits on nesting and aliases.
//!
//! `saphyr-parser` gives an event stream; the tree is built here so that every node keeps its
//! line and column and so that a hostile document (a "billion laughs" alias bomb, ten thousand
//! nested lists) is refused before it exhausts the stack or memory.

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use super::node::{DocId, KeySpans, Limits, Node, Opened, ParseError, Span, Value};

pub(crate) fn parse(
    text: &str,
    doc: DocId,
    limits: Limits,
) -> Result<(Node, KeySpans), ParseError> {
    let mut builder = TreeBuilder {
        doc,
        limits,
        stack: Vec::new(),
        anchors: Vec::new(),
        nodes: 0,
        root: None,
        keys: KeySpans::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| {
            let (line, col) = (e.marker().line() as u32, e.marker().col() as u32 + 1);
            if e.info().contains("recursion limit") {
                return error_at(
                    Span { doc, line, col },
                    format!("nesting deeper than the parser allows ({})", e.info()),
                );
            }
            syntax_error(text, e.info(), (line, col), &builder.stack)
        })?;
        let at = Span {
            doc,
            line: span.start.line() as u32,
            col: span.start.col() as u32 + 1,
        };
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(error_at(
                        at,
                        "a spec file must hold one YAML document, found a second",
                    ));
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            other => builder.event(other, at)?,
        }
    }
    let keys = builder.keys;
    builder.root.map(|root| (root, keys)).ok_or_else(|| {
        error_at(
            Span {
                doc,
                line: 1,
                col: 1,
            },
            "the file is empty",
        )
    })
}

fn error_at(span: Span, message: impl Into<String>) -> ParseError {
    ParseError {
        message: message.into(),
        line: span.line,
        col: span.col,
        opened: None,
    }
}

/// A YAML syntax error at `at`, naming the construct left open: a quoted string the parser
/// could not finish (it reports the opening quote; the error is put where the string's
/// indentation ran out), else the innermost flow collection (`[` or `{`) still open.
fn syntax_error(text: &str, info: &str, at: (u32, u32), open: &[Frame]) -> ParseError {
    let char_at = |(line, col): (u32, u32)| {
        crate::error::line_of(text, line).and_then(|l| l.chars().nth(col as usize - 1))
    };
    if info.contains("quoted scalar") && matches!(char_at(at), Some('"' | '\'')) {
        let (line, col) = end_of_quoted(text, at.0);
        return ParseError {
            message: format!("{info}: the quoted string is never closed"),
            line,
            col,
            opened: Some(Opened {
                label: "the string opened here is never closed".into(),
                line: at.0,
                col: at.1,
            }),
        };
    }
    let opened = open.iter().rev().find_map(|frame| {
        let span = match frame {
            Frame::Seq { span, .. } | Frame::Map { span, .. } => *span,
        };
        let c = char_at((span.line, span.col)).filter(|c| matches!(c, '[' | '{'))?;
        ((span.line, span.col) != at).then(|| Opened {
            label: format!("this `{c}` is still open where the parser gave up"),
            line: span.line,
            col: span.col,
        })
    });
    ParseError {
        message: info.to_string(),
        line: at.0,
        col: at.1,
        opened,
    }
}

/// Where an unclosed quoted string that starts on `line` ends for the parser: the first
/// later line indented no deeper than `line` (a new key), else the end of the file.
fn end_of_quoted(text: &str, line: u32) -> (u32, u32) {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let own = lines.get(line as usize - 1).map_or(0, |l| indent(l));
    for (i, l) in lines.iter().enumerate().skip(line as usize) {
        if !l.trim().is_empty() && indent(l) <= own {
            return (i as u32 + 1, indent(l) as u32 + 1);
        }
    }
    let last = lines.len().max(1);
    let width = lines.last().map_or(0, |l| l.chars().count());
    (last as u32, width as u32 + 1)
}

enum Frame {
    Seq {
        anchor: usize,
        span: Span,
        items: Vec<Node>,
    },
    Map {
        anchor: usize,
        span: Span,
        entries: Vec<(String, Node)>,
        key: Option<(String, Span)>,
    },
}

struct TreeBuilder {
    doc: DocId,
    limits: Limits,
    stack: Vec<Frame>,
    /// Anchored nodes by anchor id, with their expanded size.
    anchors: Vec<(usize, Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    keys: KeySpans,
}

impl TreeBuilder {
    fn event(&mut self, event: Event<'_>, at: Span) -> Result<(), ParseError> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&text, style, tag.as_deref(), at)?;
                self.count(1, at)?;
                self.finish(Node { value, span: at }, anchor, 1)
            }
            Event::SequenceStart(anchor, _) => {
                self.open(at)?;
                self.stack.push(Frame::Seq {
                    anchor,
                    span: at,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.open(at)?;
                self.stack.push(Frame::Map {
                    anchor,
                    span: at,
                    entries: Vec::new(),
                    key: None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(error_at(at, "unbalanced end of collection"));
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        anchor,
                        span,
                        items,
                    } => (
                        Node {
                            value: Value::Seq(items),
                            span,
                        },
                        anchor,
                    ),
                    Frame::Map {
                        anchor,
                        span,
                        entries,
                        ..
                    } => (
                        Node {
                            value: Value::Map(entries),
                            span,
                        },
                        anchor,
                    ),
                };
                self.count(1, at)?;
                let size = if anchor > 0 { size_of(&node) } else { 0 };
                self.finish(node, anchor, size)
            }
            Event::Alias(id) => {
                let Some((_, node, size)) = self.anchors.iter().rev().find(|(a, _, _)| *a == id)
                else {
                    return Err(error_at(at, "alias to an unknown anchor"));
                };
                let (mut node, size) = (node.clone(), *size);
                if self.stack.len() + depth_of(&node) > self.limits.max_depth {
                    return Err(error_at(
                        at,
                        format!("nesting deeper than {} levels", self.limits.max_depth),
                    ));
                }
                self.count(size, at)?;
                node.span = at;
                self.finish(node, 0, size)
            }
            _ => Ok(()),
        }
    }

    fn open(&mut self, at: Span) -> Result<(), ParseError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(error_at(
                at,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        Ok(())
    }

    fn count(&mut self, n: usize, at: Span) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(error_at(
                at,
                format!(
                    "the document expands to more than {} nodes (an alias bomb?)",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), ParseError> {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone(), size.max(1)));
        }
        let doc = self.doc;
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries, key, span, ..
            }) => match key.take() {
                None => {
                    let name = key_string(&node).ok_or_else(|| {
                        error_at(
                            node.span,
                            "mapping keys must be strings, numbers or booleans",
                        )
                    })?;
                    if entries.iter().any(|(k, _)| *k == name) {
                        return Err(error_at(node.span, format!("duplicate key `{name}`")));
                    }
                    *key = Some((name, node.span));
                    Ok(())
                }
                Some((name, key_span)) => {
                    debug_assert_eq!(node.span.doc, doc);
                    if name == "<<" {
                        merge_key(entries, node)
                    } else {
                        self.keys
                            .entry((span.line, span.col))
                            .or_default()
                            .push((name.clone(), key_span));
                        entries.push((name, node));
                        Ok(())
                    }
                }
            },
        }
    }
}

/// YAML 1.1 merge keys (`<<: *base`), which many hand-written specs still use.
fn merge_key(entries: &mut Vec<(String, Node)>, node: Node) -> Result<(), ParseError> {
    let sources: Vec<Node> = match node.value {
        Value::Map(_) => vec![node],
        Value::Seq(items) => items,
        _ => {
            return Err(error_at(
                node.span,
                "`<<` must merge a mapping or a list of mappings",
            ))
        }
    };
    for source in sources {
        let Value::Map(merged) = source.value else {
            return Err(error_at(source.span, "`<<` must merge a mapping"));
        };
        for (k, v) in merged {
            if !entries.iter().any(|(existing, _)| *existing == k) {
                entries.push((k, v));
            }
        }
    }
    Ok(())
}

fn size_of(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(size_of).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|(_, v)| size_of(v)).sum::<usize>(),
        _ => 1,
    }
}

fn depth_of(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(depth_of).max().unwrap_or(0),
        Value::Map(entries) => 1 + entries.iter().map(|(_, v)| depth_of(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn key_string(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// Resolves a scalar by the YAML 1.2 core schema (which JSON also follows).
fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    at: Span,
) -> Result<Value, ParseError> {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            return match tag.suffix.as_str() {
                "str" => Ok(Value::String(text.to_string())),
                "null" => Ok(Value::Null),
                "bool" => match text {
                    "true" | "True" | "TRUE" => Ok(Value::Bool(true)),
                    "false" | "False" | "FALSE" => Ok(Value::Bool(false)),
                    _ => Err(error_at(at, format!("`{text}` is not a boolean"))),
                },
                "int" | "float" => {
                    number(text).ok_or_else(|| error_at(at, format!("`{text}` is not a number")))
                }
                _ => Ok(Value::String(text.to_string())),
            };
        }
        // Unknown local tags (`!include`, ...) are not interpreted: the text is kept.
        return Ok(Value::String(text.to_string()));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => number(text).unwrap_or_else(|| Value::String(text.to_string())),
    })
}

fn number(text: &str) -> Option<Value> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16)
            .ok()
            .map(|n| Value::Number(n.into()));
    }
    if let Some(oct) = unsigned.strip_prefix("0o") {
        return u64::from_str_radix(oct, 8)
            .ok()
            .map(|n| Value::Number(n.into()));
    }
    let integer = unsigned
        .strip_prefix('-')
        .unwrap_or(unsigned)
        .bytes()
        .all(|b| b.is_ascii_digit());
    if integer {
        if let Ok(n) = unsigned.parse::<u64>() {
            return Some(Value::Number(n.into()));
        }
        if let Ok(n) = unsigned.parse::<i64>() {
            return Some(Value::Number(n.into()));
        }
    }
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | "-.inf" | ".nan") {
        // Not representable in JSON; kept as text so nothing is lost.
        return Some(Value::String(text.to_string()));
    }
    let looks_float = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && unsigned.bytes().any(|b| b.is_ascii_digit());
    if !looks_float {
        return None;
    }
    let f: f64 = unsigned.parse().ok()?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Node, ParseError> {
        crate::source::node::parse(text, DocId(0), Limits::default())
    }

    #[test]
    fn keeps_positions_and_order() {
        let node = load("b: 1\na:\n  c: [x, 'y']\n").unwrap();
        let keys: Vec<_> = node
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["b", "a"]);
        let c = node.get("a").unwrap().get("c").unwrap();
        assert_eq!((c.span.line, c.span.col), (3, 6));
        assert_eq!(c.as_seq().unwrap()[1].as_str(), Some("y"));
    }

    #[test]
    fn resolves_scalars_by_the_core_schema() {
        let node = load("a: 12\nb: '12'\nc: 1.5\nd: on\ne: ~\nf: true\ng: -3\nh: 0x1F").unwrap();
        let json = node.to_json();
        assert_eq!(
            json,
            serde_json::json!({"a": 12, "b": "12", "c": 1.5, "d": "on", "e": null, "f": true, "g": -3, "h": 31})
        );
    }

    #[test]
    fn parses_json() {
        let node = load(r#"{"a": [1, 2.5, "x", null, {"b": false}]}"#).unwrap();
        assert_eq!(
            node.to_json(),
            serde_json::json!({"a": [1, 2.5, "x", null, {"b": false}]})
        );
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let err = load("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line >= 1, "{err:?}");
        let err = load("a: 1\na: 2\n").unwrap_err();
        assert_eq!((err.line, err.col), (2, 1));
        assert!(err.message.contains("duplicate key"));
    }

    #[test]
    fn a_syntax_error_names_the_construct_left_open() {
        let err = load("a: [1, 2\nb: 3\n").unwrap_err();
        let opened = err.opened.clone().expect("the `[` is named");
        assert_eq!((opened.line, opened.col), (1, 4), "{err:?}");
        assert!(opened.label.contains('['), "{err:?}");

        let err = load("x:\n  a: {x: 1,\n\n  b: 2\nc: 3\n").unwrap_err();
        let opened = err.opened.clone().expect("the `{` is named");
        assert_eq!((opened.line, opened.col), (2, 6), "{err:?}");

        let err = load("a:\n  b: \"abc\n  c: 2\nd: 1\n").unwrap_err();
        let opened = err.opened.clone().expect("the quote is named");
        assert_eq!((opened.line, opened.col), (2, 6), "{err:?}");
        assert_eq!((err.line, err.col), (3, 3), "{err:?}");
        assert!(err.message.contains("never closed"), "{err:?}");

        // Nothing left open: no second place.
        let err = load("a: b: c\n").unwrap_err();
        assert_eq!(err.opened, None, "{err:?}");
    }

    #[test]
    fn refuses_deep_nesting() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = load(&text).unwrap_err();
        assert!(err.message.contains("nesting deeper"), "{err:?}");
    }

    #[test]
    fn refuses_alias_bombs() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = load(&text).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");
    }

    #[test]
    fn expands_small_aliases_and_merge_keys() {
        let node = load("base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n").unwrap();
        assert_eq!(
            node.get("use").unwrap().to_json(),
            serde_json::json!({"x": 1})
        );
        assert_eq!(
            node.get("merged").unwrap().to_json(),
            serde_json::json!({"y": 2, "x": 1})
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(load("").is_err());
        assert!(load("# only a comment\n").is_err());
    }
}
