//! `#[derive(Validate)]` on optional nullable fields, `Option<Option<T>>`.
//!
//! tidings generates them for a property that may be missing or `null`. Every check compiles, a
//! missing key and `null` pass, and a present value is checked like a `T` would be.

use std::collections::BTreeMap;

use serde::Serialize;
use tidings::Validate;

mod common;
use common::{expect, found};

#[derive(Serialize, Validate, Default)]
#[serde(rename_all = "camelCase")]
struct Patch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "::tidings::__private::double_option"
    )]
    #[validate(length(min = 1, max = 3))]
    nick: Option<Option<String>>,
    #[validate(pattern = "^[a-z]+$")]
    code: Option<Option<String>>,
    #[validate(format = "uuid")]
    id: Option<Option<String>>,
    #[validate(minimum = 0, maximum = 10, multiple_of = 0.5)]
    score: Option<Option<f64>>,
    #[validate(exclusive_minimum = 0, exclusive_maximum = 100)]
    count: Option<Option<i64>>,
    #[validate(length(min = 1), unique_items, items(length(max = 2)))]
    tags: Option<Option<Vec<String>>>,
    #[validate(length(max = 2), values(maximum = 5))]
    counts: Option<Option<BTreeMap<String, i64>>>,
    #[validate(enumeration = r#"["a", "b"]"#)]
    kind: Option<Option<String>>,
    #[validate(constant = "1")]
    one: Option<Option<i64>>,
    #[validate(schema = r#"{"type": "string", "maxLength": 3}"#)]
    note: Option<Option<String>>,
    #[validate(skip, length(max = 3))]
    skipped: Option<Option<String>>,
    inner: Option<Option<Inner>>,
    #[validate(length(max = 1))]
    deep: Option<Option<Option<String>>>,
}

#[derive(Serialize, Validate)]
struct Inner {
    #[validate(maximum = 1)]
    level: Option<Option<u8>>,
}

/// Every variant shape, each holding an optional nullable value.
#[derive(Serialize, Validate)]
enum Change {
    Rename(#[validate(length(max = 3))] Option<Option<String>>),
    Move(
        #[validate(minimum = 0)] Option<Option<i64>>,
        #[validate(pattern = "^x")] Option<Option<String>>,
    ),
    Score {
        #[validate(maximum = 1, schema = r#"{"maximum": 1}"#)]
        value: Option<Option<f64>>,
    },
}

#[test]
fn missing_values_pass() {
    assert_eq!(found(&Patch::default()), expect(&[]));
}

#[test]
fn null_values_pass() {
    let patch = Patch {
        nick: Some(None),
        code: Some(None),
        id: Some(None),
        score: Some(None),
        count: Some(None),
        tags: Some(None),
        counts: Some(None),
        kind: Some(None),
        one: Some(None),
        note: Some(None),
        skipped: Some(None),
        inner: Some(None),
        deep: Some(None),
    };
    assert_eq!(found(&patch), expect(&[]));
    let deeper = Patch {
        deep: Some(Some(None)),
        inner: Some(Some(Inner { level: Some(None) })),
        ..Patch::default()
    };
    assert_eq!(found(&deeper), expect(&[]));
}

#[test]
fn valid_values_pass() {
    let patch = Patch {
        nick: Some(Some("Ace".into())),
        code: Some(Some("abc".into())),
        id: Some(Some("67e55044-10b1-426f-9247-bb680e5fe0c8".into())),
        score: Some(Some(9.5)),
        count: Some(Some(99)),
        tags: Some(Some(vec!["a".into(), "bb".into()])),
        counts: Some(Some(BTreeMap::from([("x".to_string(), 5)]))),
        kind: Some(Some("b".into())),
        one: Some(Some(1)),
        note: Some(Some("abc".into())),
        skipped: Some(Some("abc".into())),
        inner: Some(Some(Inner {
            level: Some(Some(1)),
        })),
        deep: Some(Some(Some("a".into()))),
    };
    assert_eq!(found(&patch), expect(&[]));
}

#[test]
fn invalid_values_are_reported_where_they_are() {
    let patch = Patch {
        nick: Some(Some("Acey".into())),
        code: Some(Some("ABC".into())),
        id: Some(Some("not-a-uuid".into())),
        score: Some(Some(10.25)),
        count: Some(Some(0)),
        tags: Some(Some(vec!["a".into(), "long".into(), "a".into()])),
        counts: Some(Some(BTreeMap::from([
            ("x".to_string(), 6),
            ("y".to_string(), 0),
            ("z".to_string(), 0),
        ]))),
        kind: Some(Some("c".into())),
        one: Some(Some(2)),
        note: Some(Some("abcd".into())),
        skipped: Some(Some("abcd".into())),
        inner: Some(Some(Inner {
            level: Some(Some(2)),
        })),
        deep: Some(Some(Some("ab".into()))),
    };
    assert_eq!(
        found(&patch),
        expect(&[
            ("/nick", "maxLength"),
            ("/code", "pattern"),
            ("/id", "format"),
            ("/score", "maximum"),
            ("/score", "multipleOf"),
            ("/count", "exclusiveMinimum"),
            ("/tags", "uniqueItems"),
            ("/tags/1", "maxLength"),
            ("/counts", "maxProperties"),
            ("/counts/x", "maximum"),
            ("/kind", "enum"),
            ("/one", "const"),
            ("/note", "maxLength"),
            ("/skipped", "maxLength"),
            ("/inner/level", "maximum"),
            ("/deep", "maxLength"),
        ])
    );
    let empty = Patch {
        nick: Some(Some(String::new())),
        tags: Some(Some(Vec::new())),
        ..Patch::default()
    };
    assert_eq!(
        found(&empty),
        expect(&[("/nick", "minLength"), ("/tags", "minItems")])
    );
}

#[test]
fn variants_check_their_optional_nullable_values() {
    assert_eq!(found(&Change::Rename(None)), expect(&[]));
    assert_eq!(found(&Change::Rename(Some(None))), expect(&[]));
    assert_eq!(
        found(&Change::Rename(Some(Some("Acey".into())))),
        expect(&[("/Rename", "maxLength")])
    );
    assert_eq!(
        found(&Change::Move(Some(Some(-1)), Some(Some("y".into())))),
        expect(&[("/Move/0", "minimum"), ("/Move/1", "pattern")])
    );
    assert_eq!(found(&Change::Move(Some(None), None)), expect(&[]));
    assert_eq!(
        found(&Change::Score {
            value: Some(Some(1.5))
        }),
        expect(&[("/Score/value", "maximum"), ("/Score/value", "maximum")])
    );
    assert_eq!(found(&Change::Score { value: Some(None) }), expect(&[]));
}
