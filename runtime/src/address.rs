//! Channel addresses: templates with `{parameter}` segments, filled by publishers and matched
//! by subscriptions.
//!
//! ```
//! use herald::address::{fill, matches};
//!
//! let address = fill("acme/orders/{orderId}", &[("orderId", "o-17")]).unwrap();
//! assert_eq!(address, "acme/orders/o-17");
//! assert!(matches("acme/orders/{orderId}", &address));
//! assert!(!matches("acme/orders/{orderId}", "acme/payments/o-17"));
//! assert!(matches("#", "anything/at/all"));
//!
//! // A value that would change the address's shape is refused.
//! assert!(fill("acme/orders/{orderId}", &[("orderId", "o/17")]).is_err());
//! ```

/// A subscription pattern that matches every address.
pub const ANY: &str = "#";

/// Why a channel address could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The template names a parameter that was not given.
    #[error("no value for the parameter `{name}` of `{template}`")]
    Missing {
        /// The template.
        template: String,
        /// The parameter.
        name: String,
    },
    /// A value is empty or holds a character that separates or matches segments on some
    /// broker (`/`, `.`, `*`, `>`, `#`, `+`, whitespace or a control character).
    #[error("the value {value:?} of the parameter `{name}` cannot be part of an address")]
    Value {
        /// The parameter.
        name: String,
        /// The refused value.
        value: String,
    },
    /// A `{` without its `}`.
    #[error("the address template `{template}` has an unclosed `{{`")]
    Template {
        /// The template.
        template: String,
    },
}

/// Builds an address from `template` by replacing each `{name}` with its value in `params`.
///
/// Values must be non-empty and free of segment separators and wildcards, so that the address
/// has the template's shape on every broker.
pub fn fill(template: &str, params: &[(&str, &str)]) -> Result<String, AddressError> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| AddressError::Template {
            template: template.to_owned(),
        })?;
        let name = &after[..close];
        let value = params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| AddressError::Missing {
                template: template.to_owned(),
                name: name.to_owned(),
            })?;
        if !is_segment_value(value) {
            return Err(AddressError::Value {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether `address` has the shape of `pattern`: literal text must be equal and each
/// `{name}` stands for one or more characters other than `/`. The pattern [`ANY`] matches
/// every address.
pub fn matches(pattern: &str, address: &str) -> bool {
    if pattern == ANY {
        return true;
    }
    match_from(pattern, address)
}

fn match_from(pattern: &str, address: &str) -> bool {
    let Some(open) = pattern.find('{') else {
        return pattern == address;
    };
    let (literal, after) = pattern.split_at(open);
    let Some(address) = address.strip_prefix(literal) else {
        return false;
    };
    let Some(close) = after.find('}') else {
        return false;
    };
    let rest = &after[close + 1..];
    // The parameter takes a non-empty run without `/`; try each length so that a literal
    // right after it (`{id}.json`) can still match.
    let limit = address.find('/').unwrap_or(address.len());
    (1..=limit)
        .rev()
        .filter(|end| address.is_char_boundary(*end))
        .any(|end| match_from(rest, &address[end..]))
}

fn is_segment_value(value: &str) -> bool {
    !value.is_empty()
        && !value.chars().any(|c| {
            matches!(c, '/' | '.' | '*' | '>' | '#' | '+') || c.is_whitespace() || c.is_control()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_parameter() {
        assert_eq!(
            fill(
                "nx/{projectId}/deployments/{environment}",
                &[("environment", "staging"), ("projectId", "proj_1")]
            )
            .unwrap(),
            "nx/proj_1/deployments/staging"
        );
        assert_eq!(fill("plain", &[]).unwrap(), "plain");
        assert!(matches!(
            fill("a/{x}", &[]),
            Err(AddressError::Missing { name, .. }) if name == "x"
        ));
        assert!(matches!(
            fill("a/{x", &[("x", "1")]),
            Err(AddressError::Template { .. })
        ));
        for bad in ["", "a b", "a.b", "*", ">", "a#", "a+b", "x\n"] {
            assert!(fill("a/{x}", &[("x", bad)]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn matches_by_shape() {
        let p = "nx/{projectId}/deployments/{environment}";
        assert!(matches(p, "nx/p1/deployments/prod"));
        assert!(!matches(p, "nx/p1/deployments/"));
        assert!(!matches(p, "nx/p1/x/deployments/prod"));
        assert!(!matches(p, "nx/p1/deployments/prod/extra"));
        assert!(matches("files/{name}.json", "files/a.b.json"));
        assert!(!matches("files/{name}.json", "files/.json"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exact2"));
        assert!(matches("{a}{b}", "xy"));
        assert!(!matches("{a}{b}", "x"));
    }
}
