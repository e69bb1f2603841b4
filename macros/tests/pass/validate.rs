//! `#[derive(Validate)]` on hand-written types: every violation, with its JSON pointer.

use std::collections::BTreeMap;

use tidings::Validate;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct Parcel {
    #[validate(minimum = 1, maximum = 30000)]
    weight_grams: i64,
    #[validate(pattern = "^[A-Z]{2}$")]
    country: String,
    #[validate(length(min = 1), unique_items, items(length(max = 4)))]
    labels: Vec<String>,
    #[validate(multiple_of = 0.01, exclusive_minimum = 0)]
    price: Option<f64>,
    #[validate(format = "email")]
    contact: String,
    #[validate(values(minimum = 0))]
    counts: BTreeMap<String, i64>,
    #[serde(rename = "kind")]
    #[validate(constant = "\"parcel\"")]
    kind_name: String,
    items: Vec<Item>,
}

#[derive(Serialize, Deserialize, Validate)]
struct Item {
    #[validate(enumeration = "[\"a\", \"b\"]")]
    code: String,
}

#[derive(Serialize, Deserialize, Validate)]
#[validate(schema = r#"{"not": {"const": 13}}"#)]
struct Unlucky(i64);

fn main() {
    let parcel = Parcel {
        weight_grams: 0,
        country: "de".into(),
        labels: vec!["a".into(), "toolong".into(), "a".into()],
        price: Some(1.005),
        contact: "nobody".into(),
        counts: BTreeMap::from([("x".to_string(), -1)]),
        kind_name: "box".into(),
        items: vec![Item { code: "a".into() }, Item { code: "z".into() }],
    };
    let errors = parcel.validate().unwrap_err();
    let mut found: Vec<(String, &str)> = errors.iter().map(|v| (v.pointer.clone(), v.keyword)).collect();
    found.sort();
    let mut expected = vec![
        ("/weightGrams".to_string(), "minimum"),
        ("/country".to_string(), "pattern"),
        ("/labels".to_string(), "uniqueItems"),
        ("/labels/1".to_string(), "maxLength"),
        ("/price".to_string(), "multipleOf"),
        ("/contact".to_string(), "format"),
        ("/counts/x".to_string(), "minimum"),
        ("/kind".to_string(), "const"),
        ("/items/1/code".to_string(), "enum"),
    ];
    expected.sort();
    assert_eq!(found, expected);
    assert!(Unlucky(13).validate().is_err());
    assert!(Unlucky(12).validate().is_ok());
}
