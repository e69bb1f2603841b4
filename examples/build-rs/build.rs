//! Generates the orders spec's Rust into OUT_DIR at build time.

fn main() {
    // One line per spec; the generated module lands in OUT_DIR as `orders.rs`.
    if let Err(e) = tidings_codegen::Builder::new()
        .spec("../../specs/orders.yaml")
        .generate()
    {
        panic!("{e}");
    }
}
