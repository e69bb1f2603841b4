// Every misuse of `upcast(...)`, reported at once and each on its own tokens.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Validate)]
struct RegisteredV1 {
    name: String,
}

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(type = "com.acme.user.registered", version = "2.0.0")]
#[event(upcast(version = "1.0.0"))]
#[event(upcast(from = RegisteredV1))]
#[event(upcast())]
#[event(upcast(from = RegisteredV1, version = ""))]
#[event(upcast(from = RegisteredV1, version = "1.1.0", verison = "1.1.0"))]
#[event(upcast(From = RegisteredV1, version = "1.2.0"))]
#[event(upcast(from = RegisteredV1, from = RegisteredV1, version = "1.3.0"))]
#[event(upcast(from = "RegisteredV1", version = 1))]
#[event(upcast(from, version))]
#[event(upcast = "1.0.0", upcast, Upcast(from = RegisteredV1, version = "1.4.0"))]
#[event(channel(upcast))]
#[event(upcast(from = RegisteredV1, version = "1.5.0"))]
#[event(upcast(from = RegisteredV1, version = "1.5.0"))]
#[event(upcast(from = RegisteredV1, version = "2.0.0"))]
struct Registered {
    name: String,
}

fn main() {}
