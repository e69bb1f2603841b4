use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Event)]
#[event]
struct Bare;

#[derive(Serialize, Deserialize, tidings::Event)]
#[event = "com.acme.order.created"]
struct NameValue;

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "com.acme.order.created" version = "1")]
struct MissingComma;

fn main() {}
