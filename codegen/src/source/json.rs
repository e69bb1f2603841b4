//! JSON files parsed as JSON (RFC 8259) into the same [`Node`]s as YAML, with positions.
//!
//! Why a parser of our own: YAML 1.2 reads JSON, but it also takes what JSON forbids
//! (trailing commas, comments, unquoted keys, single quotes), so a `.json` spec read as YAML
//! is accepted here and refused by every other JSON tool; serde_json is strict but keeps no
//! positions, and every later stage reports problems by line and column. The grammar is
//! small enough to own: this parser is strict, iterative (an explicit stack, so the nesting
//! depth is bounded by [`Limits`], not by the thread's stack), counts columns in characters
//! as the YAML side does, and when the text ends inside an unclosed `{`, `[` or string, it
//! says where that construct was opened as well as where parsing stopped.

use crate::source::node::{DocId, KeySpans, Limits, Node, Opened, ParseError, Span, Value};

/// Parses one JSON document, with the position of every key.
pub(crate) fn parse(
    text: &str,
    doc: DocId,
    limits: Limits,
) -> Result<(Node, KeySpans), ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        line: 1,
        col: 1,
        doc,
        limits,
        nodes: 0,
        stack: Vec::new(),
        keys: KeySpans::new(),
    }
    .document()
}

enum Frame {
    Array {
        span: Span,
        items: Vec<Node>,
    },
    Object {
        span: Span,
        entries: Vec<(String, Node)>,
        /// The key whose value is being read, and where it is.
        key: (String, Span),
    },
}

impl Frame {
    fn opened(&self) -> Opened {
        let (what, span) = match self {
            Frame::Array { span, .. } => ("`[`", span),
            Frame::Object { span, .. } => ("`{`", span),
        };
        Opened {
            label: format!("the {what} opened here is never closed"),
            line: span.line,
            col: span.col,
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    col: u32,
    doc: DocId,
    limits: Limits,
    nodes: usize,
    stack: Vec<Frame>,
    keys: KeySpans,
}

impl Parser<'_> {
    fn document(mut self) -> Result<(Node, KeySpans), ParseError> {
        self.skip_space()?;
        if self.peek().is_none() {
            return Err(self.error("the file is empty"));
        }
        let mut value = self.value()?;
        loop {
            // `value` is complete: hand it to the innermost open container.
            match self.stack.last_mut() {
                None => {
                    self.skip_space()?;
                    if self.peek().is_some() {
                        return Err(
                            self.error(format!("{} after the end of the JSON value", self.found()))
                        );
                    }
                    return Ok((value, self.keys));
                }
                Some(Frame::Array { items, .. }) => {
                    items.push(value);
                    self.skip_space()?;
                    match self.peek() {
                        Some(b',') => {
                            let comma = self.here();
                            self.bump();
                            self.skip_space()?;
                            if self.peek() == Some(b']') {
                                return Err(self.error_at(
                                    comma,
                                    "trailing comma: JSON allows no `,` before `]`",
                                ));
                            }
                            value = self.value()?;
                        }
                        Some(b']') => {
                            self.bump();
                            let Some(Frame::Array { span, items }) = self.stack.pop() else {
                                unreachable!("the innermost frame is an array")
                            };
                            value = Node {
                                value: Value::Seq(items),
                                span,
                            };
                        }
                        _ => {
                            return Err(self.unclosed(format!(
                                "expected `,` or `]` after an array item, found {}",
                                self.found()
                            )))
                        }
                    }
                }
                Some(Frame::Object {
                    entries, key, span, ..
                }) => {
                    let (name, key_span) = (std::mem::take(&mut key.0), key.1);
                    if entries.iter().any(|(k, _)| *k == name) {
                        return Err(self.error_at(key_span, format!("duplicate key `{name}`")));
                    }
                    self.keys
                        .entry((span.line, span.col))
                        .or_default()
                        .push((name.clone(), key_span));
                    entries.push((name, value));
                    self.skip_space()?;
                    match self.peek() {
                        Some(b',') => {
                            let comma = self.here();
                            self.bump();
                            self.skip_space()?;
                            if self.peek() == Some(b'}') {
                                return Err(self.error_at(
                                    comma,
                                    "trailing comma: JSON allows no `,` before `}`",
                                ));
                            }
                            let name = self.key()?;
                            if let Some(Frame::Object { key, .. }) = self.stack.last_mut() {
                                *key = name;
                            }
                            value = self.value()?;
                        }
                        Some(b'}') => {
                            self.bump();
                            let Some(Frame::Object { span, entries, .. }) = self.stack.pop() else {
                                unreachable!("the innermost frame is an object")
                            };
                            value = Node {
                                value: Value::Map(entries),
                                span,
                            };
                        }
                        _ => {
                            return Err(self.unclosed(format!(
                                "expected `,` or `}}` after an object member, found {}",
                                self.found()
                            )))
                        }
                    }
                }
            }
        }
    }

    /// One value; an array or object is opened (pushed) and its first member started, and
    /// the value returned is that member (or the empty collection).
    fn value(&mut self) -> Result<Node, ParseError> {
        loop {
            self.skip_space()?;
            let span = self.here();
            self.count(span)?;
            match self.peek() {
                Some(b'{') => {
                    self.open(span)?;
                    self.bump();
                    self.skip_space()?;
                    if self.peek() == Some(b'}') {
                        self.bump();
                        return Ok(Node {
                            value: Value::Map(Vec::new()),
                            span,
                        });
                    }
                    self.stack.push(Frame::Object {
                        span,
                        entries: Vec::new(),
                        key: (String::new(), span),
                    });
                    let name = self.key()?;
                    if let Some(Frame::Object { key, .. }) = self.stack.last_mut() {
                        *key = name;
                    }
                }
                Some(b'[') => {
                    self.open(span)?;
                    self.bump();
                    self.skip_space()?;
                    if self.peek() == Some(b']') {
                        self.bump();
                        return Ok(Node {
                            value: Value::Seq(Vec::new()),
                            span,
                        });
                    }
                    self.stack.push(Frame::Array {
                        span,
                        items: Vec::new(),
                    });
                }
                Some(b'"') => {
                    let text = self.string()?;
                    return Ok(Node {
                        value: Value::String(text),
                        span,
                    });
                }
                Some(b'-' | b'0'..=b'9') => {
                    return Ok(Node {
                        value: self.number()?,
                        span,
                    })
                }
                Some(b't' | b'f' | b'n') => {
                    return Ok(Node {
                        value: self.literal()?,
                        span,
                    })
                }
                Some(b'\'') => {
                    return Err(self.error("JSON strings take double quotes (`\"`), not `'`"))
                }
                None => {
                    return Err(self.unclosed("the file ends where a value was expected".into()))
                }
                Some(_) => {
                    return Err(self.unclosed(format!("expected a value, found {}", self.found())))
                }
            }
        }
    }

    /// An object key (and where it is) and its `:`.
    fn key(&mut self) -> Result<(String, Span), ParseError> {
        self.skip_space()?;
        let at = self.here();
        match self.peek() {
            Some(b'"') => {}
            Some(b'\'') => return Err(self.error("JSON keys take double quotes (`\"`), not `'`")),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                return Err(self.error("JSON object keys must be quoted (`\"key\": ...`)"))
            }
            None => {
                return Err(self.unclosed("the file ends where a key was expected".into()));
            }
            _ => {
                return Err(self.unclosed(format!(
                    "expected a key in double quotes, found {}",
                    self.found()
                )))
            }
        }
        let key = self.string()?;
        self.skip_space()?;
        if self.peek() != Some(b':') {
            return Err(self.unclosed(format!(
                "expected `:` after the key `{key}`, found {}",
                self.found()
            )));
        }
        self.bump();
        Ok((key, at))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.here();
        let unclosed = |p: &Self, message: &str| {
            let mut e = p.error(message);
            e.opened = Some(Opened {
                label: "the string opened here is never closed".into(),
                line: start.line,
                col: start.col,
            });
            e
        };
        self.bump(); // the opening quote
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(unclosed(self, "the file ends inside a string"));
            };
            match c {
                b'"' => {
                    self.bump();
                    return Ok(out);
                }
                b'\\' => {
                    let escape = self.here();
                    self.bump();
                    let Some(e) = self.peek() else {
                        return Err(unclosed(self, "the file ends inside a string"));
                    };
                    self.bump();
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape(escape)?),
                        _ => {
                            return Err(self.error_at(
                                escape,
                                format!("invalid escape `\\{}` in a string", e as char),
                            ))
                        }
                    }
                }
                b'\n' | b'\r' => {
                    return Err(unclosed(
                        self,
                        "a line break inside a string (close the string, or write `\\n`)",
                    ))
                }
                0..=0x1f => {
                    return Err(self.error("a control character inside a string (escape it)"))
                }
                _ => {
                    // Copy the run of plain characters up to the next quote, escape or
                    // control character in one go.
                    let from = self.pos;
                    while let Some(c) = self.peek() {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.bump();
                    }
                    out.push_str(&self.text[from..self.pos]);
                }
            }
        }
    }

    /// The rest of `\uXXXX` (and of its low surrogate when it is a high one).
    fn unicode_escape(&mut self, at: Span) -> Result<char, ParseError> {
        let first = self.hex4(at)?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return Err(self.error_at(at, "a lone high surrogate in a `\\u` escape"));
            }
            self.bump();
            self.bump();
            let second = self.hex4(at)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error_at(at, "an invalid surrogate pair in a `\\u` escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error_at(at, "a lone surrogate in a `\\u` escape"))
    }

    fn hex4(&mut self, at: Span) -> Result<u32, ParseError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error_at(at, "`\\u` must be followed by four hex digits"))?;
        let code = u32::from_str_radix(digits, 16).unwrap_or_default();
        for _ in 0..4 {
            self.bump();
        }
        Ok(code)
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.here();
        let from = self.pos;
        let digits = |p: &mut Self| {
            let before = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.bump();
            }
            p.pos > before
        };
        if self.peek() == Some(b'-') {
            self.bump();
        }
        let int_start = self.pos;
        if !digits(self) {
            return Err(self.error_at(start, "a number needs digits after `-`"));
        }
        if self.bytes[int_start] == b'0' && self.pos - int_start > 1 {
            return Err(self.error_at(start, "JSON numbers have no leading zeros"));
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.bump();
            if !digits(self) {
                return Err(self.error("a number needs digits after `.`"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if !digits(self) {
                return Err(self.error("a number needs digits in its exponent"));
            }
        }
        let text = &self.text[from..self.pos];
        if integer {
            if let Ok(n) = text.parse::<u64>() {
                return Ok(Value::Number(n.into()));
            }
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Value::Number(n.into()));
            }
        }
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| self.error_at(start, format!("the number {text} is out of range")))
    }

    fn literal(&mut self) -> Result<Value, ParseError> {
        for (word, value) in [
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
        ] {
            if self.text[self.pos..].starts_with(word) {
                let end = self.pos + word.len();
                if !self
                    .bytes
                    .get(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    for _ in 0..word.len() {
                        self.bump();
                    }
                    return Ok(value);
                }
            }
        }
        Err(self.error(format!(
            "expected a value, found {} (strings take double quotes)",
            self.found()
        )))
    }

    /// Skips whitespace; comments are errors.
    fn skip_space(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.bump(),
                b'/' if matches!(self.bytes.get(self.pos + 1), Some(b'/' | b'*')) => {
                    return Err(self.error("JSON has no comments"));
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn open(&mut self, at: Span) -> Result<(), ParseError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error_at(
                at,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        Ok(())
    }

    fn count(&mut self, at: Span) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(self.error_at(
                at,
                format!("the document has more than {} nodes", self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Moves past one character.
    fn bump(&mut self) {
        let Some(&c) = self.bytes.get(self.pos) else {
            return;
        };
        let width = match c {
            0..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        self.pos = (self.pos + width).min(self.bytes.len());
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
    }

    fn here(&self) -> Span {
        Span {
            doc: self.doc,
            line: self.line,
            col: self.col,
        }
    }

    /// What is at the current position, for messages.
    fn found(&self) -> String {
        match self.text[self.pos..].chars().next() {
            None => "the end of the file".into(),
            Some(c) if c.is_whitespace() => "a space".into(),
            Some(c) => format!("`{c}`"),
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.here(), message)
    }

    fn error_at(&self, at: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            message: format!("invalid JSON: {}", message.into()),
            line: at.line,
            col: at.col,
            opened: None,
        }
    }

    /// An error inside the innermost open `{` or `[`, which is named as left open.
    fn unclosed(&self, message: String) -> ParseError {
        let mut e = self.error(message);
        e.opened = self.stack.last().map(Frame::opened);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Node, ParseError> {
        parse(text, DocId(0), Limits::default()).map(|(node, _)| node)
    }

    #[test]
    fn parses_json_with_positions() {
        let node = load(
            "{\"a\": [1, -2.5e1, \"x\\u00e9\\ud83d\\ude00\", null, {\"b\": false}],\n \"é\": {}}",
        )
        .unwrap();
        assert_eq!(
            node.to_json(),
            serde_json::json!({"a": [1, -25.0, "xé😀", null, {"b": false}], "é": {}})
        );
        let b = node.get("a").unwrap().as_seq().unwrap()[4]
            .get("b")
            .unwrap();
        assert_eq!((b.span.line, b.span.col), (1, 54));
        let e = node.get("é").unwrap();
        assert_eq!((e.span.line, e.span.col), (2, 7));
        assert_eq!(
            load("18446744073709551616").unwrap().to_json(),
            1.8446744073709552e19
        );
        assert_eq!(load("-9").unwrap().to_json(), -9);
    }

    #[test]
    fn refuses_what_json_forbids() {
        for (text, at, wording) in [
            ("[1, 2,]", (1, 6), "trailing comma"),
            ("{\"a\": 1,\n}", (1, 8), "trailing comma"),
            ("{a: 1}", (1, 2), "must be quoted"),
            ("{'a': 1}", (1, 2), "double quotes"),
            ("// c\n{}", (1, 1), "no comments"),
            ("[01]", (1, 2), "leading zeros"),
            ("[1.]", (1, 4), "digits after `.`"),
            ("[tru]", (1, 2), "expected a value"),
            ("{\"a\": 1, \"a\": 2}", (1, 10), "duplicate key `a`"),
            ("{} {}", (1, 4), "after the end"),
            ("\"a\\x\"", (1, 3), "invalid escape"),
            ("", (1, 1), "empty"),
        ] {
            let err = load(text).unwrap_err();
            assert_eq!((err.line, err.col), at, "{text}: {err:?}");
            assert!(err.message.contains(wording), "{text}: {err:?}");
            assert!(err.message.starts_with("invalid JSON"), "{text}: {err:?}");
        }
    }

    #[test]
    fn names_the_construct_left_open() {
        let err = load("{\n  \"a\": [1, 2,\n  \"b\": {\"c\": 1}\n").unwrap_err();
        assert_eq!((err.line, err.col), (3, 6), "{err:?}");
        let opened = err.opened.clone().unwrap();
        assert_eq!((opened.line, opened.col), (2, 8));
        assert!(opened.label.contains("`[`"));

        let err = load("{\"a\": {\"b\": 1}\n\n").unwrap_err();
        assert_eq!((err.line, err.col), (3, 1));
        assert_eq!(err.opened.map(|o| (o.line, o.col)), Some((1, 1)));

        let err = load("{\"a\": \"open\n}").unwrap_err();
        assert_eq!((err.line, err.col), (1, 12));
        let opened = err.opened.clone().unwrap();
        assert_eq!((opened.line, opened.col), (1, 7));
        assert!(opened.label.contains("string"));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = load(&text).unwrap_err();
        assert!(err.message.contains("nesting deeper"), "{err:?}");
    }
}
