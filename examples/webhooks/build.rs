//! Generates the Rust of `openapi.yaml` (an OpenAPI 3.1 document with webhooks) into OUT_DIR.

fn main() {
    if let Err(e) = tidings_codegen::Builder::new()
        .spec("openapi.yaml")
        .generate()
    {
        panic!("{e}");
    }
}
