//! `#[event(...)]` attributes, parsed once into typed settings.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Token};

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
        })
    }
}

/// The keys seen so far, and the valid value of each, indexed like [`KEYS`].
#[derive(Default)]
struct Values {
    mentioned: [bool; KEYS.len()],
    lits: [Option<LitStr>; KEYS.len()],
}

/// One `key = value` (or a bare `key`, which is an error reported with a clear message).
struct Entry {
    key: Ident,
    value: Option<Expr>,
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `type` is a keyword, so a plain `Ident` parse would refuse it.
        let key = input.call(Ident::parse_any)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Entry { key, value })
    }
}

impl Entry {
    /// Checks the entry and stores its value in the slot of its key, if it is the first.
    fn record(self, cx: &mut Ctxt, values: &mut Values) {
        let name = self.key.unraw().to_string();
        let Some(slot) = KEYS.iter().position(|key| *key == name) else {
            cx.error_spanned_by(&self.key, unknown_key_message(&name));
            return;
        };
        if std::mem::replace(&mut values.mentioned[slot], true) {
            cx.error_spanned_by(&self.key, format_args!("duplicate `{name}`: give it once"));
            return;
        }
        match self.value {
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            })) => values.lits[slot] = Some(lit),
            Some(other) => cx.error_spanned_by(
                other,
                format_args!("`{name}` takes a string literal, as in `{name} = \"...\"`"),
            ),
            None => cx.error_spanned_by(
                &self.key,
                format_args!("`{name}` takes a value, as in `{name} = \"...\"`"),
            ),
        }
    }
}

fn unknown_key_message(name: &str) -> String {
    let expected = KEYS.map(|key| format!("`{key}`")).join(", ");
    // `contentType`, `ContentType` and the like are the same key in another case.
    let folded = |key: &str| key.replace('_', "").to_ascii_lowercase();
    match KEYS.iter().find(|key| folded(key) == folded(name)) {
        Some(key) => format!("unknown key `{name}` in `#[event]`; did you mean `{key}`?"),
        None => format!("unknown key `{name}` in `#[event]`; expected one of {expected}"),
    }
}
