use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Event)]
struct NoAttribute {
    id: u32,
}

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(version = "1.0.0", channel = "orders")]
struct NoTypeKey {
    id: u32,
}

fn main() {}
