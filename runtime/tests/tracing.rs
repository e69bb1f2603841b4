//! Spans of event flow: `publish` (producer), and per delivery `process` (consumer) with
//! `handle` and `settle` inside, carrying OpenTelemetry's messaging attribute names and the
//! CloudEvents type and id; an event published by a handler is published inside its `handle`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tidings::memory::InMemory;
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.order.placed", source = "/shop")]
struct Placed {
    n: u32,
}

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.order.shipped", source = "/warehouse")]
struct Shipped {
    n: u32,
}

/// Ships each placed order.
struct Warehouse;

impl Route for Warehouse {
    const OPERATION: &'static str = "warehouse";
    const ADDRESS: &'static str = "orders/{n}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        match incoming.event_type() {
            "com.acme.order.placed" => match incoming.decode::<Placed>() {
                Ok(event) => ship(event, ctx).await.into(),
                Err(error) => Outcome::undecodable("com.acme.order.placed", error),
            },
            other => Outcome::unknown(other),
        }
    }
}

async fn ship(event: Envelope<Placed>, ctx: &Context<'_>) -> HandlerResult {
    let n = event.data.n;
    ctx.publisher()
        .publish(&format!("shipments/{n}"), Shipped { n })
        .await?;
    Ok(())
}

/// A span as recorded: its name, fields and parent.
#[derive(Clone, Debug, Default)]
struct Recorded {
    name: String,
    fields: HashMap<String, String>,
    parent: Option<u64>,
}

/// Records every span.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<HashMap<u64, Recorded>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Collector {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut recorded = Recorded {
            name: attrs.metadata().name().to_owned(),
            ..Recorded::default()
        };
        attrs.record(&mut Fields(&mut recorded.fields));
        recorded.parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        self.0.lock().unwrap().insert(id.into_u64(), recorded);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: LayerContext<'_, S>) {
        if let Some(recorded) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut recorded.fields));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_processed_in_spans_with_messaging_attributes() {
    let collector = Collector::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(collector.clone()))
        .expect("the only subscriber of this test binary");

    let bus = InMemory::new();
    let worker = Consumer::new(bus.clone())
        .subscribe(Warehouse)
        .await
        .unwrap();
    tokio::spawn(worker.run());
    let publisher = Publisher::new(bus.clone());
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            publisher
                .publish(&format!("orders/{n}"), Placed { n })
                .await
                .unwrap()
                .id,
        );
    }
    let spans = || collector.0.lock().unwrap().clone();
    for _ in 0..300 {
        let settled = spans()
            .values()
            .filter(|s| s.name == "process" && s.fields.contains_key("tidings.settlement"))
            .count();
        if settled == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let spans = spans();
    let named = |name: &str| -> Vec<(u64, Recorded)> {
        let mut out: Vec<_> = spans
            .iter()
            .filter(|(_, s)| s.name == name)
            .map(|(id, s)| (*id, s.clone()))
            .collect();
        out.sort_by_key(|(id, _)| *id);
        out
    };

    let processes = named("process");
    assert_eq!(processes.len(), 3, "{spans:#?}");
    let mut processed_ids: Vec<String> = processes
        .iter()
        .map(|(_, s)| s.fields["messaging.message.id"].clone())
        .collect();
    processed_ids.sort();
    let mut published_ids = ids.clone();
    published_ids.sort();
    assert_eq!(processed_ids, published_ids);
    for (_, s) in &processes {
        assert_eq!(s.fields["otel.kind"], "consumer");
        assert_eq!(s.fields["messaging.system"], "memory");
        assert_eq!(s.fields["messaging.consumer.group.name"], "warehouse");
        assert_eq!(s.fields["cloudevents.event_type"], "com.acme.order.placed");
        assert_eq!(s.fields["messaging.delivery.attempt"], "1");
        assert_eq!(s.fields["tidings.settlement"], "ack");
        assert!(s.fields["messaging.destination.name"].starts_with("orders/"));
    }
    let process_ids: Vec<u64> = processes.iter().map(|(id, _)| *id).collect();
    for child in ["handle", "settle"] {
        let children = named(child);
        assert_eq!(children.len(), 3, "{child}");
        assert!(
            children
                .iter()
                .all(|(_, s)| s.parent.is_some_and(|p| process_ids.contains(&p))),
            "every {child} span is inside a process span"
        );
    }

    // Six publishes: three by the shop (no parent), three by the handler, inside `handle`.
    let publishes = named("publish");
    assert_eq!(publishes.len(), 6, "{publishes:#?}");
    let handle_ids: Vec<u64> = named("handle").iter().map(|(id, _)| *id).collect();
    let (inside, outside): (Vec<_>, Vec<_>) = publishes
        .iter()
        .partition(|(_, s)| s.parent.is_some_and(|p| handle_ids.contains(&p)));
    assert_eq!(inside.len(), 3);
    assert!(outside.iter().all(|(_, s)| s.parent.is_none()));
    for (_, s) in &publishes {
        assert_eq!(s.fields["otel.kind"], "producer");
        assert_eq!(s.fields["messaging.operation.type"], "send");
    }
    assert!(inside
        .iter()
        .all(
            |(_, s)| s.fields["cloudevents.event_type"] == "com.acme.order.shipped"
                && s.fields["cloudevents.event_source"] == "/warehouse"
        ));
}
