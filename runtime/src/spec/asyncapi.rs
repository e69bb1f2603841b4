//! An AsyncAPI 3.0 document from code-first event types (feature `spec`).

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::Cursor;
use crate::{Event, Validate};

/// Builds an AsyncAPI 3.0 document from `#[derive(Event, Validate, JsonSchema)]` types: a
/// channel per `Event::CHANNEL` (with its `{parameters}`), a message per type (its
/// CloudEvents type as `name`, its version as `x-version`, its content type), a send or
/// receive operation per type and direction, and each payload schema once under
/// `components/schemas` (schemars' structure with the type's checks described into it, see
/// [`Validate::describe`]). Types sharing an event type with different versions form the
/// version family `tidings generate` reads back.
///
/// ```
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, JsonSchema, tidings::Event, tidings::Validate)]
/// #[event(type = "com.acme.order.placed", version = "1.0.0", channel = "orders/{orderId}")]
/// struct OrderPlaced {
///     #[validate(minimum = 1)]
///     total_cents: u64,
/// }
///
/// let spec = tidings::spec::AsyncApi::new("Orders", "1.0.0")
///     .send::<OrderPlaced>()
///     .example(&OrderPlaced { total_cents: 990 });
/// let doc = spec.to_value();
/// assert_eq!(doc["channels"]["orders_orderId"]["address"], "orders/{orderId}");
/// assert_eq!(doc["components"]["messages"]["OrderPlaced"]["name"], "com.acme.order.placed");
/// assert_eq!(doc["components"]["schemas"]["OrderPlaced"]["properties"]["total_cents"]["minimum"], 1);
/// assert!(spec.to_yaml().starts_with("asyncapi: 3.0.0\n"));
/// ```
pub struct AsyncApi {
    title: String,
    version: String,
    description: Option<String>,
    generator: SchemaGenerator,
    /// Channel key → (address, message keys).
    channels: BTreeMap<String, (String, Vec<String>)>,
    /// Message key → message object (its payload a `$ref` into `components/schemas`).
    messages: BTreeMap<String, Map<String, Value>>,
    /// Operation key → (action, channel key, message key).
    operations: BTreeMap<String, (&'static str, String, String)>,
    /// How each payload schema is described: its definition, by the type's `describe`.
    describers: Vec<(String, Describe)>,
    /// Each message's event type and version, and the older versions it reads.
    versions: Vec<(&'static str, Option<&'static str>, &'static [&'static str])>,
}

/// A type's [`Validate::describe`].
type Describe = fn(&mut Cursor<'_>);

/// The order AsyncAPI documents are written in.
#[derive(Serialize)]
struct Document {
    asyncapi: &'static str,
    info: Value,
    #[serde(skip_serializing_if = "Map::is_empty")]
    channels: Map<String, Value>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    operations: Map<String, Value>,
    components: Value,
}

impl AsyncApi {
    /// An empty document with the application's `title` and `version`.
    pub fn new(title: &str, version: &str) -> AsyncApi {
        let settings = SchemaSettings::draft07().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        AsyncApi {
            title: title.to_owned(),
            version: version.to_owned(),
            description: None,
            generator: settings.into_generator(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            operations: BTreeMap::new(),
            describers: Vec::new(),
            versions: Vec::new(),
        }
    }

    /// The application's description (`info.description`).
    pub fn description(mut self, text: &str) -> AsyncApi {
        self.description = Some(text.to_owned());
        self
    }

    /// The application publishes `E`.
    pub fn send<E: Event + JsonSchema + Validate>(self) -> AsyncApi {
        self.operation::<E>("send")
    }

    /// The application consumes `E`.
    pub fn receive<E: Event + JsonSchema + Validate>(self) -> AsyncApi {
        self.operation::<E>("receive")
    }

    /// `E` as a message of the document, with no operation (a type other applications use).
    pub fn message<E: Event + JsonSchema + Validate>(mut self) -> AsyncApi {
        self.add_message::<E>();
        self
    }

    /// Adds `value` as an example of its message (added first when it is not there yet).
    pub fn example<E: Event + JsonSchema + Validate>(mut self, value: &E) -> AsyncApi {
        let key = self.add_message::<E>();
        let payload = serde_json::to_value(value).unwrap_or(Value::Null);
        if let Some(message) = self.messages.get_mut(&key) {
            let examples = message
                .entry("examples")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = examples {
                list.push(json!({ "payload": payload }));
            }
        }
        self
    }

    fn operation<E: Event + JsonSchema + Validate>(mut self, action: &'static str) -> AsyncApi {
        let key = self.add_message::<E>();
        if let Some(channel) = E::CHANNEL {
            let channel_key = channel_key(channel);
            self.operations
                .insert(format!("{action}{key}"), (action, channel_key, key.clone()));
        }
        self
    }

    /// Registers `E`'s message, channel and schema; its message key.
    fn add_message<E: Event + JsonSchema + Validate>(&mut self) -> String {
        let key = E::schema_name().replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        if self.messages.contains_key(&key) {
            return key;
        }
        let payload = self.generator.subschema_for::<E>();
        let mut message = Map::new();
        message.insert("name".into(), E::TYPE.into());
        message.insert("title".into(), key.clone().into());
        message.insert("contentType".into(), E::CONTENT_TYPE.into());
        if let Some(version) = E::VERSION {
            message.insert("x-version".into(), version.into());
        }
        let payload = serde_json::to_value(payload).unwrap_or(Value::Bool(true));
        if let Some(pointer) = payload
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            self.describers.push((pointer.to_owned(), E::describe));
        }
        message.insert("payload".into(), payload);
        self.messages.insert(key.clone(), message);
        self.versions.push((E::TYPE, E::VERSION, E::OLDER_VERSIONS));
        if let Some(channel) = E::CHANNEL {
            let entry = self
                .channels
                .entry(channel_key(channel))
                .or_insert_with(|| (channel.to_owned(), Vec::new()));
            entry.1.push(key.clone());
        }
        key
    }

    /// The older versions that a registered type reads through `#[event(upcast(...))]` but
    /// that no registered message describes, as `type version`: each one a version producers
    /// may still send that the document would not show. Register the older type with
    /// [`message`](Self::message) (or `send`/`receive`); a test can require this to be empty.
    pub fn missing_versions(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for (ty, _, older) in &self.versions {
            for version in older.iter() {
                let known = (self.versions.iter()).any(|(t, v, _)| t == ty && *v == Some(*version));
                let line = format!("{ty} {version}");
                if !known && !missing.contains(&line) {
                    missing.push(line);
                }
            }
        }
        missing
    }

    /// The document, as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self.document()).unwrap_or(Value::Null)
    }

    /// The document as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.document()).unwrap_or_default() + "\n"
    }

    /// The document as YAML.
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(&self.document()).unwrap_or_default()
    }

    fn document(&self) -> Document {
        let mut info = json!({ "title": self.title, "version": self.version });
        if let Some(description) = &self.description {
            info["description"] = description.clone().into();
        }
        let mut channels = Map::new();
        for (key, (address, messages)) in &self.channels {
            let mut channel = Map::new();
            channel.insert("address".into(), address.clone().into());
            let parameters: Map<String, Value> = crate::address::parameters(address)
                .into_iter()
                .map(|p| (p.to_owned(), json!({})))
                .collect();
            if !parameters.is_empty() {
                channel.insert("parameters".into(), Value::Object(parameters));
            }
            let refs: Map<String, Value> = messages
                .iter()
                .map(|m| {
                    (
                        m.clone(),
                        json!({ "$ref": format!("#/components/messages/{m}") }),
                    )
                })
                .collect();
            channel.insert("messages".into(), Value::Object(refs));
            channels.insert(key.clone(), Value::Object(channel));
        }
        let operations: Map<String, Value> = self
            .operations
            .iter()
            .map(|(key, (action, channel, message))| {
                let operation = json!({
                    "action": action,
                    "channel": { "$ref": format!("#/channels/{channel}") },
                    "messages": [{ "$ref": format!("#/channels/{channel}/messages/{message}") }],
                });
                (key.clone(), operation)
            })
            .collect();
        let schemas: Map<String, Value> = self
            .generator
            .definitions()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let messages: Map<String, Value> = self
            .messages
            .iter()
            .map(|(k, v)| (k.clone(), Value::Object(v.clone())))
            .collect();
        // The schemas' `$ref`s are `#/components/schemas/...`: described inside a document
        // of that shape.
        let mut document = json!({ "components": { "messages": messages, "schemas": schemas } });
        let mut described = std::collections::HashSet::new();
        for (pointer, describe) in &self.describers {
            if described.insert(pointer.clone()) {
                describe(&mut Cursor::at(&mut document, pointer));
            }
        }
        let components = document["components"].take();
        Document {
            asyncapi: "3.0.0",
            info,
            channels,
            operations,
            components,
        }
    }
}

/// A channel's key: its address with `[A-Za-z0-9_-]` kept and the rest `_`
/// (`orders/{orderId}` → `orders_orderId`).
fn channel_key(address: &str) -> String {
    let key: String = address
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let key = key.trim_matches('_').to_owned();
    if key.is_empty() {
        "root".into()
    } else {
        key
    }
}
