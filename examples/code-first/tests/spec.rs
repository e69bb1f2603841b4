//! The code-first spec: exported, committed, generated back, and the same on the wire.
//!
//! `asyncapi.yaml` is what `example_code_first::spec()` writes (rewrite it with
//! `TIDINGS_BLESS=1 cargo test -p example-code-first`); `build.rs` generates Rust from it, and
//! the generated types read and write the same JSON as the hand-written ones, with the same
//! verdict on what is valid.

use example_code_first as code;
use proptest::prelude::*;
use tidings::Validate;

#[allow(dead_code, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/asyncapi.rs"));
}

/// The generated family leaves the upgrade to the application, as the code-first one does.
impl From<generated::OrderPlacedV1> for generated::OrderPlaced {
    fn from(old: generated::OrderPlacedV1) -> Self {
        generated::OrderPlaced(generated::OrderPlacedPayload {
            currency: "EUR".into(),
            order_id: old.0.order_id,
            total_cents: old.0.total_cents,
        })
    }
}

#[test]
fn the_committed_spec_is_what_the_code_exports() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("asyncapi.yaml");
    let exported = code::spec().to_yaml();
    if std::env::var_os("TIDINGS_BLESS").is_some() {
        std::fs::write(&path, &exported).unwrap();
    }
    // Every version the types read through `upcast(...)` is in the document.
    assert_eq!(code::spec().missing_versions(), Vec::<String>::new());
    let without_v1 = tidings::spec::AsyncApi::new("x", "1").send::<code::OrderPlaced>();
    assert_eq!(
        without_v1.missing_versions(),
        ["com.acme.order.placed 1.0.0"]
    );
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == exported,
        "asyncapi.yaml is stale: review the change and rerun with TIDINGS_BLESS=1\n{exported}"
    );
}

/// `value` written by one type and read by the other: the same JSON both ways, and the same
/// verdict of `Validate`.
fn same_on_the_wire<A, B>(value: &A) -> Result<(), TestCaseError>
where
    A: serde::Serialize + serde::de::DeserializeOwned + Validate + PartialEq + std::fmt::Debug,
    B: serde::Serialize + serde::de::DeserializeOwned + Validate,
{
    let json = serde_json::to_value(value).unwrap();
    let verdict = value.validate().is_ok();
    let theirs = tidings::decode_valid::<B>(json.to_string().as_bytes());
    prop_assert_eq!(
        theirs.is_ok(),
        verdict,
        "{} {:?}",
        json,
        theirs.as_ref().err()
    );
    // Decoded without checks, the generated type writes the same JSON back.
    let read: B = serde_json::from_value(json.clone()).unwrap();
    let back = serde_json::to_value(&read).unwrap();
    prop_assert_eq!(&back, &json);
    let again: A = serde_json::from_value(back).unwrap();
    prop_assert_eq!(&again, value);
    Ok(())
}

proptest! {
    #[test]
    fn orders_round_trip(
        order_id in "[a-z0-9-]{0,12}",
        total_cents in prop_oneof![Just(0u64), Just(1u64), any::<u64>()],
        currency in "[A-Za-z]{2,4}",
    ) {
        let placed = code::OrderPlaced { order_id: order_id.clone(), total_cents, currency };
        same_on_the_wire::<_, generated::OrderPlaced>(&placed)?;
        let v1 = code::OrderPlacedV1 { order_id: order_id.clone(), total_cents };
        same_on_the_wire::<_, generated::OrderPlacedV1>(&v1)?;
        let shipped = code::OrderShipped { order_id, carrier: "dhl".into() };
        same_on_the_wire::<_, generated::OrderShipped>(&shipped)?;
    }
}
