//! `tidings dlq list | show | redrive`: the dead letters a broker keeps, for an operator.

use serde_json::{json, Value};
use tidings::envelope::Binding;
use tidings::transport::{DeadLetter, DeadLetters};
use tidings::Incoming;
use tidings_codegen::model::Catalog;
use tidings_codegen::LoadOptions;

use super::connect::{Broker, BrokerError, Session};
use super::listen::check;
use crate::{DlqArgs, DlqCommand};

/// Runs a `tidings dlq` command: `Ok(false)` when a letter failed validation (kept).
pub fn run(command: &DlqCommand) -> Result<bool, BrokerError> {
    let (args, action) = match command {
        DlqCommand::List(args) => (args, Action::List),
        DlqCommand::Show(args) => (args, Action::Show),
        DlqCommand::Redrive(args) => (args, Action::Redrive),
    };
    let broker = Broker::of(&args.broker)?;
    let catalog = match &args.spec {
        Some(spec) => Some(tidings_codegen::catalog(spec, &LoadOptions::default())?.0),
        None if action == Action::Redrive => {
            return Err(BrokerError::Usage(
                "`tidings dlq redrive` checks letters against the spec: give it with `--spec`"
                    .into(),
            ))
        }
        None => None,
    };
    if action == Action::Redrive
        && !args.all
        && args.keys.is_empty()
        && args.group.is_none()
        && args.event_type.is_none()
    {
        return Err(BrokerError::Usage(
            "say which letters to redrive: keys, `--group`, `--type`, or `--all`".into(),
        ));
    }
    broker.run(
        &args.broker,
        args.tls.tls()?,
        Dlq {
            args,
            action,
            catalog: catalog.as_ref(),
        },
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    List,
    Show,
    Redrive,
}

struct Dlq<'a> {
    args: &'a DlqArgs,
    action: Action,
    catalog: Option<&'a Catalog>,
}

impl Session for Dlq<'_> {
    type Output = bool;
    const LISTENS: bool = false;

    async fn run<T: DeadLetters>(self, transport: T) -> Result<bool, BrokerError> {
        let binding = transport.binding();
        let letters: Vec<DeadLetter> = transport
            .dead_letters()
            .await
            .map_err(BrokerError::broker)?
            .into_iter()
            .filter(|letter| self.selects(binding, letter))
            .collect();
        if let Some(missing) = self
            .args
            .keys
            .iter()
            .find(|key| !letters.iter().any(|letter| &letter.key == *key))
        {
            return Err(BrokerError::Usage(format!(
                "no dead letter `{missing}` (with these filters) on {}",
                self.args.broker
            )));
        }
        match self.action {
            Action::List => {
                for letter in &letters {
                    self.print(binding, letter, false);
                }
                eprintln!("{} dead letter(s)", letters.len());
                Ok(true)
            }
            Action::Show => {
                for letter in &letters {
                    self.print(binding, letter, true);
                }
                Ok(true)
            }
            Action::Redrive => {
                let catalog = self.catalog.expect("checked before connecting");
                let (mut redriven, mut kept) = (0, 0);
                for letter in &letters {
                    let checked = check(catalog, binding, &letter.message);
                    if !checked.problems.is_empty() {
                        kept += 1;
                        println!(
                            "✗ kept {}: {}: {}",
                            letter.key,
                            checked.header,
                            checked.problems.join("; ")
                        );
                        continue;
                    }
                    transport.redrive(letter).await.map_err(|e| {
                        BrokerError::broker(format!("redriving {}: {e}", letter.key))
                    })?;
                    redriven += 1;
                    println!("✓ redriven {}: {}", letter.key, checked.header);
                }
                eprintln!("{redriven} redriven, {kept} kept (invalid under the spec)");
                Ok(kept == 0)
            }
        }
    }
}

impl Dlq<'_> {
    /// Whether the command's filters take `letter`.
    fn selects(&self, binding: Binding, letter: &DeadLetter) -> bool {
        let args = self.args;
        (args.keys.is_empty() || args.keys.contains(&letter.key))
            && args
                .group
                .as_ref()
                .is_none_or(|group| *group == letter.group)
            && args.event_type.as_ref().is_none_or(|wanted| {
                Incoming::parse(binding, &letter.message)
                    .is_ok_and(|incoming| incoming.event_type() == wanted)
            })
    }

    /// Prints `letter`: one line, or in `full` with its headers and payload.
    fn print(&self, binding: Binding, letter: &DeadLetter, full: bool) {
        let incoming = Incoming::parse(binding, &letter.message).ok();
        let (event_type, id) = incoming.as_ref().map_or(("-", "-"), |incoming| {
            (incoming.event_type(), incoming.context().id.as_str())
        });
        let time = letter.time.map_or_else(
            || "-".to_owned(),
            |time| time.to_rfc3339_opts(tidings::chrono::SecondsFormat::Millis, true),
        );
        let valid = self.catalog.map(|catalog| {
            let checked = check(catalog, binding, &letter.message);
            checked.problems
        });
        if self.args.json {
            let mut line = json!({
                "key": letter.key,
                "time": letter.time,
                "group": letter.group,
                "attempt": letter.attempt,
                "type": event_type,
                "id": id,
                "address": letter.message.address,
                "reason": letter.reason,
            });
            if let Some(problems) = &valid {
                line["problems"] = json!(problems);
            }
            if full {
                line["headers"] = letter
                    .message
                    .headers
                    .iter()
                    .map(|(name, value)| (name.to_string(), Value::String(value.clone())))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
                line["payload"] = payload(&letter.message.body);
            }
            println!("{line}");
            return;
        }
        let verdict = match &valid {
            None => "",
            Some(problems) if problems.is_empty() => "✓ ",
            Some(_) => "✗ ",
        };
        println!(
            "{verdict}{}  {time}  group={}  attempt={}  {event_type}  {id}  {}  {}",
            letter.key, letter.group, letter.attempt, letter.message.address, letter.reason
        );
        if !full {
            return;
        }
        if let Some(problems) = valid.filter(|problems| !problems.is_empty()) {
            println!("  invalid under the spec: {}", problems.join("; "));
        }
        for (name, value) in &letter.message.headers {
            println!("  {name}: {value}");
        }
        match payload(&letter.message.body) {
            Value::String(text) => println!("{text}"),
            json => println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            ),
        }
        println!();
    }
}

/// A payload as JSON, or as text when it is not JSON.
fn payload(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}
