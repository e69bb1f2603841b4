//! Validation through generated code reports every violation at once and never panics.
//!
//! Each violation comes with its JSON pointer and keyword; `decode_message` never panics,
//! whatever the bytes.

use proptest::prelude::*;
use serde_json::{json, Value};
use tidings::{DecodeError, Violation};
use tidings_tests::{nx, orders};

/// The `withPromotion` example of `OrderCreatedV2` in specs/orders.yaml.
fn order_example() -> Value {
    json!({
        "id": "22222222-3333-4444-8555-666666666666",
        "type": "com.acme.order.created",
        "timestamp": "2025-03-02T08:15:30.250Z",
        "version": "2.0.0",
        "source": "order-service",
        "correlationId": "4d3c2b1a-0f9e-4d8c-b7a6-958473625140",
        "userId": "0e1d2c3b-4a59-4687-b6a5-c4d3e2f1a0b9",
        "metadata": {},
        "data": {
            "orderId": "7a6b5c4d-3e2f-4101-8f9e-8d7c6b5a4f3e",
            "userId": "0e1d2c3b-4a59-4687-b6a5-c4d3e2f1a0b9",
            "items": [{
                "productId": "prod_mug_white",
                "sku": "MUG-WHT-350",
                "quantity": 3,
                "unitPrice": 9.99,
                "currency": "EUR"
            }],
            "totalAmount": 29.97,
            "currency": "EUR",
            "shippingAddress": {
                "recipientName": "Grace Hopper",
                "line1": "Friedrichstraße 43",
                "line2": "3. OG",
                "city": "Berlin",
                "postalCode": "10117",
                "country": "DE"
            },
            "paymentMethod": "paypal",
            "promotionCode": "SPRING25"
        }
    })
}

fn violations(result: Result<orders::Message, DecodeError>) -> Vec<(String, &'static str)> {
    match result {
        Err(DecodeError::Invalid(errors)) => errors
            .into_iter()
            .map(
                |Violation {
                     pointer, keyword, ..
                 }| (pointer, keyword),
            )
            .collect(),
        other => panic!("expected constraint violations, got {other:?}"),
    }
}

#[test]
fn a_valid_order_decodes() {
    let bytes = serde_json::to_vec(&order_example()).unwrap();
    let message = orders::decode_message("com.acme.order.created", &bytes).unwrap();
    assert!(matches!(message, orders::Message::OrderCreatedV2(_)));
}

#[test]
fn every_violation_is_reported_with_its_pointer() {
    let mut order = order_example();
    order["type"] = json!("com.acme.order.deleted");
    order["data"]["items"][0]["quantity"] = json!(0);
    order["data"]["items"][0]["unitPrice"] = json!(9.999);
    order["data"]["items"][0]["sku"] = json!("mug white");
    order["data"]["totalAmount"] = json!(-1);
    let bytes = serde_json::to_vec(&order).unwrap();
    let mut found = violations(orders::decode_message("com.acme.order.created", &bytes));
    found.sort();
    let mut expected = vec![
        ("/type".to_string(), "const"),
        ("/data/items/0/quantity".to_string(), "minimum"),
        ("/data/items/0/unitPrice".to_string(), "multipleOf"),
        ("/data/items/0/sku".to_string(), "pattern"),
        ("/data/totalAmount".to_string(), "minimum"),
    ];
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn decimal_prices_are_exact_multiples_of_a_cent() {
    for price in [19.99, 0.07, 1234.56, 0.1, 0.3] {
        let mut order = order_example();
        order["data"]["items"][0]["unitPrice"] = json!(price);
        let bytes = serde_json::to_vec(&order).unwrap();
        assert!(
            orders::decode_message("com.acme.order.created", &bytes).is_ok(),
            "{price}"
        );
    }
}

#[test]
fn malformed_json_wrong_shape_and_violations_are_told_apart() {
    assert!(matches!(
        orders::decode_message("com.acme.order.created", b"{\"id\": "),
        Err(DecodeError::Syntax { .. })
    ));
    let mut order = order_example();
    order["data"]["items"][0]["quantity"] = json!("three");
    let bytes = serde_json::to_vec(&order).unwrap();
    match orders::decode_message("com.acme.order.created", &bytes) {
        Err(DecodeError::Shape { path, .. }) => assert_eq!(path, "/data/items/0/quantity"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        orders::decode_message("no.such.message", b"{}"),
        Err(DecodeError::UnknownMessage { .. })
    ));
}

/// Names of every message, for the fuzz test.
const NAMES: &[&str] = &[
    "com.acme.order.created",
    "com.acme.order.confirmed",
    "com.acme.payment.failed",
    "com.nx-monorepo.build.completed",
    "com.nx-monorepo.deployment.triggered",
    "com.nx-monorepo.system.error",
];

fn decode_any(name: &str, bytes: &[u8]) {
    let _ = orders::decode_message(name, bytes);
    let _ = nx::decode_message(name, bytes);
}

/// JSON values with a bias towards the shapes of real events.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9 .:/-]{0,24}".prop_map(Value::String),
        Just(json!("2025-03-02T08:15:30Z")),
        Just(json!("7a6b5c4d-3e2f-4101-8f9e-8d7c6b5a4f3e")),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("type".to_string()),
                    Just("data".to_string()),
                    Just("items".to_string()),
                    Just("quantity".to_string()),
                    "[a-z]{1,10}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), n in 0..NAMES.len()) {
        decode_any(NAMES[n], &bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value(), n in 0..NAMES.len()) {
        decode_any(NAMES[n], &serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn mutated_orders_never_panic(
        path in prop::sample::select(vec!["type", "data", "timestamp", "metadata", "id"]),
        value in json_value(),
        cut in 0usize..2000,
    ) {
        let mut order = order_example();
        order[path] = value;
        let bytes = serde_json::to_vec(&order).unwrap();
        decode_any("com.acme.order.created", &bytes);
        decode_any("com.acme.order.created", &bytes[..cut.min(bytes.len())]);
    }
}

#[test]
fn hostile_payloads_are_errors_not_panics() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let big_string = format!("{{\"id\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let cases: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        big_string.into_bytes(),
        b"1e999999".to_vec(),
        b"123456789012345678901234567890".to_vec(),
        vec![0xff, 0xfe, 0x00, b'{'],
        b"{\"id\": \"\xc3\x28\"}".to_vec(),
        Vec::new(),
    ];
    for bytes in &cases {
        for name in NAMES {
            let result = orders::decode_message(name, bytes);
            assert!(result.is_err() || name.starts_with("com.nx"));
            let _ = nx::decode_message(name, bytes);
        }
    }
}
