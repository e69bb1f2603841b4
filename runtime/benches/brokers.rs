//! Publishing through herald on a real broker against publishing the same bytes through the
//! broker's own client, in one run: herald's share of the cost is the envelope, validation
//! and encoding.
//!
//! NATS JetStream (127.0.0.1:4222): both sides publish with headers and wait for the stream's
//! acknowledgement, 256 publishes in flight, in alternating rounds so that drift hits both.
//!
//! RabbitMQ (127.0.0.1:5672): both sides publish persistent messages with the same headers
//! and properties to the same topic exchange and wait for the publisher confirm; the raw
//! side clones a prepared table and properties and sets each event's own id.
//!
//! Each round runs both sides back to back (alternating which goes first); besides the
//! ratio of the medians, the bench prints the median of the per-round ratios, which cancels
//! the machine's drift (the brokers share its two cores). CPU time per event is read from
//! `/proc` for this process and the broker's.
//!
//! Run: `cargo bench -p herald --features nats,amqp --bench brokers` (or `cargo xtask bench
//! brokers`).

use std::sync::Arc;
use std::time::Instant;

use herald::nats::async_nats::{self, HeaderMap};
use herald::nats::{Nats, NatsOptions};
use herald::transport::Transport;
use herald::Publisher;
use serde::{Deserialize, Serialize};

const IN_FLIGHT: usize = 256;
const PER_ROUND: usize = 20_000;
const ROUNDS: usize = 12;

/// A small typed event with constraints, as a service would publish it.
#[derive(Debug, Clone, Serialize, Deserialize, herald::Event, herald::Validate)]
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

/// One measured round: throughput, and CPU time per event of this process and of the broker.
#[derive(Clone, Copy)]
struct Round {
    rate: f64,
    client_us: f64,
    broker_us: f64,
}

/// Nanoseconds of CPU time all threads of process `pid` have used, from `/proc` (Linux; 0
/// elsewhere). Thread `schedstat`s count in nanoseconds, where `stat` counts in 10 ms ticks.
fn cpu_ns(pid: &str) -> u64 {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    threads
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Waits (up to 15 s) until the broker uses under a tenth of a core, so that work left over
/// from before (deleting a large stream, say) does not land in the first rounds.
async fn settle(broker: Option<&str>) {
    let Some(pid) = broker else { return };
    for _ in 0..60 {
        let before = cpu_ns(pid);
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if cpu_ns(pid) - before < 25_000_000 {
            return;
        }
    }
}

/// The pid of the oldest running process named `name`, if any.
fn pid_of(name: &str) -> Option<String> {
    let out = std::process::Command::new("pgrep")
        .args(["-o", "-x", name])
        .output()
        .ok()?;
    let pid = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!pid.is_empty()).then_some(pid)
}

/// `count` publishes of `publish(i)`, `IN_FLIGHT` at a time, measured against `broker`.
async fn rate<F, Fut>(count: usize, broker: Option<&str>, publish: F) -> Round
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let cpu = |pid: Option<&str>| pid.map_or(0, cpu_ns);
    let (client, server) = (cpu(Some("self")), cpu(broker));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        if tasks.len() >= IN_FLIGHT {
            tasks.join_next().await;
        }
        tasks.spawn(publish(i));
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed().as_secs_f64();
    let per_event = |ns: u64| ns as f64 / 1e3 / count as f64;
    Round {
        rate: count as f64 / elapsed,
        client_us: per_event(cpu(Some("self")) - client),
        broker_us: per_event(cpu(broker) - server),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Prints the medians of both sides' rounds and their ratio.
fn report(title: &str, raw_name: &str, raw: &[Round], herald: &[Round]) {
    // Round 0 was the warm-up.
    let (raw, herald) = (&raw[1..], &herald[1..]);
    let med = |rounds: &[Round], f: fn(&Round) -> f64| median(rounds.iter().map(f).collect());
    let line = |name: &str, rounds: &[Round]| {
        println!(
            "  {name:<28}{:>10.0} events/s   CPU per event: client {:>5.1} µs, broker {:>5.1} µs",
            med(rounds, |r| r.rate),
            med(rounds, |r| r.client_us),
            med(rounds, |r| r.broker_us),
        );
    };
    println!("{title} ({IN_FLIGHT} in flight, {ROUNDS} rounds of {PER_ROUND}, alternating order, medians)");
    line(raw_name, raw);
    line("herald typed publisher:", herald);
    let rounds = |rounds: &[Round]| {
        rounds
            .iter()
            .map(|r| format!("{:.0}", r.rate / 1e3))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "  rounds (k events/s): raw {}; herald {}",
        rounds(raw),
        rounds(herald)
    );
    println!(
        "  herald / raw:               {:>10.2}x   (goal ≥ 0.90x)",
        med(herald, |r| r.rate) / med(raw, |r| r.rate)
    );
    // Each round runs both sides back to back, so a round's ratio cancels the drift of the
    // machine (the broker shares its two cores) that medians of separate rates keep.
    let mut paired: Vec<f64> = raw
        .iter()
        .zip(herald)
        .map(|(r, h)| h.rate / r.rate)
        .collect();
    paired.sort_by(f64::total_cmp);
    let quartile = |q: usize| paired[(paired.len() - 1) * q / 4];
    println!(
        "  herald / raw, per round:    {:>10.2}x   median (quartiles {:.2}–{:.2})",
        quartile(2),
        quartile(1),
        quartile(3)
    );
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

/// Publishing through herald against the raw async-nats client, on JetStream.
async fn nats() {
    {
        let options = NatsOptions {
            stream: format!("HERALD_BENCH_{}", std::process::id()),
            prefix: format!("herald_bench_{}", std::process::id()),
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
        let nats_pid = pid_of("nats-server");
        let subject = nats.subject("parcels/p-1").expect("a subject");
        // The raw side sends what herald sends: the same headers and body.
        let sample = publisher.envelope(event(1));
        let (headers, body) = sample.to_binary(nats.binding()).expect("encodes");
        let body = bytes::Bytes::from(body);
        let client = nats.jetstream().clone();

        // herald's own work per event, without the broker: envelope, validation, encoding.
        let start = Instant::now();
        for i in 0..100_000 {
            let envelope = publisher.envelope(event(i));
            herald::Validate::validate(&envelope.data).expect("valid");
            std::hint::black_box(envelope.to_binary(nats.binding()).expect("encodes"));
        }
        let own = start.elapsed().as_secs_f64() / 100_000.0;

        // The transport alone: pre-encoded messages through `Nats::publish`.
        let transport = {
            let (nats, headers, body) = (nats.clone(), headers.clone(), body.to_vec());
            rate(PER_ROUND, nats_pid.as_deref(), move |i| {
                let nats = nats.clone();
                let mut headers = headers.clone();
                headers.retain(|(k, _)| k != "ce-id");
                headers.push(("ce-id".into(), format!("t-{i}")));
                let message = herald::transport::RawMessage {
                    address: "parcels/p-1".into(),
                    key: None,
                    headers,
                    body: body.clone(),
                };
                async move { nats.publish(message).await.expect("published") }
            })
            .await
        };

        settle(nats_pid.as_deref()).await;
        let (mut herald_rates, mut raw_rates) = (Vec::new(), Vec::new());
        // Round 0 warms both sides up and is not counted.
        for round in 0..=ROUNDS {
            // Alternate which side goes first: the stream grows as the run goes on.
            let herald_first = round % 2 == 1;
            if herald_first {
                let publisher = publisher.clone();
                herald_rates.push(
                    rate(PER_ROUND, nats_pid.as_deref(), move |i| {
                        let publisher = publisher.clone();
                        async move {
                            publisher
                                .publish("parcels/p-1", event(i))
                                .await
                                .expect("published");
                        }
                    })
                    .await,
                );
            }
            let raw = {
                let (client, subject, headers, body) = (
                    client.clone(),
                    subject.clone(),
                    Arc::new(headers.clone()),
                    body.clone(),
                );
                rate(PER_ROUND, nats_pid.as_deref(), move |i| {
                    let (client, subject, headers, body) = (
                        client.clone(),
                        subject.clone(),
                        headers.clone(),
                        body.clone(),
                    );
                    // Every per-event step runs in the publishing task, as on herald's side.
                    async move {
                        let mut map = HeaderMap::new();
                        for (k, v) in headers.iter() {
                            map.insert(k.as_ref(), v.as_str());
                        }
                        // A distinct id each, as herald's envelopes have.
                        let id = format!("raw-{round}-{i}");
                        map.insert(async_nats::header::NATS_MESSAGE_ID, id.as_str());
                        map.insert("herald-address", "parcels/p-1");
                        let ack = client
                            .publish_with_headers(subject, map, body)
                            .await
                            .expect("published");
                        ack.await.expect("acknowledged");
                    }
                })
                .await
            };
            raw_rates.push(raw);
            if herald_first {
                continue;
            }
            let typed = {
                let publisher = publisher.clone();
                rate(PER_ROUND, nats_pid.as_deref(), move |i| {
                    let publisher = publisher.clone();
                    async move {
                        publisher
                            .publish("parcels/p-1", event(i))
                            .await
                            .expect("published");
                    }
                })
                .await
            };
            herald_rates.push(typed);
        }
        report(
            "NATS JetStream publish",
            "raw async-nats, same bytes:",
            &raw_rates,
            &herald_rates,
        );
        let raw = median(raw_rates[1..].iter().map(|r| r.rate).collect());
        println!(
            "  herald transport alone (pre-encoded, one round): {:>10.0} events/s ({:.2}x)",
            transport.rate,
            transport.rate / raw
        );
        println!(
            "  herald's own work per event (envelope, validation, encoding): {:.2} µs",
            own * 1e6
        );
        let js = nats.jetstream();
        let _ = js.delete_stream(&nats.options().stream).await;
        let _ = js
            .delete_stream(format!("{}_DLQ", nats.options().stream))
            .await;
    }
}

/// The same comparison on RabbitMQ.
async fn amqp() {
    use herald::amqp::lapin::options::{
        BasicPublishOptions, ExchangeDeleteOptions, QueueDeleteOptions,
    };
    use herald::amqp::lapin::types::{AMQPValue, FieldTable, LongString};
    use herald::amqp::lapin::BasicProperties;
    use herald::amqp::{Amqp, AmqpOptions};

    let exchange = format!("herald-bench-{}", std::process::id());
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
    let rabbit_pid = pid_of("beam.smp");
    let sample = publisher.envelope(event(1));
    let (headers, body) = sample.to_binary(amqp.binding()).expect("encodes");
    // The raw side: its own confirm channel, the same headers, body and exchange.
    let channel = amqp.channel().await.expect("a channel");
    channel
        .confirm_select(Default::default())
        .await
        .expect("confirms");
    // The raw side sends what herald sends: the CloudEvents headers and the address header
    // in the table, the content type and the event id as properties, persistent. As a raw
    // client would, it starts from a template and gives each event its own id.
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
        "herald-address".into(),
        AMQPValue::LongString(LongString::from("parcels/p-1")),
    );
    let template = Arc::new((
        table,
        BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into()),
    ));

    settle(rabbit_pid.as_deref()).await;
    let (mut herald_rates, mut raw_rates) = (Vec::new(), Vec::new());
    // Round 0 warms both sides up and is not counted.
    for round in 0..=ROUNDS {
        let herald_first = round % 2 == 1;
        let typed = || {
            let publisher = publisher.clone();
            rate(PER_ROUND, rabbit_pid.as_deref(), move |i| {
                let publisher = publisher.clone();
                async move {
                    publisher
                        .publish("parcels/p-1", event(i))
                        .await
                        .expect("published");
                }
            })
        };
        if herald_first {
            herald_rates.push(typed().await);
        }
        let raw = {
            let (channel, exchange, template, body) = (
                channel.clone(),
                exchange.clone(),
                template.clone(),
                body.clone(),
            );
            rate(PER_ROUND, rabbit_pid.as_deref(), move |i| {
                let (channel, exchange, template, body) = (
                    channel.clone(),
                    exchange.clone(),
                    template.clone(),
                    body.clone(),
                );
                // Every per-event step runs in the publishing task, as on herald's side.
                async move {
                    let (table, properties) = &*template;
                    let id = format!("raw-{round}-{i}");
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
            })
            .await
        };
        raw_rates.push(raw);
        if !herald_first {
            herald_rates.push(typed().await);
        }
    }
    report(
        "RabbitMQ publish with confirms",
        "raw lapin, same bytes:",
        &raw_rates,
        &herald_rates,
    );
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
