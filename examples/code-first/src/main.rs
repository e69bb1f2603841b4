//! tidings without a spec: hand-written events and router on the in-memory bus.
//!
//! The hand-written event types derive `Event` and `Validate`, a router is written by hand, and
//! the in-memory bus carries the events.
//!
//! It shows versioning too: an old producer still sends `com.acme.order.placed` 1.0.0, which
//! the consumer reads as 2.0.0 through `#[event(upcast(...))]` and a `From` impl.
//! Run it with `cargo run -p example-code-first`.

use std::error::Error;
use std::time::Duration;

use example_code_first::{OrderPlaced, OrderPlacedV1, OrderShipped};
use tidings::envelope::Envelope;
use tidings::memory::InMemory;
use tidings::transport::{Settlement, Subscription, Transport};
use tidings::{
    Consumer, Context, HandlerResult, Incoming, Outcome, PublishError, Publisher, Route,
};

/// Ships placed orders: the router for `orders/{orderId}`, written by hand (generated code
/// writes the same for each receive operation of a spec).
struct Warehouse;

impl Warehouse {
    async fn on_order_placed(
        &self,
        event: Envelope<OrderPlaced>,
        ctx: &Context<'_>,
    ) -> HandlerResult {
        let order = event.data;
        println!(
            "warehouse: order {} ({} {} cents, sent as version {})",
            order.order_id,
            order.currency,
            order.total_cents,
            event.data_version.as_deref().unwrap_or("?")
        );
        let shipped = OrderShipped {
            order_id: order.order_id.clone(),
            carrier: "dhl".into(),
        };
        ctx.publisher()
            .publish(&format!("shipments/{}", order.order_id), shipped)
            .await?;
        Ok(())
    }
}

impl Route for Warehouse {
    const OPERATION: &'static str = "warehouse";
    const ADDRESS: &'static str = "orders/{orderId}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        match incoming.event_type() {
            "com.acme.order.placed" => match incoming.decode() {
                Ok(event) => self.on_order_placed(event, ctx).await.into(),
                Err(error) => Outcome::undecodable("com.acme.order.placed", error),
            },
            other => Outcome::unknown(other),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    // `cargo run -p example-code-first -- spec`: the AsyncAPI document, as YAML.
    if std::env::args().nth(1).as_deref() == Some("spec") {
        print!("{}", example_code_first::spec().to_yaml());
        return Ok(());
    }
    let bus = InMemory::new();
    let mut shipments = bus.subscribe("shipments/{orderId}", "mailroom").await?;
    let worker = Consumer::new(bus.clone()).subscribe(Warehouse).await?;
    tokio::spawn(worker.run());

    let shop = Publisher::new(bus.clone());
    // An old producer and a new one.
    shop.publish(
        "orders/o-1",
        OrderPlacedV1 {
            order_id: "o-1".into(),
            total_cents: 1250,
        },
    )
    .await?;
    let placed = shop
        .publish(
            "orders/o-2",
            OrderPlaced {
                order_id: "o-2".into(),
                total_cents: 990,
                currency: "GBP".into(),
            },
        )
        .await?;
    println!(
        "shop: sent {}\n{}",
        placed.event_type,
        String::from_utf8(placed.to_structured()?)?
    );

    // An invalid event is refused before it is sent.
    let refused = shop
        .publish(
            "orders/o-3",
            OrderPlaced {
                order_id: "o-3".into(),
                total_cents: 0,
                currency: "euro".into(),
            },
        )
        .await;
    match refused {
        Err(PublishError::Invalid { errors, .. }) => println!("shop: refused o-3: {errors}"),
        other => return Err(format!("an invalid order was not refused: {other:?}").into()),
    }

    for _ in 0..2 {
        let delivery = tokio::time::timeout(Duration::from_secs(5), shipments.next())
            .await
            .map_err(|_| "no shipment came")?
            .ok_or("the bus closed")?;
        let message = delivery.message();
        let shipped: Envelope<OrderShipped> =
            Envelope::from_binary(tidings::memory::BINDING, &message.headers, &message.body)?;
        println!(
            "mailroom: {} shipped with {} (caused by {})",
            shipped.data.order_id,
            shipped.data.carrier,
            shipped.causation_id.as_deref().unwrap_or("?")
        );
        delivery.settle(Settlement::Ack).await?;
    }
    Ok(())
}
