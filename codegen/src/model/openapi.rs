//! OpenAPI 3.0, 3.1 and 3.2 documents → [`Catalog`]: the same model as AsyncAPI's, so the
//! same emitter writes the types, validators, handlers and publishers.
//!
//! - Every `webhooks` entry (3.1) and every `callbacks` entry of an operation is a message,
//!   its payload the JSON request body. All of them travel on one channel, `webhooks`, at an
//!   address of their own (the webhook's key); one receive operation takes them (a handler
//!   trait and router for tidings' HTTP receiver, which also accepts a plain request, without
//!   CloudEvents attributes, by its address) and one send operation publishes them.
//! - The JSON request body and responses of every `paths` operation are messages without a
//!   channel, named from its `operationId` (`CreatePetBody`, `CreatePetResponse201`), so that
//!   `decode_message` checks them; no HTTP client is written (progenitor's job).
//! - Every `components/schemas` entry is a named type with its validator.
//!
//! Schemas follow the document's dialect: OpenAPI 3.0's schema object (`nullable`, boolean
//! exclusive limits), or JSON Schema 2020-12 (3.1, or the root's `jsonSchemaDialect`).

use std::collections::HashMap;

use crate::error::{Diagnostic, Result};
use crate::source::node::Node;
use crate::source::resolve::{ref_of, Loc};
use crate::source::Sources;

use super::asyncapi::{entries, info, text_of};
use super::naming::{self, Scope};
use super::schema::TypeSpace;
use super::{Action, Channel, ChannelId, Example, Message, MessageId, Operation, Server};

/// The HTTP methods whose operations a path item may hold (3.2 adds `query`).
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query",
];

/// Builds the catalog of an OpenAPI document.
pub(super) fn build(src: &Sources, options: &crate::LoadOptions) -> Result<super::Catalog> {
    let kind = src.kind()?;
    let root = &src.main().root;
    let doc = Loc::root(root.span.doc);
    let mut space = TypeSpace::new(src, Scope::with_reserved(&["Message"]));
    space.strict = options.strict_json_schema;
    space.dialect = kind.dialect(root);
    let mut b = Builder {
        src,
        space,
        messages: Vec::new(),
        pending: Vec::new(),
        by_loc: HashMap::new(),
        webhooks: Vec::new(),
        addresses: Scope::default(),
        keys: Scope::default(),
        schemas: Vec::new(),
        problems: Vec::new(),
    };
    b.expect_map(root, &doc, "webhooks");
    for (key, item, loc) in entries(src, root, "webhooks", &doc) {
        let (item, loc) = src.resolve(item, loc)?;
        b.events(key, item, &loc)?;
    }
    b.expect_map(root, &doc, "paths");
    for (path, item, loc) in entries(src, root, "paths", &doc) {
        let (item, loc) = src.resolve(item, loc)?;
        for (method, op, op_loc) in operations(item, &loc) {
            let (op, op_loc) = src.resolve(op, op_loc)?;
            if op.as_map().is_none() {
                b.wrong(
                    op,
                    &op_loc,
                    &format!("`{method}` must be an operation (a mapping)"),
                );
                continue;
            }
            let op_id = text_of(op, "operationId").unwrap_or_else(|| format!("{method} {path}"));
            b.bodies(&op_id, op, &op_loc)?;
            for (name, callback, cb_loc) in entries(src, op, "callbacks", &op_loc) {
                let (callback, cb_loc) = src.resolve(callback, cb_loc)?;
                for (_, item, item_loc) in entries_of(callback, &cb_loc) {
                    let (item, item_loc) = src.resolve(item, item_loc)?;
                    b.events(&format!("{op_id} {name}"), item, &item_loc)?;
                }
            }
        }
    }
    b.expect_map(root, &doc, "components");
    if let Some(components) = root.get("components") {
        b.expect_map(components, &doc.child("components"), "schemas");
    }
    match std::mem::take(&mut b.problems) {
        problems if problems.is_empty() => {}
        mut problems if problems.len() == 1 => {
            return Err(crate::error::Error::Spec(Box::new(problems.remove(0))))
        }
        problems => return Err(crate::error::Error::Specs(problems)),
    }
    b.convert()?;
    if let Some(components) = root.get("components") {
        for (key, schema, loc) in entries(src, components, "schemas", &doc.child("components")) {
            let (schema, loc) = src.resolve(schema, loc)?;
            if options.compare_named_schemas {
                b.schemas.push(super::NamedSchema {
                    key: key.to_string(),
                    schema: b.space.entry(schema, &loc)?,
                });
            }
            b.space.named_as(schema, loc, Some(key));
        }
    }
    b.space.drain()?;
    let (channels, operations) = b.webhook_interfaces();
    let parts = super::Parts {
        schemas: std::mem::take(&mut b.schemas),
        info: info(root),
        kind: kind.shown(),
        servers: servers(root),
        channels,
        operations,
        messages: b.messages,
    };
    super::assemble(src, b.space, parts)
}

struct Builder<'a> {
    src: &'a Sources,
    space: TypeSpace<'a>,
    messages: Vec<Message>,
    /// The payload schema of each message, converted once every message has its name.
    pending: Vec<(MessageId, &'a Node, Loc)>,
    /// Messages by the location of their media type (a body reached by several references
    /// is one message).
    by_loc: HashMap<Loc, MessageId>,
    /// Webhook and callback messages, with their address.
    webhooks: Vec<(MessageId, String)>,
    addresses: Scope,
    /// Message keys (and event type names), each once.
    keys: Scope,
    /// `components/schemas`, bundled.
    schemas: Vec<super::NamedSchema>,
    problems: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    /// The webhook or callback messages of a path item: one per operation with a JSON request
    /// body, named from its `operationId`, else from `key` (and the method, when several).
    fn events(&mut self, key: &str, item: &'a Node, loc: &Loc) -> Result<()> {
        let ops = operations(item, loc);
        let several = ops.len() > 1;
        for (method, op, op_loc) in ops {
            let (op, op_loc) = self.src.resolve(op, op_loc)?;
            let Some((media, media_loc, _)) = self.request_body(op, &op_loc)? else {
                continue;
            };
            let fallback = if several {
                format!("{key} {method}")
            } else {
                key.to_string()
            };
            let op_id = text_of(op, "operationId");
            let name = op_id.clone().unwrap_or_else(|| fallback.clone());
            let Some(id) = self.message(&name, op, media, &media_loc)? else {
                continue;
            };
            for alias in [Some(fallback.clone()), op_id].into_iter().flatten() {
                self.messages[id.0].add_alias(&alias);
            }
            if !self.webhooks.iter().any(|(m, _)| *m == id) {
                let address = self.addresses.take(&address_value(&fallback));
                self.webhooks.push((id, address));
            }
        }
        Ok(())
    }

    /// The request body and JSON responses of a `paths` operation, as messages.
    fn bodies(&mut self, op_id: &str, op: &'a Node, loc: &Loc) -> Result<()> {
        if let Some((media, media_loc, shared)) = self.request_body(op, loc)? {
            // A request body shared by reference is named from its own place.
            let key = match shared {
                Some(name) => suffixed(&name, "body"),
                None => format!("{op_id} body"),
            };
            self.message(&key, op, media, &media_loc)?;
        }
        let Some(responses) = op.get("responses") else {
            return Ok(());
        };
        let responses_loc = loc.child("responses");
        let (responses, responses_loc) = self.src.resolve(responses, responses_loc)?;
        if responses.as_map().is_none() {
            self.wrong(responses, &responses_loc, "`responses` must be a mapping");
            return Ok(());
        }
        for (status, response, response_loc) in entries_of(responses, &responses_loc) {
            if status.starts_with("x-") {
                continue;
            }
            let own = response_loc.clone();
            let (response, response_loc) = self.src.resolve(response, response_loc)?;
            if let Some((media, media_loc)) = self.json_content(response, &response_loc) {
                let status = if status == "default" {
                    "Default"
                } else {
                    status
                };
                // A response shared by reference (`components/responses/Error`, a file of
                // its own) is named from there, whichever operation comes first.
                let key = match shared_name(self.src, &own, &response_loc) {
                    Some(name) => suffixed(&name, "response"),
                    None => format!("{op_id} response {status}"),
                };
                self.message(&key, op, media, &media_loc)?;
            }
        }
        Ok(())
    }

    /// The JSON media type of an operation's request body, if it has one.
    /// With the name of the body where it is shared by reference ([`shared_name`]).
    #[allow(clippy::type_complexity)]
    fn request_body(
        &mut self,
        op: &'a Node,
        loc: &Loc,
    ) -> Result<Option<(&'a Node, Loc, Option<String>)>> {
        let Some(body) = op.get("requestBody") else {
            return Ok(None);
        };
        let own = loc.child("requestBody");
        let (body, body_loc) = self.src.resolve(body, own.clone())?;
        let shared = shared_name(self.src, &own, &body_loc);
        Ok(self
            .json_content(body, &body_loc)
            .map(|(media, media_loc)| (media, media_loc, shared)))
    }

    /// The media type object under `content` that holds JSON: `application/json`, else a
    /// `+json` type, else `*/*`-style wildcards of JSON.
    fn json_content(&mut self, node: &'a Node, loc: &Loc) -> Option<(&'a Node, Loc)> {
        let content = node.get("content")?;
        let Some(map) = content.as_map() else {
            self.wrong(
                content,
                &loc.child("content"),
                "`content` must be a mapping",
            );
            return None;
        };
        let rank = |media: &str| {
            let media = media.split(';').next().unwrap_or_default().trim();
            let media = media.to_ascii_lowercase();
            if media == "application/json" {
                Some(0)
            } else if media.ends_with("+json") || media == "text/json" {
                Some(1)
            } else if media.ends_with("/json") || media.ends_with("/*+json") {
                Some(2)
            } else {
                None
            }
        };
        let (key, value) = map
            .iter()
            .filter_map(|(k, v)| Some((rank(k)?, k, v)))
            .min_by_key(|(r, _, _)| *r)
            .map(|(_, k, v)| (k, v))?;
        value.get("schema")?;
        Some((value, loc.child("content").child(key)))
    }

    /// Registers the message of a media type object (its `schema` the payload, its examples
    /// the message's), once per media type however many references reach it.
    fn message(
        &mut self,
        key: &str,
        op: &'a Node,
        media: &'a Node,
        loc: &Loc,
    ) -> Result<Option<MessageId>> {
        if let Some(id) = self.by_loc.get(loc) {
            return Ok(Some(*id));
        }
        let Some(schema) = media.get("schema") else {
            return Ok(None);
        };
        let key = &self.keys.take(key);
        let type_id = self.space.reserve(key, loc);
        let id = MessageId(self.messages.len());
        self.by_loc.insert(loc.clone(), id);
        let name = key.to_string();
        let mut message = Message {
            summary: text_of(op, "summary"),
            description: text_of(op, "description"),
            examples: self.examples(media, loc),
            version: text_of(op, "x-version"),
            ..Message::new(key, &name, type_id, media.span)
        };
        message.add_alias(&name);
        self.messages.push(message);
        self.pending.push((id, schema, loc.child("schema")));
        Ok(Some(id))
    }

    /// The examples of a media type object: `example`, and each of `examples` (its `value`;
    /// an example given only by `externalValue` is left out).
    fn examples(&self, media: &'a Node, loc: &Loc) -> Vec<Example> {
        let mut out = Vec::new();
        if let Some(example) = media.get("example") {
            out.push(example_of(None, example.to_json()));
        }
        let examples_loc = loc.child("examples");
        for (name, example, at) in entries_of_opt(media.get("examples"), &examples_loc) {
            // An example may be a reference to `components/examples` (as data it was not
            // checked: one that does not resolve is left out).
            let Ok((example, _)) = self.src.resolve(example, at) else {
                continue;
            };
            if let Some(value) = example.get("value") {
                out.push(example_of(Some(name.to_string()), value.to_json()));
            }
        }
        out
    }

    /// Converts the payload of every registered message.
    fn convert(&mut self) -> Result<()> {
        for (id, schema, loc) in std::mem::take(&mut self.pending) {
            let type_id = self.messages[id.0].type_id;
            let name = self.space.types[type_id.0].rust_name.clone();
            let entry = self.space.entry_named(schema, &loc, Some(&name))?;
            let payload = self.space.define_message(type_id, Some((schema, loc)))?;
            let m = &mut self.messages[id.0];
            m.payload = payload;
            m.payload_schema = Some(entry);
        }
        Ok(())
    }

    /// The `webhooks` channel and its receive and send operations, when there are webhooks.
    fn webhook_interfaces(&mut self) -> (Vec<Channel>, Vec<Operation>) {
        if self.webhooks.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let channel = ChannelId(0);
        let ids: Vec<MessageId> = self.webhooks.iter().map(|(id, _)| *id).collect();
        for id in &ids {
            self.messages[id.0].channels.push(channel);
        }
        let channels = vec![Channel {
            key: "webhooks".into(),
            address: Some("{webhook}".into()),
            parameters: Vec::new(),
            messages: ids.clone(),
            description: Some(
                "The document's webhooks and callbacks, each at its own address.".into(),
            ),
            bindings: serde_json::Value::Null,
            fixed: self.webhooks.clone(),
        }];
        let operation = |key: &str, action: Action| Operation {
            key: key.into(),
            rust_name: naming::field_name(key),
            action,
            channel,
            messages: ids.clone(),
            reply: None,
            summary: None,
            bindings: serde_json::Value::Null,
            retry: None,
        };
        let operations = vec![
            operation("webhooks", Action::Receive),
            operation("send webhooks", Action::Send),
        ];
        (channels, operations)
    }

    /// Records that `key` of `node` is not a mapping, unless absent.
    fn expect_map(&mut self, node: &Node, loc: &Loc, key: &str) {
        if let Some(value) = node.get(key) {
            if value.as_map().is_none() && ref_of(value).is_none() {
                let message = format!("`{key}` must be a mapping, found {}", value.kind());
                self.wrong(value, &loc.child(key), &message);
            }
        }
    }

    fn wrong(&mut self, node: &Node, loc: &Loc, message: &str) {
        self.problems.push(
            self.src
                .diag(node.span, message)
                .with_pointer(loc.fragment()),
        );
    }
}

/// The name of a body or response that `own` reaches by reference at `resolved`: its key under
/// `components/responses` or `components/requestBodies`, or its file's name when it is a whole
/// file; `None` when it is written in place (or the reference leads into another operation).
fn shared_name(src: &Sources, own: &Loc, resolved: &Loc) -> Option<String> {
    if own == resolved {
        return None;
    }
    if resolved.pointer.is_empty() {
        let display = &src.doc(resolved.doc).display;
        let file = display.rsplit('/').next().unwrap_or(display);
        return Some(file.split('.').next().unwrap_or(file).to_string());
    }
    let mut tokens = resolved.pointer.rsplit('/');
    let (last, parent) = (tokens.next()?, tokens.next()?);
    matches!(parent, "responses" | "requestBodies")
        .then(|| crate::source::pointer::unescape(last).ok())
        .flatten()
        .filter(|name| !name.is_empty())
}

/// `name` with `word` after it, unless it already ends with it (`ErrorResponse`).
fn suffixed(name: &str, word: &str) -> String {
    if name.to_ascii_lowercase().ends_with(word) {
        name.to_string()
    } else {
        format!("{name} {word}")
    }
}

/// The operations of a path item, in the order of [`METHODS`] (then 3.2's
/// `additionalOperations`).
fn operations<'n>(item: &'n Node, loc: &Loc) -> Vec<(String, &'n Node, Loc)> {
    let mut out: Vec<(String, &'n Node, Loc)> = METHODS
        .iter()
        .filter_map(|m| Some((m.to_string(), item.get(m)?, loc.child(m))))
        .collect();
    let extra = loc.child("additionalOperations");
    for (method, op, at) in entries_of_opt(item.get("additionalOperations"), &extra) {
        out.push((method.to_ascii_lowercase(), op, at));
    }
    out
}

/// The entries of a mapping, with their locations (none for anything else).
fn entries_of<'n>(node: &'n Node, loc: &Loc) -> Vec<(&'n str, &'n Node, Loc)> {
    entries_of_opt(Some(node), loc)
}

fn entries_of_opt<'n>(node: Option<&'n Node>, loc: &Loc) -> Vec<(&'n str, &'n Node, Loc)> {
    node.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !k.starts_with("x-"))
                .map(|(k, v)| (k.as_str(), v, loc.child(k)))
                .collect()
        })
        .unwrap_or_default()
}

fn example_of(name: Option<String>, payload: serde_json::Value) -> Example {
    Example {
        name,
        payload: Some(payload),
        headers: None,
        payload_mismatch: None,
        headers_mismatch: None,
        payload_test: None,
        headers_test: None,
    }
}

/// The `examples` (a list, JSON Schema's keyword) and OpenAPI 3.0's `example` of a schema.
pub(super) fn schema_examples(schema: &Node) -> Vec<Example> {
    let mut out: Vec<Example> = schema
        .get("examples")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|e| example_of(None, e.to_json()))
        .collect();
    if let Some(example) = schema.get("example") {
        out.push(example_of(None, example.to_json()));
    }
    out
}

/// A webhook's key as one address segment: characters an address value cannot hold become `-`.
fn address_value(key: &str) -> String {
    let value: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let value = value.trim_matches('-').to_string();
    if value.is_empty() {
        "webhook".into()
    } else {
        value
    }
}

/// OpenAPI's `servers` (a list of URLs) as the catalog's servers.
fn servers(root: &Node) -> Vec<Server> {
    root.get("servers")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let url = s.get("url").and_then(Node::as_str)?;
            let protocol = url.split_once("://").map_or("https", |(p, _)| p);
            Some(Server {
                name: text_of(s, "x-name").unwrap_or_else(|| format!("server{i}")),
                host: url.to_string(),
                protocol: protocol.to_string(),
                pathname: None,
            })
        })
        .collect()
}
