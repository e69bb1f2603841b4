//! The external corpus: real specs and test suites beside the repository, read by relative path.
//!
//! It lives in `../shared/corpus` and is never copied in.
//!
//! A bare clone has no corpus. A test that needs it then skips with one loud line naming the
//! folder, or fails when `TIDINGS_REQUIRE_CORPUS=1` (set by `.ci/run`). The line is written
//! to the process's stderr directly, past the test harness's capture of `eprintln!`, so that
//! a skip shows in `cargo test` output although the test passes.
//!
//! One file, compiled into each test crate that reads the corpus (`#[path]` from the runtime's
//! and the generator's tests), since those cannot depend on the tests crate.

use std::io::Write;
use std::path::{Path, PathBuf};

/// `rel` under the corpus (`asyncapi-spec-examples/v3.0.0`, say), or `None` after a loud skip
/// message for `test` when the corpus is missing. Panics instead when
/// `TIDINGS_REQUIRE_CORPUS=1`.
pub fn corpus(test: &str, rel: &str) -> Option<PathBuf> {
    // Every crate that compiles this file sits one folder below the repository root.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("/"));
    let root = repo.parent().unwrap_or(repo).join("shared/corpus");
    let path = root.join(rel);
    if path.exists() {
        return Some(path);
    }
    let shown = root.display();
    assert!(
        std::env::var("TIDINGS_REQUIRE_CORPUS").as_deref() != Ok("1"),
        "{test}: the corpus is required (TIDINGS_REQUIRE_CORPUS=1) but {rel} is not in {shown}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "!!!!! SKIPPED {test}: no corpus at {shown}/{rel} (put ../shared/corpus beside the \
         repository; TIDINGS_REQUIRE_CORPUS=1 makes this a failure) !!!!!"
    );
    None
}
