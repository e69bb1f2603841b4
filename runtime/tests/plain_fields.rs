//! Plain fields need no `#[validate(skip)]`.
//!
//! Every leaf type has a `Validate` that checks nothing, and the containers around them forward
//! to it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tidings::chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use tidings::uuid::Uuid;
use tidings::Validate;

#[derive(Serialize, Deserialize, Validate)]
struct Plain {
    name: String,
    flag: bool,
    letter: char,
    small: i8,
    medium: i32,
    large: i64,
    huge: i128,
    unsigned: u64,
    size: usize,
    ratio: f32,
    amount: f64,
    anything: serde_json::Value,
    id: Uuid,
    at: DateTime<Utc>,
    local: DateTime<FixedOffset>,
    day: NaiveDate,
    clock: NaiveTime,
    naive: NaiveDateTime,
    maybe: Option<String>,
    list: Vec<u32>,
    boxed: Box<str>,
    pair: (u8, String),
    sorted: BTreeMap<String, f64>,
    hashed: HashMap<u32, Vec<bool>>,
    #[validate(minimum = 1)]
    constrained: u32,
}

fn plain(constrained: u32) -> Plain {
    Plain {
        name: "n".into(),
        flag: true,
        letter: 'x',
        small: -1,
        medium: 2,
        large: -3,
        huge: 4,
        unsigned: 5,
        size: 6,
        ratio: 0.5,
        amount: 1.25,
        anything: serde_json::json!({"a": [1, null]}),
        id: Uuid::nil(),
        at: DateTime::UNIX_EPOCH,
        local: DateTime::UNIX_EPOCH.fixed_offset(),
        day: NaiveDate::MIN,
        clock: NaiveTime::MIN,
        naive: NaiveDateTime::MIN,
        maybe: Some("m".into()),
        list: vec![1, 2],
        boxed: "b".into(),
        pair: (1, "p".into()),
        sorted: BTreeMap::from([("k".into(), 1.0)]),
        hashed: HashMap::from([(1, vec![true])]),
        constrained,
    }
}

#[test]
fn plain_fields_validate_without_skip() {
    assert!(plain(1).validate().is_ok());
    let errors = plain(0).validate().unwrap_err();
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|v| (v.pointer.as_str(), v.keyword))
        .collect();
    assert_eq!(found, [("/constrained", "minimum")]);
}
