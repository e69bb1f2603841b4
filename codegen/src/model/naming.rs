//! Rust names from spec names: valid, readable, distinct, and the same every run.
//!
//! Spec names can be anything: `type`, `123start`, `with-dash`, `with space`, ``, `café`, or
//! two names that differ only in case or punctuation. Each becomes a valid identifier in the
//! conventional case; collisions inside one scope get a numeric suffix in order of appearance.

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict, reserved and weak ones that matter in identifier position).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "union",
];

/// Type names that generated code relies on, or that would shadow the prelude.
const RESERVED_TYPES: &[&str] = &[
    "Self",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Message",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Send",
    "Sync",
    "Sized",
    "From",
    "Into",
    "Iterator",
    "ToString",
    "ToOwned",
];

/// Splits `raw` into an ASCII word soup that heck can case: non-ASCII letters become `uXXXX`.
fn ascii_words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_alphanumeric() {
            out.push_str(&format!("_u{:04x}_", c as u32));
        } else {
            out.push('_');
        }
    }
    out
}

/// `UpperCamelCase` type or variant name for `raw`, before de-duplication.
pub fn type_name(raw: &str) -> String {
    let mut name = ascii_words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Empty".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("N{name}");
    }
    if RESERVED_TYPES.contains(&name.as_str()) || KEYWORDS.contains(&name.as_str()) {
        name.push_str("Type");
    }
    name
}

/// `snake_case` field, function or module name for `raw`, before de-duplication.
pub fn field_name(raw: &str) -> String {
    let mut name = ascii_words(raw).to_snake_case();
    if name.is_empty() {
        name = "empty".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("_{name}");
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// `SCREAMING_SNAKE_CASE` constant name for `raw`.
pub fn const_name(raw: &str) -> String {
    let name = field_name(raw).trim_end_matches('_').to_ascii_uppercase();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// Hands out distinct names within one scope.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// A scope where `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Takes `candidate`, or `candidate2`, `candidate3`, ... (with `_` for snake case).
    pub fn take(&mut self, candidate: &str) -> String {
        if self.taken.insert(candidate.to_string()) {
            return candidate.to_string();
        }
        let snake = candidate.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
        (2..)
            .map(|n| {
                if snake {
                    format!("{}_{n}", candidate.trim_end_matches('_'))
                } else {
                    format!("{candidate}{n}")
                }
            })
            .find(|name| self.taken.insert(name.clone()))
            .unwrap_or_default()
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// Names the function behind each field default that `Default::default()` does not give:
/// `default_<type>_<field>`.
pub(crate) fn default_functions(types: &mut [super::TypeDef]) {
    use super::{Default, Struct, TypeKind, VariantContent};
    for def in types {
        let owner = def.rust_name.to_snake_case();
        let structs: Vec<&mut Struct> = match &mut def.kind {
            TypeKind::Struct(s) => vec![s],
            TypeKind::Union(u) => u
                .variants
                .iter_mut()
                .filter_map(|v| match &mut v.content {
                    VariantContent::Fields(s) => Some(s),
                    VariantContent::Type(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for s in structs {
            for field in &mut s.fields {
                if let Some(Default::Value { function, .. }) = &mut field.default {
                    *function =
                        format!("default_{owner}_{}", field.rust_name.trim_end_matches('_'));
                }
            }
        }
    }
}

/// Names the generated crate's example tests, once the examples are checked: one per payload
/// (`order_placed_example_1`, `_is_rejected` or `_is_lossy` for a payload that contradicts its
/// schema) and one per headers example that fits, all distinct.
pub(crate) fn example_tests(catalog: &mut super::Catalog) {
    let mut scope = Scope::default();
    let (types, messages) = (&catalog.types, &mut catalog.messages);
    for m in messages.iter_mut() {
        let type_name = &types[m.type_id.0].rust_name;
        let has_headers = m.headers.is_some();
        for (n, example) in m.examples.iter_mut().enumerate() {
            let base = field_name(&format!("{type_name} example {}", n + 1));
            example.payload_test = match (&example.payload, &example.payload_mismatch) {
                (Some(_), Some(mismatch)) => {
                    let lossy = mismatch.contains(super::examples::LOSSY);
                    let suffix = if lossy { "_is_lossy" } else { "_is_rejected" };
                    Some(scope.take(&format!("{base}{suffix}")))
                }
                (Some(_), None) => Some(scope.take(&base)),
                (None, _) => None,
            };
            example.headers_test =
                (example.headers.is_some() && has_headers && example.headers_mismatch.is_none())
                    .then(|| scope.take(&format!("{base}_headers")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_std_names() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("Self"), "self_");
        assert_eq!(field_name("crate"), "crate_");
        assert_eq!(field_name("async"), "async_");
        assert_eq!(field_name("match"), "match_");
        assert_eq!(type_name("self"), "SelfType");
        assert_eq!(type_name("Option"), "OptionType");
        assert_eq!(type_name("result"), "ResultType");
        assert_eq!(type_name("String"), "StringType");
        assert_eq!(type_name("vec"), "VecType");
        assert_eq!(type_name("Box"), "BoxType");
        assert_eq!(type_name("type"), "Type");
    }

    #[test]
    fn non_identifiers() {
        assert_eq!(field_name("123start"), "_123start");
        assert_eq!(type_name("123start"), "N123start");
        assert_eq!(field_name("with-dash"), "with_dash");
        assert_eq!(field_name("with space"), "with_space");
        assert_eq!(type_name("with space"), "WithSpace");
        assert_eq!(field_name(""), "empty");
        assert_eq!(type_name(""), "Empty");
        assert_eq!(field_name("café"), "caf_u00e9");
        assert_eq!(type_name("日本"), "U65e5U672c");
        assert_eq!(field_name("$ref"), "ref_");
        assert_eq!(type_name("com.acme.order.created"), "ComAcmeOrderCreated");
        assert_eq!(const_name("in-transit"), "IN_TRANSIT");
    }

    #[test]
    fn collisions_stay_distinct_and_deterministic() {
        let mut scope = Scope::default();
        let names: Vec<_> = ["fooBar", "foo_bar", "foo-bar"]
            .iter()
            .map(|raw| scope.take(&field_name(raw)))
            .collect();
        assert_eq!(names, ["foo_bar", "foo_bar_2", "foo_bar_3"]);

        let mut scope = Scope::default();
        let names: Vec<_> = ["in-transit", "IN_TRANSIT", "a b", "A_B", "a-b"]
            .iter()
            .map(|raw| scope.take(&type_name(raw)))
            .collect();
        assert_eq!(names, ["InTransit", "InTransit2", "AB", "AB2", "AB3"]);
    }

    #[test]
    fn every_name_is_an_identifier() {
        let raws = [
            "type",
            "self",
            "Self",
            "crate",
            "super",
            "123start",
            "with-dash",
            "with space",
            "",
            "café",
            "__",
            "_",
            "-",
            "😀",
            "a\u{202e}b",
            "0",
            "None",
            "Some",
        ];
        for raw in raws {
            for name in [field_name(raw), type_name(raw)] {
                assert!(
                    syn::parse_str::<syn::Ident>(&name).is_ok(),
                    "`{name}` (from {raw:?}) is not an identifier"
                );
            }
        }
    }
}
