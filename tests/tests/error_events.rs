//! The generated `system.error` of `specs/warehouse.yaml` announces the dead letters of the
//! generated router: published to the spec's error channel once the dead letter is kept,
//! valid under the spec, caused by the failed pick request.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tidings::memory::InMemory;
use tidings::reliability::RetryPolicy;
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use tidings_tests::warehouse::handlers::{OnPickRequested, OnPickRequestedRouter};
use tidings_tests::warehouse::publishers::RequestPicks;
use tidings_tests::warehouse::{PickRequested, PickRequestedLinesItem, SystemError};

/// Has no stock for `SKU-7`.
struct Picker;

impl OnPickRequested for Picker {
    async fn on_pick_requested(
        &self,
        event: Envelope<PickRequested>,
        _ctx: &Context<'_>,
    ) -> HandlerResult {
        match event.data.lines.iter().find(|line| line.sku == "SKU-7") {
            Some(_) => Err("no stock for SKU-7".into()),
            None => Ok(()),
        }
    }
}

/// Records what reaches `acme/system/errors`.
#[derive(Clone, Default)]
struct Alerts(Arc<Mutex<Vec<Envelope<SystemError>>>>);

impl Route for Alerts {
    const OPERATION: &'static str = "alerts";
    const ADDRESS: &'static str = "acme/system/errors";

    async fn route(&self, incoming: Incoming<'_>, _ctx: &Context<'_>) -> Outcome {
        match incoming.decode::<SystemError>() {
            Ok(event) => {
                self.0.lock().unwrap().push(event);
                Outcome::Handled
            }
            Err(error) => Outcome::undecodable("system.error", error),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specs_system_error_announces_each_dead_letter() {
    let bus = InMemory::new();
    let alerts = Alerts::default();
    let watcher = Consumer::new(bus.clone())
        .subscribe(alerts.clone())
        .await
        .unwrap();
    tokio::spawn(watcher.run());
    let worker = Consumer::new(bus.clone())
        .retry(RetryPolicy::immediate().max_attempts(3))
        .error_events::<SystemError>("acme/system/errors")
        .subscribe(OnPickRequestedRouter(Picker))
        .await
        .unwrap();
    tokio::spawn(worker.run());

    let picks = RequestPicks::new(Publisher::new(bus.clone()));
    let line = |sku: &str| PickRequestedLinesItem {
        sku: sku.into(),
        quantity: 1,
    };
    let good = PickRequested {
        order_id: "o-1".into(),
        lines: vec![line("SKU-1")],
    };
    let bad = PickRequested {
        order_id: "o-2".into(),
        lines: vec![line("SKU-1"), line("SKU-7")],
    };
    picks.publish_pick_requested("o-1", good).await.unwrap();
    let failed = picks.publish_pick_requested("o-2", bad).await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while alerts.0.lock().unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "an error event");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(bus.dead_letters().len(), 1, "the dead letter is kept");
    let alerts = alerts.0.lock().unwrap();
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.event_type, "system.error");
    assert_eq!(
        alert.data.original_type,
        "com.acme.warehouse.pick.requested"
    );
    assert_eq!(alert.data.original_id, failed.id);
    assert_eq!(alert.data.attempt, 3);
    assert_eq!(alert.data.group, "onPickRequested");
    assert_eq!(alert.data.operation.as_deref(), Some("onPickRequested"));
    assert!(alert.data.reason.contains("no stock for SKU-7"));
    assert_eq!(alert.causation_id.as_deref(), Some(failed.id.as_str()));
    assert_eq!(alert.correlation_id(), failed.correlation_id());
}
