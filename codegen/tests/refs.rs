//! `$ref` resolution seen through the library, and the structure checks over the corpus.
//!
//! It covers references met along JSON pointers (chains of them, across files, generated), cycles
//! through pointers, `$ref` that is data, and the structure checks over every document of the
//! corpus.

use std::path::{Path, PathBuf};

use tidings_codegen::{Error, LoadOptions};

#[path = "../../tests/src/corpus.rs"]
mod corpus;

/// Writes `files` (name, text) into a new folder; the first is the spec.
fn tree(files: &[(String, String)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let spec = dir.path().join(&files[0].0);
    (dir, spec)
}

fn catalog(spec: &Path) -> Result<tidings_codegen::Catalog, Error> {
    tidings_codegen::catalog(spec, &LoadOptions::default()).map(|(c, _)| c)
}

const HEAD: &str = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n";

/// A spec whose operation names its message by `#/channels/echo/messages/echo`, where the
/// channel (or its `messages`) is reached through `hops` references, each a plain one to
/// another file or one whose own pointer passes through a reference in a third file.
fn through_refs(hops: &[Hop], at_messages: bool) -> Vec<(String, String)> {
    let channel =
        "address: echo\nmessages:\n  echo:\n    name: echo\n    payload: {type: string}\n";
    let messages = "echo:\n  name: echo\n  payload: {type: string}\n";
    let mut files = Vec::new();
    // The last file holds the target under `target`; each hop before it refers onward.
    let target = if at_messages { messages } else { channel };
    let mut next = format!("f{}.yaml#/target", hops.len());
    files.push((
        format!("f{}.yaml", hops.len()),
        format!("target:\n{}", indent(target, 2)),
    ));
    for (i, hop) in hops.iter().enumerate().rev() {
        let (text, reference) = match hop {
            Hop::Plain => (
                format!("target:\n  $ref: '{next}'\n"),
                format!("f{i}.yaml#/target"),
            ),
            // `f{i}.yaml#/wrap/target`, where `wrap` refers to `g{i}.yaml#/inner`, whose
            // `target` refers onward.
            Hop::Pointer => {
                files.push((
                    format!("g{i}.yaml"),
                    format!("inner:\n  target:\n    $ref: '{next}'\n"),
                ));
                (
                    format!("wrap:\n  $ref: 'g{i}.yaml#/inner'\n"),
                    format!("f{i}.yaml#/wrap/target"),
                )
            }
        };
        files.push((format!("f{i}.yaml"), text));
        next = reference;
    }
    let channels = if at_messages {
        format!("channels:\n  echo:\n    address: echo\n    messages:\n      $ref: '{next}'\n")
    } else {
        format!("channels:\n  echo:\n    $ref: '{next}'\n")
    };
    let main = format!(
        "{HEAD}{channels}operations:\n  send:\n    action: send\n    channel: {{$ref: '#/channels/echo'}}\n    messages:\n      - $ref: '#/channels/echo/messages/echo'\n"
    );
    files.insert(0, ("main.yaml".into(), main));
    files
}

#[derive(Clone, Copy, Debug)]
enum Hop {
    Plain,
    Pointer,
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(by)))
        .collect()
}

/// A small deterministic generator (xorshift), so the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn references_along_a_pointer_are_followed_across_files() {
    // The case: `channels/echo` is a `$ref` to another file.
    for at_messages in [false, true] {
        let (_dir, spec) = tree(&through_refs(&[Hop::Plain], at_messages));
        let catalog = catalog(&spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(catalog.messages.len(), 1);
        assert_eq!(
            catalog.operations[0].messages,
            [tidings_codegen::model::MessageId(0)]
        );
        assert_eq!(catalog.channels[0].address.as_deref(), Some("echo"));
    }
    // Generated chains: up to eight hops, each plain or through another pointer.
    let mut rng = Rng(0x5eed_1234_abcd);
    for case in 0..60 {
        let hops: Vec<Hop> = (0..1 + rng.next() % 8)
            .map(|_| {
                if rng.next().is_multiple_of(2) {
                    Hop::Plain
                } else {
                    Hop::Pointer
                }
            })
            .collect();
        let at_messages = rng.next().is_multiple_of(2);
        let files = through_refs(&hops, at_messages);
        let (_dir, spec) = tree(&files);
        let catalog = catalog(&spec)
            .unwrap_or_else(|e| panic!("case {case} {hops:?} (messages: {at_messages}): {e}"));
        assert_eq!(catalog.messages.len(), 1, "case {case}");
        assert_eq!(catalog.messages[0].name, "echo", "case {case}");
        assert_eq!(catalog.operations[0].messages.len(), 1, "case {case}");
    }
}

#[test]
fn cycles_through_pointers_are_errors_not_hangs() {
    let cases = [
        // `#/channels/a/x` passes through `channels/a`, which is `#/channels/a/x` itself.
        vec![(
            "main.yaml".to_string(),
            format!(
                "{HEAD}channels:\n  a:\n    $ref: '#/channels/a/x'\noperations:\n  o:\n    action: send\n    channel: {{$ref: '#/channels/a'}}\n"
            ),
        )],
        // Across files: o.yaml#/p/q passes through p, which leads back to it.
        vec![
            (
                "main.yaml".to_string(),
                format!(
                    "{HEAD}channels:\n  a:\n    $ref: 'o.yaml#/p/q'\noperations:\n  o:\n    action: send\n    channel: {{$ref: '#/channels/a'}}\n"
                ),
            ),
            ("o.yaml".to_string(), "p:\n  $ref: 'main.yaml#/channels/a'\n".to_string()),
        ],
    ];
    for files in cases {
        let (_dir, spec) = tree(&files);
        let err = catalog(&spec).unwrap_err().to_string();
        assert!(err.contains("cycle of references"), "{err}");
        assert!(err.contains("main.yaml:"), "{err}");
    }

    // A long chain of references through pointers ends with an error, not a stack overflow.
    let mut files = vec![(
        "main.yaml".to_string(),
        format!(
            "{HEAD}channels:\n  a:\n    $ref: 'f0.yaml#/w/x'\noperations:\n  o:\n    action: send\n    channel: {{$ref: '#/channels/a'}}\n"
        ),
    )];
    for i in 0..300 {
        files.push((
            format!("f{i}.yaml"),
            format!("w:\n  $ref: 'f{}.yaml#/w/x/y'\n", i + 1),
        ));
    }
    files.push(("f300.yaml".into(), "w: {x: {y: {}}}\n".into()));
    let (_dir, spec) = tree(&files);
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || catalog(&spec).map(|_| ()).map_err(|e| e.to_string()))
        .unwrap();
    let err = handle.join().expect("no stack overflow").unwrap_err();
    assert!(err.contains("references met along"), "{err}");
}

#[test]
fn ref_inside_enum_const_default_and_examples_is_data() {
    let data = "{$ref: 'nowhere.yaml#/X'}";
    let local = "{$ref: '#/nowhere'}";
    let v3 = format!(
        "{HEAD}channels:\n  c:\n    address: c\n    messages:\n      m:\n        payload:\n          type: object\n          properties:\n            a: {{enum: [{data}, {local}]}}\n            b: {{const: {data}}}\n            c: {{default: {local}}}\n            d: {{examples: [{data}]}}\n        examples:\n          - payload: {{b: {data}}}\n            headers: {local}\n"
    );
    let v2 = format!(
        "asyncapi: 2.6.0\ninfo: {{title: t, version: '1'}}\nchannels:\n  c/{{p}}:\n    parameters:\n      p:\n        schema: {{type: string, enum: [x], default: x, examples: [{data}]}}\n    subscribe:\n      message:\n        payload:\n          type: object\n          properties:\n            a: {{enum: [{data}]}}\n            b: {{const: {local}}}\n        examples:\n          - payload: {{a: {data}}}\n"
    );
    for (name, text) in [("v3.yaml", v3), ("v2.yaml", v2)] {
        let (_dir, spec) = tree(&[(name.to_string(), text)]);
        let (catalog, files) = tidings_codegen::catalog(&spec, &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(files.len(), 1, "{name}: no other file is read");
        let schema = payload_schema(&catalog);
        let a = &schema["properties"]["a"]["enum"][0];
        assert_eq!(
            a,
            &serde_json::json!({"$ref": "nowhere.yaml#/X"}),
            "{name}: {schema}"
        );
    }

    // A pointer into data does not follow a `$ref` found there.
    let text = format!(
        "{HEAD}channels:\n  c:\n    address: c\n    messages:\n      m:\n        payload: {{$ref: '#/components/schemas/S/default/x'}}\ncomponents:\n  schemas:\n    S: {{default: {{$ref: '#/components/schemas/T'}}}}\n    T: {{x: {{type: string}}}}\n"
    );
    let (_dir, spec) = tree(&[("data.yaml".to_string(), text)]);
    let err = catalog(&spec).unwrap_err().to_string();
    assert!(err.contains("no such location"), "{err}");
}

#[test]
fn a_property_named_like_a_data_keyword_is_a_schema() {
    let text = format!(
        "{HEAD}channels:\n  c:\n    address: c\n    messages:\n      m:\n        payload:\n          type: object\n          properties:\n            enum: {{$ref: 'other.yaml#/S'}}\n            default: {{$ref: 'other.yaml#/S'}}\n            const: {{$ref: '#/components/schemas/L'}}\n            examples: {{$ref: '#/components/schemas/L'}}\ncomponents:\n  schemas:\n    L: {{type: string, maxLength: 2}}\n"
    );
    let (_dir, spec) = tree(&[
        ("main.yaml".to_string(), text),
        (
            "other.yaml".to_string(),
            "S: {type: integer, minimum: 1}\n".to_string(),
        ),
    ]);
    let (catalog, files) =
        tidings_codegen::catalog(&spec, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(files.len(), 2, "other.yaml is read");
    let schema = payload_schema(&catalog);
    let properties = schema["properties"].as_object().unwrap();
    assert_eq!(properties.len(), 4, "{schema}");
    for (name, property) in properties {
        let target = property["$ref"].as_str().unwrap();
        assert!(target.starts_with("#/definitions/"), "{name}: {schema}");
    }
    // The referenced schemas are entries of the same document.
    let text = catalog.schema_document.document.to_string();
    assert!(
        text.contains("\"minimum\":1") && text.contains("\"maxLength\":2"),
        "{text}"
    );
}

#[test]
fn no_document_of_the_corpus_trips_the_structure_checks() {
    let Some(root) = corpus::corpus(
        "no_document_of_the_corpus_trips_the_structure_checks",
        "asyncapi-spec-examples",
    ) else {
        return;
    };
    let mut specs = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "common") {
                    pending.push(path);
                }
                continue;
            }
            let is_spec = path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("asyncapi"));
            if is_spec {
                specs.push(path);
            }
        }
    }
    specs.sort();
    assert!(specs.len() >= 75, "{} specs", specs.len());
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in ["specs", "tests/golden"] {
        for entry in std::fs::read_dir(own.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                specs.push(path);
            }
        }
    }
    specs.push(own.join("tests/fixtures/refs/main.yaml"));
    for spec in &specs {
        // The multi-file examples reach `../common`: their folder's parent is the root.
        let options = LoadOptions {
            root: spec.parent().and_then(Path::parent).map(Path::to_path_buf),
            ..LoadOptions::default()
        };
        let (catalog, _) = tidings_codegen::catalog(spec, &options)
            .unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
        for warning in &catalog.warnings {
            assert!(
                !warning.message.contains("is not a JSON Schema keyword"),
                "{}: {warning}",
                spec.display()
            );
        }
    }
}

/// The first message's payload schema, as its entry in the catalog's schema document.
fn payload_schema(catalog: &tidings_codegen::model::Catalog) -> serde_json::Value {
    let entry = catalog.messages[0].payload_schema.as_ref().unwrap();
    catalog.schema_document.get(entry).clone()
}
