//! The fixed fields of every AsyncAPI object, per version (2.0–2.6, 3.0, 3.1), as data.
//!
//! One row per field: the object it belongs to, its name, what its value must be, and the
//! versions that have it. Taken from the AsyncAPI specification and its JSON Schemas
//! (`asyncapi/spec-json-schemas`, `definitions/<version>/`). Beyond these fields an object
//! takes only extensions (`x-...`).

use super::Version;

/// An AsyncAPI object (not a schema: those are checked by [`super::schema`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Object {
    Document,
    Info,
    Contact,
    License,
    Server,
    ServerVariable,
    Channel,
    Operation,
    OperationTrait,
    Message,
    MessageTrait,
    MessageExample,
    Components,
    Parameter,
    CorrelationId,
    Tag,
    ExternalDocs,
    Reply,
    ReplyAddress,
    SecurityScheme,
    OAuthFlows,
    OAuthFlow,
}

impl Object {
    /// How the object is named in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Object::Document => "the document root",
            Object::Info => "an Info object",
            Object::Contact => "a Contact object",
            Object::License => "a License object",
            Object::Server => "a Server object",
            Object::ServerVariable => "a Server Variable object",
            Object::Channel => "a Channel object",
            Object::Operation => "an Operation object",
            Object::OperationTrait => "an Operation Trait object",
            Object::Message => "a Message object",
            Object::MessageTrait => "a Message Trait object",
            Object::MessageExample => "a Message Example object",
            Object::Components => "the Components object",
            Object::Parameter => "a Parameter object",
            Object::CorrelationId => "a Correlation ID object",
            Object::Tag => "a Tag object",
            Object::ExternalDocs => "an External Documentation object",
            Object::Reply => "an Operation Reply object",
            Object::ReplyAddress => "an Operation Reply Address object",
            Object::SecurityScheme => "a Security Scheme object",
            Object::OAuthFlows => "an OAuth Flows object",
            Object::OAuthFlow => "an OAuth Flow object",
        }
    }
}

/// What a field's value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string.
    Text,
    /// A boolean.
    Flag,
    /// A string or null (a 3.x channel address).
    Address,
    /// A list of strings.
    TextList,
    /// A mapping of strings (OAuth scopes).
    TextMap,
    /// Anything (example payloads, bindings, security requirements): not checked.
    Any,
    /// Any mapping.
    AnyMap,
    /// Any list.
    AnyList,
    /// The object (or a reference to one).
    Object(Object),
    /// A mapping of names to the object.
    MapOf(Object),
    /// A list of the object.
    ListOf(Object),
    /// A list of traits: each the object, or `[trait, options]` (3.x).
    Traits(Object),
    /// A schema in the message's `schemaFormat` (2.x), or a Multi Format Schema object or
    /// schema (3.x).
    Payload,
    /// A mapping of names to [`Kind::Payload`] (components' schemas).
    Payloads,
    /// A JSON Schema.
    Schema,
}

/// Versions from `.0` to `.1` inclusive.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Versions(Version, Version);

impl Versions {
    pub(crate) fn contains(self, v: Version) -> bool {
        self.0 <= v && v <= self.1
    }
}

const fn since(major: u32, minor: u32) -> Versions {
    Versions(Version(major, minor), Version(3, 99))
}
const fn v2_since(minor: u32) -> Versions {
    Versions(Version(2, minor), Version(2, 99))
}
const ALL: Versions = Versions(Version(2, 0), Version(3, 99));
const V2: Versions = Versions(Version(2, 0), Version(2, 99));
const V3: Versions = since(3, 0);

/// One fixed field.
pub(crate) struct Field {
    pub(crate) object: Object,
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) versions: Versions,
}

macro_rules! fields {
    ($($object:ident { $($name:literal: $kind:expr, $versions:expr;)* })*) => {
        &[$($(Field {
            object: Object::$object,
            name: $name,
            kind: $kind,
            versions: $versions,
        },)*)*]
    };
}

use Kind as K;
use Object as O;

/// Every fixed field of every object, in every version.
pub(crate) static FIELDS: &[Field] = fields! {
    Document {
        "asyncapi": K::Text, ALL;
        "id": K::Text, ALL;
        "info": K::Object(O::Info), ALL;
        "servers": K::MapOf(O::Server), ALL;
        "defaultContentType": K::Text, ALL;
        "channels": K::MapOf(O::Channel), ALL;
        "components": K::Object(O::Components), ALL;
        "tags": K::ListOf(O::Tag), V2;
        "externalDocs": K::Object(O::ExternalDocs), V2;
        "operations": K::MapOf(O::Operation), V3;
    }
    Info {
        "title": K::Text, ALL;
        "version": K::Text, ALL;
        "description": K::Text, ALL;
        "termsOfService": K::Text, ALL;
        "contact": K::Object(O::Contact), ALL;
        "license": K::Object(O::License), ALL;
        "tags": K::ListOf(O::Tag), V3;
        "externalDocs": K::Object(O::ExternalDocs), V3;
    }
    Contact {
        "name": K::Text, ALL;
        "url": K::Text, ALL;
        "email": K::Text, ALL;
    }
    License {
        "name": K::Text, ALL;
        "url": K::Text, ALL;
    }
    Server {
        "url": K::Text, V2;
        "host": K::Text, V3;
        "pathname": K::Text, V3;
        "title": K::Text, V3;
        "summary": K::Text, V3;
        "description": K::Text, ALL;
        "protocol": K::Text, ALL;
        "protocolVersion": K::Text, ALL;
        "variables": K::MapOf(O::ServerVariable), ALL;
        "security": K::AnyList, ALL;
        "tags": K::ListOf(O::Tag), v2_since(5);
        "tags": K::ListOf(O::Tag), V3;
        "externalDocs": K::Object(O::ExternalDocs), V3;
        "bindings": K::AnyMap, ALL;
    }
    ServerVariable {
        "enum": K::TextList, ALL;
        "default": K::Text, ALL;
        "description": K::Text, ALL;
        "examples": K::TextList, ALL;
    }
    Channel {
        "$ref": K::Text, V2;
        "address": K::Address, V3;
        "messages": K::MapOf(O::Message), V3;
        "title": K::Text, V3;
        "summary": K::Text, V3;
        "description": K::Text, ALL;
        "servers": K::TextList, v2_since(2);
        "servers": K::ListOf(O::Server), V3;
        "parameters": K::MapOf(O::Parameter), ALL;
        "publish": K::Object(O::Operation), V2;
        "subscribe": K::Object(O::Operation), V2;
        "deprecated": K::Flag, V2;
        "tags": K::ListOf(O::Tag), V3;
        "externalDocs": K::Object(O::ExternalDocs), V3;
        "bindings": K::AnyMap, ALL;
    }
    Operation {
        "action": K::Text, V3;
        "channel": K::Object(O::Channel), V3;
        "messages": K::ListOf(O::Message), V3;
        "reply": K::Object(O::Reply), V3;
        "operationId": K::Text, V2;
        "message": K::Object(O::Message), V2;
        "traits": K::Traits(O::OperationTrait), ALL;
        "title": K::Text, V3;
        "summary": K::Text, ALL;
        "description": K::Text, ALL;
        "security": K::AnyList, v2_since(4);
        "security": K::AnyList, V3;
        "tags": K::ListOf(O::Tag), ALL;
        "externalDocs": K::Object(O::ExternalDocs), ALL;
        "bindings": K::AnyMap, ALL;
    }
    OperationTrait {
        "operationId": K::Text, V2;
        "title": K::Text, V3;
        "summary": K::Text, ALL;
        "description": K::Text, ALL;
        "security": K::AnyList, v2_since(4);
        "security": K::AnyList, V3;
        "tags": K::ListOf(O::Tag), ALL;
        "externalDocs": K::Object(O::ExternalDocs), ALL;
        "bindings": K::AnyMap, ALL;
    }
    Message {
        "schemaFormat": K::Text, V2;
        "messageId": K::Text, v2_since(4);
        "contentType": K::Text, ALL;
        "headers": K::Payload, ALL;
        "payload": K::Payload, ALL;
        "correlationId": K::Object(O::CorrelationId), ALL;
        "tags": K::ListOf(O::Tag), ALL;
        "summary": K::Text, ALL;
        "name": K::Text, ALL;
        "title": K::Text, ALL;
        "description": K::Text, ALL;
        "externalDocs": K::Object(O::ExternalDocs), ALL;
        "deprecated": K::Flag, ALL;
        "examples": K::ListOf(O::MessageExample), ALL;
        "bindings": K::AnyMap, ALL;
        "traits": K::Traits(O::MessageTrait), ALL;
        "oneOf": K::ListOf(O::Message), V2;
    }
    MessageTrait {
        "schemaFormat": K::Text, V2;
        "messageId": K::Text, v2_since(4);
        "contentType": K::Text, ALL;
        "headers": K::Payload, ALL;
        "correlationId": K::Object(O::CorrelationId), ALL;
        "tags": K::ListOf(O::Tag), ALL;
        "summary": K::Text, ALL;
        "name": K::Text, ALL;
        "title": K::Text, ALL;
        "description": K::Text, ALL;
        "externalDocs": K::Object(O::ExternalDocs), ALL;
        "deprecated": K::Flag, ALL;
        "examples": K::ListOf(O::MessageExample), ALL;
        "bindings": K::AnyMap, ALL;
    }
    MessageExample {
        "name": K::Text, ALL;
        "summary": K::Text, ALL;
        "headers": K::AnyMap, ALL;
        "payload": K::Any, ALL;
    }
    Components {
        "schemas": K::Payloads, ALL;
        "servers": K::MapOf(O::Server), v2_since(3);
        "servers": K::MapOf(O::Server), V3;
        "channels": K::MapOf(O::Channel), v2_since(3);
        "channels": K::MapOf(O::Channel), V3;
        "serverVariables": K::MapOf(O::ServerVariable), v2_since(4);
        "serverVariables": K::MapOf(O::ServerVariable), V3;
        "operations": K::MapOf(O::Operation), V3;
        "messages": K::MapOf(O::Message), ALL;
        "securitySchemes": K::MapOf(O::SecurityScheme), ALL;
        "parameters": K::MapOf(O::Parameter), ALL;
        "correlationIds": K::MapOf(O::CorrelationId), ALL;
        "operationTraits": K::MapOf(O::OperationTrait), ALL;
        "messageTraits": K::MapOf(O::MessageTrait), ALL;
        "replies": K::MapOf(O::Reply), V3;
        "replyAddresses": K::MapOf(O::ReplyAddress), V3;
        "externalDocs": K::MapOf(O::ExternalDocs), V3;
        "tags": K::MapOf(O::Tag), V3;
        "serverBindings": K::AnyMap, ALL;
        "channelBindings": K::AnyMap, ALL;
        "operationBindings": K::AnyMap, ALL;
        "messageBindings": K::AnyMap, ALL;
    }
    Parameter {
        "description": K::Text, ALL;
        "location": K::Text, ALL;
        "schema": K::Schema, V2;
        "$ref": K::Text, V2;
        "enum": K::TextList, V3;
        "default": K::Text, V3;
        "examples": K::TextList, V3;
    }
    CorrelationId {
        "description": K::Text, ALL;
        "location": K::Text, ALL;
    }
    Tag {
        "name": K::Text, ALL;
        "description": K::Text, ALL;
        "externalDocs": K::Object(O::ExternalDocs), ALL;
    }
    ExternalDocs {
        "description": K::Text, ALL;
        "url": K::Text, ALL;
    }
    Reply {
        "address": K::Object(O::ReplyAddress), V3;
        "channel": K::Object(O::Channel), V3;
        "messages": K::ListOf(O::Message), V3;
    }
    ReplyAddress {
        "location": K::Text, V3;
        "description": K::Text, V3;
    }
    SecurityScheme {
        "type": K::Text, ALL;
        "description": K::Text, ALL;
        "name": K::Text, ALL;
        "in": K::Text, ALL;
        "scheme": K::Text, ALL;
        "bearerFormat": K::Text, ALL;
        "flows": K::Object(O::OAuthFlows), ALL;
        "openIdConnectUrl": K::Text, ALL;
        "scopes": K::TextList, V3;
    }
    OAuthFlows {
        "implicit": K::Object(O::OAuthFlow), ALL;
        "password": K::Object(O::OAuthFlow), ALL;
        "clientCredentials": K::Object(O::OAuthFlow), ALL;
        "authorizationCode": K::Object(O::OAuthFlow), ALL;
    }
    OAuthFlow {
        "authorizationUrl": K::Text, ALL;
        "tokenUrl": K::Text, ALL;
        "refreshUrl": K::Text, ALL;
        "scopes": K::TextMap, V2;
        "availableScopes": K::TextMap, V3;
    }
};

/// Objects that take any keys in some versions (2.0–2.3 message examples were free-form).
static OPEN: &[(Object, Versions)] = &[(
    Object::MessageExample,
    Versions(Version(2, 0), Version(2, 3)),
)];

/// The field `name` of `object` in `version`.
pub(crate) fn field(object: Object, name: &str, version: Version) -> Option<&'static Field> {
    FIELDS
        .iter()
        .find(|f| f.object == object && f.name == name && f.versions.contains(version))
}

/// The names of the fields of `object` in `version`.
pub(crate) fn names(object: Object, version: Version) -> impl Iterator<Item = &'static str> {
    FIELDS
        .iter()
        .filter(move |f| f.object == object && f.versions.contains(version))
        .map(|f| f.name)
}

/// Whether `object` takes any keys in `version`.
pub(crate) fn is_open(object: Object, version: Version) -> bool {
    OPEN.iter()
        .any(|(o, versions)| *o == object && versions.contains(version))
}

/// Whether `name` is a field of `object` in some other version, and which major version.
pub(crate) fn other_version(object: Object, name: &str) -> Option<u32> {
    FIELDS
        .iter()
        .find(|f| f.object == object && f.name == name)
        .map(|f| f.versions.0 .0)
}
