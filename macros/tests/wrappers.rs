//! `#[derive(Validate)]` through every wrapper a field's type may have.
//!
//! The wrappers are `Box`, references, `Cow`, `Option` inside sequences and maps, maps with keys
//! that are not strings, long tuples, and type aliases that hide an `Option` or a sequence from
//! the derive (tidings generates `pub type Nick = Option<String>;` for a named nullable schema).
//! Each check compiles and applies to the value inside, when there is one.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tidings::Validate;

mod common;
use common::{expect, found};

type Nick = Option<String>;
type Score = Option<f64>;
type Tags = Vec<Option<String>>;
type MaybeTags = Option<Vec<String>>;
type Counts = Option<BTreeMap<String, Option<i64>>>;
type Pair = Option<(bool, bool)>;

#[derive(Serialize, Validate)]
struct Inner {
    #[validate(maximum = 1)]
    level: u8,
}

// Boxed collections are what is under test here.
#[allow(clippy::box_collection)]
#[derive(Serialize, Validate)]
struct Wrapped<'a> {
    #[validate(length(max = 3), pattern = "^[a-z]*$")]
    boxed: Box<String>,
    #[validate(length(max = 3), format = "email")]
    maybe_boxed: Option<Box<str>>,
    #[validate(minimum = 0, multiple_of = 2)]
    boxed_number: Box<Option<i64>>,
    #[validate(unique_items, length(max = 3), items(maximum = 5))]
    boxed_list: Box<Vec<i64>>,
    #[validate(length(max = 3), pattern = "^[a-z]*$")]
    borrowed: &'a str,
    #[validate(length(max = 3), pattern = "^[a-z]*$")]
    cow: Cow<'a, str>,
    #[validate(unique_items, items(length(max = 2)))]
    slice: &'a [String],
}

#[derive(Serialize, Validate)]
struct Hidden {
    #[validate(length(max = 3), pattern = "^[a-z]*$", format = "hostname")]
    optional_nick: Option<Nick>,
    #[validate(length(max = 3), enumeration = r#"["ab", "abcd", null]"#)]
    nick: Nick,
    #[validate(minimum = 0, exclusive_maximum = 10, multiple_of = 0.5)]
    score: Option<Score>,
    #[validate(length(max = 2), items(length(max = 2), pattern = "^a"))]
    tags: Tags,
    #[validate(unique_items, items(length(max = 2)))]
    maybe_tags: Option<MaybeTags>,
    #[validate(length(max = 1), values(maximum = 5))]
    counts: Counts,
    #[validate(unique_items)]
    pair: Option<Pair>,
}

#[derive(Serialize, Validate)]
struct Nested {
    #[validate(items(length(max = 2), pattern = "^a"))]
    nullable_items: Vec<Option<String>>,
    #[validate(items(minimum = 0, constant = "1"))]
    optional_nullable_items: Vec<Option<Option<i64>>>,
    #[validate(items(items(maximum = 1)))]
    matrix: Vec<Vec<Option<u8>>>,
    #[validate(values(length(max = 1)))]
    nullable_values: BTreeMap<String, Option<String>>,
    #[validate(length(max = 1), values(minimum = 0))]
    numbered: HashMap<u32, i64>,
    #[validate(values(items(maximum = 1)))]
    keyed_lists: BTreeMap<i64, Vec<u8>>,
    inners: BTreeMap<i64, Inner>,
    wide: (u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, Inner),
}

#[test]
fn boxes_references_and_cows_are_checked_inside() {
    let tags = ["a".to_string(), "b".to_string()];
    let valid = Wrapped {
        boxed: Box::new("abc".into()),
        maybe_boxed: Some("a@b".into()),
        boxed_number: Box::new(Some(4)),
        boxed_list: Box::new(vec![1, 5]),
        borrowed: "abc",
        cow: Cow::Borrowed("abc"),
        slice: &tags,
    };
    assert_eq!(found(&valid), expect(&[]));
    let none = Wrapped {
        maybe_boxed: None,
        boxed_number: Box::new(None),
        ..valid
    };
    assert_eq!(found(&none), expect(&[]));
    let long = ["abc".to_string(), "abc".to_string()];
    let invalid = Wrapped {
        boxed: Box::new("ABCD".into()),
        maybe_boxed: Some("abcd".into()),
        boxed_number: Box::new(Some(-1)),
        boxed_list: Box::new(vec![6, 6, 1, 2]),
        borrowed: "ABCD",
        cow: Cow::Owned("ABCD".into()),
        slice: &long,
    };
    assert_eq!(
        found(&invalid),
        expect(&[
            ("/boxed", "maxLength"),
            ("/boxed", "pattern"),
            ("/maybe_boxed", "maxLength"),
            ("/maybe_boxed", "format"),
            ("/boxed_number", "minimum"),
            ("/boxed_number", "multipleOf"),
            ("/boxed_list", "uniqueItems"),
            ("/boxed_list", "maxItems"),
            ("/boxed_list/0", "maximum"),
            ("/boxed_list/1", "maximum"),
            ("/borrowed", "maxLength"),
            ("/borrowed", "pattern"),
            ("/cow", "maxLength"),
            ("/cow", "pattern"),
            ("/slice", "uniqueItems"),
            ("/slice/0", "maxLength"),
            ("/slice/1", "maxLength"),
        ])
    );
}

#[test]
fn aliases_that_hide_options_and_sequences() {
    let valid = Hidden {
        optional_nick: Some(Some("abc".into())),
        nick: Some("ab".into()),
        score: Some(Some(9.5)),
        tags: vec![Some("ab".into()), None],
        maybe_tags: Some(Some(vec!["a".into(), "b".into()])),
        counts: Some(BTreeMap::from([("x".to_string(), Some(5))])),
        pair: Some(Some((true, false))),
    };
    assert_eq!(found(&valid), expect(&[]));
    let empty = Hidden {
        optional_nick: Some(None),
        nick: None,
        score: Some(None),
        tags: vec![None, None],
        maybe_tags: Some(None),
        counts: None,
        pair: Some(None),
    };
    assert_eq!(found(&empty), expect(&[]));
    let absent = Hidden {
        optional_nick: None,
        score: None,
        maybe_tags: None,
        pair: None,
        counts: Some(BTreeMap::from([("x".to_string(), None)])),
        ..empty
    };
    assert_eq!(found(&absent), expect(&[]));
    let invalid = Hidden {
        optional_nick: Some(Some("AB_D".into())),
        nick: Some("abcd".into()),
        score: Some(Some(10.25)),
        tags: vec![Some("abc".into()), None, Some("b".into())],
        maybe_tags: Some(Some(vec!["abc".into(), "abc".into()])),
        counts: Some(BTreeMap::from([
            ("x".to_string(), Some(6)),
            ("y".to_string(), None),
        ])),
        pair: Some(Some((true, true))),
    };
    assert_eq!(
        found(&invalid),
        expect(&[
            ("/optional_nick", "maxLength"),
            ("/optional_nick", "pattern"),
            ("/optional_nick", "format"),
            ("/nick", "maxLength"),
            ("/score", "exclusiveMaximum"),
            ("/score", "multipleOf"),
            ("/tags", "maxItems"),
            ("/tags/0", "maxLength"),
            ("/tags/2", "pattern"),
            ("/maybe_tags", "uniqueItems"),
            ("/maybe_tags/0", "maxLength"),
            ("/maybe_tags/1", "maxLength"),
            ("/counts", "maxProperties"),
            ("/counts/x", "maximum"),
            ("/pair", "uniqueItems"),
        ])
    );
}

#[test]
fn options_inside_sequences_and_maps_with_any_keys() {
    let valid = Nested {
        nullable_items: vec![Some("ab".into()), None],
        optional_nullable_items: vec![None, Some(None), Some(Some(1))],
        matrix: vec![vec![Some(1), None], vec![]],
        nullable_values: BTreeMap::from([
            ("a".to_string(), None),
            ("b".to_string(), Some("b".into())),
        ]),
        numbered: HashMap::from([(7, 0)]),
        keyed_lists: BTreeMap::from([(-1, vec![0, 1])]),
        inners: BTreeMap::from([(3, Inner { level: 1 })]),
        wide: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Inner { level: 0 }),
    };
    assert_eq!(found(&valid), expect(&[]));
    let invalid = Nested {
        nullable_items: vec![Some("abc".into()), None, Some("b".into())],
        optional_nullable_items: vec![Some(Some(-1)), Some(None)],
        matrix: vec![vec![], vec![None, Some(2)]],
        nullable_values: BTreeMap::from([("a/b".to_string(), Some("ab".into()))]),
        numbered: HashMap::from([(7, -1), (8, 0)]),
        keyed_lists: BTreeMap::from([(-1, vec![0, 2])]),
        inners: BTreeMap::from([(3, Inner { level: 2 })]),
        wide: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Inner { level: 2 }),
    };
    assert_eq!(
        found(&invalid),
        expect(&[
            ("/nullable_items/0", "maxLength"),
            ("/nullable_items/2", "pattern"),
            ("/optional_nullable_items/0", "minimum"),
            ("/optional_nullable_items/0", "const"),
            ("/matrix/1/1", "maximum"),
            ("/nullable_values/a~1b", "maxLength"),
            ("/numbered", "maxProperties"),
            ("/numbered/7", "minimum"),
            ("/keyed_lists/-1/1", "maximum"),
            ("/inners/3/level", "maximum"),
            ("/wide/11/level", "maximum"),
        ])
    );
}
