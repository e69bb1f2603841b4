#[derive(tidings::Event)]
#[event(type = "com.acme.bits")]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
