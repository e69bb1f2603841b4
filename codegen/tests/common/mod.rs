//! What the CLI broker tests share: the `tidings publish` → `tidings listen` round trip.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use tidings::envelope::{Binding, Envelope};
use tidings::transport::{RawMessage, Transport};

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

    let sent = tidings(&[
        "publish",
        "specs/orders.yaml",
        "--message",
        "com.acme.order.confirmed",
        "--param",
        "orderId=o-rt-1",
        "--broker",
        url,
    ]);
    assert_eq!(
        sent.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let id = String::from_utf8_lossy(&sent.stdout)
        .split("(id ")
        .nth(1)
        .unwrap()
        .trim_end()
        .trim_end_matches(')')
        .to_owned();

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
