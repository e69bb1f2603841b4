use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "com.acme.order.created", version = "1", version = "2")]
struct SameAttribute;

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "com.acme.order.created")]
#[event(type = "com.acme.order.placed")]
struct TwoAttributes;

fn main() {}
