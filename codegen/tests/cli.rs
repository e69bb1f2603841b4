//! The `tidings` command line seen from outside: exit codes, diagnostics, and the output it writes.
//!
//! The output is never left half-written.

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

/// A keyword the runtime's evaluator cannot check is an error naming it, never a validator
/// that checks less than the schema says.
#[test]
fn keywords_the_evaluator_cannot_check_are_errors() {
    rejects(
        &format!("{BAD}/unevaluated.yaml"),
        "unevaluated.yaml:9:11",
        "`unevaluatedProperties` is not supported",
    );
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
        "not a document tidings reads",
    );
    rejects("README.md", "README.md", "error:");
}

#[test]
fn refs_out_of_the_root_folder_are_refused() {
    // Outside any repository the root is the spec's folder.
    let dir = tempfile::tempdir().unwrap();
    assert!(
        !dir.path().ancestors().any(|a| a.join(".git").exists()),
        "the temporary folder must not be in a git repository"
    );
    std::fs::create_dir(dir.path().join("inner")).unwrap();
    for file in ["inner/escape.yaml", "syntax.yaml"] {
        std::fs::copy(repo().join(BAD).join(file), dir.path().join(file)).unwrap();
    }
    let spec = dir.path().join("inner/escape.yaml");
    rejects(
        spec.to_str().unwrap(),
        "escape.yaml:7:15",
        "leaves the spec's folder",
    );
    rejects(spec.to_str().unwrap(), "escape.yaml:7:15", "--root DIR");
    // `--root` widens it: the referenced file is read (and its syntax error reported).
    let result = tidings(&[
        "generate",
        spec.to_str().unwrap(),
        "--root",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        stderr(&result).contains("syntax.yaml:5:9"),
        "{}",
        stderr(&result)
    );
}

/// Runs git in `dir` without the machine's global or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn inside_a_repository_references_reach_sibling_folders_by_default() {
    let Some(tree) = corpus::corpus(
        "inside_a_repository_references_reach_sibling_folders_by_default",
        "asyncapi-spec-examples/v3.0.0/social-media",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("social-media");
    copy_tree(&tree, &repo_dir);
    let services: Vec<PathBuf> = std::fs::read_dir(&repo_dir)
        .unwrap()
        .map(|e| e.unwrap().path().join("asyncapi.yaml"))
        .filter(|spec| spec.is_file())
        .collect();
    assert!(services.len() >= 4, "{services:?}");

    // Not in a repository: the root is each spec's folder, and `../common` is refused.
    for spec in &services {
        let result = tidings(&["generate", spec.to_str().unwrap()]);
        let text = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{}: {text}", spec.display());
        assert!(
            text.contains("leaves the spec's folder") && text.contains("--root DIR"),
            "{text}"
        );
    }

    git(&repo_dir, &["init", "-q"]);
    for spec in &services {
        let result = tidings(&["generate", spec.to_str().unwrap()]);
        let text = stderr(&result);
        assert!(result.status.success(), "{}: {text}", spec.display());
        assert!(!String::from_utf8_lossy(&result.stdout).is_empty());
    }

    // The repository is the limit: a reference above it is refused, as is a symbolic link
    // inside it that leads out.
    let outside = dir.path().join("outside.yaml");
    std::fs::write(&outside, "Thing: {type: string}\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, repo_dir.join("common/link.yaml")).unwrap();
    for (name, reference) in [
        ("up.yaml", "../../outside.yaml#/Thing"),
        ("link.yaml", "../common/link.yaml#/Thing"),
    ] {
        if name == "link.yaml" && cfg!(not(unix)) {
            continue;
        }
        let spec = repo_dir.join("backend").join(name);
        std::fs::write(
            &spec,
            format!(
                "asyncapi: 3.0.0\ninfo: {{title: t, version: '1'}}\nchannels:\n  c:\n    \
                 address: c\n    messages:\n      m:\n        payload:\n          $ref: '{reference}'\n"
            ),
        )
        .unwrap();
        let result = tidings(&["generate", spec.to_str().unwrap()]);
        let text = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{name}: {text}");
        assert!(
            text.contains("leaves the spec's repository") && text.contains("--root DIR"),
            "{name}: {text}"
        );
    }
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

/// Writes `text` to `name` in a new temporary folder; returns the folder and the path.
fn spec_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

const HEAD: &str = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n";

#[test]
fn every_broken_reference_is_reported_in_one_run() {
    let (dir, spec) = spec_file(
        "five.yaml",
        &format!(
            "{HEAD}channels:\n  c:\n    address: c\n    messages:\n\
             \x20     a: {{payload: {{$ref: '#/components/schemas/Nope'}}}}\n\
             \x20     b: {{payload: {{$ref: 'missing.yaml#/X'}}}}\n\
             \x20     c: {{payload: {{$ref: '#/components/schemas/Order/properties/nope'}}}}\n\
             \x20     d: {{payload: {{$ref: 'other.yaml#/Nope'}}}}\n\
             \x20     e: {{payload: {{$ref: '#/components/schemas/Ordr'}}}}\n\
             components:\n  schemas:\n    Order: {{type: object, properties: {{id: {{type: string}}}}}}\n"
        ),
    );
    std::fs::write(dir.path().join("other.yaml"), "Yes: {type: string}\n").unwrap();
    let result = tidings(&["generate", spec.to_str().unwrap()]);
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{text}");
    for line in 7..=11 {
        assert!(
            text.contains(&format!("five.yaml:{line}:")),
            "line {line} in:\n{text}"
        );
    }
    assert_eq!(
        text.matches("error: ").count(),
        6,
        "five and a total:\n{text}"
    );
    assert!(text.contains("the spec has 5 problems"), "{text}");
    assert!(
        text.contains("did you mean `#/components/schemas/Order`?"),
        "{text}"
    );
}

#[test]
fn typos_are_errors_in_asyncapi_objects_and_warnings_in_schemas() {
    // `channel` for `channels` was an empty `enum Message {}` and exit 0.
    let (_dir, spec) = spec_file(
        "typo.yaml",
        &format!("{HEAD}channel:\n  c:\n    address: c\n"),
    );
    rejects(
        spec.to_str().unwrap(),
        "typo.yaml:3:1",
        "did you mean `channels`?",
    );

    // Near misses of schema keywords: warnings that name the keyword meant.
    let (_dir, spec) = spec_file(
        "schema.yaml",
        &format!(
            "{HEAD}channels:\n  c:\n    address: c\n    messages:\n      m:\n        payload:\n\
             \x20         type: object\n\
             \x20         propertis:\n            id: {{type: string}}\n\
             \x20         requird: [id]\n\
             \x20         x-custom: 1\n\
             \x20         someVendorKeyword: 1\n"
        ),
    );
    let result = tidings(&["generate", spec.to_str().unwrap()]);
    let text = stderr(&result);
    assert!(result.status.success(), "{text}");
    assert!(
        text.contains("warning: `propertis` is not a JSON Schema keyword"),
        "{text}"
    );
    assert!(text.contains("did you mean `properties`?"), "{text}");
    assert!(text.contains("schema.yaml:10:11"), "{text}");
    assert!(text.contains("did you mean `required`?"), "{text}");
    assert!(text.contains("schema.yaml:12:11"), "{text}");
    assert!(
        !text.contains("x-custom") && !text.contains("someVendorKeyword"),
        "{text}"
    );

    // Values of the wrong type.
    for (keyword, value, message) in [
        (
            "required",
            "id",
            "`required` must be a list of property names, found the string \"id\"",
        ),
        (
            "minimum",
            "\"zero\"",
            "`minimum` must be a number, found the string \"zero\"",
        ),
        ("type", "strng", "did you mean `string`?"),
        (
            "maxLength",
            "-1",
            "`maxLength` must be a whole number of at least 0",
        ),
        (
            "properties",
            "[a]",
            "`properties` must be a mapping of names to schemas",
        ),
    ] {
        let (_dir, spec) = spec_file(
            "wrong.yaml",
            &format!(
                "{HEAD}channels:\n  c:\n    address: c\n    messages:\n      m:\n        payload:\n\
                 \x20         {keyword}: {value}\n"
            ),
        );
        rejects(spec.to_str().unwrap(), "wrong.yaml:9:", message);
    }

    // AsyncAPI fields by version: `publish` is 2.x; an operation's `chanel`.
    let (_dir, spec) = spec_file(
        "v3.yaml",
        &format!(
            "{HEAD}channels:\n  c:\n    address: c\n    publish: {{}}\n\
             operations:\n  o:\n    action: send\n    chanel: {{$ref: '#/channels/c'}}\n"
        ),
    );
    rejects(
        spec.to_str().unwrap(),
        "v3.yaml:6:5",
        "`publish` belongs to AsyncAPI 2.x",
    );
    rejects(
        spec.to_str().unwrap(),
        "v3.yaml:10:5",
        "did you mean `channel`?",
    );
    let (_dir, spec) = spec_file(
        "v2.yaml",
        "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    subscibe:\n      message: {payload: {type: string}}\n",
    );
    rejects(
        spec.to_str().unwrap(),
        "v2.yaml:5:5",
        "did you mean `subscribe`?",
    );
    let (_dir, spec) = spec_file(
        "v2-info.yaml",
        "asyncapi: 2.6.0\ninfo: {title: 5, version: '1'}\nchannels: {}\n",
    );
    rejects(
        spec.to_str().unwrap(),
        "v2-info.yaml:2:15",
        "`title` must be a string, found a number",
    );
}

#[test]
fn json_files_are_parsed_as_json() {
    let text = "{\n  \"asyncapi\": \"3.0.0\",\n  \"info\": {\"title\": \"t\", \"version\": \"1\"},\n  \"channels\": {},\n}\n";
    let (_dir, spec) = spec_file("trailing.json", text);
    rejects(
        spec.to_str().unwrap(),
        "trailing.json:4:17",
        "invalid JSON: trailing comma",
    );
    // The same text is fine YAML.
    let (_dir, yaml) = spec_file("trailing.yaml", text);
    let result = tidings(&["generate", yaml.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));

    // A referenced JSON file too.
    let (dir, spec) = spec_file(
        "main.yaml",
        &format!(
            "{HEAD}channels:\n  c:\n    address: c\n    messages:\n      m:\n        payload: {{$ref: 'schema.json'}}\n"
        ),
    );
    std::fs::write(
        dir.path().join("schema.json"),
        "{\"type\": \"string\", // no\n}",
    )
    .unwrap();
    rejects(
        spec.to_str().unwrap(),
        "schema.json:1:20",
        "invalid JSON: JSON has no comments",
    );

    // An unclosed brace is named where it opens, as well as where the parser stopped.
    let (_dir, spec) = spec_file(
        "open.json",
        "{\"asyncapi\": \"3.0.0\",\n \"info\": {\"title\": \"t\", \"version\": \"1\"},\n \"channels\": {\n   \"a\": {\"address\": \"x\"}\n}\n",
    );
    rejects(
        spec.to_str().unwrap(),
        "open.json:5:2",
        "expected `,` or `}`",
    );
    rejects(
        spec.to_str().unwrap(),
        "open.json:1:1",
        "the `{` opened here is never closed",
    );
    // YAML too: the unclosed `[`.
    rejects(
        &format!("{BAD}/syntax.yaml"),
        "syntax.yaml:4:12",
        "this `[` is still open where the parser gave up",
    );
}

#[test]
fn generate_ends_with_a_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.rs");
    let result = tidings(&[
        "generate",
        "specs/orders.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = stderr(&result);
    assert!(result.status.success(), "{text}");
    assert!(result.stdout.is_empty());
    let last = text.lines().last().unwrap();
    let counts = "orders.yaml: 9 messages, 45 types, 5 handlers, 4 publishers";
    assert_eq!(last, format!("{counts} → {}", out.display()));

    // To stdout: the code alone there, the summary on stderr.
    let result = tidings(&["generate", "specs/orders.yaml"]);
    let code = String::from_utf8_lossy(&result.stdout);
    assert!(code.starts_with("// @generated") && !code.contains(counts));
    assert_eq!(
        stderr(&result).lines().last(),
        Some(format!("{counts} → stdout").as_str())
    );

    // A crate: the next step too.
    let krate = dir.path().join("events");
    let result = tidings(&[
        "generate",
        "specs/orders.yaml",
        "--crate",
        krate.to_str().unwrap(),
    ]);
    assert_eq!(
        stderr(&result).lines().last().unwrap(),
        format!(
            "{counts} → {0} (next: cd {0} && cargo test)",
            krate.display()
        )
    );
}

#[test]
fn check_compares_the_output_on_disk_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.rs");
    let check = |target: &[&str]| {
        let mut args = vec!["generate", "specs/orders.yaml", "--check"];
        args.extend(target);
        tidings(&args)
    };
    let module = ["--out", out.to_str().unwrap()];
    let missing = check(&module);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("events.rs: is missing"),
        "{}",
        stderr(&missing)
    );
    assert!(!out.exists(), "--check writes nothing");

    assert!(tidings(&[
        "generate",
        "specs/orders.yaml",
        "--out",
        out.to_str().unwrap()
    ])
    .status
    .success());
    let same = check(&module);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));

    std::fs::write(&out, "// edited by hand\n").unwrap();
    let stale = check(&module);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        stderr(&stale).contains("events.rs: differs from what specs/orders.yaml generates"),
        "{}",
        stderr(&stale)
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "// edited by hand\n"
    );

    // A crate: every file is compared.
    let krate = dir.path().join("events");
    let krate_args = ["--crate", krate.to_str().unwrap()];
    assert!(tidings(&[
        "generate",
        "specs/orders.yaml",
        "--crate",
        krate.to_str().unwrap()
    ])
    .status
    .success());
    assert_eq!(check(&krate_args).status.code(), Some(0));
    std::fs::remove_file(krate.join("tests/examples.rs")).unwrap();
    let stale = check(&krate_args);
    assert_eq!(stale.status.code(), Some(1));
    let text = stderr(&stale);
    assert!(
        text.contains("examples.rs: is missing") && !text.contains("lib.rs"),
        "{text}"
    );

    // Nothing to compare with: a usage error.
    assert_eq!(check(&[]).status.code(), Some(2));
}

/// Runs `tidings` with `env` set, on a terminal when `terminal` (through `script`).
fn tidings_with(args: &[&str], env: &[(&str, &str)], terminal: bool) -> Option<String> {
    let exe = env!("CARGO_BIN_EXE_tidings");
    let mut command = if terminal {
        let line = std::iter::once(exe)
            .chain(args.iter().copied())
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut c = Command::new("script");
        c.args(["-qec", &line, "/dev/null"]);
        c
    } else {
        let mut c = Command::new(exe);
        c.args(args);
        c
    };
    command.current_dir(repo()).env_remove("NO_COLOR");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().ok()?;
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

#[test]
fn colour_only_on_a_terminal_without_no_color_or_when_asked() {
    let bad = format!("{BAD}/unresolvable.yaml");
    let plain = |text: &str| !text.contains('\u{1b}');
    let piped = tidings_with(&["generate", &bad], &[], false).unwrap();
    assert!(plain(&piped) && piped.contains("error:"), "{piped}");
    let no_color = tidings_with(&["generate", &bad], &[("NO_COLOR", "1")], false).unwrap();
    assert!(plain(&no_color), "{no_color}");
    let always = tidings_with(
        &["--color", "always", "generate", &bad],
        &[("NO_COLOR", "1")],
        false,
    )
    .unwrap();
    assert!(!plain(&always), "{always}");
    let never = tidings_with(&["generate", &bad, "--color", "never"], &[], false).unwrap();
    assert!(plain(&never), "{never}");

    // On a terminal: colour by default, none with NO_COLOR.
    match tidings_with(&["generate", &bad], &[], true) {
        Some(tty) if tty.contains("error") => {
            assert!(!plain(&tty), "{tty}");
            let tty = tidings_with(&["generate", &bad], &[("NO_COLOR", "1")], true).unwrap();
            assert!(plain(&tty), "{tty}");
        }
        other => {
            eprintln!("`script` could not give tidings a terminal ({other:?}): skipped that part")
        }
    }
}

#[test]
fn help_lists_the_values_of_each_choice() {
    let help = tidings(&["diff", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for value in [
        "backward", "forward", "full", "text", "json", "github", "junit", "auto", "always", "never",
    ] {
        assert!(text.contains(&format!("- {value}")), "{value} in:\n{text}");
    }
    assert_eq!(
        tidings(&["diff", "a", "b", "--mode", "sideways"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        tidings(&["--color", "sometimes", "generate", "x"])
            .status
            .code(),
        Some(2)
    );
}
