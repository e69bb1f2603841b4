//! The code-first example's events: hand-written types that derive `Event`, `Validate` and
//! `JsonSchema`, and the AsyncAPI document they make ([`spec`]), committed as
//! `asyncapi.yaml` beside this crate (a test keeps it current; `tidings diff` guards it).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version 1.0.0 of an order, as older producers still send it.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, tidings::Event, tidings::Validate,
)]
#[event(
    type = "com.acme.order.placed",
    version = "1.0.0",
    source = "/shop",
    channel = "orders/{orderId}"
)]
pub struct OrderPlacedV1 {
    pub order_id: String,
    #[validate(minimum = 1)]
    pub total_cents: u64,
}

/// Version 2.0.0 added the currency; 1.0.0 orders were all in euros.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, tidings::Event, tidings::Validate,
)]
#[event(
    type = "com.acme.order.placed",
    version = "2.0.0",
    source = "/shop",
    channel = "orders/{orderId}"
)]
#[event(upcast(from = OrderPlacedV1, version = "1.0.0"))]
pub struct OrderPlaced {
    #[validate(length(min = 1))]
    pub order_id: String,
    #[validate(minimum = 1)]
    pub total_cents: u64,
    #[validate(pattern = "^[A-Z]{3}$")]
    pub currency: String,
}

impl From<OrderPlacedV1> for OrderPlaced {
    fn from(old: OrderPlacedV1) -> Self {
        OrderPlaced {
            order_id: old.order_id,
            total_cents: old.total_cents,
            currency: "EUR".into(),
        }
    }
}

/// The warehouse shipped an order.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, tidings::Event, tidings::Validate,
)]
#[event(
    type = "com.acme.order.shipped",
    version = "1.0.0",
    source = "/warehouse",
    channel = "shipments/{orderId}"
)]
pub struct OrderShipped {
    pub order_id: String,
    pub carrier: String,
}

/// The application's AsyncAPI document: the shop sends orders (both versions), the warehouse
/// receives them and sends shipments.
pub fn spec() -> tidings::spec::AsyncApi {
    tidings::spec::AsyncApi::new("Code-first orders", "1.0.0")
        .description("Orders placed by the shop and shipped by the warehouse, defined in Rust.")
        .send::<OrderPlacedV1>()
        .send::<OrderPlaced>()
        .receive::<OrderPlaced>()
        .send::<OrderShipped>()
        .example(&OrderPlaced {
            order_id: "o-2".into(),
            total_cents: 990,
            currency: "GBP".into(),
        })
        .example(&OrderShipped {
            order_id: "o-2".into(),
            carrier: "dhl".into(),
        })
}
