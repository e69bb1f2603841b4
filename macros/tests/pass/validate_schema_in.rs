//! `schema_in(DOCUMENT, "/definitions/...")`: checks that take their schema from one shared
//! document, on a type and on a field, as generated modules write them.

use serde::{Deserialize, Serialize};
use tidings::checks::SchemaDocument;
use tidings::Validate;

static SCHEMAS: SchemaDocument = SchemaDocument::new(
    r##"{"definitions": {
        "Sku": {"type": "string", "pattern": "^[A-Z]-[0-9]+$"},
        "Line": {"type": "object", "required": ["sku"], "properties": {"sku": {"$ref": "#/definitions/Sku"}},
                 "not": {"required": ["gift", "discount"]}}
    }}"##,
);

#[derive(Serialize, Deserialize, Validate)]
#[validate(schema_in(SCHEMAS, "/definitions/Line"))]
struct Line {
    #[validate(schema_in(SCHEMAS, "/definitions/Sku"))]
    sku: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    gift: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount: Option<u32>,
}

fn main() {
    let ok = Line { sku: "A-1".into(), gift: Some(true), discount: None };
    assert!(ok.validate().is_ok());
    let bad = Line { sku: "a1".into(), gift: Some(true), discount: Some(5) };
    let errors = bad.validate().unwrap_err();
    let mut found: Vec<(String, &str)> =
        errors.iter().map(|v| (v.pointer.clone(), v.keyword)).collect();
    found.sort();
    found.dedup();
    assert_eq!(
        found,
        [("".to_string(), "not"), ("/sku".to_string(), "pattern")],
        "{errors}"
    );
    // Decoding checks the JSON against the type's entry too.
    assert!(<Line as Validate>::json_schema().is_some());
}
