use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Validate)]
#[validate(minimum = 1)]
struct OnlySchemaOnTypes {
    value: i64,
}

fn main() {}
