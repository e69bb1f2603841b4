//! Package names of generated crates: which names Cargo takes for `[package] name`.

/// Whether `name` can name a generated crate's package: ASCII letters, digits, `-` and `_`,
/// beginning with a letter.
pub fn is_valid(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn letters_digits_dashes_and_underscores_after_a_letter() {
        for good in ["orders", "orders-v2", "my_events", "A1"] {
            assert!(is_valid(good), "{good}");
        }
        for bad in ["", "9bad", "-x", "_x", "a b", "a.b", "ünï"] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
