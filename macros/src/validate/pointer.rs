//! Where `#[serde(...)]` puts each value in the JSON: the pointer tokens of violations.
//!
//! Only the keys that move a value are read (`rename`, `rename_all`, `flatten`, `tag`,
//! `untagged`, `transparent`); anything else serde accepts is skipped, and anything it
//! rejects is left for serde's own derive to report.

use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase,
    ToUpperCamelCase,
};
use syn::{Attribute, Expr, Ident, LitStr};

use super::attr::skip_value;

/// What `#[serde(...)]` on the type says about where its fields and variants sit.
pub(crate) struct Container {
    /// `rename_all = "..."`, the rule's name.
    rename_all: Option<String>,
    /// Internally tagged (`tag = "..."`) or `untagged`: a variant's fields sit at the
    /// container's pointer, not under the variant's name.
    pub(crate) in_place: bool,
    /// `transparent`: a newtype struct's field sits at the container's pointer.
    pub(crate) transparent: bool,
}

impl Container {
    pub(crate) fn from_attrs(attrs: &[Attribute]) -> Container {
        let mut container = Container {
            rename_all: None,
            in_place: false,
            transparent: false,
        };
        for attr in serde_attrs(attrs) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename_all") {
                    if let Ok(value) = meta.value().and_then(|value| value.parse::<LitStr>()) {
                        container.rename_all = Some(value.value());
                    }
                } else if meta.path.is_ident("tag") || meta.path.is_ident("untagged") {
                    container.in_place = true;
                    if let Ok(value) = meta.value() {
                        let _ = value.parse::<LitStr>();
                    }
                } else if meta.path.is_ident("transparent") {
                    container.transparent = true;
                } else if let Ok(value) = meta.value() {
                    let _ = value.parse::<Expr>();
                }
                Ok(())
            });
        }
        container
    }

    /// The JSON name of the field `ident` that has no `rename` of its own.
    pub(crate) fn field_name(&self, ident: &Ident) -> String {
        apply_case(self.rename_all.as_deref(), &unraw(ident), false)
    }

    /// The JSON name of the variant `ident` that has no `rename` of its own.
    pub(crate) fn variant_name(&self, ident: &Ident) -> String {
        apply_case(self.rename_all.as_deref(), &unraw(ident), true)
    }
}

/// `#[serde(rename = "...")]` on a field or variant.
pub(crate) fn rename(attrs: &[Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in serde_attrs(attrs) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Ok(value) = meta.value().and_then(|value| value.parse::<LitStr>()) {
                    rename = Some(value.value());
                }
            } else {
                skip_value(&meta);
            }
            Ok(())
        });
    }
    rename
}

/// `#[serde(flatten)]` on a field: its fields sit at the container's pointer.
pub(crate) fn flatten(attrs: &[Attribute]) -> bool {
    let mut found = false;
    for attr in serde_attrs(attrs) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("flatten") {
                found = true;
            }
            if let Ok(value) = meta.value() {
                let _ = value.parse::<Expr>();
            }
            Ok(())
        });
    }
    found
}

fn serde_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident("serde"))
}

/// `name` under serde's `rename_all` rule; fields are already snake case.
fn apply_case(rule: Option<&str>, name: &str, variant: bool) -> String {
    match rule {
        Some("lowercase") => name.to_lowercase(),
        Some("UPPERCASE") => name.to_uppercase(),
        Some("camelCase") => name.to_lower_camel_case(),
        Some("PascalCase") => name.to_upper_camel_case(),
        Some("snake_case") if variant => name.to_snake_case(),
        Some("snake_case") => name.to_owned(),
        Some("SCREAMING_SNAKE_CASE") => name.to_shouty_snake_case(),
        Some("kebab-case") => name.to_kebab_case(),
        Some("SCREAMING-KEBAB-CASE") => name.to_shouty_kebab_case(),
        _ => name.to_owned(),
    }
}

fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}
