//! `#[derive(Event)]` with every attribute it takes compiles.

use tidings::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(
    type = "com.acme.order.created",
    version = "1.0.0",
    content_type = "application/cloudevents+json",
    channel = "orders/{orderId}",
    source = "/orders",
    subject = "order",
)]
struct OrderCreated {
    order_id: String,
}

#[derive(Serialize, Deserialize, Event)]
#[serde(tag = "kind")]
#[event(type = "com.acme.payment")]
enum Payment {
    Card { last4: String },
    Cash,
}

#[derive(Serialize, Deserialize, Event)]
#[event(r#type = "com.acme.page")]
struct Page<T>
where
    T: Clone,
{
    items: Vec<T>,
}

fn metadata<E: Event>() -> [Option<&'static str>; 6] {
    [
        Some(E::TYPE),
        E::VERSION,
        Some(E::CONTENT_TYPE),
        E::CHANNEL,
        E::SOURCE,
        E::SUBJECT,
    ]
}

fn main() {
    assert_eq!(
        metadata::<OrderCreated>(),
        [
            Some("com.acme.order.created"),
            Some("1.0.0"),
            Some("application/cloudevents+json"),
            Some("orders/{orderId}"),
            Some("/orders"),
            Some("order"),
        ]
    );
    assert_eq!(
        metadata::<Payment>(),
        [Some("com.acme.payment"), None, Some("application/json"), None, None, None]
    );
    assert_eq!(<Page<u8> as Event>::TYPE, "com.acme.page");
}
