//! Benchmark: typed publishing through tidings against the broker's own client, on a real broker.
//!
//! The client publishes the same bytes, and everything is measured in one run.
//!
//! Three sides publish event `i` of a round, 256 publishes in flight, each waiting for the
//! broker (the JetStream acknowledgement; the RabbitMQ publisher confirm):
//!
//! - **tidings**: `Publisher::publish` of the typed event: envelope (id, time), validation,
//!   encoding, transport;
//! - **raw client, by hand** (the goal's baseline): what hand-written code must do to send
//!   the same bytes: serialize event `i` with serde_json, give it its own id, set the same
//!   headers, publish;
//! - **raw client, body prepared**: the same, with one body serialized before the run and
//!   sent for every event (a lower bound no real publisher of distinct events reaches).
//!
//! Both raw sides send exactly tidings' headers: on NATS the `ce-*` headers, `Nats-Msg-Id`
//! and `tidings-address`; on RabbitMQ the `cloudEvents:*` table with `tidings-address`, the
//! content type and id as properties, persistent (they clone a prepared table and set the
//! id, as a raw client would).
//!
//! Each round runs every side once, the order rotating from round to round, after a
//! warm-up round that is not counted and once the broker is idle. The bench prints medians
//! of the rates and the median of the per-round ratios, which cancels the machine's drift
//! (the brokers share its two cores), and the CPU time per event of this process and of the
//! broker, read from `/proc`.
//!
//! Run: `cargo bench -p tidings --features nats,amqp --bench brokers [-- nats | -- amqp]` (or
//! `cargo xtask bench brokers`, one process per broker).

mod support;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tidings::nats::async_nats::{self, HeaderMap};
use tidings::nats::{Nats, NatsOptions};
use tidings::transport::Transport;
use tidings::Publisher;

use support::{cpu_ns, pid_of, settle};

const IN_FLIGHT: usize = 256;
const PER_ROUND: usize = 10_000;
const ROUNDS: usize = 40;

/// A small typed event with constraints, as a service would publish it.
#[derive(Debug, Clone, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.parcel.scanned", version = "1.0.0", source = "/depot")]
struct ParcelScanned {
    #[validate(pattern = "^P-[0-9]{6}$")]
    parcel_id: String,
    #[validate(minimum = 1, maximum = 70000)]
    weight_grams: u32,
    #[validate(length(min = 2, max = 2))]
    depot: String,
}

fn event(n: usize) -> ParcelScanned {
    ParcelScanned {
        parcel_id: format!("P-{:06}", n % 1_000_000),
        weight_grams: 1 + (n % 60_000) as u32,
        depot: "LN".into(),
    }
}

/// A new id for a raw publish, unique in this run (JetStream drops a repeated
/// `Nats-Msg-Id` as a duplicate, which would spare the broker work).
fn raw_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("raw-{}-{n}", std::process::id())
}

/// Event `i`'s body, as hand-written code serializes it.
fn body(i: usize) -> Bytes {
    Bytes::from(serde_json::to_vec(&event(i)).expect("serializes"))
}

/// tidings' side: event `i`, typed, through `publisher`.
async fn publish_typed(publisher: Publisher, i: usize) {
    publisher
        .publish("parcels/p-1", event(i))
        .await
        .expect("published");
}

/// One measured round of one side: throughput, and CPU time per event of this process and of
/// the broker.
#[derive(Clone, Copy)]
struct Round {
    rate: f64,
    client_us: f64,
    broker_us: f64,
}

/// `PER_ROUND` publishes of `publish(i)`, `IN_FLIGHT` at a time, measured against `broker`.
async fn rate<F, Fut>(broker: Option<&str>, publish: F) -> Round
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let cpu = |pid: Option<&str>| pid.map_or(0, cpu_ns);
    let (client, server) = (cpu(Some("self")), cpu(broker));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..PER_ROUND {
        if tasks.len() >= IN_FLIGHT {
            tasks.join_next().await;
        }
        tasks.spawn(publish(i));
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed().as_secs_f64();
    let per_event = |ns: u64| ns as f64 / 1e3 / PER_ROUND as f64;
    Round {
        rate: PER_ROUND as f64 / elapsed,
        client_us: per_event(cpu(Some("self")) - client),
        broker_us: per_event(cpu(broker) - server),
    }
}

/// Runs the warm-up round and `ROUNDS` rounds of the three sides (tidings, raw by hand, raw
/// with a prepared body), rotating their order, and returns each side's counted rounds.
async fn compare<H, HF, R, RF, P, PF>(
    broker: Option<&str>,
    tidings: H,
    by_hand: R,
    prepared: P,
) -> [Vec<Round>; 3]
where
    H: Fn(usize) -> HF,
    HF: Future<Output = ()> + Send + 'static,
    R: Fn(usize) -> RF,
    RF: Future<Output = ()> + Send + 'static,
    P: Fn(usize) -> PF,
    PF: Future<Output = ()> + Send + 'static,
{
    settle(broker, std::time::Duration::from_secs(15)).await;
    let mut sides: [Vec<Round>; 3] = Default::default();
    for round in 0..=ROUNDS {
        for k in 0..3 {
            let side = (k + round) % 3;
            let measured = match side {
                0 => rate(broker, &tidings).await,
                1 => rate(broker, &by_hand).await,
                _ => rate(broker, &prepared).await,
            };
            // Round 0 warms every side up and is not counted.
            if round > 0 {
                sides[side].push(measured);
            }
        }
    }
    sides
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Prints each side's medians and tidings' ratios to both raw sides.
fn report(title: &str, client: &str, [tidings, by_hand, prepared]: &[Vec<Round>; 3]) {
    let med = |rounds: &[Round], f: fn(&Round) -> f64| median(rounds.iter().map(f).collect());
    println!(
        "{title} ({IN_FLIGHT} in flight, {ROUNDS} rounds of {PER_ROUND}, rotating order, medians)"
    );
    for (name, rounds) in [
        ("tidings typed publisher".to_owned(), tidings),
        (format!("raw {client}, by hand"), by_hand),
        (format!("raw {client}, body prepared"), prepared),
    ] {
        println!(
            "  {name:<32}{:>8.0} events/s   CPU per event: client {:>5.1} µs, broker {:>5.1} µs",
            med(rounds, |r| r.rate),
            med(rounds, |r| r.client_us),
            med(rounds, |r| r.broker_us),
        );
    }
    for (name, raw, goal) in [
        ("by hand", by_hand, "   (goal ≥ 0.90x)"),
        ("body prepared", prepared, ""),
    ] {
        // Each round ran both sides back to back, so a round's ratio cancels drift.
        let mut paired: Vec<f64> = raw
            .iter()
            .zip(tidings)
            .map(|(r, h)| h.rate / r.rate)
            .collect();
        paired.sort_by(f64::total_cmp);
        let quartile = |q: usize| paired[(paired.len() - 1) * q / 4];
        println!(
            "  tidings / raw {name:<14} {:.2}x of medians, {:.2}x per round (quartiles {:.2}–{:.2}){goal}",
            med(tidings, |r| r.rate) / med(raw, |r| r.rate),
            quartile(2),
            quartile(1),
            quartile(3),
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // `cargo bench ... -- amqp` or `-- nats` runs one broker's comparison only.
    let only = |broker: &str| {
        let named: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| a == "nats" || a == "amqp")
            .collect();
        named.is_empty() || named.iter().any(|a| a == broker)
    };
    runtime.block_on(async {
        if only("nats") {
            nats().await;
        }
        if only("amqp") {
            amqp().await;
        }
    });
}

/// The comparison on NATS JetStream.
async fn nats() {
    let options = NatsOptions {
        stream: format!("TIDINGS_BENCH_{}", std::process::id()),
        prefix: format!("tidings_bench_{}", std::process::id()),
        ..NatsOptions::default()
    };
    let nats = match Nats::connect_with("nats://127.0.0.1:4222", options).await {
        Ok(nats) => nats,
        Err(e) => {
            eprintln!("NATS unreachable at 127.0.0.1:4222: {e}");
            std::process::exit(1);
        }
    };
    let publisher = Publisher::new(nats.clone());
    let subject = nats.subject("parcels/p-1").expect("a subject");
    // The headers tidings sends, but the id, which each raw publish sets.
    let (mut headers, prepared_body) = publisher
        .envelope(event(1))
        .to_binary(nats.binding())
        .expect("encodes");
    headers.retain(|(k, _)| k != "ce-id");
    let headers = Arc::new(headers);
    let prepared_body = Bytes::from(prepared_body);

    // tidings' own work per event, without the broker: envelope, validation, encoding.
    let start = Instant::now();
    for i in 0..100_000 {
        let envelope = publisher.envelope(event(i));
        tidings::Validate::validate(&envelope.data).expect("valid");
        std::hint::black_box(envelope.to_binary(nats.binding()).expect("encodes"));
    }
    let own = start.elapsed().as_secs_f64() / 100_000.0;

    let raw = |prepared: Option<Bytes>| {
        let (client, subject, headers) =
            (nats.jetstream().clone(), subject.clone(), headers.clone());
        move |i: usize| {
            let (client, subject, headers, prepared) = (
                client.clone(),
                subject.clone(),
                headers.clone(),
                prepared.clone(),
            );
            // Every per-event step runs in the publishing task, as on tidings' side.
            async move {
                let body = prepared.unwrap_or_else(|| body(i));
                let mut map = HeaderMap::new();
                for (k, v) in headers.iter() {
                    map.insert(k.as_ref(), v.as_str());
                }
                let id = raw_id();
                map.insert("ce-id", id.as_str());
                map.insert(async_nats::header::NATS_MESSAGE_ID, id.as_str());
                map.insert("tidings-address", "parcels/p-1");
                let ack = client
                    .publish_with_headers(subject, map, body)
                    .await
                    .expect("published");
                ack.await.expect("acknowledged");
            }
        }
    };
    let typed = |i| publish_typed(publisher.clone(), i);
    let sides = compare(
        pid_of("nats-server").as_deref(),
        typed,
        raw(None),
        raw(Some(prepared_body)),
    )
    .await;
    report("NATS JetStream publish", "async-nats", &sides);
    println!(
        "  tidings' own work per event (envelope, validation, encoding): {:.2} µs",
        own * 1e6
    );
    let js = nats.jetstream();
    let _ = js.delete_stream(&nats.options().stream).await;
    let _ = js
        .delete_stream(format!("{}_DLQ", nats.options().stream))
        .await;
}

/// The comparison on RabbitMQ.
async fn amqp() {
    use tidings::amqp::lapin::options::{
        BasicPublishOptions, ExchangeDeleteOptions, QueueDeleteOptions,
    };
    use tidings::amqp::lapin::types::{AMQPValue, FieldTable, LongString};
    use tidings::amqp::lapin::BasicProperties;
    use tidings::amqp::{Amqp, AmqpOptions};

    let exchange = format!("tidings-bench-{}", std::process::id());
    let options = AmqpOptions {
        exchange: exchange.clone(),
        ..AmqpOptions::default()
    };
    let amqp = match Amqp::connect_with("amqp://guest:guest@127.0.0.1:5672/%2f", options).await {
        Ok(amqp) => amqp,
        Err(e) => {
            eprintln!("RabbitMQ unreachable at 127.0.0.1:5672: {e}");
            std::process::exit(1);
        }
    };
    let publisher = Publisher::new(amqp.clone());
    let (headers, prepared_body) = publisher
        .envelope(event(1))
        .to_binary(amqp.binding())
        .expect("encodes");
    // The raw sides: their own confirm channel, and tidings' table (but the id, which each
    // publish sets) and properties.
    let channel = amqp.channel().await.expect("a channel");
    channel
        .confirm_select(Default::default())
        .await
        .expect("confirms");
    let mut table = FieldTable::default();
    for (k, v) in &headers {
        if k != "content-type" && k != "cloudEvents:id" {
            table.insert(
                k.as_ref().into(),
                AMQPValue::LongString(LongString::from(v.as_bytes())),
            );
        }
    }
    table.insert(
        "tidings-address".into(),
        AMQPValue::LongString(LongString::from("parcels/p-1")),
    );
    let template = Arc::new((
        table,
        BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into()),
    ));

    let raw = |prepared: Option<Bytes>| {
        let (channel, exchange, template) = (channel.clone(), exchange.clone(), template.clone());
        move |i: usize| {
            let (channel, exchange, template, prepared) = (
                channel.clone(),
                exchange.clone(),
                template.clone(),
                prepared.clone(),
            );
            // Every per-event step runs in the publishing task, as on tidings' side.
            async move {
                let body = prepared.unwrap_or_else(|| body(i));
                let (table, properties) = &*template;
                let id = raw_id();
                let mut table = table.clone();
                table.insert(
                    "cloudEvents:id".into(),
                    AMQPValue::LongString(LongString::from(id.as_bytes())),
                );
                let properties = properties
                    .clone()
                    .with_headers(table)
                    .with_message_id(id.into());
                channel
                    .basic_publish(
                        exchange.as_str().into(),
                        "parcels.p-1".into(),
                        BasicPublishOptions::default(),
                        &body,
                        properties,
                    )
                    .await
                    .expect("published")
                    .await
                    .expect("confirmed");
            }
        }
    };
    let typed = |i| publish_typed(publisher.clone(), i);
    let sides = compare(
        pid_of("beam.smp").as_deref(),
        typed,
        raw(None),
        raw(Some(Bytes::from(prepared_body))),
    )
    .await;
    report("RabbitMQ publish with confirms", "lapin", &sides);
    let _ = channel
        .queue_delete(
            format!("{exchange}.dlq").as_str().into(),
            QueueDeleteOptions::default(),
        )
        .await;
    for name in [exchange.clone(), format!("{exchange}.dlq")] {
        let _ = channel
            .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
}
