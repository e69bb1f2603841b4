// Every mistake is reported in one build, not the first only.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, tidings::Event)]
#[event(kind = "x", version = 2, version = "2", type = "")]
enum Everything {
    #[event(type = "variant")]
    A {
        #[event(version = "1")]
        field: u32,
    },
}

fn main() {}
