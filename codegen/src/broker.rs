//! `tidings publish` and `tidings listen`: a spec's messages on a real broker, from the
//! command line. Brokers are runtime features; this build knows the schemes in [`SCHEMES`].

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::model::{Catalog, Message};

/// Broker URL schemes this build can talk to.
pub const SCHEMES: &[&str] = &[
    #[cfg(feature = "nats")]
    "nats",
    #[cfg(feature = "redis")]
    "redis",
    #[cfg(feature = "amqp")]
    "amqp",
    #[cfg(feature = "mqtt")]
    "mqtt",
    #[cfg(feature = "kafka")]
    "kafka",
];

/// Why a broker command could not run (exit 2), as opposed to invalid events (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The spec could not be read.
    #[error("{0}")]
    Spec(#[from] crate::Error),
    /// A usage mistake: unknown message, missing parameter, unsupported broker, bad data.
    #[error("{0}")]
    Usage(String),
    /// The broker failed.
    #[error("broker: {0}")]
    Broker(String),
}

/// The message of `catalog` known as `name` (its name, key or message id).
pub fn find_message<'c>(catalog: &'c Catalog, name: &str) -> Result<&'c Message, BrokerError> {
    catalog
        .messages
        .iter()
        .find(|m| m.aliases.iter().any(|a| a == name) || m.name == name || m.key == name)
        .ok_or_else(|| {
            let known: Vec<&str> = catalog.messages.iter().map(|m| m.name.as_str()).collect();
            BrokerError::Usage(format!(
                "no message `{name}` in the spec; it has: {}",
                known.join(", ")
            ))
        })
}

/// The payload to publish: example `example` of the message, or the JSON in `data`.
pub fn payload(
    message: &Message,
    example: Option<usize>,
    data: Option<&Path>,
) -> Result<Value, BrokerError> {
    if let Some(path) = data {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BrokerError::Usage(format!("{}: {e}", path.display())))?;
        return serde_json::from_str(&text)
            .map_err(|e| BrokerError::Usage(format!("{}: not JSON: {e}", path.display())));
    }
    let n = example.unwrap_or(0);
    message
        .examples
        .get(n)
        .and_then(|e| e.payload.clone())
        .ok_or_else(|| {
            BrokerError::Usage(format!(
                "`{}` has no example {n} with a payload; give --data FILE",
                message.name
            ))
        })
}

/// Every constraint `payload` breaks under the message's schema, as text.
pub fn violations(message: &Message, payload: &Value) -> Vec<String> {
    let Some(schema) = &message.payload_schema else {
        return Vec::new();
    };
    match tidings::schema::Schema::compile(schema) {
        Ok(schema) => match schema.validate(payload) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        },
        Err(e) => vec![format!("the schema does not compile: {e}")],
    }
}

/// The address of `message` on its first channel, its parameters from `params`.
pub fn address(
    catalog: &Catalog,
    message: &Message,
    params: &[(String, String)],
) -> Result<String, BrokerError> {
    let channel = message
        .channels
        .first()
        .map(|c| &catalog.channels[c.0])
        .ok_or_else(|| BrokerError::Usage(format!("`{}` is on no channel", message.name)))?;
    let template = channel
        .address
        .clone()
        .unwrap_or_else(|| channel.key.clone());
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    tidings::address::fill(&template, &pairs)
        .map_err(|e| BrokerError::Usage(format!("{e} (give it with --param NAME=VALUE)")))
}

/// The scheme of a broker URL, if this build supports it.
pub fn scheme(url: &str) -> Result<&str, BrokerError> {
    let scheme = url.split("://").next().unwrap_or_default();
    if SCHEMES.contains(&scheme) {
        Ok(scheme)
    } else {
        Err(BrokerError::Usage(format!(
            "`{url}`: this build of tidings talks to {} (build with `--features nats,redis,amqp,mqtt,kafka`)",
            if SCHEMES.is_empty() {
                "no broker".to_owned()
            } else {
                SCHEMES
                    .iter()
                    .map(|s| format!("{s}://"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )))
    }
}

#[cfg(any(
    feature = "nats",
    feature = "redis",
    feature = "amqp",
    feature = "mqtt",
    feature = "kafka"
))]
mod live {
    use super::*;
    use tidings::envelope::{Envelope, Metadata};
    use tidings::transport::{RawMessage, Settlement, Subscription, Transport};
    use tidings::Incoming;

    /// A broker failure, from the client's error.
    fn broker(error: impl std::fmt::Display) -> BrokerError {
        BrokerError::Broker(error.to_string())
    }

    fn runtime() -> Result<tokio::runtime::Runtime, BrokerError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(broker)
    }

    /// Connects to NATS; listeners start with what is published from now on.
    #[cfg(feature = "nats")]
    pub async fn nats(url: &str, from_now: bool) -> Result<tidings::nats::Nats, BrokerError> {
        tidings::nats::Nats::connect_with(
            url,
            tidings::nats::NatsOptions {
                from_now,
                ..Default::default()
            },
        )
        .await
        .map_err(broker)
    }

    /// Connects to Redis; listeners start with what is added from now on.
    #[cfg(feature = "redis")]
    pub async fn redis(url: &str, from_now: bool) -> Result<tidings::redis::Redis, BrokerError> {
        tidings::redis::Redis::connect_with(
            url,
            tidings::redis::RedisOptions {
                from_now,
                ..Default::default()
            },
        )
        .await
        .map_err(broker)
    }

    /// Connects to RabbitMQ.
    #[cfg(feature = "amqp")]
    pub async fn amqp(url: &str, transient: bool) -> Result<tidings::amqp::Amqp, BrokerError> {
        tidings::amqp::Amqp::connect_with(
            url,
            tidings::amqp::AmqpOptions {
                transient,
                ..Default::default()
            },
        )
        .await
        .map_err(broker)
    }

    /// Connects to an MQTT 5 broker.
    #[cfg(feature = "mqtt")]
    pub async fn mqtt(url: &str) -> Result<tidings::mqtt::Mqtt, BrokerError> {
        tidings::mqtt::Mqtt::connect(url).await.map_err(broker)
    }

    /// Connects to Kafka; listeners take what is published from now on.
    #[cfg(feature = "kafka")]
    pub async fn kafka(url: &str, from_now: bool) -> Result<tidings::kafka::Kafka, BrokerError> {
        tidings::kafka::Kafka::connect_with(
            url,
            tidings::kafka::KafkaOptions {
                from_now,
                ..Default::default()
            },
        )
        .await
        .map_err(broker)
    }

    pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, BrokerError> {
        Ok(runtime()?.block_on(future))
    }

    /// Publishes `payload` as `message` to `address`; returns the event id.
    pub async fn publish<T: Transport>(
        transport: T,
        message: &Message,
        address: &str,
        payload: Value,
    ) -> Result<String, BrokerError> {
        {
            let nats = transport;
            let id = tidings::uuid::Uuid::now_v7().to_string();
            let envelope = Envelope {
                id: id.clone(),
                source: "tidings-cli".into(),
                event_type: message.name.clone().into(),
                time: Some(tidings::chrono::Utc::now()),
                data_content_type: Some(message.content_type.clone().into()),
                data_schema: None,
                subject: None,
                correlation_id: Some(id.clone()),
                causation_id: None,
                data_version: message.version.clone().map(Into::into),
                metadata: Metadata::default(),
                extensions: Default::default(),
                data: payload,
            };
            let (headers, body) = envelope
                .to_binary(nats.binding())
                .map_err(|e| BrokerError::Usage(e.to_string()))?;
            nats.publish(RawMessage {
                address: address.to_owned(),
                key: Some(address.to_owned()),
                headers,
                body,
            })
            .await
            .map_err(broker)?;
            Ok(id)
        }
    }

    /// Prints the events on every channel of `catalog` until `count` came or `timeout`
    /// passed; returns how many were valid and how many were not.
    pub async fn listen<T: Transport>(
        transport: T,
        catalog: &Catalog,
        count: Option<usize>,
        timeout: Option<Duration>,
        ready: impl FnOnce(),
    ) -> Result<(usize, usize), BrokerError> {
        {
            let nats = transport;
            let group = format!("tidings-listen-{}", std::process::id());
            let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
            for channel in &catalog.channels {
                let pattern = channel
                    .address
                    .clone()
                    .unwrap_or_else(|| channel.key.clone());
                let mut subscription = nats.subscribe(&pattern, &group).await.map_err(broker)?;
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
            ready();
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
                if report(catalog, nats.binding(), &raw) {
                    valid += 1;
                } else {
                    invalid += 1;
                }
            }
            Ok((valid, invalid))
        }
    }

    /// Prints one event and whether it is valid under the spec.
    fn report(catalog: &Catalog, binding: tidings::envelope::Binding, raw: &RawMessage) -> bool {
        let incoming = match Incoming::parse(binding, raw) {
            Ok(incoming) => incoming,
            Err(e) => {
                println!("✗ {}: not a CloudEvent: {e}", raw.address);
                return false;
            }
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
            println!("✗ {header}: no such message in the spec");
            return false;
        };
        let data: Value = match serde_json::from_slice(&raw.body) {
            Ok(data) => data,
            Err(e) => {
                println!("✗ {header}: data is not JSON: {e}");
                return false;
            }
        };
        let problems = violations(message, &data);
        if problems.is_empty() {
            println!("✓ {header}\n  {data}");
            true
        } else {
            println!("✗ {header}: {}\n  {data}", problems.join("; "));
            false
        }
    }
}

/// Publishes `payload` as `message` to `address` on the broker at `url`; the event id.
pub fn publish(
    url: &str,
    message: &Message,
    address: &str,
    payload: Value,
) -> Result<String, BrokerError> {
    match scheme(url)? {
        #[cfg(feature = "nats")]
        "nats" => live::block_on(async {
            live::publish(live::nats(url, false).await?, message, address, payload).await
        })?,
        #[cfg(feature = "redis")]
        "redis" => live::block_on(async {
            live::publish(live::redis(url, false).await?, message, address, payload).await
        })?,
        #[cfg(feature = "amqp")]
        "amqp" => live::block_on(async {
            live::publish(live::amqp(url, false).await?, message, address, payload).await
        })?,
        #[cfg(feature = "mqtt")]
        "mqtt" => live::block_on(async {
            live::publish(live::mqtt(url).await?, message, address, payload).await
        })?,
        #[cfg(feature = "kafka")]
        "kafka" => live::block_on(async {
            live::publish(live::kafka(url, false).await?, message, address, payload).await
        })?,
        other => {
            let _ = (message, address, payload);
            Err(BrokerError::Usage(format!("no transport for `{other}`")))
        }
    }
}

/// Listens on every channel of `catalog` at `url`; `ready` runs once subscribed. Returns the
/// number of valid and invalid events seen.
pub fn listen(
    url: &str,
    catalog: &Catalog,
    count: Option<usize>,
    timeout: Option<Duration>,
    ready: impl FnOnce(),
) -> Result<(usize, usize), BrokerError> {
    match scheme(url)? {
        #[cfg(feature = "nats")]
        "nats" => live::block_on(async {
            live::listen(live::nats(url, true).await?, catalog, count, timeout, ready).await
        })?,
        #[cfg(feature = "redis")]
        "redis" => live::block_on(async {
            live::listen(
                live::redis(url, true).await?,
                catalog,
                count,
                timeout,
                ready,
            )
            .await
        })?,
        #[cfg(feature = "amqp")]
        "amqp" => live::block_on(async {
            live::listen(live::amqp(url, true).await?, catalog, count, timeout, ready).await
        })?,
        #[cfg(feature = "mqtt")]
        "mqtt" => live::block_on(async {
            live::listen(live::mqtt(url).await?, catalog, count, timeout, ready).await
        })?,
        #[cfg(feature = "kafka")]
        "kafka" => live::block_on(async {
            live::listen(
                live::kafka(url, true).await?,
                catalog,
                count,
                timeout,
                ready,
            )
            .await
        })?,
        other => {
            let _ = (catalog, count, timeout, ready);
            Err(BrokerError::Usage(format!("no transport for `{other}`")))
        }
    }
}
