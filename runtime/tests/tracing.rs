//! Spans of event flow: `publish` (producer), and per delivery `process` (consumer) with
//! `handle` and `settle` inside, carrying OpenTelemetry's messaging attribute names and the
//! CloudEvents type and id; an event published by a handler is published inside its `handle`,
//! and every flow is one W3C trace (the broker transports run the same scenario in their own
//! test files).

mod common;

use tidings::memory::InMemory;
use tidings::{Consumer, Publisher};

use common::trace::{collector, Placed, Recorded, Warehouse};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_processed_in_spans_with_messaging_attributes() {
    let collector = collector();
    let bus = InMemory::new();
    let worker = Consumer::new(bus.clone())
        .subscribe(Warehouse)
        .await
        .unwrap();
    let running = tokio::spawn(worker.run());
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
    let processes = || -> Vec<Recorded> {
        collector
            .spans()
            .into_iter()
            .filter(|s| {
                s.name == "process"
                    && s.field("messaging.message.id")
                        .is_some_and(|id| ids.iter().any(|i| i == id))
            })
            .collect()
    };
    common::until("three deliveries settled", || {
        processes()
            .iter()
            .filter(|s| s.fields.contains_key("tidings.settlement"))
            .count()
            == 3
    })
    .await;
    common::stop(running).await;
    let spans = collector.spans();
    let processes = processes();
    assert_eq!(processes.len(), 3, "{spans:#?}");
    for s in &processes {
        assert_eq!(s.fields["otel.kind"], "consumer");
        assert_eq!(s.fields["messaging.system"], "memory");
        assert_eq!(s.fields["messaging.consumer.group.name"], "warehouse");
        assert_eq!(s.fields["cloudevents.event_type"], "com.acme.order.placed");
        assert_eq!(s.fields["messaging.delivery.attempt"], "1");
        assert_eq!(s.fields["tidings.settlement"], "ack");
        assert!(s.fields["messaging.destination.name"].starts_with("orders/"));
    }
    let process_serials: Vec<usize> = processes.iter().map(|s| s.serial).collect();
    let children = |name: &str| -> Vec<&Recorded> {
        spans
            .iter()
            .filter(|s| s.name == name && s.parent.is_some_and(|p| process_serials.contains(&p)))
            .collect()
    };
    for child in ["handle", "settle"] {
        assert_eq!(
            children(child).len(),
            3,
            "a {child} span in every process span"
        );
    }

    // The shop's three publishes have no parent; the handler's three sit in `handle`.
    let handles: Vec<usize> = children("handle").iter().map(|s| s.serial).collect();
    for id in &ids {
        let shop: Vec<_> = spans
            .iter()
            .filter(|s| s.name == "publish" && s.field("messaging.message.id") == Some(id))
            .collect();
        assert_eq!(shop.len(), 1);
        assert_eq!(shop[0].parent, None);
        assert_eq!(shop[0].fields["cloudevents.event_source"], "/shop");
    }
    let inside: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "publish" && s.parent.is_some_and(|p| handles.contains(&p)))
        .collect();
    assert_eq!(inside.len(), 3, "{inside:#?}");
    for s in inside {
        assert_eq!(s.fields["otel.kind"], "producer");
        assert_eq!(s.fields["messaging.operation.type"], "send");
        assert_eq!(s.fields["cloudevents.event_type"], "com.acme.order.shipped");
        assert_eq!(s.fields["cloudevents.event_source"], "/warehouse");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_one_trace_on_the_in_memory_bus() {
    common::trace::one_trace_per_flow(&InMemory::new(), "memory").await;
}
