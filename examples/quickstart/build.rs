//! Generates the quickstart spec's Rust into OUT_DIR at build time.

fn main() {
    // Generates `nx-monorepo.rs` into OUT_DIR and tells cargo to rerun when the spec changes.
    if let Err(e) = tidings_codegen::Builder::new()
        .spec("../../specs/nx-monorepo.yaml")
        .generate()
    {
        panic!("{e}");
    }
}
