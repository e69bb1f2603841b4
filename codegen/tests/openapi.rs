//! OpenAPI and JSON Schema documents through the `tidings` command line: what they generate,
//! how bad ones are refused, and `tidings diff` between two versions.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tidings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("tidings runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

/// `tidings generate` of `spec` to stdout: the code, or the exit code and diagnostics.
fn generate(spec: &Path) -> Result<String, (Option<i32>, String)> {
    let out = tidings(&["generate", spec.to_str().unwrap()]);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err((out.status.code(), text(&out)))
    }
}

#[test]
fn swagger_2_is_refused_with_the_way_to_convert_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "old.yaml",
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
    );
    let (code, shown) = generate(&spec).unwrap_err();
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("old.yaml:1:10"), "{shown}");
    assert!(
        shown.contains("convert the document to OpenAPI 3"),
        "{shown}"
    );
    assert!(!shown.contains("panicked"), "{shown}");
}

#[test]
fn openapi_objects_of_the_wrong_shape_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "bad.yaml",
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post: 7\n\
         webhooks: [1]\ncomponents:\n  schemas: nope\n",
    );
    let (code, shown) = generate(&spec).unwrap_err();
    assert_eq!(code, Some(1), "{shown}");
    // Every problem, each with its place.
    assert!(shown.contains("bad.yaml:5:11"), "{shown}");
    assert!(shown.contains("bad.yaml:6:11"), "{shown}");
    assert!(shown.contains("bad.yaml:8:12"), "{shown}");
    assert!(!shown.contains("panicked"), "{shown}");
}

#[test]
fn refs_inside_example_values_are_data() {
    // A SCIM example holds `$ref` keys of its own: they are no references to resolve.
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "scim.yaml",
        r##"openapi: 3.0.3
info: {title: scim, version: '1'}
paths:
  /Groups:
    post:
      operationId: createGroup
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                members:
                  type: array
                  items:
                    type: object
                    properties:
                      value: {type: string}
                      $ref: {type: string}
            examples:
              one:
                value:
                  members:
                    - value: u-1
                      $ref: 'https://example.com/v2/Users/u-1'
components:
  examples:
    group:
      value:
        $ref: 'no-such-file.yaml#/nothing'
"##,
    );
    let code = generate(&spec).unwrap();
    assert!(code.contains("pub struct CreateGroupBody"), "{code}");
}

#[test]
fn a_json_schema_document_is_typed_from_its_title_and_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "push-event.json",
        r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Push event",
  "type": "object",
  "required": ["ref", "commits"],
  "properties": {
    "ref": {"type": "string"},
    "commits": {"type": "array", "items": {"$ref": "#/$defs/commit"}},
    "pusher": {"$ref": "#person"}
  },
  "$defs": {
    "commit": {
      "type": "object",
      "required": ["id"],
      "properties": {"id": {"type": "string", "minLength": 40, "maxLength": 40}}
    },
    "person": {"$anchor": "person", "type": "object", "properties": {"name": {"type": "string"}}},
    "unused": {"type": "string", "enum": ["a", "b"]}
  }
}"##,
    );
    let code = generate(&spec).unwrap();
    for item in [
        "pub struct PushEvent",
        "pub struct Commit",
        "pub struct Person",
        "pub enum Unused",
        "draft/2020-12",
    ] {
        assert!(code.contains(item), "no `{item}` in:\n{code}");
    }
    // Draft-07 (`definitions`, tuples as `items` arrays) and 2019-09 documents too, each
    // validated by its own draft's rules.
    let draft7 = write(
        dir.path(),
        "point.json",
        r##"{"$schema": "http://json-schema.org/draft-07/schema#", "title": "Point",
             "type": "array", "items": [{"type": "number"}, {"type": "number"}],
             "additionalItems": false, "minItems": 2,
             "definitions": {"unit": {"enum": ["m", "km"]}}}"##,
    );
    let code = generate(&draft7).unwrap();
    assert!(
        code.contains("pub struct Point(") && code.contains("pub (f64, f64)"),
        "{code}"
    );
    assert!(code.contains("pub enum Unit"), "{code}");
    assert!(!code.contains("draft/2020-12"), "{code}");
    let draft2019 = write(
        dir.path(),
        "tag.json",
        r##"{"$schema": "https://json-schema.org/draft/2019-09/schema", "title": "Tag",
             "type": "object", "properties": {"name": {"type": "string"}},
             "dependentRequired": {"name": ["kind"]}}"##,
    );
    assert!(generate(&draft2019).unwrap().contains("draft/2019-09"));
    // Without a title, the file names the root type.
    let untitled = write(
        dir.path(),
        "order-line.schema.json",
        r#"{"type": "object", "properties": {"sku": {"type": "string"}}}"#,
    );
    assert!(generate(&untitled)
        .unwrap()
        .contains("pub struct OrderLine"));
}

/// The golden OpenAPI 3.1 document, and a new version of it with three changes.
fn two_versions(dir: &Path) -> (PathBuf, PathBuf) {
    let old = std::fs::read_to_string(repo().join("tests/golden/openapi31.yaml")).unwrap();
    let mut new = old.clone();
    for (from, to) in [
        // A required field of a response is gone.
        (
            "                required: [id]\n                properties:\n                  id:\n                    type: string\n                    format: uuid\n",
            "                properties:\n                  created:\n                    type: string\n",
        ),
        // An enum is narrowed.
        ("enum: [placed, paid, shipped]", "enum: [placed, paid]"),
        // A webhook's payload changes a field's type.
        ("                reason:\n                  type: [string, 'null']\n", "                reason:\n                  type: integer\n"),
    ] {
        assert!(new.contains(from), "the golden document changed: {from}");
        new = new.replacen(from, to, 1);
    }
    (write(dir, "old.yaml", &old), write(dir, "new.yaml", &new))
}

#[test]
fn diff_reports_openapi_changes_with_rules_and_places() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = two_versions(dir.path());
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let backward = tidings(&["diff", old, new]);
    let shown = text(&backward);
    assert_eq!(backward.status.code(), Some(1), "{shown}");
    for expected in [
        "enum-value-removed at /payload/properties/status/enum",
        "type-changed at /payload/properties/reason/type",
        "old.yaml:115:11",
        "new.yaml:40:19",
        "orderCancelled",
        // The component schema on its own too.
        "schema Order\n    ✗ enum-value-removed at /schema/properties/status/enum",
    ] {
        assert!(shown.contains(expected), "no `{expected}` in:\n{shown}");
    }
    // The removed required response field breaks old readers (forward).
    let forward = tidings(&["diff", "--mode", "forward", old, new]);
    let shown = text(&forward);
    assert_eq!(forward.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("✗ required-removed at /payload/required: id")
            && shown.contains("subscribe response 201"),
        "{shown}"
    );
    // Unchanged: compatible.
    let same = tidings(&["diff", old, old]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same));
}

#[test]
fn dangling_refs_stop_generation_unless_keep_going() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("parts")).unwrap();
    write(
        &dir.path().join("parts"),
        "pet.yaml",
        "type: object\nproperties:\n  name: {type: string}\n  owner:\n    $ref: './owner.yaml'\n",
    );
    let spec = write(
        dir.path(),
        "api.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    \
         Pet:\n      $ref: 'parts/pet.yaml'\n    Toy:\n      $ref: '#/components/schemas/Nope'\n",
    );
    // Both dangling references, each with its place; exit 1.
    let (code, shown) = generate(&spec).unwrap_err();
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("pet.yaml:5:11"), "{shown}");
    assert!(shown.contains("api.yaml:9:13"), "{shown}");
    // Going on: the same two as warnings, and the rest typed.
    let out = tidings(&["generate", "--keep-going", spec.to_str().unwrap()]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("warning") && shown.contains("pet.yaml:5:11"),
        "{shown}"
    );
    assert!(shown.contains("api.yaml:9:13"), "{shown}");
    let code = String::from_utf8_lossy(&out.stdout);
    assert!(code.contains("pub struct Pet"), "{code}");
    assert!(code.contains("pub owner: Option<Owner>"), "{code}");
    assert!(
        code.contains("pub type Owner = ::tidings::serde_json::Value;"),
        "{code}"
    );
}

#[path = "../../tests/src/corpus.rs"]
mod corpus;

/// Every type's Rust name by the schema it comes from.
fn names_by_origin(spec: &Path) -> std::collections::BTreeMap<String, String> {
    let (catalog, _) = tidings_codegen::catalog(spec, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
    catalog
        .types
        .iter()
        .map(|t| {
            // The origin names the file; the copies below live in another folder.
            let origin = t.origin.rsplit_once('#').map_or("", |(_, p)| p);
            (
                format!("#{origin} {}", t.message.is_some()),
                t.rust_name.clone(),
            )
        })
        .collect()
}

#[test]
fn names_stay_when_unrelated_parts_change() {
    let Some(nexus) = corpus::corpus("stable names", "openapi/progenitor/nexus.json") else {
        return;
    };
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(nexus).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &original.to_string());
    let before = names_by_origin(&base);
    assert!(before.len() > 300, "{} types", before.len());
    let paths: Vec<String> = original["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut variants = Vec::new();
    // Paths removed, spread over the document (every 23rd), one at a time.
    for path in paths.iter().step_by(23) {
        let mut changed = original.clone();
        changed["paths"].as_object_mut().unwrap().remove(path);
        variants.push((format!("without {path}"), changed));
    }
    // New schemas and a new operation put in front of everything else.
    let mut changed = original.clone();
    let mut schemas = serde_json::Map::new();
    for i in 0..5 {
        schemas.insert(
            format!("Unrelated{i}"),
            json_of(&format!(
                r#"{{"type": "object", "properties": {{"state": {{"type": "string", "enum": ["a{i}", "b"]}}}}}}"#
            )),
        );
    }
    schemas.extend(
        original["components"]["schemas"]
            .as_object()
            .unwrap()
            .clone(),
    );
    changed["components"]["schemas"] = serde_json::Value::Object(schemas);
    let mut all_paths = serde_json::Map::new();
    all_paths.insert(
        "/unrelated".into(),
        json_of(
            r#"{"post": {"operationId": "unrelated_thing", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"state": {"type": "string"}}}}}}, "responses": {"204": {"description": "ok"}}}}"#,
        ),
    );
    all_paths.extend(original["paths"].as_object().unwrap().clone());
    changed["paths"] = serde_json::Value::Object(all_paths);
    variants.push(("with new schemas and a new operation first".into(), changed));

    for (what, document) in variants {
        let spec = write(dir.path(), "changed.json", &document.to_string());
        let after = names_by_origin(&spec);
        let moved: Vec<String> = after
            .iter()
            .filter_map(|(origin, name)| {
                let old = before.get(origin)?;
                (old != name).then(|| format!("{origin}: {old} → {name}"))
            })
            .collect();
        assert!(
            moved.is_empty(),
            "{what}: names changed:\n{}",
            moved.join("\n")
        );
    }
}

fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}
