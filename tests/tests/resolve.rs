//! Tests of `$ref` resolution seen from outside.
//!
//! They cover split files, refs relative to the file that holds them, JSON-pointer escapes,
//! recursion, and `$ref` keys that are data.

use std::path::Path;

use tidings_codegen::model::{Ty, TypeKind};
use tidings_codegen::{Catalog, LoadOptions};

fn load(rel: &str) -> (Catalog, Vec<std::path::PathBuf>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    tidings_codegen::catalog(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn type_named<'a>(catalog: &'a Catalog, name: &str) -> &'a TypeKind {
    &catalog
        .types
        .iter()
        .find(|t| t.rust_name == name)
        .unwrap_or_else(|| panic!("no type {name}"))
        .kind
}

#[test]
fn refs_resolve_relative_to_the_file_that_holds_them() {
    let (catalog, files) = load("fixtures/refs/main.yaml");
    assert_eq!(files.len(), 3, "{files:?}");
    // `#/components/schemas/Address` inside schemas/common.yaml names that file's own root.
    let TypeKind::Struct(order) = type_named(&catalog, "Order") else {
        panic!()
    };
    let ship_to = order.fields.iter().find(|f| f.wire == "shipTo").unwrap();
    let Ty::Named(address) = ship_to.ty else {
        panic!("{:?}", ship_to.ty)
    };
    assert_eq!(catalog.ty(address).rust_name, "Address");
    let TypeKind::Struct(address) = &catalog.ty(address).kind else {
        panic!()
    };
    assert_eq!(address.fields[1].wire, "country");
    assert!(matches!(
        type_named(&catalog, "Country"),
        TypeKind::Struct(_)
    ));
    // Parameters by reference into another file.
    assert_eq!(
        catalog.channels[0].parameters[0].description.as_deref(),
        Some("The order.")
    );
}

#[test]
fn json_pointer_escapes_and_percent_encoding() {
    let (catalog, _) = load("fixtures/refs/main.yaml");
    let TypeKind::Struct(odd) = type_named(&catalog, "OrderOdd") else {
        panic!()
    };
    let alias_of = |wire: &str| {
        let field = odd.fields.iter().find(|f| f.wire == wire).unwrap();
        let Ty::Named(id) = field.ty else {
            panic!("{:?}", field.ty)
        };
        match &catalog.ty(id).kind {
            TypeKind::Alias(ty) => ty.clone(),
            other => panic!("{other:?}"),
        }
    };
    assert!(matches!(alias_of("slash"), Ty::Int(_)), "a~1b is a/b");
    assert_eq!(alias_of("tilde"), Ty::String, "x~0y is x~y");
    assert_eq!(alias_of("spaced"), Ty::Bool, "with%20space");
}

#[test]
fn ref_keys_in_examples_are_data() {
    let (catalog, _) = load("fixtures/refs/main.yaml");
    let example = catalog.messages[0].examples[0].payload.as_ref().unwrap();
    assert_eq!(example["note"]["$ref"], "this is data, not a reference");
}

#[test]
fn recursive_schemas_are_boxed_or_behind_vec() {
    let (catalog, _) = load("golden/shapes.yaml");
    let TypeKind::Struct(tree) = type_named(&catalog, "Tree") else {
        panic!()
    };
    let parent = tree.fields.iter().find(|f| f.wire == "parent").unwrap();
    assert!(matches!(parent.ty, Ty::Box(_)), "{:?}", parent.ty);
    let children = tree.fields.iter().find(|f| f.wire == "children").unwrap();
    assert!(matches!(&children.ty, Ty::Vec(inner) if matches!(**inner, Ty::Named(_))));
    // `Box { inner: Box }` in naming.yaml: the self-reference is boxed.
    let (catalog, _) = load("golden/naming.yaml");
    let TypeKind::Struct(b) = type_named(&catalog, "BoxType") else {
        panic!()
    };
    assert!(matches!(b.fields[0].ty, Ty::Box(_)));
}

#[test]
fn v2_publish_and_subscribe_become_receive_and_send() {
    use tidings_codegen::model::Action;
    let (catalog, _) = load("golden/shapes.yaml");
    let action = |key: &str| {
        catalog
            .operations
            .iter()
            .find(|o| o.key == key)
            .unwrap()
            .action
    };
    assert_eq!(
        action("publishShape"),
        Action::Send,
        "2.x subscribe: the application sends"
    );
    assert_eq!(
        action("onAnything"),
        Action::Receive,
        "2.x publish: the application receives"
    );
}

#[test]
fn message_traits_are_merged() {
    let Some(corpus) =
        tidings_tests::corpus::corpus("message_traits_are_merged", "asyncapi-spec-examples")
    else {
        return;
    };
    for spec in [
        "v2.6.0/streetlights-mqtt.yml",
        "v3.0.0/streetlights-mqtt-asyncapi.yml",
    ] {
        let (catalog, _) = load(corpus.join(spec).to_str().unwrap());
        let light = catalog
            .messages
            .iter()
            .find(|m| m.key == "lightMeasured")
            .unwrap();
        assert!(
            light.headers.is_some(),
            "{spec}: headers from the commonHeaders trait"
        );
    }
}
