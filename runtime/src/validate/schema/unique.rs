//! `uniqueItems`: the first pair of equal items, found by hashing JSON values by meaning.

use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::validate::number::{integer, whole};

/// The first pair of equal items (JSON equality), by the index of the later one.
pub(crate) fn first_duplicate(items: &[Value]) -> Option<(usize, usize)> {
    // Pairwise for short arrays; longer ones compare only items whose hashes collide.
    if items.len() <= 16 {
        return (1..items.len()).find_map(|j| {
            (0..j)
                .find(|&i| crate::json::equal(&items[i], &items[j]))
                .map(|i| (i, j))
        });
    }
    let mut hashed: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (json_hash(item, 0), i))
        .collect();
    hashed.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for run in hashed.chunk_by(|a, b| a.0 == b.0) {
        for (n, &(_, j)) in run.iter().enumerate() {
            if let Some(&(_, i)) = run[..n]
                .iter()
                .find(|(_, i)| crate::json::equal(&items[*i], &items[j]))
            {
                if best.is_none_or(|(_, b)| j < b) {
                    best = Some((i, j));
                }
                break;
            }
        }
    }
    best
}

/// A hash under which values that [`crate::json::equal`] calls equal hash the same: numbers
/// by value, objects regardless of key order. Below a depth of 32 values hash alike, which
/// keeps it cheap and bounded on deep values.
fn json_hash(value: &Value, depth: usize) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if depth > 32 {
        return 0;
    }
    match value {
        Value::Null => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Number(n) => {
            2u8.hash(&mut h);
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Whole floats hash as the integer they equal.
            match integer(n).or_else(|| whole(f)) {
                Some(i) => i.hash(&mut h),
                None => f.to_bits().hash(&mut h),
            }
        }
        Value::String(s) => (3u8, s).hash(&mut h),
        Value::Array(items) => {
            4u8.hash(&mut h);
            for item in items {
                json_hash(item, depth + 1).hash(&mut h);
            }
        }
        Value::Object(map) => {
            5u8.hash(&mut h);
            let members = map.iter().fold(0u64, |sum, (key, member)| {
                let mut m = std::collections::hash_map::DefaultHasher::new();
                (key, json_hash(member, depth + 1)).hash(&mut m);
                sum.wrapping_add(m.finish())
            });
            members.hash(&mut h);
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::validate::schema::tests::{compile, violations};

    #[test]
    fn unique_items_hash_long_arrays_by_meaning() {
        let mut items: Vec<Value> = (0..100)
            .map(|i| json!({"n": i, "tags": [i, "x"]}))
            .collect();
        let schema = compile(json!({"uniqueItems": true}));
        assert!(schema.is_valid(&Value::Array(items.clone())));
        items.push(json!({"tags": [42.0, "x"], "n": 42.0}));
        items.push(json!({"tags": [7, "x"], "n": 7}));
        assert_eq!(
            violations(&json!({"uniqueItems": true}), Value::Array(items)),
            [" uniqueItems: items 42 and 100 are equal; every item must be unique"]
        );
        let floats: Vec<Value> = (0..40).map(|i| json!(f64::from(i) + 0.5)).collect();
        assert!(schema.is_valid(&Value::Array(floats)));
    }
}
