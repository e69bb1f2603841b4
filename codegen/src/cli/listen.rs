//! `tidings listen`: every event on the spec's channels, printed with whether it is valid.

use std::time::Duration;

use serde_json::Value;
use tidings::envelope::Binding;
use tidings::transport::{Position, RawMessage, Settlement, Subscription, Transport, Window};
use tidings::Incoming;
use tidings_codegen::model::Catalog;
use tidings_codegen::LoadOptions;

use super::connect::{Broker, BrokerError, Session};
use super::violations;
use crate::ListenArgs;

/// Runs `tidings listen`: `Ok(false)` when some event was invalid.
pub fn run(args: &ListenArgs) -> Result<bool, BrokerError> {
    let broker = Broker::of(&args.broker)?;
    let (catalog, _) = tidings_codegen::catalog(&args.spec, &LoadOptions::default())?;
    let (valid, invalid) = broker.run(
        &args.broker,
        args.tls.tls()?,
        Listen {
            catalog: &catalog,
            count: args.count,
            timeout: args.timeout.map(Duration::from_secs),
            from: args.from.clone(),
        },
    )?;
    eprintln!("{valid} valid, {invalid} invalid");
    Ok(invalid == 0)
}

/// Prints the events on every channel of `catalog` until `count` came or `timeout` passed;
/// comes back with how many were valid and how many were not.
struct Listen<'a> {
    catalog: &'a Catalog,
    count: Option<usize>,
    timeout: Option<Duration>,
    /// Where to read the log from; `None` listens from now on.
    from: Option<Position>,
}

impl Session for Listen<'_> {
    type Output = (usize, usize);
    const LISTENS: bool = true;

    async fn run<T: Transport>(self, transport: T) -> Result<(usize, usize), BrokerError> {
        let Listen {
            catalog,
            count,
            timeout,
            from,
        } = self;
        let group = format!("tidings-listen-{}", std::process::id());
        let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
        for channel in &catalog.channels {
            let pattern = channel
                .address
                .clone()
                .unwrap_or_else(|| channel.key.clone());
            let subscribed = match &from {
                None => transport.subscribe(&pattern, &group).await,
                Some(from) => {
                    transport
                        .subscribe_from(&pattern, &group, Window::default(), from)
                        .await
                }
            };
            let mut subscription = subscribed.map_err(BrokerError::broker)?;
            let sender = sender.clone();
            tokio::spawn(async move {
                while let Some(delivery) = subscription.next().await {
                    let message = delivery.message().clone();
                    let _ = delivery.settle(Settlement::Ack).await;
                    if sender.send(message).await.is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        eprintln!("listening on {} channel(s)", catalog.channels.len());
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let (mut valid, mut invalid) = (0, 0);
        while count.is_none_or(|c| valid + invalid < c) {
            let next = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, receiver.recv())
                    .await
                    .unwrap_or(None),
                None => receiver.recv().await,
            };
            let Some(raw) = next else { break };
            if report(catalog, transport.binding(), &raw) {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        Ok((valid, invalid))
    }
}

/// Prints one event and whether it is valid under the spec.
fn report(catalog: &Catalog, binding: Binding, raw: &RawMessage) -> bool {
    let checked = check(catalog, binding, raw);
    match (&checked.data, checked.problems.is_empty()) {
        (Some(data), true) => println!("✓ {}\n  {data}", checked.header),
        (Some(data), false) => println!(
            "✗ {}: {}\n  {data}",
            checked.header,
            checked.problems.join("; ")
        ),
        (None, _) => println!("✗ {}: {}", checked.header, checked.problems.join("; ")),
    }
    checked.problems.is_empty()
}

/// An event checked against a spec.
pub struct Checked {
    /// Its type, version, address and id (its address alone when it is no CloudEvent).
    pub header: String,
    /// Its data, when it is JSON.
    pub data: Option<Value>,
    /// What is wrong with it under the spec; empty when it is valid.
    pub problems: Vec<String>,
}

/// Checks `raw` against `catalog`: a CloudEvent of one of its messages, with JSON data the
/// message's schema accepts.
pub fn check(catalog: &Catalog, binding: Binding, raw: &RawMessage) -> Checked {
    let failed = |header: String, problem: String| Checked {
        header,
        data: None,
        problems: vec![problem],
    };
    let incoming = match Incoming::parse(binding, raw) {
        Ok(incoming) => incoming,
        Err(e) => return failed(raw.address.clone(), format!("not a CloudEvent: {e}")),
    };
    let context = incoming.context();
    let header = format!(
        "{} {} on {} (id {})",
        context.event_type,
        context.data_version.as_deref().unwrap_or("-"),
        raw.address,
        context.id
    );
    let message = catalog.messages.iter().find(|m| {
        m.name == context.event_type
            && (context.data_version.is_none()
                || m.version.as_deref() == context.data_version.as_deref())
    });
    let Some(message) = message.or_else(|| {
        catalog
            .messages
            .iter()
            .find(|m| m.name == context.event_type)
    }) else {
        return failed(header, "no such message in the spec".into());
    };
    let data: Value = match serde_json::from_slice(&raw.body) {
        Ok(data) => data,
        Err(e) => return failed(header, format!("data is not JSON: {e}")),
    };
    let problems = violations(catalog, message, &data);
    Checked {
        header,
        data: Some(data),
        problems,
    }
}
