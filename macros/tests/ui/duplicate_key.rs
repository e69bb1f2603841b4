use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, herald::Event)]
#[event(type = "com.acme.order.created", version = "1", version = "2")]
struct SameAttribute;

#[derive(Serialize, Deserialize, herald::Event)]
#[event(type = "com.acme.order.created")]
#[event(type = "com.acme.order.placed")]
struct TwoAttributes;

fn main() {}
