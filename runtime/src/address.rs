//! Channel addresses: templates with `{parameter}` segments, and how they are filled and matched.
//!
//! Publishers fill a template; subscriptions match addresses against it. A parameter's value
//! never holds `/` or `.` (the segment separators of MQTT, AMQP topics and NATS subjects) nor a
//! broker wildcard, so a filled address has its template's shape everywhere.
//!
//! ```
//! use tidings::address::{fill, matches};
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
        if !is_value(value) {
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

/// The parameter names of `template`, in order, each once.
///
/// ```
/// assert_eq!(tidings::address::parameters("nx/{projectId}/deployments/{environment}"), ["projectId", "environment"]);
/// ```
pub fn parameters(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        if !out.contains(&&after[..close]) {
            out.push(&after[..close]);
        }
        rest = &after[close + 1..];
    }
    out
}

/// `pattern` with each `{name}` replaced by `wildcard`: the subscription of a broker whose
/// wildcard stands for one segment (`*` in NATS subjects and AMQP topics, `+` in MQTT).
///
/// ```
/// assert_eq!(tidings::address::with_wildcards("nx/{projectId}/build", "+"), "nx/+/build");
/// ```
pub fn with_wildcards(pattern: &str, wildcard: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        out.push_str(wildcard);
        rest = rest[open..]
            .find('}')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    out.push_str(rest);
    out
}

/// Whether `address` has the shape of `pattern`: literal text must be equal and each
/// `{name}` stands for one or more characters that [`fill`] accepts in a value. The pattern
/// [`ANY`] matches every address.
pub fn matches(pattern: &str, address: &str) -> bool {
    if pattern == ANY {
        return true;
    }
    match_from(pattern, address)
}

fn match_from(pattern: &str, address: &str) -> bool {
    if !pattern.contains('{') {
        return pattern == address;
    }
    // Tokens: literal text, or a run of adjacent parameters (`{a}{b}` needs 2+ characters).
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let Some(close) = rest.find('}') else {
                    return false;
                };
                match tokens.last_mut() {
                    Some(Token::Params(n)) => *n += 1,
                    _ => tokens.push(Token::Params(1)),
                }
                rest = &rest[close + 1..];
            }
            Some(open) => {
                tokens.push(Token::Literal(&rest[..open]));
                rest = &rest[open..];
            }
            None => {
                tokens.push(Token::Literal(rest));
                rest = "";
            }
        }
    }
    // ends[i]: whether the tokens so far can match exactly `address[..i]`; one pass per token
    // keeps the work proportional to tokens × length, whatever the pattern.
    let len = address.len();
    let mut ends = vec![false; len + 1];
    ends[0] = true;
    for token in &tokens {
        let mut next = vec![false; len + 1];
        for start in (0..=len).filter(|&i| ends[i]) {
            match token {
                Token::Literal(text) => {
                    if address[start..].starts_with(text) {
                        next[start + text.len()] = true;
                    }
                }
                Token::Params(count) => {
                    let mut chars = 0;
                    for (offset, c) in address[start..].char_indices() {
                        if !is_value_char(c) {
                            break;
                        }
                        chars += 1;
                        if chars >= *count {
                            next[start + offset + c.len_utf8()] = true;
                        }
                    }
                }
            }
        }
        ends = next;
    }
    ends[len]
}

enum Token<'a> {
    Literal(&'a str),
    Params(usize),
}

/// Whether `value` can stand for a parameter in an address: not empty, and free of segment
/// separators (`/`, `.`), broker wildcards (`*`, `>`, `#`, `+`), whitespace and control
/// characters.
pub fn is_value(value: &str) -> bool {
    !value.is_empty() && value.chars().all(is_value_char)
}

fn is_value_char(c: char) -> bool {
    !(matches!(c, '/' | '.' | '*' | '>' | '#' | '+') || c.is_whitespace() || c.is_control())
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
        assert!(matches("files/{name}.json", "files/ab.json"));
        assert!(
            !matches("files/{name}.json", "files/a.b.json"),
            "no `.` in a value"
        );
        assert!(!matches("files/{name}.json", "files/.json"));
        // Dotted (NATS-style) channels do not leak into each other.
        assert!(matches("orders.{id}", "orders.1"));
        assert!(!matches("orders.{id}", "orders.1.audit"));
        // A long address that does not match is refused quickly.
        let long = format!("{}x", "a".repeat(60));
        assert!(!matches("{a}{b}{c}{d}{e}{f}.y", &long));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exact2"));
        assert!(matches("{a}{b}", "xy"));
        assert!(!matches("{a}{b}", "x"));
    }
}
