//! Stage 3: the IR. One [`Catalog`] per spec; every later stage (emit, compat, docs) reads it.
//!
//! Names are decided here, once ([`naming`]), so the emitter never invents one.

mod asyncapi;
mod contradictions;
mod cycles;
pub mod examples;
pub mod interfaces;
mod jsonschema;
pub mod naming;
mod openapi;
mod schema;
pub(crate) use schema::file_stem;
pub mod versions;

pub use asyncapi::build;

use crate::error::Result;
use crate::source::node::Span;
use crate::source::Sources;
use schema::TypeSpace;

/// What a front end (AsyncAPI, OpenAPI, JSON Schema) found, before the shared passes.
struct Parts {
    schemas: Vec<NamedSchema>,
    info: Info,
    kind: String,
    servers: Vec<Server>,
    channels: Vec<Channel>,
    operations: Vec<Operation>,
    messages: Vec<Message>,
}

/// The catalog of what a front end found: every type settled, version families, interfaces,
/// and the checks every spec gets (contradictions, examples).
fn assemble(src: &Sources, space: TypeSpace<'_>, parts: Parts) -> Result<Catalog> {
    let schema_document = space.shared.into_inner().finish(space.dialect);
    let mut types = space.types;
    schema::defaults::settle_defaults(&mut types);
    cycles::fix(&mut types);
    for (i, m) in parts.messages.iter().enumerate() {
        types[m.type_id.0].message = Some(MessageId(i));
        // Every message type is named by the generated API (the `Message` enum, handlers):
        // deprecation is for the schemas it is made of.
        types[m.type_id.0].docs.deprecated = false;
        // The message's whole schema decides what is valid; decoding checks the payload's
        // JSON against it, so the generated code and the example check here agree.
        if m.payload_schema.is_some() {
            types[m.type_id.0].check = m.payload_schema.clone();
        }
        if let (Some(Ty::Named(id)), Some(schema)) = (&m.headers, &m.headers_schema) {
            types[id.0].check = Some(schema.clone());
        }
    }
    let mut catalog = Catalog {
        info: parts.info,
        source_name: src
            .main()
            .display
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string(),
        spec_kind: parts.kind,
        servers: parts.servers,
        channels: parts.channels,
        operations: parts.operations,
        messages: parts.messages,
        types,
        families: Vec::new(),
        upcasts: Vec::new(),
        aliases: Vec::new(),
        interfaces: interfaces::Interfaces::default(),
        warnings: space.warnings,
        schemas: parts.schemas,
        schema_document,
    };
    naming::default_functions(&mut catalog.types);
    catalog.families = versions::families(&catalog);
    catalog.upcasts = versions::upcasts(&catalog, &catalog.families);
    catalog.aliases = versions::aliases(&catalog);
    catalog.interfaces = interfaces::plan(&catalog);
    let schemas = contradictions::check(&mut catalog, src)?;
    examples::check_all(&mut catalog, src, &schemas);
    error_event_warnings(&mut catalog, src);
    Ok(catalog)
}

/// Warns about messages marked `x-tidings-error-event: true` that cannot describe a dead
/// letter (a payload that is no object, or required properties no dead letter fills): they
/// get no `ErrorEvent` implementation. Messages that are error events by name only are
/// left as they are, quietly.
fn error_event_warnings(catalog: &mut Catalog, src: &Sources) {
    let mut warnings = Vec::new();
    let declared = catalog
        .messages
        .iter()
        .filter(|m| m.error_event == Some(ErrorEventMark::Declared));
    for message in declared {
        let Err(unfilled) = catalog.error_event_properties(message) else {
            continue;
        };
        let why = if unfilled.is_empty() {
            "its payload is not an object".to_owned()
        } else {
            format!(
                "its required properties {} name nothing a dead letter has (reason, \
                 originalType, originalId, source, address, group, operation, attempt, time)",
                unfilled
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        warnings.push(src.diag(
            message.span,
            format!(
                "message `{}` is marked `x-tidings-error-event`, but {why}: it gets no \
                 `ErrorEvent` implementation (build the event with \
                 `Consumer::error_events_with`)",
                message.name
            ),
        ));
    }
    catalog.warnings.extend(warnings);
}

/// How a message is marked as the error event of dead letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorEventMark {
    /// By its name: `system.error`, or a name that ends in `.system.error`.
    Named,
    /// By `x-tidings-error-event: true`.
    Declared,
}

/// Index into [`Catalog::types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub usize);

/// Index into [`Catalog::messages`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub usize);

/// Index into [`Catalog::channels`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub usize);

/// A resolved spec.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// The spec's `info`.
    pub info: Info,
    /// The file name of the main spec, for the generated header.
    pub source_name: String,
    /// The kind of spec and its version as written: `AsyncAPI 3.0.0`, `OpenAPI 3.1.0`.
    pub spec_kind: String,
    /// Servers.
    pub servers: Vec<Server>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Operations, from the application's point of view.
    pub operations: Vec<Operation>,
    /// Messages, each once however often it is referenced.
    pub messages: Vec<Message>,
    /// Named types.
    pub types: Vec<TypeDef>,
    /// Version families (messages sharing a name, differing in `x-version`).
    pub families: Vec<versions::Family>,
    /// The `From` impls between family members that can be derived.
    pub upcasts: Vec<versions::Upcast>,
    /// Every name `decode_message` accepts, with the message it selects.
    pub aliases: Vec<(String, MessageId)>,
    /// Handler traits, routers and publishers of the operations, with their names.
    pub interfaces: interfaces::Interfaces,
    /// Things that did not stop generation but that the user should know.
    pub warnings: Vec<crate::error::Diagnostic>,
    /// Named schemas of the document (OpenAPI `components/schemas`, a JSON Schema's
    /// `definitions` / `$defs`), for `tidings diff` to compare one by one.
    pub schemas: Vec<NamedSchema>,
    /// Every JSON Schema the catalog uses (payloads, headers, whole-value and field checks),
    /// each once, in one document that the generated code embeds once.
    pub schema_document: SchemaDocument,
}

/// A named schema of the document.
#[derive(Clone, Debug)]
pub struct NamedSchema {
    /// Its key (`Pet`).
    pub key: String,
    /// Its entry in [`Catalog::schema_document`].
    pub schema: SchemaEntry,
}

/// An entry of a [`SchemaDocument`]: the JSON pointer of a schema there
/// (`/definitions/Pet`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaEntry(pub String);

impl SchemaEntry {
    /// The JSON pointer.
    pub fn pointer(&self) -> &str {
        &self.0
    }
}

/// The JSON Schemas of a catalog as one document: each schema of the spec that is used is an
/// entry of `definitions` (named from where it is in the spec: `Pet` for
/// `#/components/schemas/Pet`), and every `$ref` points to another entry. What many
/// messages share is there once, which keeps generated code, generation and the runtime's
/// compiled schemas in proportion to the spec rather than to its messages times its schemas.
#[derive(Clone, Debug, Default)]
pub struct SchemaDocument {
    /// `{"$schema": ..., "definitions": {...}}`.
    pub document: serde_json::Value,
    /// Where each schema object of `document` is in the spec, by its pointer there.
    pub positions: SchemaPositions,
}

impl SchemaDocument {
    /// The schema of `entry`, `true` if there is none.
    pub fn get(&self, entry: &SchemaEntry) -> &serde_json::Value {
        static OPEN: serde_json::Value = serde_json::Value::Bool(true);
        self.document.pointer(entry.pointer()).unwrap_or(&OPEN)
    }

    /// Where the schema of `entry` is in the spec.
    pub fn position(&self, entry: &SchemaEntry) -> Option<&SourcePosition> {
        self.positions.get(entry.pointer())
    }

    /// `entry` as a self-contained document: `{"$ref": entry}` beside the entries it
    /// reaches (under the same keys) and the document's `$schema`.
    pub fn standalone(&self, entry: &SchemaEntry) -> serde_json::Value {
        let mut definitions = serde_json::Map::new();
        let mut pending = vec![entry.pointer().to_owned()];
        let mut seen = std::collections::HashSet::new();
        while let Some(pointer) = pending.pop() {
            if !seen.insert(pointer.clone()) {
                continue;
            }
            let Some(schema) = self.document.pointer(&pointer) else {
                continue;
            };
            refs_in(schema, &mut pending);
            if let Some(key) = pointer.strip_prefix("/definitions/") {
                let key = crate::source::pointer::unescape(key).unwrap_or_else(|_| key.to_owned());
                definitions.insert(key, schema.clone());
            }
        }
        let mut root = serde_json::Map::new();
        if let Some(uri) = self.document.get("$schema") {
            root.insert("$schema".into(), uri.clone());
        }
        root.insert("$ref".into(), format!("#{}", entry.pointer()).into());
        root.insert("definitions".into(), serde_json::Value::Object(definitions));
        serde_json::Value::Object(root)
    }
}

/// The pointers of the `$ref`s (`#/definitions/...`) in `schema`, data included (a bundled
/// schema's data holds no `$ref` of the bundle's making).
fn refs_in(schema: &serde_json::Value, out: &mut Vec<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => {
                        if let Some(pointer) = r.strip_prefix('#') {
                            out.push(pointer.to_owned());
                        }
                    }
                    _ => refs_in(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

/// `info` of the spec.
#[derive(Clone, Debug, Default)]
pub struct Info {
    /// Title.
    pub title: String,
    /// API version.
    pub version: String,
    /// Description.
    pub description: Option<String>,
}

/// A server.
#[derive(Clone, Debug)]
pub struct Server {
    /// Key under `servers`.
    pub name: String,
    /// Host (3.x) or URL (2.x).
    pub host: String,
    /// Protocol (`nats`, `amqp`, `mqtt`, `kafka`, ...).
    pub protocol: String,
    /// Path name (3.x).
    pub pathname: Option<String>,
}

/// A channel.
#[derive(Clone, Debug)]
pub struct Channel {
    /// Key under `channels`.
    pub key: String,
    /// Address template (`orders/{orderId}`); `None` when unknown or dynamic.
    pub address: Option<String>,
    /// Parameters of the address.
    pub parameters: Vec<Parameter>,
    /// Messages the channel carries.
    pub messages: Vec<MessageId>,
    /// Description.
    pub description: Option<String>,
    /// Protocol bindings, as written.
    pub bindings: serde_json::Value,
    /// Addresses that name one message each (OpenAPI webhooks and callbacks: a path per
    /// webhook): a publisher sends the message there, and a router takes a plain request
    /// there, without CloudEvents attributes, as that message.
    pub fixed: Vec<(MessageId, String)>,
}

/// A channel address parameter.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// Name in the address template.
    pub name: String,
    /// Rust name.
    pub rust_name: String,
    /// Description.
    pub description: Option<String>,
    /// Allowed values, if restricted.
    pub allowed: Vec<String>,
    /// Default value.
    pub default: Option<String>,
}

/// Whether the application sends or receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The application publishes.
    Send,
    /// The application consumes.
    Receive,
}

/// Where schema objects of a bundled schema come from: JSON pointer in the bundle → position.
pub type SchemaPositions = std::collections::BTreeMap<String, SourcePosition>;

/// A position in a spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcePosition {
    /// The file, as displayed in diagnostics.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// An operation.
#[derive(Clone, Debug)]
pub struct Operation {
    /// Key (3.x) or `operationId` / derived name (2.x).
    pub key: String,
    /// Rust name (snake case).
    pub rust_name: String,
    /// Send or receive.
    pub action: Action,
    /// The channel.
    pub channel: ChannelId,
    /// Messages of the operation.
    pub messages: Vec<MessageId>,
    /// Reply, for request/reply.
    pub reply: Option<Reply>,
    /// Summary.
    pub summary: Option<String>,
    /// Protocol bindings, as written.
    pub bindings: serde_json::Value,
    /// The retry policy of its `x-tidings-retry` extension (receive operations use it).
    pub retry: Option<RetrySpec>,
}

/// A retry policy as a spec states it (`x-tidings-retry` on an operation); what it leaves out
/// keeps tidings' default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RetrySpec {
    /// `maxAttempts`: attempts before the message is dead-lettered (at least 1).
    pub max_attempts: Option<u32>,
    /// `initialDelay`, in milliseconds: the wait before the second attempt.
    pub initial_delay_ms: Option<u64>,
    /// `maxDelay`, in milliseconds: the longest wait.
    pub max_delay_ms: Option<u64>,
    /// `multiplier`: how each wait grows (at least 1).
    pub multiplier: Option<f64>,
    /// `jitter`: the random share of each wait, 0 to 1.
    pub jitter: Option<f64>,
}

/// The reply of a request/reply operation.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The reply channel, when static.
    pub channel: Option<ChannelId>,
    /// Runtime expression of the reply address, when dynamic.
    pub address_location: Option<String>,
    /// Reply messages.
    pub messages: Vec<MessageId>,
}

/// A message.
#[derive(Clone, Debug)]
pub struct Message {
    /// The key it is best known by (components/messages key, channel key, messageId).
    pub key: String,
    /// The event type name: its `name`, else its key.
    pub name: String,
    /// Every name `decode_message` accepts for it.
    pub aliases: Vec<String>,
    /// The Rust type of the message (also its variant in `enum Message`).
    pub type_id: TypeId,
    /// Title.
    pub title: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Content type.
    pub content_type: String,
    /// Headers type.
    pub headers: Option<Ty>,
    /// Payload type (the message type itself when the payload is inline).
    pub payload: Ty,
    /// The payload's JSON Schema, in [`Catalog::schema_document`] (`None` for other formats).
    pub payload_schema: Option<SchemaEntry>,
    /// The headers' JSON Schema, in [`Catalog::schema_document`].
    pub headers_schema: Option<SchemaEntry>,
    /// Correlation id location (`$message.header#/correlationId`).
    pub correlation_id: Option<String>,
    /// The names of its `tags` (its traits' included), for the catalog.
    pub tags: Vec<String>,
    /// Protocol bindings, as written.
    pub bindings: serde_json::Value,
    /// Examples.
    pub examples: Vec<Example>,
    /// `x-version`, if any.
    pub version: Option<String>,
    /// Channels that carry it, in document order.
    pub channels: Vec<ChannelId>,
    /// Whether it announces dead letters, and how the spec says so: its type implements
    /// `tidings::consume::ErrorEvent` where every required property is one a dead letter
    /// fills ([`Catalog::error_event_properties`]).
    pub error_event: Option<ErrorEventMark>,
    /// Where it is defined.
    pub span: Span,
}

impl Message {
    /// A message of `key` and `name` whose type is `type_id`, defined at `span`, with nothing
    /// else known yet: the front ends fill in what their documents say.
    pub(crate) fn new(key: &str, name: &str, type_id: TypeId, span: Span) -> Message {
        Message {
            key: key.to_string(),
            name: name.to_string(),
            aliases: Vec::new(),
            type_id,
            title: None,
            summary: None,
            description: None,
            content_type: "application/json".into(),
            headers: None,
            payload: Ty::Any,
            payload_schema: None,
            headers_schema: None,
            tags: Vec::new(),
            correlation_id: None,
            bindings: serde_json::Value::Null,
            examples: Vec::new(),
            version: None,
            channels: Vec::new(),
            error_event: None,
            span,
        }
    }

    /// Adds a name `decode_message` accepts for it (once; never empty).
    pub(crate) fn add_alias(&mut self, alias: &str) {
        if !alias.is_empty() && !self.aliases.iter().any(|a| a == alias) {
            self.aliases.push(alias.to_string());
        }
    }
}

/// A message example.
#[derive(Clone, Debug)]
pub struct Example {
    /// Name, if given.
    pub name: Option<String>,
    /// Payload.
    pub payload: Option<serde_json::Value>,
    /// Headers.
    pub headers: Option<serde_json::Value>,
    /// Why the payload does not fit the payload type (`pointer: reason`), if it does not.
    pub payload_mismatch: Option<String>,
    /// Why the headers do not fit the headers type, if they do not.
    pub headers_mismatch: Option<String>,
    /// The name of the generated crate's test of the payload, if it has one.
    pub payload_test: Option<String>,
    /// The name of the generated crate's test of the headers, if it has one.
    pub headers_test: Option<String>,
}

/// A named Rust type.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// Rust name.
    pub rust_name: String,
    /// Documentation.
    pub docs: Docs,
    /// What it is.
    pub kind: TypeKind,
    /// The message it is the type of, if any.
    pub message: Option<MessageId>,
    /// Where its schema is (`#/components/schemas/Order` in file ...), for docs and diagnostics.
    pub origin: String,
    /// Constraints on the value of a newtype or alias (applied where an alias is used).
    pub constraints: Constraints,
    /// A whole-value check for keywords no typed check covers (`not`, `if`, `oneOf`
    /// exclusivity, `propertyNames`, ...): the schema, in [`Catalog::schema_document`].
    pub check: Option<SchemaEntry>,
}

/// Validation keywords on one value, as typed checks where tidings has them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    /// `minLength` / `minItems` / `minProperties`, by the value's type.
    pub min_length: Option<u64>,
    /// `maxLength` / `maxItems` / `maxProperties`, by the value's type.
    pub max_length: Option<u64>,
    /// `pattern` (ECMA-262).
    pub pattern: Option<String>,
    /// `format`, for formats tidings checks on strings.
    pub format: Option<String>,
    /// `minimum`.
    pub minimum: Option<serde_json::Number>,
    /// `maximum`.
    pub maximum: Option<serde_json::Number>,
    /// `exclusiveMinimum` (the draft-04 boolean form is folded in).
    pub exclusive_minimum: Option<serde_json::Number>,
    /// `exclusiveMaximum` (the draft-04 boolean form is folded in).
    pub exclusive_maximum: Option<serde_json::Number>,
    /// `multipleOf`.
    pub multiple_of: Option<serde_json::Number>,
    /// `uniqueItems: true`.
    pub unique_items: bool,
    /// `enum` on a value tidings does not type as an enum.
    pub enumeration: Option<Vec<serde_json::Value>>,
    /// `const`.
    pub constant: Option<serde_json::Value>,
    /// Constraints on each item of an array.
    pub items: Option<Box<Constraints>>,
    /// Constraints on each value of a map.
    pub values: Option<Box<Constraints>>,
    /// The whole schema, for keywords without a typed check, in [`Catalog::schema_document`].
    pub schema: Option<SchemaEntry>,
}

impl Constraints {
    /// Whether nothing is constrained.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }

    /// `self` with every constraint of `base` that `self` does not set.
    pub fn or(mut self, base: &Constraints) -> Constraints {
        macro_rules! fill {
            ($($f:ident),*) => {$(
                if self.$f.is_none() {
                    self.$f = base.$f.clone();
                }
            )*};
        }
        fill!(
            min_length,
            max_length,
            pattern,
            format,
            minimum,
            maximum,
            exclusive_minimum,
            exclusive_maximum,
            multiple_of,
            enumeration,
            constant,
            items,
            values,
            schema
        );
        self.unique_items |= base.unique_items;
        self
    }
}

/// Title and description of a schema, whether it is deprecated, and its `x-` extensions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Docs {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// `deprecated: true`: the Rust item is `#[deprecated]`.
    pub deprecated: bool,
    /// `x-` extensions, each as its key and its value's JSON, for the docs.
    pub extensions: Vec<(String, String)>,
}

/// The shape of a named type.
#[derive(Clone, Debug)]
pub enum TypeKind {
    /// Not yet converted (only during model building).
    Pending,
    /// An object with known properties.
    Struct(Struct),
    /// A string enum.
    StringEnum(Vec<EnumVariant>),
    /// An integer enum.
    IntEnum(Vec<IntVariant>),
    /// `oneOf` / `anyOf` / several types.
    Union(Union),
    /// `pub struct Name(pub Ty)`, serialized transparently.
    Newtype(Ty),
    /// `pub type Name = Ty;`
    Alias(Ty),
}

/// An object type.
#[derive(Clone, Debug, Default)]
pub struct Struct {
    /// Fields in schema order.
    pub fields: Vec<Field>,
    /// `additionalProperties: false`.
    pub closed: bool,
    /// Typed `additionalProperties`: a flattened map field of this value type.
    pub extra: Option<(String, Ty)>,
}

/// A struct field.
#[derive(Clone, Debug)]
pub struct Field {
    /// Name on the wire.
    pub wire: String,
    /// Rust name.
    pub rust_name: String,
    /// Type, without the `Option` that `required`/`nullable` add.
    pub ty: Ty,
    /// Listed in `required`.
    pub required: bool,
    /// May be `null`.
    pub nullable: bool,
    /// Schema default, when tidings can honour it.
    pub default: Option<Default>,
    /// Documentation.
    pub docs: Docs,
    /// Validation constraints on the value.
    pub constraints: Constraints,
}

/// How a field default is produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Default {
    /// The type's `Default::default()` equals the schema default.
    Trait,
    /// A literal value, produced by the named function.
    Value {
        /// The schema's default.
        value: serde_json::Value,
        /// The function that returns it (named by `naming::default_functions`).
        function: String,
    },
}

/// How `required`, `nullable` and `default` shape a field's declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldShape {
    /// Required, not nullable: `T`.
    Plain,
    /// Required and nullable: `Option<T>`, `null` when absent is an error.
    Nullable,
    /// Optional with a default: `T`, filled in when absent.
    Defaulted,
    /// Optional: `Option<T>`, left out when `None`.
    Optional,
    /// Optional and nullable: `Option<Option<T>>`, absent and `null` told apart.
    OptionalNullable,
}

impl Field {
    /// How the field is declared.
    pub fn shape(&self) -> FieldShape {
        match (self.required, self.nullable, &self.default) {
            (true, false, _) => FieldShape::Plain,
            (true, true, _) => FieldShape::Nullable,
            (false, false, Some(_)) => FieldShape::Defaulted,
            (false, false, None) => FieldShape::Optional,
            (false, true, _) => FieldShape::OptionalNullable,
        }
    }
}

/// A variant of a string enum.
#[derive(Clone, Debug)]
pub struct EnumVariant {
    /// Rust name.
    pub rust_name: String,
    /// Value on the wire.
    pub wire: String,
    /// Documentation (a `oneOf` of single values describes each).
    pub docs: Docs,
}

/// A variant of an integer enum.
#[derive(Clone, Debug)]
pub struct IntVariant {
    /// Rust name.
    pub rust_name: String,
    /// Value on the wire.
    pub value: i64,
}

/// A union type.
#[derive(Clone, Debug)]
pub struct Union {
    /// The property that tells the variants apart, when there is one.
    pub tag: Option<String>,
    /// Variants, in the order they are tried when untagged.
    pub variants: Vec<UnionVariant>,
}

/// A variant of a union.
#[derive(Clone, Debug)]
pub struct UnionVariant {
    /// Rust name.
    pub rust_name: String,
    /// Tag value (tagged unions).
    pub tag_value: Option<String>,
    /// Content.
    pub content: VariantContent,
    /// Documentation.
    pub docs: Docs,
    /// Constraints on a `Type` variant's value.
    pub constraints: Constraints,
}

/// What a union variant holds.
#[derive(Clone, Debug)]
pub enum VariantContent {
    /// A value of a type.
    Type(Ty),
    /// Fields inline (tagged unions: the branch minus its tag property).
    Fields(Struct),
}

/// A type as used in a field or variant.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// Any JSON value.
    Any,
    /// `null` only.
    Unit,
    /// `bool`.
    Bool,
    /// An integer type.
    Int(IntTy),
    /// `f64`.
    Float,
    /// `String`.
    String,
    /// RFC 3339 date-time.
    DateTime,
    /// Full date.
    Date,
    /// UUID.
    Uuid,
    /// A named type.
    Named(TypeId),
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// Map from string to `T`.
    Map(Box<Ty>),
    /// `Option<T>`.
    Option(Box<Ty>),
    /// `Box<T>` (breaks recursion).
    Box(Box<Ty>),
    /// Fixed-length tuple.
    Tuple(Vec<Ty>),
}

/// Integer widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntTy {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
}

impl Catalog {
    /// The fields of the struct type `id` is, or wraps through newtypes and aliases.
    pub fn struct_fields(&self, id: TypeId) -> Option<&[Field]> {
        let mut id = id;
        // Newtypes and aliases chain a few levels at most; a cycle would not be a struct.
        for _ in 0..16 {
            match &self.ty(id).kind {
                TypeKind::Struct(s) => return Some(&s.fields),
                TypeKind::Newtype(Ty::Named(inner)) | TypeKind::Alias(Ty::Named(inner)) => {
                    id = *inner
                }
                _ => return None,
            }
        }
        None
    }

    /// What each payload property of the error event `message` carries of a dead letter
    /// (wire name, role), or the required properties no dead letter fills (`Err`, empty
    /// when the payload is no object).
    pub fn error_event_properties(
        &self,
        message: &Message,
    ) -> std::result::Result<Vec<(String, tidings::consume::ErrorEventRole)>, Vec<String>> {
        let fields = self.struct_fields(message.type_id).ok_or_else(Vec::new)?;
        let unfilled: Vec<String> = fields
            .iter()
            .filter(|f| {
                f.required && !f.nullable && tidings::consume::ErrorEventRole::of(&f.wire).is_none()
            })
            .map(|f| f.wire.clone())
            .collect();
        if !unfilled.is_empty() {
            return Err(unfilled);
        }
        Ok(fields
            .iter()
            .filter_map(|f| {
                Some((
                    f.wire.clone(),
                    tidings::consume::ErrorEventRole::of(&f.wire)?,
                ))
            })
            .collect())
    }

    /// The type with id `id`.
    pub fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }
}
