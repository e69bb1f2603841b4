//! Generates Rust from the exported spec (`asyncapi.yaml`), for the round-trip tests: what
//! the code-first types write, the generated types read back, and the other way round.

fn main() {
    if let Err(e) = tidings_codegen::Builder::new()
        .spec("asyncapi.yaml")
        .generate()
    {
        panic!("{e}");
    }
}
