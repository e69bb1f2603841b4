//! Validate attributes: every `#[validate(...)]` parsed once into typed [`Checks`].
//!
//! Each value is checked on its own here, at compile time: patterns compile as ECMA-262, JSON
//! texts parse, formats are known, limits are number literals. So the statics the expansion
//! builds from them cannot fail at run time. Rules between keys are in `check`.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Ident, Lit, LitInt, LitStr, Path, UnOp};

use crate::ctxt::Ctxt;

/// Where a whole-value schema comes from.
#[derive(Clone)]
pub(crate) enum SchemaSource {
    /// `schema = "JSON"`: a schema of its own, as text that parses.
    Text(String),
    /// `schema_in(DOCUMENT, "/definitions/Pet")`: an entry of a `static` in scope of type
    /// `::tidings::checks::SchemaDocument` (generated code shares one document per module).
    In { document: Path, pointer: String },
}

/// `schema` and `schema_in` together, or either twice.
const ONE_SCHEMA: &str = "one schema per value: `schema = \"...\"` or `schema_in(...)`, once";

/// The attribute's name.
const VALIDATE: &str = "validate";

/// The name users write for the format variant `variant`.
pub(crate) fn format_name(variant: &str) -> Option<&'static str> {
    FORMATS
        .iter()
        .find(|(_, v)| *v == variant)
        .map(|(name, _)| *name)
}

/// `format = "..."`: each name users write, and its variant of `::tidings::checks::Format`.
/// The macro cannot see the runtime's list, and an unknown name deserves an error that lists
/// the known ones: `runtime/tests/formats.rs` derives every `Format` through this table, with
/// an exhaustive match, so the two cannot drift apart.
const FORMATS: &[(&str, &str)] = &[
    ("date-time", "DateTime"),
    ("date", "Date"),
    ("time", "Time"),
    ("uuid", "Uuid"),
    ("email", "Email"),
    ("hostname", "Hostname"),
    ("ipv4", "Ipv4"),
    ("ipv6", "Ipv6"),
    ("uri", "Uri"),
    ("uri-reference", "UriReference"),
    ("iri", "Iri"),
    ("iri-reference", "IriReference"),
];

/// How deep `items(...)` and `values(...)` may nest inside each other.
const MAX_DEPTH: usize = 4;

/// A numeric limit, exact for integers.
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

/// `length(min = N, max = N)`: characters, items or properties.
pub(crate) struct Length {
    pub(crate) min: Option<u64>,
    pub(crate) max: Option<u64>,
    /// `length(...)` as the user wrote it, to report errors on.
    pub(crate) tokens: TokenStream,
}

/// What `#[validate(...)]` asks of one value: a field, or each item or value inside it.
#[derive(Default)]
pub(crate) struct Checks {
    pub(crate) length: Option<Length>,
    /// An ECMA-262 regular expression that compiles.
    pub(crate) pattern: Option<String>,
    pub(crate) minimum: Option<Num>,
    pub(crate) maximum: Option<Num>,
    pub(crate) exclusive_minimum: Option<Num>,
    pub(crate) exclusive_maximum: Option<Num>,
    /// The expression of the `::tidings::checks::Decimal` to divide by, positive.
    pub(crate) multiple_of: Option<TokenStream>,
    /// The same number as its literal's text (a JSON number), for the schema.
    pub(crate) multiple_of_text: Option<String>,
    pub(crate) unique_items: bool,
    /// The variant of `::tidings::checks::Format`.
    pub(crate) format: Option<&'static str>,
    /// A JSON array, as text that parses.
    pub(crate) enumeration: Option<String>,
    /// A JSON value, as text that parses.
    pub(crate) constant: Option<String>,
    /// The JSON Schema of the whole value.
    pub(crate) schema: Option<SchemaSource>,
    /// `schema = "..."` while it is read.
    pub(crate) schema_text: Option<String>,
    /// `items(...)`: the checks of each item of a sequence or tuple.
    pub(crate) items: Option<Box<Checks>>,
    /// `values(...)`: the checks of each value of a map.
    pub(crate) values: Option<Box<Checks>>,
    /// Do not descend into the value's own `Validate`.
    pub(crate) skip: bool,
    /// Every key given, in order, to report a key given where it does not apply.
    pub(crate) keys: Vec<Path>,
}

impl Checks {
    /// Reads every `#[validate(...)]` among `attrs` into one [`Checks`], recording each
    /// problem in `cx` (all of them, not only the first).
    pub(crate) fn from_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> Checks {
        let mut checks = Checks::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident(VALIDATE)) {
            let result = attr.parse_nested_meta(|meta| {
                checks.read_key(cx, meta, 0);
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        checks
    }

    /// Reads one `key`, `key = value` or `key(...)` at `depth` levels of `items`/`values`.
    fn read_key(&mut self, cx: &mut Ctxt, meta: ParseNestedMeta<'_>, depth: usize) {
        let Some(key) = meta.path.get_ident().map(Ident::to_string) else {
            cx.error_spanned_by(&meta.path, "expected a validation key");
            return;
        };
        self.keys.push(meta.path.clone());
        let path = &meta.path;
        match key.as_str() {
            "length" => {
                duplicate(cx, path, &key, self.length.is_some());
                self.read_length(cx, &meta);
            }
            "pattern" => {
                duplicate(cx, path, &key, self.pattern.is_some());
                if let Some(lit) = string_value(cx, &meta) {
                    match regress::Regex::new(&lit.value()) {
                        Ok(_) => self.pattern = Some(lit.value()),
                        Err(err) => cx.error_spanned_by(
                            &lit,
                            format!("not an ECMA-262 regular expression: {err}"),
                        ),
                    }
                }
            }
            "minimum" | "maximum" | "exclusive_minimum" | "exclusive_maximum" => {
                let slot = match key.as_str() {
                    "minimum" => &mut self.minimum,
                    "maximum" => &mut self.maximum,
                    "exclusive_minimum" => &mut self.exclusive_minimum,
                    _ => &mut self.exclusive_maximum,
                };
                duplicate(cx, path, &key, slot.is_some());
                match meta.value().and_then(|value| value.parse::<Expr>()) {
                    Ok(expr) => match number(&expr) {
                        Some((num, _)) => *slot = Some(num),
                        None => {
                            cx.error_spanned_by(&expr, format!("`{key}` takes a number literal"))
                        }
                    },
                    Err(err) => cx.syn_error(err),
                }
            }
            "multiple_of" => {
                duplicate(cx, path, &key, self.multiple_of.is_some());
                match meta.value().and_then(|value| value.parse::<Expr>()) {
                    Ok(expr) => match divisor(&expr) {
                        Some(divisor) => {
                            self.multiple_of = Some(divisor);
                            self.multiple_of_text = positive_literal(&expr);
                        }
                        None => cx.error_spanned_by(
                            &expr,
                            "`multiple_of` takes a positive number literal",
                        ),
                    },
                    Err(err) => cx.syn_error(err),
                }
            }
            "unique_items" => {
                duplicate(cx, path, &key, self.unique_items);
                self.unique_items = true;
            }
            "skip" => self.skip = true,
            "format" => {
                duplicate(cx, path, &key, self.format.is_some());
                if let Some(lit) = string_value(cx, &meta) {
                    match FORMATS.iter().find(|(name, _)| *name == lit.value()) {
                        Some((_, variant)) => self.format = Some(variant),
                        None => {
                            let known: Vec<&str> = FORMATS.iter().map(|(name, _)| *name).collect();
                            cx.error_spanned_by(
                                &lit,
                                format!("unknown format; known: {}", known.join(", ")),
                            );
                        }
                    }
                }
            }
            "enumeration" | "constant" | "schema" => {
                let schema_given = key == "schema" && self.schema.is_some();
                let slot = match key.as_str() {
                    "enumeration" => &mut self.enumeration,
                    "constant" => &mut self.constant,
                    _ => &mut self.schema_text,
                };
                duplicate(cx, path, &key, slot.is_some());
                if schema_given {
                    cx.error_spanned_by(path, ONE_SCHEMA);
                }
                if let Some(lit) = string_value(cx, &meta) {
                    match serde_json::from_str::<serde_json::Value>(&lit.value()) {
                        Ok(value) => {
                            if key == "enumeration" && !value.is_array() {
                                cx.error_spanned_by(&lit, "`enumeration` takes a JSON array");
                            }
                            *slot = Some(lit.value());
                        }
                        Err(err) => cx.error_spanned_by(&lit, format!("not JSON: {err}")),
                    }
                }
                if let Some(text) = self.schema_text.take() {
                    self.schema = Some(SchemaSource::Text(text));
                }
            }
            "schema_in" => {
                if self.schema.is_some() {
                    cx.error_spanned_by(path, ONE_SCHEMA);
                }
                let parsed = (|| {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let document: Path = content.parse()?;
                    content.parse::<syn::Token![,]>()?;
                    let pointer: LitStr = content.parse()?;
                    let _ = content.parse::<Option<syn::Token![,]>>()?;
                    Ok::<_, syn::Error>((document, pointer))
                })();
                match parsed {
                    Ok((document, pointer)) if pointer.value().starts_with('/') => {
                        self.schema = Some(SchemaSource::In {
                            document,
                            pointer: pointer.value(),
                        });
                    }
                    Ok((_, pointer)) => cx.error_spanned_by(
                        &pointer,
                        "a JSON pointer into the document starts with `/` (`\"/definitions/Pet\"`)",
                    ),
                    Err(err) => cx.syn_error(err),
                }
            }
            "items" | "values" => {
                if depth >= MAX_DEPTH {
                    let message = format!("`items`/`values` nest at most {MAX_DEPTH} deep");
                    cx.error_spanned_by(path, message);
                    return;
                }
                let mut inner = Checks::default();
                let result = meta.parse_nested_meta(|meta| {
                    inner.read_key(cx, meta, depth + 1);
                    Ok(())
                });
                if let Err(err) = result {
                    cx.syn_error(err);
                }
                let slot = if key == "items" {
                    &mut self.items
                } else {
                    &mut self.values
                };
                duplicate(cx, path, &key, slot.is_some());
                *slot = Some(Box::new(inner));
            }
            _ => {
                cx.error_spanned_by(
                    path,
                    format!(
                        "unknown validation key `{key}`; expected one of: length, pattern, minimum, \
                         maximum, exclusive_minimum, exclusive_maximum, multiple_of, unique_items, \
                         format, enumeration, constant, schema, schema_in, items, values, skip"
                    ),
                );
                skip_value(&meta);
            }
        }
    }

    /// `length(min = N, max = N)`; a second `length(...)` adds to the first (and is
    /// reported as a duplicate).
    fn read_length(&mut self, cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) {
        let path = &meta.path;
        let group = meta.input.fork().parse::<TokenTree>().ok();
        let length = self.length.get_or_insert_with(|| Length {
            min: None,
            max: None,
            tokens: quote!(#path #group),
        });
        let result = meta.parse_nested_meta(|inner| {
            let which = inner
                .path
                .get_ident()
                .map(Ident::to_string)
                .unwrap_or_default();
            let lit: LitInt = inner.value()?.parse()?;
            let n: u64 = lit.base10_parse()?;
            match which.as_str() {
                "min" => length.min = Some(n),
                "max" => length.max = Some(n),
                _ => return Err(inner.error("expected `min` or `max`")),
            }
            Ok(())
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
}

fn duplicate(cx: &mut Ctxt, path: &Path, key: &str, already: bool) {
    if already {
        cx.error_spanned_by(path, format!("duplicate `{key}`"));
    }
}

/// Consumes the value of an unknown key, so that parsing goes on to the next key.
pub(super) fn skip_value(meta: &ParseNestedMeta<'_>) {
    if let Ok(value) = meta.value() {
        let _ = value.parse::<Expr>();
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|inner| {
            if let Ok(value) = inner.value() {
                let _ = value.parse::<Expr>();
            }
            Ok(())
        });
    }
}

fn string_value(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> Option<LitStr> {
    match meta.value().and_then(|value| value.parse::<Lit>()) {
        Ok(Lit::Str(lit)) => Some(lit),
        Ok(other) => {
            cx.error_spanned_by(&other, "expected a string literal");
            None
        }
        Err(err) => {
            cx.syn_error(err);
            None
        }
    }
}

/// A number literal (optionally negated), and its text.
fn number(expr: &Expr) -> Option<(Num, String)> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(int) => Some((
                Num::Int(int.base10_parse().ok()?),
                int.base10_digits().to_owned(),
            )),
            Lit::Float(float) => Some((
                Num::Float(float.base10_parse().ok()?),
                float.base10_digits().to_owned(),
            )),
            _ => None,
        },
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match number(&unary.expr)? {
            (Num::Int(int), text) => Some((Num::Int(-int), format!("-{text}"))),
            (Num::Float(float), text) => Some((Num::Float(-float), format!("-{text}"))),
        },
        Expr::Group(group) => number(&group.expr),
        _ => None,
    }
}

/// `multiple_of`'s value, a positive number literal, as the expression of the
/// `::tidings::checks::Decimal` the check divides by: the runtime parses the literal's text at
/// compile time (a `const` block), so the macro holds no decimal arithmetic of its own.
fn divisor(expr: &Expr) -> Option<TokenStream> {
    let text = positive_literal(expr)?;
    Some(quote!(const { ::tidings::checks::Decimal::from_literal(#text) }))
}

/// The text of a number literal that is greater than zero: not negated, and with a digit
/// other than `0` before any exponent.
fn positive_literal(expr: &Expr) -> Option<String> {
    let (_, text) = number(expr)?;
    let digits = text.split(['e', 'E']).next().unwrap_or_default();
    let positive = !text.starts_with('-') && digits.bytes().any(|b| matches!(b, b'1'..=b'9'));
    positive.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::positive_literal;

    #[test]
    fn divisors_are_positive_literals() {
        let text = |source: &str| positive_literal(&syn::parse_str(source).unwrap());
        assert_eq!(text("0.01").as_deref(), Some("0.01"));
        assert_eq!(text("1e-3").as_deref(), Some("1e-3"));
        assert_eq!(text("3").as_deref(), Some("3"));
        assert_eq!(text("0"), None);
        assert_eq!(text("0.0e5"), None);
        assert_eq!(text("-0.5"), None);
        assert_eq!(text("\"0.5\""), None);
    }
}
