//! `tidings publish`: one of the spec's messages, validated, sent as a CloudEvent.

use std::path::Path;

use serde_json::Value;
use tidings::envelope::{Envelope, Metadata};
use tidings::transport::{RawMessage, Transport};
use tidings_codegen::model::{Catalog, Message};
use tidings_codegen::LoadOptions;

use super::connect::{Broker, BrokerError, Session};
use super::violations;
use crate::PublishArgs;

/// Runs `tidings publish`: `Ok(false)` when the payload breaks the spec (nothing is sent).
pub fn run(args: &PublishArgs) -> Result<bool, BrokerError> {
    let broker = Broker::of(&args.broker)?;
    let (catalog, _) = tidings_codegen::catalog(&args.spec, &LoadOptions::default())?;
    let message = find_message(&catalog, &args.message)?;
    let payload = payload(message, args.example, args.data.as_deref())?;
    let problems = violations(&catalog, message, &payload);
    if !problems.is_empty() {
        eprintln!("not published: the payload breaks `{}`:", message.name);
        for problem in problems {
            eprintln!("  {problem}");
        }
        return Ok(false);
    }
    let address = address(&catalog, message, &args.params)?;
    let id = broker.run(
        &args.broker,
        args.tls.tls()?,
        Publish {
            message,
            address: &address,
            payload,
        },
    )?;
    println!("published {} to {address} (id {id})", message.name);
    Ok(true)
}

/// The message of `catalog` known as `name` (its name, key or message id).
fn find_message<'c>(catalog: &'c Catalog, name: &str) -> Result<&'c Message, BrokerError> {
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
fn payload(
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

/// The address of `message` on its first channel, its parameters from `params`.
fn address(
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

/// Sends `payload` as `message` to `address`; comes back with the event id.
struct Publish<'a> {
    message: &'a Message,
    address: &'a str,
    payload: Value,
}

impl Session for Publish<'_> {
    type Output = String;
    const LISTENS: bool = false;

    async fn run<T: Transport>(self, transport: T) -> Result<String, BrokerError> {
        let Publish {
            message,
            address,
            payload,
        } = self;
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
            .to_binary(transport.binding())
            .map_err(|e| BrokerError::Usage(e.to_string()))?;
        transport
            .publish(RawMessage {
                address: address.to_owned(),
                key: Some(address.to_owned()),
                headers,
                body,
            })
            .await
            .map_err(BrokerError::broker)?;
        Ok(id)
    }
}
