//! Benchmark: decode + validate throughput of generated code, against two baselines.
//!
//! Both baselines are measured in the same run: `serde_json::from_slice` into the same types
//! without validation (the floor), and `serde_json::Value` + the `jsonschema` crate on the same
//! schema (what users do otherwise).
//!
//! Run: `cargo bench -p tidings-tests --bench validate` (or `cargo xtask bench validate`).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use tidings_codegen::LoadOptions;
use tidings_tests::{nx, orders};

/// Median time per call of each function, measured in interleaved batches (so drift in
/// clock speed or load hits all of them alike) until about `budget` has passed.
fn per_call<const N: usize>(budget: Duration, fs: [&dyn Fn(); N]) -> [Duration; N] {
    for f in &fs {
        for _ in 0..1000 {
            f();
        }
    }
    let batch = 500;
    let mut samples: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::new());
    let start = Instant::now();
    while start.elapsed() < budget || samples[0].len() < 9 {
        for (f, s) in fs.iter().zip(samples.iter_mut()) {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            s.push(t.elapsed() / batch);
        }
    }
    samples.map(|mut s| {
        s.sort();
        s[s.len() / 2]
    })
}

/// The bundled payload schema and first example of the message with key `key`.
fn message(spec: &str, key: &str) -> (Value, Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(spec);
    let (catalog, _) =
        tidings_codegen::catalog(&path, &LoadOptions::default()).expect("spec loads");
    let m = catalog
        .messages
        .iter()
        .find(|m| m.key == key)
        .expect("message exists");
    (
        (catalog.schema_document)
            .standalone(m.payload_schema.as_ref().expect("JSON Schema payload")),
        m.examples[0].payload.clone().expect("example payload"),
    )
}

struct Row {
    name: &'static str,
    floor: Duration,
    tidings: Duration,
    baseline: Duration,
}

fn measure<T: tidings::serde::de::DeserializeOwned>(
    name: &'static str,
    bytes: &[u8],
    schema: &Value,
    tidings: impl Fn(&[u8]) -> bool,
) -> Row {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("jsonschema compiles the schema");
    let value: Value = serde_json::from_slice(bytes).unwrap();
    assert!(tidings(bytes), "{name}: tidings rejects the payload");
    assert!(
        validator.is_valid(&value),
        "{name}: jsonschema rejects the payload"
    );
    let budget = Duration::from_millis(3000);
    let floor = || {
        black_box(serde_json::from_slice::<T>(black_box(bytes)).is_ok());
    };
    let ours = || {
        black_box(tidings(black_box(bytes)));
    };
    let theirs = || {
        let v: Value = serde_json::from_slice(black_box(bytes)).unwrap();
        black_box(validator.is_valid(&v));
    };
    let [floor, tidings_time, baseline] = per_call(budget, [&floor, &ours, &theirs]);
    Row {
        name,
        floor,
        tidings: tidings_time,
        baseline,
    }
}

fn main() {
    // NX `build.completed`, as in the spec's example.
    let (build_schema, build) = message("specs/nx-monorepo.yaml", "BuildCompleted");
    let build_bytes = serde_json::to_vec(&build).unwrap();

    // An order with 20 line items, from the spec's example.
    // `com.acme.order.created` decodes as the newest version of the family, OrderCreatedV2.
    let (order_schema, mut order) = message("specs/orders.yaml", "OrderCreatedV2");
    let item = order["data"]["items"][0].clone();
    order["data"]["items"] = Value::Array(
        (0..20)
            .map(|i| {
                let mut it = item.clone();
                it["sku"] = Value::String(format!("SKU-{i:04}"));
                it
            })
            .collect(),
    );
    let order_bytes = serde_json::to_vec(&order).unwrap();

    let rows = [
        measure::<nx::BuildCompleted>("nx build.completed", &build_bytes, &build_schema, |b| {
            nx::decode_message("com.nx-monorepo.build.completed", b).is_ok()
        }),
        measure::<orders::OrderCreatedV2>("order, 20 items", &order_bytes, &order_schema, |b| {
            orders::decode_message("com.acme.order.created", b).is_ok()
        }),
    ];
    println!(
        "decode + validate, per event ({} cores; median of batches)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<20} {:>10} {:>12} {:>16} {:>10} {:>12}",
        "event", "floor", "tidings", "Value+jsonschema", "overhead", "vs baseline"
    );
    for r in &rows {
        println!(
            "{:<20} {:>8.2}µs {:>10.2}µs {:>14.2}µs {:>9.1}% {:>11.2}x",
            r.name,
            r.floor.as_secs_f64() * 1e6,
            r.tidings.as_secs_f64() * 1e6,
            r.baseline.as_secs_f64() * 1e6,
            (r.tidings.as_secs_f64() / r.floor.as_secs_f64() - 1.0) * 100.0,
            r.baseline.as_secs_f64() / r.tidings.as_secs_f64(),
        );
    }
}
