//! The JSON Schema vocabulary as data: every keyword, what its value must be, and its role.
//!
//! One table serves the structure checks (each keyword's value kind), the model (does a schema
//! assert anything? which keywords only annotate?) and the compatibility checker (which
//! keywords hold schemas, which never change what is valid).

/// What a keyword's value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A schema (a mapping or a boolean).
    Schema,
    /// A schema or a list of schemas (`items`).
    SchemaOrList,
    /// A non-empty list of schemas.
    SchemaList,
    /// A mapping of names to schemas.
    SchemaMap,
    /// A mapping of names to schemas or lists of property names (`dependencies`).
    Dependencies,
    /// A mapping of names to lists of property names.
    NamesMap,
    /// A list of property names.
    Names,
    /// A number.
    Number,
    /// A number, or a boolean as in draft 4.
    NumberOrFlag,
    /// A whole number of at least zero.
    Count,
    /// A boolean.
    Flag,
    /// A string.
    Text,
    /// A type name or a list of them.
    Type,
    /// A list of values.
    List,
    /// A string or a mapping (`discriminator`: AsyncAPI's string, OpenAPI's object).
    TextOrMap,
    /// A mapping.
    Map,
    /// Anything (`const`, `default`, `examples`, ...).
    Any,
}

/// What a keyword does to validity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// It constrains values, directly or through the schemas it holds (`type`, `properties`,
    /// `$ref`, ...).
    Assertion,
    /// It describes, identifies or documents, and never changes which values are valid.
    Annotation,
    /// It holds schemas for references to reach (`definitions`, `$defs`), applying none.
    Container,
}

/// The keywords of JSON Schema (draft 4 to 2020-12) and of the AsyncAPI and OpenAPI schema
/// objects, with what each one's value must be and what it does.
pub(crate) static KEYWORDS: &[(&str, Kind, Role)] = &[
    ("$schema", Kind::Text, Role::Annotation),
    ("$id", Kind::Text, Role::Annotation),
    ("id", Kind::Text, Role::Annotation),
    ("$ref", Kind::Text, Role::Assertion),
    ("$comment", Kind::Text, Role::Annotation),
    ("$anchor", Kind::Text, Role::Annotation),
    ("$dynamicAnchor", Kind::Text, Role::Annotation),
    ("$dynamicRef", Kind::Text, Role::Assertion),
    ("$recursiveRef", Kind::Text, Role::Assertion),
    ("$recursiveAnchor", Kind::Flag, Role::Annotation),
    ("$vocabulary", Kind::Map, Role::Annotation),
    ("$defs", Kind::SchemaMap, Role::Container),
    ("definitions", Kind::SchemaMap, Role::Container),
    ("title", Kind::Text, Role::Annotation),
    ("description", Kind::Text, Role::Annotation),
    ("type", Kind::Type, Role::Assertion),
    ("enum", Kind::List, Role::Assertion),
    ("const", Kind::Any, Role::Assertion),
    ("default", Kind::Any, Role::Annotation),
    ("examples", Kind::Any, Role::Annotation),
    ("example", Kind::Any, Role::Annotation),
    ("format", Kind::Text, Role::Assertion),
    ("pattern", Kind::Text, Role::Assertion),
    ("minLength", Kind::Count, Role::Assertion),
    ("maxLength", Kind::Count, Role::Assertion),
    ("contentEncoding", Kind::Text, Role::Annotation),
    ("contentMediaType", Kind::Text, Role::Annotation),
    ("contentSchema", Kind::Schema, Role::Annotation),
    ("minimum", Kind::Number, Role::Assertion),
    ("maximum", Kind::Number, Role::Assertion),
    ("exclusiveMinimum", Kind::NumberOrFlag, Role::Assertion),
    ("exclusiveMaximum", Kind::NumberOrFlag, Role::Assertion),
    ("multipleOf", Kind::Number, Role::Assertion),
    ("items", Kind::SchemaOrList, Role::Assertion),
    ("prefixItems", Kind::SchemaList, Role::Assertion),
    ("additionalItems", Kind::Schema, Role::Assertion),
    ("unevaluatedItems", Kind::Schema, Role::Assertion),
    ("contains", Kind::Schema, Role::Assertion),
    ("minContains", Kind::Count, Role::Assertion),
    ("maxContains", Kind::Count, Role::Assertion),
    ("minItems", Kind::Count, Role::Assertion),
    ("maxItems", Kind::Count, Role::Assertion),
    ("uniqueItems", Kind::Flag, Role::Assertion),
    ("properties", Kind::SchemaMap, Role::Assertion),
    ("patternProperties", Kind::SchemaMap, Role::Assertion),
    ("additionalProperties", Kind::Schema, Role::Assertion),
    ("unevaluatedProperties", Kind::Schema, Role::Assertion),
    ("propertyNames", Kind::Schema, Role::Assertion),
    ("required", Kind::Names, Role::Assertion),
    ("minProperties", Kind::Count, Role::Assertion),
    ("maxProperties", Kind::Count, Role::Assertion),
    ("dependencies", Kind::Dependencies, Role::Assertion),
    ("dependentRequired", Kind::NamesMap, Role::Assertion),
    ("dependentSchemas", Kind::SchemaMap, Role::Assertion),
    ("allOf", Kind::SchemaList, Role::Assertion),
    ("anyOf", Kind::SchemaList, Role::Assertion),
    ("oneOf", Kind::SchemaList, Role::Assertion),
    ("not", Kind::Schema, Role::Assertion),
    ("if", Kind::Schema, Role::Assertion),
    ("then", Kind::Schema, Role::Assertion),
    ("else", Kind::Schema, Role::Assertion),
    ("readOnly", Kind::Flag, Role::Annotation),
    ("writeOnly", Kind::Flag, Role::Annotation),
    ("deprecated", Kind::Flag, Role::Annotation),
    ("nullable", Kind::Flag, Role::Assertion),
    ("discriminator", Kind::TextOrMap, Role::Annotation),
    ("externalDocs", Kind::Map, Role::Annotation),
    ("xml", Kind::Map, Role::Annotation),
];

fn entry(keyword: &str) -> Option<&'static (&'static str, Kind, Role)> {
    KEYWORDS.iter().find(|(k, _, _)| *k == keyword)
}

/// What the value of `keyword` must be, if it is a known keyword.
pub(crate) fn kind(keyword: &str) -> Option<Kind> {
    entry(keyword).map(|(_, kind, _)| *kind)
}

/// Whether `keyword` constrains values (an unknown keyword does not).
pub(crate) fn asserts(keyword: &str) -> bool {
    entry(keyword).is_some_and(|(_, _, role)| *role == Role::Assertion)
}

/// Whether `keyword` never changes validity: an annotation, or a container of definitions.
/// AsyncAPI's `summary` beside a `$ref` counts as an annotation too.
pub(crate) fn is_annotation(keyword: &str) -> bool {
    keyword == "summary" || entry(keyword).is_some_and(|(_, _, role)| *role != Role::Assertion)
}

/// Whether the value of `keyword` is a schema, or a list or map of schemas, that applies to
/// the instance or its parts.
pub(crate) fn holds_schemas(keyword: &str) -> bool {
    entry(keyword).is_some_and(|(_, kind, role)| {
        *role == Role::Assertion
            && matches!(
                kind,
                Kind::Schema
                    | Kind::SchemaOrList
                    | Kind::SchemaList
                    | Kind::SchemaMap
                    | Kind::Dependencies
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_keyword_once() {
        let mut names: Vec<_> = KEYWORDS.iter().map(|(k, _, _)| *k).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn roles() {
        for k in [
            "type",
            "properties",
            "$ref",
            "prefixItems",
            "unevaluatedProperties",
            "not",
        ] {
            assert!(asserts(k) && !is_annotation(k), "{k}");
        }
        for k in [
            "title",
            "description",
            "examples",
            "$comment",
            "definitions",
            "$defs",
            "summary",
        ] {
            assert!(is_annotation(k) && !asserts(k), "{k}");
        }
        for k in [
            "items",
            "prefixItems",
            "dependentSchemas",
            "dependencies",
            "if",
            "allOf",
        ] {
            assert!(holds_schemas(k), "{k}");
        }
        for k in ["definitions", "$defs", "required", "enum", "x-anything"] {
            assert!(!holds_schemas(k), "{k}");
        }
        assert!(!asserts("x-anything") && !is_annotation("x-anything"));
    }
}
