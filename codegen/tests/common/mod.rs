//! What the CLI broker tests share: the `tidings publish` → `tidings listen` round trip.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use tidings::envelope::{Binding, Envelope};
use tidings::transport::{RawMessage, Transport};

/// Certificates made for the run and brokers started with a TLS listener.
#[allow(dead_code)]
#[path = "../../../runtime/tests/common/tls.rs"]
pub mod tls;

/// Fails when brokers are required (`TIDINGS_REQUIRE_BROKERS=1`), else says loudly that the
/// test is skipped.
#[allow(dead_code)]
pub fn unreachable(test: &str, broker: &str, url: &str, error: impl std::fmt::Display) {
    assert!(
        std::env::var("TIDINGS_REQUIRE_BROKERS").as_deref() != Ok("1"),
        "{broker} is required (TIDINGS_REQUIRE_BROKERS=1) but unreachable at {url}: {error}"
    );
    eprintln!("\n!!!!! SKIPPED {test}: {broker} unreachable at {url} ({error}) !!!!!\n");
}

/// Publishes a `com.acme.order.confirmed` of order `order` with `tidings publish` to `url`
/// (with `extra` arguments), and returns its event id.
pub fn publish_confirmed(url: &str, order: &str, extra: &[&str]) -> String {
    let param = format!("orderId={order}");
    let mut args = vec![
        "publish",
        "specs/orders.yaml",
        "--message",
        "com.acme.order.confirmed",
        "--param",
        &param,
        "--broker",
        url,
    ];
    args.extend_from_slice(extra);
    let sent = tidings(&args);
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");
    String::from_utf8_lossy(&sent.stdout)
        .split("(id ")
        .nth(1)
        .unwrap()
        .trim_end()
        .trim_end_matches(')')
        .to_owned()
}

pub fn tidings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap()
}

/// Starts `tidings listen` on `url` for two events, publishes a valid event with `tidings
/// publish`, checks that an invalid payload is refused, lets `send_invalid` put an invalid
/// event on the broker past the CLI, then checks what the listener printed and its exit 1.
pub fn round_trip(url: &str, send_invalid: impl FnOnce()) {
    let mut listener = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args([
            "listen",
            "specs/orders.yaml",
            "--broker",
            url,
            "--count",
            "2",
            "--timeout",
            "60",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it has subscribed.
    let mut stderr = BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on 4 channel(s)"), "{line}");

    let id = publish_confirmed(url, "o-rt-1", &[]);

    // An event that breaks the spec, sent past `tidings publish` (which would refuse it).
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), r#"{"id": "not-a-uuid"}"#).unwrap();
    let refused = tidings(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "OrderConfirmed",
        "--data",
        bad.path().to_str().unwrap(),
        "--param",
        "orderId=o-rt-2",
        "--broker",
        url,
    ]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "invalid payloads are not published"
    );
    send_invalid();

    let out = listener.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one event was invalid\n{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "✓ com.acme.order.confirmed 1.0.0 on acme/orders/o-rt-1 (id {id})"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("✗ com.acme.order.confirmed"), "{stdout}");
    assert!(stdout.contains("is not a valid uuid"), "{stdout}");
}

/// Publishes, straight through `transport` (past the CLI, which would refuse it), a
/// `com.acme.order.confirmed` whose `id` is not a UUID, with the headers its binding uses.
pub async fn publish_invalid<T: Transport>(transport: &T) {
    let envelope = Envelope {
        id: format!("bad-{}", std::process::id()),
        source: "/tests".into(),
        event_type: "com.acme.order.confirmed".into(),
        time: None,
        data_content_type: Some("application/json".into()),
        data_schema: None,
        subject: None,
        correlation_id: None,
        causation_id: None,
        data_version: Some("1.0.0".into()),
        metadata: Default::default(),
        extensions: Default::default(),
        data: serde_json::json!({"id": "not-a-uuid"}),
    };
    let binding: Binding = transport.binding();
    let (headers, body) = envelope.to_binary(binding).unwrap();
    let message = RawMessage {
        address: "acme/orders/o-rt-3".into(),
        key: None,
        headers,
        body,
    };
    transport.publish(message).await.unwrap();
}

/// Runs `work` to completion on a new single-threaded runtime.
pub fn block_on<F: std::future::Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

/// Fails the events on address `poison` while `broken`; notes every id it handles.
#[derive(Clone, Default)]
pub struct Poisoned {
    pub poison: std::sync::Arc<std::sync::Mutex<String>>,
    pub broken: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub handled: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl tidings::Route for Poisoned {
    const OPERATION: &'static str = "poisoned";
    const ADDRESS: &'static str = "acme/orders/{orderId}";

    async fn route(
        &self,
        incoming: tidings::Incoming<'_>,
        ctx: &tidings::Context<'_>,
    ) -> tidings::Outcome {
        use std::sync::atomic::Ordering;
        let id = incoming.context().id.clone();
        if ctx.address() == *self.poison.lock().unwrap() && self.broken.load(Ordering::SeqCst) {
            return tidings::Outcome::Retry("the handler is broken".into());
        }
        self.handled.lock().unwrap().push(id);
        tidings::Outcome::Handled
    }
}

/// The `tidings dlq` round trip on the broker at `url` (reached by `connect`, with the
/// CLI's default options): a worker (group unique to this run) fails one event published
/// with `tidings publish`; `tidings dlq list` shows it with its reason, `show` its payload;
/// once the handler is fixed, `tidings dlq redrive` sends it back, the worker handles it and
/// the letter is gone. `from_end` starts the group at the end of the broker's log.
pub fn dlq_round_trip<T: Transport>(
    url: &str,
    connect: impl std::future::Future<Output = Result<T, tidings::transport::TransportError>>,
    from_end: bool,
) {
    use std::sync::atomic::Ordering;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let group = format!("dlq-cli-{}-{}", std::process::id(), uuid_suffix());
    let poisoned = Poisoned::default();
    poisoned.broken.store(true, Ordering::SeqCst);
    let worker = runtime.block_on(async {
        let mut consumer = tidings::Consumer::new(connect.await.unwrap())
            .group(group.clone())
            .max_attempts(1);
        if from_end {
            consumer = consumer.from(tidings::transport::Position::End);
        }
        consumer.subscribe(poisoned.clone()).await.unwrap()
    });
    let running = runtime.spawn(worker.run());

    let order = format!("o-dlq-{}", uuid_suffix());
    *poisoned.poison.lock().unwrap() = format!("acme/orders/{order}");
    let id = publish_confirmed(url, &order, &[]);

    let list = || -> Vec<serde_json::Value> {
        let listed = tidings(&["dlq", "list", "--broker", url, "--group", &group, "--json"]);
        assert_eq!(listed.status.code(), Some(0), "{listed:?}");
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let letters = loop {
        let letters = list();
        if !letters.is_empty() || std::time::Instant::now() > deadline {
            break letters;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(letters.len(), 1, "{letters:#?}");
    let letter = &letters[0];
    assert_eq!(letter["id"], id.as_str());
    assert_eq!(letter["type"], "com.acme.order.confirmed");
    assert_eq!(letter["group"], group.as_str());
    assert_eq!(letter["attempt"], 1);
    assert_eq!(letter["address"], format!("acme/orders/{order}"));
    assert!(letter["reason"]
        .as_str()
        .unwrap()
        .contains("the handler is broken"));
    let key = letter["key"].as_str().unwrap().to_owned();

    let shown = tidings(&[
        "dlq",
        "show",
        "--broker",
        url,
        "--spec",
        "specs/orders.yaml",
        &key,
    ]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert_eq!(shown.status.code(), Some(0), "{shown:?}");
    assert!(text.starts_with(&format!("✓ {key}")), "{text}");
    assert!(text.contains("\"orderId\""), "{text}");

    let unchecked = tidings(&["dlq", "redrive", "--broker", url, "--group", &group]);
    assert_eq!(unchecked.status.code(), Some(2), "redrive needs the spec");

    poisoned.broken.store(false, Ordering::SeqCst);
    let redriven = tidings(&[
        "dlq",
        "redrive",
        "--broker",
        url,
        "--spec",
        "specs/orders.yaml",
        "--group",
        &group,
    ]);
    assert_eq!(redriven.status.code(), Some(0), "{redriven:?}");
    assert!(String::from_utf8_lossy(&redriven.stdout).contains(&format!("✓ redriven {key}")));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !poisoned.handled.lock().unwrap().contains(&id) {
        assert!(
            std::time::Instant::now() < deadline,
            "the redriven event handled"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(list().is_empty(), "gone from the dead letters");
    running.abort();
}

/// A short unique suffix.
fn uuid_suffix() -> String {
    tidings::uuid::Uuid::now_v7().simple().to_string()[20..].to_owned()
}
