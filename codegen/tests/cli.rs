//! The `tidings` command line seen from outside: exit codes, diagnostics, and output that is
//! never left half-written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../tests/src/corpus.rs"]
mod corpus;

fn tidings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("tidings runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `generate` on a bad spec with `--out` over an existing file, and checks exit code 1,
/// a diagnostic naming `expect_location`, and that the old output is still there.
fn rejects(spec: &str, expect_location: &str, expect_message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.rs");
    std::fs::write(&out, "// previous good output\n").unwrap();
    let result = tidings(&["generate", spec, "--out", out.to_str().unwrap()]);
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{spec}: {text}");
    assert!(
        text.contains(expect_location),
        "{spec}: expected `{expect_location}` in:\n{text}"
    );
    assert!(
        text.contains(expect_message),
        "{spec}: expected `{expect_message}` in:\n{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "// previous good output\n"
    );
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary files are left behind");
}

const BAD: &str = "tests/fixtures/bad";

#[test]
fn yaml_syntax_error() {
    rejects(&format!("{BAD}/syntax.yaml"), "syntax.yaml:5:9", "error:");
}

#[test]
fn unresolvable_ref() {
    rejects(
        &format!("{BAD}/unresolvable.yaml"),
        "unresolvable.yaml:7:15",
        "#/components/schemas/Nope",
    );
    rejects(
        &format!("{BAD}/missing-file.yaml"),
        "missing-file.yaml:7:15",
        "no such file",
    );
}

#[test]
fn unsupported_version_and_non_specs() {
    rejects(
        &format!("{BAD}/v1.yaml"),
        "v1.yaml:1:11",
        "AsyncAPI 1.2.0 is not supported",
    );
    rejects(
        &format!("{BAD}/not-a-spec.yaml"),
        "not-a-spec.yaml:1:1",
        "not an AsyncAPI document",
    );
    rejects("README.md", "README.md", "error:");
}

#[test]
fn refs_out_of_the_root_folder_are_refused() {
    rejects(
        &format!("{BAD}/inner/escape.yaml"),
        "escape.yaml:7:15",
        "leaves the spec's root folder",
    );
}

#[test]
fn remote_refs_need_opt_in() {
    rejects(
        &format!("{BAD}/remote.yaml"),
        "remote.yaml:8:15",
        "--allow-remote",
    );
}

#[test]
fn ref_cycles_are_reported() {
    rejects(
        &format!("{BAD}/ref-cycle.yaml"),
        "ref-cycle.yaml:",
        "cycle of references",
    );
}

#[test]
fn missing_file() {
    rejects(
        "no/such/spec.yaml",
        "no/such/spec.yaml",
        "cannot read the spec",
    );
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("asyncapi: 3.0.0\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..=20 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let spec = dir.path().join("bomb.yaml");
    std::fs::write(&spec, text).unwrap();
    rejects(spec.to_str().unwrap(), "bomb.yaml:", "alias bomb");
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "flow.yaml",
            format!(
                "asyncapi: 3.0.0\nx: {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
        (
            "json.json",
            format!(
                "{{\"asyncapi\": \"3.0.0\", \"x\": {}1{}}}",
                "{\"a\":".repeat(5_000),
                "}".repeat(5_000)
            ),
        ),
        (
            "block.yaml",
            (0..3_000).fold(String::from("asyncapi: 3.0.0\nx:\n"), |mut s, i| {
                s.push_str(&" ".repeat(i + 1));
                s.push_str("a:\n");
                s
            }),
        ),
    ] {
        let spec = dir.path().join(name);
        std::fs::write(&spec, text).unwrap();
        rejects(spec.to_str().unwrap(), name, "nesting deeper than");
    }
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(tidings(&["generate"]).status.code(), Some(2));
    assert_eq!(tidings(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        tidings(&["generate", "specs/orders.yaml", "--name", "x"])
            .status
            .code(),
        Some(2),
        "--name needs --crate"
    );
    assert_eq!(tidings(&["--help"]).status.code(), Some(0));
}

#[test]
fn generates_a_module_and_a_crate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders.rs");
    let result = tidings(&[
        "generate",
        "specs/orders.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let code = std::fs::read_to_string(&out).unwrap();
    assert!(code.starts_with("// @generated by tidings-codegen"));
    assert!(code.contains("pub fn decode_message("));

    // Same spec, same bytes.
    let again = tidings(&["generate", "specs/orders.yaml"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), code);

    let krate = dir.path().join("orders-crate");
    let result = tidings(&[
        "generate",
        "specs/orders.yaml",
        "--crate",
        krate.to_str().unwrap(),
        "--name",
        "acme-orders",
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"acme-orders\""));
    // The one dependency: this checkout's runtime, by path.
    let runtime =
        std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime")).unwrap();
    let dependencies = manifest.split("[dependencies]\n").nth(1).unwrap();
    assert_eq!(
        dependencies.trim(),
        format!("tidings = {{ path = {:?} }}", runtime.to_str().unwrap()),
        "{manifest}"
    );
    assert!(krate.join("src/lib.rs").exists());
    let tests = std::fs::read_to_string(krate.join("tests/examples.rs")).unwrap();
    assert!(tests.contains("assert_round_trip"));

    let bad_name = tidings(&[
        "generate",
        "specs/orders.yaml",
        "--crate",
        krate.to_str().unwrap(),
        "--name",
        "9 bad",
    ]);
    assert_eq!(bad_name.status.code(), Some(1));
}

#[test]
fn foreign_schema_formats_fall_back_to_json_values_with_a_warning() {
    let Some(spec) = corpus::corpus(
        "foreign_schema_formats_fall_back_to_json_values_with_a_warning",
        "asyncapi-spec-examples/v3.0.0/adeo-kafka-request-reply-asyncapi.yml",
    ) else {
        return;
    };
    let result = tidings(&["generate", spec.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    let text = stderr(&result);
    assert!(
        text.contains("warning:") && text.contains("application/vnd.apache.avro"),
        "{text}"
    );
}

#[test]
fn parameter_values_that_cannot_be_in_an_address_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("regions.yaml");
    std::fs::write(
        &spec,
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  regions:\n    address: r/{region}\n    parameters:\n      region:\n        enum: [eu.west, us]\n    messages:\n      m: {payload: {type: string}}\n",
    )
    .unwrap();
    let result = tidings(&["generate", spec.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    let text = stderr(&result);
    assert!(
        text.contains("warning:")
            && text.contains("\"eu.west\"")
            && text.contains("regions.yaml:8:9")
            && !text.contains("\"us\""),
        "{text}"
    );
}

#[test]
fn bad_retry_extensions_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "{maxAttempts: 0}",
            "/maxAttempts",
            "must be a whole number from 1",
        ),
        (
            "{initialDelay: soon}",
            "/initialDelay",
            "must be a duration",
        ),
        ("{maxDelay: -5}", "/maxDelay", "must be a duration"),
        ("{jitter: 2}", "/jitter", "must be a number from 0 to 1"),
        (
            "{multiplier: 0.5}",
            "/multiplier",
            "must be a number of at least 1",
        ),
        ("{backoff: linear}", "/backoff", "has no `backoff`"),
        ("5", "x-tidings-retry", "must be a mapping"),
        (
            "{initialDelay: 2s, maxDelay: 1s}",
            "x-tidings-retry",
            "(2000 ms) is longer than `maxDelay` (1000 ms)",
        ),
        (
            "{initialDelay: 1m}",
            "x-tidings-retry",
            "(60000 ms) is longer than `maxDelay` (30000 ms, tidings' default)",
        ),
    ];
    for (i, (extension, pointer, message)) in cases.into_iter().enumerate() {
        let spec = dir.path().join(format!("retry-{i}.yaml"));
        std::fs::write(
            &spec,
            format!(
                "asyncapi: 3.0.0\n\
                 info: {{title: t, version: '1'}}\n\
                 channels:\n  c:\n    address: c\n    messages:\n      m: {{payload: {{type: string}}}}\n\
                 operations:\n  onC:\n    action: receive\n    channel: {{$ref: '#/channels/c'}}\n\
                 \x20   x-tidings-retry: {extension}\n"
            ),
        )
        .unwrap();
        let location = format!("retry-{i}.yaml:12:");
        rejects(spec.to_str().unwrap(), &location, message);
        rejects(
            spec.to_str().unwrap(),
            &format!(
                "/operations/onC/x-tidings-retry{}",
                pointer.trim_start_matches("x-tidings-retry")
            ),
            message,
        );
    }
}

#[test]
fn a_retry_extension_on_a_send_operation_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("send.yaml");
    std::fs::write(
        &spec,
        "asyncapi: 3.0.0\n\
         info: {title: t, version: '1'}\n\
         channels:\n  c:\n    address: c\n    messages:\n      m: {payload: {type: string}}\n\
         operations:\n  sendC:\n    action: send\n    channel: {$ref: '#/channels/c'}\n\
         \x20   x-tidings-retry: {maxAttempts: 3}\n",
    )
    .unwrap();
    let out = dir.path().join("out.rs");
    let result = tidings(&[
        "generate",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = stderr(&result);
    assert!(result.status.success(), "{text}");
    assert!(
        text.contains("`x-tidings-retry` on the send operation `sendC` has no effect"),
        "{text}"
    );
    assert!(text.contains("send.yaml:12:"), "{text}");
    assert!(!std::fs::read_to_string(&out)
        .unwrap()
        .contains("retry_policy"));
}
