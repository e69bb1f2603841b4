//! `#[derive(Validate)]` on fixed-length tuples and on the other sequences.
//!
//! tidings generates a tuple for `items: [..]` with `additionalItems: false`. `unique_items`,
//! `length` and `items(...)` compile for each sequence, and items compare by their JSON meaning
//! (`1` and `1.0` are equal, and so are objects whatever their key order).

use std::collections::{BTreeSet, HashSet, VecDeque};

use serde::Serialize;
use tidings::serde_json::{json, Value};
use tidings::Validate;

mod common;
use common::{expect, found};

/// Serializes its keys in the order `b`, `a`.
#[derive(Serialize)]
struct Ba {
    b: f64,
    a: i64,
}

#[derive(Serialize, Validate)]
struct Tuples {
    #[validate(unique_items)]
    flags: (bool, bool),
    #[validate(unique_items)]
    numbers: (f64, i64),
    #[validate(skip, unique_items)]
    objects: (Value, Ba),
    #[validate(unique_items, length(min = 2, max = 2))]
    maybe: Option<Option<(String, String)>>,
    #[validate(unique_items, length(max = 12))]
    wide: (u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8),
    #[validate(items(maximum = 3))]
    mixed: (i64, Option<f64>, Option<Option<u8>>),
    #[validate(items(schema = r#"{"maxLength": 1}"#, enumeration = "[1, 2, \"x\"]"))]
    any: (u8, String),
}

#[derive(Serialize, Validate)]
struct Sequences {
    #[validate(unique_items, length(max = 2))]
    array: [i64; 3],
    #[validate(unique_items, length(min = 1))]
    set: BTreeSet<i64>,
    #[validate(unique_items, items(length(max = 1)))]
    hashed: HashSet<String>,
    #[validate(unique_items, items(minimum = 0))]
    deque: VecDeque<f64>,
    #[validate(unique_items)]
    json: Value,
}

#[test]
fn distinct_tuple_items_pass() {
    let tuples = Tuples {
        flags: (true, false),
        numbers: (1.5, 1),
        objects: (json!({"a": 1, "b": 2.5}), Ba { b: 2.0, a: 1 }),
        maybe: Some(Some(("a".into(), "b".into()))),
        wide: (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
        mixed: (3, None, Some(None)),
        any: (1, "x".into()),
    };
    assert_eq!(found(&tuples), expect(&[]));
    let absent = Tuples {
        maybe: None,
        mixed: (3, Some(2.5), Some(Some(3))),
        ..tuples
    };
    assert_eq!(found(&absent), expect(&[]));
    let null = Tuples {
        maybe: Some(None),
        ..absent
    };
    assert_eq!(found(&null), expect(&[]));
}

#[test]
fn equal_tuple_items_are_reported() {
    let tuples = Tuples {
        flags: (true, true),
        numbers: (1.0, 1),
        objects: (json!({"a": 1, "b": 2}), Ba { b: 2.0, a: 1 }),
        maybe: Some(Some(("a".into(), "a".into()))),
        wide: (7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
        mixed: (4, Some(3.5), Some(Some(4))),
        any: (3, "yy".into()),
    };
    assert_eq!(
        found(&tuples),
        expect(&[
            ("/flags", "uniqueItems"),
            ("/numbers", "uniqueItems"),
            ("/objects", "uniqueItems"),
            ("/maybe", "uniqueItems"),
            ("/wide", "uniqueItems"),
            ("/mixed/0", "maximum"),
            ("/mixed/1", "maximum"),
            ("/mixed/2", "maximum"),
            ("/any/0", "enum"),
            ("/any/1", "maxLength"),
            ("/any/1", "enum"),
        ])
    );
}

#[test]
fn other_sequences_check_items_and_uniqueness() {
    let valid = Sequences {
        array: [1, 2, 3],
        set: BTreeSet::from([1]),
        hashed: HashSet::from(["a".to_string()]),
        deque: VecDeque::from([1.0, 2.0]),
        json: json!([1, 2, {"a": 1}]),
    };
    assert_eq!(found(&valid), expect(&[("/array", "maxItems")]));
    let invalid = Sequences {
        array: [1, 2, 1],
        set: BTreeSet::new(),
        hashed: HashSet::from(["ab".to_string()]),
        deque: VecDeque::from([1.0, -1.0, 1.0]),
        json: json!([{"a": 1, "b": 2}, {"b": 2.0, "a": 1.0}]),
    };
    assert_eq!(
        found(&invalid),
        expect(&[
            ("/array", "uniqueItems"),
            ("/array", "maxItems"),
            ("/set", "minItems"),
            ("/hashed/0", "maxLength"),
            ("/deque", "uniqueItems"),
            ("/deque/1", "minimum"),
            ("/json", "uniqueItems"),
        ])
    );
    // `uniqueItems` says nothing about what is not an array.
    let not_array = Sequences {
        json: json!({"a": 1}),
        ..valid
    };
    assert_eq!(found(&not_array), expect(&[("/array", "maxItems")]));
}
