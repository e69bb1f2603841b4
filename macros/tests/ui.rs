//! Compile tests for `#[derive(Event)]` and `#[derive(Validate)]`: misuses and correct uses.
//!
//! Every misuse gives a pinned, spanned error (`ui/*.stderr`), and correct uses compile and run
//! (`pass/*.rs`).
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p tidings-macros`, then
//! review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/pass/*.rs");
}
