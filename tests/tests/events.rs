//! Events end to end on the in-memory bus, through the code generated from `specs/`.
//!
//! The tests cover typed publishers, routers and handler traits, causation chains, version
//! families, and what happens to invalid, unknown and malformed messages.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tidings::envelope::Envelope;
use tidings::memory::InMemory;
use tidings::testing::TestBus;
use tidings::transport::{Delivered, RawMessage, Transport};
use tidings::{Context, HandlerError, HandlerResult, Outcome, PublishError, Publisher};
use tidings_tests::{nx, orders};

const WAIT: Duration = Duration::from_secs(5);

/// The `n`th example payload of the message `key` in `spec` (a path under `specs/`).
fn example_json(spec: &str, key: &str, n: usize) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(spec);
    let (catalog, _) = tidings_codegen::catalog(&path, &Default::default()).expect("spec loads");
    let message = catalog
        .messages
        .iter()
        .find(|m| m.key == key)
        .unwrap_or_else(|| panic!("no message `{key}` in {spec}"));
    message.examples[n]
        .payload
        .clone()
        .expect("the example has a payload")
}

/// Waits up to [`WAIT`] for `done`, polling; panics naming `what` if it never is.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn from_json<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the example fits its type")
}

fn nx_example<T: DeserializeOwned>(key: &str, edit: impl FnOnce(&mut Value)) -> T {
    let mut value = example_json("nx-monorepo.yaml", key, 0);
    edit(&mut value);
    from_json(value)
}

// ----- the NX causation chain: project.created → build.started → build.completed →
// deployment.triggered, each step by a handler reacting to the previous event -----

struct BuildSystem;

impl nx::handlers::OnProjectCreated for BuildSystem {
    async fn on_project_created(
        &self,
        event: Envelope<nx::ProjectCreated>,
        ctx: &Context<'_>,
    ) -> HandlerResult {
        let project = event.data.0.project.id.clone();
        let builds = nx::publishers::PublishBuildEvents::new(ctx.publisher().clone());
        let started: nx::BuildStarted = nx_example("BuildStarted", |v| {
            v["build"]["project_id"] = project.clone().into();
        });
        let started = builds.publish_build_started(&project, started).await?;
        // The build completes because it started: the next event names `started` as cause.
        let completed: nx::BuildCompleted = nx_example("BuildCompleted", |v| {
            v["build"]["project_id"] = project.clone().into();
        });
        nx::publishers::PublishBuildEvents::new(ctx.publisher().caused_by(&started))
            .publish_build_completed(&project, completed)
            .await?;
        Ok(())
    }
}

struct DeploymentTrigger;

impl nx::handlers::OnBuildCompleted for DeploymentTrigger {
    async fn on_build_completed(
        &self,
        event: Envelope<nx::BuildCompleted>,
        ctx: &Context<'_>,
    ) -> HandlerResult {
        let project = event.data.0.build.project_id.clone();
        let triggered: nx::DeploymentTriggered = nx_example("DeploymentTriggered", |v| {
            v["deployment"]["project_id"] = project.clone().into();
        });
        nx::publishers::PublishDeploymentEvents::new(ctx.publisher().clone())
            .publish_deployment_triggered(
                &project,
                nx::publishers::DeploymentsEnvironment::Staging,
                triggered,
            )
            .await?;
        Ok(())
    }
}

#[tokio::test]
async fn a_causation_chain_shares_one_correlation_id() {
    let bus = TestBus::start().await;
    bus.serve(nx::handlers::OnProjectCreatedRouter(BuildSystem))
        .await
        .unwrap();
    bus.serve(nx::handlers::OnBuildCompletedRouter(DeploymentTrigger))
        .await
        .unwrap();

    let created: nx::ProjectCreated = nx_example("ProjectCreated", |v| {
        v["project"]["id"] = "proj_test".into();
    });
    let projects = nx::publishers::PublishProjectEvents::new(bus.publisher().clone());
    let created = projects
        .publish_project_created("proj_test", created)
        .await
        .unwrap();

    let started = bus.wait_for::<nx::BuildStarted>(WAIT).await.unwrap();
    let completed = bus.wait_for::<nx::BuildCompleted>(WAIT).await.unwrap();
    let triggered = bus.wait_for::<nx::DeploymentTriggered>(WAIT).await.unwrap();

    for (envelope_id, correlation) in [
        (&started.id, started.correlation_id()),
        (&completed.id, completed.correlation_id()),
        (&triggered.id, triggered.correlation_id()),
    ] {
        assert_eq!(correlation, created.id, "{envelope_id} left the flow");
    }
    assert_eq!(started.causation_id.as_deref(), Some(created.id.as_str()));
    assert_eq!(completed.causation_id.as_deref(), Some(started.id.as_str()));
    assert_eq!(
        triggered.causation_id.as_deref(),
        Some(completed.id.as_str())
    );
    assert_eq!(triggered.data.0.deployment.project_id, "proj_test");
    assert_eq!(triggered.data_version.as_deref(), Some("1.0.0"));
    assert_eq!(triggered.event_type, "com.nx-monorepo.deployment.triggered");
    assert_eq!(
        bus.seen(),
        [
            "com.nx-monorepo.project.created",
            "com.nx-monorepo.build.started",
            "com.nx-monorepo.build.completed",
            "com.nx-monorepo.deployment.triggered",
        ]
    );
    assert!(bus.dead_letters().is_empty());
}

// ----- version families -----

/// Records what the `onOrderCreated` handler receives.
#[derive(Clone, Default)]
struct Inventory {
    received: Arc<Mutex<Vec<Envelope<orders::OrderCreatedV2>>>>,
}

impl orders::handlers::OnOrderCreated for Inventory {
    async fn on_order_created(
        &self,
        event: Envelope<orders::OrderCreatedV2>,
        _ctx: &Context<'_>,
    ) -> HandlerResult {
        self.received.lock().unwrap().push(event);
        Ok(())
    }
}

fn order_v1() -> orders::OrderCreated {
    from_json(example_json("orders.yaml", "OrderCreated", 0))
}

fn order_v2() -> orders::OrderCreatedV2 {
    from_json(example_json("orders.yaml", "OrderCreatedV2", 0))
}

fn delivered(message: RawMessage) -> Delivered {
    Delivered {
        message,
        attempt: 1,
    }
}

/// What the router makes of `message`.
async fn route_order(inventory: &Inventory, message: RawMessage) -> Outcome {
    let bus = InMemory::new();
    tidings::route::process(
        &orders::handlers::OnOrderCreatedRouter(inventory.clone()),
        bus.binding(),
        &delivered(message),
        &Publisher::new(bus),
    )
    .await
}

/// `envelope` as the in-memory bus carries it, in binary mode.
fn binary<E: tidings::Event>(envelope: &Envelope<E>) -> RawMessage {
    let (headers, body) = envelope.to_binary(tidings::memory::BINDING).unwrap();
    RawMessage {
        address: "acme/orders/o-1".into(),
        key: None,
        headers,
        body,
    }
}

#[tokio::test]
async fn every_version_of_a_family_reaches_the_handler_as_the_newest() {
    let inventory = Inventory::default();

    // A 1.0.0 producer: its data decodes as `OrderCreated` and is upcast.
    let v1 = Envelope::new(order_v1());
    assert_eq!(v1.data_version.as_deref(), Some("1.0.0"));
    assert_eq!(route_order(&inventory, binary(&v1)).await, Outcome::Handled);

    // A 2.0.0 producer, in structured mode this time.
    let v2 = Envelope::new(order_v2());
    let structured = RawMessage {
        address: "acme/orders/o-2".into(),
        key: None,
        headers: vec![("content-type".into(), "application/cloudevents+json".into())],
        body: v2.to_structured().unwrap(),
    };
    assert_eq!(route_order(&inventory, structured).await, Outcome::Handled);

    let received = inventory.received.lock().unwrap();
    assert_eq!(received.len(), 2);
    let upcast = &received[0];
    assert_eq!(upcast.id, v1.id);
    assert_eq!(upcast.data.0.data.promotion_code, None);
    assert_eq!(upcast.data.0.data.order_id, v1.data.0.data.order_id);
    assert_eq!(upcast.data.0.data.items, v1.data.0.data.items);
    assert_eq!(upcast.data_version.as_deref(), Some("1.0.0"), "as sent");
    assert_eq!(received[1].data, v2.data);
    assert_eq!(
        received[1].data.0.data.promotion_code.as_deref(),
        Some("SPRING25")
    );
}

#[test]
fn the_generated_upcast_keeps_every_field_and_fills_the_new_one() {
    let v1 = order_v1();
    let v2 = orders::OrderCreatedV2::from(v1.clone());
    let mut old = serde_json::to_value(&v1).unwrap();
    let new = serde_json::to_value(&v2).unwrap();
    // 2.0.0 only adds the optional `data.promotionCode`, absent after the upcast.
    assert!(new["data"].get("promotionCode").is_none());
    old["version"] = new["version"].clone();
    assert_eq!(old, new);
}

#[test]
fn data_versions_select_the_decoder() {
    let v1_bytes = serde_json::to_vec(&order_v1()).unwrap();
    // Read as 1.0.0 then upcast.
    let upcast: orders::OrderCreatedV2 = tidings::decode_event(Some("1.0.0"), &v1_bytes).unwrap();
    assert_eq!(upcast.0.data.promotion_code, None);
    // No version, or one this consumer does not know, reads as the newest it knows.
    let v2_bytes = serde_json::to_vec(&order_v2()).unwrap();
    for version in [None, Some("2.0.0"), Some("2.1.0")] {
        let read: orders::OrderCreatedV2 = tidings::decode_event(version, &v2_bytes).unwrap();
        assert_eq!(read, order_v2());
    }
    // A 1.0.0 payload that breaks the 1.0.0 schema is refused before any upcast.
    let mut bad = serde_json::to_value(order_v1()).unwrap();
    bad["data"]["items"] = Value::Array(vec![]);
    let err = tidings::decode_event::<orders::OrderCreatedV2>(
        Some("1.0.0"),
        &serde_json::to_vec(&bad).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, tidings::DecodeError::Invalid(errors)
            if errors.iter().any(|v| v.pointer == "/data/items")),
        "{err}"
    );
}

// ----- what does not get through -----

#[tokio::test]
async fn an_invalid_event_is_never_sent() {
    let bus = TestBus::start().await;
    let mut order = order_v2();
    order.0.data.shipping_address.country = "Germany".into();
    order.0.data.items.clear();
    let publisher = orders::publishers::PublishOrderEvents::new(bus.publisher().clone());
    let err = publisher
        .publish_order_created("o-1", order)
        .await
        .unwrap_err();
    let PublishError::Invalid { event_type, errors } = &err else {
        panic!("expected a validation error, got {err}");
    };
    assert_eq!(*event_type, "com.acme.order.created");
    let pointers: Vec<&str> = errors.iter().map(|v| v.pointer.as_str()).collect();
    assert!(pointers.contains(&"/data/items"), "{pointers:?}");
    assert!(
        pointers.contains(&"/data/shippingAddress/country"),
        "{pointers:?}"
    );

    // A channel parameter that would change the address is refused too.
    let err = publisher
        .publish_order_created("o/1", order_v2())
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::Address(_)), "{err}");

    // Nothing reached the bus; a valid event does.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(bus.seen().is_empty(), "{:?}", bus.seen());
    publisher
        .publish_order_created("o-1", order_v2())
        .await
        .unwrap();
    bus.wait_for::<orders::OrderCreatedV2>(WAIT).await.unwrap();
}

#[tokio::test]
async fn an_event_type_the_operation_does_not_receive_is_ignored() {
    let inventory = Inventory::default();
    let confirmed: orders::OrderConfirmed =
        from_json(example_json("orders.yaml", "OrderConfirmed", 0));
    let outcome = route_order(&inventory, binary(&Envelope::new(confirmed))).await;
    assert!(
        matches!(&outcome, Outcome::Ignored(reason) if reason.contains("com.acme.order.confirmed")),
        "{outcome:?}"
    );
    assert!(inventory.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn malformed_and_invalid_messages_are_dead_lettered_with_the_reason() {
    let bus = TestBus::start().await;
    let inventory = Inventory::default();
    bus.serve(orders::handlers::OnOrderCreatedRouter(inventory.clone()))
        .await
        .unwrap();
    let good = binary(&Envelope::new(order_v2()));

    // Not JSON.
    let mut not_json = good.clone();
    not_json.body = b"{\"id\": ".to_vec();
    // JSON, but breaks the schema (no items).
    let mut invalid = good.clone();
    let mut data: Value = serde_json::from_slice(&invalid.body).unwrap();
    data["data"]["items"] = Value::Array(vec![]);
    invalid.body = serde_json::to_vec(&data).unwrap();
    // Not a CloudEvent: no `ce_type`.
    let mut no_type = good.clone();
    no_type.headers.retain(|(k, _)| k != "ce_type");

    for message in [not_json, invalid, no_type, good] {
        bus.transport().publish(message).await.unwrap();
    }
    // The good one, published last, is handled after the three bad ones were settled.
    eventually("the good order", || {
        !inventory.received.lock().unwrap().is_empty()
    })
    .await;
    let dead = bus.dead_letters();
    let reasons: Vec<&str> = dead.iter().map(|d| d.reason.as_str()).collect();
    assert_eq!(dead.len(), 3, "{reasons:#?}");
    assert!(reasons[0].contains("not valid JSON"), "{}", reasons[0]);
    assert!(
        reasons[1].contains("/data/items") && reasons[1].contains("com.acme.order.created"),
        "{}",
        reasons[1]
    );
    assert!(reasons[2].contains("`type`"), "{}", reasons[2]);
    assert!(dead
        .iter()
        .all(|d| d.group == "onOrderCreated" && d.attempt == 1));
}

/// Fails until its third attempt.
struct Flaky {
    attempts: Arc<AtomicU32>,
    reject: bool,
}

impl orders::handlers::OnOrderCancelled for Flaky {
    async fn on_order_cancelled(
        &self,
        _event: Envelope<orders::OrderCancelled>,
        ctx: &Context<'_>,
    ) -> HandlerResult {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.reject {
            return Err(HandlerError::reject("no such order"));
        }
        if ctx.attempt() < 3 {
            return Err("the database is busy".into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn failing_handlers_are_retried_then_dead_lettered() {
    let cancelled: orders::OrderCancelled =
        from_json(example_json("orders.yaml", "OrderCancelled", 0));

    // Succeeds on the third attempt: nothing is dead-lettered.
    let bus = TestBus::start().await;
    let attempts = Arc::new(AtomicU32::new(0));
    bus.serve(orders::handlers::OnOrderCancelledRouter(Flaky {
        attempts: attempts.clone(),
        reject: false,
    }))
    .await
    .unwrap();
    let publisher = orders::publishers::PublishOrderEvents::new(bus.publisher().clone());
    publisher
        .publish_order_cancelled("o-1", cancelled.clone())
        .await
        .unwrap();
    eventually("the third attempt", || attempts.load(Ordering::SeqCst) >= 3).await;
    assert!(bus.dead_letters().is_empty());

    // Refused by the handler: dead-lettered at once, with its reason.
    let bus = TestBus::start().await;
    let attempts = Arc::new(AtomicU32::new(0));
    bus.serve(orders::handlers::OnOrderCancelledRouter(Flaky {
        attempts: attempts.clone(),
        reject: true,
    }))
    .await
    .unwrap();
    orders::publishers::PublishOrderEvents::new(bus.publisher().clone())
        .publish_order_cancelled("o-1", cancelled)
        .await
        .unwrap();
    eventually("a dead letter", || !bus.dead_letters().is_empty()).await;
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(
        bus.dead_letters()[0].reason,
        "the handler refused it: no such order"
    );
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit() {
    struct Down;
    impl orders::handlers::OnOrderCancelled for Down {
        async fn on_order_cancelled(
            &self,
            _event: Envelope<orders::OrderCancelled>,
            _ctx: &Context<'_>,
        ) -> HandlerResult {
            Err("down".into())
        }
    }
    let bus = TestBus::start().await;
    bus.serve(orders::handlers::OnOrderCancelledRouter(Down))
        .await
        .unwrap();
    let cancelled: orders::OrderCancelled =
        from_json(example_json("orders.yaml", "OrderCancelled", 0));
    orders::publishers::PublishOrderEvents::new(bus.publisher().clone())
        .publish_order_cancelled("o-1", cancelled)
        .await
        .unwrap();
    eventually("a dead letter", || !bus.dead_letters().is_empty()).await;
    let dead = &bus.dead_letters()[0];
    assert_eq!(
        dead.attempt, 3,
        "TestBus consumers give up after 3 attempts"
    );
    assert_eq!(dead.reason, "down (gave up after 3 attempts)");
}

#[tokio::test]
async fn a_panicking_handler_does_not_stop_the_consumer() {
    /// Panics on the order it cannot stand, handles the others.
    struct Picky(Arc<AtomicU32>);
    impl orders::handlers::OnOrderCancelled for Picky {
        async fn on_order_cancelled(
            &self,
            event: Envelope<orders::OrderCancelled>,
            _ctx: &Context<'_>,
        ) -> HandlerResult {
            if let Some(Some(_)) = event.data.0.data.note {
                panic!("notes are not supported");
            }
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }
    let bus = TestBus::start().await;
    let handled = Arc::new(AtomicU32::new(0));
    bus.serve(orders::handlers::OnOrderCancelledRouter(Picky(
        handled.clone(),
    )))
    .await
    .unwrap();
    let publisher = orders::publishers::PublishOrderEvents::new(bus.publisher().clone());
    let plain: orders::OrderCancelled = from_json(example_json("orders.yaml", "OrderCancelled", 0));
    let mut noted = plain.clone();
    noted.0.data.note = Some(Some("fragile".into()));
    publisher
        .publish_order_cancelled("o-1", noted)
        .await
        .unwrap();
    publisher
        .publish_order_cancelled("o-2", plain)
        .await
        .unwrap();

    eventually("a dead letter and a handled order", || {
        !bus.dead_letters().is_empty() && handled.load(Ordering::SeqCst) > 0
    })
    .await;
    let dead = bus.dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].reason,
        "the handler panicked: notes are not supported (gave up after 3 attempts)"
    );
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn wait_for_times_out_with_what_the_bus_saw() {
    let bus = TestBus::start().await;
    let err = bus
        .wait_for::<orders::OrderConfirmed>(Duration::from_millis(30))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, tidings::testing::WaitError::Timeout { event_type, seen, .. }
            if *event_type == "com.acme.order.confirmed" && seen.is_empty()),
        "{err}"
    );
}

// ----- nothing a broker delivers makes the router panic -----

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn header_name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("ce_specversion".to_string()),
            Just("ce_id".to_string()),
            Just("ce_source".to_string()),
            Just("ce_type".to_string()),
            Just("ce_time".to_string()),
            Just("ce_dataversion".to_string()),
            Just("CE_TYPE".to_string()),
            Just("content-type".to_string()),
            "[a-z_:-]{0,12}",
        ]
    }

    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("1.0".to_string()),
            Just("com.acme.order.created".to_string()),
            Just("com.acme.order.cancelled".to_string()),
            Just("1.0.0".to_string()),
            Just("2025-03-01T12:00:00Z".to_string()),
            Just("application/cloudevents+json".to_string()),
            ".{0,16}",
        ]
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        let order = serde_json::to_vec(&order_v1()).unwrap();
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            (0..order.len()).prop_map(move |cut| order[..cut].to_vec()),
            Just(br#"{"specversion":"1.0","id":"1","source":"s","type":"com.acme.order.created","data":{}}"#.to_vec()),
            Just(br#"{"specversion":"1.0","data_base64":"AA=="}"#.to_vec()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn any_message_gets_an_outcome(
            headers in proptest::collection::vec((header_name(), header_value()), 0..10),
            body in body(),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let headers = headers.into_iter().map(|(k, v)| (k.into(), v)).collect();
            let message = RawMessage { address: "acme/orders/x".into(), key: None, headers, body };
            let outcome = runtime.block_on(route_order(&Inventory::default(), message));
            let panicked = matches!(&outcome, Outcome::Retry(r) if r.contains("panicked"));
            prop_assert!(!panicked, "{outcome:?}");
        }
    }
}

// ----- reliability: idempotency, backoff, shutdown -----

/// Counts cancellations; optionally slow.
#[derive(Clone, Default)]
struct Counting {
    handled: Arc<AtomicU32>,
    slow: bool,
}

impl orders::handlers::OnOrderCancelled for Counting {
    async fn on_order_cancelled(
        &self,
        _event: Envelope<orders::OrderCancelled>,
        _ctx: &Context<'_>,
    ) -> HandlerResult {
        if self.slow {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.handled.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn a_redelivered_event_is_handled_once() {
    let bus = InMemory::new();
    let counting = Counting::default();
    let worker = tidings::Consumer::new(bus.clone())
        .idempotency(tidings::reliability::MemoryIdempotency::new(1000))
        .subscribe(orders::handlers::OnOrderCancelledRouter(counting.clone()))
        .await
        .unwrap();
    tokio::spawn(worker.run());
    let publisher = Publisher::new(bus.clone());
    let cancelled: orders::OrderCancelled =
        from_json(example_json("orders.yaml", "OrderCancelled", 0));
    let envelope = publisher.envelope(cancelled);
    // The same event three times (a producer retrying after a lost confirm), and another.
    for _ in 0..3 {
        publisher.send("acme/orders/o-1", &envelope).await.unwrap();
    }
    let other = publisher.envelope(envelope.data.clone());
    publisher.send("acme/orders/o-1", &other).await.unwrap();
    eventually("two handled events", || {
        counting.handled.load(Ordering::SeqCst) >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(counting.handled.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn retries_wait_for_the_backoff() {
    let bus = TestBus::start().await;
    let attempts = Arc::new(AtomicU32::new(0));
    let worker = tidings::Consumer::new(bus.transport().clone())
        .retry(
            tidings::reliability::RetryPolicy::exponential(
                Duration::from_millis(40),
                Duration::from_secs(1),
            )
            .jitter(0.0)
            .max_attempts(3),
        )
        .subscribe(orders::handlers::OnOrderCancelledRouter(Flaky {
            attempts: attempts.clone(),
            reject: false,
        }))
        .await
        .unwrap();
    tokio::spawn(worker.run());
    let cancelled: orders::OrderCancelled =
        from_json(example_json("orders.yaml", "OrderCancelled", 0));
    let start = tokio::time::Instant::now();
    orders::publishers::PublishOrderEvents::new(bus.publisher().clone())
        .publish_order_cancelled("o-1", cancelled)
        .await
        .unwrap();
    eventually("the third attempt", || attempts.load(Ordering::SeqCst) >= 3).await;
    // 40 ms after the first failure, 80 ms after the second.
    assert!(
        start.elapsed() >= Duration::from_millis(120),
        "{:?}",
        start.elapsed()
    );
    assert!(bus.dead_letters().is_empty());
}

#[tokio::test]
async fn shutdown_finishes_the_message_in_hand() {
    let bus = InMemory::new();
    let counting = Counting {
        slow: true,
        ..Counting::default()
    };
    let worker = tidings::Consumer::new(bus.clone())
        .subscribe(orders::handlers::OnOrderCancelledRouter(counting.clone()))
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async {
        let _ = stopped.await;
    }));
    let publisher = orders::publishers::PublishOrderEvents::new(Publisher::new(bus.clone()));
    let cancelled: orders::OrderCancelled =
        from_json(example_json("orders.yaml", "OrderCancelled", 0));
    publisher
        .publish_order_cancelled("o-1", cancelled)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await; // the handler is mid-message
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(
        counting.handled.load(Ordering::SeqCst),
        1,
        "finished, not dropped"
    );
}

/// The saga's handler, for its router's type.
struct Saga;

impl orders::handlers::OnPaymentResult for Saga {
    async fn on_payment_authorized(
        &self,
        _event: Envelope<orders::PaymentAuthorized>,
        _ctx: &Context<'_>,
    ) -> HandlerResult {
        Ok(())
    }

    async fn on_payment_failed(
        &self,
        _event: Envelope<orders::PaymentFailed>,
        _ctx: &Context<'_>,
    ) -> HandlerResult {
        Ok(())
    }
}

#[test]
fn routers_carry_the_retry_policy_of_their_spec() {
    use tidings::reliability::RetryPolicy;
    use tidings::Route;
    // orders.yaml gives `onPaymentResult` an `x-tidings-retry`; `onOrderCancelled` has none.
    assert_eq!(
        orders::handlers::OnPaymentResultRouter::<Saga>::retry_policy(),
        Some(
            RetryPolicy::default()
                .max_attempts(8)
                .initial_delay(Duration::from_millis(250))
                .max_delay(Duration::from_secs(60))
                .multiplier(3.0)
                .jitter(0.1)
        )
    );
    assert_eq!(
        orders::handlers::OnOrderCancelledRouter::<Flaky>::retry_policy(),
        None
    );
}
