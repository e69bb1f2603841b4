use serde::{Deserialize, Serialize};

static SCHEMAS: tidings::checks::SchemaDocument =
    tidings::checks::SchemaDocument::new(r#"{"definitions": {"A": {}}}"#);

#[derive(Serialize, Deserialize, tidings::Validate)]
#[validate(schema_in(SCHEMAS, "definitions/A"))]
struct NoLeadingSlash(String);

#[derive(Serialize, Deserialize, tidings::Validate)]
#[validate(schema_in(SCHEMAS))]
struct NoPointer(String);

#[derive(Serialize, Deserialize, tidings::Validate)]
#[validate(schema = "{}", schema_in(SCHEMAS, "/definitions/A"))]
struct Both(String);

fn main() {}
