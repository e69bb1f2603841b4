//! Stage 2: `$ref` resolution across the loaded files.
//!
//! A reference is resolved relative to the file that holds it (every [`Node`] knows its file),
//! and chains of references are followed to the first node that is not a reference. The place
//! a chain ends, its [`Loc`], is the identity of what it names: two refs to the same schema
//! yield the same Rust type.

use std::collections::HashSet;

use crate::error::Result;
use crate::load::Sources;
use crate::node::{DocId, Node};
use crate::pointer;

/// A place in the spec: a file and a JSON pointer into it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// The file.
    pub doc: DocId,
    /// JSON pointer from the file's root (`""` is the root).
    pub pointer: String,
}

impl Loc {
    /// The root of `doc`.
    pub fn root(doc: DocId) -> Self {
        Loc {
            doc,
            pointer: String::new(),
        }
    }

    /// The location of child `token`.
    pub fn child(&self, token: &str) -> Loc {
        Loc {
            doc: self.doc,
            pointer: pointer::push(&self.pointer, token),
        }
    }

    /// The location as `#/a/b`, for diagnostics.
    pub fn fragment(&self) -> String {
        format!("#{}", self.pointer)
    }

    /// The last token of the pointer, unescaped.
    pub fn last_token(&self) -> Option<String> {
        let last = self.pointer.rsplit('/').next()?;
        Some(last.replace("~1", "/").replace("~0", "~"))
    }
}

/// The `$ref` string of `node`, if it is a reference object.
pub fn ref_of(node: &Node) -> Option<&str> {
    node.get("$ref").and_then(Node::as_str)
}

impl Sources {
    /// Follows `node` while it is a `$ref`, returning the first non-reference node and where it is.
    pub fn resolve<'a>(&'a self, node: &'a Node, loc: Loc) -> Result<(&'a Node, Loc)> {
        let mut current = (node, loc);
        let mut seen = HashSet::new();
        while let Some(reference) = ref_of(current.0) {
            let span = current.0.get("$ref").map_or(current.0.span, |r| r.span);
            let target = self.lookup(current.0.span.doc, reference, span)?;
            if !seen.insert(target.1.clone()) {
                return Err(self
                    .diag(
                        span,
                        format!("`$ref: {reference}` is part of a cycle of references"),
                    )
                    .with_pointer(reference)
                    .into());
            }
            current = target;
        }
        Ok(current)
    }

    /// The node one reference names, without following further references.
    pub fn lookup<'a>(
        &'a self,
        from: DocId,
        reference: &str,
        span: crate::node::Span,
    ) -> Result<(&'a Node, Loc)> {
        let doc = self.doc_for_ref(from, reference).ok_or_else(|| {
            self.diag(span, format!("unresolvable `$ref: {reference}`"))
                .with_pointer(reference)
        })?;
        let fragment = reference.split_once('#').map_or("", |(_, f)| f);
        let tokens = pointer::tokens(fragment).map_err(|e| {
            self.diag(span, format!("invalid `$ref: {reference}`: {e}"))
                .with_pointer(reference)
        })?;
        let node = pointer::walk(&self.doc(doc).root, &tokens).ok_or_else(|| {
            self.diag(
                span,
                format!(
                    "unresolvable `$ref: {reference}`: no such location in {}",
                    self.doc(doc).display
                ),
            )
            .with_pointer(reference)
        })?;
        let pointer = tokens
            .iter()
            .fold(String::new(), |p, t| pointer::push(&p, t));
        Ok((node, Loc { doc, pointer }))
    }
}
