//! tidings' metrics in Prometheus: install the `metrics-exporter-prometheus` recorder with
//! its HTTP listener, and every publisher and worker reports to it.
//!
//! The example publishes 100 orders on the in-memory bus to a worker whose handler fails
//! now and then: 85 are handled (10 of them after a retry), 5 are dead-lettered after three
//! attempts (10 more retries), 10 are of a type the worker does not know (ignored). It then scrapes its own `/metrics` as Prometheus
//! would, prints tidings' series, and checks the counts (exit 1 if one is off).
//!
//! `cargo run -p example-prometheus` (listens on 127.0.0.1:9464, or `METRICS_ADDR`);
//! `-- --serve` keeps serving until Ctrl-C, for `curl 127.0.0.1:9464/metrics` or a
//! Prometheus server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use serde::{Deserialize, Serialize};
use tidings::memory::InMemory;
use tidings::reliability::RetryPolicy;
use tidings::{Consumer, Context, Envelope, HandlerResult, Incoming, Outcome, Publisher, Route};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An order was placed.
#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.order.placed", version = "1.0.0", source = "/shop")]
struct OrderPlaced {
    n: u32,
}

/// An order was gift-wrapped: no worker here handles it.
#[derive(Debug, Serialize, Deserialize, tidings::Event, tidings::Validate)]
#[event(type = "com.acme.order.wrapped", version = "1.0.0", source = "/shop")]
struct OrderWrapped {
    n: u32,
}

/// Fails every tenth order once (retried), and orders 5, 25, 45, 65, 85 always
/// (dead-lettered).
#[derive(Clone, Default)]
struct Fulfilment {
    handled: Arc<AtomicU32>,
}

impl Route for Fulfilment {
    const OPERATION: &'static str = "fulfil";
    const ADDRESS: &'static str = "orders/{n}";

    async fn route(&self, incoming: Incoming<'_>, ctx: &Context<'_>) -> Outcome {
        match incoming.event_type() {
            "com.acme.order.placed" => match incoming.decode::<OrderPlaced>() {
                Ok(event) => self.fulfil(event, ctx).into(),
                Err(error) => Outcome::undecodable("com.acme.order.placed", error),
            },
            other => Outcome::unknown(other),
        }
    }
}

impl Fulfilment {
    fn fulfil(&self, event: Envelope<OrderPlaced>, ctx: &Context<'_>) -> HandlerResult {
        let n = event.data.n;
        if n % 20 == 5 {
            return Err(format!("order {n}: the warehouse refuses it").into());
        }
        if n.is_multiple_of(10) && ctx.attempt() == 1 {
            return Err(format!("order {n}: the warehouse is busy").into());
        }
        self.handled.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr: SocketAddr = std::env::var("METRICS_ADDR")
        .ok()
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| ([127, 0, 0, 1], 9464).into());
    // Before any publisher or worker: they register their series with the recorder.
    // Latencies as Prometheus histograms (summable across instances), in seconds.
    let buckets = [
        0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 300.0,
    ];
    let exporter = PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets(&buckets)
        .and_then(PrometheusBuilder::install);
    if let Err(e) = exporter {
        eprintln!("the Prometheus exporter cannot start on {addr}: {e}");
        return ExitCode::FAILURE;
    }

    let bus = InMemory::new();
    let fulfilment = Fulfilment::default();
    let worker = Consumer::new(bus.clone())
        .retry(
            RetryPolicy::exponential(Duration::from_millis(5), Duration::from_millis(20))
                .max_attempts(3),
        )
        .subscribe(fulfilment.clone())
        .await
        .expect("the in-memory bus subscribes");
    tokio::spawn(worker.run());
    let publisher = Publisher::new(bus.clone());
    for n in 0..100 {
        let address = format!("orders/{n}");
        let sent = if n % 10 == 7 {
            publisher
                .publish(&address, OrderWrapped { n })
                .await
                .map(drop)
        } else {
            publisher
                .publish(&address, OrderPlaced { n })
                .await
                .map(drop)
        };
        sent.expect("the in-memory bus takes every event");
    }

    // Wait for the flow to end: 85 handled, and the dead letters in.
    let metrics = loop {
        let metrics = scrape(addr).await;
        if fulfilment.handled.load(Ordering::SeqCst) >= 85
            && value(
                &metrics,
                "tidings_dead_lettered_total",
                "com.acme.order.placed",
            ) >= 5.0
        {
            break metrics;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for line in metrics.lines().filter(|line| line.starts_with("tidings_")) {
        if !line.contains("_bucket") {
            println!("{line}");
        }
    }
    let expected = [
        ("tidings_published_total", "com.acme.order.placed", 90.0),
        ("tidings_published_total", "com.acme.order.wrapped", 10.0),
        ("tidings_handled_total", "com.acme.order.placed", 85.0),
        ("tidings_retried_total", "com.acme.order.placed", 20.0),
        ("tidings_dead_lettered_total", "com.acme.order.placed", 5.0),
        ("tidings_ignored_total", "com.acme.order.wrapped", 10.0),
    ];
    let mut ok = true;
    for (name, event_type, want) in expected {
        let got = value(&metrics, name, event_type);
        if got != want {
            eprintln!("{name}{{event_type=\"{event_type}\"}}: {got}, expected {want}");
            ok = false;
        }
    }
    if !ok {
        return ExitCode::FAILURE;
    }
    eprintln!("scraped http://{addr}/metrics: the counts match the flow");
    if std::env::args().any(|arg| arg == "--serve") {
        eprintln!("serving http://{addr}/metrics until Ctrl-C");
        let _ = tokio::signal::ctrl_c().await;
    }
    ExitCode::SUCCESS
}

/// `GET /metrics` from the exporter, as Prometheus scrapes it.
async fn scrape(addr: SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the exporter listens");
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await
        .expect("the request is sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("the exporter answers");
    response
        .split_once("\r\n\r\n")
        .map_or(response.clone(), |(_, body)| body.to_owned())
}

/// The sum of the series called `name` with label `event_type` (0 without one).
fn value(metrics: &str, name: &str, event_type: &str) -> f64 {
    let label = format!("event_type=\"{event_type}\"");
    metrics
        .lines()
        .filter(|line| line.starts_with(&format!("{name}{{")) && line.contains(&label))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
