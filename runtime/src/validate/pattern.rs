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
    /// A fully anchored run of ASCII classes that a single greedy pass decides exactly
    /// (`^sha256:[a-f0-9]{64}$`, `^[A-Z]{3}$`).
    Simple(Simple),
    /// Translated to the `regex` crate's syntax, with the same meaning.
    Fast(regex::Regex),
    /// Run by `regress`, an ECMA-262 engine.
    Ecma(regress::Regex),
}

impl Pattern {
    /// Compiles an ECMA-262 pattern.
    pub fn new(source: &str) -> Result<Pattern, String> {
        if let Some(simple) = Simple::parse(source) {
            return Ok(Pattern::Simple(simple));
        }
        if let Some(translated) = translate(source) {
            if let Ok(regex) = regex::Regex::new(&translated) {
                return Ok(Pattern::Fast(regex));
            }
        }
        // Unicode mode, as JSON Schema asks (`\p{Letter}`); the older syntax (`\_`) without.
        regress::Regex::with_flags(source, "u")
            .or_else(|_| regress::Regex::new(source))
            .map(Pattern::Ecma)
            .map_err(|e| e.to_string())
    }

    /// Whether the pattern matches somewhere in `text` (patterns are not anchored).
    #[inline]
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Simple(simple) => simple.is_match(text),
            Pattern::Fast(regex) => regex.is_match(text),
            Pattern::Ecma(regex) => regex.find(text).is_some(),
        }
    }
}

/// One step of a [`Simple`] pattern: a set of ASCII bytes, repeated `min..=max` times.
#[derive(Clone, Debug)]
struct Atom {
    set: u128,
    min: usize,
    max: usize,
}

/// `^atom atom ... atom$` where each repeated atom's set is disjoint from the next atom's, so
/// greedy matching without backtracking gives ECMA's answer.
#[derive(Clone, Debug)]
pub struct Simple {
    atoms: Vec<Atom>,
}

impl Simple {
    fn parse(source: &str) -> Option<Simple> {
        let body = source.strip_prefix('^')?.strip_suffix('$')?;
        if body.ends_with('\\') {
            return None;
        }
        let bytes = body.as_bytes();
        let mut atoms: Vec<Atom> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let mut set = 0u128;
            match bytes[i] {
                b'[' => {
                    i += 1;
                    if bytes.get(i) == Some(&b'^') {
                        return None;
                    }
                    let mut first = true;
                    loop {
                        let c = *bytes.get(i)?;
                        if c == b']' && !first {
                            i += 1;
                            break;
                        }
                        first = false;
                        let lo = class_char(bytes, &mut i)?;
                        if bytes.get(i) == Some(&b'-')
                            && bytes.get(i + 1).is_some_and(|b| *b != b']')
                        {
                            i += 1;
                            let hi = class_char(bytes, &mut i)?;
                            if hi < lo {
                                return None;
                            }
                            for b in lo..=hi {
                                set |= 1 << b;
                            }
                        } else {
                            set |= 1 << lo;
                        }
                    }
                }
                b'\\' => {
                    let e = *bytes.get(i + 1)?;
                    i += 2;
                    match e {
                        b'd' => (b'0'..=b'9').for_each(|b| set |= 1 << b),
                        c if c.is_ascii_punctuation() => set |= 1 << c,
                        _ => return None,
                    }
                }
                c if c.is_ascii_alphanumeric()
                    || matches!(
                        c,
                        b'_' | b'-'
                            | b':'
                            | b'/'
                            | b'@'
                            | b'#'
                            | b'='
                            | b','
                            | b'%'
                            | b'&'
                            | b'!'
                            | b'~'
                            | b'\''
                            | b'"'
                            | b' '
                    ) =>
                {
                    set |= 1 << c;
                    i += 1;
                }
                _ => return None,
            }
            let (min, max) = match bytes.get(i) {
                Some(b'+') => {
                    i += 1;
                    (1, usize::MAX)
                }
                Some(b'*') => {
                    i += 1;
                    (0, usize::MAX)
                }
                Some(b'?') => {
                    i += 1;
                    (0, 1)
                }
                Some(b'{') => {
                    let close = i + bytes[i..].iter().position(|b| *b == b'}')?;
                    let inner = std::str::from_utf8(&bytes[i + 1..close]).ok()?;
                    i = close + 1;
                    match inner.split_once(',') {
                        None => {
                            let n = inner.parse().ok()?;
                            (n, n)
                        }
                        Some((lo, "")) => (lo.parse().ok()?, usize::MAX),
                        Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
                    }
                }
                _ => (1, 1),
            };
            if matches!(bytes.get(i), Some(b'?' | b'+' | b'*' | b'{')) || min > max {
                return None;
            }
            atoms.push(Atom { set, min, max });
        }
        // Greedy is exact only when a repeated atom cannot also eat what the next one needs.
        for pair in atoms.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.min != a.max && a.set & b.set != 0 {
                return None;
            }
            if a.min != a.max && b.min == 0 {
                return None;
            }
        }
        (!atoms.is_empty()).then_some(Simple { atoms })
    }

    fn is_match(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let mut pos = 0;
        for atom in &self.atoms {
            let mut count = 0;
            while count < atom.max {
                match bytes.get(pos) {
                    Some(&b) if b < 128 && atom.set >> b & 1 == 1 => {
                        pos += 1;
                        count += 1;
                    }
                    _ => break,
                }
            }
            if count < atom.min {
                return false;
            }
        }
        pos == bytes.len()
    }
}

/// One character of a bracket class: a literal or an escaped punctuation/`\d`-free char.
fn class_char(bytes: &[u8], i: &mut usize) -> Option<u8> {
    let c = *bytes.get(*i)?;
    if c == b'\\' {
        let e = *bytes.get(*i + 1)?;
        if !e.is_ascii_punctuation() {
            return None;
        }
        *i += 2;
        return Some(e);
    }
    if c >= 128 || c == b'[' {
        return None;
    }
    *i += 1;
    Some(c)
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
    fn property_escapes_are_unicode() {
        let letters = Pattern::new("^\\p{Letter}+$").unwrap();
        assert!(letters.is_match("Hello") && letters.is_match("π"));
        assert!(!letters.is_match("p{Letter}"));
        assert!(Pattern::new("^a\\_b$").unwrap().is_match("a_b"));
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
    fn simple_patterns_agree_with_ecma() {
        let cases = [
            (
                "^sha256:[a-f0-9]{64}$",
                "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            ),
            (
                "^sha256:[a-f0-9]{64}$",
                "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0",
            ),
            ("^[A-Z]{3}$", "EUR"),
            ("^[A-Z]{3}$", "EURO"),
            ("^[A-Z]{2}$", "de"),
            ("^proj_[A-Za-z0-9]+$", "proj_123"),
            ("^proj_[A-Za-z0-9]+$", "proj_"),
            ("^WH-[A-Z]{3}-[0-9]{2}$", "WH-BER-01"),
            ("^WH-[A-Z]{3}-[0-9]{2}$", "WH-BER-1"),
            ("^[A-Z0-9]{4,16}$", "SPRING25"),
            ("^[A-Z0-9]{4,16}$", "SP"),
            ("^[a-z]+-[0-9]+$", "abc-12"),
            ("^\\d+\\.\\d+$", "1.5"),
            ("^[A-Z]{3}$", "ÉUR"),
        ];
        for (source, text) in cases {
            let simple = Pattern::new(source).unwrap();
            assert!(matches!(simple, Pattern::Simple(_)), "{source}");
            let ecma = regress::Regex::new(source).unwrap();
            assert_eq!(
                simple.is_match(text),
                ecma.find(text).is_some(),
                "{source:?} on {text:?}"
            );
        }
        // Greedy would be wrong here: not simple.
        for source in [
            "^[a-z]+[a-z]$",
            "^a*a$",
            "^[0-9]+[0-9a-f]*$",
            "^(ab)+$",
            "^a|b$",
        ] {
            assert!(
                !matches!(Pattern::new(source), Ok(Pattern::Simple(_))),
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
