//! Event attributes: every `#[event(...)]` parsed once into typed, checked settings.
//!
//! The keys: `type`, `version`, `content_type`, `channel`, `source` and `subject`, each a
//! string literal given at most once, and `upcast(from = Type, version = "...")`, once per
//! older schema version that the type reads and converts (with `From`) into itself.

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::token::Paren;
use syn::{parenthesized, Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Token, Type};

use crate::ctxt::Ctxt;

/// The attribute's name.
pub(crate) const EVENT: &str = "event";

/// What `#[event(...)]` says about the type; the defaults are filled in.
pub(crate) struct Container {
    /// `type`: the event type, never empty.
    pub(crate) event_type: String,
    pub(crate) version: Option<String>,
    /// `content_type`, `"application/json"` if absent; never empty.
    pub(crate) content_type: String,
    pub(crate) channel: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) subject: Option<String>,
    /// `upcast(...)`, in the order given; their versions are distinct, none is `version`.
    pub(crate) upcasts: Vec<Upcast>,
}

/// `upcast(from = OldType, version = "1.0.0")`: data of the older schema `version` is read
/// as `from` and converted into the type with `From`.
pub(crate) struct Upcast {
    /// The type that reads the older version, as the user wrote it (its spans are kept, so
    /// that a missing `impl From<OldType>` is reported on them).
    pub(crate) from: Type,
    /// Never empty.
    pub(crate) version: String,
}

const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// Every key, in the order error messages list them; `type` comes first.
const KEYS: [&str; 6] = [
    "type",
    "version",
    "content_type",
    "channel",
    "source",
    "subject",
];

/// The repeatable key, which takes a list rather than a string.
const UPCAST: &str = "upcast";

/// How [`UPCAST`] is written, for error messages.
const UPCAST_USAGE: &str = "upcast(from = Type, version = \"...\")";

/// The keys inside `upcast(...)`, indexed like `UpcastValues::mentioned`.
const UPCAST_KEYS: [&str; 2] = ["from", "version"];

impl Container {
    /// Parses every `#[event]` among `attrs`, recording each problem in `cx`.
    ///
    /// `None` only if a problem was recorded; the problems of all attributes are recorded,
    /// not only the first.
    pub(crate) fn from_attrs(cx: &mut Ctxt, ident: &Ident, attrs: &[Attribute]) -> Option<Self> {
        let mut values = Values::default();
        let mut first_attr = None;
        let mut unparsed = false;

        for attr in attrs.iter().filter(|attr| attr.path().is_ident(EVENT)) {
            first_attr.get_or_insert(attr);
            let Meta::List(list) = &attr.meta else {
                unparsed = true;
                cx.error_spanned_by(
                    &attr.meta,
                    "expected a list of keys, as in `#[event(type = \"...\", version = \"...\")]`",
                );
                continue;
            };
            match list.parse_args_with(Punctuated::<Entry, Token![,]>::parse_terminated) {
                Ok(entries) => {
                    for entry in entries {
                        entry.record(cx, &mut values);
                    }
                }
                Err(err) => {
                    unparsed = true;
                    cx.syn_error(err);
                }
            }
        }

        let [type_mentioned, ..] = values.mentioned;
        let [event_type, version, content_type, channel, source, subject] = values.lits;
        let value = |lit: Option<LitStr>| lit.map(|lit| lit.value());

        for (key, lit) in [("type", &event_type), ("content_type", &content_type)] {
            if let Some(lit) = lit.as_ref().filter(|lit| lit.value().trim().is_empty()) {
                cx.error_spanned_by(lit, format_args!("`{key}` must not be empty"));
            }
        }
        let upcasts = check_upcasts(cx, values.upcasts, version.as_ref());

        let Some(event_type) = value(event_type) else {
            // A `type` with a wrong value, or lost in an attribute that did not parse, was
            // reported there already; it is not reported missing as well.
            if !unparsed && !type_mentioned {
                let message =
                    "missing `type`: add `#[event(type = \"...\")]` with the event type, \
                               the message name in the spec";
                match first_attr {
                    Some(attr) => cx.error_spanned_by(attr, message),
                    None => cx.error_spanned_by(ident, message),
                }
            }
            return None;
        };

        Some(Container {
            event_type,
            version: value(version),
            content_type: value(content_type).unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
            channel: value(channel),
            source: value(source),
            subject: value(subject),
            upcasts,
        })
    }
}

/// The keys seen so far, and the valid value of each, indexed like [`KEYS`]; and every
/// well-formed `upcast(...)`, in order, not yet checked against each other.
#[derive(Default)]
struct Values {
    mentioned: [bool; KEYS.len()],
    lits: [Option<LitStr>; KEYS.len()],
    upcasts: Vec<(Type, LitStr)>,
}

/// One `key = value`, `key(...)`, or a bare `key` (an error reported with a clear message).
struct Entry {
    key: Ident,
    value: Value,
}

enum Value {
    None,
    Expr(Expr),
    /// `key(...)`: the parentheses, and the entries inside them.
    List(Paren, Punctuated<InnerEntry, Token![,]>),
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `type` is a keyword, so a plain `Ident` parse would refuse it.
        let key = input.call(Ident::parse_any)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Value::Expr(input.parse()?)
        } else if input.peek(Paren) {
            let content;
            let paren = parenthesized!(content in input);
            Value::List(paren, content.call(Punctuated::parse_terminated)?)
        } else {
            Value::None
        };
        Ok(Entry { key, value })
    }
}

impl Entry {
    /// Checks the entry and stores its value in the slot of its key, if it is the first.
    fn record(self, cx: &mut Ctxt, values: &mut Values) {
        let name = self.key.unraw().to_string();
        if name == UPCAST {
            return record_upcast(cx, self.key, self.value, values);
        }
        let Some(slot) = KEYS.iter().position(|key| *key == name) else {
            cx.error_spanned_by(&self.key, unknown_key_message(&name));
            return;
        };
        if std::mem::replace(&mut values.mentioned[slot], true) {
            cx.error_spanned_by(&self.key, format_args!("duplicate `{name}`: give it once"));
            return;
        }
        match self.value {
            Value::Expr(Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            })) => values.lits[slot] = Some(lit),
            Value::Expr(other) => cx.error_spanned_by(
                other,
                format_args!("`{name}` takes a string literal, as in `{name} = \"...\"`"),
            ),
            Value::List(paren, _) => cx.error_spanned_by(
                spanning(&self.key, paren),
                format_args!("`{name}` takes a string literal, as in `{name} = \"...\"`"),
            ),
            Value::None => cx.error_spanned_by(
                &self.key,
                format_args!("`{name}` takes a value, as in `{name} = \"...\"`"),
            ),
        }
    }
}

/// One `key = value` (or a bare `key`) inside `upcast(...)`.
struct InnerEntry {
    key: Ident,
    value: Option<InnerValue>,
}

/// `from` takes a type, which is not an expression (`Vec<u8>`); anything else, and a literal
/// given to `from` by mistake, is read as an expression, so that it is reported clearly.
enum InnerValue {
    Type(Type),
    Expr(Expr),
}

impl Parse for InnerEntry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = input.call(Ident::parse_any)?;
        if !input.peek(Token![=]) {
            return Ok(InnerEntry { key, value: None });
        }
        input.parse::<Token![=]>()?;
        let value = if key == "version" || input.peek(Lit) {
            InnerValue::Expr(input.parse()?)
        } else {
            InnerValue::Type(input.parse()?)
        };
        Ok(InnerEntry {
            key,
            value: Some(value),
        })
    }
}

/// Checks one `upcast(...)` on its own and, if it is well-formed, keeps it in `values`.
fn record_upcast(cx: &mut Ctxt, key: Ident, value: Value, values: &mut Values) {
    let (paren, entries) = match value {
        Value::List(paren, entries) => (paren, entries),
        Value::Expr(expr) => {
            let message = format!("`upcast` takes a list, as in `{UPCAST_USAGE}`");
            return cx.error_spanned_by(expr, message);
        }
        Value::None => {
            let message = format!("`upcast` takes a list, as in `{UPCAST_USAGE}`");
            return cx.error_spanned_by(key, message);
        }
    };

    let mut mentioned = [false; UPCAST_KEYS.len()];
    let mut from = None;
    let mut version = None;
    for entry in entries {
        let name = entry.key.unraw().to_string();
        let Some(slot) = UPCAST_KEYS.iter().position(|key| *key == name) else {
            let message = match suggestion(&name, &UPCAST_KEYS) {
                Some(slot) => {
                    // Reported as a misspelling, so not as missing as well.
                    mentioned[slot] = true;
                    let key = UPCAST_KEYS[slot];
                    format!("unknown key `{name}` in `upcast(...)`; did you mean `{key}`?")
                }
                None => {
                    format!("unknown key `{name}` in `upcast(...)`; expected `from` or `version`")
                }
            };
            cx.error_spanned_by(&entry.key, message);
            continue;
        };
        if std::mem::replace(&mut mentioned[slot], true) {
            let message = format!("duplicate `{name}` in `upcast(...)`: give it once");
            cx.error_spanned_by(&entry.key, message);
            continue;
        }
        match (name.as_str(), entry.value) {
            ("from", Some(InnerValue::Type(ty))) => from = Some(ty),
            ("from", Some(InnerValue::Expr(expr))) => cx.error_spanned_by(
                expr,
                "`from` takes a type, the one that reads the older version, as in `from = OldType`",
            ),
            ("from", None) => cx.error_spanned_by(
                &entry.key,
                "`from` takes a type, the one that reads the older version, as in `from = OldType`",
            ),
            (
                _,
                Some(InnerValue::Expr(Expr::Lit(ExprLit {
                    lit: Lit::Str(lit), ..
                }))),
            ) => {
                if lit.value().trim().is_empty() {
                    cx.error_spanned_by(&lit, "`version` must not be empty");
                } else {
                    version = Some(lit);
                }
            }
            (_, Some(InnerValue::Expr(expr))) => cx.error_spanned_by(
                expr,
                "`version` takes a string literal, as in `version = \"...\"`",
            ),
            // `version` is always read as an expression.
            (_, Some(InnerValue::Type(ty))) => cx.error_spanned_by(
                ty,
                "`version` takes a string literal, as in `version = \"...\"`",
            ),
            (_, None) => cx.error_spanned_by(
                &entry.key,
                "`version` takes a value, as in `version = \"...\"`",
            ),
        }
    }

    // A key with a wrong value was reported there already; it is not reported missing too.
    let whole = spanning(&key, paren);
    match mentioned {
        [false, false] => cx.error_spanned_by(
            whole,
            "missing `from` and `version` in `upcast(...)`: add `from = OldType, version = \
             \"...\"`, an older schema version and the type that reads it",
        ),
        [false, true] => cx.error_spanned_by(
            whole,
            "missing `from` in `upcast(...)`: add `from = OldType`, the type that reads the \
             older version",
        ),
        [true, false] => cx.error_spanned_by(
            whole,
            "missing `version` in `upcast(...)`: add `version = \"...\"`, the older schema \
             version that `from` reads",
        ),
        [true, true] => {}
    }
    if let (Some(from), Some(version)) = (from, version) {
        values.upcasts.push((from, version));
    }
}

/// Checks the `upcast(...)` entries against each other and against the type's own
/// `version`, and keeps those that pass.
fn check_upcasts(
    cx: &mut Ctxt,
    upcasts: Vec<(Type, LitStr)>,
    own_version: Option<&LitStr>,
) -> Vec<Upcast> {
    let own_version = own_version.map(LitStr::value);
    let mut checked: Vec<Upcast> = Vec::with_capacity(upcasts.len());
    for (from, lit) in upcasts {
        let version = lit.value();
        if own_version.as_ref() == Some(&version) {
            let message = format!(
                "`{version}` is this type's own version, read as the type itself; `upcast` is \
                 for older versions"
            );
            cx.error_spanned_by(&lit, message);
        } else if checked.iter().any(|upcast| upcast.version == version) {
            let message = format!(
                "duplicate `upcast` of version `{version}`: an older version is read by one \
                 type only"
            );
            cx.error_spanned_by(&lit, message);
        } else {
            checked.push(Upcast { from, version });
        }
    }
    checked
}

/// Tokens that span from `key` to the closing parenthesis of `paren`, to report an error
/// on a whole `key(...)`.
fn spanning(key: &Ident, paren: Paren) -> proc_macro2::TokenStream {
    let mut tokens = key.to_token_stream();
    paren.surround(&mut tokens, |_| {});
    tokens
}

fn unknown_key_message(name: &str) -> String {
    let keys: Vec<&str> = KEYS.iter().copied().chain([UPCAST]).collect();
    if let Some(slot) = suggestion(name, &keys) {
        let key = keys[slot];
        return format!("unknown key `{name}` in `#[event]`; did you mean `{key}`?");
    }
    let expected = KEYS
        .iter()
        .copied()
        .chain([UPCAST_USAGE])
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("unknown key `{name}` in `#[event]`; expected one of {expected}")
}

/// The index of the key of `keys` that `name` only differs from in case or underscores, if
/// any: `contentType`, `ContentType` and the like are `content_type` in another case.
fn suggestion(name: &str, keys: &[&str]) -> Option<usize> {
    let folded = |key: &str| key.replace('_', "").to_ascii_lowercase();
    keys.iter().position(|key| folded(key) == folded(name))
}
