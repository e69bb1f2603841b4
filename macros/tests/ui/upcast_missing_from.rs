// An upcast needs `impl From<OldType> for Self`; without one, rustc says so on the
// `from` type in the attribute.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Validate)]
struct RegisteredV1 {
    name: String,
}

#[derive(Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.user.registered", version = "2.0.0")]
#[event(upcast(from = RegisteredV1, version = "1.0.0"))]
struct Registered {
    name: String,
    vip: bool,
}

fn main() {}
