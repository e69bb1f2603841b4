use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "")]
struct EmptyType;

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "  ", content_type = "")]
struct Blank;

fn main() {}
