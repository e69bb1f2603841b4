//! Error events of dead letters: which messages get `impl ErrorEvent`, and the warning for a
//! message marked `x-tidings-error-event` that cannot describe a dead letter.

use tidings_codegen::LoadOptions;

/// The generated module and the warnings of `spec` (an AsyncAPI 3.0 document).
fn generate(spec: &str) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.yaml");
    std::fs::write(&path, spec).unwrap();
    let generated = tidings_codegen::generate(&path, &LoadOptions::default()).unwrap();
    let warnings = generated
        .catalog
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect();
    (generated.code, warnings)
}

/// A spec whose one message is `name`, with `extension` beside its payload of `properties`
/// (required: `required`).
fn spec(name: &str, extension: &str, properties: &[&str], required: &[&str]) -> String {
    let properties: String = properties
        .iter()
        .map(|p| format!("            {p}: {{type: string}}\n"))
        .collect();
    format!(
        "asyncapi: 3.0.0
info: {{title: t, version: '1'}}
channels:
  errors:
    address: system/errors
    messages:
      error:
        name: {name}
        {extension}
        payload:
          type: object
          required: [{}]
          properties:
{properties}",
        required.join(", ")
    )
}

#[test]
fn a_system_error_whose_properties_a_dead_letter_fills_implements_error_event() {
    for (name, extension) in [
        ("system.error", ""),
        ("com.acme.system.error", ""),
        ("com.acme.ops.failure", "x-tidings-error-event: true"),
    ] {
        let (code, warnings) = generate(&spec(
            name,
            extension,
            &["reason", "originalType", "originalId", "note"],
            &["reason", "originalType"],
        ));
        assert!(
            code.contains("impl ::tidings::consume::ErrorEvent for"),
            "{name}: {code}"
        );
        assert!(code.contains(r#"("originalId", ::tidings::consume::ErrorEventRole::Id)"#));
        assert!(
            !code.contains(r#"("note""#),
            "an optional property of no role stays empty"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}

#[test]
fn a_required_property_no_dead_letter_fills_means_no_impl() {
    // By name only: quietly none (the seeds' nx `system.error` is such a message).
    let (code, warnings) = generate(&spec(
        "system.error",
        "",
        &["reason", "severity"],
        &["severity"],
    ));
    assert!(!code.contains("ErrorEvent for"), "{code}");
    assert!(warnings.is_empty(), "{warnings:?}");
    // Marked: none, and a warning that says why and what to do.
    let (code, warnings) = generate(&spec(
        "com.acme.ops.failure",
        "x-tidings-error-event: true",
        &["reason", "severity"],
        &["reason", "severity"],
    ));
    assert!(!code.contains("ErrorEvent for"), "{code}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("`severity`"), "{}", warnings[0]);
    assert!(warnings[0].contains("error_events_with"), "{}", warnings[0]);
}
