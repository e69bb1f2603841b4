//! The generated API around operations: handler traits, routers and publishers, and their names.
//!
//! Each receive operation gets a [`Handler`] (a trait with one method per event and a router),
//! each send operation a [`Publisher`] (one method per event, the channel's parameters as
//! arguments, restricted ones as a [`ParamEnum`]). A version family counts once: handlers
//! receive its newest version (older ones are upcast on the way in), publishers write it.
//! Every name is decided here, in the order the generated modules declare them.

use std::collections::HashMap;

use super::naming::{self, Scope};
use super::{Action, Catalog, ChannelId, MessageId, Operation};

/// Names the generated modules use unqualified, kept free for them.
const RESERVED: &[&str] = &[
    "Ok", "Err", "Some", "None", "Result", "Option", "Send", "Sync", "Box", "Vec", "String", "H",
];

/// One event of an operation and the method that handles or publishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventMethod {
    /// The message (the newest of its family).
    pub message: MessageId,
    /// The method's Rust name (`on_order_created`, `publish_order_created`).
    pub name: String,
}

/// The handler trait and router of a receive operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// Index into [`Catalog::operations`].
    pub operation: usize,
    /// The trait's Rust name.
    pub trait_name: String,
    /// The router's Rust name.
    pub router_name: String,
    /// One method per event type the router dispatches.
    pub methods: Vec<EventMethod>,
}

/// How a publisher method takes one channel parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgumentType {
    /// Any text.
    Text,
    /// One of the values the spec lists: index into [`Interfaces::param_enums`].
    Enum(usize),
}

/// A channel parameter as a publisher method's argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Argument {
    /// The parameter's name in the address template.
    pub param: String,
    /// The argument's Rust name.
    pub name: String,
    /// Its type.
    pub ty: ArgumentType,
}

/// The typed publisher of a send operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Publisher {
    /// Index into [`Catalog::operations`].
    pub operation: usize,
    /// The struct's Rust name.
    pub struct_name: String,
    /// The channel parameters every method takes, in address order.
    pub args: Vec<Argument>,
    /// One method per event.
    pub methods: Vec<EventMethod>,
}

/// The values of a channel parameter the spec restricts, as a Rust enum.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamEnum {
    /// The enum's Rust name.
    pub name: String,
    /// The channel.
    pub channel: ChannelId,
    /// The parameter's name in the address template.
    pub param: String,
    /// Each variant: Rust name and the value in the address.
    pub variants: Vec<(String, String)>,
}

/// Every handler, publisher and parameter enum of a catalog.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Interfaces {
    /// One per receive operation that carries messages.
    pub handlers: Vec<Handler>,
    /// One per send operation that carries messages.
    pub publishers: Vec<Publisher>,
    /// The restricted parameters the publishers take.
    pub param_enums: Vec<ParamEnum>,
}

/// The interfaces of `catalog` (its version families decided).
pub(crate) fn plan(catalog: &Catalog) -> Interfaces {
    let mut out = Interfaces::default();
    let mut scope = Scope::with_reserved(RESERVED);
    for (index, op) in catalog.operations.iter().enumerate() {
        if op.action != Action::Receive {
            continue;
        }
        let events = events(catalog, op, true);
        if events.is_empty() {
            continue;
        }
        let trait_name = scope.take(&naming::type_name(&op.key));
        let router_name = scope.take(&format!("{trait_name}Router"));
        let mut methods = Scope::default();
        out.handlers.push(Handler {
            operation: index,
            trait_name,
            router_name,
            methods: events
                .into_iter()
                .map(|(message, base)| EventMethod {
                    message,
                    name: methods.take(&format!("on_{base}")),
                })
                .collect(),
        });
    }
    // Publishers and parameter enums share one module, so one scope.
    let mut scope = Scope::with_reserved(RESERVED);
    let mut enums: HashMap<(ChannelId, String), usize> = HashMap::new();
    for (index, op) in catalog.operations.iter().enumerate() {
        if op.action != Action::Send {
            continue;
        }
        let events = events(catalog, op, false);
        if events.is_empty() {
            continue;
        }
        let channel = &catalog.channels[op.channel.0];
        let mut args = Vec::new();
        let mut arg_scope = Scope::with_reserved(&["event", "address", "self"]);
        // Where every message has an address of its own, the channel's template takes none.
        let own_addresses = op
            .messages
            .iter()
            .all(|m| channel.fixed.iter().any(|(f, _)| f == m));
        let params = channel
            .address
            .as_deref()
            .filter(|_| !own_addresses)
            .map(tidings::address::parameters)
            .unwrap_or_default();
        for param in params {
            let name = arg_scope.take(&naming::field_name(param));
            let spec = channel.parameters.iter().find(|p| p.name == param);
            let ty = match spec.filter(|p| !p.allowed.is_empty()) {
                Some(p) => {
                    let key = (op.channel, param.to_owned());
                    let at = *enums.entry(key).or_insert_with(|| {
                        let mut variants = Scope::with_reserved(&["Self"]);
                        out.param_enums.push(ParamEnum {
                            name: scope
                                .take(&naming::type_name(&format!("{} {}", channel.key, param))),
                            channel: op.channel,
                            param: param.to_owned(),
                            variants: p
                                .allowed
                                .iter()
                                .map(|v| (variants.take(&naming::type_name(v)), v.clone()))
                                .collect(),
                        });
                        out.param_enums.len() - 1
                    });
                    ArgumentType::Enum(at)
                }
                None => ArgumentType::Text,
            };
            args.push(Argument {
                param: param.to_owned(),
                name,
                ty,
            });
        }
        let struct_name = scope.take(&naming::type_name(&op.key));
        let mut methods = Scope::with_reserved(&["new"]);
        out.publishers.push(Publisher {
            operation: index,
            struct_name,
            args,
            methods: events
                .into_iter()
                .map(|(message, base)| EventMethod {
                    message,
                    name: methods.take(&format!("publish_{base}")),
                })
                .collect(),
        });
    }
    out
}

/// The events an operation carries, a family as its newest member, each with the base of its
/// method names. Routers dispatch on the event type, so for them (`one_per_type`) a type counts
/// once, its first message.
fn events(catalog: &Catalog, op: &Operation, one_per_type: bool) -> Vec<(MessageId, String)> {
    let mut out: Vec<(MessageId, String)> = Vec::new();
    for &id in &op.messages {
        let family = catalog
            .families
            .iter()
            .find(|f| f.newest == id || f.older.contains(&id));
        let newest = family.map_or(id, |f| f.newest);
        let m = &catalog.messages[newest.0];
        let seen =
            |e: &MessageId| *e == newest || (one_per_type && catalog.messages[e.0].name == m.name);
        if out.iter().any(|(e, _)| seen(e)) {
            continue;
        }
        let mut base = naming::field_name(&catalog.ty(m.type_id).rust_name);
        if family.is_some() {
            // One method serves every version: `order_created_v2` is `order_created`.
            base = strip_version_suffix(&base).to_owned();
        }
        out.push((newest, base));
    }
    out
}

/// `name` without a trailing `_v<digits>`, unless nothing would be left.
fn strip_version_suffix(name: &str) -> &str {
    match name.rsplit_once("_v") {
        Some((stem, digits))
            if !stem.is_empty()
                && !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            stem
        }
        _ => name,
    }
}
