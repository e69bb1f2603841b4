use serde::{Deserialize, Serialize};

const TYPE: &str = "com.acme.order.created";

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = TYPE, version = 1)]
struct NotLiterals;

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "com.acme.order.created", channel)]
struct NoValue;

fn main() {}
