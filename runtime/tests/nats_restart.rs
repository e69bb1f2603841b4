//! Fault test: the NATS server is stopped and started again in the middle of a 10,000-event stream.
//!
//! No event whose publish was acknowledged may be lost, and none may be handled twice
//! (redeliveries are absorbed by the consumer's idempotency store).
//!
//! It restarts the machine's own server (`/usr/sbin/nats-server`, as `.ci/run` starts it), so
//! it lives in a test binary of its own, which cargo runs alone. Without that server it skips
//! loudly, or fails when `TIDINGS_REQUIRE_BROKERS=1`.

mod common;

use std::process::Command;
use std::time::Duration;

use tidings::nats::{Nats, NatsOptions};

use common::{port_open, skip};

const SERVER: &str = "/usr/sbin/nats-server";
const URL: &str = "nats://127.0.0.1:4222";
const TEST: &str = "the NATS restart test";

/// The pid of the running `nats-server`, if one runs.
fn server_pid() -> Option<String> {
    let out = Command::new("pgrep")
        .args(["-x", "nats-server"])
        .output()
        .ok()?;
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!pid.is_empty()).then_some(pid)
}

/// Stops the server and starts it again, with the flags `.ci/run` uses. Panics unless the
/// server that ran before is gone and a new one listens: the test means nothing otherwise.
fn restart_server() {
    let before = server_pid();
    assert!(before.is_some(), "no nats-server process to restart");
    let _ = Command::new("pkill")
        .args(["-TERM", "-x", "nats-server"])
        .status();
    for _ in 0..100 {
        if !port_open(4222) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let started = Command::new("start-stop-daemon")
        .args([
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            SERVER,
            "--",
        ])
        .args([
            "-a",
            "127.0.0.1",
            "-p",
            "4222",
            "-js",
            "-sd",
            "/var/lib/nats-server",
        ])
        .args(["-l", "/var/log/nats-server.log"])
        .status();
    assert!(
        started.is_ok_and(|s| s.success()),
        "could not start {SERVER}"
    );
    for _ in 0..200 {
        if port_open(4222) {
            let after = server_pid();
            assert!(
                after.is_some() && after != before,
                "{SERVER} was not restarted (pid before {before:?}, after {after:?})"
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{SERVER} did not come back on 4222");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_event_is_lost_or_handled_twice_across_a_server_restart() {
    if !std::path::Path::new(SERVER).exists() {
        return skip(TEST, &format!("{SERVER} is not installed"));
    }
    let unique = std::process::id();
    let options = NatsOptions {
        stream: format!("HT_RESTART_{unique}"),
        prefix: format!("ht_restart_{unique}"),
        ack_wait: Duration::from_secs(3),
        ..NatsOptions::default()
    };
    let nats = match Nats::connect_with(URL, options).await {
        Ok(nats) => nats,
        Err(e) => return skip(TEST, &format!("NATS unreachable at {URL}: {e}")),
    };
    // Whether a publish failed during the outage depends on timing (the client may hold
    // publishes and reconnect within its own timeout); the restart itself is asserted by
    // `restart_server`, and every acknowledged event handled exactly once by the scenario.
    common::survives_a_restart(&nats, 10_000, restart_server).await;

    let js = nats.jetstream();
    let _ = js.delete_stream(&nats.options().stream).await;
    let _ = js
        .delete_stream(format!("{}_DLQ", nats.options().stream))
        .await;
}
