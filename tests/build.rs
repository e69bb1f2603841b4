//! Generates the example catalogs of `specs/` for the benchmarks and the fuzz tests.

fn main() {
    let result = tidings_codegen::Builder::new()
        .spec("../specs/nx-monorepo.yaml")
        .spec("../specs/orders.yaml")
        .spec("../specs/warehouse.yaml")
        .generate();
    if let Err(e) = result {
        panic!("{e}");
    }
}
