//! A collecting `tracing` subscriber, and the scenario every transport must pass: one W3C
//! trace from a publisher through a handler that publishes to a second handler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use tidings::transport::Transport;
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use super::until;

/// A span as recorded: its name, fields and the serial of its parent span.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    pub serial: usize,
    pub name: String,
    pub fields: HashMap<String, String>,
    pub parent: Option<usize>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// Records every span, numbered in creation order (a subscriber reuses the ids of closed
/// spans; serials are never reused).
#[derive(Clone, Default)]
pub struct Collector(Arc<Mutex<Spans>>);

#[derive(Default)]
struct Spans {
    all: Vec<Recorded>,
    live: HashMap<u64, usize>,
}

impl Collector {
    /// Every span recorded so far.
    pub fn spans(&self) -> Vec<Recorded> {
        self.0.lock().unwrap().all.clone()
    }
}

/// The collector of this test binary, installed as its global subscriber on first use.
pub fn collector() -> Collector {
    static COLLECTOR: OnceLock<Collector> = OnceLock::new();
    COLLECTOR
        .get_or_init(|| {
            let collector = Collector::default();
            tracing::subscriber::set_global_default(
                tracing_subscriber::registry().with(collector.clone()),
            )
            .expect("the only subscriber of this test binary");
            collector
        })
        .clone()
}

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
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        let mut spans = self.0.lock().unwrap();
        let serial = spans.all.len();
        let mut recorded = Recorded {
            serial,
            name: attrs.metadata().name().to_owned(),
            parent: parent.and_then(|parent| spans.live.get(&parent).copied()),
            ..Recorded::default()
        };
        attrs.record(&mut Fields(&mut recorded.fields));
        spans.all.push(recorded);
        spans.live.insert(id.into_u64(), serial);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: LayerContext<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(&serial) = spans.live.get(&id.into_u64()) {
            values.record(&mut Fields(&mut spans.all[serial].fields));
        }
    }

    fn on_close(&self, id: Id, _ctx: LayerContext<'_, S>) {
        self.0.lock().unwrap().live.remove(&id.into_u64());
    }
}

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.order.placed", source = "/shop")]
pub struct Placed {
    pub n: u32,
}

#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.order.shipped", source = "/warehouse")]
pub struct Shipped {
    pub n: u32,
}

/// Ships each placed order: publishes `Shipped` to `shipments/{n}`.
pub struct Warehouse;

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

/// Notes the ids of shipped orders.
#[derive(Clone, Default)]
pub struct Notifier(pub Arc<Mutex<Vec<String>>>);

impl Route for Notifier {
    const OPERATION: &'static str = "notifier";
    const ADDRESS: &'static str = "shipments/{n}";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        self.0.lock().unwrap().push(incoming.context().id.clone());
        Outcome::Handled
    }
}

/// Publishes three orders on `transport` (whose `messaging.system` is `system`), handled by
/// the warehouse, whose shipments are handled by the notifier; asserts that each order is one
/// trace: publish → process (warehouse) → publish (in its handle span) → process (notifier),
/// each span the `traceparent` parent of the next, all with the order's trace id.
pub async fn one_trace_per_flow<T: Transport>(transport: &T, system: &str) {
    let collector = collector();
    let warehouse = Consumer::new(transport.clone())
        .subscribe(Warehouse)
        .await
        .unwrap();
    let notifier = Notifier::default();
    let notified = Consumer::new(transport.clone())
        .subscribe(notifier.clone())
        .await
        .unwrap();
    let workers = [tokio::spawn(warehouse.run()), tokio::spawn(notified.run())];
    let publisher = Publisher::new(transport.clone());
    let mut placed = Vec::new();
    for n in 0..3 {
        let sent = publisher
            .publish(&format!("orders/{n}"), Placed { n })
            .await
            .unwrap();
        placed.push(sent.id);
    }
    until("three shipments noticed", || {
        notifier.0.lock().unwrap().len() >= 3
    })
    .await;
    for worker in workers {
        super::stop(worker).await;
    }

    let spans = collector.spans();
    let by = |name: &str, id: &str| -> Vec<&Recorded> {
        spans
            .iter()
            .filter(|s| s.name == name && s.field("messaging.message.id") == Some(id))
            .collect()
    };
    let shipped_ids = notifier.0.lock().unwrap().clone();
    let mut traces = Vec::new();
    for id in &placed {
        let [publish] = by("publish", id)[..] else {
            panic!("one publish span of {id}: {spans:#?}")
        };
        assert_eq!(publish.field("messaging.system"), Some(system));
        assert_eq!(publish.field("parent_span_id"), None, "a new trace");
        let trace_id = publish.field("trace_id").expect("a trace id");
        assert_eq!(trace_id.len(), 32);
        traces.push(trace_id.to_owned());

        let processes = by("process", id);
        assert!(!processes.is_empty(), "{id} processed");
        for process in &processes {
            assert_eq!(process.field("trace_id"), Some(trace_id), "{process:#?}");
            assert_eq!(process.field("parent_span_id"), publish.field("span_id"));
            assert_eq!(process.field("messaging.system"), Some(system));
        }
        // The warehouse's publish, inside its handle span, continues the trace.
        let shipment: Vec<&Recorded> = spans
            .iter()
            .filter(|s| {
                s.name == "publish"
                    && s.field("trace_id") == Some(trace_id)
                    && s.field("cloudevents.event_type") == Some("com.acme.order.shipped")
            })
            .collect();
        let [shipment] = shipment[..] else {
            panic!("one shipment published in the trace of {id}: {shipment:#?}")
        };
        let handle = &spans[shipment.parent.expect("published inside a span")];
        assert_eq!(handle.name, "handle");
        let process = &spans[handle.parent.expect("handle is inside process")];
        assert_eq!(process.name, "process");
        assert_eq!(process.field("messaging.message.id"), Some(id.as_str()));
        assert_eq!(shipment.field("parent_span_id"), process.field("span_id"));
        // The notifier processes the shipment in the same trace.
        let shipped_id = shipment.field("messaging.message.id").unwrap();
        assert!(shipped_ids.iter().any(|s| s == shipped_id));
        let notified = by("process", shipped_id);
        assert!(!notified.is_empty(), "{shipped_id} processed");
        for process in notified {
            assert_eq!(process.field("trace_id"), Some(trace_id));
            assert_eq!(process.field("parent_span_id"), shipment.field("span_id"));
            assert_eq!(process.field("tidings.operation"), Some("notifier"));
        }
    }
    traces.sort();
    traces.dedup();
    assert_eq!(traces.len(), 3, "each flow is its own trace");
}
