//! `pattern`: ECMA-262 regular expressions, matched fast.
//!
//! JSON Schema patterns are ECMA-262. Most real ones (`^[A-Z]{3}$`, `^\d+(\.\d+)*$`) use only
//! constructs whose meaning the `regex` crate shares once `\d`, `\w`, `\s` and `.` are spelled
//! out in ECMA's (ASCII, line-terminator aware) terms; those run on `regex`'s automata, an order
//! of magnitude faster than a backtracking engine. Anything else (lookaround, backreferences,
//! `\b`, Unicode property escapes, ...) keeps ECMA semantics on `regress`.

use std::fmt::Write as _;

/// A compiled `pattern`.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// Translated to the `regex` crate's syntax, with the same meaning.
    Fast(regex::Regex),
    /// Run by `regress`, an ECMA-262 engine.
    Ecma(regress::Regex),
}

impl Pattern {
    /// Compiles an ECMA-262 pattern.
    pub fn new(source: &str) -> Result<Pattern, String> {
        if let Some(translated) = translate(source) {
            if let Ok(regex) = regex::Regex::new(&translated) {
                return Ok(Pattern::Fast(regex));
            }
        }
        regress::Regex::new(source)
            .map(Pattern::Ecma)
            .map_err(|e| e.to_string())
    }

    /// Whether the pattern matches somewhere in `text` (patterns are not anchored).
    #[inline]
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Fast(regex) => regex.is_match(text),
            Pattern::Ecma(regex) => regex.find(text).is_some(),
        }
    }
}

/// ECMA `\s`: white space and line terminators.
const SPACE: &str =
    r"\t\n\x0B\x0C\r \xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

/// `source` in `regex` syntax with ECMA meaning, or `None` when it uses a construct whose
/// meaning differs or that `regex` lacks.
fn translate(source: &str) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 16);
    let mut chars = source.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let e = chars.next()?;
                match e {
                    'd' if in_class => out.push_str("0-9"),
                    'd' => out.push_str("[0-9]"),
                    'D' if !in_class => out.push_str("[^0-9]"),
                    'w' if in_class => out.push_str("A-Za-z0-9_"),
                    'w' => out.push_str("[A-Za-z0-9_]"),
                    'W' if !in_class => out.push_str("[^A-Za-z0-9_]"),
                    's' if in_class => out.push_str(SPACE),
                    's' => {
                        let _ = write!(out, "[{SPACE}]");
                    }
                    'S' if !in_class => {
                        let _ = write!(out, "[^{SPACE}]");
                    }
                    't' | 'n' | 'r' | 'f' | 'v' => {
                        let code = match e {
                            't' => 0x09,
                            'n' => 0x0A,
                            'r' => 0x0D,
                            'f' => 0x0C,
                            _ => 0x0B,
                        };
                        let _ = write!(out, "\\x{{{code:X}}}");
                    }
                    'x' => {
                        let hex: String = (0..2).map(|_| chars.next()).collect::<Option<_>>()?;
                        u32::from_str_radix(&hex, 16).ok()?;
                        let _ = write!(out, "\\x{{{hex}}}");
                    }
                    'u' => {
                        let hex: String = (0..4).map(|_| chars.next()).collect::<Option<_>>()?;
                        let code = u32::from_str_radix(&hex, 16).ok()?;
                        // Surrogates only make sense in pairs, as UTF-16: leave those to regress.
                        if (0xD800..=0xDFFF).contains(&code) {
                            return None;
                        }
                        let _ = write!(out, "\\x{{{hex}}}");
                    }
                    c if c.is_ascii_punctuation() => {
                        out.push('\\');
                        out.push(c);
                    }
                    // \b, \B, \1-\9, \k, \p, \c, \0 and the like: ECMA's own meaning.
                    _ => return None,
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push(chars.next()?);
                }
                // `[]` and `[^]` mean something else in ECMA.
                if chars.peek() == Some(&']') {
                    return None;
                }
            }
            '[' => out.push_str("\\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' | '-' if in_class && chars.peek() == Some(&c) => {
                // `&&`, `~~`, `--` are class operators in `regex`, literals in ECMA.
                let _ = write!(out, "\\{c}");
            }
            '.' if !in_class => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            '(' if chars.peek() == Some(&'?') => {
                chars.next();
                match chars.next()? {
                    ':' => out.push_str("(?:"),
                    // Lookaround and named groups: ECMA's own.
                    _ => return None,
                }
            }
            '$' if !in_class => out.push_str(r"\z"),
            '^' if !in_class => out.push_str(r"\A"),
            c => out.push(c),
        }
    }
    if in_class {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(source: &str, text: &str) -> (bool, bool) {
        let fast = Pattern::new(source).unwrap();
        let ecma = regress::Regex::new(source).unwrap();
        (fast.is_match(text), ecma.find(text).is_some())
    }

    #[test]
    fn common_patterns_run_on_regex() {
        for source in [
            "^[A-Z0-9]+(-[A-Z0-9]+)*$",
            r"^(0|[1-9]\d*)\.(0|[1-9]\d*)$",
            r"\w+@\w+",
            "^a.c$",
        ] {
            assert!(
                matches!(Pattern::new(source).unwrap(), Pattern::Fast(_)),
                "{source}"
            );
        }
        for source in [r"(?=a)a", r"(a)\1", r"\bword\b", r"\p{L}", "[^]"] {
            assert!(
                !matches!(Pattern::new(source), Ok(Pattern::Fast(_))),
                "{source}"
            );
        }
    }

    #[test]
    fn translation_keeps_ecma_meaning() {
        let cases = [
            (r"^\d+$", "١٢٣"),
            (r"^\d+$", "123"),
            (r"^\w+$", "héllo"),
            (r"^\w+$", "hello_1"),
            (r"^\s$", "\u{a0}"),
            (r"^\s$", "\u{85}"),
            ("^a.c$", "a\nc"),
            ("^a.c$", "a\u{2028}c"),
            ("^a.c$", "abc"),
            ("^abc$", "abc\n"),
            ("[a-z]+", "123abc"),
            (r"^[\d\s-]+$", "12 - 3"),
            (r"^\u0041$", "A"),
            (r"^\x41\/$", "A/"),
            ("^[&&]$", "&"),
        ];
        for (source, text) in cases {
            let (fast, ecma) = both(source, text);
            assert_eq!(fast, ecma, "{source:?} on {text:?}");
        }
    }
}
