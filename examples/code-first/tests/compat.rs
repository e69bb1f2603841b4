//! The guard a code-first crate gets: its exported spec compared with an earlier export by
//! the schema-evolution checker, as `cargo xtask check-compat --specs
//! examples/code-first/asyncapi.yaml` compares the committed file with the one at the merge
//! base. A new required field breaks consumers' old payloads; a new optional one does not.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings_codegen::compat::{diff_specs, Mode, Options};
use tidings_codegen::LoadOptions;

/// `OrderShipped` with a new required field.
#[derive(Serialize, Deserialize, JsonSchema, tidings::Event, tidings::Validate)]
#[schemars(rename = "OrderShipped")]
#[event(
    type = "com.acme.order.shipped",
    version = "1.0.0",
    channel = "shipments/{orderId}"
)]
struct ShippedWithTracking {
    order_id: String,
    carrier: String,
    tracking: String,
}

/// `OrderShipped` with a new optional field.
#[derive(Serialize, Deserialize, JsonSchema, tidings::Event, tidings::Validate)]
#[schemars(rename = "OrderShipped")]
#[event(
    type = "com.acme.order.shipped",
    version = "1.0.0",
    channel = "shipments/{orderId}"
)]
struct ShippedWithNote {
    order_id: String,
    carrier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// Whether the spec exported with `new` is backward compatible with the one with the
/// example's own `OrderShipped`; the report's text.
fn compatible(new: tidings::spec::AsyncApi) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let old = tidings::spec::AsyncApi::new("Shipments", "1.0.0")
        .send::<example_code_first::OrderShipped>();
    let (old_path, new_path) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    std::fs::write(&old_path, old.to_yaml()).unwrap();
    std::fs::write(&new_path, new.to_yaml()).unwrap();
    let options = Options {
        mode: Mode::Backward,
        strict: false,
    };
    let report = diff_specs(&old_path, &new_path, &LoadOptions::default(), &options).unwrap();
    (
        report.is_compatible(),
        report.render(tidings_codegen::compat::Format::Text),
    )
}

#[test]
fn a_new_required_field_breaks_and_a_new_optional_one_does_not() {
    let (ok, text) = compatible(
        tidings::spec::AsyncApi::new("Shipments", "1.0.0").send::<ShippedWithTracking>(),
    );
    assert!(!ok, "{text}");
    assert!(text.contains("tracking"), "{text}");
    let (ok, text) =
        compatible(tidings::spec::AsyncApi::new("Shipments", "1.0.0").send::<ShippedWithNote>());
    assert!(ok, "{text}");
}
