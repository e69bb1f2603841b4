//! Golden files: the code generated for `tests/golden/*.yaml` must match the committed `*.rs`.
//!
//! Each committed `*.rs` sits beside its spec and is compared as prost-build compares its
//! fixtures. `TIDINGS_BLESS=1` rewrites them.

use std::path::Path;

use tidings_codegen::LoadOptions;

#[test]
fn generated_code_matches_the_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let bless = std::env::var_os("TIDINGS_BLESS").is_some();
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(!specs.is_empty());
    let mut stale = Vec::new();
    for spec in specs {
        let code = tidings_codegen::generate(&spec, &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", spec.display()))
            .code;
        let golden = spec.with_extension("rs");
        if bless {
            std::fs::write(&golden, &code).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != code {
            stale.push(golden.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "generated code differs from {stale:?}; review and rerun with TIDINGS_BLESS=1"
    );
}

#[test]
fn generation_is_deterministic() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for spec in [
        "specs/nx-monorepo.yaml",
        "specs/orders.yaml",
        "tests/golden/naming.yaml",
    ] {
        let path = repo.join(spec);
        let runs: Vec<String> = (0..3)
            .map(|_| {
                tidings_codegen::generate(&path, &LoadOptions::default())
                    .unwrap()
                    .code
            })
            .collect();
        assert!(
            runs.windows(2).all(|w| w[0] == w[1]),
            "{spec} generated different code"
        );
    }
}
