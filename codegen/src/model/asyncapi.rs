//! AsyncAPI 2.x and 3.x documents → [`Catalog`].
//!
//! Both versions end in the same model: 2.x `subscribe` (the application sends) becomes a send
//! operation and `publish` a receive operation; message and operation traits are merged into
//! the objects that use them (the object's own fields win, as AsyncAPI 3 specifies).

use std::collections::HashMap;

use typed_arena::Arena;

use crate::error::{Diagnostic, Result};
use crate::source::node::{Node, Value};
use crate::source::resolve::{ref_of, Loc};
use crate::source::{is_json_schema_format, DocKind, Sources};

use super::naming::{self, Scope};
use super::schema::TypeSpace;
use super::{
    Action, Catalog, Channel, ChannelId, ErrorEventMark, Example, Info, Message, MessageId,
    Operation, Parameter, Reply, RetrySpec, Server, Ty, TypeId, TypeKind,
};

/// Builds the catalog of the loaded spec.
pub fn build(src: &Sources, options: &crate::LoadOptions) -> Result<Catalog> {
    let kind = src.kind()?;
    let major = match kind {
        DocKind::AsyncApi { major, .. } => major,
        DocKind::OpenApi { .. } => return super::openapi::build(src, options),
        DocKind::JsonSchema { .. } => return super::jsonschema::build(src, options),
    };
    let arena = Arena::new();
    let root = &src.main().root;
    let mut b = Builder {
        src,
        arena: &arena,
        major,
        space: TypeSpace::new(src, Scope::with_reserved(&["Message"])),
        pending: Vec::new(),
        messages: Vec::new(),
        message_by_loc: HashMap::new(),
        channels: Vec::new(),
        channel_by_loc: HashMap::new(),
        operations: Vec::new(),
        op_names: Scope::default(),
        default_content_type: root
            .get("defaultContentType")
            .and_then(Node::as_str)
            .unwrap_or("application/json")
            .to_string(),
    };
    b.space.strict = options.strict_json_schema;
    let doc_loc = Loc::root(src.main().root.span.doc);
    if major >= 3 {
        b.v3(root, &doc_loc)?;
    } else {
        b.v2(root, &doc_loc)?;
    }
    b.component_messages(root, &doc_loc)?;
    b.convert_messages()?;
    b.component_schemas(root, &doc_loc)?;
    b.space.drain()?;
    b.name_headers();
    let parts = super::Parts {
        schemas: Vec::new(),
        info: info(root),
        kind: kind.shown(),
        servers: servers(root),
        channels: b.channels,
        operations: b.operations,
        messages: b.messages,
    };
    super::assemble(src, b.space, parts)
}

struct Builder<'a> {
    src: &'a Sources,
    arena: &'a Arena<Node>,
    major: u32,
    space: TypeSpace<'a>,
    /// Message node and location per message, converted after all are registered.
    pending: Vec<(&'a Node, Loc)>,
    messages: Vec<Message>,
    message_by_loc: HashMap<Loc, MessageId>,
    channels: Vec<Channel>,
    channel_by_loc: HashMap<Loc, ChannelId>,
    operations: Vec<Operation>,
    op_names: Scope,
    default_content_type: String,
}

impl<'a> Builder<'a> {
    fn v3(&mut self, root: &'a Node, doc: &Loc) -> Result<()> {
        for (key, node, loc) in entries(self.src, root, "channels", doc) {
            let (node, loc) = self.src.resolve(node, loc)?;
            self.channel(key, node, loc)?;
        }
        for (key, node, loc) in entries(self.src, root, "operations", doc) {
            let (node, loc) = self.src.resolve(node, loc)?;
            let node = self.with_traits(node, &loc)?;
            let action = match node.get("action").and_then(Node::as_str) {
                Some("send") => Action::Send,
                Some("receive") => Action::Receive,
                _ => {
                    return Err(self
                        .diag(
                            node,
                            &loc,
                            "an operation's `action` must be `send` or `receive`",
                        )
                        .into())
                }
            };
            let Some(channel_ref) = node.get("channel") else {
                return Err(self
                    .diag(node, &loc, "the operation has no `channel`")
                    .into());
            };
            let channel = self.channel_ref(channel_ref, loc.child("channel"))?;
            let messages = match node.get("messages").and_then(Node::as_seq) {
                Some(list) => {
                    let mut ids = Vec::new();
                    for (i, m) in list.iter().enumerate() {
                        ids.push(self.message(
                            m,
                            loc.child("messages").child(&i.to_string()),
                            None,
                            None,
                        )?);
                    }
                    ids
                }
                None => self.channels[channel.0].messages.clone(),
            };
            let reply = match node.get("reply") {
                Some(reply) => {
                    let (reply, reply_loc) = self.src.resolve(reply, loc.child("reply"))?;
                    let channel = match reply.get("channel") {
                        Some(c) => Some(self.channel_ref(c, reply_loc.child("channel"))?),
                        None => None,
                    };
                    let address_location = match reply.get("address") {
                        Some(a) => {
                            let (a, _) = self.src.resolve(a, reply_loc.child("address"))?;
                            a.get("location").and_then(Node::as_str).map(str::to_string)
                        }
                        None => None,
                    };
                    let mut messages = Vec::new();
                    if let Some(list) = reply.get("messages").and_then(Node::as_seq) {
                        for (i, m) in list.iter().enumerate() {
                            let m_loc = reply_loc.child("messages").child(&i.to_string());
                            messages.push(self.message(m, m_loc, None, None)?);
                        }
                    } else if let Some(c) = channel {
                        messages = self.channels[c.0].messages.clone();
                    }
                    Some(Reply {
                        channel,
                        address_location,
                        messages,
                    })
                }
                None => None,
            };
            self.operation(key, action, channel, messages, reply, node, &loc)?;
        }
        Ok(())
    }

    fn v2(&mut self, root: &'a Node, doc: &Loc) -> Result<()> {
        for (address, node, loc) in entries(self.src, root, "channels", doc) {
            let (node, loc) = self.src.resolve(node, loc)?;
            let channel = self.channel(address, node, loc.clone())?;
            self.channels[channel.0].address = Some(address.to_string());
            // 2.x speaks from the client's side: `subscribe` is what the application sends.
            for (verb, action) in [("subscribe", Action::Send), ("publish", Action::Receive)] {
                let Some(op) = node.get(verb) else { continue };
                let (op, op_loc) = self.src.resolve(op, loc.child(verb))?;
                let op = self.with_traits(op, &op_loc)?;
                let key = op
                    .get("operationId")
                    .and_then(Node::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{address} {verb}"));
                let mut messages = Vec::new();
                if let Some(message) = op.get("message") {
                    let m_loc = op_loc.child("message");
                    let (target, target_loc) = self.src.resolve(message, m_loc.clone())?;
                    match target.get("oneOf").and_then(Node::as_seq) {
                        Some(list) => {
                            for (i, m) in list.iter().enumerate() {
                                let loc = target_loc.child("oneOf").child(&i.to_string());
                                messages.push(self.message(m, loc, None, Some(&key))?);
                            }
                        }
                        None => messages.push(self.message(message, m_loc, None, Some(&key))?),
                    }
                }
                for m in &messages {
                    self.link(channel, *m);
                }
                self.operation(&key, action, channel, messages, None, op, &op_loc)?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        key: &str,
        action: Action,
        channel: ChannelId,
        messages: Vec<MessageId>,
        reply: Option<Reply>,
        node: &Node,
        loc: &Loc,
    ) -> Result<()> {
        let retry = match node.get(RETRY_EXTENSION) {
            Some(retry) => {
                let at = loc.child(RETRY_EXTENSION);
                let policy = self.retry(retry, &at)?;
                if action == Action::Send {
                    self.space.warnings.push(self.diag(
                        retry,
                        &at,
                        &format!(
                            "`{RETRY_EXTENSION}` on the send operation `{key}` has no \
                                 effect: retries are for the handlers of receive operations"
                        ),
                    ));
                }
                Some(policy)
            }
            None => None,
        };
        self.operations.push(Operation {
            key: key.to_string(),
            rust_name: self.op_names.take(&naming::field_name(key)),
            action,
            channel,
            messages,
            reply,
            summary: text_of(node, "summary"),
            bindings: json_of(node, "bindings"),
            retry,
        });
        Ok(())
    }

    /// An operation's `x-tidings-retry`: a mapping of `maxAttempts`, `initialDelay`,
    /// `maxDelay` (milliseconds, or a string such as `250ms`, `1.5s`, `2m`), `multiplier`
    /// and `jitter`.
    fn retry(&self, node: &Node, loc: &Loc) -> Result<RetrySpec> {
        let Some(entries) = node.as_map() else {
            let message = format!(
                "`{RETRY_EXTENSION}` must be a mapping (maxAttempts, initialDelay, maxDelay, \
                 multiplier, jitter), not {}",
                node.kind()
            );
            return Err(self.diag(node, loc, &message).into());
        };
        let mut spec = RetrySpec::default();
        for (key, value) in entries {
            let at = loc.child(key);
            let wrong = |what: &str| -> crate::error::Error {
                self.diag(
                    value,
                    &at,
                    &format!("`{RETRY_EXTENSION}.{key}` must be {what}"),
                )
                .into()
            };
            match key.as_str() {
                "maxAttempts" => {
                    let n = value
                        .as_u64()
                        .filter(|n| (1..=u64::from(u32::MAX)).contains(n));
                    spec.max_attempts =
                        Some(n.ok_or_else(|| wrong("a whole number from 1"))? as u32);
                }
                "initialDelay" | "maxDelay" => {
                    let ms = duration_ms(value).ok_or_else(|| {
                        wrong("a duration: milliseconds, or a string such as `250ms`, `1.5s`, `2m`")
                    })?;
                    if key == "initialDelay" {
                        spec.initial_delay_ms = Some(ms);
                    } else {
                        spec.max_delay_ms = Some(ms);
                    }
                }
                "multiplier" => {
                    let m = value.as_f64().filter(|m| m.is_finite() && *m >= 1.0);
                    spec.multiplier = Some(m.ok_or_else(|| wrong("a number of at least 1"))?);
                }
                "jitter" => {
                    let j = value.as_f64().filter(|j| (0.0..=1.0).contains(j));
                    spec.jitter = Some(j.ok_or_else(|| wrong("a number from 0 to 1"))?);
                }
                _ => {
                    let message = format!(
                        "`{RETRY_EXTENSION}` has no `{key}`; it takes maxAttempts, \
                         initialDelay, maxDelay, multiplier and jitter"
                    );
                    return Err(self.diag(value, &at, &message).into());
                }
            }
        }
        // What the spec leaves out is tidings' default, which the check must see too.
        let default = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let initial = spec
            .initial_delay_ms
            .unwrap_or(default(tidings::reliability::DEFAULT_INITIAL_DELAY));
        let max = spec
            .max_delay_ms
            .unwrap_or(default(tidings::reliability::DEFAULT_MAX_DELAY));
        if initial > max {
            let of = |given: Option<u64>| {
                if given.is_some() {
                    ""
                } else {
                    ", tidings' default"
                }
            };
            let message = format!(
                "`{RETRY_EXTENSION}.initialDelay` ({initial} ms{}) is longer than `maxDelay` \
                 ({max} ms{}): every wait would be cut to `maxDelay`",
                of(spec.initial_delay_ms),
                of(spec.max_delay_ms),
            );
            return Err(self.diag(node, loc, &message).into());
        }
        Ok(spec)
    }

    fn channel_ref(&mut self, node: &'a Node, loc: Loc) -> Result<ChannelId> {
        let (target, target_loc) = self.src.resolve(node, loc)?;
        if let Some(id) = self.channel_by_loc.get(&target_loc) {
            return Ok(*id);
        }
        let key = target_loc.last_token().unwrap_or_default();
        self.channel(&key, target, target_loc)
    }

    fn channel(&mut self, key: &str, node: &'a Node, loc: Loc) -> Result<ChannelId> {
        if let Some(id) = self.channel_by_loc.get(&loc) {
            return Ok(*id);
        }
        let id = ChannelId(self.channels.len());
        self.channel_by_loc.insert(loc.clone(), id);
        let mut parameters = Vec::new();
        let mut names = Scope::default();
        for (name, param, param_loc) in entries(self.src, node, "parameters", &loc) {
            let (param, _) = self.src.resolve(param, param_loc)?;
            // 2.x keeps the constraints in `schema`, 3.x on the parameter itself.
            let constraints = match param.get("schema") {
                Some(s) => self.src.resolve(s, loc.clone())?.0,
                None => param,
            };
            let allowed: Vec<String> = constraints
                .get("enum")
                .and_then(Node::as_seq)
                .map(|v| {
                    v.iter()
                        .filter_map(Node::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            // Publishers refuse such values, which would change the address's shape.
            for value in allowed.iter().filter(|v| !tidings::address::is_value(v)) {
                self.space.warnings.push(
                    self.src
                        .diag(
                            param.span,
                            format!(
                                "channel `{key}`: the value {value:?} of the parameter `{name}` cannot be \
                                 part of an address (values are non-empty, without `/`, `.`, \
                                 `*`, `>`, `#`, `+` or whitespace); publishing with it will fail"
                            ),
                        )
                        .with_pointer(loc.child("parameters").child(name).fragment()),
                );
            }
            parameters.push(Parameter {
                name: name.to_string(),
                rust_name: names.take(&naming::field_name(name)),
                description: param
                    .get("description")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                allowed,
                default: constraints
                    .get("default")
                    .and_then(Node::as_str)
                    .map(str::to_string),
            });
        }
        self.channels.push(Channel {
            key: key.to_string(),
            address: text_of(node, "address"),
            parameters,
            messages: Vec::new(),
            description: text_of(node, "description"),
            bindings: json_of(node, "bindings"),
            fixed: Vec::new(),
        });
        for (m_key, m, m_loc) in entries(self.src, node, "messages", &loc) {
            let message = self.message(m, m_loc, Some(m_key), None)?;
            self.link(id, message);
        }
        Ok(id)
    }

    fn link(&mut self, channel: ChannelId, message: MessageId) {
        if !self.channels[channel.0].messages.contains(&message) {
            self.channels[channel.0].messages.push(message);
        }
        if !self.messages[message.0].channels.contains(&channel) {
            self.messages[message.0].channels.push(channel);
        }
    }

    fn component_messages(&mut self, root: &'a Node, doc: &Loc) -> Result<()> {
        if let Some(components) = root.get("components") {
            for (key, m, loc) in entries(self.src, components, "messages", &doc.child("components"))
            {
                self.message(m, loc, Some(key), None)?;
            }
        }
        Ok(())
    }

    fn component_schemas(&mut self, root: &'a Node, doc: &Loc) -> Result<()> {
        if let Some(components) = root.get("components") {
            for (_, schema, loc) in
                entries(self.src, components, "schemas", &doc.child("components"))
            {
                let (schema, loc) = self.src.resolve(schema, loc)?;
                self.space.named_at(schema, loc);
            }
        }
        Ok(())
    }

    /// Registers the message `node` (a reference or inline) and returns its id. `alias` is a
    /// key it is listed under; `fallback` names an inline message that has no name of its own.
    fn message(
        &mut self,
        node: &'a Node,
        loc: Loc,
        alias: Option<&str>,
        fallback: Option<&str>,
    ) -> Result<MessageId> {
        let (target, target_loc) = self.src.resolve(node, loc)?;
        let parent_is_messages = target_loc
            .pointer
            .rsplit('/')
            .nth(1)
            .is_some_and(|p| p == "messages");
        if let Some(id) = self.message_by_loc.get(&target_loc).copied() {
            if let Some(alias) = alias {
                self.add_alias(id, alias);
            }
            return Ok(id);
        }
        let merged = self.with_traits(target, &target_loc)?;
        let text = |k: &str| merged.get(k).and_then(Node::as_str).map(str::to_string);
        let message_id = text("messageId");
        let key = if parent_is_messages {
            target_loc.last_token().unwrap_or_default()
        } else {
            message_id
                .clone()
                .or_else(|| text("name"))
                .or_else(|| alias.map(str::to_string))
                .or_else(|| fallback.map(|a| format!("{a} message")))
                .unwrap_or_else(|| "message".into())
        };
        let name = text("name").unwrap_or_else(|| key.clone());
        let type_id = self.space.reserve(&key, &target_loc);
        let id = MessageId(self.messages.len());
        self.message_by_loc.insert(target_loc.clone(), id);
        let version = merged.get("x-version").and_then(|v| match &v.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let declared = merged.get(ERROR_EVENT_EXTENSION).and_then(Node::as_bool) == Some(true);
        let error_event = if declared {
            Some(ErrorEventMark::Declared)
        } else if name == "system.error" || name.ends_with(".system.error") {
            Some(ErrorEventMark::Named)
        } else {
            None
        };
        self.messages.push(Message {
            error_event,
            title: text("title"),
            summary: text("summary"),
            description: text("description"),
            content_type: text("contentType").unwrap_or_else(|| self.default_content_type.clone()),
            bindings: json_of(merged, "bindings"),
            version,
            ..Message::new(&key, &name, type_id, target.span)
        });
        self.add_alias(id, &name);
        self.add_alias(id, &key);
        if let Some(m) = &message_id {
            self.add_alias(id, m);
        }
        if let Some(alias) = alias {
            self.add_alias(id, alias);
        }
        self.pending.push((merged, target_loc));
        Ok(id)
    }

    /// Gives headers that are not a struct, enum or union of their own a newtype, which can
    /// carry the headers' whole schema for `validate_headers`.
    fn name_headers(&mut self) {
        for m in &mut self.messages {
            let Some(headers) = &m.headers else {
                continue;
            };
            let own = match headers {
                Ty::Named(id) => !matches!(
                    self.space.types[id.0].kind,
                    TypeKind::Alias(_) | TypeKind::Pending
                ),
                _ => false,
            };
            if !own {
                let message = &self.space.types[m.type_id.0];
                let (hint, origin) = (
                    format!("{}Headers", message.rust_name),
                    message.origin.clone(),
                );
                let id = self.space.newtype(&hint, headers.clone(), origin);
                m.headers = Some(Ty::Named(id));
            }
        }
    }

    fn add_alias(&mut self, id: MessageId, alias: &str) {
        self.messages[id.0].add_alias(alias);
    }

    /// Converts payloads, headers and examples of every registered message.
    fn convert_messages(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        for (i, (node, loc)) in pending.into_iter().enumerate() {
            let name = self.space.types[self.messages[i].type_id.0]
                .rust_name
                .clone();
            let legacy_format = node.get("schemaFormat").and_then(Node::as_str);
            let payload = match node.get("payload") {
                Some(p) => self.schema_of(p, loc.child("payload"), legacy_format, &name)?,
                None => None,
            };
            let payload_schema = match payload {
                Some((p, ref p_loc)) => Some(self.space.entry_named(p, p_loc, Some(&name))?),
                None => None,
            };
            let mut headers_schema = None;
            let type_id: TypeId = self.messages[i].type_id;
            let payload_ty = self.space.define_message(type_id, payload)?;
            let headers = match node.get("headers") {
                Some(h) => match self.schema_of(h, loc.child("headers"), None, &name)? {
                    Some((h, h_loc)) => {
                        let key = format!("{name}Headers");
                        headers_schema = Some(self.space.entry_named(h, &h_loc, Some(&key))?);
                        let (ty, nullable) =
                            self.space.ty_of(h, h_loc, &format!("{name}Headers"))?;
                        Some(if nullable {
                            Ty::Option(Box::new(ty))
                        } else {
                            ty
                        })
                    }
                    None => None,
                },
                None => None,
            };
            let correlation_id = match node.get("correlationId") {
                Some(c) => {
                    let (c, _) = self.src.resolve(c, loc.child("correlationId"))?;
                    c.get("location").and_then(Node::as_str).map(str::to_string)
                }
                None => None,
            };
            let mut tags = Vec::new();
            for (t, tag) in node
                .get("tags")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let (tag, _) = self
                    .src
                    .resolve(tag, loc.child("tags").child(&t.to_string()))?;
                if let Some(name) = tag.get("name").and_then(Node::as_str) {
                    if !tags.iter().any(|known| known == name) {
                        tags.push(name.to_owned());
                    }
                }
            }
            let examples = node
                .get("examples")
                .and_then(Node::as_seq)
                .map(|list| {
                    list.iter()
                        .map(|e| Example {
                            name: e.get("name").and_then(Node::as_str).map(str::to_string),
                            payload: e.get("payload").map(Node::to_json),
                            headers: e.get("headers").map(Node::to_json),
                            payload_mismatch: None,
                            headers_mismatch: None,
                            payload_test: None,
                            headers_test: None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let m = &mut self.messages[i];
            m.payload = payload_ty;
            m.payload_schema = payload_schema;
            m.headers_schema = headers_schema;
            m.headers = headers;
            m.correlation_id = correlation_id;
            m.tags = tags;
            m.examples = examples;
        }
        Ok(())
    }

    /// The JSON Schema of a payload or headers, or `None` (with a warning) for other formats.
    fn schema_of(
        &mut self,
        node: &'a Node,
        loc: Loc,
        legacy_format: Option<&str>,
        message: &str,
    ) -> Result<Option<(&'a Node, Loc)>> {
        // 3.x multi-format schema object: `{schemaFormat, schema}`.
        let (schema, schema_loc, format) = if self.major >= 3 {
            let (target, target_loc) = self.src.resolve(node, loc.clone())?;
            match (
                target.get("schemaFormat").and_then(Node::as_str),
                target.get("schema"),
            ) {
                (Some(format), Some(schema)) => (schema, target_loc.child("schema"), Some(format)),
                _ => (node, loc, None),
            }
        } else {
            (node, loc, legacy_format)
        };
        match format {
            Some(format) if !is_json_schema_format(format) => {
                self.space.warnings.push(
                    self.src
                        .diag(
                            schema.span,
                            format!(
                                "message `{message}`: schema format `{format}` is not JSON Schema; \
                                 its payload is typed as `serde_json::Value`"
                            ),
                        )
                        .with_pointer(schema_loc.fragment()),
                );
                Ok(None)
            }
            _ => Ok(Some((schema, schema_loc))),
        }
    }

    /// `node` with its `traits` merged in (the node's own fields win), or `node` itself.
    fn with_traits(&self, node: &'a Node, loc: &Loc) -> Result<&'a Node> {
        let Some(traits) = node.get("traits").and_then(Node::as_seq) else {
            return Ok(node);
        };
        let mut merged = Node {
            value: Value::Map(Vec::new()),
            span: node.span,
        };
        for (i, t) in traits.iter().enumerate() {
            let (t, _) = self
                .src
                .resolve(t, loc.child("traits").child(&i.to_string()))?;
            merge(&mut merged, t);
        }
        let own = Node {
            value: Value::Map(
                node.as_map()
                    .unwrap_or_default()
                    .iter()
                    .filter(|(k, _)| k != "traits")
                    .cloned()
                    .collect(),
            ),
            span: node.span,
        };
        merge(&mut merged, &own);
        Ok(self.arena.alloc(merged))
    }

    fn diag(&self, node: &Node, loc: &Loc, message: &str) -> Diagnostic {
        self.src
            .diag(node.span, message)
            .with_pointer(loc.fragment())
    }
}

/// JSON Merge Patch of `patch` into `target`; references are replaced, never merged into.
fn merge(target: &mut Node, patch: &Node) {
    let (Value::Map(into), Some(from)) = (&mut target.value, patch.as_map()) else {
        *target = patch.clone();
        return;
    };
    for (key, value) in from {
        match into.iter_mut().find(|(k, _)| k == key) {
            Some((_, existing))
                if existing.as_map().is_some()
                    && value.as_map().is_some()
                    && ref_of(existing).is_none()
                    && ref_of(value).is_none() =>
            {
                merge(existing, value)
            }
            Some((_, existing)) => *existing = value.clone(),
            None => into.push((key.clone(), value.clone())),
        }
    }
}

/// Entries of the mapping under `key`, with their locations.
pub(super) fn entries<'n>(
    src: &'n Sources,
    node: &'n Node,
    key: &str,
    loc: &Loc,
) -> Vec<(&'n str, &'n Node, Loc)> {
    let Some(map) = node.get(key) else {
        return Vec::new();
    };
    // The whole map may be a reference (`messages: {$ref: ...}`); the loader's checks have
    // reported any that does not resolve.
    let (map, base) = src
        .resolve(map, loc.child(key))
        .unwrap_or((map, loc.child(key)));
    map.as_map()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), v, base.child(k)))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn info(root: &Node) -> Info {
    let info = root.get("info");
    let text = |k: &str| {
        info.and_then(|i| i.get(k))
            .and_then(Node::as_str)
            .map(str::to_string)
    };
    Info {
        title: text("title").unwrap_or_default(),
        version: text("version").unwrap_or_default(),
        description: text("description"),
    }
}

fn servers(root: &Node) -> Vec<Server> {
    root.get("servers")
        .and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .map(|(name, s)| {
                    let text = |k: &str| s.get(k).and_then(Node::as_str).map(str::to_string);
                    Server {
                        name: name.clone(),
                        host: text("host").or_else(|| text("url")).unwrap_or_default(),
                        protocol: text("protocol").unwrap_or_default(),
                        pathname: text("pathname"),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The string under `key`, if any.
pub(super) fn text_of(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(Node::as_str).map(str::to_string)
}

/// The value under `key` as JSON (`null` when absent).
pub(super) fn json_of(node: &Node, key: &str) -> serde_json::Value {
    node.get(key).map_or(serde_json::Value::Null, Node::to_json)
}

/// The extension that gives a receive operation its retry policy.
const RETRY_EXTENSION: &str = "x-tidings-retry";

/// The message extension that makes a message the error event of dead letters.
const ERROR_EVENT_EXTENSION: &str = "x-tidings-error-event";

/// A duration in whole milliseconds: a number of milliseconds, or a string of a number and
/// a unit (`ms`, `s`, `m`, `h`).
fn duration_ms(node: &Node) -> Option<u64> {
    if let Some(ms) = node.as_u64() {
        return Some(ms);
    }
    let text = node.as_str()?.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    let ms = (number * scale).round();
    (ms.is_finite() && (0.0..=u64::MAX as f64).contains(&ms)).then_some(ms as u64)
}
