//! A JSON Schema document (draft-07, 2019-09, 2020-12) → [`Catalog`].
//!
//! The root schema becomes a message, so that `decode_message` checks a payload against the
//! whole document; its type is named from `title`, else from the file name. Every entry of
//! `definitions` and `$defs`, at the root or nested in them, becomes a named type with its
//! validator, whether the root references it or not.

use crate::error::Result;
use crate::source::node::Node;
use crate::source::resolve::Loc;
use crate::source::Sources;

use super::naming::Scope;
use super::schema::TypeSpace;
use super::{Info, Message, Ty};

/// Builds the catalog of a JSON Schema document.
pub(super) fn build(src: &Sources, options: &crate::LoadOptions) -> Result<super::Catalog> {
    let kind = src.kind()?;
    let root = &src.main().root;
    let doc = Loc::root(root.span.doc);
    let mut space = TypeSpace::new(src, Scope::with_reserved(&["Message"]));
    space.strict = options.strict_json_schema;
    space.dialect = kind.dialect(root);

    let title = root.get("title").and_then(Node::as_str).map(str::to_string);
    let stem = super::schema::file_stem(&src.main().display);
    let key = title.clone().unwrap_or(stem);
    let type_id = space.reserve(&key, &doc);
    let payload = Some((root, doc.clone()));
    let name = space.types[type_id.0].rust_name.clone();
    let schema = space.entry_named(root, &doc, Some(&name))?;
    space.define_message(type_id, payload)?;
    let mut schemas = Vec::new();
    for key in ["definitions", "$defs"] {
        let compare = options.compare_named_schemas;
        definitions(
            &mut space,
            root,
            &doc.child(key),
            key,
            compare,
            &mut schemas,
        )?;
    }
    space.drain()?;
    let name = root
        .get("$id")
        .and_then(Node::as_str)
        .map_or_else(|| key.clone(), str::to_string);
    let mut message = Message {
        title,
        description: super::asyncapi::text_of(root, "description"),
        payload: Ty::Named(type_id),
        payload_schema: Some(schema),
        examples: super::openapi::schema_examples(root),
        ..Message::new(&key, &name, type_id, root.span)
    };
    message.add_alias(&name);
    message.add_alias(&key);
    let parts = super::Parts {
        schemas,
        info: Info {
            title: message.title.clone().unwrap_or_else(|| {
                let display = &src.main().display;
                display.rsplit('/').next().unwrap_or(display).to_string()
            }),
            version: String::new(),
            description: None,
        },
        kind: kind.shown(),
        servers: Vec::new(),
        channels: Vec::new(),
        operations: Vec::new(),
        messages: vec![message],
    };
    super::assemble(src, space, parts)
}

/// Every schema under the map at `loc` (`definitions` or `$defs`), and those nested in them,
/// each named and bundled for `tidings diff` (by its path of keys: `address/street`).
fn definitions<'a>(
    space: &mut TypeSpace<'a>,
    node: &'a Node,
    loc: &Loc,
    key: &str,
    compare: bool,
    out: &mut Vec<super::NamedSchema>,
) -> Result<()> {
    let Some(map) = node.get(key).and_then(Node::as_map) else {
        return Ok(());
    };
    for (name, schema) in map {
        let at = loc.child(name);
        if crate::source::resolve::ref_of(schema).is_none() {
            if compare {
                out.push(super::NamedSchema {
                    key: name.clone(),
                    schema: space.entry(schema, &at)?,
                });
            }
            space.named_at(schema, at.clone());
        }
        for nested in ["definitions", "$defs"] {
            definitions(space, schema, &at.child(nested), nested, compare, out)?;
        }
    }
    Ok(())
}
