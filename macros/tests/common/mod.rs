//! What the derive tests share: violations as sorted `(pointer, keyword)` pairs.

use tidings::Validate;

/// The violations of `value`, sorted.
pub fn found<T: Validate>(value: &T) -> Vec<(String, &'static str)> {
    let mut found: Vec<(String, &'static str)> = match value.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|v| (v.pointer.clone(), v.keyword))
            .collect(),
    };
    found.sort();
    found
}

/// `list` in the form [`found`] returns.
pub fn expect(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    let mut list: Vec<(String, &'static str)> =
        list.iter().map(|(p, k)| (p.to_string(), *k)).collect();
    list.sort();
    list
}
