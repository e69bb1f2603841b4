//! JSON pointers (RFC 6901) as they appear in `$ref` fragments.

use crate::source::node::Node;

/// Escapes one reference token: `~` → `~0`, `/` → `~1` (the runtime's escape, so that the
/// pointers codegen writes and those the runtime reports are the same).
pub use tidings::json::escape_token as escape;

/// Appends `token` to `pointer`.
pub fn push(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

/// Splits a fragment (`/components/schemas/a~1b`, percent-encoded or not) into tokens.
pub fn tokens(fragment: &str) -> Result<Vec<String>, String> {
    let decoded = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .map_err(|_| format!("`{fragment}` is not valid UTF-8 after percent-decoding"))?;
    if decoded.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = decoded.strip_prefix('/') else {
        return Err(format!("JSON pointer `{decoded}` must start with `/`"));
    };
    rest.split('/').map(unescape).collect()
}

/// `token` with `~1` and `~0` turned back into `/` and `~`.
pub fn unescape(token: &str) -> Result<String, String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => {
                    return Err(format!(
                        "invalid escape `~` in JSON pointer token `{token}`"
                    ))
                }
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// The child `token` of `node`: a key of a mapping, or an index of a sequence.
pub fn step<'a>(node: &'a Node, token: &str) -> Option<&'a Node> {
    match &node.value {
        crate::source::node::Value::Map(_) => node.get(token),
        crate::source::node::Value::Seq(items) => {
            if token.len() > 1 && token.starts_with('0') {
                return None;
            }
            items.get(token.parse::<usize>().ok()?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(tokens("/a~1b~0c/d").unwrap(), ["a/b~c", "d"]);
        assert_eq!(
            tokens("/with%20space/%7Bid%7D").unwrap(),
            ["with space", "{id}"]
        );
        assert_eq!(tokens("").unwrap(), Vec::<String>::new());
        assert!(tokens("no-slash").is_err());
        assert!(tokens("/bad~2").is_err());
        assert_eq!(
            push("/channels", "user/signedup"),
            "/channels/user~1signedup"
        );
    }
}
