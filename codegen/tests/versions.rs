//! Version families in generated code: which `From` impls tidings writes and which it leaves out.
//!
//! An impl left to the user is named by the generated `upcast` attribute at compile time when it
//! is missing. Derivable families compile and round-trip in `tests/golden/versions.yaml`.

use tidings_codegen::LoadOptions;

fn generate(spec: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.yaml");
    std::fs::write(&path, spec).unwrap();
    tidings_codegen::generate(&path, &LoadOptions::default())
        .unwrap()
        .code
}

/// A spec with `com.acme.order` 1.0.0 (payload `v1`) and 2.0.0 (payload `v2`).
fn family(v1: &str, v2: &str) -> String {
    format!(
        r#"
asyncapi: 3.0.0
info: {{title: t, version: '1'}}
channels:
  orders:
    address: orders
    messages:
      a: {{$ref: '#/components/messages/OrderV1'}}
      b: {{$ref: '#/components/messages/Order'}}
components:
  messages:
    OrderV1:
      name: com.acme.order
      x-version: '1.0.0'
      payload: {v1}
    Order:
      name: com.acme.order
      x-version: '2.0.0'
      payload: {v2}
"#
    )
}

const BASE: &str =
    "{type: object, required: [id], properties: {id: {type: string}, kind: {type: string, enum: [a, b]}}}";

#[test]
fn additive_changes_get_a_generated_from_impl() {
    let code = generate(&family(
        BASE,
        "{type: object, required: [id], properties: {id: {type: string}, kind: {type: string, enum: [a, b, c]}, note: {type: string}}}",
    ));
    assert!(
        code.contains("upcast(from = OrderV1, version = \"1.0.0\")"),
        "{code}"
    );
    assert!(code.contains("impl From<OrderV1> for Order {"), "{code}");
}

#[test]
fn breaking_changes_leave_the_impl_to_the_user() {
    for (why, v2) in [
        (
            "a new required field",
            "{type: object, required: [id, total], properties: {id: {type: string}, total: {type: integer}, kind: {type: string, enum: [a, b]}}}",
        ),
        (
            "a field of another type",
            "{type: object, required: [id], properties: {id: {type: integer}, kind: {type: string, enum: [a, b]}}}",
        ),
        (
            "an enum that lost a variant",
            "{type: object, required: [id], properties: {id: {type: string}, kind: {type: string, enum: [a]}}}",
        ),
        (
            "a field that was removed",
            "{type: object, required: [id], properties: {id: {type: string}}}",
        ),
        (
            "an optional field that became required",
            "{type: object, required: [id, kind], properties: {id: {type: string}, kind: {type: string, enum: [a, b]}}}",
        ),
    ] {
        let code = generate(&family(BASE, v2));
        assert!(
            code.contains("upcast(from = OrderV1, version = \"1.0.0\")"),
            "{why}: the newest still reads 1.0.0\n{code}"
        );
        assert!(
            !code.contains("impl From<"),
            "{why}: no conversion can be derived\n{code}"
        );
    }
}

#[test]
fn shared_names_without_distinct_versions_are_not_a_family() {
    let spec = family(BASE, BASE).replace("x-version: '2.0.0'", "x-version: '1.0.0'");
    let code = generate(&spec);
    assert!(!code.contains("upcast("), "{code}");
    let unversioned = family(BASE, BASE).replace("      x-version: '2.0.0'\n", "");
    assert!(!generate(&unversioned).contains("upcast("));
}

#[test]
fn handlers_and_publishers_take_the_newest_version_once() {
    let spec = family(BASE, BASE).replace(
        "components:",
        "operations:\n  onOrder:\n    action: receive\n    channel: {$ref: '#/channels/orders'}\n    messages:\n      - $ref: '#/channels/orders/messages/a'\n      - $ref: '#/channels/orders/messages/b'\n  sendOrder:\n    action: send\n    channel: {$ref: '#/channels/orders'}\n    messages:\n      - $ref: '#/channels/orders/messages/a'\n      - $ref: '#/channels/orders/messages/b'\ncomponents:",
    );
    let code = generate(&spec);
    assert_eq!(code.matches("fn on_order(").count(), 1, "{code}");
    assert!(
        code.contains("event: ::tidings::Envelope<super::Order>"),
        "{code}"
    );
    assert_eq!(
        code.matches("pub async fn publish_order(").count(),
        1,
        "{code}"
    );
    assert!(code.contains("event: super::Order,"), "{code}");
    assert!(!code.contains("super::OrderV1>"), "{code}");
}
