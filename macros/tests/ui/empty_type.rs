use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, herald::Event)]
#[event(type = "")]
struct EmptyType;

#[derive(Serialize, Deserialize, herald::Event)]
#[event(type = "  ", content_type = "")]
struct Blank;

fn main() {}
