use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Validate)]
struct Misuse {
    #[validate(maximum_length = 3)]
    unknown_key: String,
    #[validate(pattern = "[a-z")]
    bad_pattern: String,
    #[validate(format = "colour")]
    unknown_format: String,
    #[validate(enumeration = "[1, 2")]
    bad_json: i64,
    #[validate(length(min = 5, max = 2))]
    min_above_max: String,
    #[validate(minimum = "zero")]
    not_a_number: i64,
    #[validate(multiple_of = 0)]
    zero_divisor: f64,
    #[validate(pattern = "a", pattern = "b")]
    duplicate: String,
    #[validate(items(length(min = 3, max = 1)))]
    items_min_above_max: Vec<String>,
}

fn main() {}
