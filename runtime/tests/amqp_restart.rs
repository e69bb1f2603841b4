//! Fault test: RabbitMQ is stopped and started again in the middle of a 10,000-event stream.
//!
//! The restart is `rabbitmqctl stop_app` / `start_app`, which closes every connection and the
//! listener. No event whose publish was confirmed may be lost, and none may be handled twice
//! (redeliveries are absorbed by the consumer's idempotency store). The transport opens a new
//! connection, and its consumers a new channel and consumer, once the broker is back.
//!
//! It restarts the machine's own broker, so it lives in a test binary of its own, which
//! cargo runs alone. Without `rabbitmqctl` or the broker it skips loudly, or fails when
//! `TIDINGS_REQUIRE_BROKERS=1`.

mod common;

use std::process::Command;
use std::time::Duration;

use tidings::amqp::{Amqp, AmqpOptions};
use tidings::Route;

use common::{port_open, skip, Runs};

const CTL: &str = "/usr/sbin/rabbitmqctl";
const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const TEST: &str = "the RabbitMQ restart test";

/// Stops the broker application and starts it again.
fn restart_broker() {
    let stopped = Command::new(CTL).arg("stop_app").output();
    assert!(
        stopped.as_ref().is_ok_and(|o| o.status.success()),
        "rabbitmqctl stop_app failed: {stopped:?}"
    );
    assert!(!port_open(5672), "the broker still listens after stop_app");
    std::thread::sleep(Duration::from_millis(500));
    let started = Command::new(CTL).arg("start_app").output();
    assert!(
        started.as_ref().is_ok_and(|o| o.status.success()),
        "rabbitmqctl start_app failed: {started:?}"
    );
    for _ in 0..200 {
        if port_open(5672) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("RabbitMQ did not come back on 5672");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_confirmed_event_is_lost_or_handled_twice_across_a_broker_restart() {
    if !std::path::Path::new(CTL).exists() {
        return skip(TEST, &format!("{CTL} is not installed"));
    }
    let options = AmqpOptions {
        exchange: format!("tidings-restart-{}", std::process::id()),
        ..AmqpOptions::default()
    };
    let amqp = match Amqp::connect_with(URL, options).await {
        Ok(amqp) => amqp,
        Err(e) => return skip(TEST, &format!("RabbitMQ unreachable at {URL}: {e}")),
    };

    // Publishes may fail during the outage and are sent again; the outage itself is checked
    // by `restart_broker` (the port closed).
    common::survives_a_restart(&amqp, 10_000, restart_broker).await;

    let channel = amqp.channel().await.unwrap();
    for queue in [
        amqp.queue_name(Runs::ADDRESS, Runs::OPERATION),
        format!("{}.dlq", amqp.options().exchange),
    ] {
        let _ = channel
            .queue_delete(queue.as_str().into(), Default::default())
            .await;
    }
}
