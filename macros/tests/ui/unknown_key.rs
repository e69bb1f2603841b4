use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "com.acme.order.created", name = "OrderCreated")]
struct Unknown;

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "com.acme.order.created", contentType = "application/json")]
struct OtherCase;

fn main() {}
